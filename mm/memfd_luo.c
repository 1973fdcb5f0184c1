// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update of memfds: the LUO file handler "memfd-v2".
 *
 * Preserving a memfd freezes its size (no grow, shrink or hole punch until
 * it is unpreserved), fills its holes, brings swapped-out pages back, pins
 * every folio (which moves it out of CMA, where KHO scratch lies) and
 * preserves it with KHO.  When the handover is finalized the file's
 * position, size, seals and folio list are written into a preserved record
 * (format in include/linux/kho/abi/memfd.h).  The next kernel builds a new
 * memfd with the same size, position and seals and puts every folio back
 * at its index, charged to the retrieving task's memory cgroup: the memory
 * is never copied.
 */

#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/memfd.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "memfd_luo.h"

static_assert(MEMFD_LUO_SEALS == (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				  F_SEAL_WRITE | F_SEAL_FUTURE_WRITE |
				  F_SEAL_EXEC));

/**
 * struct memfd_luo - an outgoing memfd
 * @folios:     the pinned, preserved folios in index order
 * @nr_folios:  how many
 * @table:      at freeze: the vmalloc()ed &struct memfd_luo_folio array
 * @table_pres: its preservation
 * @record:     at freeze: the folio holding &struct memfd_luo_ser
 */
struct memfd_luo {
	struct folio **folios;
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

static void memfd_luo_release(struct memfd_luo *m, unsigned long preserved)
{
	unsigned long i;

	for (i = 0; i < preserved; i++)
		WARN_ON_ONCE(kho_unpreserve_folio(m->folios[i]));
	unpin_folios(m->folios, m->nr_folios);
	kvfree(m->folios);
	kfree(m);
}

/* Pin every folio of @file, filling holes: i_rwsem held, size frozen */
static int memfd_luo_pin(struct file *file, struct memfd_luo *m, loff_t size,
			 unsigned long max)
{
	loff_t start = 0;
	pgoff_t offset;
	long n;

	while (start < size) {
		n = memfd_pin_folios(file, start, size - 1,
				     m->folios + m->nr_folios,
				     max - m->nr_folios, &offset);
		if (n <= 0)
			return n ? n : -EINVAL;
		m->nr_folios += n;
		start = (loff_t)folio_next_index(m->folios[m->nr_folios - 1]) <<
			PAGE_SHIFT;
		if (m->nr_folios == max && start < size)
			return -EINVAL;
		cond_resched();
	}
	return 0;
}

static int memfd_luo_preserve(struct liveupdate_file_handler *h,
			      struct file *file, void **priv)
{
	struct inode *inode = file_inode(file);
	unsigned long pages, i = 0;
	struct memfd_luo *m;
	loff_t size;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	inode_lock(inode);
	ret = -EBUSY;		/* already preserved, in this or another session */
	if (shmem_frozen(inode))
		goto err_unlock;
	ret = -EOPNOTSUPP;
	if (SHMEM_I(inode)->seals & ~MEMFD_LUO_SEALS)
		goto err_unlock;
	size = i_size_read(inode);
	pages = DIV_ROUND_UP_ULL(size, PAGE_SIZE);
	ret = -EFBIG;
	if (pages > UINT_MAX)
		goto err_unlock;
	ret = -ENOMEM;
	m->folios = kvmalloc_array(max(pages, 1UL), sizeof(*m->folios),
				   GFP_KERNEL);
	if (!m->folios)
		goto err_unlock;

	shmem_freeze(inode, true);
	ret = memfd_luo_pin(file, m, size, pages);
	for (i = 0; !ret && i < m->nr_folios; i++) {
		ret = kho_preserve_folio(m->folios[i]);
		if (ret)
			break;
	}
	if (ret) {
		shmem_freeze(inode, false);
		inode_unlock(inode);
		memfd_luo_release(m, i);
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
	memfd_luo_release(priv, ((struct memfd_luo *)priv)->nr_folios);
}

static int memfd_luo_freeze(struct liveupdate_file_handler *h,
			    struct file *file, void *priv, u64 *data)
{
	struct inode *inode = file_inode(file);
	struct memfd_luo *m = priv;
	struct memfd_luo_ser *ser;
	unsigned long i;
	int ret = -ENOMEM;

	if (m->nr_folios) {
		m->table = vcalloc(m->nr_folios, sizeof(*m->table));
		if (!m->table)
			return -ENOMEM;
		for (i = 0; i < m->nr_folios; i++) {
			struct folio *folio = m->folios[i];
			unsigned int flags = 0;

			if (folio_test_dirty(folio))
				flags |= MEMFD_LUO_FOLIO_DIRTY;
			if (folio_test_uptodate(folio))
				flags |= MEMFD_LUO_FOLIO_UPTODATE;
			m->table[i].pfn = folio_pfn(folio);
			m->table[i].flags = flags;
			m->table[i].index = folio->index;
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

/*
 * Put folio @i of the record at @data (@ser, with its folio table @table)
 * back into @inode: 0, or a negative errno after saying why.  *@next is
 * the first index the folio may start at; it moves past the folio.
 */
static int memfd_luo_insert(struct inode *inode, u64 data,
			    const struct memfd_luo_ser *ser,
			    const struct memfd_luo_folio *table, u64 i,
			    u64 *next)
{
	u64 pages = DIV_ROUND_UP_ULL(ser->size, PAGE_SIZE);
	struct memfd_luo_folio e = table[i];
	struct folio *folio;
	const char *why;
	int err;

	folio = kho_restore_folio(PFN_PHYS((u64)e.pfn));
	if (!folio) {
		pr_err("refusing the memfd record at %#llx: folio %llu of %llu, at pfn %#llx, was not preserved; the file cannot be retrieved\n",
		       data, i, ser->nr_folios, (u64)e.pfn);
		return -EINVAL;
	}
	why = memfd_luo_check_folio(&e, folio_order(folio),
				    memfd_luo_max_order(), pages, next);
	if (why) {
		pr_err("refusing the memfd record at %#llx: folio %llu of %llu: %s; the file cannot be retrieved\n",
		       data, i, ser->nr_folios, why);
		err = -EINVAL;
		goto out;
	}
	page_rmappable_folio(&folio->page);
	if (e.flags & MEMFD_LUO_FOLIO_UPTODATE)
		folio_mark_uptodate(folio);
	/*
	 * A huge folio that reaches past the end of the file (kernels up to
	 * v6.12.117-kho1 preserved one so): what lies past the end is no
	 * data of the file's, so make it zeros, as a truncation would
	 */
	if (e.index + folio_nr_pages(folio) > pages) {
		size_t from = ser->size - (e.index << PAGE_SHIFT);

		folio_zero_range(folio, from, folio_size(folio) - from);
	}
	err = shmem_insert_folio(inode, folio, e.index);
	if (err)
		pr_err("cannot rebuild the memfd from %#llx: %pe\n", data,
		       ERR_PTR(err));
out:
	folio_put(folio);
	return err;
}

static struct file *memfd_luo_retrieve(struct liveupdate_file_handler *h,
				       u64 data)
{
	struct memfd_luo_folio *table;
	struct memfd_luo_ser ser;
	struct inode *inode;
	struct file *file;
	u64 i = 0, next = 0;
	int err;

	err = memfd_luo_read(data, &ser, &table);
	if (err)
		return ERR_PTR(err);

	file = shmem_file_setup("memfd:liveupdate", 0, VM_NORESERVE);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		pr_err("cannot rebuild the memfd from %#llx: %pe\n", data,
		       file);
		goto err_discard;
	}
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	inode = file_inode(file);

	inode_lock(inode);
	i_size_write(inode, ser.size);
	if (ser.flags & MEMFD_LUO_NOEXEC)
		inode->i_mode &= ~0111;
	for (i = 0; i < ser.nr_folios; i++) {
		err = memfd_luo_insert(inode, data, &ser, table, i, &next);
		if (err) {
			i++;
			break;
		}
		cond_resched();
	}
	if (!err && (ser.seals & F_SEAL_WRITE)) {
		err = mapping_deny_writable(file->f_mapping);
		if (err)
			pr_err("cannot rebuild the memfd from %#llx: %pe\n",
			       data, ERR_PTR(err));
	}
	if (!err)
		SHMEM_I(inode)->seals = ser.seals;
	inode_unlock(inode);
	if (err) {
		fput(file);
		goto err_discard;
	}
	file->f_pos = ser.pos;
	vfree(table);
	return file;

err_discard:
	if (table) {
		memfd_luo_discard(table, i, ser.nr_folios);
		vfree(table);
	}
	return ERR_PTR(err);
}

static void memfd_luo_finish(struct liveupdate_file_handler *h,
			     struct file *file, u64 data)
{
	struct memfd_luo_folio *table;
	struct memfd_luo_ser ser;

	if (file)
		return;		/* the retrieved memfd is user space's now */
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
