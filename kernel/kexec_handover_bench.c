// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO) benchmark module.
 *
 * On load it measures the cost of the tracker on a private instance with
 * synthetic page frame numbers (and, if KHO is enabled, of the public API
 * on real folios), prints one "kho-bench:" line per figure
 * (scripts/bench-core.sh collects them) and loads without preserving
 * anything.  It drives the tracker directly, so it lives beside it and
 * uses kexec_handover_internal.h and the KHO_TESTS exports.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "kexec_handover_internal.h"

/* Synthetic pfns start at 4 GiB so they look like real high memory. */
#define KHO_BENCH_BASE_PFN	(SZ_4G >> PAGE_SHIFT)

/*
 * A private tracker for a benchmark.  It is allocated, not on the stack: one
 * xarray per order is too big a frame with lockdep and KASAN.
 */
static struct kho_mem_track *kho_bench_track(void)
{
	struct kho_mem_track *track = kzalloc(sizeof(*track), GFP_KERNEL);

	if (track)
		kho_mem_track_init(track);
	else
		pr_err("benchmark: out of memory\n");
	return track;
}

static void kho_bench_track_free(struct kho_mem_track *track)
{
	kho_mem_track_destroy(track);
	kfree(track);
}

static void kho_bench_preserve(unsigned int order, unsigned long n)
{
	struct kho_mem_track *track = kho_bench_track();
	unsigned long i, pfn;
	u64 t0, t1, t2;
	int err = 0;

	if (!track)
		return;
	t0 = ktime_get_ns();
	for (i = 0; i < n && !err; i++) {
		pfn = KHO_BENCH_BASE_PFN + (i << order);
		err = kho_mem_preserve(track, pfn, order) < 0;
	}
	t1 = ktime_get_ns();
	for (i = 0; i < n && !err; i++) {
		pfn = KHO_BENCH_BASE_PFN + (i << order);
		err = kho_mem_unpreserve(track, pfn, order);
	}
	t2 = ktime_get_ns();
	kho_bench_track_free(track);
	if (err) {
		pr_err("benchmark preserve order=%u failed\n", order);
		return;
	}
	pr_info("kho-bench: preserve order=%u n=%lu ns_per_folio=%llu\n",
		order, n, div64_u64(t1 - t0, n));
	pr_info("kho-bench: unpreserve order=%u n=%lu ns_per_folio=%llu\n",
		order, n, div64_u64(t2 - t1, n));
}

/* pfn of the i-th page of a layout */
static unsigned long kho_bench_pfn(const char *layout, unsigned long i)
{
	switch (layout[0]) {
	case 'd':	/* dense: consecutive pages */
		return KHO_BENCH_BASE_PFN + i;
	case 's':	/* sparse: one page per 2 MiB */
		return KHO_BENCH_BASE_PFN + i * (SZ_2M >> PAGE_SHIFT);
	default:	/* random: anywhere in 64 GiB */
		return KHO_BENCH_BASE_PFN +
		       get_random_u32_below(SZ_64G >> PAGE_SHIFT);
	}
}

static void kho_bench_layout(const char *layout, unsigned long n)
{
	struct kho_mem_track *track = kho_bench_track();
	unsigned long i, pages = 0, bytes, map_bytes, chunks = 0, milli;
	struct kho_mem_chunk *first, *chunk;
	u64 t0, t1;
	int ret;

	if (!track)
		return;
	for (i = 0; i < n; i++) {
		ret = kho_mem_preserve(track, kho_bench_pfn(layout, i), 0);
		if (ret < 0)
			goto out;
		pages += ret;	/* random layouts may repeat a page */
	}
	/* The tracker proper: its bitmaps (xarray nodes are not counted) */
	bytes = atomic_long_read(&track->nr_pages) * PAGE_SIZE;
	t0 = ktime_get_ns();
	ret = kho_mem_serialize(track, &first);
	t1 = ktime_get_ns();
	if (ret)
		goto out;
	for (chunk = first; chunk; chunk = chunk->hdr.next_phys ?
	     phys_to_virt(chunk->hdr.next_phys) : NULL)
		chunks++;

	map_bytes = atomic_long_read(&track->nr_pages) * PAGE_SIZE - bytes;
	milli = div64_ul(bytes * 8 * 1000, pages);
	pr_info("kho-bench: tracker layout=%s pages=%lu bytes=%lu bits_per_page=%lu.%03lu limit_bits_per_page=1\n",
		layout, pages, bytes, milli / 1000, milli % 1000);
	pr_info("kho-bench: serialize layout=%s pages=%lu chunks=%lu map_bytes=%lu ns=%llu\n",
		layout, pages, chunks, map_bytes, t1 - t0);
	kho_mem_chunks_free(track, first);
out:
	if (ret < 0)
		pr_err("benchmark layout=%s failed (%d)\n", layout, ret);
	kho_bench_track_free(track);
}

/* Preserve and unpreserve @n real folios of @order through the public API. */
static void kho_bench_api(unsigned int order, unsigned int n)
{
	struct folio **folios;
	unsigned int i, got;
	u64 t0, t1, t2;
	int err = 0;

	folios = kvcalloc(n, sizeof(*folios), GFP_KERNEL);
	if (!folios)
		return;
	for (got = 0; got < n; got++) {
		folios[got] = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
		if (!folios[got])
			break;
	}
	if (!got)
		goto out;

	t0 = ktime_get_ns();
	for (i = 0; i < got && !err; i++)
		err = kho_preserve_folio(folios[i]);
	t1 = ktime_get_ns();
	for (i = 0; i < got; i++)
		kho_unpreserve_folio(folios[i]);
	t2 = ktime_get_ns();
	if (err) {
		pr_err("benchmark api order=%u failed (%d)\n", order, err);
		goto out;
	}
	pr_info("kho-bench: api-preserve order=%u n=%u ns_per_folio=%llu\n",
		order, got, div64_u64(t1 - t0, got));
	pr_info("kho-bench: api-unpreserve order=%u n=%u ns_per_folio=%llu\n",
		order, got, div64_u64(t2 - t1, got));
out:
	for (i = 0; i < got; i++)
		folio_put(folios[i]);
	kvfree(folios);
}

static int __init kho_bench_init(void)
{
	kho_bench_preserve(0, SZ_1G >> PAGE_SHIFT);
	kho_bench_preserve(9, SZ_8G >> (PAGE_SHIFT + 9));
	kho_bench_layout("dense", SZ_1G >> PAGE_SHIFT);
	kho_bench_layout("sparse", SZ_128M >> PAGE_SHIFT);
	kho_bench_layout("random", SZ_128M >> PAGE_SHIFT);
	if (kho_is_enabled()) {
		/* 32 MiB of real memory each */
		kho_bench_api(0, SZ_32M >> PAGE_SHIFT);
		kho_bench_api(9, SZ_32M >> (PAGE_SHIFT + 9));
	}
	return 0;
}
module_init(kho_bench_init);

static void __exit kho_bench_exit(void)
{
}
module_exit(kho_bench_exit);

MODULE_DESCRIPTION("Kexec HandOver benchmark: the cost of the tracker and of preserving");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KHO_TESTS);
