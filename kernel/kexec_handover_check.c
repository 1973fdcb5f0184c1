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

#include "kexec_handover_check.h"

/* Deepest node the KHO root FDT may contain: root, subsystem, one spare */
#define KHO_FDT_MAX_DEPTH	3

/**
 * DOC: Handover record versions
 *
 * Every record of the handover carries its version in its compatible
 * string, ``"FAMILY-vN"``: the KHO root ``kho-v1``, the live update state
 * ``luo-v1``, a memfd ``memfd-v2`` and so on.  N is decimal without leading
 * zeros and at most %KHO_ABI_VERSION_MAX.  Each reader describes what it
 * writes and reads with a &struct kho_abi_record and checks what it is given
 * with kho_abi_check() before it reads anything else of the record, so that
 * a record of another version is refused with both versions named, and
 * nothing of it is misread.
 */

/**
 * kho_abi_version - the version of a "FAMILY-vN" compatible string
 * @compat: the string; it ends at its first NUL or after @len bytes, so it
 *          need not be NUL-terminated (handover data is untrusted)
 * @len:    bytes readable at @compat
 * @family: the family name, e.g. "kho"
 *
 * Context: Any context.
 * Return: N, or -EINVAL if @compat is not ``"FAMILY-vN"`` with N decimal,
 * without leading zeros (``v0`` is fine), or -ERANGE if it is of that shape
 * but N is above %KHO_ABI_VERSION_MAX.
 */
int kho_abi_version(const char *compat, size_t len, const char *family)
{
	size_t flen = strlen(family), i;
	unsigned int digits = 0;
	int v = 0;

	if (!compat || len < flen + 3 || memcmp(compat, family, flen) ||
	    compat[flen] != '-' || compat[flen + 1] != 'v')
		return -EINVAL;
	for (i = flen + 2; i < len && compat[i]; i++, digits++) {
		if (compat[i] < '0' || compat[i] > '9')
			return -EINVAL;
		if (digits == 1 && !v)
			return -EINVAL;		/* a leading zero */
		if (v <= KHO_ABI_VERSION_MAX)
			v = v * 10 + compat[i] - '0';
	}
	if (!digits)
		return -EINVAL;
	return v > KHO_ABI_VERSION_MAX ? -ERANGE : v;
}
EXPORT_SYMBOL_GPL(kho_abi_version);

/* Copy at most 32 bytes of @s (@len readable) to @buf, unprintable as '?' */
static void kho_abi_quote(char *buf, const char *s, size_t len)
{
	size_t i, n = min_t(size_t, len, 32);

	for (i = 0; i < n && s[i]; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'' ?
			 s[i] : '?';
	buf[i] = '\0';
	if (i == n && n < len && s[n])
		memcpy(buf + i, "...", sizeof("..."));
}

/**
 * kho_abi_check - check the version of a record from the previous kernel
 * @r:      what this kernel reads
 * @what:   how a refusal names the string's place, e.g. "its root"
 * @compat: the record's compatible string, or NULL if it has none
 * @len:    bytes readable at @compat (a property's length)
 * @buf:    where to write a refusal, 128 bytes are always enough
 * @size:   size of @buf
 *
 * A version of @r's family that this kernel does not read gives e.g.
 * ``its root is 'kho-v4', this kernel reads 'kho-v1' only``; a string not
 * of the family, e.g. ``its root is 'kho-x1', not a KHO handover`` (quoted
 * printable and cut at 32 bytes).
 *
 * Context: Any context.
 * Return: NULL if this kernel reads the record, else the reason it does
 * not, in @buf.
 */
const char *kho_abi_check(const struct kho_abi_record *r, const char *what,
			  const char *compat, int len, char *buf, size_t size)
{
	char quoted[36];
	int v = -EINVAL;

	if (compat && len > 0)
		v = kho_abi_version(compat, len, r->name);
	if (v >= 0 && v >= r->min && v <= r->max)
		return NULL;
	if (!compat || len <= 0) {
		snprintf(buf, size, "%s has no compatible string, not %s",
			 what, r->desc);
		return buf;
	}
	kho_abi_quote(quoted, compat, len);
	if (v == -EINVAL)
		snprintf(buf, size, "%s is '%s', not %s", what, quoted, r->desc);
	else if (r->min == r->max)
		snprintf(buf, size, "%s is '%s', this kernel reads '%s-v%u' only",
			 what, quoted, r->name, r->max);
	else
		snprintf(buf, size, "%s is '%s', this kernel reads '%s-v%u' to '%s-v%u'",
			 what, quoted, r->name, r->min, r->name, r->max);
	return buf;
}
EXPORT_SYMBOL_GPL(kho_abi_check);

/* The KHO root FDT: what this kernel writes and reads */
struct kho_abi_record kho_abi_root = {
	.name = KHO_FDT_FAMILY,
	.desc = "a KHO handover",
	.writes = KHO_FDT_VERSION,
	.min = KHO_FDT_MIN_VERSION,
	.max = KHO_FDT_VERSION,
};

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

/**
 * kho_check_layout - check where the handover data lies
 * @c: the handover; only @c->h is read
 *
 * Checks that the scratch list size is a whole, non-zero number of entries
 * and at most %KHO_SCRATCH_MAX, and that the list and the FDT lie in RAM
 * above 1 MiB without overlapping, so that the list may be read.
 *
 * Return: NULL if the list may be read, else the reason it may not.
 */
const char *kho_check_layout(const struct kho_check *c)
{
	const struct kho_handover *h = &c->h;

	if (!h->scratch_len || h->scratch_len % sizeof(*c->scratch) ||
	    h->scratch_len > KHO_SCRATCH_MAX * sizeof(*c->scratch))
		return "bad scratch list size";
	if (!IS_ALIGNED(h->scratch_phys, sizeof(u64)) ||
	    !c->is_ram(c, h->scratch_phys, h->scratch_len))
		return "scratch list outside RAM";
	if (!h->fdt_len || !c->is_ram(c, h->fdt_phys, h->fdt_len))
		return "FDT outside RAM";
	if (h->fdt_len > KHO_FDT_MAX_SIZE)
		return "FDT buffer larger than 64 KiB";
	if (h->scratch_phys < SZ_1M || h->fdt_phys < SZ_1M)
		return "handover data in the low 1 MiB";
	if (kho_ranges_overlap(h->scratch_phys, h->scratch_len, h->fdt_phys,
			       h->fdt_len))
		return "scratch list overlaps the FDT";
	return NULL;
}

/**
 * kho_check_scratch - check the incoming scratch list
 * @c: the handover
 *
 * kho_check_layout(), then every region: non-empty, page aligned, in RAM,
 * and overlapping neither another region nor the handover data.
 *
 * Return: NULL if the list can be trusted, else the reason it cannot.
 */
const char *kho_check_scratch(const struct kho_check *c)
{
	const struct kho_handover *h = &c->h;
	const char *why = kho_check_layout(c);
	unsigned int i;

	if (why)
		return why;
	for (i = 0; i < kho_check_nr_scratch(c); i++) {
		const struct kho_scratch_entry *e = &c->scratch[i];

		if (!e->size || e->addr + e->size < e->addr)
			return "empty or wrapping scratch region";
		if (!PAGE_ALIGNED(e->addr) || !PAGE_ALIGNED(e->size))
			return "scratch region not page aligned";
		if (!c->is_ram(c, e->addr, e->size))
			return "scratch region outside RAM";
		if (kho_ranges_overlap(e->addr, e->size, h->scratch_phys,
				       h->scratch_len) ||
		    kho_ranges_overlap(e->addr, e->size, h->fdt_phys,
				       h->fdt_len))
			return "scratch region overlaps the handover data";
		if (kho_scratch_overlaps(c->scratch, i, e->addr, e->size) >= 0)
			return "scratch regions overlap";
	}
	return NULL;
}

static bool kho_check_in_scratch(const struct kho_check *c, phys_addr_t addr,
				 u64 len)
{
	return kho_scratch_overlaps(c->scratch, kho_check_nr_scratch(c),
				    addr, len) >= 0;
}

/*
 * Memory the FDT and the map may live in: page aligned RAM above 1 MiB
 * (which every kernel keeps for itself), outside scratch
 */
static const void *kho_check_va(const struct kho_check *c, phys_addr_t addr,
				u64 len)
{
	if (addr < SZ_1M || !PAGE_ALIGNED(addr) || addr + len <= addr ||
	    !c->is_ram(c, addr, len) || kho_check_in_scratch(c, addr, len))
		return NULL;
	return c->va(c, addr);
}

/**
 * kho_fdt_check_full - check the structure of an FDT from the previous kernel
 * @fdt:     the blob
 * @bufsize: bytes readable at @fdt
 *
 * The structure check of upstream libfdt's fdt_check_full(), which the
 * kernel's copy of libfdt does not have: aligned blocks, every tag inside
 * the structure block, one root node, nodes balanced and not too deep,
 * every property inside the blob with a name inside the strings block.
 * For the root FDT and for subtrees KHO reads itself, and for any user
 * reading a subtree of its own.
 *
 * Context: Any context.
 * Return: true if libfdt may read the blob.
 */
bool kho_fdt_check_full(const void *fdt, size_t bufsize)
{
	int offset = 0, next, depth = 0, roots = 0, len;
	const char *name;
	u32 tag;

	if (bufsize < FDT_V17_SIZE || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > bufsize)
		return false;
	/* libfdt reads tags and reserve entries in place: keep them aligned */
	if (fdt_off_dt_struct(fdt) % FDT_TAGSIZE ||
	    fdt_off_mem_rsvmap(fdt) % sizeof(fdt64_t))
		return false;
	for (;;) {
		tag = fdt_next_tag(fdt, offset, &next);
		if (next < 0)
			return false;
		switch (tag) {
		case FDT_BEGIN_NODE:
			if (++depth > KHO_FDT_MAX_DEPTH ||
			    (depth == 1 && ++roots > 1))
				return false;
			break;
		case FDT_END_NODE:
			if (--depth < 0)
				return false;
			break;
		case FDT_PROP:
			if (depth < 1 ||
			    !fdt_getprop_by_offset(fdt, offset, &name, &len))
				return false;
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			return depth == 0 && roots == 1;
		default:
			return false;
		}
		offset = next;
	}
}
EXPORT_SYMBOL_GPL(kho_fdt_check_full);

/**
 * kho_check_root - check the root FDT's structure and version
 * @c:   the handover; a refusal naming the version is written to @c->why
 * @fdt: the root FDT, @c->h.fdt_len bytes of it readable
 *
 * Boot runs this right after kho_check_layout(), before it reads the
 * scratch list, so that a handover of another version is refused as such
 * and not for what another layout looks like to this one.
 *
 * Return: NULL if @fdt is a well-formed FDT whose root is of a version this
 * kernel reads (&kho_abi_root), else the reason it is not.
 */
const char *kho_check_root(struct kho_check *c, const void *fdt)
{
	const char *compat;
	int len;

	if (c->h.fdt_len < sizeof(struct fdt_header) ||
	    !PAGE_ALIGNED(c->h.fdt_phys))
		return "FDT too small, misplaced or inside scratch";
	if (!kho_fdt_check_full(fdt, c->h.fdt_len))
		return "bad FDT header or structure";
	compat = fdt_getprop(fdt, 0, "compatible", &len);
	return kho_abi_check(&kho_abi_root, "its root", compat, len, c->why,
			     sizeof(c->why));
}

/**
 * kho_check_fdt - check the incoming root FDT
 * @c:   the handover
 * @map: set to the physical address of the preserved-memory map
 *
 * The FDT must lie in RAM outside scratch, pass kho_check_root() and carry
 * a u64 preserved-memory-map property.  Subsystem children are not
 * interpreted here; their owners check their own data.
 *
 * Return: NULL with *@map set, else the reason the FDT cannot be trusted.
 */
const char *kho_check_fdt(struct kho_check *c, phys_addr_t *map)
{
	const void *fdt;
	const void *prop;
	const char *why;
	int len;

	fdt = kho_check_va(c, c->h.fdt_phys, c->h.fdt_len);
	if (!fdt || c->h.fdt_len < sizeof(struct fdt_header))
		return "FDT too small, misplaced or inside scratch";
	why = kho_check_root(c, fdt);
	if (why)
		return why;
	prop = fdt_getprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &len);
	if (!prop || len != sizeof(u64))
		return "FDT has no valid " KHO_FDT_MEMORY_MAP_PROP_NAME;
	*map = get_unaligned((const u64 *)prop);
	return NULL;
}

/*
 * How many bitmaps a map of memory ending at @end_pfn can list: one per
 * KHO_BITMAP_BITS folios of each order.  A longer list, or one with more
 * chunks (a writer puts at least one bitmap in every chunk), is corrupt.
 */
static unsigned long kho_max_bitmaps(unsigned long end_pfn)
{
	unsigned long n = 0;
	unsigned int order;

	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		n += DIV_ROUND_UP(end_pfn >> order, KHO_BITMAP_BITS);
	return n;
}

/**
 * struct kho_walk - one walk of the preserved-memory map
 * @c:           the handover
 * @v:           visitor, or NULL
 * @claim:       claim every map page and run through @c->claim
 * @undo:        if non-zero, release this many claims instead, then stop
 * @claims:      claims made so far
 * @fdt_claimed: the order-0 run that holds the FDT was seen
 */
struct kho_walk {
	struct kho_check *c;
	const struct kho_map_visitor *v;
	bool claim;
	unsigned long undo;
	unsigned long claims;
	bool fdt_claimed;
};

/* Returned by a step of a rollback walk once every claim is released */
static const char kho_walk_undone[] = "rolled back";

/*
 * Claim [@addr, @addr + @len) for the handover, or during a rollback release
 * it.  NULL on success, else why the walk stops.
 */
static const char *kho_walk_claim(struct kho_walk *w, phys_addr_t addr,
				  u64 len, unsigned int order,
				  const char *busy)
{
	int ret;

	if (!w->claim || !len)
		return NULL;
	if (w->undo) {
		w->c->unclaim(w->c, addr, len);
		return --w->undo ? NULL : kho_walk_undone;
	}
	ret = w->c->claim(w->c, addr, len, order);
	if (ret == -ENOMEM)
		return "no room left to reserve the preserved memory";
	if (ret)
		return busy;
	w->claims++;
	return NULL;
}

/*
 * Claim a run of preserved folios.  The previous kernel preserved its FDT
 * as an order-0 folio, and this kernel reserved the FDT before reading the
 * map: a run may cover it only as one order-0 folio headed by the FDT.
 */
static const char *kho_walk_run(struct kho_walk *w, phys_addr_t base,
				u64 len, unsigned int order)
{
	static const char busy[] =
		"preserved memory overlaps other preserved memory, the map or memory in use";
	phys_addr_t fdt = w->c->h.fdt_phys, end = base + len;
	u64 fdt_len = w->c->h.fdt_len;
	const char *why;

	if (!w->claim || !kho_ranges_overlap(base, len, fdt, fdt_len))
		return kho_walk_claim(w, base, len, order, busy);
	if (order || w->fdt_claimed || !PAGE_ALIGNED(fdt) ||
	    fdt_len > PAGE_SIZE)
		return "preserved memory covers the FDT other than as one order-0 folio";
	w->fdt_claimed = true;
	why = kho_walk_claim(w, base, fdt - base, order, busy);
	if (!why)
		why = kho_walk_claim(w, fdt + PAGE_SIZE,
				     end - fdt - PAGE_SIZE, order, busy);
	return why;
}

/*
 * Skip words of a map bitmap, from word @i on, that are all ones (all zeros
 * with @zeros), eight words a step at about one instruction a word; stop at
 * the first step that holds another word, or fewer than eight words before
 * the end.  Return: the word it stopped at.
 */
static unsigned long kho_bitmap_skip(const unsigned long *p, unsigned long i,
				     bool zeros)
{
	if (zeros) {
		for (; i + 8 <= KHO_BITMAP_LONGS; i += 8)
			if (p[i] | p[i + 1] | p[i + 2] | p[i + 3] |
			    p[i + 4] | p[i + 5] | p[i + 6] | p[i + 7])
				break;
	} else {
		for (; i + 8 <= KHO_BITMAP_LONGS; i += 8)
			if (~(p[i] & p[i + 1] & p[i + 2] & p[i + 3] &
			      p[i + 4] & p[i + 5] & p[i + 6] & p[i + 7]))
				break;
	}
	return i;
}

/**
 * kho_bitmap_next - find the next set or clear bit of a map bitmap
 * @bits:  a bitmap of %KHO_BITMAP_BITS bits
 * @bit:   where to start
 * @clear: look for a clear bit instead of a set one
 *
 * As find_next_bit() and find_next_zero_bit() on a whole bitmap page, but
 * eight words without such a bit cost a dozen instructions, not several per
 * word: boot reads every word of every incoming bitmap, and a bitmap of
 * 4 KiB folios is mostly words of ones, one of larger folios mostly words
 * of zeros.
 *
 * Return: the first such bit at or after @bit, or %KHO_BITMAP_BITS.
 */
unsigned long kho_bitmap_next(const unsigned long *bits, unsigned long bit,
			      bool clear)
{
	const unsigned long flip = clear ? ~0UL : 0;
	unsigned long i = bit / BITS_PER_LONG, w;

	if (bit >= KHO_BITMAP_BITS)
		return KHO_BITMAP_BITS;
	w = (bits[i] ^ flip) & (~0UL << (bit % BITS_PER_LONG));
	while (!w) {
		i = kho_bitmap_skip(bits, i + 1, !clear);
		if (i == KHO_BITMAP_LONGS)
			return KHO_BITMAP_BITS;
		w = bits[i] ^ flip;
	}
	return i * BITS_PER_LONG + __ffs(w);
}
EXPORT_SYMBOL_NS_GPL(kho_bitmap_next, KHO_TESTS);

/* Check one bitmap entry, claim its page and visit its runs */
static const char *kho_walk_bitmap(struct kho_walk *w,
				   const struct kho_mem_bitmap_entry *e,
				   unsigned int order)
{
	const struct kho_check *c = w->c;
	phys_addr_t span = PFN_PHYS(KHO_BITMAP_BITS) << order;
	const unsigned long *bits;
	unsigned int folios = 0;
	const char *why;
	unsigned long s, t;

	if (!IS_ALIGNED(e->phys_start, span))
		return "memory map bitmap start misaligned";
	bits = kho_check_va(c, e->bitmap_phys, PAGE_SIZE);
	if (!bits)
		return "memory map bitmap outside RAM or inside scratch";
	why = kho_walk_claim(w, e->bitmap_phys, PAGE_SIZE, 0,
			     "memory map bitmap listed twice or in memory in use");
	if (why)
		return why;
	for (s = kho_bitmap_next(bits, 0, false); s < KHO_BITMAP_BITS;
	     s = kho_bitmap_next(bits, t + 1, false)) {
		phys_addr_t base = e->phys_start + (PFN_PHYS(s) << order);
		u64 len;

		t = kho_bitmap_next(bits, s + 1, true);
		len = PFN_PHYS(t - s) << order;

		if (base + len <= base || !c->is_ram(c, base, len))
			return "preserved memory outside RAM";
		if (base < SZ_1M)
			return "preserved memory in the low 1 MiB";
		if (kho_check_in_scratch(c, base, len))
			return "preserved memory inside scratch";
		why = kho_walk_run(w, base, len, order);
		if (why)
			return why;
		if (w->v && w->v->run && !w->undo)
			w->v->run(w->v, base, len, order);
		folios += t - s;
	}
	if (w->v && w->v->bitmap && !w->undo)
		w->v->bitmap(w->v, order, e->phys_start, (void *)bits, folios);
	else if (w->v && w->v->map_page && !w->undo)
		w->v->map_page(w->v, e->bitmap_phys, bits);
	return NULL;
}

/*
 * The walk reads at most kho_max_bitmaps() chunks and as many bitmaps: for
 * 1 TiB of memory 16,384 of each, 128 MiB of map, whatever the map says.
 * A loop in the chunk list is named as one as soon as the walk meets a
 * chunk again (Brent's method: @mark is the chunk at the last power of two
 * of the count), before its bitmaps add up past the bound.
 */
static const char *kho_walk_map(struct kho_walk *w, phys_addr_t first)
{
	unsigned long max = kho_max_bitmaps(w->c->end_pfn);
	unsigned long chunks = 0, bitmaps = 0, lap = 1;
	phys_addr_t phys = first, mark = 0;

	while (phys) {
		const struct kho_mem_chunk *chunk;
		unsigned int i, order, num;
		const char *why;
		phys_addr_t next;

		if (phys == mark || ++chunks > max)
			return "memory map chunk list does not end";
		if (chunks == lap) {
			mark = phys;
			lap <<= 1;
		}
		chunk = kho_check_va(w->c, phys, PAGE_SIZE);
		if (!chunk)
			return "memory map chunk outside RAM or inside scratch";
		why = kho_walk_claim(w, phys, PAGE_SIZE, 0,
				     "memory map chunk listed twice or in memory in use");
		if (why)
			return why;
		order = chunk->hdr.order;
		num = chunk->hdr.num_elms;
		if (order > MAX_PAGE_ORDER)
			return "memory map order above MAX_PAGE_ORDER";
		if (num > KHO_MEM_CHUNK_ENTRIES)
			return "memory map chunk overfull";
		bitmaps += num;
		if (bitmaps > max)
			return "memory map lists more bitmaps than memory can need";
		for (i = 0; i < num; i++) {
			why = kho_walk_bitmap(w, &chunk->entries[i], order);
			if (why)
				return why;
		}
		next = chunk->hdr.next_phys;
		if (w->v && w->v->map_page && !w->undo)
			w->v->map_page(w->v, phys, chunk);
		phys = next;
	}
	return NULL;
}

/**
 * kho_check_map - check the preserved-memory map, optionally visiting it
 * @c:     the handover
 * @first: physical address of the first chunk, 0 for an empty map
 * @v:     called for every run of preserved folios and every page of the
 *         map, or NULL to only check
 *
 * Checks every chunk (page aligned, in RAM outside scratch, order at most
 * %MAX_PAGE_ORDER, no more entries than fit), every bitmap (aligned start,
 * page in RAM outside scratch), every run of preserved folios (in RAM
 * above 1 MiB, outside scratch) and the length of the lists, which catches
 * loops.  It does not compare the pieces with each other or with memory in
 * use: only kho_claim_map() does, and a map must have passed it before it
 * is walked here.  @v->bitmap or @v->map_page is called for a chunk or
 * bitmap once it has been read, so it may free the page.
 *
 * Return: NULL if the map is valid, else the first reason it is not.
 */
const char *kho_check_map(const struct kho_check *c, phys_addr_t first,
			  const struct kho_map_visitor *v)
{
	struct kho_walk w = { .c = (struct kho_check *)c, .v = v };

	return kho_walk_map(&w, first);
}
EXPORT_SYMBOL_NS_GPL(kho_check_map, KHO_TESTS);

/**
 * kho_claim_map - check the preserved-memory map and claim all it covers
 * @c:     the handover, with @c->claim and @c->unclaim
 * @first: physical address of the first chunk, 0 for an empty map
 * @v:     visitor as for kho_check_map(), or NULL
 *
 * The checks of kho_check_map(), and every page of the map and every run of
 * preserved folios is claimed with @c->claim as it is reached.  A claim
 * fails if any of its memory is in use already: reserved by this kernel (its
 * image, the initrd, firmware tables, the FDT and the scratch list), or
 * claimed earlier in the walk.  So a map page listed twice, a chunk that is
 * also a bitmap, runs that overlap (of the same or of different orders) and
 * a map page inside a run are all refused.  The FDT may only be covered by
 * an order-0 folio of its own.  On any error every claim of the walk is
 * released again, so the handover can be dropped as if never read; @v may
 * have seen runs before the error.
 *
 * Context: Single threaded: early boot, or a test's private handover.
 * Return: NULL with everything claimed, else the first reason the map is
 * refused, with nothing claimed.
 */
const char *kho_claim_map(struct kho_check *c, phys_addr_t first,
			  const struct kho_map_visitor *v)
{
	struct kho_walk w = { .c = c, .v = v, .claim = true };
	const char *why = kho_walk_map(&w, first);

	if (why && w.claims) {
		struct kho_walk undo = { .c = c, .claim = true,
					 .undo = w.claims };

		WARN_ON(kho_walk_map(&undo, first) != kho_walk_undone);
	}
	return why;
}
EXPORT_SYMBOL_NS_GPL(kho_claim_map, KHO_TESTS);

/**
 * kho_check_handover - check a whole handover
 * @c:   the handover
 * @map: set to the physical address of the preserved-memory map
 *
 * kho_check_layout(), kho_check_root(), kho_check_scratch(),
 * kho_check_fdt() and kho_claim_map() in turn, in the order boot runs them.
 * Boot runs them at different times, since it trusts scratch well before it
 * can read the map; this runs them at once on a handover in a buffer.
 *
 * Return: NULL if the handover is valid, and all it covers claimed, else
 * the first reason it is not.
 */
const char *kho_check_handover(struct kho_check *c, phys_addr_t *map)
{
	const char *why;

	why = kho_check_layout(c);
	if (!why)
		why = kho_check_root(c, c->va(c, c->h.fdt_phys));
	if (!why)
		why = kho_check_scratch(c);
	if (!why)
		why = kho_check_fdt(c, map);
	if (!why)
		why = kho_claim_map(c, *map, NULL);
	return why;
}
EXPORT_SYMBOL_NS_GPL(kho_check_handover, KHO_TESTS);
