// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO) scratch regions: their sizing (kho_scratch=) and
 * reservation on a cold boot, the list this boot uses and hands over, its
 * pageblocks counted as CMA, and its debugfs files.
 *
 * A kernel booted by a KHO kexec must not allocate memory that the previous
 * kernel preserved, yet it cannot know which memory that is before it has
 * read the preserved-memory map.  Scratch regions solve this: physically
 * contiguous ranges that never hold preserved memory, from which the next
 * kernel boots and makes its first allocations.
 *
 * It also holds whether KHO is on (kho=on, kho_is_enabled(), kho_disable()),
 * the first thing boot decides.  Uses nothing else of KHO; the incoming
 * boot path (kexec_handover_boot.c) fills in the list it received.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/cma.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/memblock.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/pageblock-flags.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>

#include "kexec_handover_internal.h"

/**
 * DOC: Scratch regions
 *
 * On a cold boot with ``kho=on`` KHO reserves, right after the NUMA layout
 * is known, one scratch region below the low address limit (4 GiB on x86)
 * for allocations that need low memory, one "global" region anywhere, and
 * one region per memory node.  By default each is twice the memory memblock
 * has reserved so far in that range (the kernel image, initrd, firmware
 * tables, early page tables ...), rounded up to the CMA alignment.
 * ``kho_scratch=N%`` scales the default; ``kho_scratch=LOW,GLOBAL,NODE``
 * (K/M/G suffixes) gives the sizes.  The regions stay reserved until the
 * page allocator starts, so no early allocation lands in them, and are then
 * handed to it as MIGRATE_CMA pageblocks: only movable allocations use them
 * while the system runs.
 *
 * A KHO kexec passes the list of regions to the next kernel, which ignores
 * ``kho_scratch=`` and reuses them exactly: it marks them, and [0, 1 MiB)
 * that every kernel keeps reserved, %MEMBLOCK_KHO_SCRATCH, and allocates
 * only from them until it has read the preserved-memory map and reserved
 * every preserved folio.  What is still free in them then stays reserved
 * until the page allocator starts, as on a cold boot, so the later early
 * allocations land outside.  Because the regions never move, KHO can kexec
 * any number of times.  kexec_file_load() places every segment of a KHO
 * image inside them.
 */

/* ---- kho=on ------------------------------------------------------------ */

bool kho_enable __ro_after_init;
bool kho_failed __initdata;	/* kho=on, but setup failed */

static int __init kho_parse_enable(char *p)
{
	return kstrtobool(p, &kho_enable);
}
early_param("kho", kho_parse_enable);

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

/* Turn KHO off for this boot; only before kho_init() runs */
void __init kho_disable(void)
{
	kho_enable = false;
	kho_failed = true;
}

/* ---- the scratch list ---------------------------------------------------- */

/* Scratch in use by this boot: a permanent array, also handed over */
struct kho_scratch_entry *kho_scratch;
unsigned int kho_scratch_cnt;
/* What the boot had used of each region when it left scratch-only mode */
phys_addr_t kho_scratch_used[KHO_SCRATCH_MAX] __ro_after_init;

/* kho_scratch= */
static unsigned int kho_scratch_pct __initdata = 200;
static phys_addr_t kho_scratch_size[3] __initdata;	/* low, global, node */

struct kho_scratch_entry kho_scratch_in[KHO_SCRATCH_MAX] __initdata;
bool kho_cold_reserved __initdata;
/* The scratch list handed over by the previous kernel is in effect */
bool kho_scratch_marked __initdata;

static int __init kho_parse_scratch(char *p)
{
	phys_addr_t size[3];
	unsigned int pct;
	char *end = p;
	size_t len;
	int i;

	if (!p)
		goto bad;
	len = strlen(p);
	if (len > 1 && p[len - 1] == '%') {
		p[len - 1] = '\0';
		i = kstrtouint(p, 10, &pct);
		p[len - 1] = '%';
		if (i || !pct || pct > 10000)
			goto bad;
		kho_scratch_pct = pct;
		return 0;
	}
	for (i = 0; i < 3; i++) {
		size[i] = memparse(end, &end);
		if (!size[i] || *end != (i < 2 ? ',' : '\0'))
			goto bad;
		end++;
	}
	memcpy(kho_scratch_size, size, sizeof(size));
	return 0;
bad:
	pr_err("invalid kho_scratch=%s: use N%% or LOWMEM,GLOBAL,PERNODE sizes (e.g. 16M,512M,256M); using the default 200%%\n",
	       p ? p : "");
	return 0;
}
early_param("kho_scratch", kho_parse_scratch);

/* ---- cold boot ---------------------------------------------------------- */

phys_addr_t __init kho_reserved_in(phys_addr_t start, phys_addr_t end)
{
	phys_addr_t s, e, sum = 0;
	u64 i;

	for_each_reserved_mem_range(i, &s, &e) {
		s = max(s, start);
		e = min(e, end);
		if (s < e)
			sum += e - s;
	}
	return sum;
}

static phys_addr_t __init kho_reserved_on_node(int nid)
{
	unsigned long spfn, epfn;
	phys_addr_t sum = 0;
	int i;

	for_each_mem_pfn_range(i, nid, &spfn, &epfn, NULL)
		sum += kho_reserved_in(PFN_PHYS(spfn), PFN_PHYS(epfn));
	return sum;
}

/* Default size from reserved memory, or the size given in kho_scratch= */
static phys_addr_t __init kho_scratch_want(int kind, phys_addr_t reserved)
{
	phys_addr_t size = kho_scratch_size[kind];

	if (!size)
		size = div_u64((u64)reserved * kho_scratch_pct, 100);
	return round_up(max_t(phys_addr_t, size, 1), CMA_MIN_ALIGNMENT_BYTES);
}

/* Record a reserved region; false if @addr is 0 (allocation failed) */
static bool __init kho_scratch_add(phys_addr_t addr, phys_addr_t size)
{
	if (!addr)
		return false;
	kho_scratch[kho_scratch_cnt].addr = addr;
	kho_scratch[kho_scratch_cnt].size = size;
	kho_scratch_cnt++;
	return !memblock_mark_kho_scratch(addr, size);
}

static void __init kho_scratch_undo(void)
{
	while (kho_scratch_cnt--) {
		struct kho_scratch_entry *e = &kho_scratch[kho_scratch_cnt];

		memblock_clear_kho_scratch(e->addr, e->size);
		memblock_phys_free(e->addr, e->size);
	}
	kho_scratch_cnt = 0;
	memblock_free(kho_scratch, KHO_SCRATCH_MAX * sizeof(*kho_scratch));
	kho_scratch = NULL;
}

void __init kho_scratch_report(void)
{
	phys_addr_t total = 0;
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++) {
		const struct kho_scratch_entry *e = &kho_scratch[i];

		total += e->size;
		pr_info("scratch %u: [mem %#018llx-%#018llx] %llu MiB (%s)\n",
			i, e->addr, e->addr + e->size - 1, e->size >> 20,
			i == 0 ? "lowmem" : i == 1 ? "global" : "node");
	}
	pr_info("scratch: %u regions, %llu MiB in all%s; tune with kho_scratch=\n",
		kho_scratch_cnt, (u64)total >> 20,
		kho_scratch_marked ? ", reused from the previous kernel" : "");
}

/**
 * kho_reserve_scratch - reserve the scratch regions on a cold boot
 *
 * Called by the architecture once NUMA nodes are known and before the big
 * early allocations (memory map, per-CPU areas).  Does nothing when KHO is
 * off or when the previous kernel handed its scratch regions over.  If a
 * region cannot be reserved, KHO is turned off for this boot.
 */
void __init kho_reserve_scratch(void)
{
	static phys_addr_t want[KHO_SCRATCH_MAX] __initdata;
	phys_addr_t addr;
	unsigned int i;
	int nid;

	if (!kho_is_enabled() || kho_scratch_marked)
		return;

	/* Size every region before reserving any: reserving changes the sums */
	want[0] = kho_scratch_want(0, kho_reserved_in(0, ARCH_LOW_ADDRESS_LIMIT));
	want[1] = kho_scratch_want(1, memblock_reserved_size());
	i = 2;
	for_each_online_node(nid)
		want[i++] = kho_scratch_want(2, kho_reserved_on_node(nid));

	kho_scratch = memblock_alloc(KHO_SCRATCH_MAX * sizeof(*kho_scratch),
				     sizeof(u64));
	if (!kho_scratch) {
		pr_err("cannot allocate the scratch list; Kexec HandOver is disabled for this boot\n");
		kho_disable();
		return;
	}

	addr = memblock_phys_alloc_range(want[0], CMA_MIN_ALIGNMENT_BYTES, 0,
					 ARCH_LOW_ADDRESS_LIMIT);
	if (!kho_scratch_add(addr, want[0]))
		goto fail;
	addr = memblock_phys_alloc(want[1], CMA_MIN_ALIGNMENT_BYTES);
	if (!kho_scratch_add(addr, want[1]))
		goto fail;
	i = 2;
	for_each_online_node(nid) {
		addr = memblock_alloc_range_nid(want[i], CMA_MIN_ALIGNMENT_BYTES,
						0, MEMBLOCK_ALLOC_ACCESSIBLE,
						nid, true);
		if (!kho_scratch_add(addr, want[i++]))
			goto fail;
	}
	kho_cold_reserved = true;
	kho_scratch_report();
	return;

fail:
	i = kho_scratch_cnt;
	pr_err("cannot reserve %pa bytes for scratch region %u; Kexec HandOver is disabled for this boot (lower kho_scratch=)\n",
	       &want[i], i);
	kho_scratch_undo();
	kho_disable();
}

/*
 * Count the pageblocks of this boot's scratch regions, and those of them that
 * are MIGRATE_CMA; with @account, add the CMA ones to their zone's and the
 * system's CMA pages, so that /proc/meminfo's CmaTotal includes scratch.
 */
static void kho_scratch_pageblocks(unsigned long *total, unsigned long *cma,
				   bool account)
{
	unsigned long pfn, end;
	struct page *page;
	unsigned int i;

	*total = 0;
	*cma = 0;
	if (!kho_is_enabled() || !kho_scratch)
		return;
	for (i = 0; i < kho_scratch_cnt; i++) {
		pfn = pageblock_align(PHYS_PFN(kho_scratch[i].addr));
		end = PHYS_PFN(kho_scratch[i].addr + kho_scratch[i].size);
		for (; pfn + pageblock_nr_pages <= end;
		     pfn += pageblock_nr_pages) {
			page = pfn_to_online_page(pfn);
			if (!page)
				continue;
			(*total)++;
			if (get_pageblock_migratetype(page) != MIGRATE_CMA)
				continue;
			(*cma)++;
			if (account) {
				page_zone(page)->cma_pages += pageblock_nr_pages;
				totalcma_pages += pageblock_nr_pages;
			}
		}
	}
}

/**
 * kho_memory_init_done - every struct page is initialised
 *
 * Called from page_alloc_init_late() once deferred struct page
 * initialisation has finished.  Counts the scratch pageblocks as CMA memory
 * and reports, in one line, whether every one of them is MIGRATE_CMA, as it
 * must be: an unmovable allocation in scratch would be refused as preserved
 * memory at the next handover.
 */
void __init kho_memory_init_done(void)
{
	unsigned long total, cma;

	kho_scratch_pageblocks(&total, &cma, true);
	if (!total)
		return;
	if (cma == total)
		pr_info("scratch: all %lu pageblocks are CMA, counted in CmaTotal\n",
			total);
	else
		pr_err("scratch: only %lu of %lu pageblocks are CMA: unmovable memory may land in scratch and the next handover fail; please report this\n",
		       cma, total);
}

/**
 * kho_scratch_ranges - the scratch regions of this boot
 * @nr: set to the number of regions
 *
 * Context: Any context.  The list does not change after boot.
 * Return: the regions, or NULL (and *@nr = 0) when KHO is off.
 */
const struct kho_scratch_entry *kho_scratch_ranges(unsigned int *nr)
{
	*nr = kho_is_enabled() ? kho_scratch_cnt : 0;
	return *nr ? kho_scratch : NULL;
}

/* ---- debugfs ------------------------------------------------------------ */

/* One value per region; the file's data is the offset of the field */
static int kho_scratch_show(struct seq_file *m, void *v)
{
	size_t field = (uintptr_t)m->private;
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++)
		seq_printf(m, "0x%llx\n",
			   *(u64 *)((void *)&kho_scratch[i] + field));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_scratch);

/*
 * scratch_used: per region, what a KHO boot used of it before it left
 * scratch-only mode (0 on a cold boot), beside its size
 */
static int kho_scratch_used_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++)
		seq_printf(m, "%u used 0x%llx of 0x%llx\n", i,
			   (u64)kho_scratch_used[i], kho_scratch[i].size);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_scratch_used);

/* The pageblocks of scratch as they are now: all must be CMA */
static int kho_scratch_pageblocks_show(struct seq_file *m, void *v)
{
	unsigned long total, cma;

	kho_scratch_pageblocks(&total, &cma, false);
	seq_printf(m, "pageblocks %lu\ncma %lu\n", total, cma);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_scratch_pageblocks);

/**
 * kho_scratch_debugfs - add the scratch files to @dir
 * @dir: the kho/out directory
 *
 * scratch_phys and scratch_len list one value per line, region by region
 * in the same order: lowmem, global, then one per node; scratch_used gives,
 * per region, what a KHO boot used of it in scratch-only mode.
 * scratch_pageblocks counts the pageblocks of all regions and those that
 * are MIGRATE_CMA.
 */
void __init kho_scratch_debugfs(struct dentry *dir)
{
	debugfs_create_file("scratch_phys", 0400, dir,
			    (void *)offsetof(struct kho_scratch_entry, addr),
			    &kho_scratch_fops);
	debugfs_create_file("scratch_len", 0400, dir,
			    (void *)offsetof(struct kho_scratch_entry, size),
			    &kho_scratch_fops);
	debugfs_create_file("scratch_used", 0400, dir, NULL,
			    &kho_scratch_used_fops);
	debugfs_create_file("scratch_pageblocks", 0400, dir, NULL,
			    &kho_scratch_pageblocks_fops);
}
