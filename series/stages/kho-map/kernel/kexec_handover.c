// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO), outgoing side: track memory that must survive kexec,
 * and describe it, together with subsystem state, in an FDT for the next
 * kernel.
 *
 * The wire format is described in include/linux/kho/abi/kexec_handover.h.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/libfdt.h>
#include <linux/log2.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#include "kexec_handover_internal.h"

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

static bool kho_enable __ro_after_init;

static int __init kho_parse_enable(char *p)
{
	return kstrtobool(p, &kho_enable);
}
early_param("kho", kho_parse_enable);

static struct kho_out kho_out;

/**
 * kho_is_enabled() - is Kexec HandOver enabled on this boot?
 *
 * KHO is off unless the kernel was booted with ``kho=on``.
 *
 * Context: Any context.
 * Return: true if the KHO API is usable, false if every call into it fails
 * with -EOPNOTSUPP.
 */
bool kho_is_enabled(void)
{
	return kho_enable;
}
EXPORT_SYMBOL_GPL(kho_is_enabled);

/* ---- memory tracker --------------------------------------------------- */

/* Bitmap number and bit number of the folio of @order at @pfn */
static unsigned long kho_bitmap_index(unsigned long pfn, unsigned int order)
{
	return (pfn >> order) / KHO_BITMAP_BITS;
}

static unsigned int kho_bitmap_bit(unsigned long pfn, unsigned int order)
{
	return (pfn >> order) % KHO_BITMAP_BITS;
}

static bool kho_folio_valid(unsigned long pfn, unsigned int order)
{
	return order <= MAX_PAGE_ORDER && IS_ALIGNED(pfn, 1UL << order);
}

/**
 * kho_mem_track_init() - initialize an empty tracker
 * @track: tracker to initialize
 *
 * Context: Any context.
 */
void kho_mem_track_init(struct kho_mem_track *track)
{
	unsigned int order;

	BUILD_BUG_ON(NR_PAGE_ORDERS > BITS_PER_LONG);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		xa_init(&track->orders[order]);
	track->orders_used = 0;
	atomic_long_set(&track->nr_pages, 0);
}
EXPORT_SYMBOL_NS_GPL(kho_mem_track_init, KHO_TESTS);

/**
 * kho_mem_track_destroy() - free every bitmap of a tracker
 * @track: tracker to empty
 *
 * The tracker is empty and reusable afterwards.  The caller must make sure
 * nobody else uses the tracker.
 *
 * Context: Process context.
 */
void kho_mem_track_destroy(struct kho_mem_track *track)
{
	unsigned long *bitmap;
	unsigned long index;
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		xa_for_each(&track->orders[order], index, bitmap) {
			free_page((unsigned long)bitmap);
			atomic_long_dec(&track->nr_pages);
		}
		xa_destroy(&track->orders[order]);
	}
	track->orders_used = 0;
}
EXPORT_SYMBOL_NS_GPL(kho_mem_track_destroy, KHO_TESTS);

/* Find, and if @alloc is set create, the bitmap holding @pfn at @order */
static unsigned long *kho_bitmap_get(struct kho_mem_track *track,
				     unsigned long pfn, unsigned int order,
				     bool alloc)
{
	struct xarray *xa = &track->orders[order];
	unsigned long index = kho_bitmap_index(pfn, order);
	unsigned long *bitmap, *old;

	bitmap = xa_load(xa, index);
	if (bitmap || !alloc)
		return bitmap;

	bitmap = (unsigned long *)get_zeroed_page(GFP_KERNEL);
	if (!bitmap)
		return ERR_PTR(-ENOMEM);

	/*
	 * Mark the order used before the bitmap can be found, so that anyone
	 * who sees a bit in it also sees the order marked (see
	 * kho_mem_overlaps()).
	 */
	if (!test_bit(order, &track->orders_used))
		set_bit(order, &track->orders_used);
	old = xa_cmpxchg(xa, index, NULL, bitmap, GFP_KERNEL);
	if (old) {
		free_page((unsigned long)bitmap);
		return xa_is_err(old) ? ERR_PTR(xa_err(old)) : old;
	}
	atomic_long_inc(&track->nr_pages);
	return bitmap;
}

/*
 * Is any folio of another order preserved that overlaps the folio of @order
 * at @pfn?  A larger folio contains ours, so there is one candidate bit per
 * larger order.  Smaller folios are inside ours: 1 << (order - o) bits of
 * order o, all in one bitmap because the range is naturally aligned.  Only
 * orders that have a bitmap are looked at, so the check costs at most one
 * xarray lookup per other order in use and scans fewer than 2 << order bits.
 *
 * The caller has set its own bit and issued a full barrier.  A racing
 * preservation at another order either is seen here or, having marked its
 * order in orders_used before publishing its bitmap and set its bit before
 * its own barrier, sees ours.
 */
static bool kho_mem_overlaps(struct kho_mem_track *track, unsigned long pfn,
			     unsigned int order)
{
	unsigned long used = READ_ONCE(track->orders_used);
	unsigned long *bitmap, first, nr;
	unsigned int o;

	for_each_set_bit(o, &used, NR_PAGE_ORDERS) {
		if (o == order)
			continue;
		bitmap = kho_bitmap_get(track, pfn, o, false);
		if (!bitmap)
			continue;
		if (o > order) {
			if (test_bit(kho_bitmap_bit(pfn, o), bitmap))
				return true;
			continue;
		}
		first = kho_bitmap_bit(pfn, o);
		nr = 1UL << (order - o);
		if (find_next_bit(bitmap, first + nr, first) < first + nr)
			return true;
	}
	return false;
}

/**
 * kho_mem_preserve() - record one folio in a tracker
 * @track: tracker
 * @pfn:   first page frame of the folio, aligned to 1 << @order
 * @order: folio order, at most MAX_PAGE_ORDER
 *
 * Recording a folio that is already recorded at the same order changes
 * nothing.  A folio that overlaps one recorded at another order is refused.
 * The overlap check makes at most one bitmap lookup per other order in use
 * (see kho_mem_overlaps()), so the cost is bounded and independent of how
 * much is preserved.
 *
 * Context: Process context; may sleep to allocate a bitmap.
 * Return: 1 if the folio was newly recorded, 0 if it already was,
 * -EINVAL for a bad @pfn or @order, -EEXIST on overlap with another order,
 * -ENOMEM if no bitmap could be allocated.
 */
int kho_mem_preserve(struct kho_mem_track *track, unsigned long pfn,
		     unsigned int order)
{
	unsigned int bit = kho_bitmap_bit(pfn, order);
	unsigned long *bitmap;
	bool newly;

	if (!kho_folio_valid(pfn, order))
		return -EINVAL;

	bitmap = kho_bitmap_get(track, pfn, order, true);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);

	newly = !test_and_set_bit(bit, bitmap);
	/* Publish our bit before looking at other orders. */
	smp_mb__after_atomic();
	if (kho_mem_overlaps(track, pfn, order)) {
		if (newly)
			clear_bit(bit, bitmap);
		return -EEXIST;
	}
	return newly;
}
EXPORT_SYMBOL_NS_GPL(kho_mem_preserve, KHO_TESTS);

/**
 * kho_mem_unpreserve() - forget one folio recorded in a tracker
 * @track: tracker
 * @pfn:   first page frame of the folio
 * @order: folio order it was recorded with
 *
 * Context: Any context.
 * Return: 0 on success, -EINVAL for a bad @pfn or @order, -ENOENT if the
 * folio was not recorded at @order.
 */
int kho_mem_unpreserve(struct kho_mem_track *track, unsigned long pfn,
		       unsigned int order)
{
	unsigned long *bitmap;

	if (!kho_folio_valid(pfn, order))
		return -EINVAL;

	bitmap = kho_bitmap_get(track, pfn, order, false);
	if (!bitmap || !test_and_clear_bit(kho_bitmap_bit(pfn, order), bitmap))
		return -ENOENT;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(kho_mem_unpreserve, KHO_TESTS);

/**
 * kho_mem_is_preserved() - is a folio recorded at exactly this order?
 * @track: tracker
 * @pfn:   first page frame of the folio
 * @order: folio order
 *
 * Context: Any context.
 * Return: true if the bit of the folio is set.
 */
bool kho_mem_is_preserved(struct kho_mem_track *track, unsigned long pfn,
			  unsigned int order)
{
	unsigned long *bitmap;

	if (!kho_folio_valid(pfn, order))
		return false;
	bitmap = kho_bitmap_get(track, pfn, order, false);
	return bitmap && test_bit(kho_bitmap_bit(pfn, order), bitmap);
}

/**
 * kho_range_order() - order of the first piece of a page range
 * @pfn:      first page frame of the range
 * @nr_pages: number of pages in the range, not 0
 *
 * A range is recorded as a sequence of naturally aligned folios, each as
 * large as possible: the first one has the largest order that @pfn is
 * aligned to and that fits in @nr_pages, capped at MAX_PAGE_ORDER.
 *
 * Context: Any context.
 * Return: the order of the first folio of the range.
 */
unsigned int kho_range_order(unsigned long pfn, unsigned long nr_pages)
{
	unsigned int order = min_t(unsigned int, MAX_PAGE_ORDER,
				   ilog2(nr_pages));

	if (pfn)
		order = min_t(unsigned int, order, __ffs(pfn));
	return order;
}

static unsigned long kho_range_pieces(unsigned long pfn, unsigned long nr)
{
	unsigned long pieces = 0;
	unsigned int order;

	while (nr) {
		order = kho_range_order(pfn, nr);
		pfn += 1UL << order;
		nr -= 1UL << order;
		pieces++;
	}
	return pieces;
}

/**
 * kho_mem_preserve_range() - record a page range as maximal aligned folios
 * @track:    tracker
 * @pfn:      first page frame of the range
 * @nr_pages: number of pages, not 0
 *
 * Either the whole range is recorded or, on error, the tracker is left as it
 * was: pieces this call recorded are forgotten again, pieces that were
 * already recorded before the call stay.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success, -EINVAL for an empty range, -EEXIST if a piece
 * overlaps memory recorded at another order, -ENOMEM.
 */
int kho_mem_preserve_range(struct kho_mem_track *track, unsigned long pfn,
			   unsigned long nr_pages)
{
	unsigned long pieces, i, cur = pfn, left = nr_pages;
	unsigned long onstack = 0, *newly = &onstack;
	unsigned int order;
	int ret = 0;

	if (!nr_pages || pfn + nr_pages < pfn)
		return -EINVAL;

	pieces = kho_range_pieces(pfn, nr_pages);
	if (pieces > BITS_PER_LONG) {
		newly = bitmap_zalloc(pieces, GFP_KERNEL);
		if (!newly)
			return -ENOMEM;
	}

	for (i = 0; left; i++) {
		order = kho_range_order(cur, left);
		ret = kho_mem_preserve(track, cur, order);
		if (ret < 0)
			break;
		if (ret)
			__set_bit(i, newly);
		cur += 1UL << order;
		left -= 1UL << order;
	}

	if (ret < 0) {
		/* Forget what this call recorded, in the same decomposition. */
		unsigned long n = i;

		for (i = 0, cur = pfn, left = nr_pages; i < n; i++) {
			order = kho_range_order(cur, left);
			if (test_bit(i, newly))
				kho_mem_unpreserve(track, cur, order);
			cur += 1UL << order;
			left -= 1UL << order;
		}
	}

	if (newly != &onstack)
		bitmap_free(newly);
	return ret < 0 ? ret : 0;
}

/**
 * kho_mem_unpreserve_range() - forget a range recorded as a whole
 * @track:    tracker
 * @pfn:      first page frame of the range
 * @nr_pages: number of pages, not 0
 *
 * Every piece of the decomposition is forgotten, even if some piece was not
 * recorded.
 *
 * Context: Any context.
 * Return: 0 on success, -EINVAL for an empty range, -ENOENT if at least one
 * piece was not recorded.
 */
int kho_mem_unpreserve_range(struct kho_mem_track *track, unsigned long pfn,
			     unsigned long nr_pages)
{
	unsigned int order;
	int ret = 0;

	if (!nr_pages || pfn + nr_pages < pfn)
		return -EINVAL;

	while (nr_pages) {
		order = kho_range_order(pfn, nr_pages);
		if (kho_mem_unpreserve(track, pfn, order))
			ret = -ENOENT;
		pfn += 1UL << order;
		nr_pages -= 1UL << order;
	}
	return ret;
}

/**
 * kho_mem_prune() - free the empty bitmaps of a tracker
 * @track: tracker; nobody may use it during the call
 *
 * Context: Process context.
 */
void kho_mem_prune(struct kho_mem_track *track)
{
	unsigned long *bitmap, index;
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		xa_for_each(&track->orders[order], index, bitmap) {
			if (!bitmap_empty(bitmap, KHO_BITMAP_BITS))
				continue;
			xa_erase(&track->orders[order], index);
			free_page((unsigned long)bitmap);
			atomic_long_dec(&track->nr_pages);
		}
		if (xa_empty(&track->orders[order]))
			clear_bit(order, &track->orders_used);
	}
}

/* ---- memory map serialization ----------------------------------------- */

static struct kho_mem_chunk *kho_chunk_alloc(struct kho_mem_track *track,
					     unsigned int order)
{
	struct kho_mem_chunk *chunk;

	chunk = (struct kho_mem_chunk *)get_zeroed_page(GFP_KERNEL);
	if (!chunk)
		return NULL;
	atomic_long_inc(&track->nr_pages);
	chunk->hdr.order = order;
	return chunk;
}

/**
 * kho_mem_chunks_free() - free a memory map written by kho_mem_serialize()
 * @track: tracker the map was written from (for page accounting)
 * @first: first chunk, may be NULL
 *
 * Context: Process context.
 */
void kho_mem_chunks_free(struct kho_mem_track *track,
			 struct kho_mem_chunk *first)
{
	struct kho_mem_chunk *chunk = first, *next;

	while (chunk) {
		next = chunk->hdr.next_phys ?
			phys_to_virt(chunk->hdr.next_phys) : NULL;
		free_page((unsigned long)chunk);
		atomic_long_dec(&track->nr_pages);
		chunk = next;
	}
}
EXPORT_SYMBOL_NS_GPL(kho_mem_chunks_free, KHO_TESTS);

/**
 * kho_mem_serialize() - write a tracker as a kho-v1 memory map
 * @track: tracker; nobody may change it during the call
 * @first: set to the first chunk, or NULL if nothing is preserved
 *
 * Empty bitmaps are freed on the way.  The chunks reference the live
 * bitmaps, so the tracker must not change until the map is freed with
 * kho_mem_chunks_free() or handed to the next kernel.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success, -ENOMEM (and nothing allocated) on failure.
 */
int kho_mem_serialize(struct kho_mem_track *track,
		      struct kho_mem_chunk **first)
{
	struct kho_mem_chunk *chunk = NULL, *next;
	struct kho_mem_bitmap_entry *entry;
	unsigned long *bitmap, index;
	unsigned int order;

	*first = NULL;
	kho_mem_prune(track);
	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		xa_for_each(&track->orders[order], index, bitmap) {
			if (!chunk || chunk->hdr.order != order ||
			    chunk->hdr.num_elms == KHO_MEM_CHUNK_ENTRIES) {
				next = kho_chunk_alloc(track, order);
				if (!next)
					goto err_free;
				if (chunk)
					chunk->hdr.next_phys = virt_to_phys(next);
				else
					*first = next;
				chunk = next;
			}
			entry = &chunk->entries[chunk->hdr.num_elms++];
			entry->phys_start =
				PFN_PHYS((index * KHO_BITMAP_BITS) << order);
			entry->bitmap_phys = virt_to_phys(bitmap);
		}
	}
	return 0;

err_free:
	kho_mem_chunks_free(track, *first);
	*first = NULL;
	return -ENOMEM;
}
EXPORT_SYMBOL_NS_GPL(kho_mem_serialize, KHO_TESTS);

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
	kho_mem_track_init(&out->track);
	return percpu_init_rwsem(&out->rwsem);
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
	percpu_free_rwsem(&out->rwsem);
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

static int __init kho_init(void)
{
	int ret;

	if (!kho_enable) {
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
