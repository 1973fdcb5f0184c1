/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live update of memfds: the checks of an incoming "memfd-v2" record
 * (mm/memfd_luo_check.c), shared by the handler (mm/memfd_luo.c), its
 * KUnit suite (mm/memfd_luo_test.c) and the user-space fuzzer
 * (fuzz/memfd_fuzz.c).
 */
#ifndef _MM_MEMFD_LUO_H
#define _MM_MEMFD_LUO_H

#include <linux/kho/abi/memfd.h>
#include <linux/types.h>

const char *memfd_luo_check_record(const struct memfd_luo_ser *ser);
const char *memfd_luo_check_folio(const struct memfd_luo_folio *e,
				  unsigned int order, unsigned int max_order,
				  u64 pages, u64 *next);

#endif /* _MM_MEMFD_LUO_H */
