/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver: the checker of an incoming handover
 * (kexec_handover_check.c).  A leaf: it and this header use nothing else of
 * KHO, only the public and ABI headers, so that boot, the KUnit suite and
 * the user-space fuzzer (fuzz/) build the same checker unchanged.
 */
#ifndef _KERNEL_KEXEC_HANDOVER_CHECK_H
#define _KERNEL_KEXEC_HANDOVER_CHECK_H

#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/mmzone.h>
#include <linux/types.h>

/*
 * Upper bound on the root FDT buffer (this kernel writes one page): boot
 * maps it whole before it trusts anything else of the handover
 */
#define KHO_FDT_MAX_SIZE	(64 * 1024)

/* Upper bound on scratch regions: lowmem, global and one per node */
#define KHO_SCRATCH_MAX		(2 + MAX_NUMNODES)

/**
 * struct kho_check - an incoming handover and the memory it lives in
 * @h:       what the previous kernel handed over
 * @scratch: the scratch list, in memory the checker may read; the number
 *           of entries is derived from @h.scratch_len
 * @end_pfn: end of memory; bounds the length of the chunk list
 * @is_ram:  whether [@addr, @addr + @len) is RAM
 * @va:      a pointer through which to read the page at @addr, which has
 *           passed @is_ram
 * @claim:   for kho_claim_map(): reserve [@addr, @addr + @len), part of a
 *           map page or of a run of folios of @order; 0, -EBUSY if any of
 *           it is reserved already, or -ENOMEM
 * @unclaim: release what @claim reserved
 * @priv:    for the owner of the callbacks
 * @why:     where a refusal that names a version is written
 *
 * At boot the callbacks are memblock and the direct map; the KUnit suite
 * backs them with a buffer posing as physical memory.
 */
struct kho_check {
	struct kho_handover h;
	const struct kho_scratch_entry *scratch;
	unsigned long end_pfn;
	bool (*is_ram)(const struct kho_check *c, phys_addr_t addr, u64 len);
	const void *(*va)(const struct kho_check *c, phys_addr_t addr);
	int (*claim)(struct kho_check *c, phys_addr_t addr, u64 len,
		     unsigned int order);
	void (*unclaim)(struct kho_check *c, phys_addr_t addr, u64 len);
	void *priv;
	char why[128];
};

static inline unsigned int kho_check_nr_scratch(const struct kho_check *c)
{
	return c->h.scratch_len / sizeof(*c->scratch);
}

/**
 * struct kho_map_visitor - what kho_check_map() does with a valid map
 * @run:      called for each run of preserved folios of one order
 * @bitmap:   if set, called for each bitmap page (instead of @map_page) once
 *            its runs were visited, with the order and start of its entry
 *            and the number of folios it holds; it may write to the page
 *            (a claimed map is the reader's)
 * @map_page: called for each chunk page, and each bitmap page unless
 *            @bitmap is set, once it has been read
 * @priv:     for the owner of the callbacks
 */
struct kho_map_visitor {
	void (*run)(const struct kho_map_visitor *v, phys_addr_t base,
		    u64 len, unsigned int order);
	void (*bitmap)(const struct kho_map_visitor *v, unsigned int order,
		       phys_addr_t start, void *page, unsigned int folios);
	void (*map_page)(const struct kho_map_visitor *v, phys_addr_t phys,
			 const void *page);
	void *priv;
};

/* kexec_handover_check.c */
#define KHO_BITMAP_LONGS	(KHO_BITMAP_BITS / BITS_PER_LONG)
unsigned long kho_bitmap_next(const unsigned long *bits, unsigned long bit,
			      bool clear);
int kho_scratch_overlaps(const struct kho_scratch_entry *scratch,
			 unsigned int nr, phys_addr_t addr, u64 len);
const char *kho_check_layout(const struct kho_check *c);
const char *kho_check_scratch(const struct kho_check *c);
const char *kho_check_root(struct kho_check *c, const void *fdt);
const char *kho_check_fdt(struct kho_check *c, phys_addr_t *map);
extern struct kho_abi_record kho_abi_root;
const char *kho_check_map(const struct kho_check *c, phys_addr_t first,
			  const struct kho_map_visitor *v);
const char *kho_claim_map(struct kho_check *c, phys_addr_t first,
			  const struct kho_map_visitor *v);
const char *kho_check_handover(struct kho_check *c, phys_addr_t *map);

#endif /* _KERNEL_KEXEC_HANDOVER_CHECK_H */
