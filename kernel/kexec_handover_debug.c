// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO) debug checks, built with CONFIG_KEXEC_HANDOVER_DEBUG:
 *
 * - no memory is preserved inside a scratch region, where the next kernel
 *   boots and allocates before it knows what is preserved;
 * - after a KHO kexec, no early allocation lands outside scratch.
 *
 * Each violation is reported with the offending range.
 */

#define pr_fmt(fmt) "KHO: debug: " fmt

#include <linux/kexec_handover.h>
#include <linux/memblock.h>
#include <linux/mm.h>

#include "kexec_handover_internal.h"

/**
 * kho_debug_preserve_in_scratch - refuse to preserve memory inside scratch
 * @pfn: first page frame to preserve
 * @nr:  number of pages
 *
 * Context: Any context.
 * Return: true (and an error naming the range) if [@pfn, @pfn + @nr)
 * overlaps a scratch region.
 */
bool kho_debug_preserve_in_scratch(unsigned long pfn, unsigned long nr)
{
	const struct kho_scratch_entry *scratch;
	phys_addr_t start = PFN_PHYS(pfn), end = PFN_PHYS(pfn + nr);
	unsigned int i, cnt;

	scratch = kho_scratch_ranges(&cnt);
	for (i = 0; i < cnt; i++) {
		if (start < scratch[i].addr + scratch[i].size &&
		    scratch[i].addr < end) {
			pr_err("refusing to preserve [mem %pa-%pa]: it overlaps scratch region %u\n",
			       &start, &end, i);
			return true;
		}
	}
	return false;
}

/* memblock.reserved when scratch-only mode began */
#define KHO_DEBUG_SNAPSHOT	128
static struct {
	phys_addr_t base, end;
} kho_snapshot[KHO_DEBUG_SNAPSHOT] __initdata;
static unsigned int kho_snapshot_cnt __initdata;
static bool kho_snapshot_ok __initdata;

/**
 * kho_debug_scratch_only_begin - remember what was reserved before
 *
 * Called when scratch-only allocation starts after a KHO kexec.
 */
void __init kho_debug_scratch_only_begin(void)
{
	struct memblock_region *r;

	kho_snapshot_cnt = 0;
	kho_snapshot_ok = true;
	for_each_reserved_mem_region(r) {
		if (kho_snapshot_cnt == KHO_DEBUG_SNAPSHOT) {
			pr_warn("more than %d reserved regions; early allocations are not checked\n",
				KHO_DEBUG_SNAPSHOT);
			kho_snapshot_ok = false;
			return;
		}
		kho_snapshot[kho_snapshot_cnt].base = r->base;
		kho_snapshot[kho_snapshot_cnt].end = r->base + r->size;
		kho_snapshot_cnt++;
	}
}

static unsigned int __init kho_check_new(phys_addr_t base, phys_addr_t end)
{
	if (base >= end || memblock_is_kho_scratch_memory(base, end - base))
		return 0;
	end--;
	pr_err("early allocation [mem %pa-%pa] landed outside scratch\n",
	       &base, &end);
	return 1;
}

/**
 * kho_debug_scratch_only_end - check allocations made in scratch-only mode
 *
 * Called before scratch-only allocation ends.  Every range reserved since
 * kho_debug_scratch_only_begin() must lie inside scratch.
 */
void __init kho_debug_scratch_only_end(void)
{
	unsigned int i, bad = 0, checked = 0;
	struct memblock_region *r;

	if (!kho_snapshot_ok)
		return;
	/* Both lists are sorted: walk each region past the old reservations */
	for_each_reserved_mem_region(r) {
		phys_addr_t pos = r->base, end = r->base + r->size;

		for (i = 0; i < kho_snapshot_cnt && pos < end; i++) {
			if (kho_snapshot[i].end <= pos ||
			    kho_snapshot[i].base >= end)
				continue;
			if (kho_snapshot[i].base > pos) {
				bad += kho_check_new(pos, kho_snapshot[i].base);
				checked++;
			}
			pos = max(pos, kho_snapshot[i].end);
		}
		if (pos < end) {
			bad += kho_check_new(pos, end);
			checked++;
		}
	}
	if (!bad)
		pr_info("%u early allocation ranges checked, all inside scratch\n",
			checked);
}
