// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update of memfds: the LUO file handler "memfd-v2".
 *
 * Preserving a memfd freezes its size (no grow, shrink or hole punch until
 * it is unpreserved), fills its holes, brings swapped-out pages back, pins
 * every folio (which moves it out of CMA, where KHO scratch lies) and
 * preserves it with KHO, in bounded batches that a fatal signal stops.  A
 * memfd that could not all be resident is refused before anything is
 * done; a huge page reaching past the end of the file is split, and a
 * folio that fallocate() left unwritten is zeroed, so that the record
 * holds only what every reader takes.  When the handover is finalized the
 * file's position, size, seals and folio list are written into a preserved
 * record (format in include/linux/kho/abi/memfd.h).  The next kernel
 * checks the record (mm/memfd_luo_check.c), builds a new memfd with the
 * same size, position and seals and puts every folio back at its index,
 * charged to the retrieving task's memory cgroup: the memory is never
 * copied.
 */

#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/cma.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/memfd.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "internal.h"
#include "memfd_luo.h"

static_assert(MEMFD_LUO_SEALS == (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				  F_SEAL_WRITE | F_SEAL_FUTURE_WRITE |
				  F_SEAL_EXEC));

#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
/*
 * Preserve a huge folio that reaches past the end of a memfd whole, as
 * kernels up to v6.12.117-kho1 did, for a test of the next kernel
 */
static bool debug_keep_tail;
module_param(debug_keep_tail, bool, 0600);
MODULE_PARM_DESC(debug_keep_tail,
		 "Keep a huge folio reaching past the end of a memfd whole, as v6.12.117-kho1 did (testing only)");
#else
static const bool debug_keep_tail;
#endif

/* The folios one batch holds: a page of them */
#define MEMFD_LUO_BATCH	((PAGE_SIZE - sizeof(struct list_head) - \
			  sizeof(unsigned long)) / sizeof(struct folio *))

/**
 * struct memfd_luo_batch - a page of pinned, preserved folios
 * @list:   in &memfd_luo.batches, in index order
 * @nr:     how many of @folios are pinned and preserved
 * @folios: the folios, in index order
 */
struct memfd_luo_batch {
	struct list_head list;
	unsigned long nr;
	struct folio *folios[MEMFD_LUO_BATCH];
};

static_assert(sizeof(struct memfd_luo_batch) <= PAGE_SIZE);

/**
 * struct memfd_luo - an outgoing memfd
 * @batches:    its pinned, preserved folios, in &struct memfd_luo_batch
 *              pages: no allocation sized by the file, which may be huge
 *              and sparse
 * @nr_folios:  how many
 * @table:      at freeze: the vmalloc()ed &struct memfd_luo_folio array
 * @table_pres: its preservation
 * @record:     at freeze: the folio holding &struct memfd_luo_ser
 */
struct memfd_luo {
	struct list_head batches;
	unsigned long nr_folios;
	struct memfd_luo_folio *table;
	struct kho_vmalloc table_pres;
	struct folio *record;
};

static bool memfd_luo_can_preserve(struct liveupdate_file_handler *h,
				   struct file *file)
{
	struct inode *inode = file_inode(file);

	/* A memfd: shmem, not linked anywhere (hugetlb memfds are not shmem) */
	return shmem_file(file) && !inode->i_nlink;
}

/* Unpreserve and unpin every folio of @m, and free @m */
static void memfd_luo_release(struct memfd_luo *m)
{
	struct memfd_luo_batch *b, *tmp;
	unsigned long i;

	list_for_each_entry_safe(b, tmp, &m->batches, list) {
		for (i = 0; i < b->nr; i++)
			WARN_ON_ONCE(kho_unpreserve_folio(b->folios[i]));
		unpin_folios(b->folios, b->nr);
		list_del(&b->list);
		kfree(b);
		cond_resched();
	}
	kfree(m);
}

/*
 * Can a memfd of @size bytes, @inode, be preserved here?  Preserving makes
 * every page of it resident, pinned outside CMA (where KHO scratch lies),
 * so it is refused up front, before anything is allocated: -EFBIG if it
 * never could be (more than UINT_MAX pages, the limit of the format, or
 * more pages than the memory outside CMA), -ENOMEM if filling its holes
 * and bringing its swapped-out pages back needs more memory than is
 * available now (MemAvailable, less free CMA).
 */
static int memfd_luo_fits(struct inode *inode, loff_t size)
{
	u64 pages = DIV_ROUND_UP_ULL(size, PAGE_SIZE);
	unsigned long resident = READ_ONCE(inode->i_mapping->nrpages);
	long avail;

	if (pages > UINT_MAX || pages > totalram_pages() - totalcma_pages)
		return -EFBIG;
	avail = si_mem_available() -
		(long)global_zone_page_state(NR_FREE_CMA_PAGES);
	if (pages > resident && pages - resident > max(avail, 0L))
		return -ENOMEM;
	return 0;
}

/*
 * The folio at @index, the file's last, reaches past its end (@pages
 * pages): a shmem huge page of a file whose size is no multiple of it,
 * written so or made by memfd_pin_folios() to fill a hole.  The next
 * kernel would have to take pages that are not the file's, and kernels up
 * to v6.12.117-kho1 refuse the whole file for it: split it, which drops
 * its pages past the end.  i_rwsem held, the folio not pinned by us.
 * 0, -EAGAIN if something else holds a reference to the folio (a pin, I/O
 * in flight), or another negative errno.
 */
static int memfd_luo_split_tail(struct address_space *mapping, pgoff_t index,
				pgoff_t pages)
{
	struct folio *folio;
	int ret = 0;

	/* A folio in a per-CPU LRU batch holds a reference there */
	lru_add_drain_all();
	folio = filemap_lock_folio(mapping, index);
	if (IS_ERR(folio))
		return 0;	/* swapped out meanwhile: pinning brings it back */
	if (folio_test_large(folio) && folio_next_index(folio) > pages)
		ret = split_folio(folio);
	folio_unlock(folio);
	folio_put(folio);
	return ret == -EBUSY ? -EAGAIN : ret;
}

/*
 * A folio that fallocate() left unwritten is not uptodate: it reads as
 * zeros but holds whatever the memory held before, and the record would
 * say so, so that the next kernel reads it as zeros too, even if user
 * space writes it after the freeze.  Zero it and mark it uptodate now, as
 * its first read would, so that what is in the page is what comes back.
 * (memfd_pin_folios() of 6.12.118 does it already, that of 6.12.117 does
 * not.)  i_rwsem held: no fallocate() is under way.
 */
static void memfd_luo_make_uptodate(struct folio *folio)
{
	if (folio_test_uptodate(folio))
		return;
	folio_lock(folio);
	if (!folio_test_uptodate(folio)) {
		folio_zero_range(folio, 0, folio_size(folio));
		flush_dcache_folio(folio);
		folio_mark_uptodate(folio);
	}
	folio_unlock(folio);
}

/*
 * Pin and preserve every folio of @file (@size bytes, @pages pages) into
 * @m, in index order, filling holes: i_rwsem held, size frozen.  One batch
 * at a time, so that a big sparse file neither holds the CPU nor a fatal
 * signal off for long; on error, what @m holds is for memfd_luo_release().
 * No folio preserved reaches past the end of the file, and each is
 * uptodate.
 */
static int memfd_luo_pin(struct file *file, struct memfd_luo *m, loff_t size,
			 pgoff_t pages)
{
	struct memfd_luo_batch *b = NULL;
	pgoff_t next = 0, offset;
	unsigned int splits = 0;
	long n, i;
	int ret;

	while (next < pages) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (!b || b->nr == MEMFD_LUO_BATCH) {
			b = kmalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
			if (!b)
				return -ENOMEM;
			b->nr = 0;
			list_add_tail(&b->list, &m->batches);
		}
		n = memfd_pin_folios(file, (loff_t)next << PAGE_SHIFT, size - 1,
				     b->folios + b->nr, MEMFD_LUO_BATCH - b->nr,
				     &offset);
		if (n <= 0)
			return n ? n : -EINVAL;
		for (i = 0; i < n; i++) {
			struct folio *folio = b->folios[b->nr];

			/* In index order, no hole: what the record says */
			ret = -EINVAL;
			if (WARN_ON_ONCE(folio->index != next))
				goto unpin;
			if (folio_next_index(folio) > pages && !debug_keep_tail) {
				/* The last one: split it, pin again from @next */
				unpin_folios(b->folios + b->nr, n - i);
				if (++splits > 2)
					return -EAGAIN;
				ret = memfd_luo_split_tail(file->f_mapping, next,
							   pages);
				if (ret)
					return ret;
				break;
			}
			memfd_luo_make_uptodate(folio);
			ret = kho_preserve_folio(folio);
			if (ret)
				goto unpin;
			b->nr++;
			m->nr_folios++;
			next = folio_next_index(folio);
		}
		cond_resched();
	}
	return 0;

unpin:
	/* Folios @i.. of this call are pinned, not preserved */
	unpin_folios(b->folios + b->nr, n - i);
	return ret;
}

static int memfd_luo_preserve(struct liveupdate_file_handler *h,
			      struct file *file, void **priv)
{
	struct inode *inode = file_inode(file);
	struct memfd_luo *m;
	loff_t size;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	INIT_LIST_HEAD(&m->batches);
	inode_lock(inode);
	ret = -EBUSY;		/* already preserved, in this or another session */
	if (shmem_frozen(inode))
		goto err_unlock;
	ret = -EOPNOTSUPP;
	if (SHMEM_I(inode)->seals & ~MEMFD_LUO_SEALS)
		goto err_unlock;
	size = i_size_read(inode);
	ret = memfd_luo_fits(inode, size);
	if (ret)
		goto err_unlock;

	shmem_freeze(inode, true);
	ret = memfd_luo_pin(file, m, size, DIV_ROUND_UP_ULL(size, PAGE_SIZE));
	if (ret) {
		shmem_freeze(inode, false);
		inode_unlock(inode);
		memfd_luo_release(m);
		return ret;
	}
	inode_unlock(inode);
	*priv = m;
	return 0;

err_unlock:
	inode_unlock(inode);
	kfree(m);
	return ret;
}

static void memfd_luo_unpreserve(struct liveupdate_file_handler *h,
				 struct file *file, void *priv)
{
	struct inode *inode = file_inode(file);

	inode_lock(inode);
	shmem_freeze(inode, false);
	inode_unlock(inode);
	memfd_luo_release(priv);
}

static int memfd_luo_freeze(struct liveupdate_file_handler *h,
			    struct file *file, void *priv, u64 *data)
{
	struct inode *inode = file_inode(file);
	struct memfd_luo *m = priv;
	struct memfd_luo_batch *b;
	struct memfd_luo_ser *ser;
	unsigned long i, j = 0;
	int ret = -ENOMEM;

	if (m->nr_folios) {
		m->table = vcalloc(m->nr_folios, sizeof(*m->table));
		if (!m->table)
			return -ENOMEM;
		list_for_each_entry(b, &m->batches, list) {
			for (i = 0; i < b->nr; i++, j++) {
				struct folio *folio = b->folios[i];
				unsigned int flags = 0;

				if (folio_test_dirty(folio))
					flags |= MEMFD_LUO_FOLIO_DIRTY;
				if (folio_test_uptodate(folio))
					flags |= MEMFD_LUO_FOLIO_UPTODATE;
				m->table[j].pfn = folio_pfn(folio);
				m->table[j].flags = flags;
				m->table[j].index = folio->index;
			}
			cond_resched();
		}
		ret = kho_preserve_vmalloc(m->table, &m->table_pres);
		if (ret)
			goto err_table;
	}

	ret = -ENOMEM;
	m->record = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!m->record)
		goto err_unpreserve;
	ser = folio_address(m->record);
	inode_lock_shared(inode);
	ser->pos = file->f_pos;
	ser->size = i_size_read(inode);
	ser->seals = SHMEM_I(inode)->seals;
	ser->flags = inode->i_mode & 0111 ? 0 : MEMFD_LUO_NOEXEC;
	inode_unlock_shared(inode);
	ser->nr_folios = m->nr_folios;
	ser->folios = m->table_pres;
	ret = -EOPNOTSUPP;
	if (ser->seals & ~MEMFD_LUO_SEALS)
		goto err_record;
	ret = kho_preserve_folio(m->record);
	if (ret)
		goto err_record;
	*data = PFN_PHYS(folio_pfn(m->record));
	return 0;

err_record:
	folio_put(m->record);
	m->record = NULL;
err_unpreserve:
	if (m->table)
		kho_unpreserve_vmalloc(&m->table_pres);
err_table:
	vfree(m->table);
	m->table = NULL;
	return ret;
}

static void memfd_luo_unfreeze(struct liveupdate_file_handler *h,
			       struct file *file, void *priv)
{
	struct memfd_luo *m = priv;

	WARN_ON_ONCE(kho_unpreserve_folio(m->record));
	folio_put(m->record);
	m->record = NULL;
	if (m->table) {
		WARN_ON_ONCE(kho_unpreserve_vmalloc(&m->table_pres));
		vfree(m->table);
		m->table = NULL;
	}
}

/* ---- next kernel -------------------------------------------------------- */

/*
 * Take the record at @data into @ser and map its folio table; 0 or a
 * negative errno, after which nothing of the record is left.  *@table is
 * NULL for an empty file.
 */
static int memfd_luo_read(u64 data, struct memfd_luo_ser *ser,
			  struct memfd_luo_folio **table)
{
	struct folio *record = kho_restore_folio(data);
	const char *why;

	*table = NULL;
	if (!record)
		return -EINVAL;
	memcpy(ser, folio_address(record), sizeof(*ser));
	folio_put(record);

	why = memfd_luo_check_record(ser);
	if (why) {
		pr_err("refusing the memfd record at %#llx: %s; the file cannot be retrieved, its memory stays reserved\n",
		       data, why);
		return -EINVAL;
	}
	if (!ser->nr_folios)
		return 0;
	*table = kho_restore_vmalloc(&ser->folios);
	return *table ? 0 : -EINVAL;
}

/* Free folios @from.. of @table that were not taken */
static void memfd_luo_discard(const struct memfd_luo_folio *table,
			      u64 from, u64 nr)
{
	struct folio *folio;
	u64 i;

	for (i = from; i < nr; i++) {
		folio = kho_restore_folio(PFN_PHYS((u64)table[i].pfn));
		if (folio)
			folio_put(folio);
		cond_resched();
	}
}

/* The largest folio the page cache of a shmem file takes on this kernel */
static unsigned int memfd_luo_max_order(void)
{
	return IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) ? MAX_PAGECACHE_ORDER : 0;
}

/**
 * struct memfd_luo_in - an incoming memfd, taken out of the handover
 * @ser:   its record
 * @table: its folio table (NULL for an empty file); every folio it names
 *         is restored, and a reference on each is held here
 *
 * A retrieve that fails after taking it leaves it to LUO (*priv), so that
 * the next retrieve, or the finish, starts from it: KHO gives a folio back
 * only once.
 */
struct memfd_luo_in {
	struct memfd_luo_ser ser;
	struct memfd_luo_folio *table;
};

static struct folio *memfd_luo_in_folio(struct memfd_luo_in *in, u64 i)
{
	return pfn_folio(in->table[i].pfn);
}

/* Drop @in and its references: frees the folios no file took */
static void memfd_luo_in_free(struct memfd_luo_in *in)
{
	u64 i;

	for (i = 0; i < in->ser.nr_folios; i++) {
		folio_put(memfd_luo_in_folio(in, i));
		cond_resched();
	}
	vfree(in->table);
	kfree(in);
}

/*
 * Take the memfd of the record at @data out of the handover: the record,
 * its table and every folio.  Fails only with nothing taken (-ENOMEM) or
 * on a corrupt record (-EINVAL), whose folios are then freed.
 */
static struct memfd_luo_in *memfd_luo_take(u64 data)
{
	struct memfd_luo_in *in;
	u64 i, pages, next = 0;
	int err;

	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return ERR_PTR(-ENOMEM);
	err = memfd_luo_read(data, &in->ser, &in->table);
	if (err) {
		kfree(in);
		return ERR_PTR(err);
	}
	pages = DIV_ROUND_UP_ULL(in->ser.size, PAGE_SIZE);
	for (i = 0; i < in->ser.nr_folios; i++) {
		const struct memfd_luo_folio e = in->table[i];
		struct folio *folio = kho_restore_folio(PFN_PHYS((u64)e.pfn));
		const char *why = "it was not preserved";

		if (folio)
			why = memfd_luo_check_folio(&e, folio_order(folio),
						    memfd_luo_max_order(),
						    pages, &next);
		if (why) {
			pr_err("refusing the memfd record at %#llx: folio %llu of %llu, at pfn %#llx: %s; the file cannot be retrieved, its memory is freed\n",
			       data, i, in->ser.nr_folios, (u64)e.pfn, why);
			if (folio)
				folio_put(folio);
			memfd_luo_discard(in->table, i + 1, in->ser.nr_folios);
			in->ser.nr_folios = i;
			memfd_luo_in_free(in);
			return ERR_PTR(-EINVAL);
		}
		page_rmappable_folio(&folio->page);
		if (e.flags & MEMFD_LUO_FOLIO_UPTODATE)
			folio_mark_uptodate(folio);
		/*
		 * A huge folio that reaches past the end of the file (kernels
		 * up to v6.12.117-kho1 preserved one so): what lies past the
		 * end is no data of the file's, so make it zeros, as a
		 * truncation would
		 */
		if (e.index + folio_nr_pages(folio) > pages) {
			size_t from = in->ser.size - (e.index << PAGE_SHIFT);

			folio_zero_range(folio, from, folio_size(folio) - from);
		}
		cond_resched();
	}
	return in;
}

/*
 * A new memfd holding the folios of @in, or an ERR_PTR() with every folio
 * back in @in as it was (uncharged, in no file).
 */
static struct file *memfd_luo_build(struct memfd_luo_in *in, u64 data)
{
	struct memfd_luo_ser *ser = &in->ser;
	struct inode *inode;
	struct file *file;
	u64 i;
	int err = 0;

	file = shmem_file_setup("memfd:liveupdate", 0, VM_NORESERVE);
	if (IS_ERR(file))
		return file;
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	inode = file_inode(file);

	inode_lock(inode);
	i_size_write(inode, ser->size);
	if (ser->flags & MEMFD_LUO_NOEXEC)
		inode->i_mode &= ~0111;
	for (i = 0; i < ser->nr_folios; i++) {
		err = shmem_insert_folio(inode, memfd_luo_in_folio(in, i),
					 in->table[i].index);
		if (err)
			break;
		cond_resched();
	}
	if (!err && (ser->seals & F_SEAL_WRITE))
		err = mapping_deny_writable(file->f_mapping);
	if (err) {
		while (i--)
			shmem_remove_folio(inode, memfd_luo_in_folio(in, i));
		inode_unlock(inode);
		fput(file);
		pr_err_ratelimited("cannot rebuild the memfd from %#llx: %pe; its memory is kept for the next retrieve\n",
				   data, ERR_PTR(err));
		return ERR_PTR(err);
	}
	for (i = 0; i < ser->nr_folios; i++)
		shmem_insert_folio_done(memfd_luo_in_folio(in, i));
	SHMEM_I(inode)->seals = ser->seals;
	inode_unlock(inode);
	file->f_pos = ser->pos;
	return file;
}

/*
 * Every failure but a corrupt record keeps what was taken in *@priv, so
 * that the file can be retrieved again (say, once the caller's memory
 * cgroup has room for it) or freed by the finish.
 */
static struct file *memfd_luo_retrieve(struct liveupdate_file_handler *h,
				       u64 data, void **priv)
{
	struct memfd_luo_in *in = *priv;
	struct file *file;

	if (!in) {
		in = memfd_luo_take(data);
		if (IS_ERR(in))
			return ERR_CAST(in);
	}
	file = memfd_luo_build(in, data);
	if (IS_ERR(file)) {
		*priv = in;
		return file;
	}
	/* The file's page cache holds the folios now */
	memfd_luo_in_free(in);
	*priv = NULL;
	return file;
}

static void memfd_luo_finish(struct liveupdate_file_handler *h,
			     struct file *file, u64 data, void *priv)
{
	struct memfd_luo_folio *table;
	struct memfd_luo_ser ser;

	if (file)
		return;		/* the retrieved memfd is user space's now */
	if (priv) {
		memfd_luo_in_free(priv);	/* what failed retrieves kept */
		return;
	}
	if (memfd_luo_read(data, &ser, &table))
		return;
	if (table) {
		memfd_luo_discard(table, 0, ser.nr_folios);
		vfree(table);
	}
}

static const struct liveupdate_file_ops memfd_luo_ops = {
	.can_preserve	= memfd_luo_can_preserve,
	.preserve	= memfd_luo_preserve,
	.unpreserve	= memfd_luo_unpreserve,
	.freeze		= memfd_luo_freeze,
	.unfreeze	= memfd_luo_unfreeze,
	.retrieve	= memfd_luo_retrieve,
	.finish		= memfd_luo_finish,
	.owner		= THIS_MODULE,
};

static struct liveupdate_file_handler memfd_luo_handler = {
	.ops		= &memfd_luo_ops,
	.compatible	= MEMFD_LUO_COMPATIBLE,
};

/* The versions of the memfd record this kernel writes and reads */
static struct kho_abi_record memfd_luo_abi = {
	.name		= MEMFD_LUO_FAMILY,
	.desc		= "a memfd record",
	.writes		= MEMFD_LUO_VERSION,
	.min		= MEMFD_LUO_MIN_VERSION,
	.max		= MEMFD_LUO_VERSION,
};

static int __init memfd_luo_init(void)
{
	int err;

	WARN_ON(kho_abi_register(&memfd_luo_abi));
	if (!liveupdate_enabled())
		return 0;
	err = liveupdate_register_file_handler(&memfd_luo_handler);
	if (err)
		pr_err("cannot register the memfd handler: %pe\n", ERR_PTR(err));
	return 0;
}
late_initcall(memfd_luo_init);
