// SPDX-License-Identifier: GPL-2.0
/*
 * kho_oot - an out-of-tree Kexec HandOver user written only against the
 * notifier-era KHO API of mainline kernels: it must build against this
 * tree's headers unchanged.
 *
 * On load it looks for its own subtree from the previous kernel; if there
 * is one, it restores the folio listed there and checks its pattern.  Then
 * it preserves a new order-2 folio filled with a pattern and, when the
 * handover is finalized, describes it in an FDT added as subtree
 * "kho_oot".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>

#define KHO_OOT_ORDER	2
#define KHO_OOT_PATTERN	0x6b686f6f74ULL		/* "khoot" */

static struct folio *data, *fdt_folio;

static void kho_oot_fill(struct folio *folio)
{
	u64 *p = folio_address(folio);
	size_t i;

	for (i = 0; i < folio_size(folio) / sizeof(u64); i++)
		p[i] = KHO_OOT_PATTERN ^ i;
}

static bool kho_oot_intact(struct folio *folio)
{
	const u64 *p = folio_address(folio);
	size_t i;

	for (i = 0; i < folio_size(folio) / sizeof(u64); i++)
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
	err = err ?: fdt_property(fdt, "data", &val, sizeof(val));
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

/* Check what the previous kernel handed over, if anything */
static int kho_oot_restore(void)
{
	struct folio *old, *blob;
	phys_addr_t phys;
	const u64 *val;
	int len;

	if (kho_retrieve_subtree("kho_oot", &phys))
		return 0;
	val = fdt_getprop(phys_to_virt(phys), 0, "data", &len);
	if (!val || len != sizeof(*val))
		return -EINVAL;
	old = kho_restore_folio(*val);
	if (!old || folio_order(old) != KHO_OOT_ORDER || !kho_oot_intact(old)) {
		pr_err("handed-over folio lost or damaged\n");
		return -EIO;
	}
	pr_info("restored an order-%u folio from the previous kernel, content intact\n",
		KHO_OOT_ORDER);
	folio_put(old);
	blob = kho_restore_folio(phys);
	if (blob)
		folio_put(blob);
	return 0;
}

static int __init kho_oot_init(void)
{
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
	err = register_kho_notifier(&kho_oot_nb);
	if (err)
		goto err_unpreserve;
	pr_info("preserved an order-%u folio\n", KHO_OOT_ORDER);
	return 0;

err_unpreserve:
	kho_unpreserve_folio(data);
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
	WARN_ON(kho_unpreserve_folio(data));
	unregister_kho_notifier(&kho_oot_nb);
	folio_put(data);
	folio_put(fdt_folio);
}
module_exit(kho_oot_exit);

MODULE_DESCRIPTION("Out-of-tree Kexec HandOver user for the KHO selftests");
MODULE_LICENSE("GPL");
