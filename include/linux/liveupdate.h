/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live Update Orchestrator (LUO): keep open files across a KHO kexec.
 *
 * User space preserves file descriptors into named sessions on
 * /dev/liveupdate (include/uapi/linux/liveupdate.h).  Each kind of file is
 * handled by a file handler, registered here and known by a compatible
 * string that is written into the handover, so that the next kernel finds
 * the handler able to give the file back.
 */
#ifndef _LINUX_LIVEUPDATE_H
#define _LINUX_LIVEUPDATE_H

#include <linux/errno.h>
#include <linux/list.h>
#include <linux/types.h>
#include <uapi/linux/liveupdate.h>

struct file;
struct module;

/* Length of a file handler's compatible string, including the NUL */
#define LIVEUPDATE_HNDL_COMPAT_LENGTH	48

struct liveupdate_file_handler;

/**
 * struct liveupdate_file_ops - what a file handler does
 * @can_preserve: whether this handler preserves @file; called with no
 *                LUO state changing, must not sleep for long
 * @preserve:     start preserving @file (PRESERVE_FD); may preserve memory
 *                with KHO already.  *@priv is the handler's, passed back
 *                to the calls below.  0 or a negative errno.
 * @unpreserve:   undo @preserve (the session was closed); cannot fail
 * @freeze:       the handover is being finalized: write what the next
 *                kernel needs, preserved with KHO, and describe it with
 *                *@data.  0 or a negative errno, which fails the
 *                finalize (and with it the reboot)
 * @unfreeze:     undo @freeze (finalize failed later, or was aborted)
 * @retrieve:     next kernel: give back the file described by @data
 *                (RETRIEVE_FD), or an ERR_PTR().  A failure must lose
 *                nothing the file holds: user space may fix the cause (a
 *                memory cgroup limit, say) and retrieve it again, or
 *                finish the session.  *@priv is NULL at the first call;
 *                a handler that took something out of the handover before
 *                it failed keeps it in *@priv, which LUO passes to the
 *                next @retrieve and to @finish of the same file.  On
 *                success *@priv must be NULL again.  Only a corrupt record
 *                may be given up (-EINVAL), after freeing what it could
 * @can_finish:   optional: false if @file (NULL if it was never retrieved)
 *                is still in use and the session cannot be finished
 * @finish:       next kernel: the session is finished.  @file is the
 *                retrieved file, or NULL if it was never retrieved: then
 *                free whatever @data, and @priv (what a failed @retrieve
 *                kept, or NULL), describe
 * @owner:        module of the handler; held while a file is preserved,
 *                and while a failed @retrieve keeps something in *@priv
 */
struct liveupdate_file_ops {
	bool (*can_preserve)(struct liveupdate_file_handler *h,
			     struct file *file);
	int (*preserve)(struct liveupdate_file_handler *h, struct file *file,
			void **priv);
	void (*unpreserve)(struct liveupdate_file_handler *h,
			   struct file *file, void *priv);
	int (*freeze)(struct liveupdate_file_handler *h, struct file *file,
		      void *priv, u64 *data);
	void (*unfreeze)(struct liveupdate_file_handler *h, struct file *file,
			 void *priv);
	struct file *(*retrieve)(struct liveupdate_file_handler *h, u64 data,
				 void **priv);
	bool (*can_finish)(struct liveupdate_file_handler *h,
			   struct file *file, u64 data);
	void (*finish)(struct liveupdate_file_handler *h, struct file *file,
		       u64 data, void *priv);
	struct module *owner;
};

/**
 * struct liveupdate_file_handler - a kind of file LUO can preserve
 * @ops:        what it does
 * @compatible: version string of its handover format, shorter than
 *              %LIVEUPDATE_HNDL_COMPAT_LENGTH; unique among handlers
 * @list:       LUO's, entry in the list of handlers
 */
struct liveupdate_file_handler {
	const struct liveupdate_file_ops *ops;
	const char *compatible;
	struct list_head list;
};

#ifdef CONFIG_LIVEUPDATE
bool liveupdate_enabled(void);
int liveupdate_register_file_handler(struct liveupdate_file_handler *h);
int liveupdate_unregister_file_handler(struct liveupdate_file_handler *h);
#else
static inline bool liveupdate_enabled(void)
{
	return false;
}

static inline int
liveupdate_register_file_handler(struct liveupdate_file_handler *h)
{
	return -EOPNOTSUPP;
}

static inline int
liveupdate_unregister_file_handler(struct liveupdate_file_handler *h)
{
	return -EOPNOTSUPP;
}
#endif /* CONFIG_LIVEUPDATE */

#endif /* _LINUX_LIVEUPDATE_H */
