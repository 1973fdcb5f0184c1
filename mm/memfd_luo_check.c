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
 * The checks retrieve made so far, unchanged.
 *
 * Context: Any context.
 * Return: NULL if the record may be used, otherwise why not (for the log).
 */
const char *memfd_luo_check_record(const struct memfd_luo_ser *ser)
{
	u64 pages = DIV_ROUND_UP(ser->size, PAGE_SIZE);

	if ((s64)ser->size < 0 || pages > UINT_MAX ||
	    (ser->seals & ~MEMFD_LUO_SEALS) ||
	    (ser->flags & ~MEMFD_LUO_FLAGS) || ser->nr_folios > pages ||
	    ser->folios.order > MAX_PAGE_ORDER)
		return "malformed";
	if (!ser->nr_folios)
		return NULL;	/* the table is not read */
	if (((u64)ser->folios.nr_folios << (ser->folios.order + PAGE_SHIFT)) <
	    ser->nr_folios * sizeof(struct memfd_luo_folio))
		return "folio table too small";
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
 * The checks retrieve made so far, unchanged.
 *
 * Context: Any context.
 * Return: NULL if the folio may be put back, otherwise why not (for the
 * log); @next is only changed on success.
 */
const char *memfd_luo_check_folio(const struct memfd_luo_folio *e,
				  unsigned int order, unsigned int max_order,
				  u64 pages, u64 *next)
{
	u64 nr = 1ULL << order;

	if (e->index < *next || !IS_ALIGNED(e->index, nr) ||
	    e->index + nr > pages)
		return "malformed";
	*next = e->index + nr;
	return NULL;
}
