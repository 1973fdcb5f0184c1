// SPDX-License-Identifier: GPL-2.0
/*
 * lu-memfd-holder - hold the memfds of a VMM that does not speak
 * /dev/liveupdate, and carry them across a live update (kexec).
 *
 * A VMM such as QEMU maps its guest RAM from a file it is given by path
 * (-object memory-backend-file,mem-path=...,share=on).  This helper creates
 * the memfds, keeps them open in a small daemon, and names them by the
 * daemon's /proc/PID/fd/N paths, which the VMM opens like any file.  On
 * request the daemon preserves every memfd into a live update session
 * (with an index of names and sizes at token 0); after the kexec,
 * "resume" retrieves them in the next kernel into a new daemon, under the
 * same names, for the next VMM.  See "usage" below and
 * Documentation/admin-guide/mm/kho.rst ("Live-updating a host that runs
 * QEMU VMs").
 *
 * The daemon is controlled through two FIFOs in its directory, DIR/ctl
 * (commands, one a line) and DIR/reply (one line back, "ok ..." or
 * "error: ..."); DIR/pid holds its PID and DIR/NAME the path of memfd NAME.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#define PROG		"lu-memfd-holder"
#define MAX_FDS		16
#define NAME_MAX_LEN	40
#define INDEX_TOKEN	0
#define INDEX_MAGIC	"lu-memfd-holder v1"
#define LUO_DEV		"/dev/liveupdate"

static const char usage_text[] =
"usage: " PROG " COMMAND ...\n"
"\n"
"  start DIR SESSION NAME=SIZE...\n"
"        create a memfd of SIZE bytes (suffix K, M or G; 0 for a file the\n"
"        VMM fills, e.g. its saved device state) for each NAME, and leave a\n"
"        daemon holding them, controlled through DIR (created if missing).\n"
"        Prints \"NAME PATH SIZE\" for each: PATH (/proc/PID/fd/N) is what\n"
"        the VMM opens, e.g. QEMU's memory-backend-file mem-path=PATH.\n"
"  resume DIR SESSION\n"
"        after the kexec: retrieve live update session SESSION, which a\n"
"        daemon's \"preserve\" made in the kernel before, and leave a new\n"
"        daemon holding its memfds under the same names; prints as start.\n"
"  preserve DIR   ask the daemon to preserve every memfd it holds into a\n"
"        new session (its SESSION) of /dev/liveupdate, to be carried by the\n"
"        next kexec (kexec -s -l ..., kexec -e).  Stop the VMM first: the\n"
"        sizes are frozen from here on.\n"
"  status DIR     one line: the daemon's PID, session, preserved or not\n"
"  path DIR NAME  the path of memfd NAME\n"
"  stop DIR       the daemon exits; whatever it preserved is dropped\n"
"\n"
"NAME: 1 to 40 of [A-Za-z0-9._-]; at most 16 memfds; SESSION: 1 to 63\n"
"characters.  Exit status: 0 done, 1 failed (the reason on stderr), 2 bad\n"
"arguments.\n"
"\n"
"For tests: LU_MEMFD_HOLDER_KILL=index makes \"resume\" kill itself\n"
"(SIGKILL) once it has retrieved the session and its index, before the\n"
"memfds: the session must be whole for the next \"resume\".\n";

struct mfd {
	char name[NAME_MAX_LEN + 1];
	uint64_t size;
	int fd;
};

static struct mfd mfds[MAX_FDS];
static int nr_mfds;
static char session_name[LIVEUPDATE_SESSION_NAME_LENGTH];
static int out_session = -1;	/* the outgoing session, once preserved */

static void __attribute__((noreturn)) usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, PROG ": ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n\n");
	}
	fputs(usage_text, fmt ? stderr : stdout);
	exit(fmt ? 2 : 0);
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return 1;
}

static int valid_name(const char *s)
{
	static const char ok[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
	size_t n = strlen(s);

	if (!n || n > NAME_MAX_LEN)
		return 0;
	return strspn(s, ok) == n;
}

static int parse_size(const char *s, uint64_t *out)
{
	const char *units = "kmg", *unit;
	unsigned long long v;
	int shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	/* A suffix K, M or G (or k, m, g): KiB, MiB, GiB */
	unit = *end ? strchr(units, *end | 0x20) : NULL;
	if (unit) {
		shift = 10 * (int)(unit - units + 1);
		end++;
	}
	if (*end || (v << shift) >> shift != v || (v << shift) > (1ULL << 46))
		return -1;
	*out = v << shift;
	return 0;
}

static void check_dir_session(const char *dir, const char *session)
{
	if (strlen(dir) > PATH_MAX - 64)
		usage("directory name too long");
	if (session && (!*session ||
			strlen(session) >= LIVEUPDATE_SESSION_NAME_LENGTH))
		usage("session name must be 1 to %d characters",
		      LIVEUPDATE_SESSION_NAME_LENGTH - 1);
}

static void dpath(char *buf, const char *dir, const char *file)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, file);
}

/* ---- /dev/liveupdate ---- */

static int lu_session(unsigned long cmd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	int dev, err;

	dev = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	err = ioctl(dev, cmd, &arg) < 0 ? -errno : arg.fd;
	close(dev);
	return err;
}

static const char *lu_strerror(int err)
{
	static char buf[128];

	if (err == -ENOENT || err == -ENODEV || err == -ENXIO)
		snprintf(buf, sizeof(buf),
			 "%s (is the kernel booted with kho=on liveupdate=on?)",
			 strerror(-err));
	else if (err == -EBUSY)
		snprintf(buf, sizeof(buf), "%s (another process has "
			 LUO_DEV " open)", strerror(-err));
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-err));
	return buf;
}

/* Preserve every memfd, and the index at token 0, into a new session */
static int preserve_all(char *msg, size_t len)
{
	struct liveupdate_session_preserve_fd arg = { .size = sizeof(arg) };
	char line[128];
	int s, idx, i, n;

	if (out_session >= 0) {
		snprintf(msg, len, "error: already preserved in session %s",
			 session_name);
		return -1;
	}
	idx = memfd_create("lu-memfd-holder-index",
			   MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (idx < 0) {
		snprintf(msg, len, "error: memfd_create: %s", strerror(errno));
		return -1;
	}
	n = snprintf(line, sizeof(line), "%s %d\n", INDEX_MAGIC, nr_mfds);
	if (write(idx, line, n) != n)
		goto werr;
	for (i = 0; i < nr_mfds; i++) {
		struct stat st;

		if (fstat(mfds[i].fd, &st) < 0)
			goto werr;
		mfds[i].size = st.st_size;
		n = snprintf(line, sizeof(line), "%d %s %llu\n", i + 1,
			     mfds[i].name, (unsigned long long)mfds[i].size);
		if (write(idx, line, n) != n)
			goto werr;
	}
	if (fcntl(idx, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		goto werr;
	s = lu_session(LIVEUPDATE_IOCTL_CREATE_SESSION, session_name);
	if (s < 0) {
		snprintf(msg, len, "error: cannot create session %s: %s",
			 session_name, lu_strerror(s));
		close(idx);
		return -1;
	}
	arg.fd = idx;
	arg.token = INDEX_TOKEN;
	if (ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) < 0) {
		snprintf(msg, len, "error: cannot preserve the index: %s",
			 strerror(errno));
		goto undo;
	}
	for (i = 0; i < nr_mfds; i++) {
		arg.fd = mfds[i].fd;
		arg.token = i + 1;
		if (ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) < 0) {
			snprintf(msg, len, "error: cannot preserve %s: %s",
				 mfds[i].name, strerror(errno));
			goto undo;
		}
	}
	close(idx);
	out_session = s;
	snprintf(msg, len, "ok preserved %d memfds in session %s", nr_mfds,
		 session_name);
	return 0;
werr:
	snprintf(msg, len, "error: writing the index: %s", strerror(errno));
	close(idx);
	return -1;
undo:
	/* Closing the session unpreserves what it held: nothing is half done */
	close(s);
	close(idx);
	return -1;
}

/* For tests: die here, as a crash would, if LU_MEMFD_HOLDER_KILL says so */
static void kill_point(const char *where)
{
	const char *want = getenv("LU_MEMFD_HOLDER_KILL");

	if (want && !strcmp(want, where))
		raise(SIGKILL);
}

/* Retrieve SESSION: its index, then every memfd the index names */
static int retrieve_all(void)
{
	struct liveupdate_session_retrieve_fd arg = { .size = sizeof(arg) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	char buf[4096], magic[32], name[64];
	unsigned long long size;
	int s, idx, n, i, tok, count, off;
	ssize_t got;
	struct stat st;

	s = lu_session(LIVEUPDATE_IOCTL_RETRIEVE_SESSION, session_name);
	if (s < 0)
		return fail("cannot retrieve session %s: %s", session_name,
			    lu_strerror(s));
	arg.token = INDEX_TOKEN;
	if (ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) < 0)
		return fail("session %s has no index at token 0 (not made by "
			    PROG "?): %s", session_name, strerror(errno));
	idx = arg.fd;
	got = pread(idx, buf, sizeof(buf) - 1, 0);
	close(idx);
	kill_point("index");
	if (got < 0)
		return fail("reading the index: %s", strerror(errno));
	buf[got] = 0;
	if (sscanf(buf, "%31[^ ] v1 %d\n%n", magic, &count, &off) != 2 ||
	    strcmp(magic, PROG) || count < 0 || count > MAX_FDS)
		return fail("session %s: index not understood", session_name);
	for (i = 0; i < count; i++) {
		if (sscanf(buf + off, "%d %63s %llu\n%n", &tok, name, &size,
			   &n) != 3 || tok != i + 1 || !valid_name(name))
			return fail("session %s: index line %d not understood",
				    session_name, i + 2);
		off += n;
		arg.token = tok;
		if (ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) < 0)
			return fail("cannot retrieve %s (token %d): %s", name,
				    tok, strerror(errno));
		if (fstat(arg.fd, &st) < 0 || (uint64_t)st.st_size != size)
			return fail("%s: size %lld, the index says %llu", name,
				    (long long)st.st_size, size);
		snprintf(mfds[i].name, sizeof(mfds[i].name), "%.*s",
			 NAME_MAX_LEN, name);
		mfds[i].size = size;
		mfds[i].fd = arg.fd;
		nr_mfds++;
	}
	/* Every file is ours: the incoming session is done with */
	if (ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin) < 0)
		return fail("finishing session %s: %s", session_name,
			    strerror(errno));
	close(s);
	return 0;
}

/* ---- the daemon ---- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int make_fifo(const char *dir, const char *name)
{
	char p[PATH_MAX];

	dpath(p, dir, name);
	unlink(p);
	if (mkfifo(p, 0600) < 0)
		return -1;
	return open(p, O_RDWR | O_CLOEXEC);
}

static void serve(const char *dir, int ctl, int reply)
{
	char cmd[256], msg[512];
	size_t n = 0;
	char c;

	for (;;) {
		if (read(ctl, &c, 1) != 1) {
			if (errno == EINTR)
				continue;
			exit(1);
		}
		if (c != '\n') {
			if (n < sizeof(cmd) - 1)
				cmd[n++] = c;
			continue;
		}
		cmd[n] = 0;
		n = 0;
		if (!strcmp(cmd, "preserve")) {
			preserve_all(msg, sizeof(msg));
		} else if (!strcmp(cmd, "status")) {
			snprintf(msg, sizeof(msg), "ok pid %d session %s %d memfds %s",
				 (int)getpid(), session_name, nr_mfds,
				 out_session >= 0 ? "preserved" : "not preserved");
		} else if (!strcmp(cmd, "stop")) {
			char p[PATH_MAX];

			dpath(p, dir, "pid");
			unlink(p);
			dprintf(reply, "ok stopped\n");
			exit(0);
		} else {
			snprintf(msg, sizeof(msg), "error: unknown command \"%s\"",
				 cmd);
		}
		dprintf(reply, "%s\n", msg);
	}
}

/*
 * Fork the daemon: it writes DIR/pid and DIR/NAME, then says so through
 * a pipe; the parent prints the paths and returns once the daemon is ready.
 */
static int daemonize(const char *dir)
{
	char p[PATH_MAX], text[64];
	int ready[2], ctl, reply, i;
	pid_t pid;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fail("cannot create %s: %s", dir, strerror(errno));
	dpath(p, dir, "pid");
	if (access(p, F_OK) == 0) {
		FILE *f = fopen(p, "r");
		int old = 0;

		if (f && fscanf(f, "%d", &old) == 1 && old > 0 && !kill(old, 0)) {
			fclose(f);
			return fail("a daemon (pid %d) already serves %s", old, dir);
		}
		if (f)
			fclose(f);
	}
	if (pipe(ready) < 0)
		return fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(ready[0]);
		setsid();
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		ctl = make_fifo(dir, "ctl");
		reply = make_fifo(dir, "reply");
		if (ctl < 0 || reply < 0)
			_exit(1);
		for (i = 0; i < nr_mfds; i++) {
			snprintf(text, sizeof(text), "/proc/%d/fd/%d\n",
				 (int)getpid(), mfds[i].fd);
			dpath(p, dir, mfds[i].name);
			if (write_file(p, text) < 0)
				_exit(1);
		}
		snprintf(text, sizeof(text), "%d\n", (int)getpid());
		dpath(p, dir, "pid");
		if (write_file(p, text) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		close(ready[1]);
		i = open("/dev/null", O_RDWR);
		if (i >= 0) {
			dup2(i, 0);
			dup2(i, 1);
			dup2(i, 2);
			if (i > 2)
				close(i);
		}
		serve(dir, ctl, reply);
	}
	close(ready[1]);
	if (read(ready[0], text, 1) != 1) {
		waitpid(pid, NULL, 0);
		return fail("the daemon could not set up %s", dir);
	}
	for (i = 0; i < nr_mfds; i++)
		printf("%s /proc/%d/fd/%d %llu\n", mfds[i].name, (int)pid,
		       mfds[i].fd, (unsigned long long)mfds[i].size);
	return 0;
}

/* ---- client commands ---- */

static int request(const char *dir, const char *cmd)
{
	char p[PATH_MAX], line[512];
	int ctl, reply, pid = 0;
	size_t n = 0;
	FILE *f;
	char c;

	dpath(p, dir, "pid");
	f = fopen(p, "r");
	if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0 || kill(pid, 0)) {
		if (f)
			fclose(f);
		return fail("no daemon serves %s (start or resume one)", dir);
	}
	fclose(f);
	dpath(p, dir, "reply");
	reply = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	dpath(p, dir, "ctl");
	ctl = open(p, O_WRONLY | O_CLOEXEC);
	if (reply < 0 || ctl < 0)
		return fail("cannot open the FIFOs in %s: %s", dir,
			    strerror(errno));
	fcntl(reply, F_SETFL, 0);
	if (dprintf(ctl, "%s\n", cmd) < 0)
		return fail("writing to %s: %s", p, strerror(errno));
	close(ctl);
	while (n < sizeof(line) - 1 && read(reply, &c, 1) == 1 && c != '\n')
		line[n++] = c;
	line[n] = 0;
	close(reply);
	if (strncmp(line, "ok", 2))
		return fail("%s: %s", cmd, n ? line : "no reply");
	printf("%s\n", line + 3);
	return 0;
}

static int path_of(const char *dir, const char *name)
{
	char p[PATH_MAX], line[128];
	FILE *f;

	if (!valid_name(name))
		usage("bad memfd name \"%s\"", name);
	dpath(p, dir, name);
	f = fopen(p, "r");
	if (!f || !fgets(line, sizeof(line), f))
		return fail("no memfd %s in %s", name, dir);
	fclose(f);
	fputs(line, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int i, j;

	if (!cmd)
		usage("no command");
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help"))
		usage(NULL);
	if (!strcmp(cmd, "start")) {
		if (argc < 5)
			usage("start needs DIR SESSION NAME=SIZE...");
		if (argc - 4 > MAX_FDS)
			usage("at most %d memfds", MAX_FDS);
		check_dir_session(argv[2], argv[3]);
		snprintf(session_name, sizeof(session_name), "%s", argv[3]);
		for (i = 4; i < argc; i++) {
			struct mfd *m = &mfds[nr_mfds];
			char *eq = strchr(argv[i], '=');

			if (!eq)
				usage("\"%s\" is not NAME=SIZE", argv[i]);
			*eq = 0;
			if (!valid_name(argv[i]))
				usage("bad memfd name \"%s\"", argv[i]);
			if (parse_size(eq + 1, &m->size))
				usage("bad size \"%s\" for %s", eq + 1, argv[i]);
			for (j = 0; j < nr_mfds; j++)
				if (!strcmp(mfds[j].name, argv[i]))
					usage("memfd %s named twice", argv[i]);
			snprintf(m->name, sizeof(m->name), "%s", argv[i]);
			m->fd = memfd_create(m->name, 0);
			if (m->fd < 0)
				return fail("memfd_create %s: %s", m->name,
					    strerror(errno));
			if (ftruncate(m->fd, m->size) < 0)
				return fail("cannot size %s to %llu bytes: %s",
					    m->name, (unsigned long long)m->size,
					    strerror(errno));
			nr_mfds++;
		}
		return daemonize(argv[2]);
	}
	if (!strcmp(cmd, "resume")) {
		if (argc != 4)
			usage("resume needs DIR SESSION");
		check_dir_session(argv[2], argv[3]);
		snprintf(session_name, sizeof(session_name), "%s", argv[3]);
		if (retrieve_all())
			return 1;
		return daemonize(argv[2]);
	}
	if (!strcmp(cmd, "preserve") || !strcmp(cmd, "status") ||
	    !strcmp(cmd, "stop")) {
		if (argc != 3)
			usage("%s needs DIR", cmd);
		check_dir_session(argv[2], NULL);
		return request(argv[2], cmd);
	}
	if (!strcmp(cmd, "path")) {
		if (argc != 4)
			usage("path needs DIR NAME");
		check_dir_session(argv[2], NULL);
		return path_of(argv[2], argv[3]);
	}
	usage("unknown command \"%s\"", cmd);
}
