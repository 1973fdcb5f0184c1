// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the checks of an incoming memfd record,
 * mm/memfd_luo_check.c, built unchanged in user space.
 *
 * An input is a struct memfd_fuzz_hdr, the record (struct memfd_luo_ser)
 * and then folio entries, each a struct memfd_fuzz_entry: the record's
 * struct memfd_luo_folio and the order of the folio that KHO would
 * restore at its pfn.  The record may list more entries than the input
 * holds: there the table names a folio KHO cannot restore, and the walk
 * stops as retrieve's does.
 *
 * The harness walks the record as memfd_luo_retrieve() does and asserts
 * the contract of what it accepts: a file of at most UINT_MAX pages with
 * a position that is not negative and known seals and flags; each folio
 * of known flags and an order the page cache takes, starting inside the
 * file on a multiple of its size after the end of the one before, so
 * that no two overlap and no index wraps; and a refused entry leaves the
 * walk where it was.
 */
#include <stdio.h>

#include "kho_shim.h"
#include "../mm/memfd_luo.h"

struct memfd_fuzz_hdr {
	u8 max_order;		/* the page cache's largest order, mod 16 */
	u8 pad[7];
};

struct memfd_fuzz_entry {
	struct memfd_luo_folio e;
	u8 order;		/* of the folio at e.pfn, mod 16 */
	u8 pad[7];
};

/* Why inputs were refused, for the summary at exit */
#define MEMFD_FUZZ_REASONS	32
static struct {
	const char *why;
	unsigned long n;
} memfd_fuzz_reasons[MEMFD_FUZZ_REASONS];
static unsigned long memfd_fuzz_inputs, memfd_fuzz_accepted;

static void memfd_fuzz_count(const char *why)
{
	unsigned int i;

	for (i = 0; i < MEMFD_FUZZ_REASONS; i++) {
		if (!memfd_fuzz_reasons[i].why)
			memfd_fuzz_reasons[i].why = why;
		if (!strcmp(memfd_fuzz_reasons[i].why, why)) {
			memfd_fuzz_reasons[i].n++;
			return;
		}
	}
}

static void memfd_fuzz_report(void)
{
	unsigned int i;

	printf("memfd-fuzz: %lu inputs: %lu accepted, %lu refused\n",
	       memfd_fuzz_inputs, memfd_fuzz_accepted,
	       memfd_fuzz_inputs - memfd_fuzz_accepted);
	for (i = 0; i < MEMFD_FUZZ_REASONS && memfd_fuzz_reasons[i].why; i++)
		printf("memfd-fuzz:   refused %lu: %s\n",
		       memfd_fuzz_reasons[i].n, memfd_fuzz_reasons[i].why);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	atexit(memfd_fuzz_report);
	return 0;
}

/* An accepted record: what the rest of retrieve relies on */
static void memfd_fuzz_record_ok(const struct memfd_luo_ser *ser)
{
	u64 pages = DIV_ROUND_UP(ser->size, PAGE_SIZE);

	if (ser->size > (u64)UINT_MAX << PAGE_SHIFT || (s64)ser->pos < 0 ||
	    (ser->seals & ~MEMFD_LUO_SEALS) ||
	    (ser->flags & ~MEMFD_LUO_FLAGS) || ser->nr_folios > pages)
		abort();
	if (ser->nr_folios &&
	    (ser->folios.order > MAX_PAGE_ORDER ||
	     ((u64)ser->folios.nr_folios << (ser->folios.order + PAGE_SHIFT)) <
	     ser->nr_folios * sizeof(struct memfd_luo_folio)))
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct memfd_fuzz_hdr hdr;
	struct memfd_fuzz_entry fe;
	struct memfd_luo_ser ser;
	unsigned int max_order;
	u64 pages, next = 0, prev, covered = 0, i;
	const char *why;

	if (size < sizeof(hdr) + sizeof(ser))
		return -1;	/* not a record; keep it out of the corpus */
	memcpy(&hdr, data, sizeof(hdr));
	memcpy(&ser, data + sizeof(hdr), sizeof(ser));
	data += sizeof(hdr) + sizeof(ser);
	size -= sizeof(hdr) + sizeof(ser);
	/* A kernel's page cache takes at most MAX_PAGE_ORDER */
	max_order = min_t(unsigned int, hdr.max_order % 16, MAX_PAGE_ORDER);

	memfd_fuzz_inputs++;
	why = memfd_luo_check_record(&ser);
	if (why) {
		memfd_fuzz_count(why);
		return 0;
	}
	memfd_fuzz_record_ok(&ser);
	pages = DIV_ROUND_UP(ser.size, PAGE_SIZE);
	for (i = 0; i < ser.nr_folios; i++) {
		u64 nr;

		if (size < sizeof(fe)) {
			memfd_fuzz_count("a folio KHO cannot restore");
			return 0;
		}
		memcpy(&fe, data, sizeof(fe));
		data += sizeof(fe);
		size -= sizeof(fe);
		/* KHO restores folios of MAX_PAGE_ORDER at most */
		if (fe.order % 16 > MAX_PAGE_ORDER) {
			memfd_fuzz_count("a folio KHO cannot restore");
			return 0;
		}
		prev = next;
		why = memfd_luo_check_folio(&fe.e, fe.order % 16, max_order,
					    pages, &next);
		if (why) {
			if (next != prev)
				abort();	/* a refusal moved the walk on */
			memfd_fuzz_count(why);
			return 0;
		}
		nr = 1ULL << (fe.order % 16);
		if ((fe.e.flags & ~MEMFD_LUO_FOLIO_FLAGS) ||
		    fe.order % 16 > max_order || fe.e.index >= pages ||
		    fe.e.index % nr || fe.e.index < prev ||
		    next != fe.e.index + nr)
			abort();	/* accepted what it must not */
		covered += nr;
	}
	/* Only the last folio may reach past the end, by less than itself */
	if (covered > pages + (1ULL << max_order) - 1)
		abort();
	memfd_fuzz_accepted++;
	return 0;
}
