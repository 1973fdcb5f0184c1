// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live Update Orchestrator: sessions.
 *
 * A session is a named set of preserved files, held by user space as an
 * anonymous-inode file descriptor.  Outgoing sessions are created on
 * /dev/liveupdate and live as long as their descriptor.  Incoming
 * sessions, those the previous kernel handed over, are retrieved by name.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"

static LIST_HEAD(luo_outgoing);
static LIST_HEAD(luo_incoming);

static struct luo_session *luo_session_find(struct list_head *head,
					    const char *name)
{
	struct luo_session *s;

	list_for_each_entry(s, head, list)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

static struct luo_session *luo_session_alloc(const char *name, bool incoming)
{
	struct luo_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	strscpy(s->name, name, sizeof(s->name));
	s->incoming = incoming;
	return s;
}

/* Drop outgoing session @s: luo_mutex held */
static void luo_session_drop(struct luo_session *s)
{
	list_del(&s->list);
	kfree(s);
}

/* Finish incoming session @s, retrieved or not: luo_mutex held */
static void luo_session_finish(struct luo_session *s)
{
	list_del_init(&s->list);
	s->finished = true;
}

/* ---- session file descriptor ------------------------------------------- */

static int luo_session_release(struct inode *inode, struct file *file)
{
	struct luo_session *s = file->private_data;

	mutex_lock(&luo_mutex);
	if (s->incoming) {
		if (!s->finished)
			luo_session_finish(s);
		kfree(s);
	} else {
		luo_session_drop(s);
	}
	mutex_unlock(&luo_mutex);
	return 0;
}

static const struct file_operations luo_session_fops = {
	.owner		= THIS_MODULE,
	.release	= luo_session_release,
};

static struct file *luo_session_file(struct luo_session *s)
{
	return anon_inode_getfile("[liveupdate_session]", &luo_session_fops,
				  s, O_RDWR);
}

/**
 * luo_session_create() - create an outgoing session
 * @name:  its name, NUL-terminated, 1 to 63 bytes
 * @filep: set to the session's new file
 *
 * Context: Process context; takes luo_mutex.
 * Return: 0, -EEXIST if an outgoing session has that name, -ENOMEM.
 */
int luo_session_create(const char *name, struct file **filep)
{
	struct luo_session *s;
	struct file *file;
	int ret = 0;

	mutex_lock(&luo_mutex);
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
