/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver internals shared by the files of KHO, the KUnit suite and
 * the benchmark module.  Nothing here is API for the rest of the kernel.
 * The checker of an incoming handover has its own header,
 * kexec_handover_check.h, and uses nothing declared here.
 */
#ifndef _KERNEL_KEXEC_HANDOVER_INTERNAL_H
#define _KERNEL_KEXEC_HANDOVER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kexec_handover.h>
#include <linux/debugfs.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/list.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/percpu-rwsem.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "kexec_handover_check.h"

/**
 * struct kho_mem_track - record of preserved folios
 * @orders:      one xarray per folio order, indexed by bitmap number,
 *               holding page-sized bitmaps with one bit per folio of that
 *               order
 * @orders_used: bit o set if the xarray of order o may hold a bitmap; set
 *               before a bitmap is published, cleared only when pruning
 * @nr_pages:    pages currently allocated for bitmaps and memory map chunks
 *
 * The tracker itself has no lock: bitmaps are found with xa_load() and
 * inserted with xa_cmpxchg(), bits are changed with atomic bitops.  Bitmaps
 * are only freed by kho_mem_serialize() and kho_mem_track_destroy(), whose
 * callers must exclude every other user of the tracker.
 */
struct kho_mem_track {
	struct xarray orders[NR_PAGE_ORDERS];
	unsigned long orders_used;
	atomic_long_t nr_pages;
};

void kho_mem_track_init(struct kho_mem_track *track);
void kho_mem_track_destroy(struct kho_mem_track *track);
int kho_mem_preserve(struct kho_mem_track *track, unsigned long pfn,
		     unsigned int order);
int kho_mem_unpreserve(struct kho_mem_track *track, unsigned long pfn,
		       unsigned int order);
bool kho_mem_is_preserved(struct kho_mem_track *track, unsigned long pfn,
			  unsigned int order);
unsigned int kho_range_order(unsigned long pfn, unsigned long nr_pages);
int kho_mem_preserve_range(struct kho_mem_track *track, unsigned long pfn,
			   unsigned long nr_pages);
int kho_mem_unpreserve_range(struct kho_mem_track *track, unsigned long pfn,
			     unsigned long nr_pages);
void kho_mem_prune(struct kho_mem_track *track);
int kho_check_range(phys_addr_t phys, size_t size);
int kho_mem_serialize(struct kho_mem_track *track,
		      struct kho_mem_chunk **first);
void kho_mem_chunks_free(struct kho_mem_track *track,
			 struct kho_mem_chunk *first);
unsigned long kho_map_bitmaps(struct kho_mem_chunk *chunk);

/**
 * struct kho_subtree - a subsystem blob added by kho_add_subtree()
 * @list:   entry in &kho_serialization.subtrees
 * @blob:   debugfs view of the blob
 * @dentry: debugfs file under ``out/sub_fdts``, or NULL
 */
struct kho_subtree {
	struct list_head list;
	struct debugfs_blob_wrapper blob;
	struct dentry *dentry;
};

struct kho_out;

/**
 * struct kho_serialization - state passed to FINALIZE and ABORT notifiers
 * @out:      the handover being finalized
 * @fdt:      root FDT under construction
 * @subtrees: list of &struct kho_subtree added so far
 */
struct kho_serialization {
	struct kho_out *out;
	void *fdt;
	struct list_head subtrees;
};

/**
 * struct kho_out - one outgoing handover: tracker plus finalize state
 * @track:       preserved memory
 * @rwsem:       taken for read by every preserve/unpreserve, for write to
 *               change @finalized and to serialize or free the memory map
 * @finalized:   true between a successful finalize and the next abort
 * @pinned:      the modules of the notifiers are pinned (finalize to abort)
 * @lock:        serializes finalize and abort (and so kho_add_subtree())
 * @chain:       FINALIZE/ABORT notifier chain
 * @ser:         serialization state of the current finalize
 * @fdt:         page holding the root FDT
 * @first_chunk: first chunk of the serialized memory map, or NULL
 * @fdt_blob:    debugfs view of @fdt
 * @dir:         debugfs ``kho/out`` directory, NULL for private instances
 * @sub_fdts:    debugfs ``kho/out/sub_fdts`` directory, or NULL
 * @fdt_file:    debugfs ``kho/out/fdt`` file while finalized, or NULL
 */
struct kho_out {
	struct kho_mem_track track;
	struct percpu_rw_semaphore rwsem;
	bool finalized;
	bool pinned;
	struct mutex lock;		/* see @lock above */
	struct blocking_notifier_head chain;
	struct kho_serialization ser;
	void *fdt;
	struct kho_mem_chunk *first_chunk;
	struct debugfs_blob_wrapper fdt_blob;
	struct dentry *dir;
	struct dentry *sub_fdts;
	struct dentry *fdt_file;
};

int kho_out_init(struct kho_out *out);
void kho_out_destroy(struct kho_out *out);
int kho_out_preserve(struct kho_out *out, unsigned long pfn,
		     unsigned long nr_pages);
int kho_out_unpreserve(struct kho_out *out, unsigned long pfn,
		       unsigned long nr_pages);
int kho_out_preserve_vmalloc(struct kho_out *out, void *ptr,
			     struct kho_vmalloc *preservation);
int kho_out_unpreserve_vmalloc(struct kho_out *out,
			       struct kho_vmalloc *preservation);
int kho_out_finalize(struct kho_out *out);
int kho_out_abort(struct kho_out *out);
int kho_out_change_notifier(struct kho_out *out, struct notifier_block *nb,
			    bool add);

/* kexec_handover.c */
extern struct kho_out kho_out;
int kho_abort_checked(struct kho_out *out);

/* kexec_handover_scratch.c */
extern bool kho_enable;
extern bool kho_failed;
void kho_disable(void);
extern struct kho_scratch_entry *kho_scratch;
extern unsigned int kho_scratch_cnt;
extern phys_addr_t kho_scratch_used[];
extern struct kho_scratch_entry kho_scratch_in[];
extern bool kho_cold_reserved;
extern bool kho_scratch_marked;
phys_addr_t kho_reserved_in(phys_addr_t start, phys_addr_t end);
void kho_scratch_report(void);
void kho_scratch_debugfs(struct dentry *dir);

/* kexec_handover_restore.c */
struct seq_file;
void kho_in_set_fdt(phys_addr_t fdt_phys);
void kho_debugfs_in(struct dentry *root);
void kho_restore_pages(struct page *page, unsigned int order, bool compound);
struct page *kho_take_folio(phys_addr_t phys, int *order);
int kho_in_index_alloc(unsigned long end_pfn);
void kho_in_index_add(unsigned int order, phys_addr_t start,
		      unsigned long *bits, unsigned int folios);
bool kho_in_index_has(unsigned int order, phys_addr_t start,
		      const void *bits);
void kho_in_unindexed(unsigned long folios, unsigned long pages);
int kho_preserved_folio(unsigned long pfn, unsigned long *head);
int kho_unrestored_show(struct seq_file *m, void *v);

/* kexec_handover_abi.c */
void kho_abi_debugfs(struct dentry *dir);

/* kexec_handover_debug.c */
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
void kho_debug_scratch_only_begin(void);
void kho_debug_scratch_only_end(void);
int kho_debug_fault(struct kho_out *out, struct kho_handover *h);
int kho_debug_fault_unfinalized(void);
void kho_debug_debugfs(struct dentry *dir);
void kho_mem_map_check(struct kho_mem_track *track,
		       struct kho_mem_chunk *first);
#else
static inline void kho_debug_scratch_only_begin(void) { }
static inline void kho_debug_scratch_only_end(void) { }
static inline int kho_debug_fault(struct kho_out *out,
				  struct kho_handover *h)
{
	return 0;
}

static inline int kho_debug_fault_unfinalized(void)
{
	return 0;
}

static inline void kho_debug_debugfs(struct dentry *dir) { }
static inline void kho_mem_map_check(struct kho_mem_track *track,
				     struct kho_mem_chunk *first) { }
#endif

#endif /* _KERNEL_KEXEC_HANDOVER_INTERNAL_H */
