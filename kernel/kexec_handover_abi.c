// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): the versions of the handover records.
 *
 * Every owner of a record of the handover (KHO's root, live update, a file
 * handler, a module's subtree) registers a &struct kho_abi_record saying
 * which version it writes and which it reads; debugfs kho/abi lists them,
 * so that an operator can tell before a kexec whether the next kernel reads
 * what this one writes.  The versions are checked by kho_abi_check(), in
 * kexec_handover_check.c.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "kexec_handover_internal.h"

static LIST_HEAD(kho_abi_records);
static DEFINE_MUTEX(kho_abi_lock);

/**
 * kho_abi_register - list a record of the handover in debugfs kho/abi
 * @r: the record; its fields must not change and it must stay valid until
 *     kho_abi_unregister()
 *
 * Context: Process context; takes a mutex.
 * Return: 0, -EINVAL if @r has no name or description, reads no version
 * or does not read the version it writes, or -EEXIST if a record of the
 * same name is registered.
 */
int kho_abi_register(struct kho_abi_record *r)
{
	struct kho_abi_record *e;
	int ret = 0;

	if (!r->name || !*r->name || !r->desc || r->min > r->max ||
	    r->writes < r->min || r->writes > r->max ||
	    r->max > KHO_ABI_VERSION_MAX)
		return -EINVAL;
	mutex_lock(&kho_abi_lock);
	list_for_each_entry(e, &kho_abi_records, list) {
		if (!strcmp(e->name, r->name)) {
			ret = -EEXIST;
			goto out;
		}
	}
	list_add_tail(&r->list, &kho_abi_records);
out:
	mutex_unlock(&kho_abi_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_abi_register);

/**
 * kho_abi_unregister - undo kho_abi_register()
 * @r: the record
 *
 * Context: Process context; takes a mutex.
 */
void kho_abi_unregister(struct kho_abi_record *r)
{
	mutex_lock(&kho_abi_lock);
	list_del(&r->list);
	mutex_unlock(&kho_abi_lock);
}
EXPORT_SYMBOL_GPL(kho_abi_unregister);

/**
 * kho_abi_refusal - check a compatible string against the registered records
 * @what:   how a refusal names the string's place, e.g. "its root"
 * @compat: the compatible string, @len bytes readable, maybe unterminated
 * @len:    bytes readable at @compat
 * @buf:    where to write a refusal, as for kho_abi_check()
 * @size:   size of @buf
 *
 * For a reader that found no exact match for @compat (a file handler of
 * live update, for example): if a record of its family is registered, say
 * why this kernel does not read it, naming both versions.
 *
 * Context: Process context; takes a mutex.
 * Return: the refusal in @buf, or NULL if no record of @compat's family is
 * registered or the registered one reads @compat.
 */
const char *kho_abi_refusal(const char *what, const char *compat, int len,
			    char *buf, size_t size)
{
	struct kho_abi_record *r;
	const char *why = NULL;

	mutex_lock(&kho_abi_lock);
	list_for_each_entry(r, &kho_abi_records, list) {
		if (kho_abi_version(compat, len, r->name) == -EINVAL)
			continue;
		why = kho_abi_check(r, what, compat, len, buf, size);
		break;
	}
	mutex_unlock(&kho_abi_lock);
	return why;
}
EXPORT_SYMBOL_GPL(kho_abi_refusal);

/* One line per record: name, the version written, the versions read */
static int kho_abi_show(struct seq_file *m, void *v)
{
	struct kho_abi_record *r;
	unsigned int i;

	mutex_lock(&kho_abi_lock);
	list_for_each_entry(r, &kho_abi_records, list) {
		seq_printf(m, "%s %s-v%u", r->name, r->name, r->writes);
		for (i = r->min; i <= r->max; i++)
			seq_printf(m, " %s-v%u", r->name, i);
		seq_putc(m, '\n');
	}
	mutex_unlock(&kho_abi_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_abi);

/**
 * kho_abi_debugfs - add the abi file to @dir
 * @dir: the kho directory
 */
void __init kho_abi_debugfs(struct dentry *dir)
{
	debugfs_create_file("abi", 0400, dir, NULL, &kho_abi_fops);
}

static int __init kho_abi_init(void)
{
	return kho_abi_register(&kho_abi_root);
}
early_initcall(kho_abi_init);
