// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ioctl semantics of /dev/liveupdate and of session file descriptors, on
 * a kernel booted with kho=on liveupdate=on.  No kexec: see luo_kexec.c.
 *
 * Some cases need more of the kernel and skip without it: a cgroup v2
 * memory controller (mounted here if no cgroup2 is), System V shared
 * memory, and debugfs (KHO's finalize).  abort_frees_fdt_after_its_view
 * can only see the memory it checks freed too early with init_on_free=1
 * (or a debug kernel, which crashes instead).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/liveupdate.h>
#include <linux/magic.h>

#include "luo_util.h"

#include "../kselftest_harness.h"

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
	return session(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, name);
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

/*
 * The cases that preserve thousands of files or hundreds of MiB, or loop
 * over finalize and abort: on a KASAN and lockdep kernel under TCG they
 * take longer than the harness's default 30 s (in check-debug, 16,384
 * preserves did, and 20 aborts with a reader beside them), and a case
 * killed halfway can leave KHO finalized for the cases after it
 */
#define LUO_SLOW_TIMEOUT	600

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

/* A 63-byte session name, the longest there is */
#define LONG_NAME "get-name-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"

/* GET_NAME gives the whole name, NUL-terminated and zero-padded */
TEST_F(luo, get_name)
{
	static const char * const names[] = { "get-name", "x", LONG_NAME };
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	unsigned int i, j;
	int s;

	ASSERT_EQ(strlen(LONG_NAME), LIVEUPDATE_SESSION_NAME_LENGTH - 1);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		s = create_session(self->dev, names[i]);
		ASSERT_GE(s, 0);
		ASSERT_EQ(get_name(s, name), 0);
		ASSERT_EQ(name[sizeof(name) - 1], '\0');
		ASSERT_STREQ(name, names[i]);
		for (j = strlen(names[i]); j < sizeof(name); j++)
			ASSERT_EQ(name[j], '\0');
		close(s);
	}
}

/* GET_NAME: reserved not 0 EINVAL; the size convention of the others */
TEST_F(luo, get_name_bad_args)
{
	struct {
		struct liveupdate_session_get_name a;
		uint64_t tail;
	} big = { .a.size = sizeof(big) };
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };
	int s = create_session(self->dev, "get-name-args");

	ASSERT_GE(s, 0);
	ASSERT_EQ(sizeof(arg), 72);
	arg.reserved = 1;
	ASSERT_LT(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg), 0);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(arg.name[0], 0);
	arg.reserved = 0;
	arg.size = sizeof(arg) - 1;
	ASSERT_LT(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg), 0);
	ASSERT_EQ(errno, EINVAL);
	arg.size = 8;
	ASSERT_LT(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg), 0);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(arg.name[0], 0);
	ASSERT_LT(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, NULL), 0);
	ASSERT_EQ(errno, EFAULT);

	big.tail = 1;
	ASSERT_LT(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &big), 0);
	ASSERT_EQ(errno, E2BIG);
	big.tail = 0;
	ASSERT_EQ(ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &big), 0);
	ASSERT_STREQ((char *)big.a.name, "get-name-args");
	ASSERT_EQ(big.tail, 0);
	close(s);
}

/*
 * GET_NAME on what is not a session: the device answers EINVAL (an
 * unknown ioctl number), a memfd ENOTTY (no ioctls at all)
 */
TEST_F(luo, get_name_not_session)
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };
	int m = new_memfd(4096);

	ASSERT_GE(m, 0);
	ASSERT_LT(ioctl(self->dev, LIVEUPDATE_SESSION_GET_NAME, &arg), 0);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_LT(ioctl(m, LIVEUPDATE_SESSION_GET_NAME, &arg), 0);
	ASSERT_EQ(errno, ENOTTY);
	ASSERT_EQ(arg.name[0], 0);
	close(m);
}

/*
 * A session fd is an anon inode "[luo_session] NAME": /proc shows the
 * name, the first 38 bytes of a longer one; fstatfs() the anon inode fs
 */
TEST_F(luo, session_link_and_fs)
{
	static const char * const names[] = {
		"link", "0123456789012345678901234567890123456", /* 37 */
		"01234567890123456789012345678901234567",	  /* 38 */
		"012345678901234567890123456789012345678",	  /* 39 */
		LONG_NAME,
	};
	char link[256], want[256];
	struct statfs sfs;
	unsigned int i;
	int s;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		s = create_session(self->dev, names[i]);
		ASSERT_GE(s, 0);
		ASSERT_EQ(fd_link(s, link, sizeof(link)), 0);
		session_link_of(names[i], want, sizeof(want));
		ASSERT_STREQ(link, want);
		ASSERT_LE(strlen(link), 63);
		ASSERT_EQ(fstatfs(s, &sfs), 0);
		ASSERT_EQ(sfs.f_type, ANON_INODE_FS_MAGIC);
		close(s);
	}
	/* The same, spelt out: the 63-byte name cut to its first 38 */
	session_link_of(LONG_NAME, want, sizeof(want));
	ASSERT_STREQ(want,
		     "anon_inode:[luo_session] get-name-0123456789abcdefghijklmnopqrs");
	ASSERT_EQ(fd_link(self->dev, link, sizeof(link)), 0);
	ASSERT_STREQ(link, LUO_DEV);
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
	ASSERT_EQ(preserve(s, -1, 1), -EBADF);
	ASSERT_EQ(preserve(s, 999, 1), -EBADF);
	ASSERT_EQ(preserve(s, null, 1), -ENOENT);
	close(null);
	close(s);
}

/*
 * Only a descriptor open for writing preserves a file: a reader must not
 * freeze the writer's file, nor get a writable copy in the next kernel.
 * EBADF, as write(2) on such a descriptor; the file is left as it was.
 */
TEST_F(luo, preserve_readonly_ebadf)
{
	int s = create_session(self->dev, "readonly");
	int m = new_memfd(4096), ro, rw;
	char path[64];

	ASSERT_GE(s, 0);
	ASSERT_GE(m, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(ro, 0);
	ASSERT_EQ(preserve(s, ro, 1), -EBADF);
	/* Not frozen by the refused preserve */
	ASSERT_EQ(ftruncate(m, 8192), 0);
	rw = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(rw, 0);
	ASSERT_EQ(preserve(s, rw, 1), 0);
	ASSERT_LT(ftruncate(m, 4096), 0);
	ASSERT_EQ(errno, EPERM);
	close(ro);
	close(rw);
	close(m);
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
	ASSERT_EQ(preserve(s, m, 1), -ENOENT);
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
	ASSERT_EQ(preserve(s, m1, 7), 0);
	ASSERT_EQ(preserve(s, m2, 7), -EEXIST);
	ASSERT_EQ(preserve(s, m1, 8), -EBUSY);
	ASSERT_EQ(preserve(s, m2, 8), 0);
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
	ASSERT_EQ(preserve(s, m, 1), 0);
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

/*
 * SHM_LOCK and SHM_UNLOCK rewrite the flags word of a System V segment's
 * shmem inode, where a preserved file's frozen flag lives too.  A segment
 * is preservable through /proc/self/map_files.  Locking and unlocking a
 * preserved segment must leave it frozen, also while sessions preserve
 * and unpreserve it all along (a lost update of the word would let the
 * size change under a preserved file, or keep the file frozen after
 * it was unpreserved).  The race is not forced: this is 3 s of trying.
 */
TEST_F_TIMEOUT(luo, shm_lock_keeps_frozen, LUO_SLOW_TIMEOUT)
{
	const size_t size = 4096;
	int id, fd, s, ret, lost_freeze = 0, lost_thaw = 0;
	int *stop;
	unsigned long n = 0;
	char path[64];
	time_t end;
	pid_t pid;
	void *p;

	if (access("/proc/sysvipc/shm", F_OK))
		SKIP(return, "no System V shared memory (CONFIG_SYSVIPC)");
	id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	ASSERT_GE(id, 0);
	p = shmat(id, NULL, 0);
	ASSERT_NE(p, (void *)-1);
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)p, (unsigned long)p + size);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(shmdt(p), 0);

	/* Deterministic: lock and unlock, each keeps it frozen */
	s = create_session(self->dev, "shm");
	ASSERT_GE(s, 0);
	ASSERT_EQ(preserve(s, fd, 1), 0);
	ASSERT_EQ(shmctl(id, SHM_LOCK, NULL), 0);
	ASSERT_LT(ftruncate(fd, 2 * size), 0);
	ASSERT_EQ(errno, EPERM);
	ASSERT_EQ(shmctl(id, SHM_UNLOCK, NULL), 0);
	ASSERT_LT(ftruncate(fd, 2 * size), 0);
	ASSERT_EQ(errno, EPERM);
	close(s);

	/* Racing: a child locks and unlocks while sessions come and go */
	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE((void *)stop, MAP_FAILED);
	*stop = 0;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
			shmctl(id, SHM_LOCK, NULL);
			shmctl(id, SHM_UNLOCK, NULL);
		}
		_exit(0);
	}
	end = time(NULL) + 3;
	while (time(NULL) < end && !lost_thaw && lost_freeze < 10) {
		s = create_session(self->dev, "shm");
		if (s < 0)
			break;
		ret = preserve(s, fd, 1);
		if (ret == -EBUSY) {
			lost_thaw++;	/* still frozen from before */
		} else if (!ret && !ftruncate(fd, 2 * size)) {
			lost_freeze++;
			ftruncate(fd, size);
		}
		close(s);
		n++;
	}
	__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
	waitpid(pid, NULL, 0);
	TH_LOG("%lu preserves against SHM_LOCK/SHM_UNLOCK: %d not frozen, %d not thawed",
	       n, lost_freeze, lost_thaw);
	EXPECT_EQ(lost_freeze, 0);
	EXPECT_EQ(lost_thaw, 0);
	EXPECT_GT(n, 0UL);
	close(fd);
	shmctl(id, IPC_RMID, NULL);
}

/* A memory.stat field of the cgroup directory @dir, or -1 */
static long memcg_stat(const char *dir, const char *field)
{
	char path[512], name[64];
	long long val;
	long ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld\n", name, &val) == 2)
		if (!strcmp(name, field))
			ret = val;
	fclose(f);
	return ret;
}

#define ACCT_SESSIONS	32
#define ACCT_FILES	512

/*
 * LUO's own memory for a preserved file is charged to the memory cgroup of
 * the task that preserves it, as the file's pages are: one user cannot pin
 * kernel memory without limit through /dev/liveupdate.  A child in a
 * cgroup of its own preserves 16,384 empty memfds that it made before; the
 * cgroup's unreclaimable slab must grow by at least half of what LUO
 * allocates for them (a 128-byte object each).  memory.stat lags behind by
 * at most about 128 pages per read, far less than the 2 MiB at stake.
 */
TEST_F_TIMEOUT(luo, preserve_charged_to_memcg, LUO_SLOW_TIMEOUT)
{
	const long files = ACCT_SESSIONS * ACCT_FILES;
	const char *mnt = cgroup2_mount();
	long result[2] = { -1, -1 };
	char dir[300], path[512];
	int p[2], status;
	pid_t pid;

	if (!mnt)
		SKIP(return, "no cgroup v2");
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mnt);
	write_file(path, "+memory");
	snprintf(dir, sizeof(dir), "%s/luo-acct-%d", mnt, getpid());
	ASSERT_EQ(mkdir(dir, 0755), 0);
	if (memcg_stat(dir, "slab_unreclaimable") < 0) {
		rmdir(dir);
		SKIP(return, "no memory controller");
	}
	ASSERT_EQ(pipe(p), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct rlimit rl = { files + 256, files + 256 };
		int s[ACCT_SESSIONS], *m = calloc(files, sizeof(*m));
		long i, ok = 1;

		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		if (!m || write_file(path, "0") || setrlimit(RLIMIT_NOFILE, &rl))
			_exit(1);
		for (i = 0; i < files; i++)
			m[i] = memfd_create("acct", MFD_CLOEXEC);
		for (i = 0; i < ACCT_SESSIONS; i++) {
			char name[32];

			snprintf(name, sizeof(name), "acct-%ld", i);
			s[i] = create_session(self->dev, name);
		}
		result[0] = memcg_stat(dir, "slab_unreclaimable");
		for (i = 0; i < files; i++)
			ok &= preserve(s[i / ACCT_FILES], m[i], i) == 0;
		result[1] = ok ? memcg_stat(dir, "slab_unreclaimable") : -1;
		if (write(p[1], result, sizeof(result)) != sizeof(result))
			_exit(1);
		_exit(0);	/* closing the sessions unpreserves */
	}
	close(p[1]);
	ASSERT_EQ(read(p[0], result, sizeof(result)), (ssize_t)sizeof(result));
	close(p[0]);
	waitpid(pid, &status, 0);
	rmdir(dir);
	TH_LOG("%ld files preserved: slab_unreclaimable %ld -> %ld bytes",
	       files, result[0], result[1]);
	ASSERT_GE(result[0], 0);
	ASSERT_GE(result[1], 0) TH_LOG("a preserve failed");
	EXPECT_GE(result[1] - result[0], files * 64);
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
		EXPECT_EQ(preserve(s, m, i + 1), -EFBIG)
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
	ASSERT_EQ(preserve(s, m, 1), 0);
	ASSERT_EQ(kho_finalize(1), 0);
	ASSERT_EQ(create_session(self->dev, "freeze-new"), -EBUSY);
	ASSERT_EQ(preserve(s, m, 2), -EBUSY);
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

#define LUO_SUB_FDT "/sys/kernel/debug/kho/out/sub_fdts/LUO"
#define ABORT_FILES 256

/*
 * The handover FDT of LUO is visible in debugfs as kho/out/sub_fdts/LUO
 * from finalize until abort.  The abort must remove that view before the
 * FDT is freed: a child reads it all along while the handover is
 * finalized and aborted again and again, with 256 files to thaw at each
 * abort, and every read must show an FDT (freed memory reads as zeros
 * with init_on_free=1).
 */
TEST_F_TIMEOUT(luo, abort_frees_fdt_after_its_view, LUO_SLOW_TIMEOUT)
{
	long *shared;
	int s[4], m, i, round;
	pid_t pid;

	if (access(KHO_FINALIZE, W_OK))
		SKIP(return, "no %s (debugfs, root)", KHO_FINALIZE);
	for (i = 0; i < 4; i++) {
		char name[32];

		snprintf(name, sizeof(name), "abort-%d", i);
		s[i] = create_session(self->dev, name);
		ASSERT_GE(s[i], 0);
	}
	for (i = 0; i < ABORT_FILES; i++) {
		m = new_memfd(4096);
		ASSERT_GE(m, 0);
		ASSERT_EQ(preserve(s[i % 4], m, i), 0);
		close(m);
	}
	/* [0] stop, [1] reads, [2] bad reads */
	shared = mmap(NULL, 3 * sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE((void *)shared, MAP_FAILED);
	memset(shared, 0, 3 * sizeof(*shared));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		static unsigned char buf[256 * 1024];

		while (!__atomic_load_n(&shared[0], __ATOMIC_RELAXED)) {
			int fd = open(LUO_SUB_FDT, O_RDONLY);
			ssize_t n;

			if (fd < 0)
				continue;
			while ((n = pread(fd, buf, sizeof(buf), 0)) > 0) {
				__atomic_fetch_add(&shared[1], 1,
						   __ATOMIC_RELAXED);
				/* FDT magic 0xd00dfeed, big-endian */
				if (n < 4 || buf[0] != 0xd0 || buf[1] != 0x0d ||
				    buf[2] != 0xfe || buf[3] != 0xed)
					__atomic_fetch_add(&shared[2], 1,
							   __ATOMIC_RELAXED);
			}
			close(fd);
		}
		_exit(0);
	}
	for (round = 0; round < 20; round++) {
		ASSERT_EQ(kho_finalize(1), 0);
		usleep(2000);
		ASSERT_EQ(kho_finalize(0), 0);
	}
	__atomic_store_n(&shared[0], 1, __ATOMIC_RELAXED);
	waitpid(pid, NULL, 0);
	TH_LOG("%ld reads of %s across 20 aborts, %ld not an FDT",
	       shared[1], LUO_SUB_FDT, shared[2]);
	EXPECT_GT(shared[1], 0);
	EXPECT_EQ(shared[2], 0);
	for (i = 0; i < 4; i++)
		close(s[i]);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Preserve @m in session @big from a child: t[0] and t[1] are when its
 * ioctl began and returned (ms), t[2] its result.  The child's PID, or -1.
 */
static pid_t preserve_in_child(int big, int m, long long *t)
{
	pid_t pid;

	memset(t, 0, 3 * sizeof(*t));
	pid = fork();
	if (!pid) {
		__atomic_store_n(&t[0], now_ms(), __ATOMIC_SEQ_CST);
		t[2] = preserve(big, m, 1);
		__atomic_store_n(&t[1], now_ms(), __ATOMIC_SEQ_CST);
		_exit(0);
	}
	return pid;
}

/*
 * Preserving a big sparse memfd takes long: every hole is filled and every
 * folio pinned.  Other sessions must not wait for it: while a child
 * preserves one, the parent creates a session, preserves a small memfd in
 * it and closes it, again and again.  A round that starts 50 ms after the
 * child's preserve began and ends 50 ms before it returned shows that the
 * preserve holds no lock the others need.  The memfd doubles until its
 * preserve takes a second, or half the available memory.
 */
TEST_F_TIMEOUT(luo, preserve_does_not_block_others, LUO_SLOW_TIMEOUT)
{
	long long *t = mmap(NULL, 3 * sizeof(*t), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long long start[256], end[256];
	long avail = meminfo_kb("MemAvailable");
	size_t size = (size_t)64 << 20;
	int i, n = 0, during = 0;

	ASSERT_NE((void *)t, MAP_FAILED);
	ASSERT_GT(avail, 0);
	for (; size <= (size_t)avail << 9; size *= 2) {
		int big = create_session(self->dev, "big");
		int m = new_memfd(size);
		pid_t pid;

		ASSERT_GE(big, 0);
		ASSERT_GE(m, 0);
		pid = preserve_in_child(big, m, t);
		ASSERT_GE(pid, 0);
		for (n = 0; n < 256 && !__atomic_load_n(&t[1], __ATOMIC_SEQ_CST);
		     n++) {
			int s, small;

			usleep(10000);
			start[n] = now_ms();
			s = create_session(self->dev, "other");
			small = new_memfd(4096);
			ASSERT_GE(s, 0);
			ASSERT_GE(small, 0);
			ASSERT_EQ(preserve(s, small, 1), 0);
			close(small);
			close(s);
			end[n] = now_ms();
		}
		waitpid(pid, NULL, 0);
		ASSERT_EQ(t[2], 0) TH_LOG("preserving %zu MiB: %s", size >> 20,
					  strerror(-t[2]));
		close(m);
		close(big);
		for (i = 0, during = 0; i < n; i++)
			during += start[i] > t[0] + 50 && end[i] + 50 < t[1];
		TH_LOG("%zu MiB preserved in %lld ms; %d rounds of others, %d inside it",
		       size >> 20, t[1] - t[0], n, during);
		if (t[1] - t[0] >= 1000)
			break;
	}
	ASSERT_GE(t[1] - t[0], 200) TH_LOG("the preserve is too fast to tell");
	EXPECT_GE(during, 3);
}

/*
 * A finalize while a big preserve is under way waits for it, and hands
 * the file over: once finalized, the memfd's size is frozen and a second
 * preserve of it is refused (EBUSY); after the abort it can be resized
 * only once its session is closed.
 */
TEST_F_TIMEOUT(luo, finalize_waits_for_preserve, LUO_SLOW_TIMEOUT)
{
	long long *t = mmap(NULL, 3 * sizeof(*t), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	size_t size = (size_t)256 << 20;
	int big, m, other, ret, tries;
	long long fin;
	pid_t pid;

	if (access(KHO_FINALIZE, W_OK))
		SKIP(return, "no %s (debugfs, root)", KHO_FINALIZE);
	ASSERT_NE((void *)t, MAP_FAILED);
	if ((size_t)meminfo_kb("MemAvailable") << 9 < size)
		size >>= 2;
	big = create_session(self->dev, "big");
	other = create_session(self->dev, "other");
	m = new_memfd(size);
	ASSERT_GE(big, 0);
	ASSERT_GE(other, 0);
	ASSERT_GE(m, 0);
	/*
	 * The child may not have entered its ioctl when the finalize starts
	 * (a busy host can stop a vCPU for longer than the wait): then the
	 * preserve is refused, EBUSY as once frozen.  Abort and try again,
	 * waiting longer.
	 */
	for (tries = 0; tries < 5; tries++) {
		pid = preserve_in_child(big, m, t);
		ASSERT_GE(pid, 0);
		while (!__atomic_load_n(&t[0], __ATOMIC_SEQ_CST))
			usleep(1000);
		usleep(50000 << tries);
		ret = kho_finalize(1);
		fin = now_ms();
		waitpid(pid, NULL, 0);
		ASSERT_EQ(ret, 0);
		if (t[2] != -EBUSY)
			break;
		TH_LOG("the finalize came first (try %d); again", tries + 1);
		ASSERT_EQ(kho_finalize(0), 0);
	}
	ASSERT_EQ(t[2], 0);
	TH_LOG("%zu MiB preserved in %lld ms; the finalize returned %lld ms after it",
	       size >> 20, t[1] - t[0], fin - t[1]);
	EXPECT_GE(fin, t[1] - 5);
	EXPECT_LT(ftruncate(m, size / 2), 0);
	EXPECT_EQ(preserve(other, m, 2), -EBUSY);
	ASSERT_EQ(kho_finalize(0), 0);
	EXPECT_EQ(preserve(other, m, 2), -EBUSY);
	close(big);
	EXPECT_EQ(ftruncate(m, size / 2), 0);
	close(other);
	close(m);
}

TEST_HARNESS_MAIN
