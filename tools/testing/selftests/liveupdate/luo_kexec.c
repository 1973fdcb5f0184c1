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
 * file; "lu-left" with a memfd that stage 2 never retrieves.
 *
 * With LUO_EXPECT_THP=1 in the environment, the big memfd must hold huge
 * pages (ShmemHugePages) once filled and once retrieved; with
 * LUO_MEMCG=DIR (a cgroup v2 directory this process runs in), retrieving
 * it must charge at least its size to DIR/memory.current.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#define LUO_DEV		"/dev/liveupdate"
#define MAIN_TOKEN	42
#define MAIN_POS	12345
#define MAIN_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW)
#define SMALL		(1024 * 1024)

static int ntests, nfailed;

static void result(int ok, const char *name, const char *fmt, ...)
{
	char diag[256] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(diag, sizeof(diag), fmt, ap);
	va_end(ap);
	ntests++;
	if (!ok)
		nfailed++;
	printf("%sok %d %s%s%s\n", ok ? "" : "not ", ntests, name,
	       *diag ? " # " : "", diag);
	fflush(stdout);
}

static uint64_t pattern(uint64_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL + 1;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

static int session(int dev, unsigned long cmd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(dev, cmd, &arg) < 0)
		return -errno;
	return arg.fd;
}

static int preserve(int s, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) < 0 ? -errno : 0;
}

static int retrieve(int s, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	if (ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) < 0)
		return -errno;
	return arg.fd;
}

static int finish(int s)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(s, LIVEUPDATE_SESSION_FINISH, &arg) < 0 ? -errno : 0;
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

static int daemonize(void);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
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
	close(dev);	/* closing the device drops no session */
	return daemonize();
}

/* Leave a daemon that keeps this process's session fds across the kexec */
static int daemonize(void)
{
	int ready[2];
	char c;

	if (pipe(ready))
		return 1;
	switch (fork()) {
	case -1:
		return 1;
	case 0:
		close(ready[0]);
		setsid();
		/* Let whoever reads our output see its end */
		freopen("/dev/null", "r", stdin);
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		c = 1;
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	result(read(ready[0], &c, 1) == 1, "daemon", "holding the sessions");
	return 0;
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
		return carry ? daemonize() : 0;
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
	close(dev);
	return carry ? daemonize() : 0;
}

static int stage_nothing(void)
{
	static const char * const names[] = {
		"lu-main", "lu-multi", "lu-empty", "lu-left", NULL,
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
