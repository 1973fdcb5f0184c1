/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the kernel, in user space, to build
 * kernel/kexec_handover_check.c and mm/memfd_luo_check.c unchanged for
 * fuzzing.  Included before the checker with -include; the kernel headers
 * it names resolve to the empty files under shim/, and libfdt is the
 * kernel's own copy in scripts/dtc/libfdt.
 */
#ifndef KHO_SHIM_H
#define KHO_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef uint64_t phys_addr_t;
typedef struct { long counter; } atomic_long_t;

#define CONFIG_KEXEC_HANDOVER	1
#define BITS_PER_LONG		64
#define __ffs(x)		((unsigned long)__builtin_ctzl(x))
#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define MAX_PAGE_ORDER		10
#define NR_PAGE_ORDERS		(MAX_PAGE_ORDER + 1)
#define MAX_NUMNODES		64
#define SZ_1M			0x00100000

#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define PAGE_ALIGNED(addr)	IS_ALIGNED((unsigned long)(addr), PAGE_SIZE)
#define PFN_PHYS(x)		((phys_addr_t)(x) << PAGE_SHIFT)
#define PHYS_PFN(x)		((unsigned long)((x) >> PAGE_SHIFT))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define EXPORT_SYMBOL_NS_GPL(sym, ns)
#define EXPORT_SYMBOL_GPL(sym)
#define min_t(type, a, b)	((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define BIT(n)			(1UL << (n))
#define __packed		__attribute__((packed))

/* A WARN in the checker is a bug the fuzzer must report */
#define WARN_ON(cond) ({ bool __c = !!(cond); if (__c) abort(); __c; })

static inline u64 get_unaligned(const u64 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline unsigned long kho_shim_find(const unsigned long *addr,
					  unsigned long size,
					  unsigned long start, bool set)
{
	for (; start < size; start++)
		if (!!(addr[start / BITS_PER_LONG] &
		       (1UL << (start % BITS_PER_LONG))) == set)
			return start;
	return size;
}

#define find_next_bit(a, s, o)		kho_shim_find(a, s, o, true)
#define find_next_zero_bit(a, s, o)	kho_shim_find(a, s, o, false)
#define for_each_set_bitrange(b, e, addr, size)			\
	for ((b) = 0;						\
	     (b) = find_next_bit((addr), (size), b),		\
	     (e) = find_next_zero_bit((addr), (size), (b) + 1),	\
	     (b) < (size);					\
	     (b) = (e) + 1)

/* Types the internal header embeds by value; the checker never uses them */
struct page;
struct xarray { void *head; };
struct list_head { struct list_head *next, *prev; };
struct debugfs_blob_wrapper { void *data; unsigned long size; };
struct percpu_rw_semaphore { int unused; };
struct mutex { int unused; };
struct blocking_notifier_head { int unused; };

#endif /* KHO_SHIM_H */
