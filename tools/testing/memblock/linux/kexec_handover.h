/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_KEXEC_HANDOVER_H
#define _LINUX_KEXEC_HANDOVER_H

#include <linux/errno.h>
#include <linux/types.h>

/* No previous kernel hands regions over in the simulator */
static inline int reserve_mem_kho_adopt(const char *name, phys_addr_t size,
					phys_addr_t align, phys_addr_t *start)
{
	return -ENOENT;
}

#endif
