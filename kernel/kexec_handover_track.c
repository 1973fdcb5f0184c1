// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO) memory tracker and map writer: which folios must
 * survive the kexec (one bitmap per folio order), and the preserved-memory
 * map that describes them to the next kernel.
 *
 * Uses nothing else of KHO: a tracker is a value (&struct kho_mem_track)
 * that its owner locks; kexec_handover.c owns the one of the handover, and
 * the benchmark module drives private ones.
 *
 * The wire format is described in include/linux/kho/abi/kexec_handover.h.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "kexec_handover_internal.h"

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

/* Number of bitmaps a written map lists */
unsigned long kho_map_bitmaps(struct kho_mem_chunk *chunk)
{
	unsigned long n = 0;

	for (; chunk; chunk = chunk->hdr.next_phys ?
	     phys_to_virt(chunk->hdr.next_phys) : NULL)
		n += chunk->hdr.num_elms;
	return n;
}
