// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO) debugfs: the kho/ directory, kho/out/finalize, and
 * the files every other part adds under it (scratch, debug, abi, kho/in).
 *
 * Uses the outgoing side (kexec_handover.c) to finalize and abort; only
 * calls the other parts to add their files.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/mm.h>

#include "kexec_handover_internal.h"

static int kho_finalize_get(void *data, u64 *val)
{
	struct kho_out *out = data;

	*val = READ_ONCE(out->finalized);
	return 0;
}

static int kho_finalize_set(void *data, u64 val)
{
	struct kho_out *out = data;

	switch (val) {
	case 0:
		return kho_abort_checked(out);
	case 1:
		return kho_out_finalize(out);
	default:
		return -EINVAL;
	}
}
DEFINE_DEBUGFS_ATTRIBUTE(kho_finalize_fops, kho_finalize_get,
			 kho_finalize_set, "%llu\n");

/*
 * kho/out/ holds finalize, fdt (while finalized), sub_fdts/, and the scratch
 * region files scratch_phys and scratch_len; kho/in/ is described above.
 */
static int __init kho_debugfs_init(void)
{
	struct dentry *root;

	if (!kho_enable)
		return 0;

	root = debugfs_create_dir("kho", NULL);
	if (IS_ERR(root))
		goto err;
	kho_out.dir = debugfs_create_dir("out", root);
	if (IS_ERR(kho_out.dir))
		goto err;
	kho_out.sub_fdts = debugfs_create_dir("sub_fdts", kho_out.dir);
	if (IS_ERR(kho_out.sub_fdts))
		goto err;
	debugfs_create_file_unsafe("finalize", 0600, kho_out.dir, &kho_out,
				   &kho_finalize_fops);
	kho_scratch_debugfs(kho_out.dir);
	kho_debug_debugfs(kho_out.dir);
	kho_abi_debugfs(root);
	kho_debugfs_in(root);
	return 0;

err:
	debugfs_remove_recursive(root);
	kho_out.dir = NULL;
	kho_out.sub_fdts = NULL;
	pr_warn("cannot create debugfs files; finalize is unavailable from user space\n");
	return 0;
}
late_initcall(kho_debugfs_init);
