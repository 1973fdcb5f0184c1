/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Live Update Orchestrator (LUO) user API.
 *
 * User space creates named sessions on /dev/liveupdate, preserves file
 * descriptors into them, and kexecs into the next kernel, where it
 * retrieves the sessions by name and the files by token.  See
 * Documentation/userspace-api/liveupdate.rst.
 *
 * Every ioctl is _IO(LIVEUPDATE_IOCTL_TYPE, nr): the argument is a pointer
 * to a structure that starts with its own size in bytes.  The kernel
 * rejects a size smaller than the end of the last field it needs with
 * EINVAL, and non-zero bytes beyond the fields it knows with E2BIG; it
 * copies back at most size bytes.
 */
#ifndef _UAPI_LINUX_LIVEUPDATE_H
#define _UAPI_LINUX_LIVEUPDATE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define LIVEUPDATE_IOCTL_TYPE		0xBA

/* Length of a session name, including the terminating NUL */
#define LIVEUPDATE_SESSION_NAME_LENGTH	64

/* ioctl numbers on /dev/liveupdate */
enum {
	LIVEUPDATE_CMD_BASE = 0x00,
	LIVEUPDATE_CMD_CREATE_SESSION = LIVEUPDATE_CMD_BASE,
	LIVEUPDATE_CMD_RETRIEVE_SESSION = 0x01,
};

/* ioctl numbers on a session file descriptor */
enum {
	LIVEUPDATE_CMD_SESSION_BASE = 0x40,
	LIVEUPDATE_CMD_SESSION_PRESERVE_FD = LIVEUPDATE_CMD_SESSION_BASE,
	LIVEUPDATE_CMD_SESSION_RETRIEVE_FD = 0x41,
	LIVEUPDATE_CMD_SESSION_FINISH = 0x42,
	LIVEUPDATE_CMD_SESSION_GET_NAME = 0x43,
};

/**
 * struct liveupdate_ioctl_create_session - LIVEUPDATE_IOCTL_CREATE_SESSION
 * @size: sizeof(struct liveupdate_ioctl_create_session)
 * @fd:   output: the new session's file descriptor (O_CLOEXEC)
 * @name: NUL-terminated session name, unique among outgoing sessions
 *
 * Creates an outgoing session.  The session lives as long as its file
 * descriptor: closing it unpreserves every file in it.
 */
struct liveupdate_ioctl_create_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_CREATE_SESSION					\
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_CREATE_SESSION)

/**
 * struct liveupdate_ioctl_retrieve_session - LIVEUPDATE_IOCTL_RETRIEVE_SESSION
 * @size: sizeof(struct liveupdate_ioctl_retrieve_session)
 * @fd:   output: the session's file descriptor (O_CLOEXEC)
 * @name: NUL-terminated name of a session the previous kernel preserved
 *
 * Gives back a session preserved by the previous kernel.  ENOENT if there
 * is none of that name, EINVAL if it was retrieved already.
 */
struct liveupdate_ioctl_retrieve_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_RETRIEVE_SESSION				\
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_RETRIEVE_SESSION)

/**
 * struct liveupdate_session_preserve_fd - LIVEUPDATE_SESSION_PRESERVE_FD
 * @size:  sizeof(struct liveupdate_session_preserve_fd)
 * @fd:    input: the file descriptor to preserve, open for writing
 *         (EBADF otherwise)
 * @token: input: a value, unique in the session, that names the file in
 *         the next kernel
 */
struct liveupdate_session_preserve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_PRESERVE_FD					\
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_PRESERVE_FD)

/**
 * struct liveupdate_session_retrieve_fd - LIVEUPDATE_SESSION_RETRIEVE_FD
 * @size:  sizeof(struct liveupdate_session_retrieve_fd)
 * @fd:    output: a new file descriptor (O_CLOEXEC) for the file
 * @token: input: the token the file was preserved with
 *
 * Retrieving the same token again gives a new descriptor for the same
 * open file.  A failure loses nothing: the file can be retrieved again
 * once its cause (ENOMEM: the caller's memory cgroup limit, say) is fixed.
 */
struct liveupdate_session_retrieve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_RETRIEVE_FD					\
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_RETRIEVE_FD)

/**
 * struct liveupdate_session_finish - LIVEUPDATE_SESSION_FINISH
 * @size:     sizeof(struct liveupdate_session_finish)
 * @reserved: must be 0
 *
 * Completes a retrieved session: frees whatever was not retrieved.  EBUSY
 * if a file's handler reports it still in use.  Closing the session's
 * descriptor does the same once every file was retrieved; before that, it
 * makes the session retrievable again, with all its files.
 */
struct liveupdate_session_finish {
	__u32 size;
	__u32 reserved;
};

#define LIVEUPDATE_SESSION_FINISH					\
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_FINISH)

/**
 * struct liveupdate_session_get_name - LIVEUPDATE_SESSION_GET_NAME
 * @size:     sizeof(struct liveupdate_session_get_name)
 * @reserved: must be 0
 * @name:     output: the session's name, NUL-terminated, the rest of the
 *            array zeroed
 *
 * Gives the whole name of the session, outgoing or incoming, retrieved or
 * finished.  A session's file descriptor is an anonymous inode named
 * "[luo_session] NAME", which readlink() of /proc/PID/fd/N shows after
 * "anon_inode:"; that text is limited to 63 bytes, so a name longer than
 * 38 bytes is cut short there.  This ioctl is the way to the full name.
 */
struct liveupdate_session_get_name {
	__u32 size;
	__u32 reserved;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_SESSION_GET_NAME					\
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_GET_NAME)

#endif /* _UAPI_LINUX_LIVEUPDATE_H */
