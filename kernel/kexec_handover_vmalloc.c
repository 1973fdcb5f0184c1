// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): preserve a vmalloc() area and map it again in the
 * next kernel.  The area's folios and the chunked list of them
 * (&struct kho_vmalloc_chunk) are preserved like any folio.
 *
 * Uses the outgoing side (kexec_handover.c) and the tracker to preserve,
 * and the restore of single folios (kexec_handover_restore.c) to restore.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kexec_handover_internal.h"

/* ---- outgoing ------------------------------------------------------- */

static unsigned int kho_vm_order(struct vm_struct *vm)
{
#ifdef CONFIG_HAVE_ARCH_HUGE_VMALLOC
	return vm->page_order;
#else
	return 0;
#endif
}

/*
 * Walk a vmalloc page list, unpreserve the folios and the chunks and free the
 * chunks.  Called with the read side of kho_out.rwsem held, not finalized.
 */
static void kho_vmalloc_unwind(struct kho_mem_track *track,
			       struct kho_vmalloc_chunk *chunk,
			       unsigned int order)
{
	struct kho_vmalloc_chunk *next;
	unsigned int i;

	while (chunk) {
		for (i = 0; i < chunk->hdr.num_elms; i++)
			kho_mem_unpreserve(track, PHYS_PFN(chunk->phys[i]),
					   order);
		next = chunk->hdr.next_phys ?
			phys_to_virt(chunk->hdr.next_phys) : NULL;
		kho_mem_unpreserve(track, PHYS_PFN(virt_to_phys(chunk)), 0);
		free_page((unsigned long)chunk);
		chunk = next;
	}
}

static struct kho_vmalloc_chunk *
kho_vmalloc_chunk_new(struct kho_mem_track *track)
{
	struct kho_vmalloc_chunk *chunk;

	chunk = (struct kho_vmalloc_chunk *)get_zeroed_page(GFP_KERNEL);
	if (!chunk)
		return NULL;
	if (kho_mem_preserve(track, PHYS_PFN(virt_to_phys(chunk)), 0) < 0) {
		free_page((unsigned long)chunk);
		return NULL;
	}
	return chunk;
}

/* Preserve the folios of @vm and list them; read side of rwsem held. */
static int kho_vmalloc_record(struct kho_mem_track *track,
			      struct vm_struct *vm, unsigned int order,
			      struct kho_vmalloc_chunk **first)
{
	struct kho_vmalloc_chunk *chunk, *next;
	unsigned int i;
	int ret;

	chunk = kho_vmalloc_chunk_new(track);
	if (!chunk)
		return -ENOMEM;
	*first = chunk;
	for (i = 0; i < vm->nr_pages; i += 1U << order) {
		phys_addr_t phys = page_to_phys(vm->pages[i]);

		if (chunk->hdr.num_elms == KHO_VMALLOC_CHUNK_ENTRIES) {
			next = kho_vmalloc_chunk_new(track);
			if (!next) {
				ret = -ENOMEM;
				goto err_unwind;
			}
			chunk->hdr.next_phys = virt_to_phys(next);
			chunk = next;
		}
		ret = kho_mem_preserve(track, PHYS_PFN(phys), order);
		if (ret < 0)
			goto err_unwind;
		chunk->phys[chunk->hdr.num_elms++] = phys;
	}
	return 0;

err_unwind:
	kho_vmalloc_unwind(track, *first, order);
	return ret;
}

/**
 * kho_out_preserve_vmalloc() - preserve a vmalloc() area in an instance
 * @out:          instance
 * @ptr:          start of the area
 * @preservation: handle to fill in
 *
 * Context: Process context; may sleep.
 * Return: as kho_preserve_vmalloc(), except for -EOPNOTSUPP.
 */
int kho_out_preserve_vmalloc(struct kho_out *out, void *ptr,
			     struct kho_vmalloc *preservation)
{
	struct kho_vmalloc_chunk *first;
	struct vm_struct *vm;
	unsigned int order;
	int ret = -EBUSY;

	/* vmalloc() areas, and areas kho_restore_vmalloc() mapped */
	vm = find_vm_area(ptr);
	if (!vm || vm->addr != ptr ||
	    !(vm->flags & (VM_ALLOC | VM_MAP_PUT_PAGES)) || !vm->pages ||
	    !vm->nr_pages)
		return -EINVAL;
	order = kho_vm_order(vm);
	if ((vm->nr_pages >> order) > U32_MAX)
		return -E2BIG;

	percpu_down_read(&out->rwsem);
	if (!out->finalized)
		ret = kho_vmalloc_record(&out->track, vm, order, &first);
	percpu_up_read(&out->rwsem);
	if (ret)
		return ret;

	preservation->first = virt_to_phys(first);
	preservation->nr_folios = vm->nr_pages >> order;
	preservation->order = order;
	preservation->reserved = 0;
	return 0;
}

/**
 * kho_out_unpreserve_vmalloc() - undo kho_out_preserve_vmalloc()
 * @out:          instance
 * @preservation: handle; cleared on success
 *
 * Context: Process context; may sleep.
 * Return: as kho_unpreserve_vmalloc(), except for -EOPNOTSUPP.
 */
int kho_out_unpreserve_vmalloc(struct kho_out *out,
			       struct kho_vmalloc *preservation)
{
	int ret = 0;

	if (!preservation->first || preservation->reserved ||
	    preservation->order > MAX_PAGE_ORDER)
		return -EINVAL;

	percpu_down_read(&out->rwsem);
	if (out->finalized)
		ret = -EBUSY;
	else
		kho_vmalloc_unwind(&out->track,
				   phys_to_virt(preservation->first),
				   preservation->order);
	percpu_up_read(&out->rwsem);
	if (!ret)
		memset(preservation, 0, sizeof(*preservation));
	return ret;
}

/**
 * kho_preserve_vmalloc() - preserve the pages of a vmalloc() area
 * @ptr:          start of an area returned by vmalloc() and friends, or by
 *                kho_restore_vmalloc()
 * @preservation: handle to fill in, for the caller to hand over
 *
 * Preserves every folio backing the area and a list of their physical
 * addresses (see &struct kho_vmalloc).  The next kernel can map the same
 * memory again with kho_restore_vmalloc().  The area must not be freed
 * before kho_unpreserve_vmalloc() or the kexec.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EOPNOTSUPP if KHO is disabled, -EINVAL if @ptr is
 * not the start of a vmalloc() area, -E2BIG if it has more folios than
 * &kho_vmalloc.nr_folios can count, -EBUSY after finalize, -EEXIST if a
 * page is already preserved with another order, -ENOMEM.  On failure
 * nothing stays preserved.
 */
int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation)
{
	if (!kho_enable)
		return -EOPNOTSUPP;
	return kho_out_preserve_vmalloc(&kho_out, ptr, preservation);
}
EXPORT_SYMBOL_GPL(kho_preserve_vmalloc);

/**
 * kho_unpreserve_vmalloc() - undo kho_preserve_vmalloc()
 * @preservation: handle filled in by kho_preserve_vmalloc(); cleared
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EOPNOTSUPP if KHO is disabled, -EINVAL for an
 * empty or corrupt handle, -EBUSY after finalize.
 */
int kho_unpreserve_vmalloc(struct kho_vmalloc *preservation)
{
	if (!kho_enable)
		return -EOPNOTSUPP;
	return kho_out_unpreserve_vmalloc(&kho_out, preservation);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_vmalloc);

/* ---- incoming ------------------------------------------------------- */

/*
 * Restore the folios listed by one vmalloc chunk into @pages; the count of
 * folios restored so far is in *@done.  False if the chunk is corrupt.
 */
static bool kho_restore_vmalloc_chunk(const struct kho_vmalloc_chunk *chunk,
				      const struct kho_vmalloc *pres,
				      struct page **pages, unsigned int *done)
{
	unsigned int i, j;

	if (chunk->hdr.num_elms > KHO_VMALLOC_CHUNK_ENTRIES ||
	    chunk->hdr.num_elms > pres->nr_folios - *done)
		return false;
	for (i = 0; i < chunk->hdr.num_elms; i++) {
		int order = pres->order;
		struct page *page = kho_take_folio(chunk->phys[i], &order);

		if (!page)
			return false;
		kho_restore_pages(page, order, false);
		for (j = 0; j < 1U << order; j++)
			pages[((unsigned long)*done << order) + j] = page + j;
		(*done)++;
	}
	return true;
}

/**
 * kho_restore_vmalloc() - map a vmalloc area preserved by the previous kernel
 * @preservation: handle written by kho_preserve_vmalloc() and handed over
 *
 * Restores every page of the area and maps them, in their original order,
 * at a new virtual address.  The caller owns the area and frees it with
 * vfree(), which also frees the pages.  The page list the previous kernel
 * wrote is freed.  The mapping uses small pages even if the area was
 * mapped with huge pages before.
 *
 * Context: Process context; may sleep.
 * Return: the address of the area, or NULL (with a warning) if the handle
 * is corrupt, a page was not preserved or already restored, or memory ran
 * out.  Pages restored before a failure are freed: the area is lost.
 */
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	struct kho_vmalloc pres = *preservation;
	phys_addr_t phys = pres.first;
	unsigned long i, nr_pages;
	unsigned int done = 0;
	struct page **pages;
	void *addr;
	bool ok;

	if (!kho_is_enabled())
		return NULL;
	nr_pages = (unsigned long)pres.nr_folios << min_t(u16, pres.order,
							  MAX_PAGE_ORDER);
	if (!phys || !pres.nr_folios || pres.reserved ||
	    pres.order > MAX_PAGE_ORDER || nr_pages > totalram_pages()) {
		pr_warn("cannot restore vmalloc area: corrupt handle (first %#llx, %u folios of order %u)\n",
			pres.first, pres.nr_folios, pres.order);
		return NULL;
	}
	pages = kvmalloc_array(nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;

	/* Each chunk is restored before it is read, so a loop cannot recur */
	while (phys && done < pres.nr_folios) {
		struct folio *folio = kho_restore_folio(phys);

		if (!folio)
			break;
		ok = !folio_order(folio) &&
		     kho_restore_vmalloc_chunk(folio_address(folio), &pres,
					       pages, &done);
		phys = ok ? ((struct kho_vmalloc_chunk *)
			     folio_address(folio))->hdr.next_phys : 0;
		folio_put(folio);
		if (!ok)
			break;
	}
	addr = NULL;
	if (done == pres.nr_folios && !phys)
		addr = vmap(pages, nr_pages, VM_MAP | VM_MAP_PUT_PAGES,
			    PAGE_KERNEL);
	if (addr)
		return addr;

	pr_warn("cannot restore vmalloc area at %#llx: %u of %u folios found in its page list%s\n",
		pres.first, done, pres.nr_folios,
		done == pres.nr_folios ? ", or out of memory" : "");
	for (i = 0; i < ((unsigned long)done << pres.order); i++)
		__free_page(pages[i]);
	kvfree(pages);
	return NULL;
}
EXPORT_SYMBOL_GPL(kho_restore_vmalloc);
