// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO) for reserve_mem= regions, such as the persistent
 * ftrace ring buffer (trace_instance=NAME@REGION) and ramoops
 * (ramoops.mem_name=REGION): at finalize, preserve every region and describe
 * it in the "memblock" subtree; in the next kernel, let reserve_mem= adopt
 * the very same range for the same name, size and alignment, so that the
 * previous kernel's trace and log are still there.  The format is in
 * include/linux/kho/abi/memblock.h.
 */

#define pr_fmt(fmt) "KHO: reserve_mem: " fmt

#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/memblock.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/unaligned.h>

/* The pages a region covers: they are what KHO preserves */
static void reserve_mem_kho_pages(phys_addr_t start, phys_addr_t size,
				  phys_addr_t *base, phys_addr_t *len)
{
	*base = round_down(start, PAGE_SIZE);
	*len = round_up(start + size, PAGE_SIZE) - *base;
}

/* ---- outgoing ----------------------------------------------------------- */

static struct {
	struct folio *fdt;	/* one page: the subtree */
	unsigned int preserved;	/* regions preserved, from the first */
	bool fdt_preserved;
} reserve_mem_kho;

static int reserve_mem_kho_build(void *fdt)
{
	phys_addr_t start, size;
	const char *name;
	unsigned int i;
	int err;

	err = fdt_create(fdt, PAGE_SIZE);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible",
					 MEMBLOCK_KHO_FDT_COMPATIBLE);
	for (i = 0; !err && reserve_mem_get(i, &name, &start, &size); i++) {
		u64 s = start, n = size;

		err = fdt_begin_node(fdt, name);
		err = err ?: fdt_property_string(fdt, "compatible",
						 RESERVE_MEM_KHO_NODE_COMPATIBLE);
		err = err ?: fdt_property(fdt, RESERVE_MEM_KHO_NODE_START, &s,
					  sizeof(s));
		err = err ?: fdt_property(fdt, RESERVE_MEM_KHO_NODE_SIZE, &n,
					  sizeof(n));
		err = err ?: fdt_end_node(fdt);
	}
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	return err ? -ENOSPC : 0;
}

static void reserve_mem_kho_abort(void)
{
	phys_addr_t start, size, base, len;
	const char *name;

	while (reserve_mem_kho.preserved) {
		reserve_mem_get(--reserve_mem_kho.preserved, &name, &start,
				&size);
		reserve_mem_kho_pages(start, size, &base, &len);
		kho_unpreserve_phys(base, len);
	}
	if (reserve_mem_kho.fdt_preserved)
		kho_unpreserve_folio(reserve_mem_kho.fdt);
	reserve_mem_kho.fdt_preserved = false;
}

static int reserve_mem_kho_finalize(struct kho_serialization *ser)
{
	phys_addr_t start, size, base, len;
	void *fdt = folio_address(reserve_mem_kho.fdt);
	const char *name;
	int err;

	if (!reserve_mem_get(0, &name, &start, &size))
		return 0;
	err = reserve_mem_kho_build(fdt);
	while (!err && reserve_mem_get(reserve_mem_kho.preserved, &name,
				       &start, &size)) {
		reserve_mem_kho_pages(start, size, &base, &len);
		err = kho_preserve_phys(base, len);
		if (err)
			pr_err("cannot preserve region %s at %pa (%d)\n", name,
			       &start, err);
		else
			reserve_mem_kho.preserved++;
	}
	if (!err)
		err = kho_preserve_folio(reserve_mem_kho.fdt);
	if (!err) {
		reserve_mem_kho.fdt_preserved = true;
		err = kho_add_subtree(ser, MEMBLOCK_KHO_FDT, fdt);
	}
	if (err)
		reserve_mem_kho_abort();
	return err;
}

static int reserve_mem_kho_notifier(struct notifier_block *nb,
				    unsigned long event, void *data)
{
	switch (event) {
	case KEXEC_KHO_FINALIZE:
		return notifier_from_errno(reserve_mem_kho_finalize(data));
	case KEXEC_KHO_ABORT:
		reserve_mem_kho_abort();
		return NOTIFY_DONE;
	}
	return NOTIFY_DONE;
}

static struct notifier_block reserve_mem_kho_nb = {
	.notifier_call = reserve_mem_kho_notifier,
};

/* ---- incoming ----------------------------------------------------------- */

/* Starts of the previous kernel's regions this kernel adopted */
static phys_addr_t reserve_mem_kho_kept[8] __initdata;
static unsigned int reserve_mem_kho_nr_kept __initdata;

/* The versions of the subtree and of its region nodes this kernel reads */
static struct kho_abi_record memblock_kho_abi = {
	.name	= MEMBLOCK_KHO_FDT_FAMILY,
	.desc	= "a memblock subtree",
	.writes	= MEMBLOCK_KHO_FDT_VERSION,
	.min	= MEMBLOCK_KHO_FDT_MIN_VERSION,
	.max	= MEMBLOCK_KHO_FDT_VERSION,
};

static struct kho_abi_record reserve_mem_kho_abi = {
	.name	= RESERVE_MEM_KHO_NODE_FAMILY,
	.desc	= "a reserve_mem region",
	.writes	= RESERVE_MEM_KHO_NODE_VERSION,
	.min	= RESERVE_MEM_KHO_NODE_MIN_VERSION,
	.max	= RESERVE_MEM_KHO_NODE_VERSION,
};

/* Room for a refusal that names a version */
static char reserve_mem_kho_why[128] __initdata;

/*
 * Whether @fdt is a page that libfdt may read, whose root is of a version
 * this kernel reads: NULL, else why not
 */
static const char * __init reserve_mem_kho_tree_ok(const void *fdt)
{
	const char *compat;
	int len;

	if (!kho_fdt_check_full(fdt, PAGE_SIZE))
		return "not a well-formed FDT";
	compat = fdt_getprop(fdt, 0, "compatible", &len);
	return kho_abi_check(&memblock_kho_abi, "its root", compat, len,
			     reserve_mem_kho_why, sizeof(reserve_mem_kho_why));
}

/*
 * The subtree, checked once during early boot; NULL if there is none or it
 * is not valid
 */
static const void * __init reserve_mem_kho_fdt_early(void)
{
	static phys_addr_t fdt_phys __initdata;
	static bool looked __initdata;
	phys_addr_t phys;
	const char *why;
	int err;

	if (looked)
		return fdt_phys ? phys_to_virt(fdt_phys) : NULL;
	looked = true;
	err = kho_retrieve_subtree(MEMBLOCK_KHO_FDT, &phys);
	if (err == -ENOENT || err == -EOPNOTSUPP)
		return NULL;
	if (err)
		why = "no valid address";
	else if (!PAGE_ALIGNED(phys) || !kho_preserved_early(phys, PAGE_SIZE))
		why = "not in preserved memory";
	else
		why = reserve_mem_kho_tree_ok(phys_to_virt(phys));
	if (why) {
		pr_err("ignoring the memblock subtree of the previous kernel: %s; reserve_mem= regions get fresh memory\n",
		       why);
		return NULL;
	}
	fdt_phys = phys;
	return phys_to_virt(phys);
}

/* A u64 property of exactly 8 bytes */
static bool __init reserve_mem_kho_u64(const void *fdt, int off,
				       const char *prop, u64 *val)
{
	const void *p;
	int len;

	p = fdt_getprop(fdt, off, prop, &len);
	if (!p || len != sizeof(u64))
		return false;
	*val = get_unaligned((const u64 *)p);
	return true;
}

/* A region node's start and size: both 8 bytes, a non-empty range */
static bool __init reserve_mem_kho_node(const void *fdt, int off, u64 *start,
					u64 *size)
{
	return reserve_mem_kho_u64(fdt, off, RESERVE_MEM_KHO_NODE_START, start) &&
	       reserve_mem_kho_u64(fdt, off, RESERVE_MEM_KHO_NODE_SIZE, size) &&
	       *size && *start + *size > *start;
}

/**
 * reserve_mem_kho_adopt - take over the previous kernel's reserve_mem= region
 * @name:  the region's name
 * @size:  the size this kernel's reserve_mem= asks for
 * @align: the alignment it asks for
 * @start: set to the region's start if it is adopted
 *
 * Called by reserve_mem= before it allocates.  After a Kexec HandOver whose
 * memblock subtree has a region @name of @size bytes at a start aligned to
 * @align, made of preserved memory, that range becomes this kernel's region:
 * it is reserved already, and stays so for good.  Otherwise says why in one
 * line (nothing when there was no handover or no subtree), and the caller
 * allocates fresh memory; a late initcall gives the old range back to the
 * page allocator, folio by folio as far as the handover preserved it.
 *
 * Context: Early boot, while command-line parameters are parsed, before
 * mm_core_init().
 * Return: 0 with *@start set if the region was adopted, else -ENOENT.
 */
int __init reserve_mem_kho_adopt(const char *name, phys_addr_t size,
				 phys_addr_t align, phys_addr_t *start)
{
	const void *fdt = reserve_mem_kho_fdt_early();
	const char *compat, *why;
	phys_addr_t base, size_pages;
	u64 pstart, psize;
	int off, err, len;

	if (!fdt)
		return -ENOENT;
	off = fdt_subnode_offset(fdt, 0, name);
	if (off < 0) {
		pr_info("%s: the previous kernel had no such region; fresh memory\n",
			name);
		return -ENOENT;
	}
	compat = fdt_getprop(fdt, off, "compatible", &len);
	why = kho_abi_check(&reserve_mem_kho_abi, "its node", compat, len,
			    reserve_mem_kho_why, sizeof(reserve_mem_kho_why));
	if (why) {
		pr_err("%s: ignoring the previous kernel's region: %s; fresh memory\n",
		       name, why);
		return -ENOENT;
	}
	if (!reserve_mem_kho_node(fdt, off, &pstart, &psize)) {
		pr_err("%s: the previous kernel's description is not valid; fresh memory\n",
		       name);
		return -ENOENT;
	}
	if (psize != size || !IS_ALIGNED(pstart, align)) {
		pr_info("%s: the previous kernel's region is %llu bytes at %#llx, this kernel asks for %pa bytes aligned to %pa; fresh memory, the old range is released after boot\n",
			name, psize, pstart, &size, &align);
		return -ENOENT;
	}
	reserve_mem_kho_pages(pstart, psize, &base, &size_pages);
	err = kho_claim_early(base, size_pages);
	if (err) {
		pr_err("%s: the previous kernel's region at %#llx is not preserved memory of its own (%d); fresh memory\n",
		       name, pstart, err);
		return -ENOENT;
	}
	if (reserve_mem_kho_nr_kept < ARRAY_SIZE(reserve_mem_kho_kept))
		reserve_mem_kho_kept[reserve_mem_kho_nr_kept++] = pstart;
	*start = pstart;
	pr_info("%s: kept %llu bytes at %pa from the previous kernel\n", name,
		(u64)size, start);
	return 0;
}

static bool __init reserve_mem_kho_was_kept(u64 start)
{
	unsigned int i;

	for (i = 0; i < reserve_mem_kho_nr_kept; i++)
		if (reserve_mem_kho_kept[i] == start)
			return true;
	return false;
}

/*
 * Give the pages of [@base, @base + @len) to the page allocator, folio by
 * folio as the previous kernel preserved them: kho_restore_folio() takes
 * only folios of the handover, whatever the subtree says.
 */
static u64 __init reserve_mem_kho_free(phys_addr_t base, phys_addr_t len)
{
	phys_addr_t phys = base;

	while (phys < base + len) {
		struct folio *folio = kho_restore_folio(phys);

		if (!folio)
			break;
		phys += folio_size(folio);
		folio_put(folio);
	}
	return phys - base;
}

/*
 * Once struct pages are up: release the previous kernel's regions that no
 * reserve_mem= of this kernel adopted, and the page of the subtree itself,
 * which is read only once restored (so known to be preserved memory).
 */
static void __init reserve_mem_kho_release(void)
{
	phys_addr_t phys, base, len;
	struct folio *folio;
	u64 start, size;
	const void *fdt;
	int off;

	if (kho_retrieve_subtree(MEMBLOCK_KHO_FDT, &phys))
		return;
	folio = PAGE_ALIGNED(phys) ? kho_restore_folio(phys) : NULL;
	if (!folio)
		return;
	fdt = folio_address(folio);
	if (folio_order(folio) || reserve_mem_kho_tree_ok(fdt))
		goto out;
	fdt_for_each_subnode(off, fdt, 0) {
		if (!reserve_mem_kho_node(fdt, off, &start, &size) ||
		    reserve_mem_kho_was_kept(start))
			continue;
		reserve_mem_kho_pages(start, size, &base, &len);
		pr_info("%s: no reserve_mem= took the previous kernel's region; %llu of its %pa bytes go back to the page allocator\n",
			fdt_get_name(fdt, off, NULL),
			reserve_mem_kho_free(base, len), &len);
	}
out:
	folio_put(folio);
}

/* ---- both -------------------------------------------------------------- */

static int __init reserve_mem_kho_init(void)
{
	const char *name;
	phys_addr_t start, size;
	int err;

	WARN_ON(kho_abi_register(&memblock_kho_abi));
	WARN_ON(kho_abi_register(&reserve_mem_kho_abi));
	if (!kho_is_enabled())
		return 0;
	reserve_mem_kho_release();
	if (!reserve_mem_get(0, &name, &start, &size))
		return 0;
	reserve_mem_kho.fdt = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!reserve_mem_kho.fdt)
		return -ENOMEM;
	err = register_kho_notifier(&reserve_mem_kho_nb);
	if (err) {
		folio_put(reserve_mem_kho.fdt);
		pr_err("cannot hand reserve_mem= regions over (%d)\n", err);
	}
	return err;
}
late_initcall(reserve_mem_kho_init);
