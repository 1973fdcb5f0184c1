// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO), incoming boot path: where the next kernel takes
 * what the previous one handed over (kho_populate()), checks it, boots from
 * its scratch regions, walks the preserved-memory map to count and reserve
 * every preserved folio, lets early code claim preserved memory, counts
 * preserved folios in deferred struct page memory, indexes the map for
 * restore and hands scratch to the page allocator (kho_memory_init()).
 *
 * Uses the checker (kexec_handover_check.c) to read the handover, the
 * scratch list (kexec_handover_scratch.c), the restore index
 * (kexec_handover_restore.c) and the debug hooks (kexec_handover_debug.c).
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/cma.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/sizes.h>
#include <linux/timex.h>
#include <linux/unaligned.h>

#include "kexec_handover_internal.h"

/* What the previous kernel handed over (x86: setup_data), and its checks */
static bool __init kho_boot_is_ram(const struct kho_check *c,
				   phys_addr_t addr, u64 len);
static const void * __init kho_boot_va(const struct kho_check *c,
				       phys_addr_t addr);
static int __init kho_boot_claim(struct kho_check *c, phys_addr_t addr,
				 u64 len, unsigned int order);
static void __init kho_boot_unclaim(struct kho_check *c, phys_addr_t addr,
				    u64 len);

static struct {
	struct kho_check c;
	bool data_reserved;	/* the FDT and the scratch list */
	phys_addr_t map_phys;	/* preserved-memory map, once reserved */
	bool map_freed;		/* ... and its pages freed or indexed */
	bool indexed;		/* the index of its bitmaps is allocated */
	/*
	 * What reading the map cost (the FDT, the room and the claims are
	 * parts of check and reserve), and what it held
	 */
	cycles_t check, fdt, room, reserve, claim, probe;
	unsigned long map_pages, runs, folios, pages, regions, claims;
	/*
	 * Folios in each bitmap, in the order of the walk, counted as
	 * kho_claim_map() checked them, so that indexing reads no bitmap
	 * word again; NULL if there was no memory for it
	 */
	u32 *counts;
	unsigned long nr_counts, counted;
} kho_in __initdata = {
	.c = {
		.is_ram = kho_boot_is_ram, .va = kho_boot_va,
		.claim = kho_boot_claim, .unclaim = kho_boot_unclaim,
	},
};

/* ---- after a KHO kexec -------------------------------------------------- */

/**
 * kho_populate - record the handover from the previous kernel
 * @fdt_phys:     physical address of the KHO FDT
 * @fdt_len:      size of the FDT buffer
 * @scratch_phys: physical address of the scratch list
 * @scratch_len:  size of the scratch list in bytes
 *
 * Called by the architecture while parsing its boot data, before memblock
 * knows any memory.  Only records the values; they are checked by
 * kho_scratch_init() and kho_reserve_preserved() before anything is
 * trusted.
 */
void __init kho_populate(phys_addr_t fdt_phys, u64 fdt_len,
			 phys_addr_t scratch_phys, u64 scratch_len)
{
	kho_in.c.h.fdt_phys = fdt_phys;
	kho_in.c.h.fdt_len = fdt_len;
	kho_in.c.h.scratch_phys = scratch_phys;
	kho_in.c.h.scratch_len = scratch_len;
}

/*
 * Boot as if there had been no handover: release the FDT and the scratch
 * list, which were reserved only after checking that this kernel did not
 * use them, and forget them.
 */
static void __init kho_drop_handover(const char *why)
{
	struct kho_handover *h = &kho_in.c.h;

	pr_err("ignoring the handover from the previous kernel: %s; booting without Kexec HandOver, preserved memory is lost\n",
	       why);
	if (kho_in.data_reserved) {
		memblock_phys_free(h->scratch_phys, h->scratch_len);
		memblock_phys_free(h->fdt_phys, h->fdt_len);
		kho_in.data_reserved = false;
	}
	memset(h, 0, sizeof(*h));
	kho_scratch_marked = false;
	kho_disable();
}

/**
 * kho_scratch_init - enter scratch-only mode after a KHO kexec
 *
 * Called by the architecture as soon as memblock knows the memory layout
 * and before its first allocation.  Checks the version of the root FDT
 * first (a kernel of another version may lay its handover out otherwise),
 * then validates the incoming scratch list, marks the regions, and from
 * then on memblock allocates only from them until kho_reserve_preserved()
 * has reserved the preserved memory.
 */
void __init kho_scratch_init(void)
{
	struct kho_handover *h = &kho_in.c.h;
	const char *why;
	unsigned int i;
	void *p;

	if (!h->scratch_phys)
		return;
	if (!kho_is_enabled()) {
		pr_warn("the previous kernel handed memory over, but this kernel was booted without kho=on; the preserved memory is lost\n");
		memset(h, 0, sizeof(*h));
		return;
	}

	why = kho_check_layout(&kho_in.c);
	/* The version first: another one may lay out scratch differently */
	if (!why) {
		p = early_memremap(h->fdt_phys, h->fdt_len);
		if (!p) {
			kho_drop_handover("cannot map the FDT");
			return;
		}
		why = kho_check_root(&kho_in.c, p);
		early_memunmap(p, h->fdt_len);
	}
	if (!why) {
		p = early_memremap(h->scratch_phys, h->scratch_len);
		if (!p) {
			kho_drop_handover("cannot map the scratch list");
			return;
		}
		memcpy(kho_scratch_in, p, h->scratch_len);
		early_memunmap(p, h->scratch_len);
		kho_in.c.scratch = kho_scratch_in;
		why = kho_check_scratch(&kho_in.c);
	}
	/* This kernel's image, initrd, setup_data, EFI memory map ... */
	if (!why && (memblock_is_region_reserved(h->scratch_phys,
						 h->scratch_len) ||
		     memblock_is_region_reserved(h->fdt_phys, h->fdt_len)))
		why = "the FDT or the scratch list lies in memory this kernel reserved";
	if (why) {
		kho_drop_handover(why);
		return;
	}

	kho_scratch_cnt = kho_check_nr_scratch(&kho_in.c);
	for (i = 0; i < kho_scratch_cnt; i++)
		memblock_mark_kho_scratch(kho_scratch_in[i].addr,
					  kho_scratch_in[i].size);
	/*
	 * Every kernel keeps [0, 1 MiB) reserved, so nothing there is ever
	 * preserved, and early x86 boot needs memory below 1 MiB (the real
	 * mode trampoline).
	 */
	memblock_mark_kho_scratch(0, SZ_1M);
	memblock_reserve(h->scratch_phys, h->scratch_len);
	memblock_reserve(h->fdt_phys, h->fdt_len);
	kho_in.data_reserved = true;
	kho_scratch_marked = true;
	kho_debug_scratch_only_begin();
	memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_SCRATCH);
}

/* ---- reading the map at boot -------------------------------------------- */

static bool __init kho_boot_is_ram(const struct kho_check *c,
				   phys_addr_t addr, u64 len)
{
	return memblock_is_region_memory(addr, len);
}

static const void * __init kho_boot_va(const struct kho_check *c,
				       phys_addr_t addr)
{
	return phys_to_virt(addr);
}

/* Count what the map holds, for the timing line */
static void __init kho_count_run(const struct kho_map_visitor *v,
				 phys_addr_t base, u64 len, unsigned int order)
{
	kho_in.runs++;
	kho_in.folios += PHYS_PFN(len) >> order;
	kho_in.pages += PHYS_PFN(len);
}

static void __init kho_count_page(const struct kho_map_visitor *v,
				  phys_addr_t phys, const void *page)
{
	kho_in.map_pages++;
}

/*
 * With KEXEC_HANDOVER_DEBUG, kho_reserve_per_folio reserves folio by folio
 * instead of run by run, so that a benchmark can show what coalescing saves.
 */
static bool kho_reserve_per_folio __initdata;

static int __init kho_parse_reserve_per_folio(char *p)
{
	kho_reserve_per_folio = IS_ENABLED(CONFIG_KEXEC_HANDOVER_DEBUG);
	return 0;
}
early_param("kho_reserve_per_folio", kho_parse_reserve_per_folio);

/*
 * Reserve part of the map or of a run of preserved folios, unless any of it
 * is reserved already: by this kernel, or as another part of the handover.
 * The map pages stay reserved until the orders are recorded.
 */
static int __init kho_boot_claim(struct kho_check *c, phys_addr_t addr,
				 u64 len, unsigned int order)
{
	phys_addr_t folio = PFN_PHYS(1UL << order), end = addr + len;
	cycles_t t0 = get_cycles();
	int ret = 0;

	if (memblock_is_region_reserved(addr, len))
		ret = -EBUSY;
	else if (!kho_reserve_per_folio || !IS_ALIGNED(addr | len, folio))
		ret = memblock_reserve(addr, len);
	else
		for (; !ret && addr < end; addr += folio)
			ret = memblock_reserve(addr, folio);
	/* The memblock side of the reserving walk, for the timing line */
	kho_in.claim += get_cycles() - t0;
	kho_in.claims++;
	return ret;
}

static void __init kho_boot_unclaim(struct kho_check *c, phys_addr_t addr,
				    u64 len)
{
	memblock_phys_free(addr, len);
}

#ifdef CONFIG_DEFERRED_STRUCT_PAGE_INIT
/*
 * Preserved folios whose struct pages deferred init leaves to its threads,
 * by order.  They are reserved, so memblock_free_all() initialised them
 * before anything can restore them, and the threads, which initialise only
 * free memory, never touch them.  Counted for the boot log, so a test can show
 * that such folios are restored intact.
 */
static unsigned long kho_deferred_folios[NR_PAGE_ORDERS] __initdata;

static void __init kho_count_deferred(unsigned long pfn, unsigned long end,
				      unsigned int order)
{
	unsigned long first = NODE_DATA(early_pfn_to_nid(pfn))->first_deferred_pfn;

	if (end <= first || order >= NR_PAGE_ORDERS)
		return;
	pfn = max(pfn, ALIGN(first, 1UL << order));
	if (pfn < end)
		kho_deferred_folios[order] += (end - pfn) >> order;
}

static void __init kho_count_deferred_bitmap(unsigned int order,
					     phys_addr_t start,
					     const unsigned long *bits)
{
	unsigned long pfn = PHYS_PFN(start), s, t;

	/* Most bitmaps lie wholly below the deferred memory of their node */
	if (pfn + (KHO_BITMAP_BITS << order) <=
	    NODE_DATA(early_pfn_to_nid(pfn))->first_deferred_pfn)
		return;
	for_each_set_bitrange(s, t, bits, KHO_BITMAP_BITS)
		kho_count_deferred(pfn + (s << order), pfn + (t << order),
				   order);
}

static void __init kho_report_deferred(void)
{
	char buf[NR_PAGE_ORDERS * 12] = "", *p = buf;
	unsigned long sum = 0;
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		sum += kho_deferred_folios[order];
		p += scnprintf(p, buf + sizeof(buf) - p, " %u:%lu", order,
			       kho_deferred_folios[order]);
	}
	pr_info("restore: %lu of %lu folios in deferred struct page memory, by order:%s\n",
		sum, kho_in.folios, buf);
}
#else
static inline void kho_count_deferred_bitmap(unsigned int order,
					     phys_addr_t start,
					     const unsigned long *bits)
{
}

static inline void kho_report_deferred(void)
{
}
#endif

/* ---- preserved memory adopted before the page allocator ---------------- */

/*
 * Ranges of preserved memory that early boot code adopted for good
 * (reserve_mem=): they stay reserved, and are neither indexed nor counted
 * as preserved memory waiting to be restored.
 */
#define KHO_EARLY_CLAIMS	8
static struct kho_scratch_entry kho_early_claims[KHO_EARLY_CLAIMS] __initdata;
static unsigned int kho_early_claims_cnt __initdata;

static bool __init kho_claimed_early(phys_addr_t addr, u64 len)
{
	return kho_scratch_overlaps(kho_early_claims, kho_early_claims_cnt,
				    addr, len) >= 0;
}

/* The range kho_preserved_early() asks about, and how much of it is seen */
static phys_addr_t kho_cover_start __initdata, kho_cover_end __initdata;
static u64 kho_cover_bytes __initdata;

static void __init kho_cover_run(const struct kho_map_visitor *v,
				 phys_addr_t base, u64 len, unsigned int order)
{
	phys_addr_t s = max(base, kho_cover_start);
	phys_addr_t e = min(base + len, kho_cover_end);

	if (s < e)
		kho_cover_bytes += e - s;
}

static const struct kho_map_visitor kho_cover __initconst = {
	.run = kho_cover_run,
};

/**
 * kho_preserved_early - is a range preserved memory of the handover?
 * @phys: start of the range
 * @size: size of the range in bytes
 *
 * Walks the previous kernel's memory map, which kho_reserve_preserved()
 * checked and reserved: the runs of preserved folios do not overlap, so the
 * range is preserved if they cover all of it.
 *
 * Context: Early boot, after kho_reserve_preserved() and before
 * mm_core_init() frees the map.
 * Return: true if every byte of the range is preserved memory; false once
 * the map is freed.
 */
bool __init kho_preserved_early(phys_addr_t phys, u64 size)
{
	if (!kho_in.map_phys || kho_in.map_freed || !size || phys + size < phys)
		return false;
	kho_cover_start = phys;
	kho_cover_end = phys + size;
	kho_cover_bytes = 0;
	if (kho_check_map(&kho_in.c, kho_in.map_phys, &kho_cover))
		return false;
	return kho_cover_bytes == size;
}

/**
 * kho_claim_early - adopt preserved memory for good during early boot
 * @phys: page-aligned start of the range
 * @size: page-aligned size of the range
 *
 * For boot code that takes over memory the previous kernel preserved before
 * struct pages exist (reserve_mem=).  The range stays reserved, as it was
 * for the handover, and is left out of the index of preserved folios:
 * kho_restore_folio() and friends refuse it, and it is not counted as
 * preserved memory left to restore.
 *
 * Context: Early boot, as kho_preserved_early().
 * Return: 0 on success, -EINVAL for an empty or unaligned range, -ENOENT if
 * not all of it is preserved memory, -EBUSY if part of it was adopted
 * already, -ENOSPC if too many ranges were adopted.
 */
int __init kho_claim_early(phys_addr_t phys, u64 size)
{
	struct kho_scratch_entry *e;

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size))
		return -EINVAL;
	if (kho_claimed_early(phys, size))
		return -EBUSY;
	if (kho_early_claims_cnt == KHO_EARLY_CLAIMS)
		return -ENOSPC;
	if (!kho_preserved_early(phys, size))
		return -ENOENT;
	e = &kho_early_claims[kho_early_claims_cnt++];
	e->addr = phys;
	e->size = size;
	return 0;
}

/* Count the folios of each bitmap as kho_claim_map() checks it */
static void __init kho_record_bitmap(const struct kho_map_visitor *v,
				     unsigned int order, phys_addr_t start,
				     void *page, unsigned int folios)
{
	if (kho_in.counted < kho_in.nr_counts)
		kho_in.counts[kho_in.counted++] = folios;
}

static const struct kho_map_visitor kho_record __initconst = {
	.bitmap = kho_record_bitmap,
};

/* Room for a count per bitmap; without it, indexing counts them again */
static void __init kho_counts_alloc(void)
{
	if (!kho_in.map_pages)
		return;
	kho_in.counts = memblock_alloc(kho_in.map_pages * sizeof(u32),
				       sizeof(u32));
	kho_in.nr_counts = kho_in.counts ? kho_in.map_pages : 0;
	kho_in.counted = 0;
}

static void __init kho_counts_free(void)
{
	size_t size = kho_in.nr_counts * sizeof(u32);

	if (!kho_in.counts)
		return;
	memblock_free(kho_in.counts, size);
	kho_in.counts = NULL;
	kho_in.nr_counts = 0;
	kho_in.counted = 0;
}

/*
 * Index one bitmap of the map, with @folios set bits, once its early-adopted
 * folios are taken out: a folio lies wholly inside or outside such a range,
 * since the range was preserved as whole folios of its own.
 */
static void __init kho_index_bitmap(unsigned int order, phys_addr_t start,
				    unsigned long *bits, unsigned int folios)
{
	phys_addr_t span = PFN_PHYS(KHO_BITMAP_BITS) << order;
	unsigned long bit;
	unsigned int i;

	for (i = 0; i < kho_early_claims_cnt; i++) {
		const struct kho_scratch_entry *e = &kho_early_claims[i];

		if (e->addr >= start + span || e->addr + e->size <= start)
			continue;
		/* kho_claimed_early() looks at every claim: one pass will do */
		for_each_set_bit(bit, bits, KHO_BITMAP_BITS) {
			phys_addr_t folio = start + (PFN_PHYS(bit) << order);

			if (kho_claimed_early(folio, PAGE_SIZE << order)) {
				clear_bit(bit, bits);
				folios--;
			}
		}
		break;
	}
	kho_count_deferred_bitmap(order, start, bits);
	kho_in_index_add(order, start, bits, folios);
}

/*
 * Index every bitmap of a map that kho_claim_map() accepted, reading only its
 * chunks: the folio counts of kho_record, or if there was no room for them,
 * a count of each bitmap's bits.
 */
static void __init kho_index_map(phys_addr_t phys)
{
	unsigned long k = 0;

	while (phys) {
		const struct kho_mem_chunk *chunk = phys_to_virt(phys);
		unsigned int i, order = chunk->hdr.order;

		for (i = 0; i < chunk->hdr.num_elms; i++, k++) {
			const struct kho_mem_bitmap_entry *e = &chunk->entries[i];
			unsigned long *bits = phys_to_virt(e->bitmap_phys);
			unsigned int folios;

			if (k < kho_in.counted)
				folios = kho_in.counts[k];
			else
				folios = bitmap_weight(bits, KHO_BITMAP_BITS);
			kho_index_bitmap(order, e->phys_start, bits, folios);
		}
		phys = chunk->hdr.next_phys;
	}
}

/*
 * kho_claim_map() proved every map page unique and apart from the runs of
 * preserved folios; still, free only a page that is reserved and, now that
 * the index is complete, covered by no preserved folio, so that nothing
 * preserved can ever be freed here.  The page goes back to memblock, which
 * is about to release all free memory: a page in deferred struct page memory
 * must not reach the page allocator before its neighbours have struct pages.
 */
static void __init kho_free_map_page(const void *page)
{
	phys_addr_t phys = __pa(page);
	unsigned long head;

	if (memblock_is_region_reserved(phys, PAGE_SIZE) &&
	    kho_preserved_folio(PHYS_PFN(phys), &head) < 0)
		memblock_phys_free(phys, PAGE_SIZE);
}

/*
 * Once the map is indexed: free its chunks and the bitmaps the index did
 * not keep (empty, or merged into another).  Reads the chunks only, never a
 * bitmap, which may be free already.
 */
static void __init kho_free_map(phys_addr_t phys, bool all)
{
	while (phys) {
		const struct kho_mem_chunk *chunk = phys_to_virt(phys);
		unsigned int i;

		for (i = 0; i < chunk->hdr.num_elms; i++) {
			const struct kho_mem_bitmap_entry *e = &chunk->entries[i];
			const void *bits = phys_to_virt(e->bitmap_phys);

			if (all || !kho_in_index_has(chunk->hdr.order,
						     e->phys_start, bits))
				kho_free_map_page(bits);
		}
		phys = chunk->hdr.next_phys;
		kho_free_map_page(chunk);
	}
}

static const struct kho_map_visitor kho_count __initconst = {
	.run = kho_count_run, .map_page = kho_count_page,
};

/*
 * Leaving scratch-only mode: [0, 1 MiB) was marked only so that early boot
 * could allocate there; unmark it, so that the pageblock it shares with its
 * neighbour does not become CMA.  With @all (the handover was dropped) the
 * incoming regions are no scratch of this boot either.
 */
static void __init kho_unmark_scratch(bool all)
{
	unsigned int i;

	memblock_clear_kho_scratch(0, SZ_1M);
	for (i = 0; all && i < kho_scratch_cnt; i++)
		memblock_clear_kho_scratch(kho_scratch_in[i].addr,
					   kho_scratch_in[i].size);
	if (all)
		kho_scratch_cnt = 0;
}

/*
 * Scratch-only mode is over: record what the boot used of each region (the
 * kernel, the initrd, the early allocations), its high-water mark, since
 * nothing allocated in scratch-only mode is freed before this point.
 */
static void __init kho_scratch_usage(void)
{
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++) {
		const struct kho_scratch_entry *e = &kho_scratch_in[i];

		kho_scratch_used[i] = kho_reserved_in(e->addr,
						      e->addr + e->size);
		pr_info("scratch %u: %llu of %llu KiB used before leaving scratch-only mode (%llu%%)\n",
			i, (u64)kho_scratch_used[i] >> 10, e->size >> 10,
			div64_u64((u64)kho_scratch_used[i] * 100, e->size));
	}
}

/**
 * kho_scratch_only - is this boot still confined to scratch memory?
 *
 * Context: Early boot, before the page allocator is up.
 * Return: true after a KHO kexec until kho_reserve_preserved() has reserved
 * the preserved memory: until then only scratch is known to hold nothing
 * that the previous kernel preserved, and code that writes to free memory
 * (memtest) must keep to it.
 */
bool __init kho_scratch_only(void)
{
	return kho_scratch_marked && !kho_in.map_phys;
}

/*
 * What the reservations left memblock with, and (KEXEC_HANDOVER_DEBUG) what
 * one page allocation costs now that every run is a reserved region: the
 * price every later early allocation pays for a fragmented map.
 */
static void __init kho_probe_memblock(void)
{
	phys_addr_t page;
	cycles_t t0;

	kho_in.regions = memblock.reserved.cnt;
	if (!IS_ENABLED(CONFIG_KEXEC_HANDOVER_DEBUG))
		return;
	t0 = get_cycles();
	page = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE);
	kho_in.probe = get_cycles() - t0;
	if (page)
		memblock_phys_free(page, PAGE_SIZE);
}

/**
 * kho_reserve_preserved - reserve preserved memory and leave scratch-only
 *
 * Called by the architecture after a KHO kexec, once the direct map covers
 * all memory.  Checks the FDT, then walks the preserved-memory map to count
 * its runs and makes room in memblock to reserve them all, then walks it
 * again and reserves each piece of it and each run of preserved folios once
 * it has checked it against the rest (kho_claim_map()).  On any error what was
 * reserved is released, the handover is dropped and the boot continues
 * without KHO, as after a cold boot.  Either way, memblock allocates from
 * all memory again afterwards.
 */
void __init kho_reserve_preserved(void)
{
	phys_addr_t map = 0;
	const char *why;
	cycles_t t0, t1, tr;

	if (!kho_scratch_marked)
		return;

	kho_debug_scratch_only_end();
	kho_scratch_usage();
	t0 = get_cycles();
	kho_in.c.end_pfn = PHYS_PFN(memblock_end_of_DRAM());
	why = kho_check_fdt(&kho_in.c, &map);
	kho_in.fdt = get_cycles() - t0;
	/*
	 * Count the runs and map pages first, and make room in memblock for
	 * one reservation each (and one more where a run is split around the
	 * FDT): once the claims started, memblock could not grow its array
	 * to release them again, each failing attempt costing a scan of all
	 * reserved regions.
	 */
	if (!why)
		why = kho_check_map(&kho_in.c, map, &kho_count);
	tr = get_cycles();
	if (!why)
		kho_counts_alloc();
	if (!why && memblock_reserve_room(kho_in.runs + kho_in.map_pages + 1))
		why = "too many runs of preserved memory for scratch (raise kho_scratch=)";
	t1 = get_cycles();
	if (!why)
		why = kho_claim_map(&kho_in.c, map, &kho_record);
	if (why) {
		kho_counts_free();
		memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_ANY);
		kho_unmark_scratch(true);
		kho_drop_handover(why);
		return;
	}
	/*
	 * check: the FDT, the counting walk and making room (fdt and room:
	 * the first and the last alone); reserve: the claiming walk (claim:
	 * the memblock calls in it)
	 */
	kho_in.check = t1 - t0;
	kho_in.room = t1 - tr;
	kho_in.reserve = get_cycles() - t1;
	/*
	 * Until the page allocator starts, keep the big early allocations
	 * (memory map, per-CPU areas) out of scratch as on a cold boot, so
	 * that scratch reaches the page allocator free.  memblock only steers
	 * its choice of free memory for this: nothing is reserved now and
	 * freed later, so nothing memblock allocated meanwhile (its own
	 * reserved array included) can be freed with scratch.
	 */
	memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_AVOID);
	kho_unmark_scratch(false);
	kho_probe_memblock();
	kho_in.map_phys = map;
	kho_in_set_fdt(kho_in.c.h.fdt_phys);
	pr_info("reserved the memory preserved by the previous kernel\n");
}

/*
 * Index the preserved folios for restore: keep the bitmaps of the previous
 * kernel's memory map that still hold folios to restore as the record
 * kho_restore_folio() reads (kexec_handover_restore.c), and give its chunks
 * and empty bitmaps back to memblock: work in proportion to the map, whatever
 * the number of folios, and no bitmap word read again.  Prints one line with
 * the cost of each step, in get_cycles() units: the scheduler clock may not
 * run yet this early.
 */
static void __init kho_index_preserved(void)
{
	cycles_t t0;

	kho_in.map_freed = true;
	if (!kho_in.indexed) {
		pr_err("no memory to index the preserved-memory map: preserved memory stays reserved and cannot be restored\n");
		kho_in_unindexed(kho_in.folios, kho_in.pages);
		kho_free_map(kho_in.map_phys, true);
		kho_counts_free();
		return;
	}
	t0 = get_cycles();
	kho_index_map(kho_in.map_phys);
	kho_free_map(kho_in.map_phys, false);
	kho_counts_free();
	pr_info("restore-timing: check_cycles=%llu room_cycles=%llu reserve_cycles=%llu index_cycles=%llu map_pages=%lu runs=%lu folios=%lu pages=%lu reserved_regions=%lu alloc_probe_cycles=%llu fdt_cycles=%llu claim_cycles=%llu claims=%lu\n",
		(u64)kho_in.check, (u64)kho_in.room, (u64)kho_in.reserve,
		(u64)(get_cycles() - t0), kho_in.map_pages, kho_in.runs,
		kho_in.folios, kho_in.pages, kho_in.regions,
		(u64)kho_in.probe, (u64)kho_in.fdt, (u64)kho_in.claim,
		kho_in.claims);
	kho_report_deferred();
}

/**
 * kho_memory_init - hand scratch to the page allocator
 *
 * Called from mm_core_init() before memblock releases memory to the buddy
 * allocator.  On a cold boot the scratch regions were allocated from memblock
 * only to keep early allocations out; free exactly those allocations, so that
 * they reach the page allocator as MIGRATE_CMA pageblocks.  After a KHO
 * kexec, index the preserved folios for restore and give the map back to
 * memblock, stop steering memblock allocations away from scratch, and keep
 * the incoming scratch list (reserved) as this boot's list, rewritten with
 * the copy that kho_scratch_init() checked.
 */
void __init kho_memory_init(void)
{
	unsigned int i;

	if (kho_cold_reserved) {
		for (i = 0; i < kho_scratch_cnt; i++)
			memblock_phys_free(kho_scratch[i].addr,
					   kho_scratch[i].size);
	} else if (kho_scratch_marked) {
		/* Still outside scratch, and only if the map was reserved */
		kho_in.indexed = kho_in.map_phys &&
				 !kho_in_index_alloc(kho_in.c.end_pfn);
		if (kho_in.map_phys)
			kho_index_preserved();
		memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_ANY);
		/* Publish what was checked, not what the memory holds now */
		kho_scratch = phys_to_virt(kho_in.c.h.scratch_phys);
		memcpy(kho_scratch, kho_scratch_in,
		       kho_scratch_cnt * sizeof(*kho_scratch));
		kho_scratch_report();
	}
}
