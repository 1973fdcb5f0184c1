/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live update of memfds: handover format, compatible "memfd-v2".
 *
 * ABI between two kernels: change nothing without a new version (see
 * "Record versions" in kexec_handover.h).  A kernel that reads no handler
 * of a file's version refuses to retrieve the file, naming both versions.
 */
#ifndef _LINUX_KHO_ABI_MEMFD_H
#define _LINUX_KHO_ABI_MEMFD_H

#include <linux/bits.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/types.h>

/**
 * DOC: memfd handover
 *
 * The LUO data handle of a memfd is the physical address of a preserved
 * order-0 folio that starts with a &struct memfd_luo_ser.  Its ``folios``
 * is a preserved vmalloc area (&struct kho_vmalloc) of ``nr_folios``
 * &struct memfd_luo_folio entries, in increasing page index order.  Each
 * names a folio, preserved with its order, that holds the file's pages
 * from ``index`` on.  Indexes not covered by any folio are holes (which
 * the outgoing kernel fills, so there are none in practice).
 *
 * What a writer records: each folio starts and ends inside the file (a
 * shmem huge page that reaches past the end of the file is split first,
 * which drops its pages past the end) and is uptodate (a folio that
 * fallocate() left unwritten is zeroed when the file is preserved).
 * v6.12.117-kho1, the first release, could also record a last folio that
 * reaches past the end of the file, and folios not uptodate.
 *
 * A reader must check that ``size`` is at most ``UINT_MAX`` pages, that
 * ``pos`` is not negative, that ``seals``, ``flags`` and each entry's
 * flags hold only the bits below, that there are no more entries than the
 * file has pages and that they fit in the area, and that each folio is of
 * an order its page cache takes and starts inside the file, on an index
 * that is a multiple of its size, at or after the end of the one before.
 * It accepts a last folio that reaches past the end of the file (what lies
 * past the end is no data of the file's: this kernel zeroes it), and takes
 * a folio without %MEMFD_LUO_FOLIO_UPTODATE for a fallocated one, which
 * reads as zeros whatever it holds.
 */

#define MEMFD_LUO_COMPATIBLE	"memfd-v2"
/* MEMFD_LUO_COMPATIBLE is MEMFD_LUO_FAMILY "-v" MEMFD_LUO_VERSION */
#define MEMFD_LUO_FAMILY	"memfd"
#define MEMFD_LUO_VERSION	2
/* The oldest version a reader accepts */
#define MEMFD_LUO_MIN_VERSION	2

/* Record flag: the file's mode had no exec bits (MFD_NOEXEC_SEAL) */
#define MEMFD_LUO_NOEXEC		BIT(0)
#define MEMFD_LUO_FLAGS			MEMFD_LUO_NOEXEC

/*
 * The seals a record may carry, as F_SEAL_* values: SEAL 0x1, SHRINK 0x2,
 * GROW 0x4, WRITE 0x8, FUTURE_WRITE 0x10, EXEC 0x20
 */
#define MEMFD_LUO_SEALS			0x3f

/* Folio entry flags */
#define MEMFD_LUO_FOLIO_DIRTY		BIT(0)
#define MEMFD_LUO_FOLIO_UPTODATE	BIT(1)
#define MEMFD_LUO_FOLIO_FLAGS		(MEMFD_LUO_FOLIO_DIRTY | \
					 MEMFD_LUO_FOLIO_UPTODATE)

/**
 * struct memfd_luo_folio - one folio of a preserved memfd
 * @pfn:   page frame number of the folio
 * @flags: %MEMFD_LUO_FOLIO_DIRTY, %MEMFD_LUO_FOLIO_UPTODATE
 * @index: page index of the folio's first page in the file
 */
struct memfd_luo_folio {
	u64 pfn:52;
	u64 flags:12;
	u64 index;
};

/**
 * struct memfd_luo_ser - record of a preserved memfd
 * @pos:       file position
 * @size:      file size in bytes
 * @seals:     F_SEAL_* seals (SEAL, SHRINK, GROW, WRITE, FUTURE_WRITE,
 *             EXEC)
 * @flags:     %MEMFD_LUO_NOEXEC
 * @nr_folios: number of &struct memfd_luo_folio entries in @folios
 * @folios:    preserved vmalloc area holding the entries; empty if
 *             @nr_folios is 0
 */
struct memfd_luo_ser {
	u64 pos;
	u64 size;
	u32 seals;
	u32 flags;
	u64 nr_folios;
	struct kho_vmalloc folios;
} __packed;

#endif /* _LINUX_KHO_ABI_MEMFD_H */
