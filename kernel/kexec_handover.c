// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO), outgoing side: the handover
 * (&struct kho_out) with its finalize and abort, the notifiers and the
 * subsystem subtrees, the public preserve API for folios and physical
 * ranges, and the kexec load and reboot hooks.
 *
 * Uses the tracker and map writer (kexec_handover_track.c), kho=on and the
 * scratch regions (kexec_handover_scratch.c) and the debug hooks
 * (kexec_handover_debug.c, empty without CONFIG_KEXEC_HANDOVER_DEBUG).
 *
 * The wire format is described in include/linux/kho/abi/kexec_handover.h.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#include "kexec_handover_internal.h"
#include "kexec_internal.h"

/**
 * DOC: Locking
 *
 * Preserving and unpreserving memory is meant to be called often and from
 * many contexts at once, so the fast path takes no global lock:
 *
 * - Each folio order has its own xarray of bitmaps.  Looking a bitmap up is
 *   lockless (xa_load() under RCU).  A missing bitmap is allocated outside
 *   any lock and installed with xa_cmpxchg(); the loser of an installation
 *   race frees its page and uses the winner's.
 * - Bits are set and cleared with atomic bitops.  Preserving a folio first
 *   sets its own bit, then (after a full barrier) looks at every other order
 *   for an overlapping folio, and clears its bit again if it finds one.  Of
 *   two overlapping preservations racing at different orders at least one
 *   sees the other, so they can never both succeed.
 * - Bitmaps are never freed while preservations may run: empty bitmaps are
 *   reclaimed only when a finalize succeeds, fails or is aborted, under the
 *   exclusive lock below.
 *
 * Finalize must see a tracker that nobody changes.  Every preserve and
 * unpreserve holds &kho_out.rwsem (a percpu_rw_semaphore, so taking it for
 * read touches only a per-CPU counter) for read; finalize and abort take it
 * for write to flip &kho_out.finalized and to write or free the serialized
 * memory map.  Once finalized, preserve and unpreserve fail with -EBUSY.
 *
 * The tracker helpers kho_mem_*() are exported in the KHO_TESTS namespace
 * only for the test_kho benchmark, which drives a private tracker.
 *
 * Finalize and abort themselves, and with them the notifier calls and
 * kho_add_subtree(), are serialized by the &kho_out.lock mutex.  Notifiers
 * run with it held and may preserve memory, but must not finalize or abort.
 */

struct kho_out kho_out;

/* ---- outgoing handover state ------------------------------------------ */

/**
 * kho_out_init() - initialize an outgoing handover instance
 * @out: instance, zeroed by the caller
 *
 * Context: Process context; may sleep.
 * Return: 0 on success, -ENOMEM.
 */
int kho_out_init(struct kho_out *out)
{
	int ret;

	kho_mem_track_init(&out->track);
	ret = percpu_init_rwsem(&out->rwsem);
	if (ret)
		return ret;
	out->fdt = (void *)get_zeroed_page(GFP_KERNEL);
	if (!out->fdt) {
		percpu_free_rwsem(&out->rwsem);
		return -ENOMEM;
	}
	mutex_init(&out->lock);
	BLOCKING_INIT_NOTIFIER_HEAD(&out->chain);
	INIT_LIST_HEAD(&out->ser.subtrees);
	out->ser.out = out;
	out->ser.fdt = out->fdt;
	return 0;
}

/**
 * kho_out_destroy() - free a private instance
 * @out: instance; must not be finalized
 *
 * Context: Process context.
 */
void kho_out_destroy(struct kho_out *out)
{
	WARN_ON(out->finalized);
	kho_mem_track_destroy(&out->track);
	free_page((unsigned long)out->fdt);
	percpu_free_rwsem(&out->rwsem);
}

/*
 * The next kernel boots and allocates in scratch before it knows what is
 * preserved, and drops a handover that preserves memory there.  Scratch is
 * CMA while this kernel runs, so only movable memory (page cache,
 * anonymous memory, CMA allocations) can lie there.
 */
static bool kho_in_scratch(unsigned long pfn, unsigned long nr)
{
	const struct kho_scratch_entry *scratch;
	phys_addr_t start = PFN_PHYS(pfn), end = PFN_PHYS(pfn + nr) - 1;
	unsigned int cnt;
	int i;

	scratch = kho_scratch_ranges(&cnt);
	i = kho_scratch_overlaps(scratch, cnt, start, end - start + 1);
	if (i < 0)
		return false;
	pr_warn_ratelimited("refusing to preserve [mem %pa-%pa]: it overlaps scratch region %d, where the next kernel boots; migrate it out of CMA first (pin it with FOLL_LONGTERM, or allocate it unmovable)\n",
			    &start, &end, i);
	return true;
}

/**
 * kho_out_preserve() - preserve a page range in an instance
 * @out:      instance
 * @pfn:      first page frame
 * @nr_pages: number of pages
 *
 * Context: Process context; may sleep.
 * Return: as kho_mem_preserve_range(), or -EBUSY once finalized.
 */
int kho_out_preserve(struct kho_out *out, unsigned long pfn,
		     unsigned long nr_pages)
{
	int ret = -EBUSY;

	/* Only the real handover knows where scratch is */
	if (out == &kho_out && kho_in_scratch(pfn, nr_pages))
		return -EINVAL;

	percpu_down_read(&out->rwsem);
	if (!out->finalized)
		ret = kho_mem_preserve_range(&out->track, pfn, nr_pages);
	percpu_up_read(&out->rwsem);
	return ret;
}

/**
 * kho_out_unpreserve() - unpreserve a page range in an instance
 * @out:      instance
 * @pfn:      first page frame
 * @nr_pages: number of pages
 *
 * Context: Process context; may sleep.
 * Return: as kho_mem_unpreserve_range(), or -EBUSY once finalized.
 */
int kho_out_unpreserve(struct kho_out *out, unsigned long pfn,
		       unsigned long nr_pages)
{
	int ret = -EBUSY;

	percpu_down_read(&out->rwsem);
	if (!out->finalized)
		ret = kho_mem_unpreserve_range(&out->track, pfn, nr_pages);
	percpu_up_read(&out->rwsem);
	return ret;
}

/* Start a fresh root FDT: compatible plus a memory map placeholder. */
static int kho_fdt_init(void *fdt)
{
	u64 zero = 0;
	int err;

	/* libfdt puts each new property first: add them in reverse order */
	err = fdt_create_empty_tree(fdt, PAGE_SIZE);
	err = err ?: fdt_setprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME,
				 &zero, sizeof(zero));
	err = err ?: fdt_setprop_string(fdt, 0, "compatible",
					KHO_FDT_COMPATIBLE);
	return err ? -ENOSPC : 0;
}

/* Drop every subtree and its debugfs file. */
static void kho_subtrees_free(struct kho_serialization *ser)
{
	struct kho_subtree *sub, *tmp;

	list_for_each_entry_safe(sub, tmp, &ser->subtrees, list) {
		debugfs_remove(sub->dentry);
		list_del(&sub->list);
		kfree(sub);
	}
}

/* The module whose code @nb runs, or NULL if it is built in */
static struct module *kho_notifier_owner(struct notifier_block *nb)
{
	struct module *mod;

	preempt_disable();
	mod = __module_address((unsigned long)nb->notifier_call);
	preempt_enable();
	return mod;
}

/* Drop the module references of the notifiers on @nh before @stop */
static void kho_put_notifiers(struct blocking_notifier_head *nh,
			      struct notifier_block *stop)
{
	struct notifier_block *nb;
	struct module *mod;

	for (nb = rcu_dereference_protected(nh->head,
					    lockdep_is_held(&nh->rwsem));
	     nb != stop; nb = rcu_dereference_protected(nb->next,
						lockdep_is_held(&nh->rwsem))) {
		mod = kho_notifier_owner(nb);
		if (mod)
			module_put(mod);
	}
}

/*
 * From finalize until abort the handover lists memory, and maybe a
 * sub_fdts file, that belong to the users on the chain: hold a reference
 * on each user that is a module, so that it cannot be unloaded.  Called
 * with out->lock held, which also keeps the chain as it is (see
 * register_kho_notifier()); takes no reference on failure.
 */
static int kho_pin_notifiers(struct kho_out *out)
{
	struct blocking_notifier_head *nh = &out->chain;
	struct notifier_block *nb;
	struct module *mod;

	down_read(&nh->rwsem);
	for (nb = rcu_dereference_protected(nh->head,
					    lockdep_is_held(&nh->rwsem));
	     nb; nb = rcu_dereference_protected(nb->next,
						lockdep_is_held(&nh->rwsem))) {
		mod = kho_notifier_owner(nb);
		if (mod && !try_module_get(mod))
			break;
	}
	if (nb)
		kho_put_notifiers(nh, nb);
	up_read(&nh->rwsem);
	if (nb) {
		pr_err("finalize refused: %ps belongs to a module being unloaded; retry once it is gone\n",
		       nb->notifier_call);
		return -EBUSY;
	}
	out->pinned = true;
	return 0;
}

static void kho_unpin_notifiers(struct kho_out *out)
{
	if (!out->pinned)
		return;
	down_read(&out->chain.rwsem);
	kho_put_notifiers(&out->chain, NULL);
	up_read(&out->chain.rwsem);
	out->pinned = false;
}

/*
 * Send FINALIZE to each notifier in turn until one fails.  Walks the chain
 * by hand (under its rwsem, as blocking_notifier_call_chain() does) to be
 * able to name the notifier that refused.
 */
static int kho_call_finalize(struct kho_out *out)
{
	struct blocking_notifier_head *nh = &out->chain;
	struct notifier_block *nb;
	int ret = 0;

	down_read(&nh->rwsem);
	for (nb = rcu_dereference_protected(nh->head,
					    lockdep_is_held(&nh->rwsem));
	     nb; nb = rcu_dereference_protected(nb->next,
						lockdep_is_held(&nh->rwsem))) {
		ret = notifier_to_errno(nb->notifier_call(nb, KEXEC_KHO_FINALIZE,
							  &out->ser));
		if (ret) {
			pr_err("finalize refused by %ps (%pe); the handover is aborted, fix or unload that user and retry\n",
			       nb->notifier_call, ERR_PTR(ret));
			break;
		}
	}
	up_read(&nh->rwsem);
	return ret;
}

/*
 * Undo a (possibly partial) finalize: out->lock held, not finalized.  The
 * debugfs views of the subtrees go first, as the notifiers free the FDTs
 * they show; then every notifier gets ABORT, then the bitmaps emptied by
 * the notifiers are freed, so a failed or aborted finalize leaves no
 * memory behind.
 */
static void kho_unwind(struct kho_out *out)
{
	kho_subtrees_free(&out->ser);
	blocking_notifier_call_chain(&out->chain, KEXEC_KHO_ABORT, &out->ser);
	kho_mem_unpreserve_range(&out->track, PHYS_PFN(virt_to_phys(out->fdt)),
				 1);

	percpu_down_write(&out->rwsem);
	kho_mem_prune(&out->track);
	percpu_up_write(&out->rwsem);
	kho_unpin_notifiers(out);
}

/* A read-only debugfs view of an FDT, with the blob's size as file size */
static struct dentry *kho_debugfs_blob(const char *name, struct dentry *dir,
				       struct debugfs_blob_wrapper *blob,
				       void *fdt)
{
	struct dentry *dentry;

	blob->data = fdt;
	blob->size = fdt_totalsize(fdt);
	dentry = debugfs_create_blob(name, 0400, dir, blob);
	if (IS_ERR(dentry))
		return NULL;
	i_size_write(d_inode(dentry), blob->size);
	return dentry;
}

static void kho_debugfs_fdt_add(struct kho_out *out)
{
	if (out->dir)
		out->fdt_file = kho_debugfs_blob("fdt", out->dir,
						 &out->fdt_blob, out->fdt);
}

/**
 * kho_out_finalize() - freeze an instance and build its handover FDT
 * @out: instance
 *
 * Sends KEXEC_KHO_FINALIZE to every notifier; each may preserve memory and
 * add a subtree.  Until the abort, each notifier that belongs to a module
 * holds a reference on it.  If one fails, or the memory map cannot be
 * written, every notifier receives KEXEC_KHO_ABORT and nothing stays
 * allocated, preserved or pinned on behalf of the finalize.
 *
 * Context: Process context; takes &kho_out.lock and sleeps.
 * Return: 0 on success, -EBUSY if already finalized or a notifier's module
 * is being unloaded, the notifier's error
 * (-EPERM for a bare NOTIFY_BAD) if one refused, -EEXIST if the root FDT's
 * own page cannot be preserved, -ENOMEM.
 */
int kho_out_finalize(struct kho_out *out)
{
	struct kho_mem_chunk *first;
	u64 map_phys, t0;
	int ret;

	mutex_lock(&out->lock);
	if (out->finalized) {
		ret = -EBUSY;
		goto out_unlock;
	}

	ret = kho_fdt_init(out->fdt);
	if (ret)
		goto out_unlock;
	ret = kho_mem_preserve_range(&out->track,
				     PHYS_PFN(virt_to_phys(out->fdt)), 1);
	if (ret < 0) {
		pr_err("cannot preserve the root FDT page (%pe); is it inside a range preserved as a larger block?\n",
		       ERR_PTR(ret));
		goto out_unlock;
	}

	ret = kho_pin_notifiers(out);
	if (!ret)
		ret = kho_call_finalize(out);
	if (ret)
		goto err_unwind;

	percpu_down_write(&out->rwsem);
	t0 = local_clock();
	ret = kho_mem_serialize(&out->track, &first);
	t0 = local_clock() - t0;
	if (!ret) {
		kho_mem_map_check(&out->track, first);
		out->first_chunk = first;
		out->finalized = true;
	}
	percpu_up_write(&out->rwsem);
	if (ret) {
		pr_err("no memory to write the preserved-memory map; free some memory and retry\n");
		goto err_unwind;
	}

	map_phys = first ? virt_to_phys(first) : 0;
	fdt_setprop_inplace(out->fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME,
			    &map_phys, sizeof(map_phys));
	fdt_pack(out->fdt);
	kho_debugfs_fdt_add(out);
	if (out == &kho_out)
		pr_info("finalized: FDT at %#llx, memory map at %#llx, %ld pages of tracker memory; map of %lu bitmaps written in %llu ns\n",
			(u64)virt_to_phys(out->fdt), map_phys,
			atomic_long_read(&out->track.nr_pages),
			kho_map_bitmaps(first), t0);
	mutex_unlock(&out->lock);
	return 0;

err_unwind:
	kho_unwind(out);
out_unlock:
	mutex_unlock(&out->lock);
	return ret;
}

/**
 * kho_out_abort() - undo kho_out_finalize()
 * @out: instance
 *
 * Frees the memory map, sends KEXEC_KHO_ABORT to every notifier and makes
 * preserve and unpreserve work again.
 *
 * Context: Process context; takes &kho_out.lock and sleeps.
 * Return: 0 on success, -ENOENT if the instance is not finalized.
 */
int kho_out_abort(struct kho_out *out)
{
	struct kho_mem_chunk *first;

	mutex_lock(&out->lock);
	if (!out->finalized) {
		mutex_unlock(&out->lock);
		return -ENOENT;
	}

	debugfs_remove(out->fdt_file);
	out->fdt_file = NULL;

	percpu_down_write(&out->rwsem);
	first = out->first_chunk;
	out->first_chunk = NULL;
	out->finalized = false;
	percpu_up_write(&out->rwsem);

	kho_mem_chunks_free(&out->track, first);
	kho_unwind(out);
	if (out == &kho_out)
		pr_info("aborted: preserving memory is possible again\n");
	mutex_unlock(&out->lock);
	return 0;
}

/* ---- public API ------------------------------------------------------- */

/**
 * kho_preserve_folio() - preserve a folio across kexec
 * @folio: folio to preserve
 *
 * The next kernel finds the folio at the same physical address with the same
 * order and content.  Preserving a folio twice is harmless; a single
 * kho_unpreserve_folio() undoes both.  The folio must stay allocated until it
 * is unpreserved or the kexec happens.  It must not lie in scratch, which is
 * CMA memory where the next kernel boots: a movable folio (page cache,
 * anonymous, CMA) may, so migrate it out first, for example by pinning it
 * with FOLL_LONGTERM (memfd_pin_folios() does), which moves it out of CMA.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EOPNOTSUPP if KHO is disabled, -EINVAL if the folio
 * is larger than MAX_PAGE_ORDER or lies in scratch, -EEXIST if it overlaps
 * memory preserved with another order, -EBUSY after finalize, -ENOMEM.
 */
int kho_preserve_folio(struct folio *folio)
{
	unsigned int order = folio_order(folio);

	if (!kho_enable)
		return -EOPNOTSUPP;
	if (order > MAX_PAGE_ORDER)
		return -EINVAL;
	if (IS_ENABLED(CONFIG_KEXEC_HANDOVER_DEBUG) &&
	    WARN_ON_ONCE(!folio_ref_count(folio)))
		return -EINVAL;
	return kho_out_preserve(&kho_out, folio_pfn(folio), 1UL << order);
}
EXPORT_SYMBOL_GPL(kho_preserve_folio);

/**
 * kho_unpreserve_folio() - stop preserving a folio
 * @folio: folio preserved with kho_preserve_folio()
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EOPNOTSUPP if KHO is disabled, -EINVAL for a folio
 * larger than MAX_PAGE_ORDER, -ENOENT if the folio was not preserved,
 * -EBUSY after finalize.
 */
int kho_unpreserve_folio(struct folio *folio)
{
	unsigned int order = folio_order(folio);

	if (!kho_enable)
		return -EOPNOTSUPP;
	if (order > MAX_PAGE_ORDER)
		return -EINVAL;
	return kho_out_unpreserve(&kho_out, folio_pfn(folio), 1UL << order);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folio);

/**
 * kho_check_range() - validate a physical range passed to the API
 * @phys: start of the range
 * @size: size of the range
 *
 * Context: Any context.
 * Return: 0 if the range is non-empty, page aligned at both ends and backed
 * by memory map entries, -EINVAL otherwise.
 */
int kho_check_range(phys_addr_t phys, size_t size)
{
	unsigned long pfn = PHYS_PFN(phys), nr = size >> PAGE_SHIFT;

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
	    phys + size < phys)
		return -EINVAL;
	if (!pfn_valid(pfn) || !pfn_valid(pfn + nr - 1))
		return -EINVAL;
	if (IS_ENABLED(CONFIG_KEXEC_HANDOVER_DEBUG)) {
		for (; nr; nr--, pfn++)
			if (!pfn_valid(pfn))
				return -EINVAL;
	}
	return 0;
}

/**
 * kho_preserve_phys() - preserve a physical memory range across kexec
 * @phys: page-aligned start of the range
 * @size: page-aligned size of the range
 *
 * The range is recorded as a sequence of naturally aligned blocks, each of
 * the largest possible order up to MAX_PAGE_ORDER.  The memory must stay
 * allocated until it is unpreserved or the kexec happens.  On failure no
 * part of the range is left preserved by this call.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EOPNOTSUPP if KHO is disabled, -EINVAL for an
 * empty, unaligned or invalid range or one that overlaps scratch (see
 * kho_preserve_folio()), -EEXIST if part of it is already preserved with
 * another order, -EBUSY after finalize, -ENOMEM.
 */
int kho_preserve_phys(phys_addr_t phys, size_t size)
{
	int ret;

	if (!kho_enable)
		return -EOPNOTSUPP;
	ret = kho_check_range(phys, size);
	if (ret)
		return ret;
	return kho_out_preserve(&kho_out, PHYS_PFN(phys), size >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(kho_preserve_phys);

/**
 * kho_unpreserve_phys() - stop preserving a physical memory range
 * @phys: start of a range passed to kho_preserve_phys()
 * @size: its size
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EOPNOTSUPP if KHO is disabled, -EINVAL for an
 * empty, unaligned or invalid range, -ENOENT if part of it was not preserved
 * (the rest is unpreserved anyway), -EBUSY after finalize.
 */
int kho_unpreserve_phys(phys_addr_t phys, size_t size)
{
	int ret;

	if (!kho_enable)
		return -EOPNOTSUPP;
	ret = kho_check_range(phys, size);
	if (ret)
		return ret;
	return kho_out_unpreserve(&kho_out, PHYS_PFN(phys),
				  size >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_phys);

/**
 * kho_out_change_notifier() - add or remove a notifier of an instance
 * @out: the instance
 * @nb:  the notifier
 * @add: add @nb if true, remove it if false
 *
 * Refused while @out is finalized: the chain is pinned as it stands, with a
 * reference on each notifier's module, until the abort.
 *
 * Context: Process context; takes @out->lock and may sleep.
 * Return: 0 on success, -EBUSY while finalized, -ENOENT if @nb is removed
 * but was not added.
 */
int kho_out_change_notifier(struct kho_out *out, struct notifier_block *nb,
			    bool add)
{
	struct blocking_notifier_head *nh = &out->chain;
	int ret = -EBUSY;

	mutex_lock(&out->lock);
	if (!out->finalized)
		ret = add ? blocking_notifier_chain_register(nh, nb) :
			    blocking_notifier_chain_unregister(nh, nb);
	mutex_unlock(&out->lock);
	return ret;
}

static int kho_change_notifier(struct notifier_block *nb, bool add)
{
	if (!kho_enable)
		return -EOPNOTSUPP;
	return kho_out_change_notifier(&kho_out, nb, add);
}

/**
 * register_kho_notifier() - get told when a handover is finalized or aborted
 * @nb: notifier; its callback receives an &enum kexec_kho_event and a
 *      &struct kho_serialization pointer
 *
 * From a finalize until the abort, KHO holds a reference on the module
 * that @nb's callback belongs to, so the module cannot be unloaded while
 * the handover lists its memory; it need not pin itself.
 *
 * Context: Process context; takes &kho_out.lock and may sleep.  Must not be
 * called from a notifier.
 * Return: 0 on success, -EOPNOTSUPP if KHO is disabled, -EBUSY while
 * finalized (abort first).
 */
int register_kho_notifier(struct notifier_block *nb)
{
	return kho_change_notifier(nb, true);
}
EXPORT_SYMBOL_GPL(register_kho_notifier);

/**
 * unregister_kho_notifier() - undo register_kho_notifier()
 * @nb: notifier to remove
 *
 * A module that goes away unpreserves its memory first and unregisters
 * last: while its notifier is registered no finalize can succeed (KHO
 * cannot pin a module that is being unloaded), but once it is removed one
 * can, and an unpreserve would then fail with -EBUSY and leave memory the
 * module is about to free in the handover.
 *
 * Context: Process context; takes &kho_out.lock and may sleep.  Must not be
 * called from a notifier.
 * Return: 0 on success, -ENOENT if @nb was not registered, -EOPNOTSUPP if
 * KHO is disabled, -EBUSY while finalized (the handover may list memory
 * of @nb's user; abort first).
 */
int unregister_kho_notifier(struct notifier_block *nb)
{
	return kho_change_notifier(nb, false);
}
EXPORT_SYMBOL_GPL(unregister_kho_notifier);

static int kho_subtree_debugfs(struct kho_serialization *ser,
			       const char *name, void *fdt)
{
	struct kho_subtree *sub;

	sub = kzalloc(sizeof(*sub), GFP_KERNEL);
	if (!sub)
		return -ENOMEM;
	if (ser->out->sub_fdts)
		sub->dentry = kho_debugfs_blob(name, ser->out->sub_fdts,
					       &sub->blob, fdt);
	list_add_tail(&sub->list, &ser->subtrees);
	return 0;
}

/**
 * kho_add_subtree() - hand a subsystem's FDT to the next kernel
 * @ser:  serialization state received by the FINALIZE notifier
 * @name: name of the subsystem: a node name without '/'
 * @fdt:  the subsystem's FDT blob, in the kernel's linear map
 *
 * Adds a child @name to the root FDT whose ``fdt`` property holds the
 * physical address of @fdt.  The caller must preserve the pages of @fdt
 * itself and keep them unchanged until ABORT or the kexec.
 *
 * Context: Only from a KEXEC_KHO_FINALIZE notifier; may sleep.
 * Return: 0 on success, -EINVAL for a bad name or blob, -EEXIST if @name
 * is already used, -ENOSPC if the root FDT is full, -ENOMEM.
 */
int kho_add_subtree(struct kho_serialization *ser, const char *name,
		    void *fdt)
{
	u64 phys;
	int off, err;

	if (!ser || !name || !*name || strchr(name, '/') || !fdt ||
	    is_vmalloc_addr(fdt) || !virt_addr_valid(fdt) ||
	    fdt_check_header(fdt))
		return -EINVAL;
	lockdep_assert_held(&ser->out->lock);

	off = fdt_add_subnode(ser->fdt, 0, name);
	if (off < 0)
		return off == -FDT_ERR_EXISTS ? -EEXIST :
		       off == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	phys = virt_to_phys(fdt);
	err = fdt_setprop(ser->fdt, off, KHO_FDT_SUB_TREE_PROP_NAME, &phys,
			  sizeof(phys));
	if (!err)
		err = kho_subtree_debugfs(ser, name, fdt);
	else
		err = -ENOSPC;
	if (err) {
		fdt_del_node(ser->fdt, off);
		pr_err("cannot add subtree '%s' (%d)\n", name, err);
	}
	return err;
}
EXPORT_SYMBOL_GPL(kho_add_subtree);

/* The FDT the previous kernel handed over, once checked; 0 if none */
/*
 * A loaded KHO image points the next kernel at the FDT page and the scratch
 * list, which live as long as this kernel, and kernel_kexec() finalizes the
 * handover again if it was aborted: an abort is safe with such an image
 * loaded.  Not with an image a debug fault gave copies that refer to the
 * current map (kho_pinned): the abort would free what they point at.
 * Whether the loaded image is pinned is a property of the image, so a later
 * load that fails (and leaves this image loaded) cannot unlock the abort.
 */
int kho_abort_checked(struct kho_out *out)
{
	int ret;

	if (!kexec_trylock())
		return -EBUSY;
	if (kexec_image && kexec_image->kho_pinned) {
		pr_warn("abort refused: the loaded kexec image points at fault-injected copies of this handover; unload it first (kexec -u), then abort\n");
		ret = -EBUSY;
	} else {
		ret = kho_out_abort(out);
	}
	kexec_unlock();
	return ret;
}

/* Whether the debug fault changed what the image carries */
static bool kho_handover_changed(const struct kho_handover *a,
				 const struct kho_handover *b)
{
	return memcmp(a, b, sizeof(*a));
}

/**
 * kho_kexec_handover - describe the handover for a kexec image being loaded
 * @image: the image, of type %KEXEC_TYPE_DEFAULT
 * @h:     filled with the FDT and scratch list addresses
 *
 * The image carries the handover whether or not it is finalized yet: the
 * FDT and the scratch list stay where they are for the life of this kernel,
 * and finalize writes the FDT's content.  kho_kexec_prepare() finalizes it,
 * if nobody did, before the image is executed, so the next kernel never
 * gets an unfinished or stale handover.  The image then is a KHO kexec
 * (@image->kho).  A debug fault (KEXEC_HANDOVER_DEBUG) is injected only into
 * an image loaded after finalize, and pins the handover until the image is
 * unloaded or replaced (@image->kho_pinned).
 *
 * Context: Process context, with the kexec lock held (image loading); takes
 * &kho_out.lock.
 * Return: 0 with @h filled, -EOPNOTSUPP when KHO is off or has no scratch;
 * any other error fails the load.
 */
int kho_kexec_handover(struct kimage *image, struct kho_handover *h)
{
	struct kho_out *out = &kho_out;
	const struct kho_scratch_entry *scratch;
	struct kho_handover loaded;
	unsigned int nr;
	int ret = 0;

	if (!kho_enable)
		return -EOPNOTSUPP;
	scratch = kho_scratch_ranges(&nr);
	if (!scratch) {
		pr_warn("kexec image loaded without a handover: this boot has no KHO scratch\n");
		return -EOPNOTSUPP;
	}
	mutex_lock(&out->lock);
	h->fdt_phys = virt_to_phys(out->fdt);
	h->fdt_len = PAGE_SIZE;
	h->scratch_phys = virt_to_phys((void *)scratch);
	h->scratch_len = nr * sizeof(*scratch);
	loaded = *h;
	if (out->finalized)
		ret = kho_debug_fault(out, h);
	else
		ret = kho_debug_fault_unfinalized();
	if (!ret) {
		image->kho = true;
		image->kho_pinned = kho_handover_changed(&loaded, h);
		pr_info("kexec image loaded with the handover%s\n",
			out->finalized ? ", finalized" :
			"; it is finalized at the kexec reboot, if not before");
	}
	mutex_unlock(&out->lock);
	return ret;
}

/**
 * kho_kexec_prepare - finalize the handover for the kexec reboot
 * @image: the image about to be executed
 *
 * Called by kernel_kexec() before anything shuts down.  For an image that
 * carries the handover, finalizes it unless it was finalized already (an
 * explicit finalize through debugfs stands as it is: what was preserved by
 * then, and what the notifiers serialized then, is what the next kernel
 * gets).  If finalize fails the reboot fails with its error and this kernel
 * goes on as before: nothing is frozen or lost.
 *
 * Context: Process context, with the kexec lock held; takes &kho_out.lock
 * and calls the KHO notifiers, which may sleep.
 * Return: 0 if the image may be executed, else finalize's negative errno.
 */
int kho_kexec_prepare(struct kimage *image)
{
	struct kho_out *out = &kho_out;
	int ret;

	if (!image->kho)
		return 0;
	if (READ_ONCE(out->finalized))
		return 0;
	ret = kho_out_finalize(out);
	/* A finalize through debugfs may have come first */
	if (ret == -EBUSY && READ_ONCE(out->finalized))
		ret = 0;
	if (ret)
		pr_err("kexec reboot refused: cannot finalize the handover (%pe); nothing was lost, fix the cause and retry\n",
		       ERR_PTR(ret));
	else
		pr_info("finalized for the kexec reboot\n");
	return ret;
}

static int __init kho_init(void)
{
	int ret;

	if (!kho_enable) {
		if (kho_failed)
			pr_info("disabled for this boot, see the error above\n");
		else
			pr_info("disabled; boot with kho=on to enable Kexec HandOver\n");
		return 0;
	}

	ret = kho_out_init(&kho_out);
	if (ret) {
		kho_enable = false;
		pr_err("initialization failed (%d); Kexec HandOver is disabled\n",
		       ret);
		return ret;
	}
	pr_info("enabled\n");
	return 0;
}
early_initcall(kho_init);
