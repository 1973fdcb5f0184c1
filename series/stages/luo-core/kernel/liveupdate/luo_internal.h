/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live Update Orchestrator internals, shared by kernel/liveupdate/ only.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_INTERNAL_H

#include <linux/list.h>
#include <linux/liveupdate.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct file;

/**
 * struct luo_session - a named set of files
 * @list:      entry in the outgoing or incoming session list
 * @name:      NUL-terminated name
 * @incoming:  preserved by the previous kernel
 * @retrieved: incoming: user space holds a file descriptor for it
 * @finished:  incoming: finished; off the incoming list, only the file
 *             descriptor keeps it
 */
struct luo_session {
	struct list_head list;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	bool incoming;
	bool retrieved;
	bool finished;
};

/* One mutex guards all LUO state: the session lists and every session */
extern struct mutex luo_mutex;

/* luo_core.c */
int luo_copy_arg(void *karg, size_t ksize, size_t min,
		 const void __user *uarg, u32 *usize);
int luo_copy_back(void __user *uarg, const void *karg, size_t ksize,
		  u32 usize);

/* luo_session.c */
int luo_session_create(const char *name, struct file **filep);
int luo_session_retrieve(const char *name, struct file **filep);

#endif /* _KERNEL_LIVEUPDATE_LUO_INTERNAL_H */
