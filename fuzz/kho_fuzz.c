// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the incoming-handover checker,
 * kernel/kexec_handover_check.c, built unchanged in user space.
 *
 * An input is a whole handover:
 *
 *   struct kho_fuzz_hdr (what the previous kernel passed, and which pages
 *   this kernel has reserved), then up to KHO_FUZZ_PAGES pages of
 *   "physical memory" at KHO_FUZZ_BASE, zero-filled to a whole page.
 *
 * The memory is an exact-size heap buffer, so AddressSanitizer catches any
 * read outside it.  The harness drives the checker as boot does
 * (kho_scratch_init(), then kho_reserve_preserved()) and asserts its
 * contract: a refused handover leaves nothing claimed; an accepted one
 * claimed every map page and run, and its runs are whole folios in RAM,
 * outside scratch, overlapping neither each other, the map, the scratch
 * list nor reserved memory, and the FDT only as an order-0 folio.
 */
#include <stdio.h>

#include "kho_shim.h"
#include "../kernel/kexec_handover_check.h"

#define KHO_FUZZ_BASE	((phys_addr_t)1 << 30)
#define KHO_FUZZ_PAGES	64

struct kho_fuzz_hdr {
	u64 fdt_phys, fdt_len, scratch_phys, scratch_len;
	u64 reserved;		/* bit p: this kernel reserved page p */
	u8 nomem_at;		/* if non-zero, that claim finds no room */
	u8 pad[7];
};

struct kho_fuzz {
	struct kho_check c;
	const u8 *mem;
	unsigned long pages;
	u64 used;		/* reserved pages, as memblock would say */
	unsigned int claims, nomem_at;
};

static struct kho_scratch_entry kho_fuzz_scratch[KHO_SCRATCH_MAX];

/* Bits of the pages [addr, addr + len) touches; the range is in RAM */
static u64 kho_fuzz_mask(phys_addr_t addr, u64 len)
{
	unsigned long first = PHYS_PFN(addr - KHO_FUZZ_BASE);
	unsigned long end = PHYS_PFN(addr + len - KHO_FUZZ_BASE +
				     PAGE_SIZE - 1);

	if (end - first >= 64)
		return ~0ULL << first;
	return ((1ULL << (end - first)) - 1) << first;
}

static bool kho_fuzz_is_ram(const struct kho_check *c, phys_addr_t addr,
			    u64 len)
{
	const struct kho_fuzz *f = c->priv;

	return addr >= KHO_FUZZ_BASE && addr + len > addr &&
	       addr + len <= KHO_FUZZ_BASE + PFN_PHYS(f->pages);
}

static const void *kho_fuzz_va(const struct kho_check *c, phys_addr_t addr)
{
	const struct kho_fuzz *f = c->priv;

	return f->mem + (addr - KHO_FUZZ_BASE);
}

static int kho_fuzz_claim(struct kho_check *c, phys_addr_t addr, u64 len,
			  unsigned int order)
{
	struct kho_fuzz *f = c->priv;
	u64 mask;

	if (!kho_fuzz_is_ram(c, addr, len))
		abort();	/* the checker claims only what is in RAM */
	mask = kho_fuzz_mask(addr, len);
	if (f->nomem_at && f->claims + 1 == f->nomem_at)
		return -ENOMEM;
	if (f->used & mask)
		return -EBUSY;
	f->used |= mask;
	f->claims++;
	return 0;
}

static void kho_fuzz_unclaim(struct kho_check *c, phys_addr_t addr, u64 len)
{
	struct kho_fuzz *f = c->priv;
	u64 mask = kho_fuzz_mask(addr, len);

	if ((f->used & mask) != mask)
		abort();	/* releasing what was never claimed */
	f->used &= ~mask;
}

/* The contract, checked independently of the checker on what it accepted */
struct kho_fuzz_seen {
	struct kho_map_visitor v;
	struct kho_fuzz *f;
	u64 seen;		/* runs and map pages so far */
};

static void kho_fuzz_seen(struct kho_fuzz_seen *s, phys_addr_t addr, u64 len)
{
	u64 mask = kho_fuzz_mask(addr, len);

	if (s->seen & mask)
		abort();	/* two pieces of an accepted map overlap */
	s->seen |= mask;
}

static void kho_fuzz_run(const struct kho_map_visitor *v, phys_addr_t base,
			 u64 len, unsigned int order)
{
	struct kho_fuzz_seen *s = (struct kho_fuzz_seen *)v;
	const struct kho_check *c = &s->f->c;
	phys_addr_t fdt = c->h.fdt_phys;

	if (!kho_fuzz_is_ram(c, base, len) || !len ||
	    !IS_ALIGNED(base | len, PAGE_SIZE << order) ||
	    kho_scratch_overlaps(c->scratch, kho_check_nr_scratch(c), base,
				 len) >= 0)
		abort();
	/* The FDT is reserved already: only its own order-0 folio may cover it */
	if (base < fdt + c->h.fdt_len && fdt < base + len) {
		if (order || !PAGE_ALIGNED(fdt) || c->h.fdt_len > PAGE_SIZE)
			abort();
		s->seen |= kho_fuzz_mask(base, fdt - base);
		s->seen |= kho_fuzz_mask(fdt + PAGE_SIZE,
					 base + len - fdt - PAGE_SIZE);
		return;
	}
	kho_fuzz_seen(s, base, len);
}

static void kho_fuzz_map_page(const struct kho_map_visitor *v,
			      phys_addr_t phys, const void *page)
{
	kho_fuzz_seen((struct kho_fuzz_seen *)v, phys, PAGE_SIZE);
}

/* Why inputs were refused, for the summary at exit */
#define KHO_FUZZ_REASONS	64
static struct {
	const char *why;
	unsigned long n;
} kho_fuzz_reasons[KHO_FUZZ_REASONS];
static unsigned long kho_fuzz_inputs, kho_fuzz_accepted;

static void kho_fuzz_count(const char *why)
{
	unsigned int i;

	for (i = 0; i < KHO_FUZZ_REASONS; i++) {
		if (!kho_fuzz_reasons[i].why)
			kho_fuzz_reasons[i].why = why;
		if (!strcmp(kho_fuzz_reasons[i].why, why)) {
			kho_fuzz_reasons[i].n++;
			return;
		}
	}
}

static void kho_fuzz_report(void)
{
	unsigned int i;

	printf("kho-fuzz: %lu inputs: %lu accepted, %lu refused\n",
	       kho_fuzz_inputs, kho_fuzz_accepted,
	       kho_fuzz_inputs - kho_fuzz_accepted);
	for (i = 0; i < KHO_FUZZ_REASONS && kho_fuzz_reasons[i].why; i++)
		printf("kho-fuzz:   refused %lu: %s\n", kho_fuzz_reasons[i].n,
		       kho_fuzz_reasons[i].why);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	atexit(kho_fuzz_report);
	return 0;
}

/* The handover as kho_scratch_init() and kho_reserve_preserved() see it */
static const char *kho_fuzz_boot(struct kho_fuzz *f, phys_addr_t *map)
{
	struct kho_handover *h = &f->c.h;
	const char *why;
	u64 before;

	why = kho_check_layout(&f->c);
	if (why)
		return why;
	why = kho_check_root(&f->c, kho_fuzz_va(&f->c, h->fdt_phys));
	if (why)
		return why;
	memcpy(kho_fuzz_scratch, kho_fuzz_va(&f->c, h->scratch_phys),
	       h->scratch_len);
	f->c.scratch = kho_fuzz_scratch;
	why = kho_check_scratch(&f->c);
	if (why)
		return why;
	if (f->used & (kho_fuzz_mask(h->scratch_phys, h->scratch_len) |
		       kho_fuzz_mask(h->fdt_phys, h->fdt_len)))
		return "the FDT or the scratch list lies in memory this kernel reserved";
	f->used |= kho_fuzz_mask(h->scratch_phys, h->scratch_len) |
		   kho_fuzz_mask(h->fdt_phys, h->fdt_len);
	why = kho_check_fdt(&f->c, map);
	if (why)
		return why;
	before = f->used;
	why = kho_claim_map(&f->c, *map, NULL);
	if (why && f->used != before)
		abort();	/* a refused map must leave nothing claimed */
	return why;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct kho_fuzz_seen s = {
		.v = { .run = kho_fuzz_run, .map_page = kho_fuzz_map_page },
	};
	struct kho_fuzz_hdr hdr;
	struct kho_fuzz f = { };
	phys_addr_t map = 0;
	const char *why;
	u8 *mem;

	if (size < sizeof(hdr))
		return -1;	/* not a handover; keep it out of the corpus */
	memcpy(&hdr, data, sizeof(hdr));
	data += sizeof(hdr);
	size -= sizeof(hdr);
	f.pages = DIV_ROUND_UP(size, PAGE_SIZE);
	if (!f.pages || f.pages > KHO_FUZZ_PAGES)
		return -1;
	mem = calloc(f.pages, PAGE_SIZE);
	if (!mem)
		abort();
	memcpy(mem, data, size);

	f.mem = mem;
	f.used = hdr.reserved & (f.pages == 64 ? ~0ULL : (1ULL << f.pages) - 1);
	f.nomem_at = hdr.nomem_at;
	f.c.h.fdt_phys = hdr.fdt_phys;
	f.c.h.fdt_len = hdr.fdt_len;
	f.c.h.scratch_phys = hdr.scratch_phys;
	f.c.h.scratch_len = hdr.scratch_len;
	f.c.end_pfn = PHYS_PFN(KHO_FUZZ_BASE + PFN_PHYS(f.pages));
	f.c.is_ram = kho_fuzz_is_ram;
	f.c.va = kho_fuzz_va;
	f.c.claim = kho_fuzz_claim;
	f.c.unclaim = kho_fuzz_unclaim;
	f.c.priv = &f;

	kho_fuzz_inputs++;
	why = kho_fuzz_boot(&f, &map);
	if (why) {
		/* One count for every refusal that names a version */
		kho_fuzz_count(why == f.c.why ?
			       "its root is of another version or family" : why);
	} else {
		kho_fuzz_accepted++;
		/* Pieces claimed: the map pages and runs, and the reserved */
		s.f = &f;
		s.seen = hdr.reserved & f.used;
		s.seen |= kho_fuzz_mask(f.c.h.scratch_phys, f.c.h.scratch_len);
		if (kho_check_map(&f.c, map, &s.v))
			abort();	/* accepted once, refused on a second walk */
		if ((s.seen | kho_fuzz_mask(f.c.h.fdt_phys, f.c.h.fdt_len)) !=
		    f.used)
			abort();	/* claimed more or less than the map holds */
	}
	free(mem);
	return 0;
}
