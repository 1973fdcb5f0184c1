/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live Update Orchestrator internals, shared by kernel/liveupdate/ only.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_INTERNAL_H

#include <linux/kexec_handover.h>
#include <linux/kho/abi/luo.h>
#include <linux/list.h>
#include <linux/liveupdate.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>

struct file;
struct kho_serialization;
struct seq_file;

/**
 * struct luo_file - a file in a session
 * @list:       entry in &luo_session.files
 * @token:      user space's name for the file
 * @fh:         its handler; for an incoming file set while @file or @priv
 *              is, and found again at each retrieve otherwise
 * @file:       outgoing: the preserved file (a reference is held);
 *              incoming: the retrieved file (a reference), or NULL
 * @priv:       outgoing: the handler's private data; incoming: what a
 *              failed retrieve kept for the next one (a reference on the
 *              handler's module is held with it), or NULL
 * @data:       the handler's handle: written at freeze (outgoing), read
 *              from the previous kernel (incoming)
 * @err:        incoming: the error of the last retrieve, if it failed
 * @frozen:     outgoing: @fh's freeze succeeded and was not undone
 * @preserving: outgoing: @fh is preserving it, without luo_mutex; it
 *              holds its token, but is in no count and is not frozen
 * @compatible: its handler's compatible: copied from @fh at preserve
 *              (outgoing), read from the previous kernel (incoming)
 */
struct luo_file {
	struct list_head list;
	u64 token;
	struct liveupdate_file_handler *fh;
	struct file *file;
	void *priv;
	u64 data;
	int err;
	bool frozen;
	bool preserving;
	char compatible[LUO_FILE_COMPAT_LENGTH];
};

/**
 * struct luo_session - a named set of files
 * @list:      entry in the outgoing or incoming session list
 * @name:      NUL-terminated name
 * @files:     &struct luo_file list, in preservation order
 * @nr_files:  length of @files
 * @incoming:  preserved by the previous kernel
 * @retrieved: incoming: user space holds a file descriptor for it; when
 *             that is closed with a file not retrieved yet, the session
 *             is unclaimed again (and can be retrieved again)
 * @finished:  incoming: finished; off the incoming list, only the file
 *             descriptor keeps it
 * @closed:    outgoing: its file descriptor was closed while the handover
 *             was frozen; dropped at the abort
 */
struct luo_session {
	struct list_head list;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct list_head files;
	unsigned long nr_files;
	bool incoming;
	bool retrieved;
	bool finished;
	bool closed;
};

/*
 * One mutex guards all LUO state: the session lists, every session and
 * file, the frozen state and the handler list.  It is taken by the KHO
 * finalize and abort notifier (under KHO's own lock), so nothing under it
 * may finalize or abort KHO; preserving memory with KHO is fine.
 *
 * A handler's preserve may take long (a big memfd is filled and pinned)
 * and runs without it: luo_preserving counts those under way, and the
 * handover waits on luo_preserve_wq until there are none.
 */
extern struct mutex luo_mutex;
extern bool luo_frozen;
extern unsigned int luo_preserving;
extern struct wait_queue_head luo_preserve_wq;
extern u64 luo_number;
extern struct kho_abi_record luo_abi;

/* luo_core.c */
int luo_copy_arg(void *karg, size_t ksize, size_t min,
		 const void __user *uarg, u32 *usize);
int luo_copy_back(void __user *uarg, const void *karg, size_t ksize,
		  u32 usize);

/* luo_session.c */
int luo_session_create(const char *name, struct file **filep);
int luo_session_retrieve(const char *name, struct file **filep);
int luo_serialize(struct kho_serialization *ser);
void luo_unserialize(void);
void luo_deserialize(void);
void luo_sessions_show(struct seq_file *m);

/* luo_file.c */
int luo_file_preserve(struct luo_session *s, int fd, u64 token);
void luo_file_unpreserve_all(struct luo_session *s);
int luo_file_freeze_all(struct luo_session *s);
void luo_file_unfreeze_all(struct luo_session *s);
int luo_file_retrieve(struct luo_session *s, u64 token, struct file **filep);
int luo_file_can_finish(struct luo_session *s);
bool luo_file_all_retrieved(struct luo_session *s);
void luo_file_finish_all(struct luo_session *s);
struct luo_file *luo_file_find(struct luo_session *s, u64 token);
void luo_file_free_list(struct luo_session *s);

/* luo_debug.c */
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
int luo_debug_fault(void *fdt);
void luo_debug_init(void);
#else
static inline int luo_debug_fault(void *fdt)
{
	return 0;
}

static inline void luo_debug_init(void) { }
#endif

#endif /* _KERNEL_LIVEUPDATE_LUO_INTERNAL_H */
