/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live Update Orchestrator (LUO) handover format, version "luo-v1".
 *
 * ABI between two kernels: change nothing without a new version (see
 * "Record versions" in kexec_handover.h: a reader refuses a version it
 * does not know; a writer that changes the format bumps the version, and
 * its readers keep accepting the old one).
 */
#ifndef _LINUX_KHO_ABI_LUO_H
#define _LINUX_KHO_ABI_LUO_H

#include <linux/types.h>

/**
 * DOC: LUO subtree
 *
 * LUO hands its state over as the KHO subtree ``LUO``: an FDT in one
 * preserved folio (of any order), written when the handover is finalized.
 *
 * The root node carries:
 *
 * - ``compatible`` (string): ``"luo-v1"``; a reader refuses any version it
 *   does not read before it looks at anything else;
 * - ``liveupdate-number`` (u64): 1 for the first live update after a cold
 *   boot, incremented by each one after that.
 *
 * Its child ``luo-session`` has one child per session, named ``s<N>``
 * (``N`` counting from 0 in hexadecimal; the name means nothing), with:
 *
 * - ``name`` (string): the session name, 1 to 63 bytes plus the NUL;
 * - ``files`` (array of &struct luo_file_ser, possibly empty): the files
 *   preserved in the session, in the order they were preserved.
 *
 * Integers are native endian and have exactly the sizes given.  A reader
 * must check every size, count and string, and refuse the whole state
 * (leaving its memory reserved) if any is wrong or if two sessions have
 * the same name or two files of one session the same token.
 */

#define LUO_FDT_NODE_NAME		"LUO"
#define LUO_FDT_COMPATIBLE		"luo-v1"
/* LUO_FDT_COMPATIBLE is LUO_FDT_FAMILY "-v" LUO_FDT_VERSION */
#define LUO_FDT_FAMILY			"luo"
#define LUO_FDT_VERSION			1
/* The oldest version a reader accepts */
#define LUO_FDT_MIN_VERSION		1
#define LUO_FDT_LIVEUPDATE_NUMBER	"liveupdate-number"
#define LUO_FDT_SESSION_NODE		"luo-session"
#define LUO_FDT_SESSION_NAME		"name"
#define LUO_FDT_SESSION_FILES		"files"

/* Length of a handler compatible string, NUL included */
#define LUO_FILE_COMPAT_LENGTH		48

/**
 * struct luo_file_ser - one preserved file
 * @compatible: NUL-terminated compatible string of the file handler, NUL
 *              padded; ``"FAMILY-vN"`` as every record of the handover,
 *              e.g. ``"memfd-v2"``
 * @data:       the handler's handle (for memfd: the physical address of
 *              its record, see memfd.h)
 * @token:      the token user space preserved the file with
 *
 * 64 bytes, no padding.
 */
struct luo_file_ser {
	char compatible[LUO_FILE_COMPAT_LENGTH];
	u64 data;
	u64 token;
} __packed;

#endif /* _LINUX_KHO_ABI_LUO_H */
