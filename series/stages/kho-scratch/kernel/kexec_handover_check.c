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
#include <linux/sizes.h>
#include <linux/unaligned.h>

#include "kexec_handover_internal.h"

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
