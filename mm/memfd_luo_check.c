// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update of memfds: the checks of an incoming "memfd-v2" record.
 *
 * Everything in the record comes from the previous kernel and is trusted
 * only once checked here.  The checks are pure functions of a copy of the
 * record and of one folio entry at a time, so that the KUnit suite
 * (mm/memfd_luo_test.c) and the user-space fuzzer (fuzz/memfd_fuzz.c,
 * which builds this file unchanged) run exactly what retrieve runs.
 */

#include <linux/kho/abi/memfd.h>
#include <linux/limits.h>
#include <linux/mm.h>

#include "memfd_luo.h"

/**
 * memfd_luo_check_record() - check a memfd record before using it
 * @ser: the record, copied out of its preserved folio
 *
 * The record may be used if its file has at most %UINT_MAX pages and a
 * position that is not negative, if its seals and flags are ones the
 * format knows, and if it lists no more folios than the file has pages,
 * in a folio table whose size (from its &struct kho_vmalloc handle) holds
 * them all.  The table itself is restored and checked by KHO.
 *
 * Context: Any context.
 * Return: NULL if the record may be used, otherwise why not (for the log).
 */
const char *memfd_luo_check_record(const struct memfd_luo_ser *ser)
{
	u64 pages;

	if (ser->size > (u64)UINT_MAX << PAGE_SHIFT)
		return "the file has more than UINT_MAX pages";
	if ((s64)ser->pos < 0)
		return "the file position is negative";
	if (ser->seals & ~MEMFD_LUO_SEALS)
		return "unknown seals";
	if (ser->flags & ~MEMFD_LUO_FLAGS)
		return "unknown flags";
	/* Cannot overflow: at most UINT_MAX pages */
	pages = (ser->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (ser->nr_folios > pages)
		return "more folios than the file has pages";
	if (!ser->nr_folios)
		return NULL;	/* the table is not read */
	if (ser->folios.order > MAX_PAGE_ORDER)
		return "folio table of an order above MAX_PAGE_ORDER";
	if (((u64)ser->folios.nr_folios << (ser->folios.order + PAGE_SHIFT)) <
	    ser->nr_folios * sizeof(struct memfd_luo_folio))
		return "folio table too small for its folios";
	return NULL;
}

/**
 * memfd_luo_check_folio() - check one folio entry of a memfd record
 * @e:         the entry, a copy of the record's
 * @order:     order of the folio that KHO restored at @e->pfn
 * @max_order: the largest folio order this kernel's page cache takes for
 *             a shmem file
 * @pages:     size of the file in pages, at most %UINT_MAX (checked by
 *             memfd_luo_check_record())
 * @next:      the first page index the folio may start at: 0 for the first
 *             entry, then what the previous call left; on success, the
 *             index after this folio
 *
 * The folio may be put back if its entry has only known flags, if its
 * order is one the page cache takes, and if it starts inside the file, on
 * an index that is a multiple of its size, at or after the end of the
 * previous folio.  It may reach past the end of the file: kernels up to
 * v6.12.117-kho1 preserved a shmem huge page that did so whole (the pages
 * past the end are no data of the file's).  Indexes are thus strictly
 * increasing and, with @pages at most %UINT_MAX, cannot wrap.
 *
 * Context: Any context.
 * Return: NULL if the folio may be put back, otherwise why not (for the
 * log); @next is only changed on success.
 */
const char *memfd_luo_check_folio(const struct memfd_luo_folio *e,
				  unsigned int order, unsigned int max_order,
				  u64 pages, u64 *next)
{
	u64 index = e->index;

	if (e->flags & ~MEMFD_LUO_FOLIO_FLAGS)
		return "unknown folio flags";
	if (order > max_order)
		return "larger than this kernel's page cache takes";
	if (index >= pages)
		return "it starts past the end of the file";
	if (!IS_ALIGNED(index, 1ULL << order))
		return "its index is not a multiple of its size";
	if (index < *next)
		return "it overlaps or precedes the folio before";
	*next = index + (1ULL << order);
	return NULL;
}
