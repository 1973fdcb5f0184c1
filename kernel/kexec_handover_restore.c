// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO), incoming side: give the memory that the previous
 * kernel preserved back to its users.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/pgalloc_tag.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#include "../mm/internal.h"
#include "kexec_handover_internal.h"

/**
 * DOC: Restoring preserved memory
 *
 * The previous kernel's memory map records its preserved folios in
 * page-sized bitmaps, one per %KHO_BITMAP_BITS folios of one order.  Boot
 * checks the map and reserves every run of folios it describes
 * (kexec_handover_scratch.c); then it keeps the bitmaps themselves as the
 * record of what is still to be restored.  An index holds, for every order
 * and every stretch of memory that one bitmap of that order covers, that
 * bitmap or nothing.  Boot so does work in proportion to the map, not to
 * the number of folios, and never writes a struct page of preserved memory.
 *
 * Restoring a folio looks its bit up in the index, one lookup for each
 * order its address is aligned to, and clears it atomically: a folio is
 * restored only where one was preserved, and only once.  The struct pages
 * of preserved memory are those of reserved memory, which
 * memblock_free_all() initialised whether or not struct page init is
 * deferred; restore turns them into a folio of the order its bitmap gives.
 * A bitmap whose last folio is restored is freed after an RCU grace period,
 * and lookups run under rcu_read_lock().  The index itself, 16 bytes for
 * every bitmap that the physical address space up to the end of RAM could
 * need (about 256 KiB per TiB), stays for the life of the boot.
 */

/**
 * struct kho_in_bitmap - one slot of the index of incoming bitmaps
 * @bits: the bitmap, in the previous kernel's page; NULL if the map had none
 *        here or all its folios are restored
 * @left: set bits left in @bits
 */
struct kho_in_bitmap {
	unsigned long __rcu *bits;
	atomic_t left;
};

static struct kho_in_bitmap *kho_in_index[NR_PAGE_ORDERS] __ro_after_init;
static unsigned long kho_in_index_len[NR_PAGE_ORDERS] __ro_after_init;
static atomic_long_t kho_in_folios;	/* preserved, not yet restored */
static atomic_long_t kho_in_pages;

/**
 * kho_in_index_alloc - allocate the index of the incoming bitmaps
 * @end_pfn: end of memory: no preserved folio starts at or above it
 *
 * Context: Early boot, before memblock_free_all().
 * Return: 0, or -ENOMEM.
 */
int __init kho_in_index_alloc(unsigned long end_pfn)
{
	struct kho_in_bitmap *slots;
	unsigned long total = 0;
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		unsigned long folios = DIV_ROUND_UP(end_pfn, 1UL << order);

		kho_in_index_len[order] = DIV_ROUND_UP(folios, KHO_BITMAP_BITS);
		total += kho_in_index_len[order];
	}
	slots = memblock_alloc(total * sizeof(*slots), SMP_CACHE_BYTES);
	if (!slots)
		return -ENOMEM;
	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		kho_in_index[order] = slots;
		slots += kho_in_index_len[order];
	}
	return 0;
}

/*
 * The slot that holds the folio of @order at @pfn, and its bit in *@bit;
 * NULL if no preserved folio can be there.
 */
static struct kho_in_bitmap *kho_in_slot(unsigned long pfn,
					 unsigned int order,
					 unsigned long *bit)
{
	unsigned long i = pfn >> order;

	if (order >= NR_PAGE_ORDERS || !kho_in_index[order] ||
	    !IS_ALIGNED(pfn, 1UL << order) ||
	    i / KHO_BITMAP_BITS >= kho_in_index_len[order])
		return NULL;
	*bit = i % KHO_BITMAP_BITS;
	return &kho_in_index[order][i / KHO_BITMAP_BITS];
}

/**
 * kho_in_index_add - record one incoming bitmap in the index
 * @order: order of its folios
 * @start: physical address of the first page it covers
 * @bits:  the bitmap, a page of the previous kernel that boot reserved
 * @folios: the number of bits set in @bits, which the caller counted as it
 *         checked the bitmap
 *
 * The index keeps the page while folios in it are still to be restored.
 * kho_claim_map() proved the folios of all bitmaps apart, so a second
 * bitmap for the same memory and order is merged into the first.  A page
 * the index does not keep (empty, or merged) is the caller's to free once
 * the whole map is indexed; kho_in_index_has() tells which.
 *
 * Context: Early boot, single threaded, before memblock_free_all().
 */
void __init kho_in_index_add(unsigned int order, phys_addr_t start,
			     unsigned long *bits, unsigned int folios)
{
	struct kho_in_bitmap *b;
	unsigned long *kept;
	unsigned long bit;

	if (!folios)
		return;
	b = kho_in_slot(PHYS_PFN(start), order, &bit);
	/* kho_check_map() accepted only folios below the end of RAM */
	if (WARN_ON_ONCE(!b))
		return;
	/* Boot is single threaded here: nobody reads the index yet */
	kept = rcu_dereference_protected(b->bits, true);
	if (kept)
		bitmap_or(kept, kept, bits, KHO_BITMAP_BITS);
	else
		rcu_assign_pointer(b->bits, bits);
	atomic_add(folios, &b->left);
	atomic_long_add(folios, &kho_in_folios);
	atomic_long_add((unsigned long)folios << order, &kho_in_pages);
}

/**
 * kho_in_index_has - whether the index keeps a bitmap page
 * @order: order of its folios
 * @start: physical address of the first page it covers
 * @bits:  the bitmap page
 *
 * Context: Early boot, single threaded, after kho_in_index_add() saw the
 * whole map.
 * Return: true if @bits is the index's record for @order at @start.
 */
bool __init kho_in_index_has(unsigned int order, phys_addr_t start,
			     const void *bits)
{
	struct kho_in_bitmap *b;
	unsigned long bit;

	b = kho_in_slot(PHYS_PFN(start), order, &bit);
	return b && rcu_dereference_protected(b->bits, true) == bits;
}

/**
 * kho_in_unindexed - count preserved memory that cannot be restored
 * @folios: folios
 * @pages:  pages they hold
 *
 * For a boot that reserved the preserved memory but has no index for it:
 * the memory stays reserved for good, and kho/in/unrestored says so.
 *
 * Context: Early boot.
 */
void __init kho_in_unindexed(unsigned long folios, unsigned long pages)
{
	atomic_long_add(folios, &kho_in_folios);
	atomic_long_add(pages, &kho_in_pages);
}

/* Under rcu_read_lock(): is the folio of @order at @pfn still to restore? */
static bool kho_in_test(unsigned long pfn, unsigned int order)
{
	struct kho_in_bitmap *b;
	unsigned long bit;
	unsigned long *bits;

	b = kho_in_slot(pfn, order, &bit);
	if (!b)
		return false;
	bits = rcu_dereference(b->bits);
	return bits && test_bit(bit, bits);
}

static void kho_in_bitmap_free(struct rcu_head *head)
{
	free_reserved_page(container_of(head, struct page, rcu_head));
}

/*
 * Take the folio of @order at @pfn: clear its bit, and free its bitmap once
 * the bitmap is empty.  False if no such folio is still to be restored.
 */
static bool kho_in_take(unsigned long pfn, unsigned int order)
{
	struct kho_in_bitmap *b;
	unsigned long *bits;
	unsigned long bit;
	bool taken = false;

	b = kho_in_slot(pfn, order, &bit);
	if (!b)
		return false;
	rcu_read_lock();
	bits = rcu_dereference(b->bits);
	if (bits && test_and_clear_bit(bit, bits)) {
		taken = true;
		if (atomic_dec_and_test(&b->left)) {
			RCU_INIT_POINTER(b->bits, NULL);
			call_rcu(&virt_to_page(bits)->rcu_head,
				 kho_in_bitmap_free);
		}
	}
	rcu_read_unlock();
	return taken;
}

/**
 * kho_preserved_folio - find the preserved folio that covers a page
 * @pfn:  the page
 * @head: set to the first page of the folio
 *
 * Context: Any context.
 * Return: the folio's order, or -1 if no preserved folio that is still to
 * be restored covers @pfn.
 */
int kho_preserved_folio(unsigned long pfn, unsigned long *head)
{
	unsigned int order;
	int ret = -1;

	rcu_read_lock();
	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		unsigned long h = ALIGN_DOWN(pfn, 1UL << order);

		if (kho_in_test(h, order)) {
			*head = h;
			ret = order;
			break;
		}
	}
	rcu_read_unlock();
	return ret;
}

/* Order of the preserved folio that starts at @pfn, or -1 */
static int kho_in_order(unsigned long pfn)
{
	unsigned int order;
	int ret = -1;

	rcu_read_lock();
	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		if (!IS_ALIGNED(pfn, 1UL << order))
			break;
		if (kho_in_test(pfn, order)) {
			ret = order;
			break;
		}
	}
	rcu_read_unlock();
	return ret;
}

/*
 * Give the pages of a preserved folio back to the kernel, as one folio of
 * @order or, unless @compound, as 1 << @order independent pages, each with
 * a reference count of 1.  As free_reserved_page() does for pages it frees,
 * each allocation is marked as having no allocation tag (it was never
 * allocated here), and the pages count as managed again.
 */
void kho_restore_pages(struct page *page, unsigned int order,
		       bool compound)
{
	unsigned long i, nr = 1UL << order;

	for (i = 0; i < nr; i++) {
		if (!i || !compound)
			clear_page_tag_ref(page + i);
		ClearPageReserved(page + i);
		if (i)
			set_page_count(page + i, compound ? 0 : 1);
	}
	if (order && compound)
		prep_compound_page(page, order);
	adjust_managed_page_count(page, nr);
	atomic_long_dec(&kho_in_folios);
	atomic_long_sub(nr, &kho_in_pages);
}

/*
 * Take the preserved folio at @phys, of @order or, if @order is negative,
 * of whatever order it has (returned in *@order).  NULL if there is none
 * still to be restored, or someone else took it first.
 */
struct page *kho_take_folio(phys_addr_t phys, int *order)
{
	unsigned long pfn = PHYS_PFN(phys);
	struct page *page;
	int o;

	if (!kho_is_enabled() || !PAGE_ALIGNED(phys))
		return NULL;
	page = pfn_to_online_page(pfn);
	o = *order >= 0 ? *order : kho_in_order(pfn);
	if (!page || o < 0)
		return NULL;
	/* Preserved memory stays reserved until restored; anything else is a bug */
	if (WARN_ON_ONCE(!PageReserved(page) && kho_in_order(pfn) == o))
		return NULL;
	if (!kho_in_take(pfn, o))
		return NULL;
	*order = o;
	return page;
}

/**
 * kho_restore_folio() - take back a folio preserved by the previous kernel
 * @phys: physical address of the folio
 *
 * The folio comes back with the order it was preserved with and a
 * reference count of 1; it is the caller's, to use and to free with
 * folio_put().  A folio can be restored once.  It is not charged to any
 * memory cgroup: a caller that puts it in a cgroup's page cache or address
 * space charges it there (mem_cgroup_charge()), as for any page it
 * allocates.
 *
 * Context: Process context.
 * Return: the folio, or NULL (with a warning) if no folio was preserved at
 * @phys or it was already restored.
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	int order = -1;
	struct page *page = kho_take_folio(phys, &order);

	if (!page) {
		if (kho_is_enabled())
			pr_warn("no preserved folio at %pa to restore (never preserved, or already restored)\n",
				&phys);
		return NULL;
	}
	kho_restore_pages(page, order, true);
	return page_folio(page);
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/*
 * Whether [@pfn, @end) is made of whole preserved folios that are still to
 * be restored; looks without taking them.
 */
static bool kho_range_preserved(unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		int order = kho_in_order(pfn);

		if (order < 0 || pfn + (1UL << order) > end)
			return false;
		pfn += 1UL << order;
	}
	return true;
}

/* Free the folios a failed kho_restore_phys() restored, [@pfn, @end) */
static void kho_restore_phys_undo(unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		struct folio *folio = pfn_folio(pfn);

		pfn += folio_nr_pages(folio);
		folio_put(folio);
	}
}

/**
 * kho_restore_phys() - take back a range preserved by the previous kernel
 * @phys: physical start of a range passed to kho_preserve_phys()
 * @size: its size
 *
 * Restores every folio the range was recorded as.  The pages become
 * folios of the caller, each of the order it was preserved with and with a
 * reference count of 1, like those of kho_restore_folio() (and as those
 * charged to no memory cgroup).
 * The range is checked first: if it is not made of whole preserved folios
 * (it wraps, ends inside a folio, or covers memory that was not preserved
 * or was already restored), nothing is taken and every folio stays
 * restorable.
 *
 * Context: Process context.
 * Return: the range's address in the direct map, or NULL (with a warning)
 * if the range is not made of whole folios still to be restored.  Only a
 * concurrent restore of the same memory can make it fail half way; the
 * folios it restored before that are freed again.
 */
void *kho_restore_phys(phys_addr_t phys, size_t size)
{
	unsigned long pfn = PHYS_PFN(phys), end = PHYS_PFN(phys + size);

	if (!kho_is_enabled() || !size || !PAGE_ALIGNED(phys) ||
	    !PAGE_ALIGNED(size) || phys + size < phys)
		return NULL;
	if (!kho_range_preserved(pfn, end)) {
		pr_warn("cannot restore [mem %pa+%zx]: it is not made of whole preserved folios still to be restored\n",
			&phys, size);
		return NULL;
	}
	while (pfn < end) {
		int order = -1;
		struct page *page = kho_take_folio(PFN_PHYS(pfn), &order);

		if (!page || pfn + (1UL << order) > end) {
			pr_warn("cannot restore [mem %pa+%zx]: pfn %#lx was not preserved or was already restored\n",
				&phys, size, pfn);
			if (page)
				kho_restore_pages(page, order, true);
			kho_restore_phys_undo(PHYS_PFN(phys),
					      page ? pfn + (1UL << order) : pfn);
			return NULL;
		}
		kho_restore_pages(page, order, true);
		pfn += 1UL << order;
	}
	return phys_to_virt(phys);
}
EXPORT_SYMBOL_GPL(kho_restore_phys);

/* debugfs kho/in/unrestored */
int kho_unrestored_show(struct seq_file *m, void *v)
{
	seq_printf(m, "folios %ld\nbytes %ld\n",
		   atomic_long_read(&kho_in_folios),
		   atomic_long_read(&kho_in_pages) << PAGE_SHIFT);
	return 0;
}

static int __init kho_report_unrestored(void)
{
	long folios = atomic_long_read(&kho_in_folios);

	if (folios)
		pr_info("%ld preserved folios (%ld KiB) not restored by the end of boot; they stay reserved until restored\n",
			folios,
			atomic_long_read(&kho_in_pages) << (PAGE_SHIFT - 10));
	return 0;
}
late_initcall_sync(kho_report_unrestored);

/* ---- incoming subtrees ------------------------------------------------ */

static phys_addr_t kho_in_fdt __ro_after_init;

void __init kho_in_set_fdt(phys_addr_t fdt_phys)
{
	kho_in_fdt = fdt_phys;
}

/**
 * struct kho_in_subtree - copy of a handed-over subsystem FDT, for debugfs
 * @list: entry in kho_in_subtrees
 * @blob: the copy
 * @name: the subsystem's name
 */
struct kho_in_subtree {
	struct list_head list;
	struct debugfs_blob_wrapper blob;
	char name[];
};

static LIST_HEAD(kho_in_subtrees);

/*
 * A subsystem FDT lies in a preserved folio and is its owner's to restore
 * and free, so debugfs shows a copy taken before any owner can run.  A
 * child whose FDT does not lie whole in one preserved folio, or is not an
 * FDT, is only named in the log.
 */
static void __init kho_in_copy_subtree(const void *fdt, int off)
{
	const char *name = fdt_get_name(fdt, off, NULL);
	unsigned long head, end;
	struct kho_in_subtree *sub;
	const void *blob;
	const u64 *prop;
	phys_addr_t phys;
	int order, len;

	prop = fdt_getprop(fdt, off, KHO_FDT_SUB_TREE_PROP_NAME, &len);
	if (!name || !prop || len != sizeof(*prop))
		goto bad;
	phys = get_unaligned(prop);
	order = kho_preserved_folio(PHYS_PFN(phys), &head);
	if (order < 0 || !IS_ALIGNED(phys, sizeof(u64)))
		goto bad;
	end = PFN_PHYS(head + (1UL << order));
	blob = phys_to_virt(phys);
	if (end - phys < sizeof(struct fdt_header) || fdt_check_header(blob) ||
	    fdt_totalsize(blob) > end - phys)
		goto bad;

	len = strlen(name) + 1;
	sub = kzalloc(struct_size(sub, name, len), GFP_KERNEL);
	if (!sub)
		return;
	sub->blob.data = kmemdup(blob, fdt_totalsize(blob), GFP_KERNEL);
	if (!sub->blob.data) {
		kfree(sub);
		return;
	}
	sub->blob.size = fdt_totalsize(blob);
	strscpy(sub->name, name, len);
	list_add_tail(&sub->list, &kho_in_subtrees);
	return;
bad:
	pr_warn("handed-over subtree '%s' has no valid FDT in preserved memory; not shown in debugfs\n",
		name ? name : "?");
}

/*
 * Copy the subsystem FDTs for debugfs, and take the root FDT, which the
 * previous kernel preserved like any folio, for good: it is read by
 * kho_retrieve_subtree() and shown in debugfs for the whole uptime.  An
 * early initcall like kho_init(), which runs first: kexec_handover.o is
 * linked before this file.
 */
static int __init kho_in_init(void)
{
	unsigned long head;
	const void *fdt;
	int off;

	if (!kho_enable || !kho_in_fdt)
		return 0;
	if (!kho_preserved_folio(PHYS_PFN(kho_in_fdt), &head) &&
	    head == PHYS_PFN(kho_in_fdt))
		kho_restore_folio(kho_in_fdt);
	fdt = phys_to_virt(kho_in_fdt);
	fdt_for_each_subnode(off, fdt, 0)
		kho_in_copy_subtree(fdt, off);
	return 0;
}
early_initcall(kho_in_init);

/**
 * kho_retrieve_subtree() - find a subtree handed over by the previous kernel
 * @name: subsystem name given to kho_add_subtree()
 * @phys: set to the physical address of the subsystem's FDT
 *
 * The subsystem's FDT stays reserved; it is the subsystem's to read, and to
 * restore with kho_restore_folio() if it wants the memory back.
 *
 * Context: Any context.
 * Return: 0 with *@phys set; -EOPNOTSUPP if KHO is disabled, -ENOENT if
 * there was no handover or it has no such subtree, -EINVAL if the subtree
 * has no valid "fdt" property.
 */
int kho_retrieve_subtree(const char *name, phys_addr_t *phys)
{
	const void *fdt;
	const u64 *val;
	int off, len;

	if (!kho_enable)
		return -EOPNOTSUPP;
	if (!kho_in_fdt)
		return -ENOENT;
	fdt = phys_to_virt(kho_in_fdt);
	off = fdt_subnode_offset(fdt, 0, name);
	if (off < 0)
		return -ENOENT;
	val = fdt_getprop(fdt, off, KHO_FDT_SUB_TREE_PROP_NAME, &len);
	if (!val || len != sizeof(*val))
		return -EINVAL;
	*phys = get_unaligned(val);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_retrieve_subtree);

DEFINE_SHOW_ATTRIBUTE(kho_unrestored);

/*
 * kho/in/ on a boot that received a handover: fdt, sub_fdts/<name>, and
 * unrestored, what is still preserved and not yet restored.
 */
void __init kho_debugfs_in(struct dentry *root)
{
	static struct debugfs_blob_wrapper fdt_blob;
	struct kho_in_subtree *sub;
	struct dentry *in, *subs;

	if (!kho_in_fdt)
		return;
	in = debugfs_create_dir("in", root);
	subs = debugfs_create_dir("sub_fdts", in);
	fdt_blob.data = phys_to_virt(kho_in_fdt);
	fdt_blob.size = fdt_totalsize(fdt_blob.data);
	debugfs_create_blob("fdt", 0400, in, &fdt_blob);
	list_for_each_entry(sub, &kho_in_subtrees, list)
		debugfs_create_blob(sub->name, 0400, subs, &sub->blob);
	debugfs_create_file("unrestored", 0400, in, NULL,
			    &kho_unrestored_fops);
}
