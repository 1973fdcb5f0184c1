// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live Update Orchestrator: sessions, and their handover.
 *
 * A session is a named set of preserved files, held by user space as an
 * anonymous-inode file descriptor.  Outgoing sessions are created on
 * /dev/liveupdate and live as long as their descriptor; when KHO is
 * finalized they are written into the KHO subtree "LUO" (format in
 * include/linux/kho/abi/luo.h).  In the next kernel they come back as
 * incoming sessions, retrieved by name.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"

static LIST_HEAD(luo_outgoing);
static LIST_HEAD(luo_incoming);
static unsigned long luo_nr_outgoing;
/* luo_serialize() waits for the preserves under way: no new ones */
static bool luo_freezing;

/*
 * The handover FDT from the time it is added to KHO as the subtree "LUO"
 * until the abort: KHO shows it in debugfs (kho/out/sub_fdts/LUO) until
 * then, so it is freed only by luo_unserialize(), also when the finalize
 * fails after the subtree was added.
 */
static struct folio *luo_fdt_folio;

static struct luo_session *luo_session_find(struct list_head *head,
					    const char *name)
{
	struct luo_session *s;

	list_for_each_entry(s, head, list)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/*
 * An outgoing session is charged to the memory cgroup of the task that
 * creates it; an incoming one is made at boot, for nobody in particular.
 */
static struct luo_session *luo_session_alloc(const char *name, bool incoming)
{
	struct luo_session *s = kzalloc(sizeof(*s), incoming ? GFP_KERNEL :
					GFP_KERNEL_ACCOUNT);

	if (!s)
		return NULL;
	strscpy(s->name, name, sizeof(s->name));
	INIT_LIST_HEAD(&s->files);
	s->incoming = incoming;
	return s;
}

/* Drop outgoing session @s: luo_mutex held, thawed */
static void luo_session_drop(struct luo_session *s)
{
	luo_file_unpreserve_all(s);
	list_del(&s->list);
	luo_nr_outgoing--;
	kfree(s);
}

/* Finish incoming session @s, retrieved or not: luo_mutex held */
static void luo_session_finish(struct luo_session *s)
{
	luo_file_finish_all(s);
	list_del_init(&s->list);
	s->finished = true;
}

/* ---- session file descriptor ------------------------------------------- */

/*
 * Closing a retrieved session finishes it once every file was retrieved.
 * Until then it is unclaimed again, with its files: the process that
 * held it may have died between RETRIEVE_SESSION and its last
 * RETRIEVE_FD, and the next one must find everything.  FINISH is how user
 * space gives up files it did not retrieve.
 */
static int luo_session_release(struct inode *inode, struct file *file)
{
	struct luo_session *s = file->private_data;

	mutex_lock(&luo_mutex);
	if (s->incoming) {
		if (s->finished) {
			kfree(s);
		} else if (luo_file_all_retrieved(s)) {
			luo_session_finish(s);
			kfree(s);
		} else {
			s->retrieved = false;
		}
	} else if (luo_frozen) {
		/* The handover lists its files: drop it at the abort */
		s->closed = true;
	} else {
		luo_session_drop(s);
	}
	mutex_unlock(&luo_mutex);
	return 0;
}

static long luo_session_preserve_fd(struct luo_session *s, void __user *uarg)
{
	struct liveupdate_session_preserve_fd arg;
	u32 usize;
	int ret;

	ret = luo_copy_arg(&arg, sizeof(arg), sizeof(arg), uarg, &usize);
	if (ret)
		return ret;
	if (s->incoming)
		return -EINVAL;
	mutex_lock(&luo_mutex);
	if (luo_frozen || luo_freezing)
		ret = -EBUSY;
	else
		ret = luo_file_preserve(s, arg.fd, arg.token);
	mutex_unlock(&luo_mutex);
	return ret;
}

static long luo_session_retrieve_fd(struct luo_session *s, void __user *uarg)
{
	struct liveupdate_session_retrieve_fd arg;
	struct file *file;
	u32 usize;
	int ret, fd;

	ret = luo_copy_arg(&arg, sizeof(arg), sizeof(arg), uarg, &usize);
	if (ret)
		return ret;
	if (!s->incoming)
		return -EINVAL;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	mutex_lock(&luo_mutex);
	ret = s->finished ? -EINVAL : luo_file_retrieve(s, arg.token, &file);
	mutex_unlock(&luo_mutex);
	if (ret)
		goto err_fd;
	arg.fd = fd;
	ret = luo_copy_back(uarg, &arg, sizeof(arg), usize);
	if (ret) {
		fput(file);
		goto err_fd;
	}
	fd_install(fd, file);
	return 0;

err_fd:
	put_unused_fd(fd);
	return ret;
}

static long luo_session_finish_ioctl(struct luo_session *s, void __user *uarg)
{
	struct liveupdate_session_finish arg;
	u32 usize;
	int ret;

	ret = luo_copy_arg(&arg, sizeof(arg), sizeof(arg), uarg, &usize);
	if (ret)
		return ret;
	if (arg.reserved || !s->incoming)
		return -EINVAL;
	mutex_lock(&luo_mutex);
	if (s->finished)
		ret = -EINVAL;
	else
		ret = luo_file_can_finish(s);
	if (!ret)
		luo_session_finish(s);
	mutex_unlock(&luo_mutex);
	return ret;
}

/*
 * GET_NAME: the whole name, which the anon inode's name may cut short.
 * It never changes and lives as long as the session's file, so no lock.
 */
static long luo_session_get_name(struct luo_session *s, void __user *uarg)
{
	struct liveupdate_session_get_name arg;
	u32 usize;
	int ret;

	ret = luo_copy_arg(&arg, sizeof(arg), sizeof(arg), uarg, &usize);
	if (ret)
		return ret;
	if (arg.reserved)
		return -EINVAL;
	strscpy_pad((char *)arg.name, s->name, sizeof(arg.name));
	return luo_copy_back(uarg, &arg, sizeof(arg), usize);
}

static long luo_session_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct luo_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case LIVEUPDATE_SESSION_PRESERVE_FD:
		return luo_session_preserve_fd(s, uarg);
	case LIVEUPDATE_SESSION_RETRIEVE_FD:
		return luo_session_retrieve_fd(s, uarg);
	case LIVEUPDATE_SESSION_FINISH:
		return luo_session_finish_ioctl(s, uarg);
	case LIVEUPDATE_SESSION_GET_NAME:
		return luo_session_get_name(s, uarg);
	default:
		return -EINVAL;
	}
}

static const struct file_operations luo_session_fops = {
	.owner		= THIS_MODULE,
	.release	= luo_session_release,
	.unlocked_ioctl	= luo_session_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/*
 * A session's file is the anon inode named "[luo_session] NAME", which
 * readlink() of /proc/PID/fd/N shows as "anon_inode:[luo_session] NAME".
 * d_path() builds that text in 64 bytes (dynamic_dname()) and fails with
 * -ENAMETOOLONG beyond, so the name is cut to what fits: 38 bytes of the
 * session's name.  LIVEUPDATE_SESSION_GET_NAME gives the whole name.
 */
#define LUO_SESSION_ANON_PREFIX	"[luo_session] "
#define LUO_SESSION_ANON_LEN	(64 - (sizeof("anon_inode:") - 1))

static struct file *luo_session_file(struct luo_session *s)
{
	const size_t plen = sizeof(LUO_SESSION_ANON_PREFIX) - 1;
	char name[LUO_SESSION_ANON_LEN];

	memcpy(name, LUO_SESSION_ANON_PREFIX, plen);
	/* -E2BIG when cut: that is intended */
	strscpy(name + plen, s->name, sizeof(name) - plen);
	return anon_inode_getfile(name, &luo_session_fops, s, O_RDWR);
}

/**
 * luo_session_create() - create an outgoing session
 * @name:  its name, NUL-terminated, 1 to 63 bytes
 * @filep: set to the session's new file
 *
 * Context: Process context; takes luo_mutex.
 * Return: 0, -EBUSY while the handover is frozen, -EEXIST if an outgoing
 * session has that name, -ENOMEM.
 */
int luo_session_create(const char *name, struct file **filep)
{
	struct luo_session *s;
	struct file *file;
	int ret = 0;

	mutex_lock(&luo_mutex);
	if (luo_frozen) {
		ret = -EBUSY;
		goto out;
	}
	if (luo_session_find(&luo_outgoing, name)) {
		ret = -EEXIST;
		goto out;
	}
	s = luo_session_alloc(name, false);
	if (!s) {
		ret = -ENOMEM;
		goto out;
	}
	file = luo_session_file(s);
	if (IS_ERR(file)) {
		kfree(s);
		ret = PTR_ERR(file);
		goto out;
	}
	list_add_tail(&s->list, &luo_outgoing);
	luo_nr_outgoing++;
	*filep = file;
out:
	mutex_unlock(&luo_mutex);
	return ret;
}

/**
 * luo_session_retrieve() - take an incoming session
 * @name:  its name
 * @filep: set to the session's new file
 *
 * Context: Process context; takes luo_mutex.
 * Return: 0, -ENOENT if no incoming session has that name (or it was
 * finished), -EINVAL if it was retrieved already, -ENOMEM.
 */
int luo_session_retrieve(const char *name, struct file **filep)
{
	struct luo_session *s;
	struct file *file;
	int ret = 0;

	mutex_lock(&luo_mutex);
	s = luo_session_find(&luo_incoming, name);
	if (!s) {
		ret = -ENOENT;
	} else if (s->retrieved) {
		ret = -EINVAL;
	} else {
		file = luo_session_file(s);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
		} else {
			s->retrieved = true;
			*filep = file;
		}
	}
	mutex_unlock(&luo_mutex);
	return ret;
}

/* ---- handover ----------------------------------------------------------- */

/* Write the "luo-v1" FDT into @fdt of @size bytes; a libfdt error */
static int luo_fdt_write(void *fdt, size_t size)
{
	struct luo_session *s;
	unsigned long n = 0;
	u64 number = luo_number + 1;
	char node[24];
	int err;

	err = fdt_create(fdt, size);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", LUO_FDT_COMPATIBLE);
	err = err ?: fdt_property(fdt, LUO_FDT_LIVEUPDATE_NUMBER, &number,
				  sizeof(number));
	err = err ?: fdt_begin_node(fdt, LUO_FDT_SESSION_NODE);
	list_for_each_entry(s, &luo_outgoing, list) {
		struct luo_file_ser *ser;
		struct luo_file *f;
		unsigned long i = 0;

		if (err)
			break;
		snprintf(node, sizeof(node), "s%lx", n++);
		err = fdt_begin_node(fdt, node);
		err = err ?: fdt_property_string(fdt, LUO_FDT_SESSION_NAME,
						 s->name);
		err = err ?: fdt_property_placeholder(fdt,
					LUO_FDT_SESSION_FILES,
					s->nr_files * sizeof(*ser),
					(void **)&ser);
		if (err)
			break;
		memset(ser, 0, s->nr_files * sizeof(*ser));
		list_for_each_entry(f, &s->files, list) {
			strscpy(ser[i].compatible, f->compatible,
				sizeof(ser[i].compatible));
			ser[i].data = f->data;
			ser[i].token = f->token;
			i++;
		}
		err = fdt_end_node(fdt);
	}
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_end_node(fdt);
	return err ?: fdt_finish(fdt);
}

/* Allocate and write the handover FDT, growing the folio until it fits */
static struct folio *luo_fdt_build(void)
{
	unsigned long files = 0;
	struct luo_session *s;
	struct folio *folio;
	unsigned int order;
	size_t guess;
	int err;

	list_for_each_entry(s, &luo_outgoing, list)
		files += s->nr_files;
	guess = 1024 + luo_nr_outgoing * 256 + files * sizeof(struct luo_file_ser);
	for (order = get_order(guess); order <= MAX_PAGE_ORDER; order++) {
		folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
		if (!folio)
			return ERR_PTR(-ENOMEM);
		err = luo_fdt_write(folio_address(folio), folio_size(folio));
		if (!err)
			return folio;
		folio_put(folio);
		if (err != -FDT_ERR_NOSPACE) {
			pr_err("cannot write the handover FDT (libfdt error %d)\n",
			       err);
			return ERR_PTR(-EINVAL);
		}
	}
	return ERR_PTR(-E2BIG);
}

/*
 * Wait until no handler is preserving a file (luo_file_preserve() runs
 * them without luo_mutex): luo_mutex held, dropped while waiting.  New
 * preserves get -EBUSY meanwhile, as once frozen.  0, or -EINTR if a fatal
 * signal ended the wait.
 */
static int luo_wait_for_preserves(void)
{
	int ret = 0;

	luo_freezing = true;
	while (luo_preserving && !ret) {
		mutex_unlock(&luo_mutex);
		ret = wait_event_killable(luo_preserve_wq,
					  !READ_ONCE(luo_preserving));
		mutex_lock(&luo_mutex);
	}
	luo_freezing = false;
	return ret;
}

/**
 * luo_serialize() - freeze every outgoing session and hand them over
 * @ser: KHO's serialization state, from the FINALIZE notifier
 *
 * Waits for the preserves under way, freezes every file, writes the
 * sessions into an FDT, preserves it and adds it as the KHO subtree "LUO".
 * All or nothing: on failure every file is thawed again, and an FDT that
 * KHO already lists is left to the abort that KHO sends next.
 *
 * Context: KHO FINALIZE notifier; takes luo_mutex.
 * Return: 0, or the error of the file handler, of KHO, -ENOMEM, or -EINTR
 * if a fatal signal ended the wait for a preserve.
 */
int luo_serialize(struct kho_serialization *ser)
{
	struct luo_session *s, *failed = NULL;
	unsigned long files = 0;
	struct folio *folio;
	u64 t0 = local_clock();
	int ret = 0;

	mutex_lock(&luo_mutex);
	if (WARN_ON(luo_frozen || luo_fdt_folio)) {
		ret = -EBUSY;
		goto out;
	}
	ret = luo_wait_for_preserves();
	if (ret)
		goto out;
	list_for_each_entry(s, &luo_outgoing, list) {
		ret = luo_file_freeze_all(s);
		if (ret) {
			failed = s;
			goto err_thaw;
		}
		files += s->nr_files;
	}
	folio = luo_fdt_build();
	if (IS_ERR(folio)) {
		ret = PTR_ERR(folio);
		goto err_thaw;
	}
	ret = kho_preserve_folio(folio);
	if (ret)
		goto err_free;
	ret = kho_add_subtree(ser, LUO_FDT_NODE_NAME, folio_address(folio));
	if (ret)
		goto err_unpreserve;
	/* KHO shows it in debugfs from now on: only the abort frees it */
	luo_fdt_folio = folio;
	/* Debug only: a corruption KHO itself would refuse comes last */
	if (luo_debug_fault(folio_address(folio))) {
		ret = -EINVAL;
		goto err_thaw;
	}
	luo_frozen = true;
	pr_info("handover %llu: %lu session(s) with %lu file(s) frozen in %llu ns\n",
		luo_number + 1, luo_nr_outgoing, files, local_clock() - t0);
	goto out;

err_unpreserve:
	kho_unpreserve_folio(folio);
err_free:
	folio_put(folio);
err_thaw:
	list_for_each_entry(s, &luo_outgoing, list) {
		if (s == failed)
			break;
		luo_file_unfreeze_all(s);
	}
	pr_err("cannot hand the sessions over: %pe\n", ERR_PTR(ret));
out:
	mutex_unlock(&luo_mutex);
	return ret;
}

/**
 * luo_unserialize() - undo luo_serialize() when KHO is aborted
 *
 * Thaws every file and drops the sessions whose descriptor was closed
 * while frozen, then frees the handover FDT: KHO removed its debugfs view
 * before this abort.  Does nothing unless luo_serialize() got as far as
 * adding the FDT.
 *
 * Context: KHO ABORT notifier; takes luo_mutex.
 */
void luo_unserialize(void)
{
	struct luo_session *s, *tmp;

	mutex_lock(&luo_mutex);
	if (luo_frozen) {
		list_for_each_entry(s, &luo_outgoing, list)
			luo_file_unfreeze_all(s);
		luo_frozen = false;
		list_for_each_entry_safe(s, tmp, &luo_outgoing, list)
			if (s->closed)
				luo_session_drop(s);
	}
	if (luo_fdt_folio) {
		kho_unpreserve_folio(luo_fdt_folio);
		folio_put(luo_fdt_folio);
		luo_fdt_folio = NULL;
	}
	mutex_unlock(&luo_mutex);
}

/* ---- incoming ----------------------------------------------------------- */

/* A string property of exactly 1 to @max bytes, NUL included, or NULL */
static const char *luo_fdt_string(const void *fdt, int off, const char *name,
				  int max)
{
	int len;
	const char *p = fdt_getprop(fdt, off, name, &len);

	if (!p || len < 2 || len > max || strnlen(p, len) != len - 1)
		return NULL;
	return p;
}

/* Read one session node; a reason on failure */
static const char *luo_deserialize_session(const void *fdt, int off)
{
	const struct luo_file_ser *ser;
	struct luo_session *s;
	const char *name;
	int len, i;

	name = luo_fdt_string(fdt, off, LUO_FDT_SESSION_NAME,
			      LIVEUPDATE_SESSION_NAME_LENGTH);
	if (!name)
		return "a session name is missing, empty or too long";
	if (luo_session_find(&luo_incoming, name))
		return "two sessions have the same name";
	ser = fdt_getprop(fdt, off, LUO_FDT_SESSION_FILES, &len);
	if (!ser || len % sizeof(*ser))
		return "a session's file list has a bad size";

	s = luo_session_alloc(name, true);
	if (!s)
		return "out of memory";
	list_add_tail(&s->list, &luo_incoming);
	for (i = 0; i < len / sizeof(*ser); i++) {
		struct luo_file *f;
		u64 token;

		if (!strnlen(ser[i].compatible, sizeof(ser[i].compatible)) ||
		    strnlen(ser[i].compatible, sizeof(ser[i].compatible)) ==
		    sizeof(ser[i].compatible))
			return "a file's handler compatible is empty or not terminated";
		memcpy(&token, &ser[i].token, sizeof(token));
		if (luo_file_find(s, token))
			return "two files of a session have the same token";
		f = kzalloc(sizeof(*f), GFP_KERNEL);
		if (!f)
			return "out of memory";
		f->token = token;
		memcpy(&f->data, &ser[i].data, sizeof(f->data));
		strscpy(f->compatible, ser[i].compatible,
			sizeof(f->compatible));
		list_add_tail(&f->list, &s->files);
		s->nr_files++;
	}
	return NULL;
}

/* The versions of the LUO state this kernel writes and reads */
struct kho_abi_record luo_abi = {
	.name = LUO_FDT_FAMILY,
	.desc = "a live update state",
	.writes = LUO_FDT_VERSION,
	.min = LUO_FDT_MIN_VERSION,
	.max = LUO_FDT_VERSION,
};

/* Parse the "luo-v1" FDT in @folio; a reason on failure */
static const char *luo_deserialize_fdt(struct folio *folio)
{
	static char buf[128];
	const void *fdt = folio_address(folio);
	const char *why, *compat;
	const u64 *nr;
	int off, sub, len;

	if (!kho_fdt_check_full(fdt, folio_size(folio)))
		return "not a well-formed FDT inside its folio";
	compat = fdt_getprop(fdt, 0, "compatible", &len);
	why = kho_abi_check(&luo_abi, "its root", compat, len, buf,
			    sizeof(buf));
	if (why)
		return why;
	nr = fdt_getprop(fdt, 0, LUO_FDT_LIVEUPDATE_NUMBER, &len);
	if (!nr || len != sizeof(*nr))
		return "no valid " LUO_FDT_LIVEUPDATE_NUMBER;
	off = fdt_subnode_offset(fdt, 0, LUO_FDT_SESSION_NODE);
	if (off < 0)
		return "no " LUO_FDT_SESSION_NODE " node";
	fdt_for_each_subnode(sub, fdt, off) {
		why = luo_deserialize_session(fdt, sub);
		if (why)
			return why;
	}
	if (sub != -FDT_ERR_NOTFOUND)
		return "the session nodes cannot be walked";
	memcpy(&luo_number, nr, sizeof(luo_number));
	return NULL;
}

/**
 * luo_deserialize() - read the sessions the previous kernel handed over
 *
 * Every size, count and string is checked; on any problem the whole
 * state is refused with one error message and there are no incoming
 * sessions (the memory they describe stays reserved until the next live
 * update).
 *
 * Context: Boot (initcall); takes luo_mutex.
 */
void luo_deserialize(void)
{
	struct luo_session *s, *tmp;
	struct folio *folio;
	const char *why;
	phys_addr_t phys;
	int err;

	err = kho_retrieve_subtree(LUO_FDT_NODE_NAME, &phys);
	if (err == -ENOENT || err == -EOPNOTSUPP)
		return;
	if (err) {
		pr_err("refusing the handed-over state: no valid subtree (%pe)\n",
		       ERR_PTR(err));
		return;
	}
	folio = kho_restore_folio(phys);
	if (!folio) {
		pr_err("refusing the handed-over state: its FDT at %pa is not a preserved folio\n",
		       &phys);
		return;
	}
	mutex_lock(&luo_mutex);
	why = luo_deserialize_fdt(folio);
	if (why) {
		list_for_each_entry_safe(s, tmp, &luo_incoming, list) {
			luo_file_free_list(s);
			list_del(&s->list);
			kfree(s);
		}
		luo_number = 0;
		pr_err("refusing the handed-over state: %s; booting with no incoming sessions\n",
		       why);
	} else {
		unsigned long n = 0;

		list_for_each_entry(s, &luo_incoming, list)
			n++;
		pr_info("live update %llu: %lu incoming session(s)\n",
			luo_number, n);
	}
	mutex_unlock(&luo_mutex);
	folio_put(folio);
}

/**
 * luo_sessions_show() - list the sessions, for debugfs
 * @m: where to print
 *
 * Context: Process context; takes luo_mutex.
 */
void luo_sessions_show(struct seq_file *m)
{
	struct luo_session *s;
	struct luo_file *f;

	mutex_lock(&luo_mutex);
	seq_printf(m, "liveupdate-number %llu\nstate %s\n", luo_number,
		   luo_frozen ? "frozen" : "normal");
	list_for_each_entry(s, &luo_incoming, list) {
		seq_printf(m, "incoming %s %s files %lu\n", s->name,
			   s->retrieved ? "retrieved" : "unclaimed",
			   s->nr_files);
		list_for_each_entry(f, &s->files, list) {
			seq_printf(m, "  token %llu %s %s", f->token,
				   f->compatible,
				   f->file ? "retrieved" : "unclaimed");
			if (!f->file && f->err)
				seq_printf(m, " (last retrieve: %pe)",
					   ERR_PTR(f->err));
			seq_putc(m, '\n');
		}
	}
	list_for_each_entry(s, &luo_outgoing, list) {
		seq_printf(m, "outgoing %s%s files %lu\n", s->name,
			   s->closed ? " (closed)" : "", s->nr_files);
		list_for_each_entry(f, &s->files, list)
			seq_printf(m, "  token %llu %s%s\n", f->token,
				   f->compatible,
				   f->preserving ? " (preserving)" : "");
	}
	mutex_unlock(&luo_mutex);
}
