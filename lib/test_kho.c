// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test module for Kexec HandOver (KHO).
 *
 * On load it allocates folios of random orders, up to max_mem bytes in
 * total, fills them with random bytes and preserves them.  When the handover
 * is finalized it preserves a small FDT describing them and adds it to the
 * KHO tree as subtree "kho_test", so that the next kernel can check that the
 * memory came through intact.
 *
 * Subtree format, compatible "kho-test-v3" (all integers native endian):
 *
 * - ``compatible`` (string): "kho-test-v3"
 * - ``hops`` (u32): how many KHO kexecs the data has made so far
 * - ``nr-folios`` (u32): number of folios N
 * - ``folios`` (struct kho_vmalloc): a preserved vmalloc area holding
 *   u64[N], the physical address of folio i ORed with its order (the
 *   address is page aligned, so the order fits in the low bits)
 * - ``checksums`` (struct kho_vmalloc): a preserved vmalloc area holding
 *   u64[N], the xxh64 (seed 0) of the content of folio i
 *
 * On load in a kernel that received a handover, it restores every folio of
 * the incoming "kho_test" subtree and the checksum area, checks the order
 * and checksum of every folio, reports "restored N folios, B bytes: K bad"
 * and "carrying the same data for H hops", and then preserves the very same
 * folios again, so a chain of kexecs carries one data set all the way.
 * The restore and the verification are timed apart and reported in one
 * "restore-timing:" line, the preservation in a "preserve-timing:" line.
 * order=, scatter= and fast_fill= shape the data for benchmarks
 * (scripts/bench.sh); every_order=1 makes sure that every order is there,
 * many times over, and min_phys= and max_phys= where.
 *
 * It uses only the public API (include/linux/kexec_handover.h), as any
 * other user of KHO; the benchmark of the tracker is a module of its own,
 * kexec_handover_bench (kernel/kexec_handover_bench.c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <linux/xxhash.h>

#define KHO_TEST_COMPAT		"kho-test-v3"
#define KHO_TEST_VERSION	3
#define KHO_TEST_NODE		"kho_test"

/* The versions of the subtree this module writes and reads */
static struct kho_abi_record kho_test_abi = {
	.name	= "kho-test",
	.desc	= "a kho_test subtree",
	.writes	= KHO_TEST_VERSION,
	.min	= KHO_TEST_VERSION,
	.max	= KHO_TEST_VERSION,
};

/* Largest folio order the test allocates */
#define KHO_TEST_MAX_ORDER	min(MAX_PAGE_ORDER, 10)

static unsigned long max_mem = SZ_64M;

static int max_mem_set(const char *val, const struct kernel_param *kp)
{
	char *end;
	unsigned long long size = memparse(val, &end);

	if (end == val || (*end && *end != '\n') || !size)
		return -EINVAL;
	*(unsigned long *)kp->arg = size;
	return 0;
}

static const struct kernel_param_ops max_mem_ops = {
	.set = max_mem_set,
	.get = param_get_ulong,
};
module_param_cb(max_mem, &max_mem_ops, &max_mem, 0444);
MODULE_PARM_DESC(max_mem, "bytes of random folios to preserve (K/M/G suffix allowed, default 64M)");

static int order = -1;
module_param(order, int, 0444);
MODULE_PARM_DESC(order, "order of every folio, or -1 (default) for random orders");

static bool every_order;
module_param(every_order, bool, 0444);
MODULE_PARM_DESC(every_order, "with order=-1, take the orders 0, 1, ... in turn instead of at random");

static unsigned long min_phys, max_phys;
module_param(min_phys, ulong, 0444);
MODULE_PARM_DESC(min_phys, "preserve only folios at or above this physical address");
module_param(max_phys, ulong, 0444);
MODULE_PARM_DESC(max_phys, "if not 0, preserve only folios below this physical address (with min_phys: where the next kernel defers struct page init, say)");

static bool scatter;
module_param(scatter, bool, 0444);
MODULE_PARM_DESC(scatter, "keep a free folio after every preserved one, so that no two are adjacent");

static bool fast_fill;
module_param(fast_fill, bool, 0444);
MODULE_PARM_DESC(fast_fill, "fill with a xorshift stream instead of get_random_bytes() (benchmarks)");

static bool fail_finalize;
module_param(fail_finalize, bool, 0644);
MODULE_PARM_DESC(fail_finalize, "refuse KEXEC_KHO_FINALIZE, to test the abort path");

static unsigned int hold_ms;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "wait this long between preserving and registering (a test's window for a finalize)");

struct kho_test_state {
	unsigned int nr_folios;
	u32 hops;
	struct folio **folios;
	u64 *sums;			/* vmalloc()ed, u64[nr_folios] */
	struct kho_vmalloc sums_pres;
	u64 *list;			/* vmalloc()ed, u64[nr_folios] */
	struct kho_vmalloc list_pres;
	struct folio *fdt;
	bool fdt_preserved;
	struct notifier_block nb;
};

static struct kho_test_state kho_test;

/* ---- handover data ---------------------------------------------------- */

static int kho_test_notifier(struct notifier_block *nb, unsigned long event,
			     void *data)
{
	struct kho_test_state *state = container_of(nb, struct kho_test_state,
						    nb);
	struct kho_serialization *ser = data;
	int err;

	switch (event) {
	case KEXEC_KHO_FINALIZE:
		if (fail_finalize) {
			pr_info("refusing finalize as asked by fail_finalize=1\n");
			return NOTIFY_BAD;
		}
		/* No unload while finalized: the folios are handed over. */
		if (!try_module_get(THIS_MODULE))
			return notifier_from_errno(-ENODEV);
		err = kho_preserve_folio(state->fdt);
		if (!err)
			err = kho_add_subtree(ser, KHO_TEST_NODE,
					      folio_address(state->fdt));
		if (err) {
			kho_unpreserve_folio(state->fdt);
			module_put(THIS_MODULE);
			return notifier_from_errno(err);
		}
		state->fdt_preserved = true;
		return NOTIFY_DONE;
	case KEXEC_KHO_ABORT:
		if (state->fdt_preserved) {
			kho_unpreserve_folio(state->fdt);
			state->fdt_preserved = false;
			module_put(THIS_MODULE);
		}
		return NOTIFY_DONE;
	}
	return NOTIFY_DONE;
}

/* Allocate a folio of at most @order, falling back to smaller ones. */
static struct folio *kho_test_alloc_folio(unsigned int order)
{
	struct folio *folio;

	for (;;) {
		folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY,
				    order);
		if (folio || !order)
			return folio;
		order--;
	}
}

/*
 * As kho_test_alloc_folio(), but inside [min_phys, max_phys): folios outside
 * are set aside on @outside, to be freed by the caller once the test has all
 * its folios, so that the allocator does not hand them out again.
 */
static struct folio *kho_test_alloc_inside(unsigned int order,
					   struct list_head *outside)
{
	struct folio *folio;
	phys_addr_t phys;

	for (;;) {
		folio = kho_test_alloc_folio(order);
		if (!folio)
			return NULL;
		phys = PFN_PHYS(folio_pfn(folio));
		if (phys >= min_phys &&
		    (!max_phys || phys + folio_size(folio) <= max_phys))
			return folio;
		list_add(&folio->lru, outside);
	}
}

/* Fill @folio with random bytes, or a xorshift64 stream with a random seed */
static void kho_test_fill_folio(struct folio *folio)
{
	u64 *p = folio_address(folio), *end = (void *)p + folio_size(folio);
	u64 x = get_random_u64() | 1;

	if (!fast_fill) {
		get_random_bytes(p, folio_size(folio));
		return;
	}
	for (; p < end; p++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		*p = x;
	}
}

static int kho_test_fill(struct kho_test_state *state, unsigned long *bytes)
{
	unsigned long total = 0, max_folios = max(max_mem >> PAGE_SHIFT, 1UL);
	struct folio *folio, *spacer, **spacers = NULL, *tmp;
	unsigned int want, i, nr_spacers = 0, turn = 0;
	LIST_HEAD(outside);
	int err = 0;

	state->folios = kvcalloc(max_folios, sizeof(*state->folios),
				 GFP_KERNEL);
	if (scatter)
		spacers = kvcalloc(max_folios, sizeof(*spacers), GFP_KERNEL);
	if (!state->folios || (scatter && !spacers)) {
		err = -ENOMEM;
		goto out;
	}

	while (total < max_mem) {
		if (order >= 0)
			want = min(order, KHO_TEST_MAX_ORDER);
		else if (every_order)
			want = turn++ % (KHO_TEST_MAX_ORDER + 1);
		else
			want = get_random_u32_below(KHO_TEST_MAX_ORDER + 1);
		while (want && total + (PAGE_SIZE << want) > max_mem)
			want--;
		folio = kho_test_alloc_inside(want, &outside);
		spacer = folio && scatter ? kho_test_alloc_folio(want) : NULL;
		if (spacer)
			spacers[nr_spacers++] = spacer;
		if (!folio || (scatter && !spacer)) {
			pr_err("out of memory after %lu bytes; retry with a smaller max_mem\n",
			       total);
			if (folio)
				folio_put(folio);
			err = -ENOMEM;
			goto out;
		}
		state->folios[state->nr_folios++] = folio;
		kho_test_fill_folio(folio);
		total += folio_size(folio);
	}
	*bytes = total;

	state->sums = vmalloc_array(state->nr_folios, sizeof(u64));
	if (!state->sums) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < state->nr_folios; i++) {
		folio = state->folios[i];
		state->sums[i] = xxh64(folio_address(folio),
				       folio_size(folio), 0);
	}
out:
	for (i = 0; i < nr_spacers; i++)
		folio_put(spacers[i]);
	kvfree(spacers);
	list_for_each_entry_safe(folio, tmp, &outside, lru) {
		list_del(&folio->lru);
		folio_put(folio);
	}
	return err;
}

/*
 * Whether to retry taking back a preserve of a failed load.  Until the
 * notifier is registered a finalize needs nothing from this module, so one
 * may have come since the preserve, and KHO then refuses with -EBUSY: wait
 * for the abort, for the memory is about to be freed and must not stay in
 * the handover.
 */
static bool kho_test_busy(int err)
{
	if (err != -EBUSY)
		return false;
	msleep(20);
	return true;
}

static void kho_test_unpreserve_vmalloc(struct kho_vmalloc *pres)
{
	while (kho_test_busy(kho_unpreserve_vmalloc(pres)))
		;
}

static void kho_test_unpreserve(struct kho_test_state *state,
				unsigned int nr_folios)
{
	while (nr_folios--)
		while (kho_test_busy(kho_unpreserve_folio(state->folios[nr_folios])))
			;
}

static int kho_test_preserve(struct kho_test_state *state)
{
	unsigned int i;
	int err;

	for (i = 0; i < state->nr_folios; i++) {
		err = kho_preserve_folio(state->folios[i]);
		if (err) {
			pr_err("kho_preserve_folio failed on folio %u (%d)\n",
			       i, err);
			kho_test_unpreserve(state, i);
			return err;
		}
	}
	err = kho_preserve_vmalloc(state->sums, &state->sums_pres);
	if (err) {
		pr_err("kho_preserve_vmalloc failed on the checksums (%d)\n",
		       err);
		kho_test_unpreserve(state, state->nr_folios);
	}
	return err;
}

/*
 * Write the "kho-test-v3" FDT described at the top of this file, and
 * preserve the folio list it points to.
 */
static int kho_test_build_fdt(struct kho_test_state *state)
{
	unsigned int i, n = state->nr_folios;
	void *fdt;
	int err;

	state->list = vmalloc_array(n, sizeof(u64));
	state->fdt = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!state->list || !state->fdt)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct folio *folio = state->folios[i];

		state->list[i] = PFN_PHYS(folio_pfn(folio)) | folio_order(folio);
	}
	err = kho_preserve_vmalloc(state->list, &state->list_pres);
	if (err) {
		pr_err("kho_preserve_vmalloc failed on the folio list (%d)\n",
		       err);
		return err;
	}

	fdt = folio_address(state->fdt);
	err = fdt_create(fdt, folio_size(state->fdt));
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", KHO_TEST_COMPAT);
	err = err ?: fdt_property(fdt, "hops", &state->hops, sizeof(u32));
	err = err ?: fdt_property(fdt, "nr-folios", &n, sizeof(n));
	err = err ?: fdt_property(fdt, "folios", &state->list_pres,
				  sizeof(state->list_pres));
	err = err ?: fdt_property(fdt, "checksums", &state->sums_pres,
				  sizeof(state->sums_pres));
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	if (err) {
		pr_err("cannot build the FDT (libfdt error %d)\n", err);
		kho_test_unpreserve_vmalloc(&state->list_pres);
		return -ENOSPC;
	}
	return 0;
}

static void kho_test_free(struct kho_test_state *state)
{
	unsigned int i;

	for (i = 0; i < state->nr_folios; i++)
		if (state->folios[i])
			folio_put(state->folios[i]);
	kvfree(state->folios);
	vfree(state->sums);
	vfree(state->list);
	if (state->fdt)
		folio_put(state->fdt);
	memset(state, 0, sizeof(*state));
}

/* Preserve the data in @state, filling it first unless it was restored */
static int kho_test_run(struct kho_test_state *state)
{
	unsigned long bytes = 0;
	unsigned int i;
	int err = 0;
	u64 t0, t1;

	if (!state->nr_folios)
		err = kho_test_fill(state, &bytes);
	else
		for (i = 0; i < state->nr_folios; i++)
			bytes += folio_size(state->folios[i]);
	t0 = ktime_get_ns();
	err = err ?: kho_test_preserve(state);
	if (err)
		goto err_free;
	/* The FDT holds the checksum handle: build it after preserving */
	err = kho_test_build_fdt(state);
	if (err)
		goto err_unpreserve;
	t1 = ktime_get_ns();

	if (hold_ms) {
		pr_info("holding %u ms before registering\n", hold_ms);
		msleep(hold_ms);
	}
	state->nb.notifier_call = kho_test_notifier;
	err = register_kho_notifier(&state->nb);
	if (err == -EBUSY)
		pr_info("handover finalized while loading; unpreserving once it is aborted\n");
	if (err) {
		pr_err("cannot register the KHO notifier (%d)\n", err);
		kho_test_unpreserve_vmalloc(&state->list_pres);
		goto err_unpreserve;
	}
	pr_info("preserved %u folios, %lu bytes\n", state->nr_folios, bytes);
	pr_info("preserve-timing: folios=%u bytes=%lu preserve_ns=%llu\n",
		state->nr_folios, bytes, t1 - t0);
	return 0;

err_unpreserve:
	kho_test_unpreserve_vmalloc(&state->sums_pres);
	kho_test_unpreserve(state, state->nr_folios);
err_free:
	kho_test_free(state);
	return err;
}

/* ---- restore: check what the previous kernel handed over ---------------- */

static const void *kho_test_prop(const void *fdt, const char *name, int size)
{
	int len;
	const void *p = fdt_getprop(fdt, 0, name, &len);

	return p && len == size ? p : NULL;
}

/* Restore the folio at @phys and check that it has order @order */
static struct folio *kho_test_restore_folio(unsigned int i, phys_addr_t phys,
					    unsigned int order)
{
	struct folio *folio = kho_restore_folio(phys);

	if (!folio) {
		pr_err("folio %u at %pa: cannot restore\n", i, &phys);
		return NULL;
	}
	if (folio_order(folio) != order) {
		pr_err("folio %u at %pa: order %u, preserved as %u\n",
		       i, &phys, folio_order(folio), order);
		folio_put(folio);
		return NULL;
	}
	return folio;
}

/*
 * Before the first restore of a folio of order > 0, the API must refuse
 * what cannot be right without consuming the folio: a kho_restore_phys()
 * shorter than the folio, one whose size wraps, and a restore of an
 * ordinary page that this kernel allocated.  Returns 0 if all three were
 * refused.
 */
static int kho_test_misuse(phys_addr_t phys, unsigned int order)
{
	struct page *page;
	bool taken;
	int bad = 0;

	if (kho_restore_phys(phys, PAGE_SIZE << (order - 1)))
		bad |= 1;
	if (kho_restore_phys(phys, (size_t)PAGE_SIZE - phys))
		bad |= 2;
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	taken = kho_restore_phys(page_to_phys(page), PAGE_SIZE);
	if (taken)
		bad |= 4;
	else
		__free_page(page);
	if (bad)
		pr_err("API misuse accepted (mask %#x): 1 short, 2 wrapping kho_restore_phys(), 4 an ordinary page\n",
		       bad);
	else
		pr_info("API misuse refused: short and wrapping kho_restore_phys(), an ordinary page\n");
	return bad ? -EINVAL : 0;
}

/* Check every restored folio against its checksum; the number of bad ones */
static unsigned int kho_test_verify(struct kho_test_state *state)
{
	unsigned int i, bad = 0;

	for (i = 0; i < state->nr_folios; i++) {
		struct folio *folio = state->folios[i];

		if (!folio) {
			bad++;
		} else if (xxh64(folio_address(folio), folio_size(folio), 0) !=
			   state->sums[i]) {
			pr_err("folio %u at %#llx: checksum mismatch\n", i,
			       (u64)PFN_PHYS(folio_pfn(folio)));
			bad++;
		}
	}
	return bad;
}

/*
 * Copy the preserved vmalloc handle in property @name of @fdt (FDT
 * properties are only 4-byte aligned) into @pres; its size in bytes, or 0
 * if there is none or it cannot be right.
 */
static u64 kho_test_vmalloc_prop(const void *fdt, const char *name,
				 struct kho_vmalloc *pres)
{
	const void *prop = kho_test_prop(fdt, name, sizeof(*pres));

	if (!prop)
		return 0;
	memcpy(pres, prop, sizeof(*pres));
	if (pres->order > MAX_PAGE_ORDER)
		return 0;
	return (u64)pres->nr_folios << (pres->order + PAGE_SHIFT);
}

/*
 * Restore what the previous kernel preserved under "kho_test" into @state:
 * every folio, checked for its order and checksum, and the checksums.  The
 * restore and the check are timed apart.  Returns 0 when there is nothing
 * to restore or everything came through intact; otherwise everything
 * restored is freed.
 */

static int kho_test_restore(struct kho_test_state *state)
{
	struct kho_vmalloc pres, list;
	const u32 *nr, *hops;
	unsigned long bytes = 0;
	phys_addr_t fdt_phys;
	u64 *folios = NULL;
	struct folio *blob;
	const void *fdt;
	unsigned int i, bad;
	bool misuse = true;
	const char *compat, *why;
	char buf[128];
	u64 t0, t1, t2;
	int err, len;

	err = kho_retrieve_subtree(KHO_TEST_NODE, &fdt_phys);
	if (err == -ENOENT)
		return 0;	/* no handover, or no kho_test in it */
	if (err) {
		pr_err("cannot find the handed-over kho_test subtree: %pe\n",
		       ERR_PTR(err));
		return err;
	}
	t0 = ktime_get_ns();
	blob = kho_restore_folio(fdt_phys);
	if (!blob)
		return -EINVAL;
	fdt = folio_address(blob);
	err = -EINVAL;
	if (!kho_fdt_check_full(fdt, folio_size(blob))) {
		pr_err("handed-over kho_test subtree is not a well-formed FDT\n");
		goto out;
	}
	compat = fdt_getprop(fdt, 0, "compatible", &len);
	why = kho_abi_check(&kho_test_abi, "its root", compat, len, buf,
			    sizeof(buf));
	if (why) {
		pr_err("ignoring the handed-over kho_test subtree: %s\n", why);
		goto out;
	}
	hops = kho_test_prop(fdt, "hops", sizeof(*hops));
	nr = kho_test_prop(fdt, "nr-folios", sizeof(*nr));
	if (!hops || !nr || !*nr ||
	    kho_test_vmalloc_prop(fdt, "folios", &list) < *nr * sizeof(u64) ||
	    kho_test_vmalloc_prop(fdt, "checksums", &pres) <
	    *nr * sizeof(u64)) {
		pr_err("handed-over kho_test subtree is malformed\n");
		goto out;
	}
	folios = kho_restore_vmalloc(&list);
	state->sums = kho_restore_vmalloc(&pres);
	state->folios = kvcalloc(*nr, sizeof(*state->folios), GFP_KERNEL);
	if (!folios || !state->sums || !state->folios) {
		pr_err("cannot restore the folio list and the checksums\n");
		goto out;
	}

	state->nr_folios = *nr;
	for (i = 0; i < *nr; i++) {
		if (misuse && folios[i] & ~PAGE_MASK) {
			misuse = false;
			if (kho_test_misuse(folios[i] & PAGE_MASK,
					    folios[i] & ~PAGE_MASK))
				goto out;
		}
		state->folios[i] = kho_test_restore_folio(i,
							  folios[i] & PAGE_MASK,
							  folios[i] & ~PAGE_MASK);
		if (state->folios[i])
			bytes += folio_size(state->folios[i]);
	}
	t1 = ktime_get_ns();
	bad = kho_test_verify(state);
	t2 = ktime_get_ns();
	/* Every folio is restored now: a second restore must be refused */
	if (!state->folios[0]) {
		/* counted as bad already */
	} else if (kho_restore_phys(folios[0] & PAGE_MASK,
				    folio_size(state->folios[0]))) {
		pr_err("a second restore of folio 0 was accepted\n");
		bad++;
	} else {
		pr_info("a second restore of folio 0 was refused\n");
	}
	pr_info("restored %u folios, %lu bytes: %u bad\n", *nr, bytes, bad);
	pr_info("restore-timing: folios=%u bytes=%lu restore_ns=%llu verify_ns=%llu\n",
		*nr, bytes, t1 - t0, t2 - t1);
	if (!bad) {
		state->hops = *hops + 1;
		pr_info("carrying the same data for %u hops\n", state->hops);
		err = 0;
	}
out:
	vfree(folios);
	folio_put(blob);
	if (err)
		kho_test_free(state);
	return err;
}

/* ---- module ------------------------------------------------------------- */

static int __init kho_test_init(void)
{
	int err;

	if (!kho_is_enabled()) {
		pr_err("Kexec HandOver is disabled; boot with kho=on to run this test\n");
		return -EOPNOTSUPP;
	}
	err = kho_abi_register(&kho_test_abi);
	if (err)
		return err;
	err = kho_test_restore(&kho_test);
	if (!err)
		err = kho_test_run(&kho_test);
	if (err)
		kho_abi_unregister(&kho_test_abi);
	return err;
}
module_init(kho_test_init);

static void __exit kho_test_exit(void)
{
	kho_abi_unregister(&kho_test_abi);
	if (!kho_test.nb.notifier_call)
		return;
	/*
	 * Unpreserve first: while the notifier is registered no finalize can
	 * succeed (KHO cannot pin a module that is going), once it is not one
	 * can, and the folios freed below would stay in the handover.
	 */
	WARN_ON(kho_unpreserve_vmalloc(&kho_test.list_pres));
	WARN_ON(kho_unpreserve_vmalloc(&kho_test.sums_pres));
	kho_test_unpreserve(&kho_test, kho_test.nr_folios);
	unregister_kho_notifier(&kho_test.nb);
	kho_test_free(&kho_test);
}
module_exit(kho_test_exit);

MODULE_DESCRIPTION("Kexec HandOver test: preserve random folios across kexec");
MODULE_LICENSE("GPL");
