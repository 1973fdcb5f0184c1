// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress test for Kexec HandOver (KHO): preserve and unpreserve from many
 * threads while the handover is finalized and aborted.
 *
 * On load, threads= kernel threads preserve and unpreserve folios of orders
 * 0 to 3 and vmalloc() areas of 1 to 16 pages at random for secs= seconds,
 * while user space finalizes and aborts the handover in a loop (and loads
 * and unloads a module that registers a KHO notifier).  Each thread knows
 * what it preserved; every call must return 0, or -EBUSY while the handover
 * is finalized, and nothing else.  At the end each thread unpreserves what
 * it still holds, waiting out a finalize if need be, and checks that the
 * tracker then holds none of it (a second unpreserve finds nothing): so the
 * tracker held exactly what the threads believed.  One line reports it:
 *
 *   test_kho_stress: threads=T secs=S ops=N preserves=P unpreserves=U
 *   vmalloc=V busy=B mismatches=M
 *
 * The module loads, holding nothing, if M is 0, and fails with -EIO if not.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static unsigned int secs = 60;
module_param(secs, uint, 0444);
MODULE_PARM_DESC(secs, "how long the threads run, in seconds (default 60)");

static unsigned int threads = 4;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "how many threads preserve and unpreserve (default 4)");

#define KHO_STRESS_FOLIOS	256	/* folios a thread holds at most */
#define KHO_STRESS_AREAS	16	/* vmalloc() areas a thread holds at most */
#define KHO_STRESS_MAX_ORDER	3

struct kho_stress_area {
	void *ptr;
	unsigned int pages;
	struct kho_vmalloc pres;
};

struct kho_stress {
	struct completion done;
	struct rnd_state rnd;
	unsigned long deadline;
	struct folio *folios[KHO_STRESS_FOLIOS];
	struct kho_stress_area areas[KHO_STRESS_AREAS];
	unsigned int nr_folios, nr_areas;
	unsigned long ops, preserves, unpreserves, vmallocs, busy, mismatches;
};

/* Count a result that is neither 0 nor -EBUSY; true for 0 */
static bool kho_stress_ok(struct kho_stress *s, int ret, const char *what)
{
	if (ret == -EBUSY)
		s->busy++;
	else if (ret && s->mismatches++ < 5)
		pr_err("%s returned %d, not 0 or -EBUSY\n", what, ret);
	return !ret;
}

static void kho_stress_preserve_folio(struct kho_stress *s)
{
	unsigned int order = prandom_u32_state(&s->rnd) % (KHO_STRESS_MAX_ORDER + 1);
	struct folio *folio;

	if (s->nr_folios == KHO_STRESS_FOLIOS)
		return;
	folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
	if (!folio)
		return;
	if (kho_stress_ok(s, kho_preserve_folio(folio), "kho_preserve_folio()")) {
		s->folios[s->nr_folios++] = folio;
		s->preserves++;
	} else {
		folio_put(folio);
	}
}

static void kho_stress_unpreserve_folio(struct kho_stress *s, unsigned int i)
{
	struct folio *folio = s->folios[i];

	if (!kho_stress_ok(s, kho_unpreserve_folio(folio),
			   "kho_unpreserve_folio()"))
		return;
	folio_put(folio);
	s->folios[i] = s->folios[--s->nr_folios];
	s->unpreserves++;
}

static void kho_stress_preserve_area(struct kho_stress *s)
{
	struct kho_stress_area *a = &s->areas[s->nr_areas];
	unsigned int pages = 1 + prandom_u32_state(&s->rnd) % 16;

	if (s->nr_areas == KHO_STRESS_AREAS)
		return;
	a->ptr = vmalloc(pages * PAGE_SIZE);
	if (!a->ptr)
		return;
	a->pages = pages;
	if (kho_stress_ok(s, kho_preserve_vmalloc(a->ptr, &a->pres),
			  "kho_preserve_vmalloc()")) {
		s->nr_areas++;
		s->vmallocs++;
	} else {
		vfree(a->ptr);
	}
}

static void kho_stress_unpreserve_area(struct kho_stress *s, unsigned int i)
{
	struct kho_stress_area *a = &s->areas[i];

	if (!kho_stress_ok(s, kho_unpreserve_vmalloc(&a->pres),
			   "kho_unpreserve_vmalloc()"))
		return;
	vfree(a->ptr);
	*a = s->areas[--s->nr_areas];
	s->unpreserves++;
}

/* Retry @call while the handover is finalized */
#define kho_stress_retry(call) ({			\
	int __ret;					\
							\
	while ((__ret = (call)) == -EBUSY)		\
		usleep_range(1000, 2000);		\
	__ret;						\
})

/* Count it if unpreserving @phys, @size again does not find it gone */
static void kho_stress_check_gone(struct kho_stress *s, phys_addr_t phys,
				  size_t size)
{
	int ret = kho_stress_retry(kho_unpreserve_phys(phys, size));

	if (ret != -ENOENT && s->mismatches++ < 5)
		pr_err("unpreserved memory at %pa still preserved (%d)\n",
		       &phys, ret);
}

/*
 * Unpreserve everything still held, waiting out a finalize, and check that
 * the tracker then holds none of it.
 */
static void kho_stress_drain(struct kho_stress *s)
{
	unsigned int i;
	int ret;

	while (s->nr_folios) {
		struct folio *folio = s->folios[--s->nr_folios];

		ret = kho_stress_retry(kho_unpreserve_folio(folio));
		if (kho_stress_ok(s, ret, "kho_unpreserve_folio() at the end"))
			s->unpreserves++;
		kho_stress_check_gone(s, PFN_PHYS(folio_pfn(folio)),
				      folio_size(folio));
		folio_put(folio);
	}
	while (s->nr_areas) {
		struct kho_stress_area *a = &s->areas[--s->nr_areas];

		ret = kho_stress_retry(kho_unpreserve_vmalloc(&a->pres));
		if (kho_stress_ok(s, ret, "kho_unpreserve_vmalloc() at the end"))
			s->unpreserves++;
		for (i = 0; i < a->pages; i++)
			kho_stress_check_gone(s, PFN_PHYS(vmalloc_to_pfn(a->ptr +
							i * PAGE_SIZE)), PAGE_SIZE);
		vfree(a->ptr);
	}
}

static int kho_stress_thread(void *data)
{
	struct kho_stress *s = data;

	while (time_before(jiffies, s->deadline)) {
		unsigned int r = prandom_u32_state(&s->rnd);

		switch (r % 8) {
		case 0 ... 2:
			kho_stress_preserve_folio(s);
			break;
		case 3 ... 4:
			if (s->nr_folios)
				kho_stress_unpreserve_folio(s, (r >> 8) % s->nr_folios);
			break;
		case 5:
			kho_stress_preserve_area(s);
			break;
		default:
			if (s->nr_areas)
				kho_stress_unpreserve_area(s, (r >> 8) % s->nr_areas);
			break;
		}
		s->ops++;
		cond_resched();
	}
	kho_stress_drain(s);
	complete(&s->done);
	return 0;
}

static int __init kho_stress_init(void)
{
	unsigned long ops = 0, pres = 0, unpres = 0, vm = 0, busy = 0, bad = 0;
	unsigned long deadline = jiffies + secs * HZ;
	struct kho_stress *s;
	unsigned int i, started = 0;

	if (!kho_is_enabled()) {
		pr_err("Kexec HandOver is disabled; boot with kho=on to run this test\n");
		return -EOPNOTSUPP;
	}
	if (!threads || threads > 64)
		return -EINVAL;
	s = kvcalloc(threads, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < threads; i++) {
		struct task_struct *t;

		init_completion(&s[i].done);
		prandom_seed_state(&s[i].rnd, get_random_u64());
		s[i].deadline = deadline;
		t = kthread_run(kho_stress_thread, &s[i], "kho_stress/%u", i);
		if (IS_ERR(t)) {
			pr_err("cannot start thread %u (%ld)\n", i, PTR_ERR(t));
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++) {
		wait_for_completion(&s[i].done);
		ops += s[i].ops;
		pres += s[i].preserves;
		unpres += s[i].unpreserves;
		vm += s[i].vmallocs;
		busy += s[i].busy;
		bad += s[i].mismatches;
	}
	kvfree(s);
	pr_info("threads=%u secs=%u ops=%lu preserves=%lu unpreserves=%lu vmalloc=%lu busy=%lu mismatches=%lu\n",
		started, secs, ops, pres, unpres, vm, busy, bad);
	return started == threads && !bad ? 0 : -EIO;
}
module_init(kho_stress_init);

static void __exit kho_stress_exit(void)
{
}
module_exit(kho_stress_exit);

MODULE_DESCRIPTION("Kexec HandOver stress test: preserve and unpreserve while finalizing");
MODULE_LICENSE("GPL");
