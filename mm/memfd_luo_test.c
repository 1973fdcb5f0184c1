// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the checks the next kernel makes on a preserved memfd's
 * record (mm/memfd_luo_check.c), on crafted records: everything in one
 * comes from the previous kernel, and a bad one must be refused before a
 * single folio goes into a page cache.  Pure functions: no kho=on or
 * liveupdate=on needed.
 */
#include <kunit/test.h>
#include <linux/kho/abi/memfd.h>
#include <linux/limits.h>
#include <linux/mm.h>

#include "memfd_luo.h"

/* The largest folio a shmem page cache takes with transparent huge pages */
#define T_HUGE	9

/* A record for a file of @size bytes with @nr folios in a big enough table */
static struct memfd_luo_ser memfd_luo_test_ser(u64 size, u64 nr)
{
	struct memfd_luo_ser ser = {
		.pos = 12345,
		.size = size,
		.seals = MEMFD_LUO_SEALS,
		.flags = MEMFD_LUO_NOEXEC,
		.nr_folios = nr,
	};

	if (nr) {
		ser.folios.first = PAGE_SIZE;
		ser.folios.nr_folios = DIV_ROUND_UP(nr * sizeof(struct memfd_luo_folio),
						    PAGE_SIZE);
	}
	return ser;
}

/* Records as the outgoing kernel writes them are accepted */
static void memfd_luo_test_record_valid(struct kunit *test)
{
	struct memfd_luo_ser ser = memfd_luo_test_ser(3 * SZ_1M, 257);

	KUNIT_EXPECT_NULL(test, memfd_luo_check_record(&ser));
	ser = memfd_luo_test_ser(0, 0);
	KUNIT_EXPECT_NULL(test, memfd_luo_check_record(&ser));
	/* An empty file of any size, and the largest file */
	ser = memfd_luo_test_ser(SZ_1G, 0);
	KUNIT_EXPECT_NULL(test, memfd_luo_check_record(&ser));
	ser = memfd_luo_test_ser((u64)UINT_MAX << PAGE_SHIFT, 1);
	KUNIT_EXPECT_NULL(test, memfd_luo_check_record(&ser));
	/* A table of huge pages */
	ser = memfd_luo_test_ser(SZ_1G, 1024);
	ser.folios.nr_folios = 1;
	ser.folios.order = 2;
	KUNIT_EXPECT_NULL(test, memfd_luo_check_record(&ser));
}

struct memfd_luo_record_case {
	const char *name;
	void (*corrupt)(struct memfd_luo_ser *ser);
};

static void memfd_luo_over_uint_max(struct memfd_luo_ser *ser)
{
	ser->size = ((u64)UINT_MAX << PAGE_SHIFT) + 1;
}

/* Rounding the size up to pages wraps to a small number */
static void memfd_luo_size_wraps(struct memfd_luo_ser *ser)
{
	ser->size = U64_MAX;
}

static void memfd_luo_negative_pos(struct memfd_luo_ser *ser)
{
	ser->pos = (u64)LLONG_MAX + 1;
}

static void memfd_luo_unknown_seal(struct memfd_luo_ser *ser)
{
	ser->seals |= MEMFD_LUO_SEALS + 1;
}

static void memfd_luo_unknown_flag(struct memfd_luo_ser *ser)
{
	ser->flags |= MEMFD_LUO_FLAGS << 1;
}

static void memfd_luo_too_many_folios(struct memfd_luo_ser *ser)
{
	ser->nr_folios = DIV_ROUND_UP(ser->size, PAGE_SIZE) + 1;
	ser->folios.nr_folios = 64;
}

static void memfd_luo_table_order(struct memfd_luo_ser *ser)
{
	ser->folios.order = MAX_PAGE_ORDER + 1;
}

static void memfd_luo_table_small(struct memfd_luo_ser *ser)
{
	ser->folios.nr_folios--;
}

static const struct memfd_luo_record_case memfd_luo_record_cases[] = {
	{ "more than UINT_MAX pages", memfd_luo_over_uint_max },
	{ "a size whose page count wraps", memfd_luo_size_wraps },
	{ "a negative position", memfd_luo_negative_pos },
	{ "an unknown seal", memfd_luo_unknown_seal },
	{ "an unknown flag", memfd_luo_unknown_flag },
	{ "more folios than pages", memfd_luo_too_many_folios },
	{ "a table above MAX_PAGE_ORDER", memfd_luo_table_order },
	{ "a table too small for its entries", memfd_luo_table_small },
};

static void memfd_luo_record_case_desc(const struct memfd_luo_record_case *t,
				       char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(memfd_luo_record, memfd_luo_record_cases,
		  memfd_luo_record_case_desc);

/* Each corruption of a valid record is refused, with a reason */
static void memfd_luo_test_record_bad(struct kunit *test)
{
	const struct memfd_luo_record_case *t = test->param_value;
	struct memfd_luo_ser ser = memfd_luo_test_ser(3 * SZ_1M, 257);

	KUNIT_ASSERT_NULL(test, memfd_luo_check_record(&ser));
	t->corrupt(&ser);
	KUNIT_EXPECT_NOT_NULL(test, memfd_luo_check_record(&ser));
}

/* One folio entry: where the record puts it, and the order KHO gave it */
struct memfd_luo_entry {
	u64 index;
	unsigned int order;
	unsigned int flags;
};

#define MEMFD_LUO_MAX_ENTRIES	4

/*
 * A folio table walked as retrieve walks it: the entries in order, each
 * checked against the file's size in pages and the one before; @bad is
 * the entry that must be refused, or -1 if every one must be accepted.
 */
struct memfd_luo_table_case {
	const char *name;
	u64 pages;
	unsigned int max_order;
	unsigned int nr;
	struct memfd_luo_entry e[MEMFD_LUO_MAX_ENTRIES];
	int bad;
};

#define UP	MEMFD_LUO_FOLIO_UPTODATE
#define DIRTY	MEMFD_LUO_FOLIO_DIRTY

static const struct memfd_luo_table_case memfd_luo_table_cases[] = {
	/* Accepted */
	{ "huge and small folios of a 3 MiB file", 768, T_HUGE, 3,
	  { { 0, 9, UP | DIRTY }, { 512, 0, UP }, { 767, 0, UP } }, -1 },
	{ "a hole between two folios", 768, T_HUGE, 2,
	  { { 0, 0, UP }, { 100, 2, UP } }, -1 },
	{ "a folio not uptodate (fallocated)", 16, T_HUGE, 1,
	  { { 0, 0, 0 } }, -1 },
	/* What kernels up to v6.12.117-kho1 wrote for a 3 MiB file */
	{ "a last huge folio past the end of the file", 768, T_HUGE, 2,
	  { { 0, 9, UP }, { 512, 9, UP } }, -1 },
	{ "a huge folio in a 4 KiB file", 1, T_HUGE, 1,
	  { { 0, 9, UP } }, -1 },
	/* Refused */
	{ "an index that wraps past ULONG_MAX", 768, T_HUGE, 2,
	  { { 0, 9, UP }, { 0ULL - 512, 9, UP } }, 1 },
	{ "an index far past the end", 768, T_HUGE, 2,
	  { { 0, 0, UP }, { 1ULL << 40, 0, UP } }, 1 },
	{ "an index at the end", 768, T_HUGE, 1,
	  { { 768, 0, UP } }, 0 },
	{ "a folio past the end after a huge one", 768, T_HUGE, 3,
	  { { 0, 9, UP }, { 512, 9, UP }, { 1024, 0, UP } }, 2 },
	{ "an order above MAX_PAGECACHE_ORDER", 4096, T_HUGE, 1,
	  { { 0, 10, UP } }, 0 },
	{ "a huge folio without huge pages", 768, 0, 2,
	  { { 0, 0, UP }, { 2, 1, UP } }, 1 },
	{ "an index not a multiple of the size", 768, T_HUGE, 1,
	  { { 256, 9, UP } }, 0 },
	{ "a folio inside the one before", 768, T_HUGE, 2,
	  { { 0, 9, UP }, { 256, 0, UP } }, 1 },
	{ "the same index twice", 768, T_HUGE, 2,
	  { { 5, 0, UP }, { 5, 0, UP } }, 1 },
	{ "a decreasing index", 768, T_HUGE, 3,
	  { { 3, 0, UP }, { 7, 0, UP }, { 4, 0, UP } }, 2 },
	{ "unknown folio flags", 768, T_HUGE, 1,
	  { { 0, 0, UP | BIT(2) } }, 0 },
};

static void memfd_luo_table_case_desc(const struct memfd_luo_table_case *t,
				      char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(memfd_luo_table, memfd_luo_table_cases,
		  memfd_luo_table_case_desc);

/*
 * Every entry before the bad one is accepted and moves the next index on;
 * the bad one is refused with a reason and leaves the next index alone.
 * Accepted folios all start inside the file and never overlap.
 */
static void memfd_luo_test_table(struct kunit *test)
{
	const struct memfd_luo_table_case *t = test->param_value;
	u64 next = 0, prev;
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		struct memfd_luo_folio e = {
			.pfn = 0x100000 + i * 512,
			.flags = t->e[i].flags,
			.index = t->e[i].index,
		};
		const char *why;

		prev = next;
		why = memfd_luo_check_folio(&e, t->e[i].order, t->max_order,
					    t->pages, &next);
		if ((int)i == t->bad) {
			KUNIT_EXPECT_NOT_NULL_MSG(test, why, "entry %u", i);
			KUNIT_EXPECT_EQ(test, next, prev);
			return;
		}
		KUNIT_ASSERT_NULL_MSG(test, why, "entry %u: %s", i, why);
		KUNIT_EXPECT_LT(test, e.index, t->pages);
		KUNIT_EXPECT_GE(test, e.index, prev);
		KUNIT_EXPECT_EQ(test, next, e.index + (1ULL << t->e[i].order));
	}
	KUNIT_EXPECT_EQ(test, t->bad, -1);
}

static struct kunit_case memfd_luo_test_cases[] = {
	KUNIT_CASE(memfd_luo_test_record_valid),
	KUNIT_CASE_PARAM(memfd_luo_test_record_bad,
			 memfd_luo_record_gen_params),
	KUNIT_CASE_PARAM(memfd_luo_test_table, memfd_luo_table_gen_params),
	{}
};

static struct kunit_suite memfd_luo_test_suite = {
	.name = "memfd_luo",
	.test_cases = memfd_luo_test_cases,
};

kunit_test_suite(memfd_luo_test_suite);

MODULE_DESCRIPTION("KUnit tests for the live update of memfds");
MODULE_LICENSE("GPL");
