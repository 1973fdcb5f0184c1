// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live Update Orchestrator (LUO): fault injection for testing the next
 * kernel (CONFIG_KEXEC_HANDOVER_DEBUG).
 *
 * /sys/kernel/debug/liveupdate_fault names a corruption of the LUO
 * handover FDT, made in the FDT this kernel hands over right after it is
 * written; reading it lists the choices.  This kernel's own sessions are
 * not touched, and an abort frees the corrupted FDT like any other.  The
 * next kernel must refuse the state with one error and come up with no
 * incoming sessions.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/debugfs.h>
#include <linux/kho/abi/luo.h>
#include <linux/libfdt.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "luo_internal.h"

enum luo_fault {
	LUO_FAULT_NONE,
	LUO_FAULT_FDT_MAGIC,		/* not an FDT */
	LUO_FAULT_COMPATIBLE,		/* "luo-x1" */
	LUO_FAULT_NO_NUMBER,		/* liveupdate-number removed */
	LUO_FAULT_NAME_UNTERMINATED,	/* first session name without NUL */
	LUO_FAULT_DUPLICATE_TOKEN,	/* two files of a session, one token */
	LUO_FAULT_VERSION,		/* the next, unknown version: "luo-v2" */
};

static const char * const luo_fault_names[] = {
	[LUO_FAULT_NONE]		= "none",
	[LUO_FAULT_FDT_MAGIC]		= "fdt_magic",
	[LUO_FAULT_COMPATIBLE]		= "compatible",
	[LUO_FAULT_NO_NUMBER]		= "no_number",
	[LUO_FAULT_NAME_UNTERMINATED]	= "name_unterminated",
	[LUO_FAULT_DUPLICATE_TOKEN]	= "duplicate_token",
	[LUO_FAULT_VERSION]		= "version",
};

static enum luo_fault luo_fault;

/* The first session node with at least @files files, or a negative error */
static int luo_fault_session(void *fdt, int files)
{
	int off, sub, len;

	off = fdt_subnode_offset(fdt, 0, LUO_FDT_SESSION_NODE);
	if (off < 0)
		return off;
	fdt_for_each_subnode(sub, fdt, off)
		if (fdt_getprop(fdt, sub, LUO_FDT_SESSION_FILES, &len) &&
		    len >= files * (int)sizeof(struct luo_file_ser))
			return sub;
	return -FDT_ERR_NOTFOUND;
}

/**
 * luo_debug_fault() - corrupt the handover FDT as debugfs asked
 * @fdt: the FDT luo_serialize() is about to hand over
 *
 * Context: luo_serialize(), luo_mutex held.
 * Return: 0, or a negative libfdt error if the corruption cannot be made
 * (for example duplicate_token with no session of two files).
 */
int luo_debug_fault(void *fdt)
{
	struct luo_file_ser *ser;
	char *name, compat[16];
	int off, len, err = 0;

	switch (luo_fault) {
	case LUO_FAULT_NONE:
		return 0;
	case LUO_FAULT_FDT_MAGIC:
		((struct fdt_header *)fdt)->magic = cpu_to_fdt32(0xdeadbeef);
		break;
	case LUO_FAULT_COMPATIBLE:
		err = fdt_setprop_inplace(fdt, 0, "compatible", "luo-x1",
					  sizeof("luo-x1"));
		break;
	case LUO_FAULT_VERSION:
		snprintf(compat, sizeof(compat), "%s-v%u", luo_abi.name,
			 luo_abi.writes + 1);
		err = fdt_setprop_inplace(fdt, 0, "compatible", compat,
					  strlen(compat) + 1);
		break;
	case LUO_FAULT_NO_NUMBER:
		err = fdt_nop_property(fdt, 0, LUO_FDT_LIVEUPDATE_NUMBER);
		break;
	case LUO_FAULT_NAME_UNTERMINATED:
		off = luo_fault_session(fdt, 0);
		name = off < 0 ? NULL :
		       fdt_getprop_w(fdt, off, LUO_FDT_SESSION_NAME, &len);
		if (name && len > 0)
			name[len - 1] = 'x';
		else
			err = off < 0 ? off : -FDT_ERR_NOTFOUND;
		break;
	case LUO_FAULT_DUPLICATE_TOKEN:
		off = luo_fault_session(fdt, 2);
		ser = off < 0 ? NULL :
		      fdt_getprop_w(fdt, off, LUO_FDT_SESSION_FILES, &len);
		if (ser)
			ser[1].token = ser[0].token;
		else
			err = off;
		break;
	}
	if (err)
		pr_err("cannot inject fault %s (libfdt error %d)\n",
		       luo_fault_names[luo_fault], err);
	else
		pr_warn("fault %s injected into the outgoing handover\n",
			luo_fault_names[luo_fault]);
	return err;
}

static int luo_fault_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(luo_fault_names); i++)
		seq_printf(m, i == luo_fault ? "[%s]%s" : "%s%s",
			   luo_fault_names[i],
			   i + 1 < ARRAY_SIZE(luo_fault_names) ? " " : "\n");
	return 0;
}

static int luo_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, luo_fault_show, NULL);
}

static ssize_t luo_fault_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[32];
	int i;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	i = sysfs_match_string(luo_fault_names, strim(buf));
	if (i < 0)
		return i;
	mutex_lock(&luo_mutex);
	luo_fault = i;
	mutex_unlock(&luo_mutex);
	return count;
}

static const struct file_operations luo_fault_fops = {
	.owner		= THIS_MODULE,
	.open		= luo_fault_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= luo_fault_write,
};

/**
 * luo_debug_init() - create /sys/kernel/debug/liveupdate_fault
 *
 * Context: Boot (initcall).
 */
void luo_debug_init(void)
{
	debugfs_create_file("liveupdate_fault", 0600, NULL, NULL,
			    &luo_fault_fops);
}
