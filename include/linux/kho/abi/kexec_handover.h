/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO) wire format, version "kho-v1".
 *
 * This header is the single description of what one kernel leaves in memory
 * for the next one.  Everything here is ABI between two kernels that may be
 * built from different trees: change nothing without a new version (see
 * "Record versions" below).
 */
#ifndef _LINUX_KHO_ABI_KEXEC_HANDOVER_H
#define _LINUX_KHO_ABI_KEXEC_HANDOVER_H

#include <linux/types.h>
#include <asm/page.h>

/**
 * DOC: Record versions
 *
 * Every record of the handover names its format and version in its
 * ``compatible`` string, ``"FAMILY-vN"``: the KHO root ``kho-v1``, the live
 * update state ``luo-v1`` (luo.h), a memfd ``memfd-v2`` (memfd.h), the
 * memblock subtree ``memblock-v1`` and its regions ``reserve-mem-v1``
 * (memblock.h).  ``N`` is decimal, without leading zeros, at most 99999.
 *
 * The rule:
 *
 * - A reader checks the version of a record before it reads anything else
 *   of it, and refuses a record of a version it does not know, naming both
 *   the version it was given and those it reads.  It never guesses: two
 *   versions may lay the same bytes out differently.  For the root, the
 *   version is checked right after the FDT and the scratch list are known
 *   to lie in RAM, before the scratch list is read: another version may
 *   pass its scratch regions otherwise.
 * - A writer that must change a record, in any way a reader of the old
 *   version could misread, writes it under the next version.  Its readers
 *   keep accepting the old versions for as long as they can read them, so
 *   that a kexec from an older kernel of the series keeps working; a kexec
 *   into an older kernel is refused cleanly by that kernel.
 * - A reader accepts a range of versions; ``/sys/kernel/debug/kho/abi``
 *   lists, per record, the version written and the versions read.
 *
 * Mainline kernels number their records independently (7.2 writes
 * ``kho-v4`` and ``luo-v5``); a kernel of this series refuses them.
 */

/**
 * DOC: KHO root FDT
 *
 * The outgoing kernel describes the handover with one flattened device tree
 * (FDT) blob.  Its pages are preserved, so the blob is still intact when the
 * next kernel reads it.
 *
 * The root node carries:
 *
 * - ``compatible`` (string): ``"kho-v1"``.  A reader must refuse a tree
 *   whose root is of a version it does not read (see above).  A reader of
 *   this version may assume the root FDT buffer is at most 64 KiB (the
 *   writer uses one page).
 * - ``preserved-memory-map`` (u64): the physical address of the first chunk
 *   of the preserved-memory map described below, or 0 if no memory at all is
 *   preserved.
 *
 * Each subsystem that takes part in the handover owns one child node of the
 * root, named by the subsystem, with a single property:
 *
 * - ``fdt`` (u64): the physical address of the subsystem's own FDT blob.
 *   The subsystem preserved the pages of that blob itself; its content is
 *   the subsystem's ABI and is described in its own header in this
 *   directory.
 *
 * All integer properties are in the CPU's native byte order (not the
 * big-endian order usual in device trees) and have exactly the size given
 * above.  The root has no ``#address-cells`` or ``#size-cells``.
 */

/*
 * Compatible string of the root node: KHO_FDT_FAMILY "-v" KHO_FDT_VERSION.
 * A reader accepts KHO_FDT_MIN_VERSION to KHO_FDT_VERSION.
 */
#define KHO_FDT_COMPATIBLE		"kho-v1"
#define KHO_FDT_FAMILY			"kho"
#define KHO_FDT_VERSION			1
#define KHO_FDT_MIN_VERSION		1
/* Root property: u64 physical address of the first memory map chunk */
#define KHO_FDT_MEMORY_MAP_PROP_NAME	"preserved-memory-map"
/* Subsystem node property: u64 physical address of the subsystem FDT */
#define KHO_FDT_SUB_TREE_PROP_NAME	"fdt"

/**
 * DOC: Preserved-memory map
 *
 * Preserved memory is recorded per folio order.  For every order ``o``
 * (0 up to the producer's ``MAX_PAGE_ORDER``) the producer keeps a sparse set
 * of bitmaps.  Every bitmap is exactly one page long and holds
 * ``KHO_BITMAP_BITS`` (``PAGE_SIZE * 8``; 32768 with 4 KiB pages) bits.  Bit
 * ``i`` of bitmap number ``k`` of order ``o`` stands for the folio of order
 * ``o`` that starts at page frame number::
 *
 *	pfn = (k * KHO_BITMAP_BITS + i) << o
 *
 * so bitmap ``k`` covers the physical range starting at
 * ``(k * KHO_BITMAP_BITS << o) << PAGE_SHIFT``.  A set bit means "the
 * ``1 << o`` pages starting at this pfn are preserved and form one folio".
 *
 * The bitmaps are listed in a singly linked list of page-sized chunks
 * (&struct kho_mem_chunk).  Every chunk starts with a
 * &struct kho_mem_chunk_hdr and continues with ``num_elms`` entries of
 * &struct kho_mem_bitmap_entry.  All entries of one chunk describe bitmaps
 * of the chunk's ``order``; several chunks may have the same order and
 * orders may appear in any sequence.  ``next_phys`` of the last chunk is 0.
 *
 * Neither the chunks nor the bitmaps are themselves preserved: they are
 * ordinary memory of the outgoing kernel that the incoming kernel reads
 * early, while it still allocates only from scratch memory, and forgets once
 * it has reserved the folios they describe.
 *
 * What a reader may assume:
 *
 * - Producer and reader use the same ``PAGE_SIZE``; chunks and bitmaps are
 *   one such page each and are page aligned.
 * - Integers are native endian; the structures below have no padding.
 *
 * What a reader must check before using an entry, rejecting the whole map
 * (and therefore the handover) on failure:
 *
 * - every ``next_phys`` and ``bitmap_phys`` is page aligned, non-zero where
 *   required and inside memory the reader knows;
 * - ``num_elms`` is at most ``KHO_MEM_CHUNK_ENTRIES``;
 * - ``order`` is at most the reader's own ``MAX_PAGE_ORDER`` (a larger order
 *   cannot be represented as one folio by the reader);
 * - ``phys_start`` is a multiple of the range one bitmap of that order
 *   covers (``KHO_BITMAP_BITS << order`` pages);
 * - the chunk list is finite (a reader should bound the walk, for example by
 *   the amount of memory it knows about).
 *
 * Compatibility warning: some kernels (mainline 6.16 and 6.17) wrote 512-byte
 * bitmaps (4096 bits) under the same ``"kho-v1"`` string.  Nothing in the
 * blob tells the two layouts apart, so a reader of this layout must not
 * accept a handover from such a kernel; the check above on ``phys_start``
 * catches most, but not all, such maps.
 */

/**
 * struct kho_mem_chunk_hdr - header of one chunk of the preserved-memory map
 * @next_phys: physical address of the next chunk, 0 for the last one
 * @order:     folio order shared by all entries of this chunk
 * @num_elms:  number of valid entries that follow the header
 */
struct kho_mem_chunk_hdr {
	u64 next_phys;
	u32 order;
	u32 num_elms;
};

/**
 * struct kho_mem_bitmap_entry - one bitmap of the preserved-memory map
 * @phys_start:  physical address of the first page the bitmap covers
 * @bitmap_phys: physical address of the page-sized bitmap
 */
struct kho_mem_bitmap_entry {
	u64 phys_start;
	u64 bitmap_phys;
};

/* Number of bits in one page-sized bitmap */
#define KHO_BITMAP_BITS		(PAGE_SIZE * 8)

/* Number of entries that fit in one chunk: 255 with 4 KiB pages */
#define KHO_MEM_CHUNK_ENTRIES					\
	((PAGE_SIZE - sizeof(struct kho_mem_chunk_hdr)) /	\
	 sizeof(struct kho_mem_bitmap_entry))

/**
 * struct kho_mem_chunk - one page of the preserved-memory map
 * @hdr:     chunk header
 * @entries: bitmap entries, of which the first @hdr.num_elms are valid
 */
struct kho_mem_chunk {
	struct kho_mem_chunk_hdr hdr;
	struct kho_mem_bitmap_entry entries[KHO_MEM_CHUNK_ENTRIES];
};

/**
 * DOC: Preserved vmalloc areas
 *
 * kho_preserve_vmalloc() describes a vmalloc area with a fixed-size
 * &struct kho_vmalloc that the caller stores in its own handover data.  The
 * physical pages backing the area are listed in a linked list of preserved,
 * page-sized &struct kho_vmalloc_chunk pages, in the order in which they are
 * mapped.  Both the backing folios and the chunk pages are preserved, so the
 * next kernel can map the same content again at a new virtual address.
 */

/**
 * struct kho_vmalloc_hdr - header of a page list chunk
 * @next_phys: physical address of the next chunk, 0 for the last one
 * @num_elms:  number of valid entries in this chunk
 * @reserved:  written as 0
 */
struct kho_vmalloc_hdr {
	u64 next_phys;
	u32 num_elms;
	u32 reserved;
};

/* Number of page addresses in one vmalloc chunk: 510 with 4 KiB pages */
#define KHO_VMALLOC_CHUNK_ENTRIES					\
	((PAGE_SIZE - sizeof(struct kho_vmalloc_hdr)) / sizeof(u64))

/**
 * struct kho_vmalloc_chunk - one page of a vmalloc page list
 * @hdr:  chunk header
 * @phys: physical addresses of the backing folios, each of order
 *        &kho_vmalloc.order
 */
struct kho_vmalloc_chunk {
	struct kho_vmalloc_hdr hdr;
	u64 phys[KHO_VMALLOC_CHUNK_ENTRIES];
};

/**
 * struct kho_vmalloc - handle of a preserved vmalloc area
 * @first:    physical address of the first &struct kho_vmalloc_chunk, 0 if
 *            the handle is empty
 * @nr_folios: total number of folios listed in the chunks
 * @order:    order of every backing folio (0 unless the area was mapped
 *            with huge pages)
 * @reserved: written as 0; a reader must refuse a non-zero value
 *
 * The structure is 16 bytes, naturally aligned, native endian, and may be
 * embedded in a subsystem's own preserved data or FDT property.  The area
 * covers ``nr_folios << order`` pages.
 */
struct kho_vmalloc {
	u64 first;
	u32 nr_folios;
	u16 order;
	u16 reserved;
};

/**
 * DOC: Scratch list
 *
 * The outgoing kernel also passes the list of its scratch regions, by an
 * architecture-specific route (on x86 a ``SETUP_KEXEC_KHO`` setup_data).
 * The list is an array of &struct kho_scratch_entry: the lowmem region,
 * the global region, then one region per memory node.  A reader must check
 * that the array size is a multiple of the entry size, that every region
 * is non-empty, page aligned, inside RAM and overlaps no other region, the
 * list itself or the FDT, before it allocates from any of them.
 */

/**
 * struct kho_scratch_entry - one scratch region
 * @addr: physical address of the region
 * @size: size of the region in bytes
 */
struct kho_scratch_entry {
	u64 addr;
	u64 size;
};

#endif /* _LINUX_KHO_ABI_KEXEC_HANDOVER_H */
