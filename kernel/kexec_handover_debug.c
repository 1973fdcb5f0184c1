// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO) debug checks, built with CONFIG_KEXEC_HANDOVER_DEBUG:
 * after a KHO kexec, no early allocation lands outside scratch.  Each
 * violation is reported with the offending range.
 *
 * It also lets a test corrupt the outgoing handover on purpose (debugfs
 * kho/out/fault), to show that the next kernel refuses it, says why, and
 * boots without KHO.
 */

#define pr_fmt(fmt) "KHO: debug: " fmt

#include <linux/debugfs.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>

#include "kexec_handover_internal.h"

/* memblock.reserved when scratch-only mode began */
#define KHO_DEBUG_SNAPSHOT	128
static struct {
	phys_addr_t base, end;
} kho_snapshot[KHO_DEBUG_SNAPSHOT] __initdata;
static unsigned int kho_snapshot_cnt __initdata;
static bool kho_snapshot_ok __initdata;

/**
 * kho_debug_scratch_only_begin - remember what was reserved before
 *
 * Called when scratch-only allocation starts after a KHO kexec.
 */
void __init kho_debug_scratch_only_begin(void)
{
	struct memblock_region *r;

	kho_snapshot_cnt = 0;
	kho_snapshot_ok = true;
	for_each_reserved_mem_region(r) {
		if (kho_snapshot_cnt == KHO_DEBUG_SNAPSHOT) {
			pr_warn("more than %d reserved regions; early allocations are not checked\n",
				KHO_DEBUG_SNAPSHOT);
			kho_snapshot_ok = false;
			return;
		}
		kho_snapshot[kho_snapshot_cnt].base = r->base;
		kho_snapshot[kho_snapshot_cnt].end = r->base + r->size;
		kho_snapshot_cnt++;
	}
}

static unsigned int __init kho_check_new(phys_addr_t base, phys_addr_t end)
{
	if (base >= end || memblock_is_kho_scratch_memory(base, end - base))
		return 0;
	end--;
	pr_err("early allocation [mem %pa-%pa] landed outside scratch\n",
	       &base, &end);
	return 1;
}

/**
 * kho_debug_scratch_only_end - check allocations made in scratch-only mode
 *
 * Called before scratch-only allocation ends.  Every range reserved since
 * kho_debug_scratch_only_begin() must lie inside scratch.
 */
void __init kho_debug_scratch_only_end(void)
{
	unsigned int i, bad = 0, checked = 0;
	struct memblock_region *r;

	if (!kho_snapshot_ok)
		return;
	/* Both lists are sorted: walk each region past the old reservations */
	for_each_reserved_mem_region(r) {
		phys_addr_t pos = r->base, end = r->base + r->size;

		for (i = 0; i < kho_snapshot_cnt && pos < end; i++) {
			if (kho_snapshot[i].end <= pos ||
			    kho_snapshot[i].base >= end)
				continue;
			if (kho_snapshot[i].base > pos) {
				bad += kho_check_new(pos, kho_snapshot[i].base);
				checked++;
			}
			pos = max(pos, kho_snapshot[i].end);
		}
		if (pos < end) {
			bad += kho_check_new(pos, end);
			checked++;
		}
	}
	if (!bad)
		pr_info("%u early allocation ranges checked, all inside scratch\n",
			checked);
}

/* Check a freshly written map against the tracker it came from. */
void kho_mem_map_check(struct kho_mem_track *track,
		       struct kho_mem_chunk *first)
{
	struct kho_mem_chunk *chunk;
	unsigned long bitmaps = 0, entries = kho_map_bitmaps(first), index;
	unsigned long *bitmap;
	unsigned int order, i;

	for (chunk = first; chunk; chunk = chunk->hdr.next_phys ?
	     phys_to_virt(chunk->hdr.next_phys) : NULL) {
		WARN_ON(chunk->hdr.order > MAX_PAGE_ORDER);
		WARN_ON(chunk->hdr.num_elms > KHO_MEM_CHUNK_ENTRIES);
		for (i = 0; i < chunk->hdr.num_elms; i++) {
			struct kho_mem_bitmap_entry *e = &chunk->entries[i];

			WARN_ON(!PAGE_ALIGNED(e->bitmap_phys));
			WARN_ON(PHYS_PFN(e->phys_start) %
				(KHO_BITMAP_BITS << chunk->hdr.order));
		}
	}
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		xa_for_each(&track->orders[order], index, bitmap)
			bitmaps++;
	WARN(entries != bitmaps, "memory map has %lu entries for %lu bitmaps\n",
	     entries, bitmaps);
}

/* ---- fault injection ----------------------------------------------------- */

enum kho_fault {
	KHO_FAULT_NONE,
	KHO_FAULT_FDT_MAGIC,		/* FDT header with a bad magic */
	KHO_FAULT_COMPATIBLE,		/* root not compatible with kho-v1 */
	KHO_FAULT_CHUNK_LOOP,		/* first chunk points to itself */
	KHO_FAULT_BITMAP_OUTSIDE_RAM,	/* a bitmap address beyond RAM */
	KHO_FAULT_FOLIO_IN_SCRATCH,	/* a preserved folio inside scratch */
	KHO_FAULT_SCRATCH_TRUNCATED,	/* scratch list size cut short */
	KHO_FAULT_LOAD_ERROR,		/* the load fails once it carries KHO */
	KHO_FAULT_SCRATCH_UNALIGNED,	/* a scratch region not page aligned */
	KHO_FAULT_SCRATCH_COVERS_FDT,	/* a scratch region over the FDT */
	KHO_FAULT_MEMBLOCK_UNPRESERVED,	/* memblock subtree not preserved */
	KHO_FAULT_VERSION,		/* root of the next, unknown version */
};

static const char * const kho_fault_names[] = {
	"none", "fdt_magic", "compatible", "chunk_loop", "bitmap_outside_ram",
	"folio_in_scratch", "scratch_truncated", "load_error",
	"scratch_unaligned", "scratch_covers_fdt", "memblock_unpreserved",
	"version",
};

static enum kho_fault kho_fault;

/* A corrupted copy of the FDT, so that this kernel's own stays valid */
static void *kho_fault_fdt_copy(const void *fdt)
{
	void *copy = (void *)get_zeroed_page(GFP_KERNEL);

	if (copy)
		memcpy(copy, fdt, PAGE_SIZE);
	return copy;
}

/*
 * Point the handover at a copy of the scratch list whose first region is
 * moved off a page boundary, or made to cover the FDT
 */
static int kho_fault_scratch_copy(struct kho_handover *h)
{
	struct kho_scratch_entry *copy;

	if (h->scratch_len > PAGE_SIZE)
		return -E2BIG;
	copy = (void *)get_zeroed_page(GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, phys_to_virt(h->scratch_phys), h->scratch_len);
	if (kho_fault == KHO_FAULT_SCRATCH_UNALIGNED) {
		copy[0].addr += SZ_512;
	} else {
		copy[0].addr = ALIGN_DOWN(h->fdt_phys, PAGE_SIZE);
		copy[0].size = PAGE_SIZE;
	}
	h->scratch_phys = virt_to_phys(copy);
	return 0;
}

/*
 * Point the handover at a copy of the FDT whose memblock subtree is a copy,
 * in memory that is not preserved
 */
static int kho_fault_subtree_copy(struct kho_out *out, struct kho_handover *h)
{
	void *fdt = kho_fault_fdt_copy(out->fdt), *copy;
	const u64 *prop;
	int off, len;
	u64 phys;

	if (!fdt)
		return -ENOMEM;
	off = fdt_subnode_offset(fdt, 0, "memblock");
	prop = off < 0 ? NULL : fdt_getprop(fdt, off, "fdt", &len);
	copy = (void *)get_zeroed_page(GFP_KERNEL);
	if (!prop || len != sizeof(*prop) || !copy) {
		free_page((unsigned long)copy);
		free_page((unsigned long)fdt);
		return prop ? -ENOMEM : -ENOENT;
	}
	memcpy(copy, phys_to_virt(get_unaligned(prop)), PAGE_SIZE);
	phys = virt_to_phys(copy);
	h->fdt_phys = virt_to_phys(fdt);
	return fdt_setprop_inplace(fdt, off, "fdt", &phys, sizeof(phys));
}

/*
 * Write the root of @fdt as the next version, which no kernel of this
 * series reads: "kho-v2" while this kernel writes "kho-v1"
 */
static int kho_fault_version(void *fdt)
{
	char compat[16];

	snprintf(compat, sizeof(compat), "%s-v%u", KHO_FDT_FAMILY,
		 KHO_FDT_VERSION + 1);
	return fdt_open_into(fdt, fdt, PAGE_SIZE) ?:
	       fdt_setprop_string(fdt, 0, "compatible", compat);
}

/* Replace the first bitmap by one that preserves the first scratch folio */
static int kho_fault_folio_in_scratch(struct kho_mem_chunk *first)
{
	const struct kho_scratch_entry *scratch;
	unsigned int order = first->hdr.order, nr;
	phys_addr_t span = PFN_PHYS(KHO_BITMAP_BITS) << order, start;
	unsigned long *bitmap;

	scratch = kho_scratch_ranges(&nr);
	bitmap = (unsigned long *)get_zeroed_page(GFP_KERNEL);
	if (!nr || !bitmap)
		return -ENOMEM;
	start = ALIGN_DOWN(scratch[nr - 1].addr, span);
	set_bit(PHYS_PFN(scratch[nr - 1].addr - start) >> order, bitmap);
	first->entries[0].phys_start = start;
	first->entries[0].bitmap_phys = virt_to_phys(bitmap);
	return 0;
}

/*
 * Point the handover at a copy of the FDT whose memory map starts with a
 * copy of the first chunk, and return that copy to be corrupted: this
 * kernel's own map stays intact, so an abort frees it as usual.
 */
static struct kho_mem_chunk *kho_fault_map_copy(struct kho_out *out,
						struct kho_handover *h)
{
	struct kho_mem_chunk *chunk;
	void *fdt;
	u64 map;

	fdt = kho_fault_fdt_copy(out->fdt);
	chunk = (void *)get_zeroed_page(GFP_KERNEL);
	if (!fdt || !chunk)
		goto err;
	memcpy(chunk, out->first_chunk, PAGE_SIZE);
	map = virt_to_phys(chunk);
	if (fdt_setprop_inplace(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &map,
				sizeof(map)))
		goto err;
	h->fdt_phys = virt_to_phys(fdt);
	return chunk;
err:
	free_page((unsigned long)chunk);
	free_page((unsigned long)fdt);
	return NULL;
}

/**
 * kho_debug_fault - corrupt the handover a kexec image is about to carry
 * @out: the finalized outgoing state
 * @h:   the handover being loaded
 *
 * Does nothing unless a fault was chosen in debugfs.  The corruption is
 * for testing the next kernel only, and made in copies of the FDT, of the
 * scratch list, of a subtree or of the map's first chunk: this kernel's
 * handover stays valid and can be aborted.  The copies are not freed; they
 * are what the loaded image points the next kernel at.  The fault
 * load_error instead makes the load fail after the image was given the
 * handover.
 *
 * Context: Process context, &kho_out.lock held.
 * Return: -EIO for load_error, else 0.
 */
int kho_debug_fault(struct kho_out *out, struct kho_handover *h)
{
	struct kho_mem_chunk *first;
	void *fdt;
	int err = 0;

	switch (kho_fault) {
	case KHO_FAULT_NONE:
		return 0;
	case KHO_FAULT_LOAD_ERROR:
		pr_warn("fault load_error: failing this kexec load\n");
		return -EIO;
	case KHO_FAULT_FDT_MAGIC:
	case KHO_FAULT_COMPATIBLE:
	case KHO_FAULT_VERSION:
		fdt = kho_fault_fdt_copy(out->fdt);
		if (!fdt) {
			err = -ENOMEM;
			break;
		}
		if (kho_fault == KHO_FAULT_FDT_MAGIC)
			((struct fdt_header *)fdt)->magic = cpu_to_fdt32(0xdeadbeef);
		else if (kho_fault == KHO_FAULT_COMPATIBLE)
			err = fdt_setprop_inplace(fdt, 0, "compatible",
						  "kho-x1", sizeof("kho-x1"));
		else
			err = kho_fault_version(fdt);
		h->fdt_phys = virt_to_phys(fdt);
		break;
	case KHO_FAULT_SCRATCH_TRUNCATED:
		h->scratch_len -= sizeof(u64);
		break;
	case KHO_FAULT_SCRATCH_UNALIGNED:
	case KHO_FAULT_SCRATCH_COVERS_FDT:
		err = kho_fault_scratch_copy(h);
		break;
	case KHO_FAULT_MEMBLOCK_UNPRESERVED:
		err = kho_fault_subtree_copy(out, h);
		break;
	default:
		if (!out->first_chunk) {
			err = -ENOENT;	/* nothing preserved, no map to break */
			break;
		}
		first = kho_fault_map_copy(out, h);
		if (!first) {
			err = -ENOMEM;
			break;
		}
		if (kho_fault == KHO_FAULT_CHUNK_LOOP)
			first->hdr.next_phys = virt_to_phys(first);
		else if (kho_fault == KHO_FAULT_BITMAP_OUTSIDE_RAM)
			first->entries[0].bitmap_phys = PFN_PHYS(max_pfn) + SZ_1G;
		else
			err = kho_fault_folio_in_scratch(first);
	}
	if (err)
		pr_err("cannot inject fault %s (%d)\n", kho_fault_names[kho_fault],
		       err);
	else
		pr_warn("fault %s injected into the outgoing handover\n",
			kho_fault_names[kho_fault]);
	return 0;
}

/**
 * kho_debug_fault_unfinalized - the fault for an image loaded before finalize
 *
 * A corruption needs the finalized handover to copy, so only load_error
 * applies to an image loaded before finalize; any other fault is not
 * injected, and says so.
 *
 * Context: Process context, &kho_out.lock held.
 * Return: -EIO for load_error, else 0.
 */
int kho_debug_fault_unfinalized(void)
{
	if (kho_fault == KHO_FAULT_LOAD_ERROR) {
		pr_warn("fault load_error: failing this kexec load\n");
		return -EIO;
	}
	if (kho_fault != KHO_FAULT_NONE)
		pr_warn("fault %s not injected: it needs a handover finalized before the load\n",
			kho_fault_names[kho_fault]);
	return 0;
}

static ssize_t kho_fault_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	char buf[32];
	int i;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	buf[len] = '\0';
	i = sysfs_match_string(kho_fault_names, buf);
	if (i < 0)
		return i;
	kho_fault = i;
	return len;
}

static int kho_fault_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", kho_fault_names[kho_fault]);
	return 0;
}

static int kho_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, kho_fault_show, NULL);
}

static const struct file_operations kho_fault_fops = {
	.owner = THIS_MODULE,
	.open = kho_fault_open,
	.read = seq_read,
	.write = kho_fault_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * kho_debug_debugfs - add the fault injection file to @dir
 * @dir: the kho/out directory
 *
 * Writing one of none, fdt_magic, compatible, version, chunk_loop,
 * bitmap_outside_ram, folio_in_scratch, scratch_truncated,
 * scratch_unaligned, scratch_covers_fdt or memblock_unpreserved to
 * ``fault`` chooses what the next kexec load corrupts; load_error makes it
 * fail.
 */
void __init kho_debug_debugfs(struct dentry *dir)
{
	debugfs_create_file("fault", 0600, dir, NULL, &kho_fault_fops);
}
