// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): validation of an incoming handover.
 *
 * Everything the previous kernel handed over is untrusted input.  The
 * checks here read it only through a &struct kho_check, which says where
 * RAM is and how to reach a physical address, so that the same code checks
 * a real handover early in boot and a handover built in an ordinary buffer
 * by the KUnit suite, which also fuzzes it.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/unaligned.h>

#include "kexec_handover_internal.h"

/* Deepest node the KHO root FDT may contain: root, subsystem, one spare */
#define KHO_FDT_MAX_DEPTH	3

/* Whether [@a, @a + @alen) and [@b, @b + @blen) share a byte */
static bool kho_ranges_overlap(phys_addr_t a, u64 alen, phys_addr_t b,
			       u64 blen)
{
	return a < b + blen && b < a + alen;
}

/**
 * kho_scratch_overlaps - find the scratch region a range overlaps
 * @scratch: scratch regions
 * @nr:      number of regions
 * @addr:    start of the range
 * @len:     its length
 *
 * Return: the index of the first region that overlaps [@addr, @addr + @len),
 * or -1 if none does.
 */
int kho_scratch_overlaps(const struct kho_scratch_entry *scratch,
			 unsigned int nr, phys_addr_t addr, u64 len)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (kho_ranges_overlap(addr, len, scratch[i].addr,
				       scratch[i].size))
			return i;
	return -1;
}

/**
 * kho_check_layout - check where the handover data lies
 * @c: the handover; only @c->h is read
 *
 * Checks that the scratch list size is a whole, non-zero number of entries
 * and at most %KHO_SCRATCH_MAX, and that the list and the FDT lie in RAM,
 * so that the list may be read.
 *
 * Return: NULL if the list may be read, else the reason it may not.
 */
const char *kho_check_layout(const struct kho_check *c)
{
	const struct kho_handover *h = &c->h;

	if (!h->scratch_len || h->scratch_len % sizeof(*c->scratch) ||
	    h->scratch_len > KHO_SCRATCH_MAX * sizeof(*c->scratch))
		return "bad scratch list size";
	if (!IS_ALIGNED(h->scratch_phys, sizeof(u64)) ||
	    !c->is_ram(c, h->scratch_phys, h->scratch_len))
		return "scratch list outside RAM";
	if (!h->fdt_len || !c->is_ram(c, h->fdt_phys, h->fdt_len))
		return "FDT outside RAM";
	return NULL;
}

/**
 * kho_check_scratch - check the incoming scratch list
 * @c: the handover
 *
 * kho_check_layout(), then every region: non-empty, page aligned, in RAM,
 * and overlapping neither another region nor the handover data.
 *
 * Return: NULL if the list can be trusted, else the reason it cannot.
 */
const char *kho_check_scratch(const struct kho_check *c)
{
	const struct kho_handover *h = &c->h;
	const char *why = kho_check_layout(c);
	unsigned int i;

	if (why)
		return why;
	for (i = 0; i < kho_check_nr_scratch(c); i++) {
		const struct kho_scratch_entry *e = &c->scratch[i];

		if (!e->size || e->addr + e->size < e->addr)
			return "empty or wrapping scratch region";
		if (!PAGE_ALIGNED(e->addr) || !PAGE_ALIGNED(e->size))
			return "scratch region not page aligned";
		if (!c->is_ram(c, e->addr, e->size))
			return "scratch region outside RAM";
		if (kho_ranges_overlap(e->addr, e->size, h->scratch_phys,
				       h->scratch_len) ||
		    kho_ranges_overlap(e->addr, e->size, h->fdt_phys,
				       h->fdt_len))
			return "scratch region overlaps the handover data";
		if (kho_scratch_overlaps(c->scratch, i, e->addr, e->size) >= 0)
			return "scratch regions overlap";
	}
	return NULL;
}

static bool kho_check_in_scratch(const struct kho_check *c, phys_addr_t addr,
				 u64 len)
{
	return kho_scratch_overlaps(c->scratch, kho_check_nr_scratch(c),
				    addr, len) >= 0;
}

/* Memory the FDT and the map may live in: page aligned RAM outside scratch */
static const void *kho_check_va(const struct kho_check *c, phys_addr_t addr,
				u64 len)
{
	if (!addr || !PAGE_ALIGNED(addr) || addr + len <= addr ||
	    !c->is_ram(c, addr, len) || kho_check_in_scratch(c, addr, len))
		return NULL;
	return c->va(c, addr);
}

/*
 * The structure check of upstream libfdt's fdt_check_full(), which the
 * kernel's copy of libfdt does not have: every tag inside the structure
 * block, one root node, nodes balanced and not too deep, every property
 * inside the blob with a name inside the strings block.
 */
static bool kho_fdt_check_full(const void *fdt, size_t bufsize)
{
	int offset = 0, next, depth = 0, roots = 0, len;
	const char *name;
	u32 tag;

	if (bufsize < FDT_V17_SIZE || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > bufsize)
		return false;
	for (;;) {
		tag = fdt_next_tag(fdt, offset, &next);
		if (next < 0)
			return false;
		switch (tag) {
		case FDT_BEGIN_NODE:
			if (++depth > KHO_FDT_MAX_DEPTH ||
			    (depth == 1 && ++roots > 1))
				return false;
			break;
		case FDT_END_NODE:
			if (--depth < 0)
				return false;
			break;
		case FDT_PROP:
			if (depth < 1 ||
			    !fdt_getprop_by_offset(fdt, offset, &name, &len))
				return false;
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			return depth == 0 && roots == 1;
		default:
			return false;
		}
		offset = next;
	}
}

/**
 * kho_check_fdt - check the incoming root FDT
 * @c:   the handover
 * @map: set to the physical address of the preserved-memory map
 *
 * The FDT must lie in RAM outside scratch, pass a full structure check,
 * be compatible with "kho-v1" and carry a u64 preserved-memory-map
 * property.  Subsystem children are not interpreted here; their owners
 * check their own data.
 *
 * Return: NULL with *@map set, else the reason the FDT cannot be trusted.
 */
const char *kho_check_fdt(const struct kho_check *c, phys_addr_t *map)
{
	const void *fdt;
	const void *prop;
	int len;

	fdt = kho_check_va(c, c->h.fdt_phys, c->h.fdt_len);
	if (!fdt || c->h.fdt_len < sizeof(struct fdt_header))
		return "FDT too small, misplaced or inside scratch";
	if (!kho_fdt_check_full(fdt, c->h.fdt_len))
		return "bad FDT header or structure";
	if (fdt_node_check_compatible(fdt, 0, KHO_FDT_COMPATIBLE))
		return "FDT is not compatible with " KHO_FDT_COMPATIBLE;
	prop = fdt_getprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &len);
	if (!prop || len != sizeof(u64))
		return "FDT has no valid " KHO_FDT_MEMORY_MAP_PROP_NAME;
	*map = get_unaligned((const u64 *)prop);
	return NULL;
}

/*
 * How many bitmaps a map of memory ending at @end_pfn can list: one per
 * KHO_BITMAP_BITS folios of each order.  A writer puts at least one in
 * every chunk, so a longer chunk list is corrupt (for instance a loop).
 */
static unsigned long kho_max_bitmaps(unsigned long end_pfn)
{
	unsigned long n = 0;
	unsigned int order;

	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		n += DIV_ROUND_UP(end_pfn >> order, KHO_BITMAP_BITS);
	return n;
}

/* Check one bitmap entry and visit its runs; NULL or a reason */
static const char *kho_check_bitmap(const struct kho_check *c,
				    const struct kho_mem_bitmap_entry *e,
				    unsigned int order,
				    const struct kho_map_visitor *v)
{
	phys_addr_t span = PFN_PHYS(KHO_BITMAP_BITS) << order;
	const unsigned long *bits;
	unsigned long s, t;

	if (!IS_ALIGNED(e->phys_start, span))
		return "memory map bitmap start misaligned";
	bits = kho_check_va(c, e->bitmap_phys, PAGE_SIZE);
	if (!bits)
		return "memory map bitmap outside RAM or inside scratch";
	for_each_set_bitrange(s, t, bits, KHO_BITMAP_BITS) {
		phys_addr_t base = e->phys_start + (PFN_PHYS(s) << order);
		u64 len = PFN_PHYS(t - s) << order;

		if (base + len <= base || !c->is_ram(c, base, len))
			return "preserved memory outside RAM";
		if (kho_check_in_scratch(c, base, len))
			return "preserved memory inside scratch";
		if (v && v->run)
			v->run(v, base, len, order);
	}
	if (v && v->map_page)
		v->map_page(v, e->bitmap_phys, bits);
	return NULL;
}

/**
 * kho_check_map - check the preserved-memory map, optionally visiting it
 * @c:     the handover
 * @first: physical address of the first chunk, 0 for an empty map
 * @v:     called for every run of preserved folios and every page of the
 *         map, or NULL to only check
 *
 * Checks every chunk (page aligned, in RAM outside scratch, order at most
 * %MAX_PAGE_ORDER, no more entries than fit, no more chunks than the
 * memory can need, which catches loops), every bitmap (aligned start, page
 * in RAM outside scratch) and every run of preserved folios (in RAM,
 * outside scratch).  @v->map_page is called for a chunk or bitmap once it
 * has been read, so it may free the page.  A walk with a visitor checks the
 * map again as it goes, but the caller must have checked the whole map
 * without one first: a visitor may have acted on runs before the walk
 * finds an error.
 *
 * Return: NULL if the map is valid, else the first reason it is not.
 */
const char *kho_check_map(const struct kho_check *c, phys_addr_t first,
			  const struct kho_map_visitor *v)
{
	unsigned long nr = 0, max_chunks = kho_max_bitmaps(c->end_pfn);
	phys_addr_t phys = first;

	while (phys) {
		const struct kho_mem_chunk *chunk;
		unsigned int i, order, num;
		const char *why;
		phys_addr_t next;

		if (++nr > max_chunks)
			return "memory map chunk list does not end";
		chunk = kho_check_va(c, phys, PAGE_SIZE);
		if (!chunk)
			return "memory map chunk outside RAM or inside scratch";
		order = chunk->hdr.order;
		num = chunk->hdr.num_elms;
		if (order > MAX_PAGE_ORDER)
			return "memory map order above MAX_PAGE_ORDER";
		if (num > KHO_MEM_CHUNK_ENTRIES)
			return "memory map chunk overfull";
		for (i = 0; i < num; i++) {
			why = kho_check_bitmap(c, &chunk->entries[i], order, v);
			if (why)
				return why;
		}
		next = chunk->hdr.next_phys;
		if (v && v->map_page)
			v->map_page(v, phys, chunk);
		phys = next;
	}
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(kho_check_map, KHO_TESTS);

/**
 * kho_check_handover - check a whole handover
 * @c:   the handover
 * @map: set to the physical address of the preserved-memory map
 *
 * kho_check_scratch(), kho_check_fdt() and kho_check_map() in turn.  Boot
 * runs them at different times, since it trusts scratch well before it can
 * read the map; this runs them at once on a handover in a buffer.
 *
 * Return: NULL if the handover is valid, else the first reason it is not.
 */
const char *kho_check_handover(const struct kho_check *c, phys_addr_t *map)
{
	const char *why;

	why = kho_check_scratch(c);
	if (!why)
		why = kho_check_fdt(c, map);
	if (!why)
		why = kho_check_map(c, *map, NULL);
	return why;
}
EXPORT_SYMBOL_NS_GPL(kho_check_handover, KHO_TESTS);
