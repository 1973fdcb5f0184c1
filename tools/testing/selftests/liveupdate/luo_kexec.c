// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two-stage live update test: memfds survive a KHO kexec.
 *
 *   luo_kexec preserve MIB   before the kexec: create the sessions below,
 *                            fill the memfds, preserve them, and leave a
 *                            daemon holding the session fds
 *   luo_kexec check MIB      after the kexec: retrieve and check them
 *   luo_kexec carry MIB      after a later kexec of a chain: only "lu-main"
 *                            came (and "lu-left" is gone, never retrieved
 *                            in the kernel before); check it, preserve the
 *                            same memfd again into a new "lu-main", and
 *                            leave a daemon holding it for the next kexec
 *   luo_kexec check-carry MIB  check, then carry (the first kernel after
 *                            the first kexec of a chain)
 *   luo_kexec last MIB       carry without preserving again (the end of a
 *                            chain)
 *   luo_kexec nothing MIB    after a kexec whose state the kernel refused:
 *                            no session of the preserve stage is there
 *   luo_kexec chain GEN HOPS MIB
 *                            generation GEN of a chain of HOPS kexecs: the
 *                            stage above that it needs (preserve in the
 *                            first; check-carry, check, carry or last after)
 *
 * Sessions: "lu-main" with one MIB MiB memfd (token 42, sealed
 * SHRINK|GROW, position 12345); "lu-multi" with two 1 MiB memfds of which
 * only the first page was written (tokens 1 and 2); "lu-empty" with no
 * file; "lu-left" with a memfd that stage 2 never retrieves; "lu-retry"
 * with a 64 MiB memfd and "lu-crash" with two 1 MiB memfds, for the
 * failures of stage 2 below.
 *
 * Nothing a failure in the next kernel does may lose a file.  Stage 2
 * (check) retrieves "lu-retry" in a process of a memory cgroup limited to
 * 16 MiB: RETRIEVE_FD fails with ENOMEM and the process exits; the session
 * is unclaimed again, another process retrieves it, fails again in the
 * cgroup, leaves the cgroup and retrieves the memfd, every byte intact,
 * with the same session descriptor.  And a process that retrieved
 * "lu-crash" and one of its two files is killed: the session is unclaimed
 * again, and another process retrieves both files intact.  (Without a
 * cgroup v2 memory controller the cgroup part is skipped.)
 *
 * With LUO_EXPECT_THP=1 in the environment, the big memfd must hold huge
 * pages (ShmemHugePages) once filled and once retrieved; with
 * LUO_MEMCG=DIR (a cgroup v2 directory this process runs in), retrieving
 * it must charge at least its size to DIR/memory.current.
 *
 * "lu-main" must be named so, outgoing, retrieved and finished: GET_NAME,
 * the /proc/self/fd link "anon_inode:[luo_session] lu-main", an anon inode.
 * LUO_NO_SESSION_NAMES=1 skips that, for a kernel that predates them.
 *
 * The kexec itself is the caller's: kexec -s -l, then kexec -e, whose reboot
 * serializes the sessions and finalizes KHO.
 * Output is KTAP.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/liveupdate.h>
#include <linux/magic.h>

#include "luo_util.h"

#define MAIN_TOKEN	42
#define MAIN_POS	12345
#define MAIN_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW)
#define SMALL		(1024 * 1024)
#define RETRY_SIZE	(64 * 1024 * 1024)
#define RETRY_LIMIT	"16M"
#define LUO_DBG		"/sys/kernel/debug/liveupdate"

/* The data pattern of this test */
static uint64_t pattern(uint64_t i)
{
	return pattern_of(i, 1);
}

/* A memfd of @size whose first @filled bytes hold the pattern */
static int filled_memfd(size_t size, size_t filled)
{
	int fd = memfd_create("lu", MFD_ALLOW_SEALING);
	uint64_t *p;
	size_t i;

	if (fd < 0 || ftruncate(fd, size) < 0)
		return -1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < filled / 8; i++)
		p[i] = pattern(i);
	munmap(p, size);
	return fd;
}

/* Bytes of @fd (@size long) that differ from the pattern up to @filled, 0 after */
static long check_memfd(int fd, size_t size, size_t filled)
{
	uint64_t *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	long bad = 0;
	size_t i;

	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < size / 8; i++)
		if (p[i] != (i < filled / 8 ? pattern(i) : 0))
			bad++;
	munmap(p, size);
	return bad;
}

/* The numbers that LUO_EXPECT_THP and LUO_MEMCG ask to check */
static void check_thp_memcg(const char *when, size_t size, int memcg)
{
	const char *dir = getenv("LUO_MEMCG");
	char path[256], buf[32] = "";
	long huge;
	FILE *f;

	if (getenv("LUO_EXPECT_THP")) {
		huge = meminfo_kb("ShmemHugePages");
		result(huge > 0, when, "ShmemHugePages %ld kB", huge);
	}
	if (!memcg || !dir)
		return;
	snprintf(path, sizeof(path), "%s/memory.current", dir);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	result(strtoull(buf, NULL, 10) >= size, "main_charged_to_memcg",
	       "%s memory.current %s", dir, buf[0] ? strtok(buf, "\n") : "?");
}

/*
 * Session @s is named @name: GET_NAME gives it, /proc/self/fd shows it,
 * and it is an anon inode.  LUO_NO_SESSION_NAMES=1 in the environment
 * skips this, on a kernel older than LIVEUPDATE_SESSION_GET_NAME.
 */
static void check_session_name(int s, const char *name, const char *when)
{
	char got[LIVEUPDATE_SESSION_NAME_LENGTH], link[256], want[256], res[64];
	struct statfs sfs;
	int ret;

	snprintf(res, sizeof(res), "%s_get_name", when);
	if (getenv("LUO_NO_SESSION_NAMES")) {
		skip(res, "LUO_NO_SESSION_NAMES");
		return;
	}
	ret = get_name(s, got);
	result(!ret && !strcmp(got, name), res, "%d \"%.*s\"", ret,
	       ret ? 0 : (int)sizeof(got), got);
	snprintf(res, sizeof(res), "%s_session_link", when);
	ret = fd_link(s, link, sizeof(link));
	session_link_of(name, want, sizeof(want));
	result(!ret && !strcmp(link, want), res, "%d \"%s\"", ret,
	       ret ? "" : link);
	snprintf(res, sizeof(res), "%s_session_anon_inode", when);
	ret = fstatfs(s, &sfs) ? -errno : 0;
	result(!ret && sfs.f_type == ANON_INODE_FS_MAGIC, res, "%d %#lx", ret,
	       ret ? 0UL : (unsigned long)sfs.f_type);
}

/* /dev/liveupdate, opened as a result of its own */
static int open_dev(void)
{
	int dev = open(LUO_DEV, O_RDWR);

	result(dev >= 0, "open", "%s", dev < 0 ? strerror(errno) : "");
	return dev;
}

static int stage_preserve(size_t size)
{
	int dev, s, m, m2, ret;
	uint64_t t0;

	dev = open_dev();
	if (dev < 0)
		return 1;

	s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "lu-main");
	m = filled_memfd(size, size);
	result(s >= 0 && m >= 0, "main_create", "session %d memfd %d", s, m);
	check_session_name(s, "lu-main", "main");
	result(fcntl(m, F_ADD_SEALS, MAIN_SEALS) == 0 &&
	       lseek(m, MAIN_POS, SEEK_SET) == MAIN_POS, "main_seal_seek", "");
	t0 = now_ns();
	ret = preserve(s, m, MAIN_TOKEN);
	printf("# luo-timing: preserve_ns=%llu bytes=%zu\n",
	       (unsigned long long)(now_ns() - t0), size);
	result(ret == 0, "main_preserve", "%d", ret);
	check_thp_memcg("main_thp_filled", size, 0);
	close(m);	/* the session holds it */

	s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "lu-multi");
	m = filled_memfd(SMALL, 4096);
	m2 = filled_memfd(SMALL, 4096);
	result(s >= 0 && preserve(s, m, 1) == 0 && preserve(s, m2, 2) == 0,
	       "multi_preserve", "");
	close(m);
	close(m2);

	s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "lu-empty");
	result(s >= 0, "empty_create", "");

	s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "lu-left");
	m = filled_memfd(SMALL, SMALL);
	result(s >= 0 && preserve(s, m, 9) == 0, "left_preserve", "");
	close(m);

	s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "lu-retry");
	m = filled_memfd(RETRY_SIZE, RETRY_SIZE);
	result(s >= 0 && m >= 0 && preserve(s, m, 1) == 0, "retry_preserve", "");
	close(m);

	s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "lu-crash");
	m = filled_memfd(SMALL, SMALL);
	m2 = filled_memfd(SMALL, SMALL);
	result(s >= 0 && preserve(s, m, 1) == 0 && preserve(s, m2, 2) == 0,
	       "crash_preserve", "");
	close(m);
	close(m2);
	close(dev);	/* closing the device drops no session */
	return daemonize("holding the sessions");
}

/* Whether @path has a line that starts with @prefix */
static int file_has_line(const char *path, const char *prefix)
{
	char line[256];
	int found = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, prefix, strlen(prefix));
	fclose(f);
	return found;
}

/*
 * A memory cgroup @name limited to @max, its directory in @dir, and this
 * process's own cgroup in @home; NULL, or why it cannot be had.
 */
static const char *memcg_make(const char *name, const char *max, char *dir,
			      char *home, size_t len)
{
	const char *mnt = cgroup2_mount();
	char path[1024], line[256] = "";
	FILE *f;

	if (!mnt)
		return "no cgroup v2";
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mnt);
	write_file(path, "+memory");
	snprintf(dir, len, "%s/%s", mnt, name);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return "cannot make a cgroup";
	snprintf(path, sizeof(path), "%s/memory.max", dir);
	if (write_file(path, max))
		return "no memory controller";
	f = fopen("/proc/self/cgroup", "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	if (strncmp(line, "0::/", 4))
		return "no cgroup v2 path in /proc/self/cgroup";
	line[strcspn(line, "\n")] = '\0';
	snprintf(home, len, "%s%s", mnt, line + 3);
	return NULL;
}

/* Move this process into the cgroup directory @dir; 0 or -errno */
static int memcg_join(const char *dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	return write_file(path, "0");
}

/* Fork a child that runs @fn and sends back what it fills in */
struct child_report {
	int session, fail, fail2, fd, fd2, finish;
	long bad;
};

static int run_child(void (*fn)(int dev, int out), int dev,
		     struct child_report *r, int *status)
{
	int p[2];
	pid_t pid;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (pipe(p))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(p[0]);
		fn(dev, p[1]);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], r, sizeof(*r));
	close(p[0]);
	waitpid(pid, status, 0);
	return n == sizeof(*r) ? 0 : -1;
}

static char retry_cg[512], retry_home[512];

/* In the 16 MiB cgroup: the session, and the 64 MiB memfd that does not fit */
static void retry_first(int dev, int out)
{
	struct child_report r = { .fd = -1 };
	int s;

	r.session = memcg_join(retry_cg);
	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-retry");
	r.session = r.session ?: s;
	r.fail = s >= 0 ? retrieve(s, 1) : s;
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	/* exit: closing the session must not finish it */
}

/* Again; then out of the cgroup, the same session fd retrieves it */
static void retry_second(int dev, int out)
{
	struct child_report r = { .fd = -1, .bad = -1 };
	int s;

	r.session = memcg_join(retry_cg);
	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-retry");
	r.session = r.session ?: s;
	r.fail = s >= 0 ? retrieve(s, 1) : s;
	r.fail2 = memcg_join(retry_home);
	r.fd = s >= 0 ? retrieve(s, 1) : s;
	if (r.fd >= 0)
		r.bad = check_memfd(r.fd, RETRY_SIZE, RETRY_SIZE);
	r.finish = s >= 0 ? finish(s) : s;
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
}

static const char *child_how(int status)
{
	static char buf[64];

	if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "child killed by signal %d",
			 WTERMSIG(status));
	else
		snprintf(buf, sizeof(buf), "child exited %d",
			 WEXITSTATUS(status));
	return buf;
}

/* A retrieve that fails on a memory cgroup's limit loses nothing */
static void check_retry(int dev)
{
	struct child_report r;
	const char *why;
	int ret, status = 0, ok;

	why = memcg_make("luo-retry", RETRY_LIMIT, retry_cg, retry_home,
			 sizeof(retry_cg));
	if (why) {
		skip("retry_over_memcg_limit", why);
		/* Still take the session, so the next kernel gets no more */
		ret = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-retry");
		result(ret >= 0 && finish(ret) == 0, "retry_finish", "%d", ret);
		if (ret >= 0)
			close(ret);
		return;
	}
	ok = !run_child(retry_first, dev, &r, &status);
	result(ok && r.session >= 0, "retry_session_in_small_memcg", "%s: %d",
	       child_how(status), r.session);
	result(ok && r.fail == -ENOMEM, "retry_fd_over_memcg_limit_enomem",
	       "%s: %d (%s)", child_how(status), r.fail, strerror(-r.fail));
	ret = file_has_line(LUO_DBG, "incoming lu-retry unclaimed");
	if (ret < 0)
		skip("retry_unclaimed_again", "no " LUO_DBG);
	else
		result(ret, "retry_unclaimed_again", "after the failing process exited");

	ok = !run_child(retry_second, dev, &r, &status);
	result(ok && r.session >= 0, "retry_session_again", "%s: %d",
	       child_how(status), r.session);
	result(ok && r.fail == -ENOMEM, "retry_fd_still_enomem", "%d", r.fail);
	result(ok && r.fail2 == 0 && r.fd >= 0, "retry_fd_after_leaving_memcg",
	       "join %d, fd %d", r.fail2, r.fd);
	result(ok && r.bad == 0, "retry_contents", "%ld bad words of %d",
	       r.bad, RETRY_SIZE / 8);
	result(ok && r.finish == 0, "retry_finish", "%d", r.finish);
	ret = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-retry");
	result(ret == -ENOENT, "retry_finished_enoent", "%d", ret);
	rmdir(retry_cg);
}

/* Retrieve "lu-crash" and its first file, then wait to be killed */
static void crash_child(int dev, int out)
{
	struct child_report r = { .fd = -1 };
	int s;

	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-crash");
	r.session = s;
	r.fd = s >= 0 ? retrieve(s, 1) : s;
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	for (;;)
		pause();
}

/*
 * A process killed between RETRIEVE_SESSION and its last RETRIEVE_FD
 * loses nothing: the session is unclaimed again, with both files
 */
static void check_crash(int dev)
{
	struct child_report r;
	int p[2], s, m, m2, ret, status = 0;
	pid_t pid;

	memset(&r, 0, sizeof(r));
	if (pipe(p))
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(p[0]);
		crash_child(dev, p[1]);
	}
	close(p[1]);
	ret = read(p[0], &r, sizeof(r)) == sizeof(r);
	close(p[0]);
	result(ret && r.session >= 0 && r.fd >= 0, "crash_child_retrieved_one",
	       "session %d fd %d", r.session, r.fd);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ret = file_has_line(LUO_DBG, "incoming lu-crash unclaimed");
	if (ret < 0)
		skip("crash_unclaimed_again", "no " LUO_DBG);
	else
		result(ret, "crash_unclaimed_again", "after SIGKILL");
	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-crash");
	result(s >= 0, "crash_session_after_kill", "%d", s);
	m = s >= 0 ? retrieve(s, 1) : s;
	m2 = s >= 0 ? retrieve(s, 2) : s;
	result(m >= 0 && m2 >= 0, "crash_both_fds", "%d %d", m, m2);
	result(m >= 0 && m2 >= 0 && check_memfd(m, SMALL, SMALL) == 0 &&
	       check_memfd(m2, SMALL, SMALL) == 0, "crash_contents", "");
	ret = s >= 0 ? finish(s) : s;
	result(ret == 0, "crash_finish", "%d", ret);
	if (m >= 0)
		close(m);
	if (m2 >= 0)
		close(m2);
	if (s >= 0)
		close(s);
}

static int stage_check(size_t size, int full, int carry)
{
	int dev, s, m, m2, ret, out = -1;
	struct stat st, st2;
	uint64_t t0;
	long bad;

	dev = open_dev();
	if (dev < 0)
		return 1;

	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-main");
	result(s >= 0, "main_retrieve", "%d", s);
	result(fcntl(s, F_GETFD) == FD_CLOEXEC, "main_session_cloexec", "");
	check_session_name(s, "lu-main", "main_retrieved");
	ret = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-main");
	result(ret == -EINVAL, "main_retrieve_twice_einval", "%d", ret);
	t0 = now_ns();
	m = retrieve(s, MAIN_TOKEN);
	printf("# luo-timing: retrieve_ns=%llu bytes=%zu\n",
	       (unsigned long long)(now_ns() - t0), size);
	result(m >= 0, "main_retrieve_fd", "%d", m);
	result(fcntl(m, F_GETFD) == FD_CLOEXEC, "main_fd_cloexec", "");
	ret = retrieve(s, MAIN_TOKEN + 1);
	result(ret == -ENOENT, "main_unknown_token_enoent", "%d", ret);
	m2 = retrieve(s, MAIN_TOKEN);
	result(m2 >= 0 && m2 != m && !fstat(m, &st) && !fstat(m2, &st2) &&
	       st.st_ino == st2.st_ino, "main_retrieve_fd_twice_same_file", "");
	result(st.st_size == (off_t)size, "main_size", "%lld", (long long)st.st_size);
	result(lseek(m, 0, SEEK_CUR) == MAIN_POS, "main_pos", "");
	ret = fcntl(m, F_GET_SEALS);
	result(ret == MAIN_SEALS, "main_seals", "%#x", ret);
	bad = check_memfd(m, size, size);
	result(bad == 0, "main_contents", "%ld bad words of %zu", bad, size / 8);
	check_thp_memcg("main_thp_restored", size, 1);
	if (carry) {
		/* Outgoing names are apart from incoming ones */
		out = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "lu-main");
		result(out >= 0, "carry_session", "%d", out);
		t0 = now_ns();
		ret = out >= 0 ? preserve(out, m, MAIN_TOKEN) : out;
		printf("# luo-timing: preserve_ns=%llu bytes=%zu\n",
		       (unsigned long long)(now_ns() - t0), size);
		result(ret == 0, "carry_preserve", "%d", ret);
	}
	ret = finish(s);
	result(ret == 0, "main_finish", "%d", ret);
	/* Finished, the session still has its name while its fd is open */
	check_session_name(s, "lu-main", "main_finished");
	/* The memfd is the user's now */
	bad = check_memfd(m2, size, size);
	result(bad == 0, "main_contents_after_finish", "%ld", bad);
	close(m);
	close(m2);
	close(s);
	ret = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-main");
	result(ret == -ENOENT, "main_finished_enoent", "%d", ret);
	if (!full) {
		/* Not retrieved in the kernel before: not handed on again */
		ret = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-left");
		result(ret == -ENOENT, "left_gone_enoent", "%d", ret);
		close(dev);
		return carry ? daemonize("holding the sessions") : 0;
	}

	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-multi");
	m = retrieve(s, 1);
	m2 = retrieve(s, 2);
	result(s >= 0 && m >= 0 && m2 >= 0, "multi_retrieve", "");
	result(check_memfd(m, SMALL, 4096) == 0 &&
	       check_memfd(m2, SMALL, 4096) == 0, "multi_contents", "");
	close(s);	/* finishes it */
	close(m);
	close(m2);

	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "lu-empty");
	result(s >= 0 && finish(s) == 0, "empty_finish", "");
	close(s);

	check_retry(dev);
	check_crash(dev);
	close(dev);
	return carry ? daemonize("holding the sessions") : 0;
}

static int stage_nothing(void)
{
	static const char * const names[] = {
		"lu-main", "lu-multi", "lu-empty", "lu-left", "lu-retry",
		"lu-crash", NULL,
	};
	int dev, ret;
	unsigned int i;

	dev = open_dev();
	if (dev < 0)
		return 1;
	for (i = 0; names[i]; i++) {
		ret = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, names[i]);
		result(ret == -ENOENT, "no_session", "%s: %d", names[i], ret);
	}
	close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long gen, hops;
	size_t size;

	if (argc == 5 && !strcmp(argv[1], "chain")) {
		gen = strtoul(argv[2], NULL, 0);
		hops = strtoul(argv[3], NULL, 0);
		size = strtoul(argv[4], NULL, 0) << 20;
		printf("KTAP version 1\n");
		if (gen)
			stage_check(size, gen == 1, gen < hops);
		else
			stage_preserve(size);
		printf("1..%d\n", ntests);
		return nfailed ? 1 : 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s preserve|check|carry|check-carry|last|nothing MIB\n"
			"       %s chain GEN HOPS MIB\n", argv[0], argv[0]);
		return 2;
	}
	size = strtoul(argv[2], NULL, 0) << 20;
	printf("KTAP version 1\n");
	if (!strcmp(argv[1], "preserve"))
		stage_preserve(size);
	else if (!strcmp(argv[1], "check"))
		stage_check(size, 1, 0);
	else if (!strcmp(argv[1], "carry"))
		stage_check(size, 0, 1);
	else if (!strcmp(argv[1], "check-carry"))
		stage_check(size, 1, 1);
	else if (!strcmp(argv[1], "last"))
		stage_check(size, 0, 0);
	else if (!strcmp(argv[1], "nothing"))
		stage_nothing();
	else
		return 2;
	printf("1..%d\n", ntests);
	return nfailed ? 1 : 0;
}
