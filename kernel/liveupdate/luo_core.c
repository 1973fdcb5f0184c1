// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live Update Orchestrator (LUO): /dev/liveupdate and the handover.
 *
 * Booted with liveupdate=on (and kho=on), the kernel offers
 * /dev/liveupdate, on which user space creates named sessions and
 * preserves file descriptors into them (include/uapi/linux/liveupdate.h).
 * When the KHO handover is finalized, LUO freezes every preserved file
 * and writes the sessions into the KHO subtree "LUO"; an abort thaws them.
 * The next kernel reads the subtree back at boot, validating everything,
 * and lets user space retrieve the sessions by name.
 *
 * State machine of the outgoing side:
 *
 * - normal: sessions are created, files preserved and unpreserved;
 * - frozen (KHO finalized): the handover lists every session; creating a
 *   session or preserving a file fails with EBUSY, and closing a session
 *   only marks it; KHO's abort returns to normal and drops the closed
 *   sessions.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/miscdevice.h>
#include <linux/notifier.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "luo_internal.h"

/* Guards all LUO state; see luo_internal.h */
DEFINE_MUTEX(luo_mutex);
bool luo_frozen;
unsigned int luo_preserving;
DECLARE_WAIT_QUEUE_HEAD(luo_preserve_wq);
/* liveupdate-number of the handover this kernel booted from, 0 if none */
u64 luo_number;

static bool luo_param __initdata;
static bool luo_enable __ro_after_init;
static atomic_t luo_dev_busy = ATOMIC_INIT(0);

static int __init luo_parse_enable(char *p)
{
	return kstrtobool(p, &luo_param);
}
early_param("liveupdate", luo_parse_enable);

/**
 * liveupdate_enabled() - is live update on for this boot?
 *
 * Live update needs ``liveupdate=on`` on the command line and Kexec
 * HandOver (``kho=on``); without either, /dev/liveupdate does not exist.
 * The answer is final once the initcalls have started.
 *
 * Context: Any context.
 * Return: true if live update is on.
 */
bool liveupdate_enabled(void)
{
	return luo_enable;
}
EXPORT_SYMBOL_GPL(liveupdate_enabled);

/**
 * luo_copy_arg() - copy an ioctl argument that starts with its size
 * @karg:  kernel copy, @ksize bytes
 * @ksize: size of the structure the kernel knows
 * @min:   end of the last field the kernel needs
 * @uarg:  user pointer
 * @usize: set to the size user space gave
 *
 * Context: Process context; may fault.
 * Return: 0, -EFAULT, -EINVAL if the size is below @min, -E2BIG if bytes
 * beyond @ksize are not zero.
 */
int luo_copy_arg(void *karg, size_t ksize, size_t min,
		 const void __user *uarg, u32 *usize)
{
	u32 size;
	int ret;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < min)
		return -EINVAL;
	ret = copy_struct_from_user(karg, ksize, uarg, size);
	if (ret)
		return ret;
	*usize = size;
	return 0;
}

/**
 * luo_copy_back() - copy an ioctl argument back, at most its user size
 * @uarg:  user pointer
 * @karg:  kernel copy
 * @ksize: its size
 * @usize: size user space gave
 *
 * Context: Process context; may fault.
 * Return: 0 or -EFAULT.
 */
int luo_copy_back(void __user *uarg, const void *karg, size_t ksize,
		  u32 usize)
{
	return copy_to_user(uarg, karg, min_t(size_t, ksize, usize)) ?
	       -EFAULT : 0;
}

/* Copy a session name in, NUL-terminated and not empty */
static int luo_name(char *dst, const __u8 *src)
{
	size_t len = strnlen(src, LIVEUPDATE_SESSION_NAME_LENGTH);

	if (!len || len == LIVEUPDATE_SESSION_NAME_LENGTH)
		return -EINVAL;
	memcpy(dst, src, len + 1);
	return 0;
}

/*
 * CREATE_SESSION and RETRIEVE_SESSION share one layout: name in, fd out.
 * The fd is reserved and written back before the session file exists, so
 * that nothing has to be undone after the session was made.
 */
static long luo_ioctl_session(void __user *uarg, bool create)
{
	struct liveupdate_ioctl_create_session arg;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct file *file;
	u32 usize;
	int ret, fd;

	BUILD_BUG_ON(sizeof(struct liveupdate_ioctl_create_session) !=
		     sizeof(struct liveupdate_ioctl_retrieve_session));
	ret = luo_copy_arg(&arg, sizeof(arg), sizeof(arg), uarg, &usize);
	if (ret)
		return ret;
	ret = luo_name(name, arg.name);
	if (ret)
		return ret;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	arg.fd = fd;
	ret = luo_copy_back(uarg, &arg, sizeof(arg), usize);
	if (ret)
		goto err_fd;
	ret = create ? luo_session_create(name, &file) :
		       luo_session_retrieve(name, &file);
	if (ret)
		goto err_fd;
	fd_install(fd, file);
	return 0;

err_fd:
	put_unused_fd(fd);
	return ret;
}

static long luo_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case LIVEUPDATE_IOCTL_CREATE_SESSION:
		return luo_ioctl_session(uarg, true);
	case LIVEUPDATE_IOCTL_RETRIEVE_SESSION:
		return luo_ioctl_session(uarg, false);
	default:
		return -EINVAL;
	}
}

/* One opener at a time; closing drops nothing, sessions have their fds */
static int luo_dev_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&luo_dev_busy, 0, 1))
		return -EBUSY;
	return 0;
}

static int luo_dev_release(struct inode *inode, struct file *file)
{
	atomic_set(&luo_dev_busy, 0);
	return 0;
}

static const struct file_operations luo_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= luo_dev_open,
	.release	= luo_dev_release,
	.unlocked_ioctl	= luo_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice luo_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "liveupdate",
	.fops	= &luo_dev_fops,
};

static int luo_kho_notifier(struct notifier_block *nb, unsigned long event,
			    void *data)
{
	switch (event) {
	case KEXEC_KHO_FINALIZE:
		return notifier_from_errno(luo_serialize(data));
	case KEXEC_KHO_ABORT:
		luo_unserialize();
		return NOTIFY_DONE;
	}
	return NOTIFY_DONE;
}

static struct notifier_block luo_kho_nb = {
	.notifier_call = luo_kho_notifier,
};

static int luo_sessions_seq_show(struct seq_file *m, void *v)
{
	luo_sessions_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(luo_sessions_seq);

static int __init luo_init(void)
{
	int ret;

	/* What this kernel reads, whether or not live update is on */
	WARN_ON(kho_abi_register(&luo_abi));
	if (!luo_param) {
		pr_info("off; boot with liveupdate=on (and kho=on) to enable it\n");
		return 0;
	}
	if (!kho_is_enabled()) {
		pr_warn("liveupdate=on ignored: Kexec HandOver is off (boot with kho=on)\n");
		return 0;
	}
	ret = register_kho_notifier(&luo_kho_nb);
	if (ret) {
		pr_err("cannot register with KHO (%pe); live update is off\n",
		       ERR_PTR(ret));
		return 0;
	}
	ret = misc_register(&luo_miscdev);
	if (ret) {
		pr_err("cannot register /dev/liveupdate (%pe); live update is off\n",
		       ERR_PTR(ret));
		unregister_kho_notifier(&luo_kho_nb);
		return 0;
	}
	luo_enable = true;
	luo_deserialize();
	debugfs_create_file("liveupdate", 0400, NULL, NULL,
			    &luo_sessions_seq_fops);
	luo_debug_init();
	pr_info("enabled: /dev/liveupdate\n");
	return 0;
}

/* After KHO (early) and the misc class (subsys); before the handlers */
device_initcall(luo_init);
