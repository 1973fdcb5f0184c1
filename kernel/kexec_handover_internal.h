/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver internals shared with the KUnit suite and lib/test_kho.c.
 * Nothing here is API for the rest of the kernel.
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

/* kexec_handover.c and kexec_handover_scratch.c */
void kho_disable(void);
void kho_scratch_debugfs(struct dentry *dir);

/* Incoming handover: kexec_handover_scratch.c tells kexec_handover.c */
void kho_in_set_fdt(phys_addr_t fdt_phys);

/* kexec_handover_restore.c */
struct seq_file;
int kho_in_index_alloc(unsigned long end_pfn);
void kho_in_index_add(unsigned int order, phys_addr_t start,
		      unsigned long *bits, unsigned int folios);
bool kho_in_index_has(unsigned int order, phys_addr_t start,
		      const void *bits);
void kho_in_unindexed(unsigned long folios, unsigned long pages);
int kho_preserved_folio(unsigned long pfn, unsigned long *head);
int kho_unrestored_show(struct seq_file *m, void *v);

/*
 * Upper bound on the root FDT buffer (this kernel writes one page): boot
 * maps it whole before it trusts anything else of the handover
 */
#define KHO_FDT_MAX_SIZE	(64 * 1024)

/* Upper bound on scratch regions: lowmem, global and one per node */
#define KHO_SCRATCH_MAX		(2 + MAX_NUMNODES)

/**
 * struct kho_check - an incoming handover and the memory it lives in
 * @h:       what the previous kernel handed over
 * @scratch: the scratch list, in memory the checker may read; the number
 *           of entries is derived from @h.scratch_len
 * @end_pfn: end of memory; bounds the length of the chunk list
 * @is_ram:  whether [@addr, @addr + @len) is RAM
 * @va:      a pointer through which to read the page at @addr, which has
 *           passed @is_ram
 * @claim:   for kho_claim_map(): reserve [@addr, @addr + @len), part of a
 *           map page or of a run of folios of @order; 0, -EBUSY if any of
 *           it is reserved already, or -ENOMEM
 * @unclaim: release what @claim reserved
 * @priv:    for the owner of the callbacks
 * @why:     where a refusal that names a version is written
 *
 * At boot the callbacks are memblock and the direct map; the KUnit suite
 * backs them with a buffer posing as physical memory.
 */
struct kho_check {
	struct kho_handover h;
	const struct kho_scratch_entry *scratch;
	unsigned long end_pfn;
	bool (*is_ram)(const struct kho_check *c, phys_addr_t addr, u64 len);
	const void *(*va)(const struct kho_check *c, phys_addr_t addr);
	int (*claim)(struct kho_check *c, phys_addr_t addr, u64 len,
		     unsigned int order);
	void (*unclaim)(struct kho_check *c, phys_addr_t addr, u64 len);
	void *priv;
	char why[128];
};

static inline unsigned int kho_check_nr_scratch(const struct kho_check *c)
{
	return c->h.scratch_len / sizeof(*c->scratch);
}

/**
 * struct kho_map_visitor - what kho_check_map() does with a valid map
 * @run:      called for each run of preserved folios of one order
 * @bitmap:   if set, called for each bitmap page (instead of @map_page) once
 *            its runs were visited, with the order and start of its entry
 *            and the number of folios it holds; it may write to the page
 *            (a claimed map is the reader's)
 * @map_page: called for each chunk page, and each bitmap page unless
 *            @bitmap is set, once it has been read
 * @priv:     for the owner of the callbacks
 */
struct kho_map_visitor {
	void (*run)(const struct kho_map_visitor *v, phys_addr_t base,
		    u64 len, unsigned int order);
	void (*bitmap)(const struct kho_map_visitor *v, unsigned int order,
		       phys_addr_t start, void *page, unsigned int folios);
	void (*map_page)(const struct kho_map_visitor *v, phys_addr_t phys,
			 const void *page);
	void *priv;
};

/* kexec_handover_check.c */
#define KHO_BITMAP_LONGS	(KHO_BITMAP_BITS / BITS_PER_LONG)
unsigned long kho_bitmap_next(const unsigned long *bits, unsigned long bit,
			      bool clear);
int kho_scratch_overlaps(const struct kho_scratch_entry *scratch,
			 unsigned int nr, phys_addr_t addr, u64 len);
const char *kho_check_layout(const struct kho_check *c);
const char *kho_check_scratch(const struct kho_check *c);
const char *kho_check_root(struct kho_check *c, const void *fdt);
const char *kho_check_fdt(struct kho_check *c, phys_addr_t *map);
extern struct kho_abi_record kho_abi_root;
const char *kho_check_map(const struct kho_check *c, phys_addr_t first,
			  const struct kho_map_visitor *v);
const char *kho_claim_map(struct kho_check *c, phys_addr_t first,
			  const struct kho_map_visitor *v);
const char *kho_check_handover(struct kho_check *c, phys_addr_t *map);

/* kexec_handover_abi.c */
void kho_abi_debugfs(struct dentry *dir);

/* kexec_handover_debug.c */
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
void kho_debug_scratch_only_begin(void);
void kho_debug_scratch_only_end(void);
int kho_debug_fault(struct kho_out *out, struct kho_handover *h);
int kho_debug_fault_unfinalized(void);
void kho_debug_debugfs(struct dentry *dir);
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
#endif

#endif /* _KERNEL_KEXEC_HANDOVER_INTERNAL_H */
