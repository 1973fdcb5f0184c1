/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO) subtree of memblock: the reserve_mem= regions.
 *
 * ABI between two kernels, like kexec_handover.h beside it: change nothing
 * without a new version (see "Record versions" in kexec_handover.h: a
 * reader refuses a version it does not know; a writer that changes the
 * format bumps the version, and its readers keep accepting the old one).
 */
#ifndef _LINUX_KHO_ABI_MEMBLOCK_H
#define _LINUX_KHO_ABI_MEMBLOCK_H

/**
 * DOC: memblock subtree
 *
 * At finalize, memblock hands every ``reserve_mem=SIZE:ALIGN:NAME`` region
 * to the next kernel: it preserves the pages the region covers and adds the
 * subtree ``memblock`` to the KHO root FDT.  The subtree is one FDT blob in
 * one preserved page:
 *
 * - the root has ``compatible`` (string) ``"memblock-v1"``;
 * - one child node per region, named exactly as the region's NAME, with
 *   ``compatible`` (string) ``"reserve-mem-v1"``, ``start`` (u64) the
 *   region's physical address and ``size`` (u64) its size in bytes.
 *
 * ``start`` and ``size`` are raw 8-byte values in the CPU's byte order, not
 * big-endian cells; a reader refuses a property of any other length.  The
 * preserved pages are those of [``start`` rounded down, ``start + size``
 * rounded up to a page boundary).
 *
 * The next kernel, parsing a ``reserve_mem=`` option, looks its NAME up in
 * the subtree first and adopts the recorded range if the size is the same,
 * the start is aligned to ALIGN and the pages are preserved memory;
 * otherwise it allocates fresh memory, as without KHO, and says why.
 */

/* Subtree name, and compatible strings of its root and of a region node */
#define MEMBLOCK_KHO_FDT			"memblock"
#define MEMBLOCK_KHO_FDT_COMPATIBLE		"memblock-v1"
#define RESERVE_MEM_KHO_NODE_COMPATIBLE		"reserve-mem-v1"
/* The same as family, version and the oldest version a reader accepts */
#define MEMBLOCK_KHO_FDT_FAMILY			"memblock"
#define MEMBLOCK_KHO_FDT_VERSION		1
#define MEMBLOCK_KHO_FDT_MIN_VERSION		1
#define RESERVE_MEM_KHO_NODE_FAMILY		"reserve-mem"
#define RESERVE_MEM_KHO_NODE_VERSION		1
#define RESERVE_MEM_KHO_NODE_MIN_VERSION	1
/* Region node properties: u64 physical address and u64 size in bytes */
#define RESERVE_MEM_KHO_NODE_START		"start"
#define RESERVE_MEM_KHO_NODE_SIZE		"size"

#endif /* _LINUX_KHO_ABI_MEMBLOCK_H */
