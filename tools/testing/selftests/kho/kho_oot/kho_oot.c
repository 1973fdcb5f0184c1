// SPDX-License-Identifier: GPL-2.0
/*
 * kho_oot - an out-of-tree Kexec HandOver user written only against the
 * notifier-era KHO API of mainline kernels: it must build against this
 * tree's headers unchanged.
 *
 * On load it looks for its own subtree from the previous kernel; if there
 * is one, it finds its node by path, walks the nodes and properties, and
 * restores the folio and the vmalloc() area listed there and checks their
 * patterns.  Then it preserves a new order-2 folio and a new three-page
 * vmalloc() area filled with patterns and, when the handover is finalized,
 * describes them in an FDT added as subtree "kho_oot": node "/state" with
 * "data", the folio's address, and "table", the &struct kho_vmalloc kept
 * by value, as mainline's users keep it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#define KHO_OOT_ORDER	2
#define KHO_OOT_PATTERN	0x6b686f6f74ULL		/* "khoot" */
#define KHO_OOT_TABLE	(3 * PAGE_SIZE)

static unsigned int hold_ms;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "wait this long between preserving and registering (a test's window for a finalize)");

static struct folio *data, *fdt_folio;
static u64 *table;
static struct kho_vmalloc table_pres;

static void kho_oot_fill(struct folio *folio)
{
	u64 *p = folio_address(folio);
	size_t i;

	for (i = 0; i < folio_size(folio) / sizeof(u64); i++)
		p[i] = KHO_OOT_PATTERN ^ i;
}

static bool kho_oot_intact(const u64 *p, size_t size)
{
	size_t i;

	for (i = 0; i < size / sizeof(u64); i++)
		if (p[i] != (KHO_OOT_PATTERN ^ i))
			return false;
	return true;
}

static int kho_oot_fdt(void *fdt, phys_addr_t phys)
{
	u64 val = phys;
	int err;

	err = fdt_create(fdt, PAGE_SIZE);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_begin_node(fdt, "state");
	err = err ?: fdt_property(fdt, "data", &val, sizeof(val));
	err = err ?: fdt_property(fdt, "table", &table_pres,
				  sizeof(table_pres));
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_end_node(fdt);
	return err ?: fdt_finish(fdt);
}

static int kho_oot_notifier(struct notifier_block *nb, unsigned long action,
			    void *v)
{
	struct kho_serialization *ser = v;
	void *fdt = folio_address(fdt_folio);
	int err;

	switch (action) {
	case KEXEC_KHO_FINALIZE:
		/* KHO pins this module until the abort: no reference here */
		err = kho_oot_fdt(fdt, PFN_PHYS(folio_pfn(data)));
		err = err ?: kho_preserve_folio(fdt_folio);
		err = err ?: kho_add_subtree(ser, "kho_oot", fdt);
		return notifier_from_errno(err);
	case KEXEC_KHO_ABORT:
		kho_unpreserve_folio(fdt_folio);
		return NOTIFY_DONE;
	default:
		return NOTIFY_BAD;
	}
}

static struct notifier_block kho_oot_nb = {
	.notifier_call = kho_oot_notifier,
};

/* Read "/state" the way a mainline user may: by path, node and property */
static int kho_oot_state(const void *fdt, u64 *val, struct kho_vmalloc *pres)
{
	int off, node, prop, len, nodes = 0, found = 0;
	const char *name;
	const void *p;

	off = fdt_path_offset(fdt, "/state");
	if (off < 0)
		return -ENOENT;
	fdt_for_each_subnode(node, fdt, 0) {
		name = fdt_get_name(fdt, node, NULL);
		if (name && !strcmp(name, "state"))
			nodes++;
	}
	fdt_for_each_property_offset(prop, fdt, off) {
		p = fdt_getprop_by_offset(fdt, prop, &name, &len);
		if (!p)
			return -EINVAL;
		if (!strcmp(name, "data") && len == sizeof(*val)) {
			memcpy(val, p, sizeof(*val));
			found |= 1;
		} else if (!strcmp(name, "table") && len == sizeof(*pres)) {
			memcpy(pres, p, sizeof(*pres));
			found |= 2;
		}
	}
	return nodes == 1 && found == 3 ? 0 : -EINVAL;
}

/* Check what the previous kernel handed over, if anything */
static int kho_oot_restore(void)
{
	struct kho_vmalloc pres;
	struct folio *old, *blob;
	phys_addr_t phys;
	u64 *old_table;
	u64 val;
	int err;

	if (kho_retrieve_subtree("kho_oot", &phys))
		return 0;
	err = kho_oot_state(phys_to_virt(phys), &val, &pres);
	if (err) {
		pr_err("handed-over state unreadable (%d)\n", err);
		return err;
	}
	old = kho_restore_folio(val);
	if (!old || folio_order(old) != KHO_OOT_ORDER ||
	    !kho_oot_intact(folio_address(old), folio_size(old))) {
		pr_err("handed-over folio lost or damaged\n");
		return -EIO;
	}
	folio_put(old);
	old_table = kho_restore_vmalloc(&pres);
	if (!old_table || !kho_oot_intact(old_table, KHO_OOT_TABLE)) {
		pr_err("handed-over vmalloc area lost or damaged\n");
		vfree(old_table);
		return -EIO;
	}
	vfree(old_table);
	pr_info("restored an order-%u folio and a %lu-byte vmalloc area from the previous kernel, content intact\n",
		KHO_OOT_ORDER, KHO_OOT_TABLE);
	blob = kho_restore_folio(phys);
	if (blob)
		folio_put(blob);
	return 0;
}

/*
 * Take a preserve back on a failed load.  Until this module's notifier is
 * on the chain a finalize needs nothing from it, so one may have come since
 * the preserve, and KHO then refuses with -EBUSY: wait for the abort, for
 * the memory is about to be freed and must not stay in the handover.
 */
#define kho_oot_take_back(call) ({			\
	int __ret;					\
							\
	while ((__ret = (call)) == -EBUSY)		\
		msleep(20);				\
	WARN_ON(__ret);					\
})

static int __init kho_oot_init(void)
{
	size_t i;
	int err;

	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	err = kho_oot_restore();
	if (err)
		return err;

	data = folio_alloc(GFP_KERNEL, KHO_OOT_ORDER);
	fdt_folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!data || !fdt_folio) {
		err = -ENOMEM;
		goto err_free;
	}
	kho_oot_fill(data);
	err = kho_preserve_folio(data);
	if (err)
		goto err_free;
	table = vmalloc(KHO_OOT_TABLE);
	if (!table) {
		err = -ENOMEM;
		goto err_unpreserve;
	}
	for (i = 0; i < KHO_OOT_TABLE / sizeof(u64); i++)
		table[i] = KHO_OOT_PATTERN ^ i;
	err = kho_preserve_vmalloc(table, &table_pres);
	if (err)
		goto err_vfree;
	if (hold_ms) {
		pr_info("holding %u ms before registering\n", hold_ms);
		msleep(hold_ms);
	}
	err = register_kho_notifier(&kho_oot_nb);
	if (err)
		goto err_unpreserve_table;
	pr_info("preserved an order-%u folio and a %lu-byte vmalloc area\n",
		KHO_OOT_ORDER, KHO_OOT_TABLE);
	return 0;

err_unpreserve_table:
	if (err == -EBUSY)
		pr_info("handover finalized while loading; unpreserving once it is aborted\n");
	kho_oot_take_back(kho_unpreserve_vmalloc(&table_pres));
err_vfree:
	vfree(table);
err_unpreserve:
	kho_oot_take_back(kho_unpreserve_folio(data));
err_free:
	if (data)
		folio_put(data);
	if (fdt_folio)
		folio_put(fdt_folio);
	return err;
}
module_init(kho_oot_init);

/*
 * Unpreserve before unregistering: while the notifier is on the chain no
 * finalize can succeed (this module is going, so KHO cannot pin it), but
 * once it is off one can, and the unpreserve would then fail with -EBUSY
 * and leave freed memory in the handover.
 */
static void __exit kho_oot_exit(void)
{
	WARN_ON(kho_unpreserve_vmalloc(&table_pres));
	WARN_ON(kho_unpreserve_folio(data));
	unregister_kho_notifier(&kho_oot_nb);
	vfree(table);
	folio_put(data);
	folio_put(fdt_folio);
}
module_exit(kho_oot_exit);

MODULE_DESCRIPTION("Out-of-tree Kexec HandOver user for the KHO selftests");
MODULE_LICENSE("GPL");
