/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live Update Orchestrator (LUO): keep open files across a KHO kexec.
 *
 * User space preserves file descriptors into named sessions on
 * /dev/liveupdate (include/uapi/linux/liveupdate.h).
 */
#ifndef _LINUX_LIVEUPDATE_H
#define _LINUX_LIVEUPDATE_H

#include <linux/types.h>
#include <uapi/linux/liveupdate.h>

#ifdef CONFIG_LIVEUPDATE
bool liveupdate_enabled(void);
#else
static inline bool liveupdate_enabled(void)
{
	return false;
}
#endif /* CONFIG_LIVEUPDATE */

#endif /* _LINUX_LIVEUPDATE_H */
