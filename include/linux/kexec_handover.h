/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO): preserve memory and state across kexec.
 *
 * See Documentation/core-api/kho/index.rst.
 */
#ifndef _LINUX_KEXEC_HANDOVER_H
#define _LINUX_KEXEC_HANDOVER_H

#include <linux/errno.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/types.h>

struct folio;
struct notifier_block;
struct kho_serialization;

/**
 * enum kexec_kho_event - events sent to KHO notifiers
 * @KEXEC_KHO_FINALIZE: serialize state: preserve what the next kernel needs
 *                      and add a subtree with kho_add_subtree().  Return
 *                      NOTIFY_DONE (or NOTIFY_OK) on success, NOTIFY_BAD to
 *                      veto the handover.
 * @KEXEC_KHO_ABORT:    the handover was cancelled (or a FINALIZE failed):
 *                      undo whatever FINALIZE did.  Sent to every notifier,
 *                      including ones that never saw FINALIZE; cannot fail.
 *                      KHO has dropped every subtree (and its debugfs
 *                      view) before, so the notifier may free its FDT;
 *                      a FINALIZE that fails after kho_add_subtree() must
 *                      leave that to ABORT.
 */
enum kexec_kho_event {
	KEXEC_KHO_FINALIZE = 0,
	KEXEC_KHO_ABORT = 1,
};

/**
 * struct kho_abi_record - a versioned record of the handover
 * @name:   the record's family: its compatible string is ``"NAME-vN"``
 * @desc:   what such a record is, for refusals ("a KHO handover")
 * @writes: the version N this kernel writes
 * @min:    the oldest version this kernel reads
 * @max:    the newest version this kernel reads
 * @list:   KHO's, entry in the list of registered records
 *
 * Every record one kernel hands to the next carries its version in its
 * compatible string.  A reader accepts the versions @min to @max and
 * refuses any other (kho_abi_check()).  A writer that changes a record's
 * layout bumps @writes and @max, and keeps reading the old versions for as
 * long as it can, so @min stays where it was.
 */
struct kho_abi_record {
	const char *name;
	const char *desc;
	unsigned int writes;
	unsigned int min;
	unsigned int max;
	struct list_head list;
};

/* Largest version kho_abi_version() parses: at most five digits */
#define KHO_ABI_VERSION_MAX	99999

int kho_abi_version(const char *compat, size_t len, const char *family);
const char *kho_abi_check(const struct kho_abi_record *r, const char *what,
			  const char *compat, int len, char *buf, size_t size);

#ifdef CONFIG_KEXEC_HANDOVER
bool kho_is_enabled(void);

int kho_abi_register(struct kho_abi_record *r);
void kho_abi_unregister(struct kho_abi_record *r);
const char *kho_abi_refusal(const char *what, const char *compat, int len,
			    char *buf, size_t size);

int kho_preserve_folio(struct folio *folio);
int kho_unpreserve_folio(struct folio *folio);
int kho_preserve_phys(phys_addr_t phys, size_t size);
int kho_unpreserve_phys(phys_addr_t phys, size_t size);
int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation);
int kho_unpreserve_vmalloc(struct kho_vmalloc *preservation);

struct folio *kho_restore_folio(phys_addr_t phys);
void *kho_restore_phys(phys_addr_t phys, size_t size);
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation);

int register_kho_notifier(struct notifier_block *nb);
int unregister_kho_notifier(struct notifier_block *nb);

int kho_add_subtree(struct kho_serialization *ser, const char *name,
		    void *fdt);
int kho_retrieve_subtree(const char *name, phys_addr_t *phys);
#else
static inline bool kho_is_enabled(void)
{
	return false;
}

static inline int kho_abi_register(struct kho_abi_record *r)
{
	return 0;
}

static inline void kho_abi_unregister(struct kho_abi_record *r) { }

static inline const char *kho_abi_refusal(const char *what,
					  const char *compat, int len,
					  char *buf, size_t size)
{
	return NULL;
}

static inline int kho_preserve_folio(struct folio *folio)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_folio(struct folio *folio)
{
	return -EOPNOTSUPP;
}

static inline int kho_preserve_phys(phys_addr_t phys, size_t size)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_phys(phys_addr_t phys, size_t size)
{
	return -EOPNOTSUPP;
}

static inline int kho_preserve_vmalloc(void *ptr,
				       struct kho_vmalloc *preservation)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_vmalloc(struct kho_vmalloc *preservation)
{
	return -EOPNOTSUPP;
}

static inline struct folio *kho_restore_folio(phys_addr_t phys)
{
	return NULL;
}

static inline void *kho_restore_phys(phys_addr_t phys, size_t size)
{
	return NULL;
}

static inline void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	return NULL;
}

static inline int register_kho_notifier(struct notifier_block *nb)
{
	return -EOPNOTSUPP;
}

static inline int unregister_kho_notifier(struct notifier_block *nb)
{
	return -EOPNOTSUPP;
}

static inline int kho_add_subtree(struct kho_serialization *ser,
				  const char *name, void *fdt)
{
	return -EOPNOTSUPP;
}

static inline int kho_retrieve_subtree(const char *name, phys_addr_t *phys)
{
	return -EOPNOTSUPP;
}
#endif /* CONFIG_KEXEC_HANDOVER */

struct kimage;
struct kho_scratch_entry;

/**
 * struct kho_handover - what a KHO kexec passes to the next kernel
 * @fdt_phys:     physical address of the KHO FDT, finalized at the latest
 *                when the image is executed
 * @fdt_len:      size of the FDT buffer
 * @scratch_phys: physical address of the scratch list
 *                (&struct kho_scratch_entry array)
 * @scratch_len:  size of the scratch list in bytes
 */
struct kho_handover {
	phys_addr_t fdt_phys;
	u64 fdt_len;
	phys_addr_t scratch_phys;
	u64 scratch_len;
};

/* Hooks for architecture and memory-management code, not for drivers */
#ifdef CONFIG_KEXEC_HANDOVER
void kho_populate(phys_addr_t fdt_phys, u64 fdt_len,
		  phys_addr_t scratch_phys, u64 scratch_len);
void kho_scratch_init(void);
void kho_reserve_preserved(void);
void kho_reserve_scratch(void);
void kho_memory_init(void);
void kho_memory_init_done(void);
bool kho_scratch_only(void);
const struct kho_scratch_entry *kho_scratch_ranges(unsigned int *nr);
int kho_kexec_handover(struct kimage *image, struct kho_handover *h);
int kho_kexec_prepare(struct kimage *image);
int reserve_mem_kho_adopt(const char *name, phys_addr_t size,
			  phys_addr_t align, phys_addr_t *start);

/* For early boot code that adopts preserved memory, and reads subtrees */
bool kho_preserved_early(phys_addr_t phys, u64 size);
int kho_claim_early(phys_addr_t phys, u64 size);
bool kho_fdt_check_full(const void *fdt, size_t bufsize);
#else
static inline void kho_populate(phys_addr_t fdt_phys, u64 fdt_len,
				phys_addr_t scratch_phys, u64 scratch_len)
{
}

static inline void kho_scratch_init(void) { }
static inline void kho_reserve_preserved(void) { }
static inline void kho_reserve_scratch(void) { }
static inline void kho_memory_init(void) { }
static inline void kho_memory_init_done(void) { }
static inline bool kho_scratch_only(void) { return false; }

static inline const struct kho_scratch_entry *
kho_scratch_ranges(unsigned int *nr)
{
	*nr = 0;
	return NULL;
}

static inline int kho_kexec_handover(struct kimage *image,
				     struct kho_handover *h)
{
	return -EOPNOTSUPP;
}

static inline int kho_kexec_prepare(struct kimage *image)
{
	return 0;
}

static inline int reserve_mem_kho_adopt(const char *name, phys_addr_t size,
					phys_addr_t align, phys_addr_t *start)
{
	return -ENOENT;
}
#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KEXEC_HANDOVER_H */
