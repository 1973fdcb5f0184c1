// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where memblock allocates around Kexec HandOver (KHO) scratch memory:
 * memblock_set_kho_alloc() and the MEMBLOCK_KHO_SCRATCH region flag; and
 * memblock_reserve_room(), which KHO calls before it reserves the memory
 * preserved across kexec, and the reservations themselves.
 */
#include "kho_api.h"

#define KHO_HALF	(MEM_SIZE / 2)

/* Mark the lower or the upper half of the test memory as KHO scratch */
static phys_addr_t setup_kho_scratch(bool upper)
{
	phys_addr_t base = dummy_physical_memory_base();

	setup_memblock();
	if (upper)
		base += KHO_HALF;
	ASSERT_EQ(0, memblock_mark_kho_scratch(base, KHO_HALF));
	return base;
}

static bool in_range(void *p, phys_addr_t size, phys_addr_t base,
		     phys_addr_t len)
{
	phys_addr_t addr = (phys_addr_t)p;

	return addr >= base && addr + size <= base + len;
}

/*
 * Scratch-only: an allocation lands in scratch, and fails once scratch is
 * full even though memory outside scratch is free.
 */
static int kho_alloc_scratch_only_check(void)
{
	phys_addr_t scratch;
	void *p;

	PREFIX_PUSH();
	scratch = setup_kho_scratch(false);
	memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_SCRATCH);

	p = memblock_alloc(SZ_1K, SMP_CACHE_BYTES);
	ASSERT_NE(p, NULL);
	ASSERT_TRUE(in_range(p, SZ_1K, scratch, KHO_HALF));

	memblock_reserve(scratch, KHO_HALF);
	p = memblock_alloc(SZ_1K, SMP_CACHE_BYTES);
	ASSERT_EQ(p, NULL);

	memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_ANY);
	test_pass_pop();
	return 0;
}

/*
 * Avoid: a top-down allocation skips scratch at the top of memory and lands
 * below it; once nothing outside scratch is free it falls back to scratch.
 */
static int kho_alloc_avoid_check(void)
{
	phys_addr_t scratch, low = dummy_physical_memory_base();
	void *p;

	PREFIX_PUSH();
	scratch = setup_kho_scratch(true);
	memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_AVOID);

	p = memblock_alloc(SZ_1K, SMP_CACHE_BYTES);
	ASSERT_NE(p, NULL);
	ASSERT_TRUE(in_range(p, SZ_1K, low, KHO_HALF));

	memblock_reserve(low, KHO_HALF);
	p = memblock_alloc(SZ_1K, SMP_CACHE_BYTES);
	ASSERT_NE(p, NULL);
	ASSERT_TRUE(in_range(p, SZ_1K, scratch, KHO_HALF));

	memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_ANY);
	test_pass_pop();
	return 0;
}

/*
 * Avoid: a reserve that doubles the reserved array places the new array
 * outside scratch, and leaving the mode frees nothing: the array and every
 * reservation made meanwhile stay reserved.
 */
static int kho_alloc_avoid_double_array_check(void)
{
	phys_addr_t scratch, low, fake = SZ_128K, total;
	void *orig_region = memblock.reserved.regions;
	phys_addr_t array;
	int i;

	PREFIX_PUSH();
	low = dummy_physical_memory_base();
	scratch = setup_kho_scratch(true);
	memblock_allow_resize();
	memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_AVOID);

	/* Fake reservations outside memory, apart so that they do not merge */
	for (i = 0; i <= INIT_MEMBLOCK_RESERVED_REGIONS; i++, fake += SZ_64K)
		memblock_reserve(fake, SZ_4K);
	ASSERT_EQ(memblock.reserved.max, INIT_MEMBLOCK_RESERVED_REGIONS * 2);

	array = (phys_addr_t)memblock.reserved.regions;
	ASSERT_TRUE(in_range(memblock.reserved.regions, SZ_4K, low, KHO_HALF));
	ASSERT_FALSE(memblock_is_region_reserved(scratch, KHO_HALF));

	total = memblock.reserved.total_size;
	memblock_set_kho_alloc(MEMBLOCK_KHO_ALLOC_ANY);
	ASSERT_EQ(memblock.reserved.total_size, total);
	ASSERT_TRUE(memblock_is_region_reserved(array, SZ_4K));

	/* As memblock_reserve_many_check(): the array is in dummy memory */
	memblock.reserved.regions = orig_region;
	memblock.reserved.cnt = INIT_MEMBLOCK_RESERVED_REGIONS;
	test_pass_pop();
	return 0;
}

/*
 * memblock_reserve_room() grows the reserved array ahead of many reserves,
 * so that they and their release need no doubling; it fails with -ENOMEM
 * when no memory can hold the array, and memblock still works.
 */
static int kho_reserve_room_check(void)
{
	void *orig_region = memblock.reserved.regions;
	phys_addr_t fake = SZ_128K;
	unsigned long max;
	int i;

	PREFIX_PUSH();
	setup_memblock();
	memblock_allow_resize();

	ASSERT_EQ(0, memblock_reserve_room(INIT_MEMBLOCK_RESERVED_REGIONS));
	max = memblock.reserved.max;
	ASSERT_LE(memblock.reserved.cnt + INIT_MEMBLOCK_RESERVED_REGIONS + 2,
		  max);
	for (i = 0; i < INIT_MEMBLOCK_RESERVED_REGIONS; i++, fake += SZ_64K)
		ASSERT_EQ(0, memblock_reserve(fake, SZ_4K));
	for (fake = SZ_128K; i; i--, fake += SZ_64K)
		ASSERT_EQ(0, memblock_phys_free(fake, SZ_4K));
	ASSERT_EQ(memblock.reserved.max, max);

	/* 32 KiB of memory cannot hold an array of 4096 regions */
	ASSERT_EQ(-ENOMEM, memblock_reserve_room(4096));
	ASSERT_LE(max, memblock.reserved.max);
	ASSERT_LT(memblock.reserved.max, 4096);
	ASSERT_EQ(0, memblock_reserve(fake, SZ_4K));

	memblock.reserved.regions = orig_region;
	memblock.reserved.cnt = INIT_MEMBLOCK_RESERVED_REGIONS;
	test_pass_pop();
	return 0;
}

/*
 * memblock_reserve() of ranges that overlap nothing, in an array more than
 * half full (as when KHO reserves the preserved runs in ascending order):
 * each lands in address order, one that touches its neighbours merges with
 * them, and the array does not grow.
 */
static int kho_reserve_disjoint_check(void)
{
	struct memblock_region *r = memblock.reserved.regions;
	unsigned long max, n, i;
	phys_addr_t base = SZ_128K;

	PREFIX_PUSH();
	reset_memblock_regions();
	max = memblock.reserved.max;
	n = max / 2 + 1;
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, memblock_reserve(base + i * SZ_64K, SZ_4K));
	ASSERT_EQ(n, memblock.reserved.cnt);
	ASSERT_EQ(base + (n - 1) * SZ_64K, r[n - 1].base);

	/* Between regions 0 and 1, touching neither */
	ASSERT_EQ(0, memblock_reserve(base + SZ_16K, SZ_4K));
	ASSERT_EQ(n + 1, memblock.reserved.cnt);
	ASSERT_EQ(base + SZ_16K, r[1].base);
	ASSERT_EQ(base + SZ_64K, r[2].base);

	/* Filling the gap between that one and region 2: one region */
	ASSERT_EQ(0, memblock_reserve(base + SZ_16K + SZ_4K,
				      SZ_64K - SZ_16K - SZ_4K));
	ASSERT_EQ(n, memblock.reserved.cnt);
	ASSERT_EQ(base + SZ_16K, r[1].base);
	ASSERT_EQ(SZ_64K - SZ_16K + SZ_4K, r[1].size);
	ASSERT_EQ(base + 2 * SZ_64K, r[2].base);
	ASSERT_EQ((n - 1) * SZ_4K + SZ_64K - SZ_16K + SZ_4K,
		  memblock.reserved.total_size);
	ASSERT_EQ(max, memblock.reserved.max);

	test_pass_pop();
	return 0;
}

int memblock_kho_checks(void)
{
	prefix_reset();
	prefix_push("memblock_set_kho_alloc");
	test_print("Running memblock_set_kho_alloc tests...\n");
	dummy_physical_memory_init();

	run_top_down(kho_alloc_scratch_only_check);
	run_top_down(kho_alloc_avoid_check);
	run_top_down(kho_alloc_avoid_double_array_check);
	run_top_down(kho_reserve_room_check);
	run_top_down(kho_reserve_disjoint_check);

	dummy_physical_memory_cleanup();
	prefix_pop();
	return 0;
}
