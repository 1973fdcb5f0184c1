/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the live update selftests share: the ioctls of /dev/liveupdate and
 * of its sessions, each returning a descriptor or 0, or -errno; a few
 * /proc and /sys helpers; a KTAP result line with its counters; and a
 * daemon that keeps the preserved sessions open across the kexec.
 *
 * Each test is one file that includes this one (the guest's initramfs
 * builds them with a bare gcc), so everything here is static inline.
 */
#ifndef LUO_UTIL_H
#define LUO_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#define LUO_DEV		"/dev/liveupdate"

static int ntests, nfailed;

/* One KTAP result line, numbered; a failure is counted in nfailed */
static inline void result(int ok, const char *name, const char *fmt, ...)
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

/* A KTAP result line for a case that could not run, and why */
static inline void skip(const char *name, const char *why)
{
	printf("ok %d %s # SKIP %s\n", ++ntests, name, why);
	fflush(stdout);
}

/* CREATE_SESSION or RETRIEVE_SESSION (@cmd) of @name: its fd, or -errno */
static inline int session(int dev, unsigned long cmd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(dev, cmd, &arg) < 0)
		return -errno;
	return arg.fd;
}

static inline int preserve(int s, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) < 0 ? -errno : 0;
}

/* RETRIEVE_FD of @token: a new fd, or -errno */
static inline int retrieve(int s, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	if (ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) < 0)
		return -errno;
	return arg.fd;
}

static inline int finish(int s)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(s, LIVEUPDATE_SESSION_FINISH, &arg) < 0 ? -errno : 0;
}

/* GET_NAME of session @s into @name (64 bytes, all copied): 0, or -errno */
static inline int get_name(int s, char *name)
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };

	memset(arg.name, 0xff, sizeof(arg.name));
	if (ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg) < 0)
		return -errno;
	memcpy(name, arg.name, sizeof(arg.name));
	return 0;
}

/* What readlink() of /proc/self/fd/@fd gives, into @buf: 0, or -errno */
static inline int fd_link(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/*
 * The link text of a session named @name: "anon_inode:[luo_session] " and
 * the name, cut to 63 bytes in all, as the kernel shows it
 */
static inline void session_link_of(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "anon_inode:[luo_session] %.38s", name);
}

/* The 64-bit word of a data pattern at index @i, mixed by @seed */
static inline uint64_t pattern_of(uint64_t i, uint64_t seed)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL + seed;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A /proc/meminfo field in kB, or -1 */
static inline long meminfo_kb(const char *field)
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

/* Write @val to the file at @path: 0, or -errno (-EIO if short) */
static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	ret = n < 0 ? -errno : n == (ssize_t)strlen(val) ? 0 : -EIO;
	close(fd);
	return ret;
}

/* A cgroup v2 mount: the system's, or one of ours under /tmp; NULL if none */
static inline const char *cgroup2_mount(void)
{
	static char mnt[256];
	char dev[64], type[32];
	int found = 0;
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && !found &&
	       fscanf(f, "%63s %255s %31s %*s %*d %*d\n", dev, mnt, type) == 3)
		found = !strcmp(type, "cgroup2");
	if (f)
		fclose(f);
	if (found)
		return mnt;
	snprintf(mnt, sizeof(mnt), "/tmp/luo-cgroup2");
	mkdir(mnt, 0755);
	return mount("none", mnt, "cgroup2", 0, NULL) ? NULL : mnt;
}

/*
 * Keep every descriptor open across the kexec: fork a child that holds
 * them (and this process's whole file table) until the reboot, and return
 * in the parent once it runs.  A result line "daemon" says so, with @what.
 * 0, or -1 if no daemon could be made.
 */
static inline int daemonize(const char *what)
{
	int ready[2];
	char c;

	if (pipe(ready))
		return -1;
	switch (fork()) {
	case -1:
		return -1;
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
	result(read(ready[0], &c, 1) == 1, "daemon", "%s", what);
	return 0;
}

#endif /* LUO_UTIL_H */
