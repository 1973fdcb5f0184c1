// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the Kexec HandOver memory tracker, the preserved-memory
 * map writer and the finalize/abort state machine.
 *
 * Every test works on private instances with synthetic page frame numbers
 * (or on its own pages), so the suite runs the same with or without kho=on
 * and never touches the global handover.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kthread.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/bsearch.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#include "kexec_handover_internal.h"

/* Synthetic pfns: 4 GiB and up, never dereferenced */
#define KHO_TEST_BASE_PFN	(SZ_4G >> PAGE_SHIFT)
/* Folios in the random round-trip test, and the pfn span they are in */
#define KHO_TEST_NR_RANDOM	100000
#define KHO_TEST_SPAN_PFNS	(SZ_64G >> PAGE_SHIFT)

static struct kho_mem_chunk *kho_test_next(struct kho_mem_chunk *chunk)
{
	return chunk->hdr.next_phys ? phys_to_virt(chunk->hdr.next_phys) : NULL;
}

static void kho_test_track_exit(void *data)
{
	kho_mem_track_destroy(data);
	kfree(data);
}

/* A private tracker, destroyed automatically at the end of the test. */
static struct kho_mem_track *kho_test_track(struct kunit *test)
{
	struct kho_mem_track *track = kzalloc(sizeof(*track), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, track);
	kho_mem_track_init(track);
	ret = kunit_add_action_or_reset(test, kho_test_track_exit, track);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return track;
}

/* Preserve and unpreserve one folio at every order, with bad arguments. */
static void kho_test_every_order(struct kunit *test)
{
	struct kho_mem_track *track = kho_test_track(test);
	unsigned long pfn;
	unsigned int order;
	bool preserved;

	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		pfn = KHO_TEST_BASE_PFN + (7UL << order);

		KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, pfn, order), 1);
		KUNIT_EXPECT_TRUE(test, kho_mem_is_preserved(track, pfn, order));
		/* again: idempotent */
		KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, pfn, order), 0);
		if (order) {
			KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, pfn + 1,
							       order), -EINVAL);
			preserved = kho_mem_is_preserved(track, pfn, order - 1);
			KUNIT_EXPECT_FALSE(test, preserved);
		}
		KUNIT_EXPECT_EQ(test, kho_mem_unpreserve(track, pfn, order), 0);
		KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(track, pfn,
							      order));
		KUNIT_EXPECT_EQ(test, kho_mem_unpreserve(track, pfn, order),
				-ENOENT);
	}
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, 0, MAX_PAGE_ORDER + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_mem_unpreserve(track, 0, MAX_PAGE_ORDER + 1),
			-EINVAL);

	/* the bitmaps stay until pruned; pruning frees all of them */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages),
			(long)NR_PAGE_ORDERS);
	kho_mem_prune(track);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages), 0L);
}

/* Decomposition of unaligned ranges into maximal aligned folios. */
static void kho_test_range_decompose(struct kunit *test)
{
	static const struct {
		unsigned long off;
		unsigned int order;
	} want[] = {
		{ 3, 0 }, { 4, 2 }, { 8, 3 }, { 16, 4 }, { 32, 5 },
		{ 64, 5 }, { 96, 2 }, { 100, 1 }, { 102, 0 },
	};
	struct kho_mem_track *track = kho_test_track(test);
	unsigned long base = KHO_TEST_BASE_PFN, pfn, left;
	unsigned int i, order;

	/* pfns base+3 .. base+102: 100 pages */
	for (i = 0, pfn = base + 3, left = 100; left; i++) {
		KUNIT_ASSERT_LT(test, i, ARRAY_SIZE(want));
		order = kho_range_order(pfn, left);
		KUNIT_EXPECT_EQ(test, pfn, base + want[i].off);
		KUNIT_EXPECT_EQ(test, order, want[i].order);
		pfn += 1UL << order;
		left -= 1UL << order;
	}
	KUNIT_EXPECT_EQ(test, i, ARRAY_SIZE(want));

	KUNIT_EXPECT_EQ(test, kho_mem_preserve_range(track, base + 3, 100), 0);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		pfn = base + want[i].off;
		KUNIT_EXPECT_TRUE(test, kho_mem_is_preserved(track, pfn,
							     want[i].order));
	}
	KUNIT_EXPECT_EQ(test, kho_mem_unpreserve_range(track, base + 3, 100), 0);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		pfn = base + want[i].off;
		KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(track, pfn,
							      want[i].order));
	}

	/* large aligned ranges are capped at MAX_PAGE_ORDER */
	KUNIT_EXPECT_EQ(test, kho_range_order(0, 3UL << MAX_PAGE_ORDER),
			(unsigned int)MAX_PAGE_ORDER);
	KUNIT_EXPECT_EQ(test, kho_mem_preserve_range(track, base,
						     3UL << MAX_PAGE_ORDER), 0);
	for (i = 0; i < 3; i++) {
		pfn = base + ((unsigned long)i << MAX_PAGE_ORDER);
		KUNIT_EXPECT_TRUE(test, kho_mem_is_preserved(track, pfn,
							     MAX_PAGE_ORDER));
	}

	KUNIT_EXPECT_EQ(test, kho_mem_preserve_range(track, base, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_mem_preserve_range(track, ULONG_MAX, 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_mem_unpreserve_range(track, base + 1, 1),
			-ENOENT);
}

/* The API-level checks of physical ranges, on one of our own pages. */
static void kho_test_phys_range_check(struct kunit *test)
{
	unsigned long page = get_zeroed_page(GFP_KERNEL);
	phys_addr_t phys;

	KUNIT_ASSERT_NE(test, page, 0UL);
	phys = virt_to_phys((void *)page);

	KUNIT_EXPECT_EQ(test, kho_check_range(phys, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, kho_check_range(phys + 1, PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_check_range(phys, PAGE_SIZE - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_check_range(phys, PAGE_SIZE + 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_check_range(phys, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_check_range(PAGE_MASK, 2 * PAGE_SIZE),
			-EINVAL);
	free_page(page);
}

/* Overlap with a folio of another order is refused, in both directions. */
static void kho_test_cross_order(struct kunit *test)
{
	struct kho_mem_track *track = kho_test_track(test);
	unsigned long base = KHO_TEST_BASE_PFN;

	/* big first, then something inside it */
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 64, 3), 1);
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 66, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 68, 2), -EEXIST);
	KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(track, base + 66, 0));
	KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(track, base + 68, 2));
	/* something containing it */
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 64, 5), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base, MAX_PAGE_ORDER),
			-EEXIST);
	KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(track, base + 64, 5));
	/* neighbours are fine */
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 72, 3), 1);
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 96, 5), 1);

	/* small first, then something containing it */
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 1000, 0), 1);
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 992, 4), -EEXIST);
	KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(track, base + 992, 4));
	KUNIT_EXPECT_TRUE(test, kho_mem_is_preserved(track, base + 1000, 0));

	/*
	 * A range whose second piece conflicts: the first piece is rolled
	 * back, unless it was preserved before the call.
	 */
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 2050, 0), 1);
	KUNIT_EXPECT_EQ(test, kho_mem_preserve_range(track, base + 2040, 24),
			-EEXIST);
	KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(track, base + 2040, 3));
	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, base + 2040, 3), 1);
	KUNIT_EXPECT_EQ(test, kho_mem_preserve_range(track, base + 2040, 24),
			-EEXIST);
	KUNIT_EXPECT_TRUE(test, kho_mem_is_preserved(track, base + 2040, 3));
}

struct kho_test_folio {
	unsigned long pfn;
	unsigned int order;
};

static int kho_test_folio_cmp(const void *a, const void *b)
{
	const struct kho_test_folio *x = a, *y = b;

	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return (int)x->order - (int)y->order;
}

/* Random aligned folio, mostly small orders as in real workloads */
static void kho_test_random_folio(struct rnd_state *rnd,
				  struct kho_test_folio *f)
{
	u32 r = prandom_u32_state(rnd);

	f->order = (r & 1) ? 0 : (r >> 1) % (MAX_PAGE_ORDER + 1);
	f->pfn = KHO_TEST_BASE_PFN +
		 ((prandom_u32_state(rnd) % KHO_TEST_SPAN_PFNS) &
		  ~((1UL << f->order) - 1));
}

/*
 * Preserve @nr random folios (skipping overlaps) into @track and return them
 * sorted in a kvmalloc()ed array.
 */
static struct kho_test_folio *kho_test_fill(struct kunit *test,
					    struct kho_mem_track *track,
					    unsigned long nr, u64 seed)
{
	struct kho_test_folio *set;
	struct rnd_state rnd;
	unsigned long n = 0;
	int ret;

	set = kvmalloc_array(nr, sizeof(*set), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, set);
	prandom_seed_state(&rnd, seed);
	while (n < nr) {
		kho_test_random_folio(&rnd, &set[n]);
		ret = kho_mem_preserve(track, set[n].pfn, set[n].order);
		if (ret < 0 && ret != -EEXIST) {
			kvfree(set);
			KUNIT_FAIL_AND_ABORT(test, "preserve failed: %d", ret);
		}
		if (ret == 1)
			n++;
	}
	sort(set, nr, sizeof(*set), kho_test_folio_cmp, NULL);
	return set;
}

/*
 * Check the format of a memory map and that the folios it lists are exactly
 * @set: every listed folio is in @set, every folio of @set is listed once.
 */
static void kho_test_check_map(struct kunit *test, struct kho_mem_chunk *first,
			       struct kho_test_folio *set, unsigned long nr)
{
	unsigned long *seen, listed = 0, chunks = 0;
	struct kho_mem_chunk *chunk;
	unsigned int i, bit;

	seen = bitmap_zalloc(nr, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);

	for (chunk = first; chunk; chunk = kho_test_next(chunk)) {
		unsigned int order = chunk->hdr.order;

		chunks++;
		KUNIT_EXPECT_LE(test, order, MAX_PAGE_ORDER);
		KUNIT_EXPECT_GT(test, chunk->hdr.num_elms, 0U);
		KUNIT_EXPECT_LE(test, chunk->hdr.num_elms,
				(u32)KHO_MEM_CHUNK_ENTRIES);
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(chunk->hdr.next_phys));
		for (i = 0; i < chunk->hdr.num_elms; i++) {
			struct kho_mem_bitmap_entry *e = &chunk->entries[i];
			unsigned long start = PHYS_PFN(e->phys_start);
			unsigned long *bm = phys_to_virt(e->bitmap_phys);

			KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(e->bitmap_phys));
			KUNIT_EXPECT_EQ(test,
					start % (KHO_BITMAP_BITS << order), 0UL);
			for_each_set_bit(bit, bm, KHO_BITMAP_BITS) {
				struct kho_test_folio key = {
					.pfn = start + ((unsigned long)bit << order),
					.order = order,
				}, *hit;
				bool dup;

				listed++;
				hit = bsearch(&key, set, nr, sizeof(*set),
					      kho_test_folio_cmp);
				if (!hit) {
					KUNIT_FAIL(test, "pfn %lx order %u listed, not preserved",
						   key.pfn, order);
					continue;
				}
				dup = __test_and_set_bit(hit - set, seen);
				KUNIT_EXPECT_FALSE(test, dup);
			}
		}
	}
	KUNIT_EXPECT_EQ(test, listed, nr);
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, nr), nr);
	kunit_info(test, "%lu folios in %lu chunks\n", listed, chunks);
	bitmap_free(seen);
}

/* Random set of 100000 folios -> memory map -> exactly the same set */
static void kho_test_serialize_random(struct kunit *test)
{
	struct kho_mem_track *track = kho_test_track(test);
	struct kho_test_folio *set;
	struct kho_mem_chunk *first;
	long pages;

	set = kho_test_fill(test, track, KHO_TEST_NR_RANDOM, 0x6b686f31);
	pages = atomic_long_read(&track->nr_pages);

	KUNIT_ASSERT_EQ(test, kho_mem_serialize(track, &first), 0);
	KUNIT_EXPECT_NOT_NULL(test, first);
	kho_test_check_map(test, first, set, KHO_TEST_NR_RANDOM);

	kho_mem_chunks_free(track, first);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages), pages);
	kvfree(set);
}

/* An empty tracker serializes to an empty map. */
static void kho_test_serialize_empty(struct kunit *test)
{
	struct kho_mem_track *track = kho_test_track(test);
	struct kho_mem_chunk *first;

	KUNIT_EXPECT_EQ(test, kho_mem_preserve(track, KHO_TEST_BASE_PFN, 0), 1);
	KUNIT_EXPECT_EQ(test, kho_mem_unpreserve(track, KHO_TEST_BASE_PFN, 0),
			0);
	KUNIT_ASSERT_EQ(test, kho_mem_serialize(track, &first), 0);
	KUNIT_EXPECT_NULL(test, first);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages), 0L);
}

/* ---- finalize / abort on a private instance ---------------------------- */

struct kho_test_sub {
	struct notifier_block nb;
	const char *name;
	void *blob;		/* one page with a tiny FDT */
	int fail;		/* notifier return value for FINALIZE */
	int finalized, aborted;
};

static int kho_test_sub_notify(struct notifier_block *nb, unsigned long ev,
			       void *data)
{
	struct kho_test_sub *sub = container_of(nb, struct kho_test_sub, nb);
	struct kho_serialization *ser = data;
	unsigned long pfn = PHYS_PFN(virt_to_phys(sub->blob));
	int err;

	if (ev == KEXEC_KHO_ABORT) {
		sub->aborted++;
		kho_out_unpreserve(ser->out, pfn, 1);
		return NOTIFY_DONE;
	}
	sub->finalized++;
	if (sub->fail)
		return sub->fail;
	err = kho_out_preserve(ser->out, pfn, 1);
	err = err ?: kho_add_subtree(ser, sub->name, sub->blob);
	return notifier_from_errno(err);
}

static void kho_test_out_exit(void *data)
{
	struct kho_out *out = data;

	kho_out_abort(out);
	kho_out_destroy(out);
	kfree(out);
}

static struct kho_out *kho_test_out(struct kunit *test)
{
	struct kho_out *out = kzalloc(sizeof(*out), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, out);
	if (kho_out_init(out)) {
		kfree(out);
		KUNIT_FAIL_AND_ABORT(test, "kho_out_init failed");
	}
	ret = kunit_add_action_or_reset(test, kho_test_out_exit, out);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return out;
}

static void kho_test_free_page(void *page)
{
	free_page((unsigned long)page);
}

static void kho_test_sub_init(struct kunit *test, struct kho_out *out,
			      struct kho_test_sub *sub, const char *name,
			      int priority)
{
	void *blob = (void *)get_zeroed_page(GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, blob);
	err = kunit_add_action_or_reset(test, kho_test_free_page, blob);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = fdt_create(blob, PAGE_SIZE);
	err = err ?: fdt_finish_reservemap(blob);
	err = err ?: fdt_begin_node(blob, "");
	err = err ?: fdt_property_string(blob, "compatible", name);
	err = err ?: fdt_end_node(blob);
	err = err ?: fdt_finish(blob);
	KUNIT_ASSERT_EQ(test, err, 0);

	sub->blob = blob;
	sub->name = name;
	sub->nb.notifier_call = kho_test_sub_notify;
	sub->nb.priority = priority;
	KUNIT_ASSERT_EQ(test, blocking_notifier_chain_register(&out->chain,
							       &sub->nb), 0);
}

/*
 * A copy of what finalize produced, minus the addresses of map pages: the
 * chunks are allocated anew, and a bitmap that the abort emptied (the root
 * FDT's) is freed and allocated again, anywhere.  What the bitmaps hold is
 * checked apart, against the preserved set.
 */
struct kho_test_snapshot {
	void *fdt;
	size_t fdt_size;
	struct kho_mem_chunk *chunks;	/* next_phys zeroed */
	unsigned int nr_chunks;
};

static void kho_test_snapshot(struct kunit *test, struct kho_out *out,
			      struct kho_test_snapshot *snap)
{
	struct kho_mem_chunk *chunk;
	const void *prop;
	unsigned int i = 0;
	int len;

	snap->fdt_size = fdt_totalsize(out->fdt);
	snap->fdt = kunit_kmalloc(test, snap->fdt_size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, snap->fdt);
	memcpy(snap->fdt, out->fdt, snap->fdt_size);

	/* the map pointer is the address of a fresh page: compare it apart */
	prop = fdt_getprop(snap->fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &len);
	KUNIT_ASSERT_NOT_NULL(test, prop);
	KUNIT_ASSERT_EQ(test, len, (int)sizeof(u64));
	KUNIT_EXPECT_EQ(test, get_unaligned((u64 *)prop),
			(u64)virt_to_phys(out->first_chunk));
	memset((void *)prop, 0, sizeof(u64));

	for (chunk = out->first_chunk; chunk; chunk = kho_test_next(chunk))
		snap->nr_chunks++;
	snap->chunks = kunit_kmalloc_array(test, snap->nr_chunks,
					   sizeof(*chunk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, snap->chunks);
	for (chunk = out->first_chunk; chunk; chunk = kho_test_next(chunk)) {
		unsigned int e;

		snap->chunks[i] = *chunk;
		snap->chunks[i].hdr.next_phys = 0;
		for (e = 0; e < chunk->hdr.num_elms; e++)
			snap->chunks[i].entries[e].bitmap_phys = 0;
		i++;
	}
}

/* finalize -> abort -> finalize gives the same FDT and memory map */
static void kho_test_refinalize(struct kunit *test)
{
	struct kho_out *out = kho_test_out(test);
	struct kho_test_sub a = {}, b = {};
	struct kho_test_snapshot s1 = {}, s2 = {};
	struct kho_test_folio *set;
	struct kho_mem_chunk *first;

	kho_test_sub_init(test, out, &a, "alpha", 2);
	kho_test_sub_init(test, out, &b, "beta", 1);
	set = kho_test_fill(test, &out->track, 3000, 42);

	KUNIT_ASSERT_EQ(test, kho_out_finalize(out), 0);
	KUNIT_EXPECT_EQ(test, fdt_node_check_compatible(out->fdt, 0,
							KHO_FDT_COMPATIBLE), 0);
	KUNIT_EXPECT_GE(test, fdt_subnode_offset(out->fdt, 0, "alpha"), 0);
	KUNIT_EXPECT_GE(test, fdt_subnode_offset(out->fdt, 0, "beta"), 0);
	kho_test_snapshot(test, out, &s1);

	/* frozen while finalized */
	KUNIT_EXPECT_EQ(test, kho_out_finalize(out), -EBUSY);
	KUNIT_EXPECT_EQ(test, kho_out_preserve(out, KHO_TEST_BASE_PFN, 1),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, kho_out_unpreserve(out, set[0].pfn,
						 1UL << set[0].order), -EBUSY);

	KUNIT_EXPECT_EQ(test, kho_out_abort(out), 0);
	KUNIT_EXPECT_EQ(test, kho_out_abort(out), -ENOENT);
	KUNIT_EXPECT_EQ(test, a.aborted, 1);
	KUNIT_EXPECT_EQ(test, b.aborted, 1);
	KUNIT_EXPECT_NULL(test, out->first_chunk);

	KUNIT_ASSERT_EQ(test, kho_out_finalize(out), 0);
	kho_test_snapshot(test, out, &s2);
	KUNIT_EXPECT_EQ(test, s1.fdt_size, s2.fdt_size);
	KUNIT_EXPECT_EQ(test, memcmp(s1.fdt, s2.fdt,
				     min(s1.fdt_size, s2.fdt_size)), 0);
	KUNIT_EXPECT_EQ(test, s1.nr_chunks, s2.nr_chunks);
	KUNIT_EXPECT_EQ(test, memcmp(s1.chunks, s2.chunks,
				     min(s1.nr_chunks, s2.nr_chunks) *
				     sizeof(*s1.chunks)), 0);

	/* the map holds the random set plus the root FDT and two blobs */
	KUNIT_EXPECT_EQ(test, kho_out_abort(out), 0);
	KUNIT_ASSERT_EQ(test, kho_mem_serialize(&out->track, &first), 0);
	kho_test_check_map(test, first, set, 3000);
	kho_mem_chunks_free(&out->track, first);
	kvfree(set);
}

/*
 * The chain is pinned from finalize to abort: a built-in user can neither
 * unregister (the handover may list its memory) nor register meanwhile.
 */
static void kho_test_notifier_busy(struct kunit *test)
{
	struct kho_out *out = kho_test_out(test);
	struct kho_test_sub a = {}, b = {};

	kho_test_sub_init(test, out, &a, "a", 0);
	kho_test_sub_init(test, out, &b, "b", 0);
	KUNIT_ASSERT_EQ(test, kho_out_change_notifier(out, &b.nb, false), 0);

	KUNIT_ASSERT_EQ(test, kho_out_finalize(out), 0);
	KUNIT_EXPECT_EQ(test, kho_out_change_notifier(out, &a.nb, false),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, kho_out_change_notifier(out, &b.nb, true),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, kho_out_abort(out), 0);
	KUNIT_EXPECT_EQ(test, a.aborted, 1);
	KUNIT_EXPECT_EQ(test, b.finalized + b.aborted, 0);

	/* after the abort both work again; a removed notifier is not called */
	KUNIT_EXPECT_EQ(test, kho_out_change_notifier(out, &a.nb, false), 0);
	KUNIT_EXPECT_EQ(test, kho_out_change_notifier(out, &a.nb, false),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, kho_out_change_notifier(out, &b.nb, true), 0);
	KUNIT_ASSERT_EQ(test, kho_out_finalize(out), 0);
	KUNIT_EXPECT_EQ(test, a.finalized, 1);
	KUNIT_EXPECT_EQ(test, b.finalized, 1);
	KUNIT_EXPECT_EQ(test, kho_out_abort(out), 0);
}

/* A refusing notifier aborts everything and leaves nothing behind. */
static void kho_test_failing_notifier(struct kunit *test)
{
	struct kho_out *out = kho_test_out(test);
	struct kho_test_sub a = {}, b = {}, c = {};
	unsigned long pfn;
	long pages;

	kho_test_sub_init(test, out, &a, "first", 3);
	kho_test_sub_init(test, out, &b, "refuses", 2);
	kho_test_sub_init(test, out, &c, "last", 1);
	b.fail = NOTIFY_BAD;
	KUNIT_ASSERT_EQ(test, kho_out_preserve(out, KHO_TEST_BASE_PFN, 1), 0);
	pages = atomic_long_read(&out->track.nr_pages);

	KUNIT_EXPECT_EQ(test, kho_out_finalize(out), -EPERM);
	KUNIT_EXPECT_FALSE(test, out->finalized);
	KUNIT_EXPECT_NULL(test, out->first_chunk);
	KUNIT_EXPECT_EQ(test, a.finalized, 1);
	KUNIT_EXPECT_EQ(test, b.finalized, 1);
	KUNIT_EXPECT_EQ(test, c.finalized, 0);
	KUNIT_EXPECT_EQ(test, a.aborted, 1);
	KUNIT_EXPECT_EQ(test, b.aborted, 1);
	KUNIT_EXPECT_EQ(test, c.aborted, 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&out->ser.subtrees));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&out->track.nr_pages), pages);
	pfn = PHYS_PFN(virt_to_phys(a.blob));
	KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(&out->track, pfn, 0));
	pfn = PHYS_PFN(virt_to_phys(out->fdt));
	KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(&out->track, pfn, 0));
	KUNIT_EXPECT_EQ(test, kho_out_abort(out), -ENOENT);

	/* an errno carried by the notifier is returned as is */
	b.fail = notifier_from_errno(-ENOMEM);
	KUNIT_EXPECT_EQ(test, kho_out_finalize(out), -ENOMEM);
	KUNIT_EXPECT_EQ(test, c.aborted, 2);

	/* once the notifier agrees, finalize works */
	b.fail = 0;
	KUNIT_EXPECT_EQ(test, kho_out_finalize(out), 0);
	KUNIT_EXPECT_EQ(test, c.finalized, 1);
	KUNIT_EXPECT_EQ(test, kho_out_abort(out), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&out->track.nr_pages), pages);
}

/* kho_add_subtree() argument checks */
static int kho_test_bad_subtree_notify(struct notifier_block *nb,
				       unsigned long ev, void *data)
{
	struct kho_test_sub *sub = container_of(nb, struct kho_test_sub, nb);
	struct kho_serialization *ser = data;

	if (ev != KEXEC_KHO_FINALIZE)
		return NOTIFY_DONE;
	sub->fail = 0;
	if (kho_add_subtree(ser, "", sub->blob) != -EINVAL ||
	    kho_add_subtree(ser, "a/b", sub->blob) != -EINVAL ||
	    kho_add_subtree(ser, "bad", NULL) != -EINVAL ||
	    kho_add_subtree(ser, "ok", sub->blob) != 0 ||
	    kho_add_subtree(ser, "ok", sub->blob) != -EEXIST)
		sub->fail = 1;
	/* an invalid blob: header overwritten */
	memset(sub->blob, 0xff, 8);
	if (kho_add_subtree(ser, "bad", sub->blob) != -EINVAL)
		sub->fail = 1;
	return NOTIFY_DONE;
}

static void kho_test_add_subtree_args(struct kunit *test)
{
	struct kho_out *out = kho_test_out(test);
	struct kho_test_sub a = {};

	kho_test_sub_init(test, out, &a, "args", 0);
	a.nb.notifier_call = kho_test_bad_subtree_notify;
	KUNIT_ASSERT_EQ(test, kho_out_finalize(out), 0);
	KUNIT_EXPECT_EQ(test, a.fail, 0);
	KUNIT_EXPECT_GE(test, fdt_subnode_offset(out->fdt, 0, "ok"), 0);
	KUNIT_EXPECT_LT(test, fdt_subnode_offset(out->fdt, 0, "bad"), 0);
	KUNIT_EXPECT_EQ(test, kho_out_abort(out), 0);
}

/* ---- concurrency ------------------------------------------------------- */

#define KHO_TEST_RACE_THREADS	3
#define KHO_TEST_RACE_LOOPS	30000

struct kho_test_race {
	struct kho_mem_track *track;
	atomic_t holders;	/* threads that hold a successful preserve */
	atomic_t violations;	/* times two overlapping preserves coexisted */
	atomic_t errors;	/* unexpected return values */
	atomic_t wins[KHO_TEST_RACE_THREADS];
	struct completion start;
	struct completion done[KHO_TEST_RACE_THREADS];
	atomic_t next_id;
};

/* Thread i preserves a folio of order 2 * i inside the same 16 pages. */
static int kho_test_race_fn(void *data)
{
	struct kho_test_race *race = data;
	int id = atomic_inc_return(&race->next_id) - 1;
	unsigned int order = 2 * id;
	unsigned long pfn = KHO_TEST_BASE_PFN + (4UL & ~((1UL << order) - 1));
	int i, ret;

	wait_for_completion(&race->start);
	for (i = 0; i < KHO_TEST_RACE_LOOPS; i++) {
		ret = kho_mem_preserve(race->track, pfn, order);
		if (ret == -EEXIST)
			continue;
		if (ret != 1) {
			atomic_inc(&race->errors);
			continue;
		}
		if (atomic_inc_return(&race->holders) > 1)
			atomic_inc(&race->violations);
		atomic_dec(&race->holders);
		atomic_inc(&race->wins[id]);
		if (kho_mem_unpreserve(race->track, pfn, order))
			atomic_inc(&race->errors);
	}
	complete(&race->done[id]);
	return 0;
}

/* Overlapping preserves at different orders never both succeed. */
static void kho_test_race_cross_order(struct kunit *test)
{
	struct kho_test_race *race;
	struct task_struct *task;
	int i;

	race = kunit_kzalloc(test, sizeof(*race), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, race);
	race->track = kho_test_track(test);
	init_completion(&race->start);
	for (i = 0; i < KHO_TEST_RACE_THREADS; i++)
		init_completion(&race->done[i]);
	for (i = 0; i < KHO_TEST_RACE_THREADS; i++) {
		task = kthread_run(kho_test_race_fn, race, "kho_race/%d", i);
		if (IS_ERR(task)) {
			/* let the missing thread's slot complete */
			atomic_inc(&race->next_id);
			complete(&race->done[i]);
			KUNIT_FAIL(test, "kthread_run failed");
		}
	}
	complete_all(&race->start);
	for (i = 0; i < KHO_TEST_RACE_THREADS; i++)
		wait_for_completion(&race->done[i]);

	KUNIT_EXPECT_EQ(test, atomic_read(&race->violations), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&race->errors), 0);
	kunit_info(test, "wins: order 0: %d, order 2: %d, order 4: %d\n",
		   atomic_read(&race->wins[0]), atomic_read(&race->wins[1]),
		   atomic_read(&race->wins[2]));
}

/* Preservers keep running while the instance is finalized and aborted. */
struct kho_test_churn {
	struct kho_out *out;
	atomic_t busy;		/* -EBUSY seen while finalized */
	atomic_t errors;
};

static int kho_test_churn_fn(void *data)
{
	struct kho_test_churn *churn = data;
	struct rnd_state rnd;
	unsigned long pfn;
	int ret;

	prandom_seed_state(&rnd, current->pid);
	while (!kthread_should_stop()) {
		pfn = KHO_TEST_BASE_PFN + prandom_u32_state(&rnd) % SZ_1M;
		if (prandom_u32_state(&rnd) & 1)
			ret = kho_out_preserve(churn->out, pfn, 1);
		else
			ret = kho_out_unpreserve(churn->out, pfn, 1);
		if (ret == -EBUSY)
			atomic_inc(&churn->busy);
		else if (ret && ret != -ENOENT)
			atomic_inc(&churn->errors);
		cond_resched();
	}
	return 0;
}

/* Number of folios listed by a memory map */
static unsigned long kho_test_map_weight(struct kho_mem_chunk *first)
{
	struct kho_mem_chunk *chunk;
	unsigned long weight = 0;
	unsigned int i;

	for (chunk = first; chunk; chunk = kho_test_next(chunk))
		for (i = 0; i < chunk->hdr.num_elms; i++)
			weight += bitmap_weight(phys_to_virt(chunk->entries[i].bitmap_phys),
						KHO_BITMAP_BITS);
	return weight;
}

/* Number of folios in a tracker */
static unsigned long kho_test_track_weight(struct kho_mem_track *track)
{
	unsigned long weight = 0, index, *bitmap;
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++)
		xa_for_each(&track->orders[order], index, bitmap)
			weight += bitmap_weight(bitmap, KHO_BITMAP_BITS);
	return weight;
}

static void kho_test_finalize_churn(struct kunit *test)
{
	struct kho_test_churn *churn;
	struct task_struct *task[2];
	unsigned long listed, tracked;
	int i, round;

	churn = kunit_kzalloc(test, sizeof(*churn), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, churn);
	churn->out = kho_test_out(test);
	for (i = 0; i < 2; i++) {
		task[i] = kthread_run(kho_test_churn_fn, churn, "kho_churn/%d",
				      i);
		if (IS_ERR(task[i])) {
			if (i)
				kthread_stop(task[0]);
			KUNIT_FAIL_AND_ABORT(test, "kthread_run failed");
		}
	}

	for (round = 0; round < 20; round++) {
		KUNIT_EXPECT_EQ(test, kho_out_finalize(churn->out), 0);
		/* frozen: the map must match the tracker exactly */
		listed = kho_test_map_weight(churn->out->first_chunk);
		tracked = kho_test_track_weight(&churn->out->track);
		KUNIT_EXPECT_EQ(test, listed, tracked);
		usleep_range(1000, 2000);
		KUNIT_EXPECT_EQ(test, kho_test_track_weight(&churn->out->track),
				tracked);
		KUNIT_EXPECT_EQ(test, kho_out_abort(churn->out), 0);
		usleep_range(1000, 2000);
	}
	kthread_stop(task[0]);
	kthread_stop(task[1]);
	KUNIT_EXPECT_EQ(test, atomic_read(&churn->errors), 0);
	kunit_info(test, "%d preserve/unpreserve calls refused while finalized\n",
		   atomic_read(&churn->busy));
}

/* ---- vmalloc ------------------------------------------------------------ */

static void kho_test_vfree(void *area)
{
	vfree(area);
}

/* A vmalloc area is listed page by page in preserved chunks. */
static void kho_test_vmalloc(struct kunit *test)
{
	const unsigned int nr = 2 * KHO_VMALLOC_CHUNK_ENTRIES + 80;
	struct kho_out *out = kho_test_out(test);
	struct kho_vmalloc pres = {}, bad = {};
	struct kho_vmalloc_chunk *chunk;
	unsigned int i = 0, chunks = 0, n;
	unsigned long pfn;
	phys_addr_t phys;
	void *area;

	area = vmalloc(nr * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, area);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, kho_test_vfree,
							   area));

	KUNIT_EXPECT_EQ(test, kho_out_preserve_vmalloc(out, area + PAGE_SIZE,
						       &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_out_preserve_vmalloc(out, out->fdt, &bad),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, kho_out_preserve_vmalloc(out, area, &pres), 0);
	KUNIT_EXPECT_EQ(test, pres.nr_folios, nr);
	KUNIT_EXPECT_EQ(test, pres.order, 0);
	KUNIT_EXPECT_EQ(test, pres.reserved, 0);

	for (chunk = phys_to_virt(pres.first); chunk;
	     chunk = chunk->hdr.next_phys ?
		     phys_to_virt(chunk->hdr.next_phys) : NULL) {
		chunks++;
		pfn = PHYS_PFN(virt_to_phys(chunk));
		KUNIT_EXPECT_TRUE(test, kho_mem_is_preserved(&out->track, pfn,
							     0));
		KUNIT_EXPECT_LE(test, chunk->hdr.num_elms,
				(u32)KHO_VMALLOC_CHUNK_ENTRIES);
		for (n = 0; n < chunk->hdr.num_elms && i < nr; n++, i++) {
			phys = page_to_phys(vmalloc_to_page(area + i * PAGE_SIZE));
			KUNIT_EXPECT_EQ(test, chunk->phys[n], (u64)phys);
			KUNIT_EXPECT_TRUE(test,
					  kho_mem_is_preserved(&out->track,
							       PHYS_PFN(phys),
							       0));
		}
	}
	KUNIT_EXPECT_EQ(test, i, nr);
	KUNIT_EXPECT_EQ(test, chunks, 3U);

	/* frozen while finalized */
	KUNIT_ASSERT_EQ(test, kho_out_finalize(out), 0);
	KUNIT_EXPECT_EQ(test, kho_out_unpreserve_vmalloc(out, &pres), -EBUSY);
	KUNIT_EXPECT_EQ(test, kho_out_preserve_vmalloc(out, area, &bad),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, kho_out_abort(out), 0);

	KUNIT_EXPECT_EQ(test, kho_out_unpreserve_vmalloc(out, &pres), 0);
	KUNIT_EXPECT_EQ(test, pres.first, 0ULL);
	KUNIT_EXPECT_EQ(test, kho_out_unpreserve_vmalloc(out, &pres), -EINVAL);
	phys = page_to_phys(vmalloc_to_page(area));
	KUNIT_EXPECT_FALSE(test, kho_mem_is_preserved(&out->track,
						      PHYS_PFN(phys), 0));
	kho_mem_prune(&out->track);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&out->track.nr_pages), 0L);
}

/* ---- checking an incoming handover ------------------------------------ */

/*
 * A handover built in a buffer that poses as physical memory: pages
 * [0, KHO_FAKE_PAGES) at the fake address KHO_FAKE_BASE.  The buffer is
 * vmalloc()ed, so a read past either end faults on a guard page.
 */
#define KHO_FAKE_BASE		((phys_addr_t)SZ_1G)
#define KHO_FAKE_PAGES		32
#define KHO_FAKE(page)		(KHO_FAKE_BASE + PFN_PHYS(page))
/* Pages of the image: FDT, scratch list, two chunks, two bitmaps */
enum {
	FK_FDT, FK_SCRATCH, FK_CHUNK0, FK_BITS0, FK_CHUNK1, FK_BITS1,
	FK_IMAGE_PAGES
};

/* Two scratch regions of four pages each */
#define FK_SCRATCH0		24
#define FK_SCRATCH1		28

/**
 * struct kho_fake - a handover in a buffer
 * @c:        the handover and its callbacks
 * @mem:      the fake physical memory
 * @used:     pages reserved, as memblock would say: by "this kernel" (the
 *            FDT, the scratch list and what a test adds) and by claims
 * @claims:   claims that succeeded
 * @nomem_at: if non-zero, the claim of that number fails with -ENOMEM
 */
struct kho_fake {
	struct kho_check c;
	void *mem;
	DECLARE_BITMAP(used, KHO_FAKE_PAGES);
	unsigned int claims, nomem_at;
};

static bool kho_fake_is_ram(const struct kho_check *c, phys_addr_t addr,
			    u64 len)
{
	return addr >= KHO_FAKE_BASE && addr + len > addr &&
	       addr + len <= KHO_FAKE(KHO_FAKE_PAGES);
}

static const void *kho_fake_va(const struct kho_check *c, phys_addr_t addr)
{
	struct kho_fake *f = c->priv;

	return f->mem + (addr - KHO_FAKE_BASE);
}

static void *kho_fake_page(struct kho_fake *f, unsigned int page)
{
	return f->mem + PFN_PHYS(page);
}

/* The fake pages [*@first, *@end) that [@addr, @addr + @len) touches */
static void kho_fake_pages(phys_addr_t addr, u64 len, unsigned int *first,
			   unsigned int *end)
{
	*first = PHYS_PFN(addr - KHO_FAKE_BASE);
	*end = PFN_UP(addr + len - KHO_FAKE_BASE);
}

static int kho_fake_claim(struct kho_check *c, phys_addr_t addr, u64 len,
			  unsigned int order)
{
	struct kho_fake *f = c->priv;
	unsigned int first, end;

	kho_fake_pages(addr, len, &first, &end);
	if (f->nomem_at && f->claims + 1 == f->nomem_at)
		return -ENOMEM;
	if (find_next_bit(f->used, end, first) < end)
		return -EBUSY;
	bitmap_set(f->used, first, end - first);
	f->claims++;
	return 0;
}

static void kho_fake_unclaim(struct kho_check *c, phys_addr_t addr, u64 len)
{
	struct kho_fake *f = c->priv;
	unsigned int first, end;

	kho_fake_pages(addr, len, &first, &end);
	bitmap_clear(f->used, first, end - first);
}

static void kho_fake_chunk(struct kho_fake *f, unsigned int page,
			   unsigned int order, unsigned int bits,
			   phys_addr_t next)
{
	struct kho_mem_chunk *chunk = kho_fake_page(f, page);

	chunk->hdr.next_phys = next;
	chunk->hdr.order = order;
	chunk->hdr.num_elms = 1;
	chunk->entries[0].phys_start = KHO_FAKE_BASE;
	chunk->entries[0].bitmap_phys = KHO_FAKE(bits);
}

static void kho_fake_vfree(void *mem)
{
	vfree(mem);
}

/*
 * A valid handover: order-0 folios at pages 8-11 and 14, order-1 folios at
 * pages 16-19, scratch at pages 24-31.
 */
static struct kho_fake *kho_fake_handover(struct kunit *test)
{
	struct kho_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct kho_scratch_entry *scratch;
	u64 map = KHO_FAKE(FK_CHUNK0), sub = KHO_FAKE(12);
	void *fdt;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->mem = vzalloc(PFN_PHYS(KHO_FAKE_PAGES));
	KUNIT_ASSERT_NOT_NULL(test, f->mem);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kho_fake_vfree,
							f->mem), 0);

	fdt = kho_fake_page(f, FK_FDT);
	KUNIT_ASSERT_EQ(test, fdt_create(fdt, PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, fdt_finish_reservemap(fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_begin_node(fdt, ""), 0);
	KUNIT_ASSERT_EQ(test, fdt_property_string(fdt, "compatible",
						  KHO_FDT_COMPATIBLE), 0);
	KUNIT_ASSERT_EQ(test, fdt_property(fdt, KHO_FDT_MEMORY_MAP_PROP_NAME,
					   &map, sizeof(map)), 0);
	KUNIT_ASSERT_EQ(test, fdt_begin_node(fdt, "subsystem"), 0);
	KUNIT_ASSERT_EQ(test, fdt_property(fdt, KHO_FDT_SUB_TREE_PROP_NAME,
					   &sub, sizeof(sub)), 0);
	KUNIT_ASSERT_EQ(test, fdt_end_node(fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_end_node(fdt), 0);
	KUNIT_ASSERT_EQ(test, fdt_finish(fdt), 0);

	scratch = kho_fake_page(f, FK_SCRATCH);
	scratch[0].addr = KHO_FAKE(FK_SCRATCH0);
	scratch[0].size = PFN_PHYS(4);
	scratch[1].addr = KHO_FAKE(FK_SCRATCH1);
	scratch[1].size = PFN_PHYS(4);

	kho_fake_chunk(f, FK_CHUNK0, 0, FK_BITS0, KHO_FAKE(FK_CHUNK1));
	bitmap_set(kho_fake_page(f, FK_BITS0), 8, 4);
	__set_bit(14, kho_fake_page(f, FK_BITS0));
	kho_fake_chunk(f, FK_CHUNK1, 1, FK_BITS1, 0);
	bitmap_set(kho_fake_page(f, FK_BITS1), 8, 2);

	f->c.h.fdt_phys = KHO_FAKE(FK_FDT);
	f->c.h.fdt_len = PAGE_SIZE;
	f->c.h.scratch_phys = KHO_FAKE(FK_SCRATCH);
	f->c.h.scratch_len = 2 * sizeof(*scratch);
	f->c.scratch = scratch;
	f->c.end_pfn = PHYS_PFN(KHO_FAKE(KHO_FAKE_PAGES));
	f->c.is_ram = kho_fake_is_ram;
	f->c.va = kho_fake_va;
	f->c.claim = kho_fake_claim;
	f->c.unclaim = kho_fake_unclaim;
	f->c.priv = f;
	/* Boot reserves the FDT and the scratch list before reading the map */
	__set_bit(FK_FDT, f->used);
	__set_bit(FK_SCRATCH, f->used);
	return f;
}

/*
 * Runs of a valid map, as [first page, pages, order] in fake pages; the
 * fuzz test uses @map_pages to count violations, @seen for overlaps.
 */
struct kho_fake_runs {
	struct kho_map_visitor v;
	unsigned int n, map_pages;
	unsigned long run[8][3];
	DECLARE_BITMAP(seen, KHO_FAKE_PAGES);
};

static void kho_fake_run(const struct kho_map_visitor *v, phys_addr_t base,
			 u64 len, unsigned int order)
{
	struct kho_fake_runs *r = container_of(v, struct kho_fake_runs, v);

	if (r->n < ARRAY_SIZE(r->run)) {
		r->run[r->n][0] = PHYS_PFN(base - KHO_FAKE_BASE);
		r->run[r->n][1] = PHYS_PFN(len);
		r->run[r->n][2] = order;
	}
	r->n++;
}

static void kho_fake_map_page(const struct kho_map_visitor *v,
			      phys_addr_t phys, const void *page)
{
	container_of(v, struct kho_fake_runs, v)->map_pages++;
}

/*
 * What the walk tells a @bitmap visitor: folios per order, and whether each
 * count equals the bits set in its page (restore indexes by these counts)
 */
struct kho_fake_counts {
	struct kho_map_visitor v;
	unsigned int bitmaps, folios[2];
	bool exact;
};

static void kho_fake_bitmap(const struct kho_map_visitor *v,
			    unsigned int order, phys_addr_t start, void *page,
			    unsigned int folios)
{
	struct kho_fake_counts *c = container_of(v, struct kho_fake_counts, v);

	c->bitmaps++;
	if (order < ARRAY_SIZE(c->folios))
		c->folios[order] += folios;
	if (bitmap_weight(page, KHO_BITMAP_BITS) != folios)
		c->exact = false;
}

/* A valid handover passes, and the walk visits exactly what was written. */
static void kho_test_check_valid(struct kunit *test)
{
	static const unsigned long want[][3] = {
		{ 8, 4, 0 }, { 14, 1, 0 }, { 16, 4, 1 },
	};
	struct kho_fake *f = kho_fake_handover(test);
	struct kho_fake_runs r = {
		.v = { .run = kho_fake_run, .map_page = kho_fake_map_page },
	};
	struct kho_fake_counts cnt = {
		.v = { .bitmap = kho_fake_bitmap }, .exact = true,
	};
	DECLARE_BITMAP(claimed, KHO_FAKE_PAGES) = { };
	phys_addr_t map = 0;
	unsigned int i;

	KUNIT_ASSERT_NULL(test, kho_check_handover(&f->c, &map));
	KUNIT_EXPECT_EQ(test, map, KHO_FAKE(FK_CHUNK0));
	/* Claimed: the FDT and the list, the four map pages, every folio */
	bitmap_set(claimed, FK_FDT, FK_IMAGE_PAGES);
	bitmap_set(claimed, 8, 4);
	__set_bit(14, claimed);
	bitmap_set(claimed, 16, 4);
	KUNIT_EXPECT_TRUE(test, bitmap_equal(f->used, claimed, KHO_FAKE_PAGES));
	KUNIT_ASSERT_NULL(test, kho_check_map(&f->c, map, &r.v));
	KUNIT_ASSERT_EQ(test, r.n, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, r.map_pages, 4U);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		KUNIT_EXPECT_MEMEQ(test, r.run[i], want[i], sizeof(want[i]));
	/* Five order-0 and two order-1 folios, in one bitmap each */
	KUNIT_ASSERT_NULL(test, kho_check_map(&f->c, map, &cnt.v));
	KUNIT_EXPECT_EQ(test, cnt.bitmaps, 2U);
	KUNIT_EXPECT_EQ(test, cnt.folios[0], 5U);
	KUNIT_EXPECT_EQ(test, cnt.folios[1], 2U);
	KUNIT_EXPECT_TRUE(test, cnt.exact);
	/* An empty map is valid too */
	KUNIT_EXPECT_NULL(test, kho_check_map(&f->c, 0, NULL));
}

/* One corruption of a valid handover and the reason it must be refused */
struct kho_fault_case {
	const char *name;
	void (*corrupt)(struct kho_fake *f);
	const char *why;
};

static struct kho_mem_chunk *kho_fake_chunk0(struct kho_fake *f)
{
	return kho_fake_page(f, FK_CHUNK0);
}

static void kho_bad_magic(struct kho_fake *f)
{
	fdt_set_magic(kho_fake_page(f, FK_FDT), 0xd00dfeee);
}

static void kho_bad_totalsize(struct kho_fake *f)
{
	fdt_set_totalsize(kho_fake_page(f, FK_FDT), 2 * PAGE_SIZE);
}

/* Overwrite the FDT_BEGIN_NODE of the root with an unknown tag */
static void kho_bad_structure(struct kho_fake *f)
{
	void *fdt = kho_fake_page(f, FK_FDT);

	*(fdt32_t *)(fdt + fdt_off_dt_struct(fdt)) = cpu_to_fdt32(0x77);
}

/* Found by the user-space fuzzer: libfdt reads tags in place */
static void kho_bad_struct_align(struct kho_fake *f)
{
	void *fdt = kho_fake_page(f, FK_FDT);

	fdt_set_off_dt_struct(fdt, fdt_off_dt_struct(fdt) + 1);
}

static void kho_bad_compatible(struct kho_fake *f)
{
	void *fdt = kho_fake_page(f, FK_FDT);
	char *compat = (char *)fdt_getprop(fdt, 0, "compatible", NULL);

	compat[strlen(compat) - 1] = '0';
}

/* The root of another version or family, the same length as kho-v1 */
static void kho_fake_compat(struct kho_fake *f, const char *compat)
{
	void *fdt = kho_fake_page(f, FK_FDT);

	WARN_ON(fdt_setprop_inplace(fdt, 0, "compatible", compat,
				    strlen(compat) + 1));
}

/*
 * Mainline 7.2's root is kho-v4 and its scratch list another layout, which
 * read as ours may well overlap the FDT: the version is the reason given
 */
static void kho_root_v4(struct kho_fake *f)
{
	struct kho_scratch_entry *scratch = kho_fake_page(f, FK_SCRATCH);

	kho_fake_compat(f, "kho-v4");
	scratch[0].addr = KHO_FAKE(FK_FDT);
}

static void kho_root_x1(struct kho_fake *f)
{
	kho_fake_compat(f, "kho-x1");
}

static void kho_root_no_compat(struct kho_fake *f)
{
	WARN_ON(fdt_nop_property(kho_fake_page(f, FK_FDT), 0, "compatible"));
}

static void kho_bad_map_prop(struct kho_fake *f)
{
	void *fdt = kho_fake_page(f, FK_FDT);
	const struct fdt_property *prop;

	prop = fdt_get_property(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, NULL);
	((char *)fdt_string(fdt, fdt32_to_cpu(prop->nameoff)))[0] = 'X';
}

static void kho_chunk_loop(struct kho_fake *f)
{
	struct kho_mem_chunk *chunk = kho_fake_page(f, FK_CHUNK1);

	chunk->hdr.next_phys = KHO_FAKE(FK_CHUNK0);
}

static void kho_chunk_in_scratch(struct kho_fake *f)
{
	memcpy(kho_fake_page(f, FK_SCRATCH0), kho_fake_chunk0(f), PAGE_SIZE);
	*(u64 *)fdt_getprop(kho_fake_page(f, FK_FDT), 0,
			    KHO_FDT_MEMORY_MAP_PROP_NAME, NULL) =
		KHO_FAKE(FK_SCRATCH0);
}

static void kho_chunk_order(struct kho_fake *f)
{
	kho_fake_chunk0(f)->hdr.order = MAX_PAGE_ORDER + 1;
}

static void kho_chunk_overfull(struct kho_fake *f)
{
	kho_fake_chunk0(f)->hdr.num_elms = KHO_MEM_CHUNK_ENTRIES + 1;
}

static void kho_bitmap_misaligned(struct kho_fake *f)
{
	kho_fake_chunk0(f)->entries[0].phys_start += PAGE_SIZE;
}

static void kho_bitmap_outside_ram(struct kho_fake *f)
{
	kho_fake_chunk0(f)->entries[0].bitmap_phys = KHO_FAKE(KHO_FAKE_PAGES);
}

static void kho_folio_in_scratch(struct kho_fake *f)
{
	__set_bit(FK_SCRATCH1 + 3, kho_fake_page(f, FK_BITS0));
}

static void kho_folio_outside_ram(struct kho_fake *f)
{
	__set_bit(KHO_FAKE_PAGES, kho_fake_page(f, FK_BITS0));
}

static void kho_scratch_truncated(struct kho_fake *f)
{
	f->c.h.scratch_len -= 4;
}

static void kho_scratch_overlap(struct kho_fake *f)
{
	struct kho_scratch_entry *scratch = kho_fake_page(f, FK_SCRATCH);

	scratch[1].addr = KHO_FAKE(FK_SCRATCH0 + 2);
}

static void kho_scratch_outside_ram(struct kho_fake *f)
{
	struct kho_scratch_entry *scratch = kho_fake_page(f, FK_SCRATCH);

	scratch[1].size = PFN_PHYS(8);
}

static void kho_scratch_over_fdt(struct kho_fake *f)
{
	struct kho_scratch_entry *scratch = kho_fake_page(f, FK_SCRATCH);

	scratch[0].addr = KHO_FAKE(FK_FDT);
}

/* Memory "this kernel" reserved (its image, say) holds a preserved folio */
static void kho_folio_in_reserved(struct kho_fake *f)
{
	__set_bit(9, f->used);
}

static void kho_chunk_in_reserved(struct kho_fake *f)
{
	__set_bit(FK_CHUNK1, f->used);
}

static void kho_folio_over_scratch_list(struct kho_fake *f)
{
	__set_bit(FK_SCRATCH, kho_fake_page(f, FK_BITS0));
}

/* An order-1 folio at pages 0-1 covers the FDT */
static void kho_folio_over_fdt(struct kho_fake *f)
{
	__set_bit(0, kho_fake_page(f, FK_BITS1));
}

static void kho_bitmap_twice(struct kho_fake *f)
{
	struct kho_mem_chunk *chunk = kho_fake_chunk0(f);

	chunk->entries[1] = chunk->entries[0];
	chunk->hdr.num_elms = 2;
}

static void kho_chunk_own_bitmap(struct kho_fake *f)
{
	kho_fake_chunk0(f)->entries[0].bitmap_phys = KHO_FAKE(FK_CHUNK0);
}

/* The second chunk takes the first one for its bitmap */
static void kho_chunk_other_bitmap(struct kho_fake *f)
{
	struct kho_mem_chunk *chunk = kho_fake_page(f, FK_CHUNK1);

	chunk->entries[0].bitmap_phys = KHO_FAKE(FK_CHUNK0);
}

/* An order-0 folio inside an order-1 folio */
static void kho_folio_cross_order(struct kho_fake *f)
{
	__set_bit(17, kho_fake_page(f, FK_BITS0));
}

/* A folio that is also a page of the map */
static void kho_folio_over_map(struct kho_fake *f)
{
	__set_bit(FK_BITS1, kho_fake_page(f, FK_BITS0));
}

/* memblock cannot grow its array half way through the map */
static void kho_claim_nomem(struct kho_fake *f)
{
	f->nomem_at = 4;
}

static const struct kho_fault_case kho_fault_cases[] = {
	{ "bad FDT magic", kho_bad_magic, "bad FDT header or structure" },
	{ "FDT larger than its buffer", kho_bad_totalsize,
	  "bad FDT header or structure" },
	{ "unknown FDT tag", kho_bad_structure, "bad FDT header or structure" },
	{ "misaligned structure block", kho_bad_struct_align,
	  "bad FDT header or structure" },
	{ "older root version", kho_bad_compatible,
	  "its root is 'kho-v0', this kernel reads '" KHO_FDT_COMPATIBLE "' only" },
	{ "newer root version over a bad scratch list", kho_root_v4,
	  "its root is 'kho-v4', this kernel reads '" KHO_FDT_COMPATIBLE "' only" },
	{ "root of another family", kho_root_x1,
	  "its root is 'kho-x1', not a KHO handover" },
	{ "root without compatible", kho_root_no_compat,
	  "its root has no compatible string, not a KHO handover" },
	{ "no memory map property", kho_bad_map_prop,
	  "FDT has no valid " KHO_FDT_MEMORY_MAP_PROP_NAME },
	{ "chunk loop", kho_chunk_loop,
	  "memory map chunk listed twice or in memory in use" },
	{ "chunk inside scratch", kho_chunk_in_scratch,
	  "memory map chunk outside RAM or inside scratch" },
	{ "order above MAX_PAGE_ORDER", kho_chunk_order,
	  "memory map order above MAX_PAGE_ORDER" },
	{ "overfull chunk", kho_chunk_overfull, "memory map chunk overfull" },
	{ "misaligned bitmap", kho_bitmap_misaligned,
	  "memory map bitmap start misaligned" },
	{ "bitmap outside RAM", kho_bitmap_outside_ram,
	  "memory map bitmap outside RAM or inside scratch" },
	{ "folio inside scratch", kho_folio_in_scratch,
	  "preserved memory inside scratch" },
	{ "folio outside RAM", kho_folio_outside_ram,
	  "preserved memory outside RAM" },
	{ "truncated scratch list", kho_scratch_truncated,
	  "bad scratch list size" },
	{ "overlapping scratch", kho_scratch_overlap, "scratch regions overlap" },
	{ "scratch outside RAM", kho_scratch_outside_ram,
	  "scratch region outside RAM" },
	{ "scratch over the FDT", kho_scratch_over_fdt,
	  "scratch region overlaps the handover data" },
	{ "folio in reserved memory", kho_folio_in_reserved,
	  "preserved memory overlaps other preserved memory, the map or memory in use" },
	{ "chunk in reserved memory", kho_chunk_in_reserved,
	  "memory map chunk listed twice or in memory in use" },
	{ "folio over the scratch list", kho_folio_over_scratch_list,
	  "preserved memory overlaps other preserved memory, the map or memory in use" },
	{ "order-1 folio over the FDT", kho_folio_over_fdt,
	  "preserved memory covers the FDT other than as one order-0 folio" },
	{ "bitmap listed twice", kho_bitmap_twice,
	  "memory map bitmap listed twice or in memory in use" },
	{ "chunk as its own bitmap", kho_chunk_own_bitmap,
	  "memory map bitmap listed twice or in memory in use" },
	{ "chunk as another chunk's bitmap", kho_chunk_other_bitmap,
	  "memory map bitmap listed twice or in memory in use" },
	{ "folios of two orders overlap", kho_folio_cross_order,
	  "preserved memory overlaps other preserved memory, the map or memory in use" },
	{ "folio over a map page", kho_folio_over_map,
	  "memory map bitmap listed twice or in memory in use" },
	{ "no room to reserve", kho_claim_nomem,
	  "no room left to reserve the preserved memory" },
};

static void kho_fault_case_desc(const struct kho_fault_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kho_fault, kho_fault_cases, kho_fault_case_desc);

/*
 * Each corruption is refused with its own reason, and everything claimed
 * before the refusal is released again.
 */
static void kho_test_check_fault(struct kunit *test)
{
	const struct kho_fault_case *t = test->param_value;
	struct kho_fake *f = kho_fake_handover(test);
	DECLARE_BITMAP(before, KHO_FAKE_PAGES);
	phys_addr_t map = 0;
	const char *why;

	t->corrupt(f);
	bitmap_copy(before, f->used, KHO_FAKE_PAGES);
	why = kho_check_handover(&f->c, &map);
	KUNIT_ASSERT_NOT_NULL(test, why);
	KUNIT_EXPECT_STREQ(test, why, t->why);
	KUNIT_EXPECT_TRUE(test, bitmap_equal(f->used, before, KHO_FAKE_PAGES));
}

/*
 * The FDT may be preserved as an order-0 folio, which is how the previous
 * kernel hands it over, alone or in a run with its neighbours.
 */
static void kho_test_check_fdt_folio(struct kunit *test)
{
	struct kho_fake *f = kho_fake_handover(test);
	unsigned long *bits = kho_fake_page(f, FK_BITS0);
	phys_addr_t map = 0;

	__set_bit(FK_FDT, bits);
	KUNIT_EXPECT_NULL(test, kho_check_handover(&f->c, &map));

	f = kho_fake_handover(test);
	bits = kho_fake_page(f, FK_BITS0);
	bitmap_set(bits, FK_FDT, 2);	/* the FDT and the scratch list */
	KUNIT_EXPECT_STREQ(test, kho_check_handover(&f->c, &map),
			   "preserved memory overlaps other preserved memory, the map or memory in use");
}

/* Mark fake pages seen; false if one was seen already */
static bool kho_fuzz_see(struct kho_fake_runs *r, phys_addr_t base, u64 len)
{
	unsigned int first, end;

	kho_fake_pages(base, len, &first, &end);
	if (find_next_bit(r->seen, end, first) < end)
		return false;
	bitmap_set(r->seen, first, end - first);
	return true;
}

/*
 * Independent of the checker: a run it accepted is whole folios in fake
 * RAM below scratch (the layout puts both scratch regions at the top), and
 * overlaps no other run, no map page, not the scratch list.
 */
static void kho_fuzz_run(const struct kho_map_visitor *v, phys_addr_t base,
			 u64 len, unsigned int order)
{
	struct kho_fake_runs *r = container_of(v, struct kho_fake_runs, v);

	if (base < KHO_FAKE_BASE || len > PFN_PHYS(KHO_FAKE_PAGES) ||
	    base + len > KHO_FAKE(FK_SCRATCH0) ||
	    !IS_ALIGNED(base | len, PAGE_SIZE << order) ||
	    !kho_fuzz_see(r, base, len))
		r->map_pages++;	/* counts violations here */
	r->n++;
}

static void kho_fuzz_map_page(const struct kho_map_visitor *v,
			      phys_addr_t phys, const void *page)
{
	struct kho_fake_runs *r = container_of(v, struct kho_fake_runs, v);

	if (!kho_fuzz_see(r, phys, PAGE_SIZE))
		r->map_pages++;
}

#define KHO_FUZZ_ROUNDS		20000

/*
 * Random corruption of every byte of the image: the check must end, read
 * nothing outside the fake memory (the guard pages would fault), and what
 * it accepts must be whole folios in RAM and outside scratch.
 */
static void kho_test_check_fuzz(struct kunit *test)
{
	struct kho_fake *f = kho_fake_handover(test);
	size_t image = PFN_PHYS(FK_IMAGE_PAGES);
	struct kho_fake_runs r = {
		.v = { .run = kho_fuzz_run, .map_page = kho_fuzz_map_page },
	};
	unsigned int round, i, accepted = 0;
	struct kho_handover h = f->c.h;
	struct rnd_state rnd;
	phys_addr_t map;
	void *pristine;

	pristine = kunit_kmalloc(test, image, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pristine);
	memcpy(pristine, f->mem, image);
	prandom_seed_state(&rnd, 42);

	for (round = 0; round < KHO_FUZZ_ROUNDS; round++) {
		unsigned int flips = 1 + prandom_u32_state(&rnd) % 8;

		memcpy(f->mem, pristine, image);
		f->c.h = h;
		bitmap_zero(f->used, KHO_FAKE_PAGES);
		__set_bit(FK_FDT, f->used);
		__set_bit(FK_SCRATCH, f->used);
		for (i = 0; i < flips; i++) {
			u32 x = prandom_u32_state(&rnd);
			u8 *p = f->mem + x % image;

			/* Mostly bytes of the structures that matter */
			if (x & BIT(31))
				p = f->mem + PFN_PHYS(FK_CHUNK0 + (x >> 28) % 4) +
				    (x >> 8) % 64;
			*p ^= 1 << ((x >> 24) & 7);
		}
		if ((round & 63) == 0)
			f->c.h.fdt_len = prandom_u32_state(&rnd) % (2 * PAGE_SIZE);
		if ((round & 63) == 1)
			f->c.h.scratch_len = prandom_u32_state(&rnd) % 64;

		map = 0;
		if (kho_check_handover(&f->c, &map))
			continue;
		accepted++;
		bitmap_zero(r.seen, KHO_FAKE_PAGES);
		__set_bit(FK_SCRATCH, r.seen);
		KUNIT_ASSERT_NULL(test, kho_check_map(&f->c, map, &r.v));
	}
	KUNIT_EXPECT_EQ(test, r.map_pages, 0U);
	KUNIT_EXPECT_LT(test, accepted, KHO_FUZZ_ROUNDS);
	kunit_info(test, "%u rounds: %u accepted (%u runs, all in bounds), %u refused\n",
		   KHO_FUZZ_ROUNDS, accepted, r.n, KHO_FUZZ_ROUNDS - accepted);
}

/* Fill a bitmap page with pattern @k of kho_test_bitmap_next() */
static void kho_test_bitmap_fill(unsigned long *bits, unsigned int k,
				 struct rnd_state *rnd)
{
	unsigned int i, n = KHO_BITMAP_LONGS;

	bitmap_zero(bits, KHO_BITMAP_BITS);
	switch (k) {
	case 0:				/* empty */
		break;
	case 1:				/* full */
		bitmap_fill(bits, KHO_BITMAP_BITS);
		break;
	case 2:				/* full but the last bit */
		bitmap_fill(bits, KHO_BITMAP_BITS - 1);
		break;
	case 3:				/* the first, 63, 64, 511, 512 and last */
		__set_bit(0, bits);
		__set_bit(63, bits);
		__set_bit(64, bits);
		__set_bit(511, bits);
		__set_bit(512, bits);
		__set_bit(KHO_BITMAP_BITS - 1, bits);
		break;
	case 4:				/* scattered folios: every other bit */
		for (i = 0; i < n; i++)
			bits[i] = 0x5555555555555555UL;
		break;
	case 5:				/* runs across eight-word groups */
		bitmap_set(bits, 8 * 64 - 3, 8 * 64 + 6);
		bitmap_set(bits, 40 * 64 + 1, 17 * 64);
		bitmap_set(bits, KHO_BITMAP_BITS - 9 * 64, 9 * 64 - 1);
		break;
	default:			/* random words of runs */
		for (i = 0; i < n; i++) {
			u32 r = prandom_u32_state(rnd);

			if (r & 1)
				bits[i] = r & 2 ? ~0UL : 0;
			else
				bits[i] = ((u64)prandom_u32_state(rnd) << 32) | r;
		}
	}
}

/*
 * kho_bitmap_next(), the walk's fast bit search, finds what find_next_bit()
 * and find_next_zero_bit() find: on bitmaps of runs, words and eight-word
 * groups of either kind, from every run edge and from random places.
 */
static void kho_test_bitmap_next(struct kunit *test)
{
	unsigned long *bits, s, e, b, want;
	unsigned int k, i, runs = 0;
	struct rnd_state rnd;

	bits = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bits);
	prandom_seed_state(&rnd, 7);
	for (k = 0; k < 10; k++) {
		kho_test_bitmap_fill(bits, k, &rnd);
		s = kho_bitmap_next(bits, 0, false);
		for_each_set_bitrange(b, want, bits, KHO_BITMAP_BITS) {
			KUNIT_ASSERT_EQ_MSG(test, s, b, "pattern %u", k);
			e = kho_bitmap_next(bits, s + 1, true);
			KUNIT_ASSERT_EQ_MSG(test, e, want, "pattern %u", k);
			s = kho_bitmap_next(bits, e + 1, false);
			runs++;
		}
		KUNIT_EXPECT_EQ_MSG(test, s, KHO_BITMAP_BITS, "pattern %u", k);
		for (i = 0; i < 256; i++) {
			b = prandom_u32_state(&rnd) % (KHO_BITMAP_BITS + 2);
			KUNIT_EXPECT_EQ(test, kho_bitmap_next(bits, b, false),
					find_next_bit(bits, KHO_BITMAP_BITS, b));
			KUNIT_EXPECT_EQ(test, kho_bitmap_next(bits, b, true),
					find_next_zero_bit(bits, KHO_BITMAP_BITS, b));
		}
	}
	kunit_info(test, "10 patterns, %u runs found alike\n", runs);
}

/*
 * Memory inside scratch is refused in every build, not only with
 * KEXEC_HANDOVER_DEBUG, and nothing of it is recorded.
 */
static void kho_test_preserve_in_scratch(struct kunit *test)
{
	const struct kho_scratch_entry *scratch;
	unsigned int nr;

	if (!kho_is_enabled())
		kunit_skip(test, "needs kho=on");
	scratch = kho_scratch_ranges(&nr);
	KUNIT_ASSERT_NOT_NULL(test, scratch);
	KUNIT_ASSERT_GT(test, nr, 0U);
	KUNIT_EXPECT_EQ(test, kho_preserve_phys(scratch[nr - 1].addr,
						PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_phys(scratch[nr - 1].addr,
						  PAGE_SIZE), -ENOENT);
}

/* The version parser: decimal, no leading zero, bounded, within @len */
static void kho_test_abi_version(struct kunit *test)
{
	static const struct {
		const char *s;
		const char *family;
		int version;
	} cases[] = {
		{ "kho-v1", "kho", 1 },
		{ "kho-v0", "kho", 0 },
		{ "kho-v4", "kho", 4 },
		{ "kho-v99999", "kho", KHO_ABI_VERSION_MAX },
		{ "kho-v100000", "kho", -ERANGE },
		{ "kho-v99999999999", "kho", -ERANGE },
		{ "kho-v01", "kho", -EINVAL },
		{ "kho-v00", "kho", -EINVAL },
		{ "kho-v", "kho", -EINVAL },
		{ "kho-", "kho", -EINVAL },
		{ "kho", "kho", -EINVAL },
		{ "", "kho", -EINVAL },
		{ "kho-v1x", "kho", -EINVAL },
		{ "kho-v-1", "kho", -EINVAL },
		{ "kho-v+1", "kho", -EINVAL },
		{ "kho-x1", "kho", -EINVAL },
		{ "KHO-v1", "kho", -EINVAL },
		{ "luo-v1", "kho", -EINVAL },
		{ "kho-test-v3", "kho", -EINVAL },
		{ "kho-test-v3", "kho-test", 3 },
		{ "reserve-mem-v1", "reserve-mem", 1 },
		{ "memfd-v2", "memfd", 2 },
		{ "memfd-v2", "memfd-v", -EINVAL },
	};
	/* Not NUL-terminated: only @len bytes are read */
	static const char no_nul[] = { 'k', 'h', 'o', '-', 'v', '7' };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, kho_abi_version(cases[i].s,
							  strlen(cases[i].s) + 1,
							  cases[i].family),
				    cases[i].version, "'%s' of family '%s'",
				    cases[i].s, cases[i].family);
	KUNIT_EXPECT_EQ(test, kho_abi_version(no_nul, sizeof(no_nul), "kho"), 7);
	KUNIT_EXPECT_EQ(test, kho_abi_version("kho-v12", 6, "kho"), 1);
	KUNIT_EXPECT_EQ(test, kho_abi_version("kho-v12", 5, "kho"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_abi_version("kho-v1", 0, "kho"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_abi_version(NULL, 8, "kho"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_abi_version(KHO_FDT_COMPATIBLE,
					      sizeof(KHO_FDT_COMPATIBLE),
					      KHO_FDT_FAMILY), KHO_FDT_VERSION);
}

/* Refusals name both versions, or quote what is not of the family */
static void kho_test_abi_check(struct kunit *test)
{
	static const struct kho_abi_record two = {
		.name = "kho", .desc = "a KHO handover",
		.writes = 2, .min = 1, .max = 2,
	};
	static const char odd[] = "k\x01o'";
	static const char long_name[] = "kho-version-one-of-a-very-long-family";
	char buf[128];

#define CHECK(r, s, len) kho_abi_check(r, "its root", s, len, buf, sizeof(buf))
	KUNIT_EXPECT_NULL(test, CHECK(&two, "kho-v1", 7));
	KUNIT_EXPECT_NULL(test, CHECK(&two, "kho-v2", 7));
	KUNIT_EXPECT_STREQ(test, CHECK(&two, "kho-v3", 7),
			   "its root is 'kho-v3', this kernel reads 'kho-v1' to 'kho-v2'");
	KUNIT_EXPECT_STREQ(test, CHECK(&kho_abi_root, "kho-v4", 7),
			   "its root is 'kho-v4', this kernel reads 'kho-v1' only");
	KUNIT_EXPECT_STREQ(test, CHECK(&kho_abi_root, "kho-v99999999999", 17),
			   "its root is 'kho-v99999999999', this kernel reads 'kho-v1' only");
	KUNIT_EXPECT_STREQ(test, CHECK(&kho_abi_root, "kho-x1", 7),
			   "its root is 'kho-x1', not a KHO handover");
	KUNIT_EXPECT_STREQ(test, CHECK(&kho_abi_root, odd, sizeof(odd)),
			   "its root is 'k?o?', not a KHO handover");
	KUNIT_EXPECT_STREQ(test, CHECK(&kho_abi_root, long_name,
				       sizeof(long_name)),
			   "its root is 'kho-version-one-of-a-very-long-f...', not a KHO handover");
	KUNIT_EXPECT_STREQ(test, CHECK(&kho_abi_root, long_name, 32),
			   "its root is 'kho-version-one-of-a-very-long-f', not a KHO handover");
	KUNIT_EXPECT_STREQ(test, CHECK(&kho_abi_root, NULL, -FDT_ERR_NOTFOUND),
			   "its root has no compatible string, not a KHO handover");
#undef CHECK
}

/*
 * Registered records: listed once each, and a reader that found no exact
 * match (a live update file handler) names both versions of its family
 */
static void kho_test_abi_register(struct kunit *test)
{
	struct kho_abi_record r = {
		.name = "kho-kunit", .desc = "a KUnit record",
		.writes = 2, .min = 1, .max = 2,
	};
	struct kho_abi_record dup = r, bad = r;
	char buf[128];

	bad.writes = 3;
	KUNIT_EXPECT_EQ(test, kho_abi_register(&bad), -EINVAL);
	KUNIT_ASSERT_EQ(test, kho_abi_register(&r), 0);
	KUNIT_EXPECT_EQ(test, kho_abi_register(&dup), -EEXIST);
	KUNIT_EXPECT_STREQ(test, kho_abi_refusal("its handler compatible",
						 "kho-kunit-v3", 13, buf,
						 sizeof(buf)),
			   "its handler compatible is 'kho-kunit-v3', this kernel reads 'kho-kunit-v1' to 'kho-kunit-v2'");
	KUNIT_EXPECT_NULL(test, kho_abi_refusal("its handler compatible",
						"kho-kunit-v1", 13, buf,
						sizeof(buf)));
	KUNIT_EXPECT_NULL(test, kho_abi_refusal("its handler compatible",
						"kho-kunit2-v1", 14, buf,
						sizeof(buf)));
	if (IS_ENABLED(CONFIG_LIVEUPDATE_MEMFD))
		KUNIT_EXPECT_STREQ(test,
				   kho_abi_refusal("its handler compatible",
						   "memfd-v3", 9, buf,
						   sizeof(buf)),
				   "its handler compatible is 'memfd-v3', this kernel reads 'memfd-v2' only");
	kho_abi_unregister(&r);
	KUNIT_EXPECT_NULL(test, kho_abi_refusal("its handler compatible",
						"kho-kunit-v3", 13, buf,
						sizeof(buf)));
}

/*
 * The version is checked before the scratch list: a kho-v4 root whose
 * scratch list overlaps the FDT gives the version as the reason, though
 * the scratch check alone refuses the list
 */
static void kho_test_check_version_first(struct kunit *test)
{
	struct kho_fake *f = kho_fake_handover(test);
	phys_addr_t map = 0;

	kho_root_v4(f);
	KUNIT_EXPECT_STREQ(test, kho_check_scratch(&f->c),
			   "scratch region overlaps the handover data");
	KUNIT_EXPECT_STREQ(test, kho_check_handover(&f->c, &map),
			   "its root is 'kho-v4', this kernel reads 'kho-v1' only");
}

static struct kunit_case kho_test_cases[] = {
	KUNIT_CASE(kho_test_every_order),
	KUNIT_CASE(kho_test_range_decompose),
	KUNIT_CASE(kho_test_phys_range_check),
	KUNIT_CASE(kho_test_cross_order),
	KUNIT_CASE(kho_test_serialize_empty),
	KUNIT_CASE(kho_test_serialize_random),
	KUNIT_CASE(kho_test_refinalize),
	KUNIT_CASE(kho_test_failing_notifier),
	KUNIT_CASE(kho_test_notifier_busy),
	KUNIT_CASE(kho_test_add_subtree_args),
	KUNIT_CASE(kho_test_race_cross_order),
	KUNIT_CASE(kho_test_finalize_churn),
	KUNIT_CASE(kho_test_vmalloc),
	KUNIT_CASE(kho_test_abi_version),
	KUNIT_CASE(kho_test_abi_check),
	KUNIT_CASE(kho_test_abi_register),
	KUNIT_CASE(kho_test_check_version_first),
	KUNIT_CASE(kho_test_check_valid),
	KUNIT_CASE_PARAM(kho_test_check_fault, kho_fault_gen_params),
	KUNIT_CASE(kho_test_check_fdt_folio),
	KUNIT_CASE(kho_test_check_fuzz),
	KUNIT_CASE(kho_test_bitmap_next),
	KUNIT_CASE(kho_test_preserve_in_scratch),
	{}
};

static struct kunit_suite kho_test_suite = {
	.name = "kexec_handover",
	.test_cases = kho_test_cases,
};

kunit_test_suite(kho_test_suite);

MODULE_DESCRIPTION("KUnit tests for Kexec HandOver");
MODULE_LICENSE("GPL");
