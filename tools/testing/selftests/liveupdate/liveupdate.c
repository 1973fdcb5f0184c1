// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ioctl semantics of /dev/liveupdate and of session file descriptors, on
 * a kernel booted with kho=on liveupdate=on.  No kexec: see luo_kexec.c.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#include "../kselftest_harness.h"

#define LUO_DEV "/dev/liveupdate"

static int luo_open_or_skip(struct __test_metadata *_metadata)
{
	int fd = open(LUO_DEV, O_RDWR);

	if (fd < 0 && errno == ENOENT)
		SKIP(return -1, "no %s: boot with kho=on liveupdate=on", LUO_DEV);
	ASSERT_GE(fd, 0);
	return fd;
}

static int create_session(int luo, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg) < 0)
		return -errno;
	return arg.fd;
}

static int preserve_fd(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) < 0 ?
	       -errno : 0;
}

static int new_memfd(size_t size)
{
	int fd = memfd_create("luo-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd >= 0 && ftruncate(fd, size) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE(luo) {
	int dev;
};

FIXTURE_SETUP(luo)
{
	self->dev = luo_open_or_skip(_metadata);
}

FIXTURE_TEARDOWN(luo)
{
	if (self->dev >= 0)
		close(self->dev);
}

/* A second open of /dev/liveupdate: EBUSY */
TEST_F(luo, second_open_ebusy)
{
	int fd = open(LUO_DEV, O_RDWR);

	ASSERT_LT(fd, 0);
	ASSERT_EQ(errno, EBUSY);
}

/* Create: fd is O_CLOEXEC; duplicate name EEXIST; after close, reusable */
TEST_F(luo, create_duplicate_eexist)
{
	int s = create_session(self->dev, "dup");

	ASSERT_GE(s, 0);
	ASSERT_EQ(fcntl(s, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ASSERT_EQ(create_session(self->dev, "dup"), -EEXIST);
	ASSERT_EQ(close(s), 0);
	s = create_session(self->dev, "dup");
	ASSERT_GE(s, 0);
	close(s);
}

/* Empty or unterminated name: EINVAL */
TEST_F(luo, create_bad_name_einval)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	ASSERT_EQ(create_session(self->dev, ""), -EINVAL);
	memset(arg.name, 'a', sizeof(arg.name));
	ASSERT_LT(ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg), 0);
	ASSERT_EQ(errno, EINVAL);
}

/* size: too small EINVAL, larger with zeros fine, non-zero tail E2BIG */
TEST_F(luo, size_convention)
{
	struct {
		struct liveupdate_ioctl_create_session a;
		uint64_t tail;
	} big = { .a.size = sizeof(big) };
	struct liveupdate_ioctl_create_session arg = { .size = 8 };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", "size");
	ASSERT_LT(ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg), 0);
	ASSERT_EQ(errno, EINVAL);

	snprintf((char *)big.a.name, sizeof(big.a.name), "%s", "size");
	big.tail = 1;
	ASSERT_LT(ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big), 0);
	ASSERT_EQ(errno, E2BIG);

	big.tail = 0;
	ASSERT_EQ(ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big), 0);
	ASSERT_GE(big.a.fd, 0);
	close(big.a.fd);
}

/* An unknown ioctl number, on the device and on a session: EINVAL */
TEST_F(luo, unknown_ioctl_einval)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };
	int s;

	ASSERT_LT(ioctl(self->dev, _IO(LIVEUPDATE_IOCTL_TYPE, 0x2f), &arg), 0);
	ASSERT_EQ(errno, EINVAL);
	s = create_session(self->dev, "unknown");
	ASSERT_GE(s, 0);
	ASSERT_LT(ioctl(s, _IO(LIVEUPDATE_IOCTL_TYPE, 0x4f), &arg), 0);
	ASSERT_EQ(errno, EINVAL);
	close(s);
}

/* Retrieving a session nobody handed over: ENOENT */
TEST_F(luo, retrieve_unknown_enoent)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", "no-such-session-here");
	ASSERT_LT(ioctl(self->dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg), 0);
	ASSERT_EQ(errno, ENOENT);
}

/* A bad fd: EBADF; /dev/null (no handler): ENOENT */
TEST_F(luo, preserve_bad_fd)
{
	int s = create_session(self->dev, "badfd");
	int null = open("/dev/null", O_RDWR);

	ASSERT_GE(s, 0);
	ASSERT_GE(null, 0);
	ASSERT_EQ(preserve_fd(s, -1, 1), -EBADF);
	ASSERT_EQ(preserve_fd(s, 999, 1), -EBADF);
	ASSERT_EQ(preserve_fd(s, null, 1), -ENOENT);
	close(null);
	close(s);
}

/* A hugetlb memfd is not shmem: ENOENT */
TEST_F(luo, preserve_hugetlb_enoent)
{
	int s, m = memfd_create("luo-huge", MFD_HUGETLB);

	if (m < 0)
		SKIP(return, "no hugetlb memfd on this kernel");
	s = create_session(self->dev, "huge");
	ASSERT_GE(s, 0);
	ASSERT_EQ(preserve_fd(s, m, 1), -ENOENT);
	close(m);
	close(s);
}

/* A token used twice in a session: EEXIST; same file twice: EBUSY */
TEST_F(luo, preserve_token_twice_eexist)
{
	int s = create_session(self->dev, "tokens");
	int m1 = new_memfd(4096), m2 = new_memfd(4096);

	ASSERT_GE(s, 0);
	ASSERT_GE(m1, 0);
	ASSERT_GE(m2, 0);
	ASSERT_EQ(preserve_fd(s, m1, 7), 0);
	ASSERT_EQ(preserve_fd(s, m2, 7), -EEXIST);
	ASSERT_EQ(preserve_fd(s, m1, 8), -EBUSY);
	ASSERT_EQ(preserve_fd(s, m2, 8), 0);
	close(m1);
	close(m2);
	close(s);
}

/* A preserved memfd cannot change size until its session is closed */
TEST_F(luo, memfd_size_frozen)
{
	int s = create_session(self->dev, "frozen");
	int m = new_memfd(3 * 4096 + 100);	/* holes everywhere */
	char c = 'x';

	ASSERT_GE(s, 0);
	ASSERT_GE(m, 0);
	ASSERT_EQ(pwrite(m, &c, 1, 4096), 1);
	ASSERT_EQ(preserve_fd(s, m, 1), 0);
	ASSERT_LT(ftruncate(m, 4096), 0);
	ASSERT_EQ(errno, EPERM);
	ASSERT_LT(ftruncate(m, 8 * 4096), 0);
	ASSERT_EQ(errno, EPERM);
	ASSERT_LT(pwrite(m, &c, 1, 16 * 4096), 0);
	ASSERT_EQ(errno, EPERM);
	ASSERT_LT(fallocate(m, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			    4096), 0);
	ASSERT_EQ(errno, EPERM);
	/* Writing inside the file is fine */
	ASSERT_EQ(pwrite(m, &c, 1, 2 * 4096), 1);
	close(s);
	ASSERT_EQ(ftruncate(m, 4096), 0);
	close(m);
}

/* A /proc/meminfo field in kB, or -1 */
static long meminfo_kb(const char *field)
{
	char line[128];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

/*
 * A memfd that can never be preserved is refused up front with EFBIG,
 * and left as it was: one of more than UINT_MAX pages (the limit of the
 * format), or larger than the machine's memory (preserving makes every
 * page of it resident).
 */
TEST_F(luo, memfd_too_large_efbig)
{
	size_t page = sysconf(_SC_PAGESIZE);
	size_t sizes[] = {
		(size_t)1 << 40,
		(size_t)UINT32_MAX * page,
		((size_t)UINT32_MAX + 1) * page,
	};
	long total = meminfo_kb("MemTotal");
	int s = create_session(self->dev, "too-large");
	unsigned int i;

	ASSERT_GE(s, 0);
	ASSERT_GT(total, 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		int m;

		if (sizes[i] >> 10 <= (size_t)total)
			continue;	/* 1 TiB might fit */
		m = new_memfd(sizes[i]);
		ASSERT_GE(m, 0);
		EXPECT_EQ(preserve_fd(s, m, i + 1), -EFBIG)
			TH_LOG("a memfd of %zu bytes", sizes[i]);
		EXPECT_EQ(ftruncate(m, page), 0);
		close(m);
	}
	close(s);
}

/* Outgoing sessions cannot retrieve or finish: EINVAL */
TEST_F(luo, outgoing_retrieve_finish_einval)
{
	struct liveupdate_session_retrieve_fd r = { .size = sizeof(r) };
	struct liveupdate_session_finish f = { .size = sizeof(f) };
	int s = create_session(self->dev, "outgoing");

	ASSERT_GE(s, 0);
	ASSERT_LT(ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &r), 0);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_LT(ioctl(s, LIVEUPDATE_SESSION_FINISH, &f), 0);
	ASSERT_EQ(errno, EINVAL);
	f.reserved = 1;
	ASSERT_LT(ioctl(s, LIVEUPDATE_SESSION_FINISH, &f), 0);
	ASSERT_EQ(errno, EINVAL);
	close(s);
}

/* Closing /dev/liveupdate drops no session */
TEST(close_device_keeps_sessions)
{
	int dev = luo_open_or_skip(_metadata);
	int s = create_session(dev, "survivor");

	ASSERT_GE(s, 0);
	ASSERT_EQ(close(dev), 0);
	dev = open(LUO_DEV, O_RDWR);
	ASSERT_GE(dev, 0);
	ASSERT_EQ(create_session(dev, "survivor"), -EEXIST);
	close(s);
	s = create_session(dev, "survivor");
	ASSERT_GE(s, 0);
	close(s);
	close(dev);
}

#define KHO_FINALIZE "/sys/kernel/debug/kho/out/finalize"

static int kho_finalize(int on)
{
	int fd = open(KHO_FINALIZE, O_WRONLY);
	int ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, on ? "1" : "0", 1) == 1 ? 0 : -errno;
	close(fd);
	return ret;
}

/*
 * Finalizing KHO freezes every session: creating one or preserving a file
 * gives EBUSY, a session closed meanwhile is dropped at the abort, and
 * after the abort everything works again.
 */
TEST_F(luo, kho_finalize_freezes)
{
	int s, s2, m = new_memfd(64 * 1024);

	if (access(KHO_FINALIZE, W_OK))
		SKIP(return, "no %s (debugfs, root)", KHO_FINALIZE);
	s = create_session(self->dev, "freeze");
	s2 = create_session(self->dev, "freeze-closed");
	ASSERT_GE(s, 0);
	ASSERT_GE(s2, 0);
	ASSERT_GE(m, 0);
	ASSERT_EQ(preserve_fd(s, m, 1), 0);
	ASSERT_EQ(kho_finalize(1), 0);
	ASSERT_EQ(create_session(self->dev, "freeze-new"), -EBUSY);
	ASSERT_EQ(preserve_fd(s, m, 2), -EBUSY);
	ASSERT_EQ(close(s2), 0);
	/* Still listed in the handover until the abort */
	ASSERT_EQ(create_session(self->dev, "freeze-closed"), -EBUSY);
	ASSERT_EQ(kho_finalize(0), 0);
	s2 = create_session(self->dev, "freeze-closed");
	ASSERT_GE(s2, 0);
	ASSERT_EQ(ftruncate(m, 4096), -1);
	ASSERT_EQ(errno, EPERM);
	close(s);
	ASSERT_EQ(ftruncate(m, 4096), 0);
	close(s2);
	close(m);
}

TEST_HARNESS_MAIN
