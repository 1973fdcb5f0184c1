// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live Update Orchestrator: file handlers and the files of a session.
 *
 * A file handler says which files it can preserve and knows how to hand
 * them over; it is known by its compatible string, which the handover
 * records with every file so that the next kernel finds the handler again.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"

/* A handler's compatible, as it may be registered, fits the handover record */
static_assert(LIVEUPDATE_HNDL_COMPAT_LENGTH <= LUO_FILE_COMPAT_LENGTH);

static LIST_HEAD(luo_handlers);

/* The handler whose compatible is @compat; luo_mutex held */
static struct liveupdate_file_handler *luo_handler_find(const char *compat)
{
	struct liveupdate_file_handler *h;

	list_for_each_entry(h, &luo_handlers, list)
		if (!strcmp(h->compatible, compat))
			return h;
	return NULL;
}

/**
 * liveupdate_register_file_handler() - add a kind of file LUO can preserve
 * @h: the handler; its @ops and @compatible must stay valid until it is
 *     unregistered
 *
 * Context: Process context; may sleep.
 * Return: 0 on success, -EOPNOTSUPP if live update is off on this boot,
 * -EINVAL for a missing operation or a compatible string that is empty or
 * too long, -EEXIST if a handler with the same compatible is registered.
 */
int liveupdate_register_file_handler(struct liveupdate_file_handler *h)
{
	const struct liveupdate_file_ops *ops = h->ops;
	int ret = 0;

	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	if (!ops || !ops->can_preserve || !ops->preserve || !ops->unpreserve ||
	    !ops->freeze || !ops->unfreeze || !ops->retrieve || !ops->finish ||
	    !h->compatible || !*h->compatible ||
	    strnlen(h->compatible, LIVEUPDATE_HNDL_COMPAT_LENGTH) >=
	    LIVEUPDATE_HNDL_COMPAT_LENGTH)
		return -EINVAL;

	mutex_lock(&luo_mutex);
	if (luo_handler_find(h->compatible))
		ret = -EEXIST;
	else
		list_add_tail(&h->list, &luo_handlers);
	mutex_unlock(&luo_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(liveupdate_register_file_handler);

/**
 * liveupdate_unregister_file_handler() - undo liveupdate_register_file_handler()
 * @h: the handler
 *
 * Every file the handler preserves holds a reference on its module, so a
 * module can only unregister once no file of its kind is preserved.
 * Incoming files of its kind that were not retrieved yet can no longer be.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success, -EOPNOTSUPP if live update is off, -ENOENT if @h
 * is not registered.
 */
int liveupdate_unregister_file_handler(struct liveupdate_file_handler *h)
{
	int ret = -ENOENT;

	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	mutex_lock(&luo_mutex);
	if (luo_handler_find(h->compatible) == h) {
		list_del_init(&h->list);
		ret = 0;
	}
	mutex_unlock(&luo_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(liveupdate_unregister_file_handler);

/* The file of @s preserved or handed over with @token, or NULL */
struct luo_file *luo_file_find(struct luo_session *s, u64 token)
{
	struct luo_file *f;

	list_for_each_entry(f, &s->files, list)
		if (f->token == token)
			return f;
	return NULL;
}

/*
 * Preserve the file behind @fd in outgoing session @s under @token:
 * luo_mutex held, not frozen.  The session holds a reference on the file
 * and on its handler's module until the file is unpreserved.
 *
 * Only a descriptor open for writing may preserve a file: preserving
 * freezes the file's size for every user of it and gives a writable file
 * back in the next kernel, neither of which a reader may do.  -EBADF, as
 * write(2) and fallocate(2) answer on such a descriptor.
 *
 * The handler's preserve runs with luo_mutex dropped: it may pin a big
 * memfd, and other sessions need not wait for that.  The file is on @s's
 * list meanwhile, so that its token is taken, and counted in
 * luo_preserving, so that the handover waits for it.  The session cannot
 * go away: the caller's ioctl holds its file.
 */
int luo_file_preserve(struct luo_session *s, int fd, u64 token)
{
	struct liveupdate_file_handler *h;
	struct luo_file *f;
	struct file *file;
	int ret;

	file = fget(fd);
	if (!file)
		return -EBADF;
	ret = -EEXIST;
	if (luo_file_find(s, token))
		goto out_fput;

	ret = -ENOENT;
	list_for_each_entry(h, &luo_handlers, list)
		if (h->ops->can_preserve(h, file))
			break;
	if (list_entry_is_head(h, &luo_handlers, list))
		goto out_fput;
	ret = -EBADF;
	if (!(file->f_mode & FMODE_WRITE))
		goto out_fput;

	/* Charged to the caller's memory cgroup, as what it preserves is */
	ret = -ENOMEM;
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		goto out_fput;
	ret = -ENODEV;
	if (!try_module_get(h->ops->owner))
		goto out_free;

	f->token = token;
	f->fh = h;
	f->file = file;
	f->preserving = true;
	strscpy(f->compatible, h->compatible, sizeof(f->compatible));
	list_add_tail(&f->list, &s->files);
	luo_preserving++;
	mutex_unlock(&luo_mutex);

	ret = h->ops->preserve(h, file, &f->priv);

	mutex_lock(&luo_mutex);
	f->preserving = false;
	if (!--luo_preserving)
		wake_up_all(&luo_preserve_wq);
	if (ret) {
		list_del(&f->list);
		goto out_put;
	}
	s->nr_files++;
	return 0;

out_put:
	module_put(h->ops->owner);
out_free:
	kfree(f);
out_fput:
	fput(file);
	return ret;
}

/* Unpreserve every file of outgoing session @s: luo_mutex held, thawed */
void luo_file_unpreserve_all(struct luo_session *s)
{
	struct luo_file *f, *tmp;

	list_for_each_entry_safe_reverse(f, tmp, &s->files, list) {
		struct liveupdate_file_handler *h = f->fh;

		WARN_ON(f->frozen);
		h->ops->unpreserve(h, f->file, f->priv);
		fput(f->file);
		module_put(h->ops->owner);
		list_del(&f->list);
		kfree(f);
	}
	s->nr_files = 0;
}

/* Freeze every file of @s, all or none: luo_mutex held */
int luo_file_freeze_all(struct luo_session *s)
{
	struct luo_file *f;
	int ret;

	list_for_each_entry(f, &s->files, list) {
		ret = f->fh->ops->freeze(f->fh, f->file, f->priv, &f->data);
		if (ret) {
			pr_err("session '%s': cannot freeze the file with token %llu (%s): %pe\n",
			       s->name, f->token, f->compatible, ERR_PTR(ret));
			luo_file_unfreeze_all(s);
			return ret;
		}
		f->frozen = true;
	}
	return 0;
}

/* Undo luo_file_freeze_all(), also a partial one: luo_mutex held */
void luo_file_unfreeze_all(struct luo_session *s)
{
	struct luo_file *f;

	list_for_each_entry_reverse(f, &s->files, list) {
		if (!f->frozen)
			continue;
		f->fh->ops->unfreeze(f->fh, f->file, f->priv);
		f->frozen = false;
		f->data = 0;
	}
}

/* The handler of incoming file @f, or NULL if none is registered */
static struct liveupdate_file_handler *luo_file_handler(struct luo_file *f)
{
	return f->fh ?: luo_handler_find(f->compatible);
}

/*
 * Give back the incoming file of @s handed over with @token, with a new
 * reference in *@filep: luo_mutex held.  The first call asks the handler
 * to rebuild the file; later calls return the same open file.  A failed
 * call loses nothing: the file stays retrievable, and the handler gets
 * back whatever it kept (f->priv) at the next call.
 */
int luo_file_retrieve(struct luo_session *s, u64 token, struct file **filep)
{
	struct luo_file *f = luo_file_find(s, token);
	struct liveupdate_file_handler *h;
	struct file *file;
	bool kept;

	if (!f)
		return -ENOENT;
	if (!f->file) {
		h = luo_file_handler(f);
		if (!h) {
			char buf[128];
			const char *why;

			/* A handler of another version of the record? */
			why = kho_abi_refusal("its handler compatible",
					      f->compatible,
					      sizeof(f->compatible), buf,
					      sizeof(buf));
			if (why)
				pr_err("session '%s': cannot retrieve the file with token %llu: %s\n",
				       s->name, token, why);
			else
				pr_warn("session '%s': no handler '%s' for the file with token %llu\n",
					s->name, f->compatible, token);
			return -EOPNOTSUPP;
		}
		/* A module reference goes with what a failure keeps */
		kept = f->priv;
		if (!kept && !try_module_get(h->ops->owner))
			return -ENODEV;
		file = h->ops->retrieve(h, f->data, &f->priv);
		if (IS_ERR(file)) {
			f->err = PTR_ERR(file);
			pr_err_ratelimited("session '%s': cannot retrieve the file with token %llu (%s): %pe; it stays retrievable: fix the cause and retrieve it again, or finish the session to free it\n",
					   s->name, token, f->compatible, file);
			if (f->priv) {
				f->fh = h;
			} else {
				f->fh = NULL;
				module_put(h->ops->owner);
			}
			return f->err;
		}
		if (WARN_ON_ONCE(f->priv))
			f->priv = NULL;
		module_put(h->ops->owner);
		f->fh = h;
		f->file = file;
		f->err = 0;
	}
	*filep = get_file(f->file);
	return 0;
}

/* Whether every file of incoming session @s was retrieved */
bool luo_file_all_retrieved(struct luo_session *s)
{
	struct luo_file *f;

	list_for_each_entry(f, &s->files, list)
		if (!f->file)
			return false;
	return true;
}

/* 0 if every handler of incoming session @s lets it finish, or -EBUSY */
int luo_file_can_finish(struct luo_session *s)
{
	struct luo_file *f;

	list_for_each_entry(f, &s->files, list) {
		struct liveupdate_file_handler *h = luo_file_handler(f);

		if (!h || !h->ops->can_finish)
			continue;
		if (!h->ops->can_finish(h, f->file, f->data))
			return -EBUSY;
	}
	return 0;
}

/*
 * Finish incoming session @s: every retrieved file is the user's from now
 * on, every other one is freed by its handler.  A file whose handler is
 * unknown stays reserved (until the next live update).  luo_mutex held.
 */
void luo_file_finish_all(struct luo_session *s)
{
	struct luo_file *f, *tmp;

	list_for_each_entry_safe(f, tmp, &s->files, list) {
		struct liveupdate_file_handler *h = luo_file_handler(f);

		if (h)
			h->ops->finish(h, f->file, f->data, f->priv);
		else
			pr_warn("session '%s': no handler '%s' for the file with token %llu; its memory stays reserved\n",
				s->name, f->compatible, f->token);
		/* The reference a failed retrieve kept with f->priv */
		if (h && f->priv)
			module_put(h->ops->owner);
		if (f->file)
			fput(f->file);
		list_del(&f->list);
		kfree(f);
	}
	s->nr_files = 0;
}

/* Free the file list of an incoming session that is dropped unused */
void luo_file_free_list(struct luo_session *s)
{
	struct luo_file *f, *tmp;

	list_for_each_entry_safe(f, tmp, &s->files, list) {
		list_del(&f->list);
		kfree(f);
	}
	s->nr_files = 0;
}
