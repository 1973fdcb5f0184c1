// SPDX-License-Identifier: GPL-2.0
/*
 * kho-fdstore - the services of the systemd live update scenario
 * (make check-systemd, guest/systemd/).  Talks to systemd through the
 * sd_notify protocol itself ($NOTIFY_SOCKET, FDSTORE=1 with FDNAME=, and
 * $LISTEN_FDS/$LISTEN_FDNAMES on the way back), and to the kernel through
 * /dev/liveupdate; no libsystemd.
 *
 *   kho-fdstore preserve RESULTS
 *	kho-preserve.service (FileDescriptorStorePreserve=yes).  At the first
 *	boot: stores "data", a sealed memfd of DATA_MIB MiB of known data, and
 *	"session", a /dev/liveupdate session of its own (SESSION_NAME)
 *	holding a second memfd.  After a kexec: both must come back through
 *	systemd, the data intact with its seals and file position, and the
 *	session's memfd retrievable by its token; the session is finished,
 *	and a new one (the same memfd) is stored for the next hop.
 *   kho-fdstore plain RESULTS
 *	kho-plain.service (no FileDescriptorStorePreserve=): stores a memfd
 *	in every boot and must get nothing back after a kexec.
 *   kho-fdstore systemd-session RESULTS
 *	systemd's own session "systemd" is no longer retrievable (ENOENT):
 *	PID 1 finished it, or there was none.
 *   kho-fdstore clock
 *	prints "TSC CLOCK_MONOTONIC-ns TSC-kHz", read together.
 *
 * RESULTS is a file the KTAP result lines are appended to; the generation
 * is the kernel command line's hop=N.  A service sends READY=1 once its
 * checks are written, then stays up as a daemon does.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <x86intrin.h>

#include "liveupdate/luo_util.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL		0x0008U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC		0x0020
#endif

#define MiB			(1024UL * 1024)
#define DATA_MIB		64
#define DATA_SEED		0x6b686f2d64617461ULL	/* "kho-data" */
/* Sealed against every change; MFD_NOEXEC_SEAL adds F_SEAL_EXEC */
#define DATA_SEALS		(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_EXEC)
#define DATA_POS		(3 * 4096 + 5)
#define SESSION_NAME		"kho-preserve-state"
#define SESSION_MIB		16
#define SESSION_SEED		0x6b686f2d73657373ULL	/* "kho-sess" */
#define SESSION_SEALS		(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_EXEC)
#define SESSION_TOKEN		0x5eed
#define PLAIN_MIB		1
#define PLAIN_SEED		0x6b686f2d706c6169ULL	/* "kho-plai" */
#define PLAIN_SEALS		(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_EXEC)

static int hop = -1;

/* hop=N of the kernel command line, or -1 */
static int cmdline_hop(void)
{
	char buf[4096], *p;
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (p = strtok(buf, " \n"); p; p = strtok(NULL, " \n"))
		if (!strncmp(p, "hop=", 4))
			return atoi(p + 4);
	return -1;
}

/* One sd_notify datagram to $NOTIFY_SOCKET, with @fd attached if >= 0 */
static int notify(const char *msg, int fd)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
	struct msghdr mh = { .msg_name = &sa, .msg_iov = &iov, .msg_iovlen = 1 };
	socklen_t len;
	int s, ret = 0;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return -EINVAL;
	strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = 0;
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	mh.msg_namelen = len;
	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		mh.msg_control = c.buf;
		mh.msg_controllen = sizeof(c.buf);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&c.h), &fd, sizeof(int));
	}
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
		ret = -errno;
	close(s);
	return ret;
}

/* The descriptors systemd passed ($LISTEN_FDS from 3, $LISTEN_FDNAMES) */
#define MAX_FDS	16
static int nfds;
static int fds[MAX_FDS];
static char names[MAX_FDS][256];
static char namelist[1024];

static void listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	const char *nm = getenv("LISTEN_FDNAMES");
	char buf[1024], *p, *save;
	int i = 0;

	if (!pid || !n || atoi(pid) != getpid())
		return;
	nfds = atoi(n);
	if (nfds > MAX_FDS)
		nfds = MAX_FDS;
	snprintf(buf, sizeof(buf), "%s", nm ? nm : "");
	snprintf(namelist, sizeof(namelist), "%s", nm ? nm : "");
	for (p = strtok_r(buf, ":", &save); p && i < nfds;
	     p = strtok_r(NULL, ":", &save))
		snprintf(names[i++], sizeof(names[0]), "%s", p);
	for (i = 0; i < nfds; i++)
		fds[i] = 3 + i;
}

/* The passed fd named @name, or -1 */
static int passed(const char *name)
{
	for (int i = 0; i < nfds; i++)
		if (!strcmp(names[i], name))
			return fds[i];
	return -1;
}

/* Fill @buf with the pattern of @seed for the bytes at @off (8-aligned) */
static void fill(uint64_t *buf, size_t len, uint64_t off, uint64_t seed)
{
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = pattern_of(off / 8 + i, seed);
}

/* A memfd of @mib MiB of the pattern of @seed, sealed with @seals */
static int make_memfd(const char *name, size_t mib, uint64_t seed,
		      int seals, const char *what)
{
	size_t chunk = MiB, off;
	uint64_t *buf = malloc(chunk);
	int fd, err = 0;

	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING |
			  MFD_NOEXEC_SEAL);
	if (fd < 0 || !buf) {
		result(0, what, "memfd_create: %s", strerror(errno));
		free(buf);
		return -1;
	}
	if (ftruncate(fd, mib * MiB) < 0)
		err = errno;
	for (off = 0; !err && off < mib * MiB; off += chunk) {
		fill(buf, chunk, off, seed);
		if (pwrite(fd, buf, chunk, off) != (ssize_t)chunk)
			err = errno ? errno : EIO;
	}
	free(buf);
	if (!err && fcntl(fd, F_ADD_SEALS, seals & ~F_SEAL_EXEC) < 0)
		err = errno;
	if (!err && fcntl(fd, F_GET_SEALS) != seals)
		err = EINVAL;
	result(!err, what, "%zu MiB, seals %#x%s%s", mib, seals,
	       err ? ": " : "", err ? strerror(err) : "");
	if (err) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Check a memfd given back: size, seals and every byte against the
 * pattern; one result each, named @what.size/.seals/.data.  Returns the
 * bytes verified (0 on any difference).
 */
static size_t check_memfd(int fd, const char *what, size_t mib,
			  uint64_t seed, int seals)
{
	size_t chunk = MiB, off, good = 0;
	uint64_t *want = malloc(chunk), *got = malloc(chunk);
	char name[128];
	struct stat st;
	int s, bad = 0;
	ssize_t n;

	snprintf(name, sizeof(name), "%s.size", what);
	if (fstat(fd, &st) < 0)
		result(0, name, "fstat: %s", strerror(errno));
	else
		result(st.st_size == (off_t)(mib * MiB), name,
		       "%lld bytes, %zu expected", (long long)st.st_size,
		       mib * MiB);
	snprintf(name, sizeof(name), "%s.seals", what);
	s = fcntl(fd, F_GET_SEALS);
	result(s == seals, name, "%#x, %#x expected%s%s", s, seals,
	       s < 0 ? ": " : "", s < 0 ? strerror(errno) : "");
	snprintf(name, sizeof(name), "%s.data", what);
	for (off = 0; want && got && off < mib * MiB; off += chunk) {
		fill(want, chunk, off, seed);
		n = pread(fd, got, chunk, off);
		if (n != (ssize_t)chunk) {
			result(0, name, "pread at %zu: %zd (%s)", off, n,
			       strerror(errno));
			bad = 1;
			break;
		}
		if (memcmp(want, got, chunk)) {
			size_t i = 0;

			while (want[i] == got[i])
				i++;
			result(0, name, "differs at byte %zu of %zu",
			       off + i * 8, mib * MiB);
			bad = 1;
			break;
		}
		good += chunk;
	}
	if (!want || !got) {
		result(0, name, "out of memory");
		bad = 1;
	}
	if (!bad)
		result(1, name, "%zu bytes verified", good);
	free(want);
	free(got);
	return bad ? 0 : good;
}

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "0";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EBADF: return "EBADF";
	case ENODEV: return "ENODEV";
	default: return strerror(e);
	}
}

/* This service's session for the next hop, holding @mem: its fd or -1 */
static int new_session(int mem)
{
	int dev, s, ret;

	dev = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	result(dev >= 0, "preserve.liveupdate_open", "%s",
	       dev >= 0 ? "0" : err_name(errno));
	if (dev < 0)
		return -1;
	s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, SESSION_NAME);
	/* Closing /dev/liveupdate drops nothing; PID 1 needs it at shutdown */
	close(dev);
	result(s >= 0, "preserve.session_create", "%s: %s", SESSION_NAME,
	       s >= 0 ? "0" : err_name(-s));
	if (s < 0)
		return -1;
	ret = preserve(s, mem, SESSION_TOKEN);
	result(!ret, "preserve.session_preserve_fd", "token %#x: %s",
	       SESSION_TOKEN, err_name(-ret));
	if (ret) {
		close(s);
		return -1;
	}
	return s;
}

static int do_preserve(void)
{
	char link[256], path[64];
	int data, sess, mem = -1, s = -1, ret;
	const char *fdstore = getenv("FDSTORE");
	size_t verified = 0;
	off_t pos;
	ssize_t n;

	result(fdstore && atoi(fdstore) == 8, "preserve.fdstore_env",
	       "FDSTORE=%s", fdstore ? fdstore : "(unset)");
	data = passed("data");
	sess = passed("session");
	if (hop == 0) {
		result(nfds == 0, "preserve.nothing_passed_at_first_boot",
		       "%d fds: %s", nfds, namelist);
	} else {
		result(nfds == 2 && data >= 0 && sess >= 0,
		       "preserve.fds_back", "%d fds: %s (data:session expected)",
		       nfds, namelist);
		result(data >= 0, "preserve.data_back", "%s",
		       data >= 0 ? "fd \"data\"" : "no fd named \"data\"");
		result(sess >= 0, "preserve.session_back", "%s",
		       sess >= 0 ? "fd \"session\"" : "no fd named \"session\"");
	}

	if (data >= 0) {
		verified += check_memfd(data, "preserve.data", DATA_MIB,
					DATA_SEED, DATA_SEALS);
		pos = lseek(data, 0, SEEK_CUR);
		result(pos == DATA_POS, "preserve.data.position",
		       "%lld, %d expected", (long long)pos, DATA_POS);
	} else {
		data = make_memfd("kho-data", DATA_MIB, DATA_SEED, DATA_SEALS,
				  "preserve.data_create");
		if (data >= 0 && lseek(data, DATA_POS, SEEK_SET) != DATA_POS)
			result(0, "preserve.data_seek", "%s", strerror(errno));
		/* systemd keeps a store it gave back: store only a new one */
		if (data >= 0) {
			ret = notify("FDSTORE=1\nFDNAME=data", data);
			result(!ret, "preserve.fdstore_data", "%s",
			       err_name(-ret));
		}
	}

	if (sess >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", sess);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = 0;
		/* Mainline (7.2) names a session file "[luo_session] NAME" */
		result(!strcmp(link, "anon_inode:[luo_session] " SESSION_NAME),
		       "preserve.session_file_name", "%s", link);
		mem = retrieve(sess, SESSION_TOKEN);
		result(mem >= 0, "preserve.session_retrieve_fd", "token %#x: %s",
		       SESSION_TOKEN, mem >= 0 ? "0" : err_name(-mem));
		if (mem >= 0)
			verified += check_memfd(mem, "preserve.session_memfd",
						SESSION_MIB, SESSION_SEED,
						SESSION_SEALS);
		ret = retrieve(sess, SESSION_TOKEN + 1);
		result(ret == -ENOENT, "preserve.session_unknown_token",
		       "%s, ENOENT expected", err_name(ret < 0 ? -ret : 0));
		if (ret >= 0)
			close(ret);
		ret = finish(sess);
		result(!ret, "preserve.session_finish", "%s", err_name(-ret));
		ret = notify("FDSTOREREMOVE=1\nFDNAME=session", -1);
		result(!ret, "preserve.fdstore_remove_session", "%s",
		       err_name(-ret));
		close(sess);
	} else if (hop > 0) {
		/* Nothing to check: each check that could not run fails */
		result(0, "preserve.session_file_name", "no session fd");
		result(0, "preserve.session_retrieve_fd", "no session fd");
		result(0, "preserve.session_memfd.data", "no session fd");
		result(0, "preserve.session_finish", "no session fd");
	}
	if (mem < 0)
		mem = make_memfd("kho-session-data", SESSION_MIB, SESSION_SEED,
				 SESSION_SEALS, "preserve.session_memfd_create");
	if (mem >= 0)
		s = new_session(mem);
	if (s >= 0) {
		ret = notify("FDSTORE=1\nFDNAME=session", s);
		result(!ret, "preserve.fdstore_session", "%s", err_name(-ret));
	}
	if (hop > 0)
		printf("# verified: %zu bytes (%s)\n", verified, "preserve");
	return 0;
}

static int do_plain(void)
{
	int m, ret;

	if (hop == 0)
		result(nfds == 0, "plain.nothing_passed_at_first_boot",
		       "%d fds: %s", nfds, namelist);
	else
		result(nfds == 0, "plain.nothing_back",
		       "%d fds: %s (none expected)", nfds, namelist);
	m = make_memfd("kho-plain", PLAIN_MIB, PLAIN_SEED, PLAIN_SEALS,
		       "plain.memfd_create");
	if (m < 0)
		return 0;
	ret = notify("FDSTORE=1\nFDNAME=plain", m);
	result(!ret, "plain.fdstore_plain", "%s", err_name(-ret));
	return 0;
}

static int do_systemd_session(void)
{
	int dev, s;

	dev = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	result(dev >= 0, "systemd_session.liveupdate_open", "%s",
	       dev >= 0 ? "0" : err_name(errno));
	if (dev < 0) {
		result(0, "systemd_session.finished", "cannot ask");
		return 0;
	}
	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "systemd");
	result(s == -ENOENT, "systemd_session.finished",
	       "RETRIEVE_SESSION systemd: %s, ENOENT expected",
	       s >= 0 ? "retrieved" : err_name(-s));
	if (s >= 0)
		close(s);
	close(dev);
	return 0;
}

static int do_clock(void)
{
	struct timespec d = { 0, 200 * 1000 * 1000 };
	uint64_t t0, n0, t1, n1;

	t0 = __rdtsc();
	n0 = now_ns();
	nanosleep(&d, NULL);
	t1 = __rdtsc();
	n1 = now_ns();
	printf("%llu %llu %llu\n", (unsigned long long)t1,
	       (unsigned long long)n1,
	       (unsigned long long)((t1 - t0) * 1000000ULL / (n1 - n0)));
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int daemon = 0;

	if (!strcmp(mode, "clock"))
		return do_clock();
	if (argc != 3) {
		fprintf(stderr, "usage: kho-fdstore preserve|plain|systemd-session RESULTS | clock\n");
		return 2;
	}
	listen_fds();
	hop = cmdline_hop();
	if (!freopen(argv[2], "a", stdout)) {
		perror(argv[2]);
		return 1;
	}
	if (!strcmp(mode, "preserve"))
		daemon = !do_preserve();
	else if (!strcmp(mode, "plain"))
		daemon = !do_plain();
	else if (!strcmp(mode, "systemd-session"))
		return do_systemd_session();
	else
		return 2;
	fflush(stdout);
	if (daemon) {
		notify("READY=1", -1);
		for (;;)
			pause();
	}
	return 0;
}
