// SPDX-License-Identifier: GPL-2.0-only
/*
 * A seeded, model-checked fuzzer of /dev/liveupdate across real kexecs.
 *
 *   luo_fuzz GEN SEED OPS THREADS IN OUT [last]
 *
 * Generation GEN of a chain.  If GEN > 0, the state file IN (written by
 * generation GEN - 1, carried in the next initramfs) says which sessions,
 * tokens and memfds must have come through the kexec: the incoming sessions
 * listed in debugfs must be exactly those, every name the previous
 * generation closed, finished or left unretrieved must give ENOENT, and
 * every file must come back with its size, position, seals, exec mode and
 * every byte (a 64-bit hash per page of the model's copy).  Then THREADS
 * threads run OPS random operations each, seeded from SEED and GEN:
 * create, retrieve, preserve, retrieve-fd, finish and close of sessions;
 * memfd write, write at the file position, truncate, fallocate, hole
 * punch, seals, lseek, mmap (held across operations or not), read back,
 * reopen through /proc, dup and close; a forked child that runs some of
 * them on inherited descriptors and passes the ones it made back with
 * SCM_RIGHTS; bad arguments; and transparent huge pages for shmem switched
 * between never, always, within_size and advise.  Each thread has its own
 * sessions, so the result of every call is predicted exactly by the
 * thread's model; any other result is a mismatch.  Unless "last" is given,
 * the open outgoing sessions are written to OUT and a daemon keeps them for
 * the kexec, which the caller does.
 *
 * The model of a thread lives in shared memory, so that a forked child
 * updates it as it goes; the thread waits for the child.  A fork takes a
 * lock that the other threads' operations hold for reading, and the child
 * closes every descriptor and unmaps every mapping of the other threads
 * before the lock is dropped: nothing of theirs outlives their own closes.
 *
 * Output is KTAP, with "# luo-fuzz:" lines of figures.  Exit status 1 if a
 * result failed.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/liveupdate.h>

#include "luo_util.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL	0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC	0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC	0x0020
#endif

#define LUO_DEV		"/dev/liveupdate"
#define LUO_DBG		"/sys/kernel/debug/liveupdate"
#define THP_SHMEM	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define STATE_MAGIC	0x4c554f46555a5a31ULL	/* "LUOFUZZ1" */

#define MAXT		8	/* threads */
#define NNAMES		6	/* outgoing session names (and slots) a thread */
#define MAXPF		6	/* files a session */
#define MAXINO		8	/* memfd inodes a thread */
#define MAXOF		12	/* open files a thread */
#define MAXFDS		3	/* descriptors an open file */
#define MAXIN		(MAXT * NNAMES)	/* incoming sessions a thread */
#define PG		4096UL
#define MAXSIZE		(4UL << 20)	/* the largest memfd */
#define MAXPAGES	(MAXSIZE / PG)
#define CHUNK		(2UL << 20)	/* shmem's write chunk: its largest folio */
#define RING		12	/* operations remembered for a mismatch report */
#define NOPS		24

#define SEALS_ALL	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)
#define EXP_FD		LONG_MAX	/* any descriptor */

typedef uint64_t u64;
typedef uint32_t u32;

struct ino {
	int used;
	u64 size;
	u32 seals;
	int noexec;
	int frozen;		/* preserved: size and hole layout frozen */
	int refs;		/* open files on it */
	char *map;		/* a mapping held across operations */
	size_t maplen;
	int mapwr;
};

struct ofile {
	int used;
	int ino;
	u64 pos;
	int wr;			/* open for writing */
	int nfd;
	int fd[MAXFDS];
	char fdnew[MAXFDS];	/* made by a forked child, to pass back */
	int pres;		/* sessions that preserve it */
	int inheld;		/* an incoming session holds it */
};

struct osess {
	int used;
	int fd;
	char fdnew;
	int nf;
	u64 tok[MAXPF];
	int of[MAXPF];
};

struct inf {
	u64 token;
	u64 size, pos;
	u32 seals;
	int noexec;
	int of;			/* the open file once retrieved, or -1 */
	int dead;		/* freed by a finish */
	u64 hash[MAXPAGES];
};

enum { IN_UNCLAIMED, IN_HELD, IN_GONE };

struct insess {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int state;
	int finished;		/* held but finished */
	int fd;
	char fdnew;
	int nf;
	struct inf f[MAXPF];
};

struct tmodel {
	int id;
	u64 rng;
	int in_child;
	int nin;
	struct insess in[MAXIN];
	struct ino ino[MAXINO];
	struct ofile of[MAXOF];
	struct osess os[NNAMES];
	int npclose;
	int pclose[64];		/* inherited fds a child closed */
	u64 opno;
	int dead;		/* stopped after a broken fork */
	char ring[RING][112];
	int ringpos;
	pthread_t th;
};

struct counters {
	u64 ops, ioctls, mismatches, sequences, forks, thp;
	u64 files_checked, bytes_checked, sessions_checked, enoent_checked;
	u64 preserved, retrieved;
};

struct world {
	u64 seed;
	int gen, nthreads, ops, last, nodev, trace, madv_warned;
	int dev;
	int devnull, pipefd[2], tmpfile;
	struct counters c;
	pthread_rwlock_t forklock;
	struct tmodel t[MAXT];
};

static struct world *w;
static char *shadow_pool;	/* MAXT * MAXINO * MAXSIZE, shared */
static char *wbuf_pool;		/* MAXT * MAXSIZE, shared */

/* ---- output ------------------------------------------------------------- */

/* printf() without stdio's locks: forked children print too */
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (write(1, buf, n) < 0)
		return;
}

static void add(u64 *c, u64 n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

/* ---- random numbers ----------------------------------------------------- */

static u64 splitmix(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 rnd(struct tmodel *t, u64 n)
{
	return n ? splitmix(&t->rng) % n : 0;
}

static int chance(struct tmodel *t, int pct)
{
	return rnd(t, 100) < (u64)pct;
}

/* The bytes a write with @wseed puts at @off.. of @buf */
static void fill(char *buf, size_t len, u64 wseed)
{
	u64 s = wseed, x = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			x = splitmix(&s);
		buf[i] = x >> ((i & 7) * 8);
	}
}

/* A 64-bit hash of one page (or the end of the file within it) */
static u64 page_hash(const char *p, size_t len)
{
	u64 h = 0xcbf29ce484222325ULL ^ len;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		u64 v;

		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	h ^= h >> 32;
	return h * 0x9e3779b97f4a7c15ULL;
}

static char *shadow(struct tmodel *t, int i)
{
	return shadow_pool + ((size_t)t->id * MAXINO + i) * MAXSIZE;
}

static char *wbuf(struct tmodel *t)
{
	return wbuf_pool + (size_t)t->id * MAXSIZE;
}

/* ---- checking ----------------------------------------------------------- */

static void note(struct tmodel *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->ring[t->ringpos % RING], sizeof(t->ring[0]), fmt, ap);
	va_end(ap);
	if (w->trace)
		say("# t%d op %llu: %s\n", t->id, (unsigned long long)t->opno,
		    t->ring[t->ringpos % RING]);
	t->ringpos++;
}

static void mismatch(struct tmodel *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add(&w->c.mismatches, 1);
	say("# MISMATCH gen=%d seed=%llu thread=%d op=%llu%s: %s\n", w->gen,
	    (unsigned long long)w->seed, t->id, (unsigned long long)t->opno,
	    t->in_child ? " (forked child)" : "", buf);
	for (i = RING; i > 0; i--)
		if (t->ringpos - i >= 0)
			say("#   before: %s\n", t->ring[(t->ringpos - i) % RING]);
}

/*
 * Compare a call's result with the model's: @ret is what the call
 * returned (-1 with @err in errno for a failure), @exp a value, -errno, or
 * EXP_FD for any descriptor.  True if they match.
 */
static int expect(struct tmodel *t, const char *what, long ret, int err,
		  long exp)
{
	long got = ret < 0 ? -err : ret;

	if (exp == EXP_FD ? got >= 0 : got == exp)
		return 1;
	mismatch(t, "%s: expected %ld (%s), got %ld (%s)", what,
		 exp == EXP_FD ? 0 : exp,
		 exp == EXP_FD ? "a descriptor" : exp < 0 ? strerror(-exp) : "ok",
		 got, got < 0 ? strerror(-got) : "ok");
	return 0;
}

/*
 * expect() on a call: its result and errno taken in this order (the order
 * in which a function's arguments are evaluated is unspecified)
 */
#define EXPECT(t, what, call, exp) ({					\
	long __r = (call);						\
	int __e = errno;						\
	expect(t, what, __r, __e, exp);					\
})

/* ---- the user API ------------------------------------------------------- */

/*
 * Issue a live update ioctl whose argument is @len bytes at @arg, starting
 * with its size.  @pad > 0 passes it in a larger buffer padded with zeros
 * (accepted), @pad < 0 in one with a non-zero byte past it (E2BIG).
 */
static long lu_ioctl(int fd, unsigned long cmd, void *arg, size_t len, int pad,
		     int *err)
{
	char buf[160];
	long ret;
	u32 sz = len;

	if (pad) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, arg, len);
		sz = len + 16;
		memcpy(buf, &sz, 4);
		if (pad < 0)
			buf[len + 9] = 1;
		ret = ioctl(fd, cmd, buf);
		*err = errno;
		memcpy(arg, buf, len);
		memcpy(arg, &sz, 4);
	} else {
		memcpy(arg, &sz, 4);
		ret = ioctl(fd, cmd, arg);
		*err = errno;
	}
	add(&w->c.ioctls, 1);
	errno = *err;
	return ret;
}

static int cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl >= 0 && (fl & FD_CLOEXEC);
}

/* ---- model housekeeping ------------------------------------------------- */

static int ino_alloc(struct tmodel *t)
{
	int i;

	for (i = 0; i < MAXINO; i++)
		if (!t->ino[i].used) {
			memset(&t->ino[i], 0, sizeof(t->ino[i]));
			t->ino[i].used = 1;
			return i;
		}
	return -1;
}

static int of_alloc(struct tmodel *t, int ino, int wr, u64 pos)
{
	int i;

	for (i = 0; i < MAXOF; i++)
		if (!t->of[i].used) {
			memset(&t->of[i], 0, sizeof(t->of[i]));
			t->of[i].used = 1;
			t->of[i].ino = ino;
			t->of[i].wr = wr;
			t->of[i].pos = pos;
			t->ino[ino].refs++;
			return i;
		}
	return -1;
}

static void ino_put(struct tmodel *t, int i)
{
	struct ino *n = &t->ino[i];

	if (n->refs)
		return;
	if (n->map) {
		if (t->in_child)
			return;
		munmap(n->map, n->maplen);
		n->map = NULL;
	}
	/* The shadow beyond the size is zero: keep it so for the next one */
	memset(shadow(t, i), 0, n->size);
	if (madvise(shadow(t, i), MAXSIZE, MADV_REMOVE) && !w->madv_warned++)
		say("# madvise(MADV_REMOVE): %s\n", strerror(errno));
	n->used = 0;
}

/* Drop open file @o if nothing refers to it any more */
static void of_put(struct tmodel *t, int o)
{
	struct ofile *f = &t->of[o];

	if (f->nfd || f->pres || f->inheld)
		return;
	f->used = 0;
	t->ino[f->ino].refs--;
	ino_put(t, f->ino);
}

static void of_addfd(struct tmodel *t, int o, int fd)
{
	struct ofile *f = &t->of[o];

	f->fdnew[f->nfd] = t->in_child;
	f->fd[f->nfd++] = fd;
}

/* Close descriptor @k of open file @o */
static void of_closefd(struct tmodel *t, int o, int k)
{
	struct ofile *f = &t->of[o];
	int fd = f->fd[k];

	if (t->in_child && !f->fdnew[k] && t->npclose < 64)
		t->pclose[t->npclose++] = fd;
	close(fd);
	f->fd[k] = f->fd[f->nfd - 1];
	f->fdnew[k] = f->fdnew[f->nfd - 1];
	f->nfd--;
	of_put(t, o);
}

/* A random open file with a descriptor (@wr: open for writing), or -1 */
static int pick_of(struct tmodel *t, int wr)
{
	int i, n = 0, c[MAXOF];

	for (i = 0; i < MAXOF; i++)
		if (t->of[i].used && t->of[i].nfd && (!wr || t->of[i].wr))
			c[n++] = i;
	return n ? c[rnd(t, n)] : -1;
}

static int ofd(struct tmodel *t, int o)
{
	return t->of[o].fd[rnd(t, t->of[o].nfd)];
}

static void session_name(char *buf, int tid, int k)
{
	/* Name 0 of every thread is as long as a name can be */
	if (k == 0)
		snprintf(buf, LIVEUPDATE_SESSION_NAME_LENGTH,
			 "g%dt%dn0-%s", w->gen, tid,
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123");
	else
		snprintf(buf, LIVEUPDATE_SESSION_NAME_LENGTH, "g%dt%dn%d",
			 w->gen, tid, k);
}

/*
 * What @len bytes written at @off do: the count written, or -errno.
 * shmem writes in aligned chunks of its largest folio (@chunk: 2 MiB on
 * 6.12, where every shmem mapping takes large folios; a page on kernels
 * where it depends on the huge page setting) and checks each against the
 * seals and the frozen size before it writes it.
 */
static long predict_write(struct ino *n, int wr, u64 off, u64 len, u64 chunk)
{
	u64 limit = ~0ULL, done = 0, p = off, c;

	if (!wr)
		return -EBADF;
	if (n->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	if ((n->seals & F_SEAL_GROW) || n->frozen)
		limit = n->size;
	while (done < len) {
		c = chunk - (p % chunk);
		if (c > len - done)
			c = len - done;
		if (p + c > limit)
			break;
		done += c;
		p += c;
	}
	return done ? (long)done : -EPERM;
}

static void apply_write(struct tmodel *t, int i, u64 off, const char *buf,
			u64 n)
{
	memcpy(shadow(t, i) + off, buf, n);
	if (off + n > t->ino[i].size)
		t->ino[i].size = off + n;
}

/* An offset and a length for a write or fallocate in inode @n */
static void pick_range(struct tmodel *t, struct ino *n, u64 *off, u64 *len)
{
	u64 o, l;

	switch (rnd(t, 6)) {
	case 0:
		o = n->size;
		break;
	case 1:
		o = n->size > 4096 ? n->size - rnd(t, 4096) : 0;
		break;
	case 2:
		o = rnd(t, MAXSIZE / PG) * PG;
		break;
	case 3:
		o = rnd(t, 2) * CHUNK + rnd(t, 3) * PG;
		break;
	default:
		o = rnd(t, n->size + 1);
	}
	switch (rnd(t, 8)) {
	case 0:
		l = CHUNK + rnd(t, CHUNK / 2);
		break;
	case 1:
		l = rnd(t, 4) * PG + PG;
		break;
	case 2:
		l = 1 + rnd(t, 16);
		break;
	default:
		l = 1 + rnd(t, 65536);
	}
	if (o >= MAXSIZE)
		o = MAXSIZE - 1;
	if (o + l > MAXSIZE)
		l = MAXSIZE - o;
	*off = o;
	*len = l;
}

/* ---- checks of a whole file --------------------------------------------- */

/* The file behind @fd against the model's inode @i, open file @o */
static void check_file(struct tmodel *t, int o, int fd, int full)
{
	struct ofile *f = &t->of[o];
	struct ino *n = &t->ino[f->ino];
	struct stat st;
	off_t pos = lseek(fd, 0, SEEK_CUR);
	int seals = fcntl(fd, F_GET_SEALS);
	char *buf = wbuf(t), *sh = shadow(t, f->ino);
	ssize_t r;
	u64 i;

	if (fstat(fd, &st) || (u64)st.st_size != n->size)
		mismatch(t, "size %lld, model %llu", (long long)st.st_size,
			 (unsigned long long)n->size);
	if ((u64)pos != f->pos)
		mismatch(t, "position %lld, model %llu", (long long)pos,
			 (unsigned long long)f->pos);
	if (seals != (int)n->seals)
		mismatch(t, "seals %#x, model %#x", seals, n->seals);
	if (!(st.st_mode & 0111) != !!n->noexec)
		mismatch(t, "mode %o, model %s", st.st_mode & 0777,
			 n->noexec ? "noexec" : "exec");
	if (!full || !n->size)
		return;
	r = pread(fd, buf, n->size, 0);
	if (r != (ssize_t)n->size) {
		mismatch(t, "read %zd of %llu bytes", r,
			 (unsigned long long)n->size);
		return;
	}
	if (memcmp(buf, sh, n->size)) {
		for (i = 0; i < n->size && buf[i] == sh[i]; i++)
			;
		mismatch(t, "byte %llu of %llu: %#x, model %#x",
			 (unsigned long long)i, (unsigned long long)n->size,
			 (unsigned char)buf[i], (unsigned char)sh[i]);
		memcpy(sh, buf, n->size);	/* no cascade */
	}
	add(&w->c.bytes_checked, n->size);
}

/*
 * The first retrieve of incoming file @fi: check it against what the
 * previous kernel's model said, and make it a file of this model.
 */
static int adopt(struct tmodel *t, struct inf *fi, int fd)
{
	int i = ino_alloc(t), o;
	struct ino *n;
	struct stat st;
	char *sh;
	u64 p, len;
	ssize_t r;
	int bad = 0;

	if (i < 0)
		return -1;
	n = &t->ino[i];
	n->size = fi->size;
	n->seals = fi->seals;
	n->noexec = fi->noexec;
	o = of_alloc(t, i, 1, fi->pos);
	t->of[o].inheld = 1;
	of_addfd(t, o, fd);
	fi->of = o;
	sh = shadow(t, i);
	if (fstat(fd, &st) || (u64)st.st_size != fi->size) {
		mismatch(t, "token %llu: size %lld, expected %llu",
			 (unsigned long long)fi->token, (long long)st.st_size,
			 (unsigned long long)fi->size);
		return o;
	}
	r = fi->size ? pread(fd, sh, fi->size, 0) : 0;
	if (r != (ssize_t)fi->size) {
		mismatch(t, "token %llu: read %zd of %llu bytes",
			 (unsigned long long)fi->token, r,
			 (unsigned long long)fi->size);
		return o;
	}
	for (p = 0; p * PG < fi->size; p++) {
		len = fi->size - p * PG < PG ? fi->size - p * PG : PG;
		if (page_hash(sh + p * PG, len) != fi->hash[p] && !bad++)
			mismatch(t, "token %llu: page %llu of %llu differs",
				 (unsigned long long)fi->token,
				 (unsigned long long)p,
				 (unsigned long long)((fi->size + PG - 1) / PG));
	}
	if (!cloexec(fd))
		mismatch(t, "token %llu: retrieved fd not O_CLOEXEC",
			 (unsigned long long)fi->token);
	check_file(t, o, fd, 0);
	add(&w->c.files_checked, 1);
	add(&w->c.bytes_checked, fi->size);
	return o;
}

/* ---- operations --------------------------------------------------------- */

static void op_create_session(struct tmodel *t)
{
	struct liveupdate_ioctl_create_session a = { 0 };
	int k = rnd(t, NNAMES), pad = 0, err;
	long exp, ret;

	session_name((char *)a.name, t->id, k);
	exp = t->os[k].used ? -EEXIST : EXP_FD;
	switch (rnd(t, 12)) {
	case 0:
		a.name[0] = 0;
		exp = -EINVAL;
		break;
	case 1:
		memset(a.name, 'x', sizeof(a.name));
		exp = -EINVAL;
		break;
	case 2:
		pad = -1;
		exp = -E2BIG;
		break;
	case 3:
		pad = 1;
		break;
	}
	note(t, "create_session %s pad %d", a.name, pad);
	ret = lu_ioctl(w->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &a, sizeof(a),
		       pad, &err);
	if (!expect(t, "CREATE_SESSION", ret, err, exp) || exp != EXP_FD) {
		if (ret == 0 && exp != EXP_FD)
			close(a.fd);
		return;
	}
	if (!cloexec(a.fd))
		mismatch(t, "session fd not O_CLOEXEC");
	t->os[k].used = 1;
	t->os[k].fd = a.fd;
	t->os[k].fdnew = t->in_child;
	t->os[k].nf = 0;
}

static void op_close_osession(struct tmodel *t)
{
	int k = rnd(t, NNAMES), j, o;
	struct osess *s = &t->os[k];

	if (!s->used || t->in_child)
		return;
	note(t, "close outgoing session %d (%d files)", k, s->nf);
	close(s->fd);
	for (j = 0; j < s->nf; j++) {
		o = s->of[j];
		t->ino[t->of[o].ino].frozen = 0;
		t->of[o].pres--;
		of_put(t, o);
	}
	s->used = 0;
}

static void op_memfd_create(struct tmodel *t)
{
	unsigned int flags = MFD_CLOEXEC;
	int i = ino_alloc(t), o, fd;
	struct ino *n;

	if (i < 0)
		return;
	n = &t->ino[i];
	switch (rnd(t, 3)) {
	case 0:
		flags |= MFD_NOEXEC_SEAL;
		n->seals = F_SEAL_EXEC;
		n->noexec = 1;
		break;
	case 1:
		flags |= MFD_ALLOW_SEALING | MFD_EXEC;
		break;
	default:
		flags |= MFD_EXEC;
		n->seals = F_SEAL_SEAL;
	}
	note(t, "memfd_create flags %#x -> ino %d", flags, i);
	fd = memfd_create("luo-fuzz", flags);
	if (!expect(t, "memfd_create", fd, errno, EXP_FD)) {
		n->used = 0;
		return;
	}
	o = of_alloc(t, i, 1, 0);
	if (o < 0) {
		close(fd);
		n->used = 0;
		return;
	}
	of_addfd(t, o, fd);
}

/* One of the sessions of this thread: @kind 0 outgoing, 1 incoming held */
static int pick_session(struct tmodel *t, int *kind)
{
	int i, n = 0, c[NNAMES + MAXIN];

	for (i = 0; i < NNAMES; i++)
		if (t->os[i].used)
			c[n++] = i;
	for (i = 0; i < t->nin; i++)
		if (t->in[i].state == IN_HELD)
			c[n++] = NNAMES + i;
	if (!n)
		return -1;
	i = c[rnd(t, n)];
	*kind = i >= NNAMES;
	return *kind ? i - NNAMES : i;
}

static void op_preserve(struct tmodel *t)
{
	struct liveupdate_session_preserve_fd a = { 0 };
	int kind, k = pick_session(t, &kind), o = -1, sfd, err, j, pad = 0;
	struct osess *s;
	long exp, ret;
	u64 tok;

	if (k < 0)
		return;
	s = &t->os[k];
	sfd = kind ? t->in[k].fd : s->fd;
	tok = rnd(t, 8);
	if (chance(t, 5))
		tok = splitmix(&t->rng);
	a.token = tok;
	switch (rnd(t, 14)) {
	case 0:
		a.fd = chance(t, 50) ? -1 : 1000000;
		exp = -EBADF;
		break;
	case 1:
		a.fd = w->devnull;
		exp = -ENOENT;
		break;
	case 2:
		a.fd = w->pipefd[1];
		exp = -ENOENT;
		break;
	case 3:
		a.fd = w->tmpfile;	/* shmem, but linked: not a memfd */
		exp = -ENOENT;
		break;
	case 4:
		a.fd = sfd;
		exp = -ENOENT;
		break;
	default:
		o = pick_of(t, 0);
		if (o < 0)
			return;
		a.fd = ofd(t, o);
		exp = 0;
	}
	if (kind) {
		exp = -EINVAL;
	} else if (exp != -EBADF) {
		for (j = 0; j < s->nf; j++)
			if (s->tok[j] == tok)
				exp = -EEXIST;
		if (exp == 0 && !t->of[o].wr)
			exp = -EBADF;
		else if (exp == 0 && t->ino[t->of[o].ino].frozen)
			exp = -EBUSY;
		else if (exp == 0 && s->nf == MAXPF)
			return;		/* the model's limit */
	}
	if (chance(t, 8)) {
		pad = chance(t, 50) ? 1 : -1;
		if (pad < 0)
			exp = -E2BIG;
	}
	note(t, "preserve %s %d fd %d (of %d) token %llu pad %d",
	     kind ? "in" : "out", k, a.fd, o, (unsigned long long)tok, pad);
	ret = lu_ioctl(sfd, LIVEUPDATE_SESSION_PRESERVE_FD, &a, sizeof(a), pad,
		       &err);
	if (!expect(t, "PRESERVE_FD", ret, err, exp) || exp)
		return;
	s->tok[s->nf] = tok;
	s->of[s->nf++] = o;
	t->of[o].pres++;
	t->ino[t->of[o].ino].frozen = 1;
	add(&w->c.preserved, 1);
}

static void op_write(struct tmodel *t, int atpos)
{
	int o = pick_of(t, 0), fd, err;
	struct ofile *f;
	struct ino *n;
	u64 off, len, c;
	long exp, ret;
	char *buf;

	if (o < 0)
		return;
	f = &t->of[o];
	n = &t->ino[f->ino];
	pick_range(t, n, &off, &len);
	if (atpos) {
		if (f->pos >= MAXSIZE)
			return;
		off = f->pos;
		if (off + len > MAXSIZE)
			len = MAXSIZE - off;
	}
	buf = wbuf(t);
	fill(buf, len, splitmix(&t->rng));
	exp = predict_write(n, f->wr, off, len, CHUNK);
	fd = ofd(t, o);
	note(t, "%s of %d ino %d off %llu len %llu size %llu seals %#x frozen %d",
	     atpos ? "write" : "pwrite", o, f->ino, (unsigned long long)off,
	     (unsigned long long)len, (unsigned long long)n->size, n->seals,
	     n->frozen);
	ret = atpos ? write(fd, buf, len) : pwrite(fd, buf, len, off);
	err = errno;
	/* A short write at a smaller chunk boundary is the same rule */
	for (c = CHUNK / 2; ret >= 0 && ret != exp && c >= PG; c /= 2)
		if (predict_write(n, f->wr, off, len, c) == ret)
			exp = ret;
	errno = err;
	if (!expect(t, atpos ? "write" : "pwrite", ret, errno, exp) || exp < 0)
		return;
	apply_write(t, f->ino, off, buf, exp);
	if (atpos)
		f->pos += exp;
}

static void op_truncate(struct tmodel *t)
{
	int o = pick_of(t, 0);
	struct ino *n;
	u64 ns;
	long exp;

	if (o < 0)
		return;
	n = &t->ino[t->of[o].ino];
	switch (rnd(t, 4)) {
	case 0:
		ns = rnd(t, MAXSIZE + 1);
		break;
	case 1:
		ns = rnd(t, n->size + 1);
		break;
	case 2:
		ns = CHUNK + rnd(t, 2) * PG + rnd(t, 100);
		break;
	default:
		ns = n->size + rnd(t, 3 * PG);
	}
	if (ns > MAXSIZE)
		ns = MAXSIZE;
	if (!t->of[o].wr)
		exp = -EINVAL;
	else if ((ns < n->size && (n->seals & F_SEAL_SHRINK)) ||
		 (ns > n->size && (n->seals & F_SEAL_GROW)) ||
		 (ns != n->size && n->frozen))
		exp = -EPERM;
	else
		exp = 0;
	note(t, "ftruncate of %d ino %d %llu -> %llu seals %#x frozen %d", o,
	     t->of[o].ino, (unsigned long long)n->size,
	     (unsigned long long)ns, n->seals, n->frozen);
	if (!EXPECT(t, "ftruncate", ftruncate(ofd(t, o), ns), exp) ||
	    exp)
		return;
	if (ns < n->size)
		memset(shadow(t, t->of[o].ino) + ns, 0, n->size - ns);
	n->size = ns;
}

static void op_fallocate(struct tmodel *t)
{
	static const int modes[] = {
		0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	};
	int o = pick_of(t, 0), mode;
	struct ino *n;
	u64 off, len, end;
	long exp;

	if (o < 0)
		return;
	n = &t->ino[t->of[o].ino];
	mode = modes[rnd(t, 3)];
	pick_range(t, n, &off, &len);
	if (!t->of[o].wr)
		exp = -EBADF;
	else if (mode & FALLOC_FL_PUNCH_HOLE)
		exp = (n->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) ||
		      n->frozen ? -EPERM : 0;
	else
		exp = ((n->seals & F_SEAL_GROW) || n->frozen) &&
		      off + len > n->size ? -EPERM : 0;
	note(t, "fallocate of %d ino %d mode %d off %llu len %llu size %llu",
	     o, t->of[o].ino, mode, (unsigned long long)off,
	     (unsigned long long)len, (unsigned long long)n->size);
	if (!EXPECT(t, "fallocate", fallocate(ofd(t, o), mode, off, len),
		    exp) || exp)
		return;
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		end = off + len < n->size ? off + len : n->size;
		if (off < end)
			memset(shadow(t, t->of[o].ino) + off, 0, end - off);
	} else if (!mode && off + len > n->size) {
		n->size = off + len;
	}
}

static void op_seal(struct tmodel *t)
{
	static const u32 pick[] = {
		F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE,
		F_SEAL_FUTURE_WRITE, F_SEAL_EXEC,
	};
	int o = pick_of(t, 0);
	struct ino *n;
	u32 s = 0, add;
	long exp;

	if (o < 0)
		return;
	n = &t->ino[t->of[o].ino];
	s = pick[rnd(t, 6)];
	if (chance(t, 30))
		s |= pick[rnd(t, 6)];
	/* F_SEAL_SEAL and F_SEAL_WRITE are rare: they end a file's life */
	if ((s & (F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_EXEC)) && chance(t, 60))
		return;
	add = s;
	if ((s & F_SEAL_EXEC) && !n->noexec)
		add |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		       F_SEAL_FUTURE_WRITE;
	if (!t->of[o].wr || (n->seals & F_SEAL_SEAL))
		exp = -EPERM;
	else if ((add & F_SEAL_WRITE) && !(n->seals & F_SEAL_WRITE) &&
		 ((n->map && n->mapwr) || (n->frozen && n->size)))
		exp = -EBUSY;
	else
		exp = 0;
	note(t, "add_seals of %d ino %d %#x to %#x map %d frozen %d size %llu",
	     o, t->of[o].ino, s, n->seals, n->map && n->mapwr, n->frozen,
	     (unsigned long long)n->size);
	if (EXPECT(t, "F_ADD_SEALS", fcntl(ofd(t, o), F_ADD_SEALS, s),
		   exp) && !exp)
		n->seals |= add;
}

/* Map the file for one operation: write or read a part of it */
static void op_mmap(struct tmodel *t)
{
	int o = pick_of(t, 0), wr;
	struct ino *n;
	size_t len;
	u64 off, l;
	long exp;
	char *p, *sh;

	if (o < 0)
		return;
	n = &t->ino[t->of[o].ino];
	if (!n->size)
		return;
	len = (n->size + PG - 1) & ~(PG - 1);
	wr = chance(t, 60);
	if (!wr)
		exp = 0;
	else if (!t->of[o].wr)
		exp = -EACCES;
	else if (n->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		exp = -EPERM;
	else
		exp = 0;
	note(t, "mmap of %d ino %d len %zu wr %d", o, t->of[o].ino, len, wr);
	p = mmap(NULL, len, PROT_READ | (wr ? PROT_WRITE : 0), MAP_SHARED,
		 ofd(t, o), 0);
	if (!expect(t, "mmap", p == MAP_FAILED ? -1 : 0, errno, exp) || exp) {
		if (p != MAP_FAILED)
			munmap(p, len);
		return;
	}
	if (chance(t, 30))
		madvise(p, len, MADV_HUGEPAGE);
	sh = shadow(t, t->of[o].ino);
	off = rnd(t, n->size);
	l = 1 + rnd(t, n->size - off);
	if (wr) {
		fill(wbuf(t), l, splitmix(&t->rng));
		memcpy(p + off, wbuf(t), l);
		memcpy(sh + off, wbuf(t), l);
	} else if (memcmp(p + off, sh + off, l)) {
		mismatch(t, "mapped bytes [%llu, +%llu) differ from the model",
			 (unsigned long long)off, (unsigned long long)l);
		memcpy(sh + off, p + off, l);
	}
	munmap(p, len);
}

/* Hold a mapping across operations, write through it, or drop it */
static void op_held_map(struct tmodel *t)
{
	int o = pick_of(t, 0), i;
	struct ino *n;
	u64 lim, off, l;
	char *p;

	if (o < 0)
		return;
	i = t->of[o].ino;
	n = &t->ino[i];
	if (n->map) {
		lim = n->size < n->maplen ? n->size : n->maplen;
		if (chance(t, 30) || !n->mapwr || !lim) {
			if (t->in_child)
				return;
			note(t, "munmap held map of ino %d", i);
			munmap(n->map, n->maplen);
			n->map = NULL;
			ino_put(t, i);
			return;
		}
		off = rnd(t, lim);
		l = 1 + rnd(t, lim - off);
		note(t, "write held map of ino %d [%llu, +%llu) size %llu", i,
		     (unsigned long long)off, (unsigned long long)l,
		     (unsigned long long)n->size);
		fill(wbuf(t), l, splitmix(&t->rng));
		memcpy(n->map + off, wbuf(t), l);
		memcpy(shadow(t, i) + off, wbuf(t), l);
		return;
	}
	if (t->in_child || !n->size)
		return;
	n->maplen = (n->size + PG - 1) & ~(PG - 1);
	n->mapwr = t->of[o].wr &&
		   !(n->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
	note(t, "hold a map of ino %d len %zu wr %d", i, n->maplen, n->mapwr);
	p = mmap(NULL, n->maplen, PROT_READ | (n->mapwr ? PROT_WRITE : 0),
		 MAP_SHARED, ofd(t, o), 0);
	if (!expect(t, "mmap held", p == MAP_FAILED ? -1 : 0, errno, 0))
		return;
	if (chance(t, 50))
		madvise(p, n->maplen, MADV_HUGEPAGE);
	n->map = p;
}

static void op_read_check(struct tmodel *t)
{
	int o = pick_of(t, 0);
	struct ino *n;
	u64 off, len, exp;
	ssize_t r;
	char *buf, *sh;

	if (o < 0)
		return;
	n = &t->ino[t->of[o].ino];
	off = rnd(t, n->size + PG);
	len = 1 + rnd(t, 3 * PG);
	exp = off >= n->size ? 0 : (n->size - off < len ? n->size - off : len);
	buf = wbuf(t);
	sh = shadow(t, t->of[o].ino);
	note(t, "pread of %d off %llu len %llu", o, (unsigned long long)off,
	     (unsigned long long)len);
	r = pread(ofd(t, o), buf, len, off);
	if (expect(t, "pread", r, errno, exp) && memcmp(buf, sh + off, exp)) {
		mismatch(t, "pread [%llu, +%llu) differs from the model",
			 (unsigned long long)off, (unsigned long long)exp);
		memcpy(sh + off, buf, exp);
	}
}

static void op_lseek(struct tmodel *t)
{
	int o = pick_of(t, 0);
	u64 pos;

	if (o < 0)
		return;
	pos = chance(t, 30) ? t->ino[t->of[o].ino].size : rnd(t, MAXSIZE);
	note(t, "lseek of %d to %llu", o, (unsigned long long)pos);
	if (EXPECT(t, "lseek", lseek(ofd(t, o), pos, SEEK_SET), pos))
		t->of[o].pos = pos;
}

static void op_close_fd(struct tmodel *t)
{
	int o = pick_of(t, 0);

	if (o < 0)
		return;
	note(t, "close a fd of %d", o);
	of_closefd(t, o, rnd(t, t->of[o].nfd));
}

/* Open the file again through /proc: a new open file of the same inode */
static void op_reopen(struct tmodel *t)
{
	int o = pick_of(t, 0), wr = chance(t, 50), n, fd;
	char path[64];

	if (o < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ofd(t, o));
	n = of_alloc(t, t->of[o].ino, wr, 0);
	if (n < 0)
		return;
	note(t, "reopen %d %s -> %d", o, wr ? "rw" : "ro", n);
	fd = open(path, (wr ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (!expect(t, "reopen", fd, errno, EXP_FD)) {
		t->of[n].used = 0;
		t->ino[t->of[o].ino].refs--;
		return;
	}
	of_addfd(t, n, fd);
}

static void op_dup(struct tmodel *t)
{
	int o = pick_of(t, 0), fd;

	if (o < 0 || t->of[o].nfd == MAXFDS)
		return;
	note(t, "dup a fd of %d", o);
	fd = fcntl(ofd(t, o), F_DUPFD_CLOEXEC, 3);
	if (expect(t, "dup", fd, errno, EXP_FD))
		of_addfd(t, o, fd);
}

static void op_retrieve_session(struct tmodel *t)
{
	struct liveupdate_ioctl_retrieve_session a = { 0 };
	struct insess *s = NULL;
	int err, k;
	long exp, ret;

	switch (rnd(t, 6)) {
	case 0:		/* an outgoing name is no incoming one */
		session_name((char *)a.name, t->id, rnd(t, NNAMES));
		exp = -ENOENT;
		break;
	case 1:
		snprintf((char *)a.name, sizeof(a.name), "nobody-%d-%llu",
			 t->id, (unsigned long long)rnd(t, 1000));
		exp = -ENOENT;
		break;
	default:
		if (!t->nin)
			return;
		k = rnd(t, t->nin);
		s = &t->in[k];
		memcpy(a.name, s->name, sizeof(a.name));
		exp = s->state == IN_GONE || s->finished ? -ENOENT :
		      s->state == IN_HELD ? -EINVAL : EXP_FD;
	}
	note(t, "retrieve_session %s", a.name);
	add(&w->c.enoent_checked, exp == -ENOENT);
	ret = lu_ioctl(w->dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &a,
		       sizeof(a), chance(t, 10), &err);
	if (!expect(t, "RETRIEVE_SESSION", ret, err, exp) || exp != EXP_FD)
		return;
	if (!cloexec(a.fd))
		mismatch(t, "retrieved session fd not O_CLOEXEC");
	s->state = IN_HELD;
	s->fd = a.fd;
	s->fdnew = t->in_child;
	s->finished = 0;
}

/* Retrieve file @j of held incoming session @s; 0 if as predicted */
static int retrieve_fd(struct tmodel *t, struct insess *s, int j, u64 tok)
{
	struct liveupdate_session_retrieve_fd a = { 0 };
	struct inf *fi = j >= 0 ? &s->f[j] : NULL;
	long exp, ret;
	int err, pad = chance(t, 10);

	a.token = tok;
	if (s->finished)
		exp = -EINVAL;
	else if (!fi)
		exp = -ENOENT;
	else
		exp = EXP_FD;
	/* Room in the model for what comes back */
	if (exp == EXP_FD && fi->of >= 0 && t->of[fi->of].nfd == MAXFDS)
		return 0;
	if (exp == EXP_FD && fi->of < 0) {
		int i, free_ino = 0, free_of = 0;

		for (i = 0; i < MAXINO; i++)
			free_ino += !t->ino[i].used;
		for (i = 0; i < MAXOF; i++)
			free_of += !t->of[i].used;
		if (!free_ino || !free_of)
			return 0;
	}
	note(t, "RETRIEVE_FD %s token %llu", s->name, (unsigned long long)tok);
	ret = lu_ioctl(s->fd, LIVEUPDATE_SESSION_RETRIEVE_FD, &a, sizeof(a),
		       pad, &err);
	if (!expect(t, "RETRIEVE_FD", ret, err, exp))
		return -1;
	if (exp != EXP_FD)
		return 0;
	add(&w->c.retrieved, 1);
	if (fi->of >= 0) {
		struct stat a1, a2;

		/* The same open file as before (if the model still has one) */
		if (t->of[fi->of].nfd &&
		    (fstat(a.fd, &a1) || fstat(t->of[fi->of].fd[0], &a2) ||
		     a1.st_ino != a2.st_ino))
			mismatch(t, "token %llu: a second retrieve gave another file",
				 (unsigned long long)tok);
		of_addfd(t, fi->of, a.fd);
		return 0;
	}
	return adopt(t, fi, a.fd) < 0 ? -1 : 0;
}

static void op_retrieve_fd(struct tmodel *t)
{
	struct liveupdate_session_retrieve_fd a = { 0 };
	int kind, k = pick_session(t, &kind), err, j;
	struct insess *s;
	u64 tok;

	if (k < 0)
		return;
	if (!kind) {		/* not on an outgoing session */
		a.token = rnd(t, 8);
		note(t, "retrieve_fd on outgoing %d", k);
		EXPECT(t, "RETRIEVE_FD outgoing",
		       lu_ioctl(t->os[k].fd, LIVEUPDATE_SESSION_RETRIEVE_FD,
				&a, sizeof(a), 0, &err), -EINVAL);
		return;
	}
	s = &t->in[k];
	if (s->nf && chance(t, 85)) {
		j = rnd(t, s->nf);
		tok = s->f[j].token;
	} else {
		tok = 1000 + rnd(t, 1000);
		j = -1;
		add(&w->c.enoent_checked, 1);
	}
	retrieve_fd(t, s, j, tok);
}

/* The session gives up the files it holds: they are the user's now */
static void in_release(struct tmodel *t, struct insess *s)
{
	int j;

	for (j = 0; j < s->nf; j++) {
		if (s->f[j].of >= 0) {
			t->of[s->f[j].of].inheld = 0;
			of_put(t, s->f[j].of);
			s->f[j].of = -1;
			s->f[j].dead = 1;
		} else {
			s->f[j].dead = 1;
		}
	}
}

static void op_finish(struct tmodel *t)
{
	struct liveupdate_session_finish a = { 0 };
	int kind, k = pick_session(t, &kind), err, fd;
	struct insess *s = NULL;
	long exp;

	if (k < 0)
		return;
	if (kind) {
		s = &t->in[k];
		fd = s->fd;
		exp = s->finished ? -EINVAL : 0;
	} else {
		fd = t->os[k].fd;
		exp = -EINVAL;
	}
	if (chance(t, 10)) {
		a.reserved = 1;
		exp = -EINVAL;
	}
	note(t, "finish %s %d reserved %u", kind ? "in" : "out", k, a.reserved);
	if (!EXPECT(t, "FINISH", lu_ioctl(fd, LIVEUPDATE_SESSION_FINISH, &a,
					  sizeof(a), chance(t, 10), &err),
		    exp) || exp)
		return;
	s->finished = 1;
	in_release(t, s);
}

static void close_isession(struct tmodel *t, struct insess *s)
{
	int all = 1, j;

	note(t, "close incoming session %s finished %d", s->name, s->finished);
	close(s->fd);
	for (j = 0; j < s->nf; j++)
		if (s->f[j].of < 0)
			all = 0;
	if (s->finished) {
		s->state = IN_GONE;
	} else if (all) {
		s->state = IN_GONE;	/* closing finishes it */
		in_release(t, s);
	} else {
		s->state = IN_UNCLAIMED;
	}
}

static void op_close_isession(struct tmodel *t)
{
	int i, n = 0, c[MAXIN];

	if (t->in_child)
		return;
	for (i = 0; i < t->nin; i++)
		if (t->in[i].state == IN_HELD)
			c[n++] = i;
	if (n)
		close_isession(t, &t->in[c[rnd(t, n)]]);
}

static void op_badarg(struct tmodel *t)
{
	struct liveupdate_session_finish a = { 0 };
	int kind, k, fd, err;

	switch (rnd(t, 4)) {
	case 0:		/* a size below what the kernel needs */
		note(t, "create_session with size 4");
		a.size = 4;
		EXPECT(t, "CREATE_SESSION size 4",
		       ioctl(w->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &a),
		       -EINVAL);
		add(&w->c.ioctls, 1);
		break;
	case 1:
		note(t, "unknown ioctl on the device");
		EXPECT(t, "unknown ioctl",
		       lu_ioctl(w->dev, _IO(LIVEUPDATE_IOCTL_TYPE, 0x07), &a,
				sizeof(a), 0, &err), -EINVAL);
		break;
	case 2:
		k = pick_session(t, &kind);
		if (k < 0)
			return;
		fd = kind ? t->in[k].fd : t->os[k].fd;
		note(t, "unknown ioctl on a session");
		EXPECT(t, "unknown session ioctl",
		       lu_ioctl(fd, _IO(LIVEUPDATE_IOCTL_TYPE, 0x4f), &a,
				sizeof(a), 0, &err), -EINVAL);
		break;
	default:	/* one opener at a time */
		note(t, "second open");
		fd = open(LUO_DEV, O_RDWR);
		expect(t, "second open", fd, errno, -EBUSY);
		if (fd >= 0)
			close(fd);
	}
}

static void op_thp(struct tmodel *t)
{
	static const char * const modes[] = {
		"never", "always", "within_size", "advise",
	};
	const char *m = modes[rnd(t, 4)];
	int fd = open(THP_SHMEM, O_WRONLY);

	if (fd < 0)
		return;
	note(t, "shmem_enabled %s", m);
	if (write(fd, m, strlen(m)) > 0)
		add(&w->c.thp, 1);
	close(fd);
}

static void run_ops(struct tmodel *t, int n);

/* The descriptors a forked child made, in model order, for SCM_RIGHTS */
static int child_fds(struct tmodel *t, int *fds, int take, int *got)
{
	int i, k, n = 0;

	for (i = 0; i < NNAMES; i++)
		if (t->os[i].used && t->os[i].fdnew) {
			if (take)
				t->os[i].fd = got[n];
			else
				fds[n] = t->os[i].fd;
			t->os[i].fdnew = take ? 0 : 1;
			n++;
		}
	for (i = 0; i < t->nin; i++)
		if (t->in[i].state == IN_HELD && t->in[i].fdnew) {
			if (take)
				t->in[i].fd = got[n];
			else
				fds[n] = t->in[i].fd;
			t->in[i].fdnew = take ? 0 : 1;
			n++;
		}
	for (i = 0; i < MAXOF; i++)
		for (k = 0; t->of[i].used && k < t->of[i].nfd; k++)
			if (t->of[i].fdnew[k]) {
				if (take)
					t->of[i].fd[k] = got[n];
				else
					fds[n] = t->of[i].fd[k];
				t->of[i].fdnew[k] = take ? 0 : 1;
				n++;
			}
	return n;
}

/* Is @fd one of thread @t's, or the process's own? */
static int own_fd(struct tmodel *t, int fd, int keep)
{
	int i, k;

	if (fd <= 2 || fd == w->dev || fd == w->devnull || fd == keep ||
	    fd == w->pipefd[0] || fd == w->pipefd[1] || fd == w->tmpfile)
		return 1;
	for (i = 0; i < NNAMES; i++)
		if (t->os[i].used && t->os[i].fd == fd)
			return 1;
	for (i = 0; i < t->nin; i++)
		if (t->in[i].state == IN_HELD && t->in[i].fd == fd)
			return 1;
	for (i = 0; i < MAXOF; i++)
		for (k = 0; t->of[i].used && k < t->of[i].nfd; k++)
			if (t->of[i].fd[k] == fd)
				return 1;
	return 0;
}

/* Hand the child's new descriptors over: SCM_RIGHTS, or the parent takes them */
static int send_fds(int sock, int *fds, int n)
{
	char cbuf[CMSG_SPACE(250 * sizeof(int))];
	struct iovec iov = { &n, sizeof(n) };
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (n) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	}
	return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

/* The descriptors a child sent with SCM_RIGHTS; their number or -1 */
static int recv_fds(int sock, int *got)
{
	char cbuf[CMSG_SPACE(250 * sizeof(int))];
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	int n = -1;
	struct iovec iov = { &n, sizeof(n) };

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0 || n < 0)
		return -1;
	if (!n)
		return 0;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(n * sizeof(int)))
		return -1;
	memcpy(got, CMSG_DATA(cm), n * sizeof(int));
	return n;
}

/*
 * A child that shares the thread's descriptors (fork inheritance) runs
 * some operations on them and passes the descriptors it made back to the
 * parent: with SCM_RIGHTS where there are AF_UNIX sockets, otherwise
 * (the test kernel has no networking) the parent takes them from the
 * waiting child with pidfd_getfd().  The child closes no session: its
 * copy would keep the session open.
 */
static void op_fork(struct tmodel *t)
{
	int sv[2] = { -1, -1 }, up[2], down[2], i, n, m, status, pidfd;
	int fds[250], got[250], scm;
	int nops = 1 + rnd(t, 12);
	pid_t pid;
	char c;

	if (t->in_child)
		return;
	/* LUO_FUZZ_PIDFD: pidfd_getfd() also where AF_UNIX works */
	scm = !getenv("LUO_FUZZ_PIDFD") &&
	      !socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv);
	if (pipe2(up, O_CLOEXEC))
		goto out_sv;
	if (pipe2(down, O_CLOEXEC))
		goto out_up;
	note(t, "fork for %d operations (%s)", nops,
	     scm ? "SCM_RIGHTS" : "pidfd_getfd");
	/* No operation of another thread runs while this one forks */
	pthread_rwlock_unlock(&w->forklock);
	pthread_rwlock_wrlock(&w->forklock);
	pid = fork();
	if (pid == 0) {
		int max = (int)sysconf(_SC_OPEN_MAX), j;

		/* Nothing of the other threads lives on here */
		for (i = 0; i < w->nthreads; i++)
			for (j = 0; i != t->id && j < MAXINO; j++)
				if (w->t[i].ino[j].used && w->t[i].ino[j].map)
					munmap(w->t[i].ino[j].map,
					       w->t[i].ino[j].maplen);
		for (i = 3; i < (max > 4096 ? 4096 : max); i++)
			if (i != sv[1] && i != up[1] && i != down[0] &&
			    !own_fd(t, i, -1))
				close(i);
		c = 1;
		if (write(up[1], &c, 1) != 1)
			_exit(2);
		t->in_child = 1;
		t->npclose = 0;
		run_ops(t, nops);
		n = child_fds(t, fds, 0, NULL);
		if (scm) {
			if (send_fds(sv[1], fds, n))
				_exit(3);
		} else {
			/* Say which, and wait until the parent has them */
			if (write(up[1], &n, sizeof(n)) != sizeof(n) ||
			    write(up[1], fds, n * sizeof(int)) !=
			    (ssize_t)(n * sizeof(int)) ||
			    read(down[0], &c, 1) != 1)
				_exit(3);
		}
		t->in_child = 0;
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (scm)
		close(sv[1]);
	if (pid > 0 && read(up[0], &c, 1) != 1)
		pid = -1;
	pthread_rwlock_unlock(&w->forklock);
	pthread_rwlock_rdlock(&w->forklock);
	if (pid < 0) {
		mismatch(t, "fork failed");
		goto broken;
	}
	add(&w->c.forks, 1);
	n = -1;
	if (!scm && read(up[0], &n, sizeof(n)) == sizeof(n) && n >= 0 &&
	    n <= 250 && read(up[0], fds, n * sizeof(int)) ==
	    (ssize_t)(n * sizeof(int))) {
		pidfd = syscall(SYS_pidfd_open, pid, 0);
		for (i = 0; i < n; i++) {
			got[i] = syscall(SYS_pidfd_getfd, pidfd, fds[i], 0);
			if (got[i] < 0) {
				mismatch(t, "pidfd_getfd: %s", strerror(errno));
				n = -1;
				break;
			}
		}
		close(pidfd);
		c = 1;
		if (write(down[1], &c, 1) != 1)
			n = -1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		mismatch(t, "forked child: status %#x", status);
		goto broken;
	}
	if (scm)
		n = recv_fds(sv[0], got);
	if (n < 0) {
		mismatch(t, "no descriptors from the forked child");
		goto broken;
	}
	/* What the child closed, the parent closes too */
	for (i = 0; i < t->npclose; i++)
		close(t->pclose[i]);
	t->npclose = 0;
	m = child_fds(t, NULL, 1, got);
	if (m != n) {
		mismatch(t, "forked child: %d descriptors, %d expected", n, m);
		goto broken;
	}
	/* The child's mappings died with it */
	goto out;

broken:
	t->dead = 1;
out:
	close(up[0]);
	close(down[1]);
	if (scm)
		close(sv[0]);
	return;
out_up:
	close(up[0]);
	close(up[1]);
out_sv:
	if (scm) {
		close(sv[0]);
		close(sv[1]);
	}
}

enum {
	OP_CREATE, OP_CLOSE_OS, OP_MEMFD, OP_PRESERVE, OP_PRESERVE2, OP_PWRITE,
	OP_WRITE, OP_TRUNC, OP_FALLOC, OP_SEAL, OP_MMAP, OP_HELD, OP_READ,
	OP_LSEEK, OP_CLOSE_FD, OP_REOPEN, OP_DUP, OP_RSESS, OP_RFD, OP_FINISH,
	OP_CLOSE_IS, OP_BADARG, OP_FORK, OP_THP,
};

static const unsigned char weights[NOPS] = {
	[OP_CREATE] = 6, [OP_CLOSE_OS] = 2, [OP_MEMFD] = 5, [OP_PRESERVE] = 7,
	[OP_PRESERVE2] = 4, [OP_PWRITE] = 12, [OP_WRITE] = 4, [OP_TRUNC] = 5,
	[OP_FALLOC] = 5, [OP_SEAL] = 3, [OP_MMAP] = 5, [OP_HELD] = 4,
	[OP_READ] = 5, [OP_LSEEK] = 3, [OP_CLOSE_FD] = 3, [OP_REOPEN] = 3,
	[OP_DUP] = 2, [OP_RSESS] = 5, [OP_RFD] = 6, [OP_FINISH] = 2,
	[OP_CLOSE_IS] = 2, [OP_BADARG] = 2, [OP_FORK] = 2, [OP_THP] = 2,
};

static void run_ops(struct tmodel *t, int n)
{
	int i, op, sum = 0;
	u64 r;

	for (i = 0; i < NOPS; i++)
		sum += weights[i];
	for (i = 0; i < n && !t->dead; i++) {
		r = rnd(t, sum);
		for (op = 0; r >= weights[op]; op++)
			r -= weights[op];
		/* LUO_FUZZ_NODEV: the memfd model alone, on any kernel */
		if (w->nodev && (op == OP_CREATE || op == OP_PRESERVE ||
				 op == OP_PRESERVE2 || op == OP_RSESS ||
				 op == OP_RFD || op == OP_FINISH ||
				 op == OP_BADARG || op == OP_THP))
			continue;
		t->opno++;
		add(&w->c.ops, 1);
		switch (op) {
		case OP_CREATE:
			op_create_session(t);
			break;
		case OP_CLOSE_OS:
			op_close_osession(t);
			break;
		case OP_MEMFD:
			op_memfd_create(t);
			break;
		case OP_PRESERVE:
		case OP_PRESERVE2:
			op_preserve(t);
			break;
		case OP_PWRITE:
		case OP_WRITE:
			op_write(t, op == OP_WRITE);
			break;
		case OP_TRUNC:
			op_truncate(t);
			break;
		case OP_FALLOC:
			op_fallocate(t);
			break;
		case OP_SEAL:
			op_seal(t);
			break;
		case OP_MMAP:
			op_mmap(t);
			break;
		case OP_HELD:
			op_held_map(t);
			break;
		case OP_READ:
			op_read_check(t);
			break;
		case OP_LSEEK:
			op_lseek(t);
			break;
		case OP_CLOSE_FD:
			op_close_fd(t);
			break;
		case OP_REOPEN:
			op_reopen(t);
			break;
		case OP_DUP:
			op_dup(t);
			break;
		case OP_RSESS:
			op_retrieve_session(t);
			break;
		case OP_RFD:
			op_retrieve_fd(t);
			break;
		case OP_FINISH:
			op_finish(t);
			break;
		case OP_CLOSE_IS:
			op_close_isession(t);
			break;
		case OP_BADARG:
			op_badarg(t);
			break;
		case OP_FORK:
			op_fork(t);
			break;
		case OP_THP:
			op_thp(t);
			break;
		}
	}
}

/* Every open file of the thread against the model, every byte */
static void sweep(struct tmodel *t)
{
	int o, seen[MAXINO] = { 0 };

	for (o = 0; o < MAXOF; o++) {
		struct ofile *f = &t->of[o];

		if (!f->used || !f->nfd)
			continue;
		check_file(t, o, f->fd[0], !seen[f->ino]);
		seen[f->ino] = 1;
	}
}

static void *thread_main(void *arg)
{
	struct tmodel *t = arg;
	int done = 0, n;

	while (done < w->ops && !t->dead) {
		n = 8 + rnd(t, 48);
		if (n > w->ops - done)
			n = w->ops - done;
		pthread_rwlock_rdlock(&w->forklock);
		run_ops(t, n);
		sweep(t);
		pthread_rwlock_unlock(&w->forklock);
		done += n;
		add(&w->c.sequences, 1);
	}
	return NULL;
}

/* ---- the handover between generations ----------------------------------- */

struct st_file {
	u64 token, size, pos;
	u32 seals, noexec;
};

/*
 * The state file: magic, the number of sessions, then per session its
 * name, its file count and per file a struct st_file and one hash per
 * page; then the number of names that must be gone, and the names.
 */
static int state_write(const char *path)
{
	FILE *f = fopen(path, "w");
	u64 magic = STATE_MAGIC, n = 0, ngone = 0, p, len;
	int i, k, j;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];

	if (!f)
		return -1;
	for (i = 0; i < w->nthreads; i++)
		for (k = 0; k < NNAMES; k++)
			n += w->t[i].os[k].used;
	fwrite(&magic, 8, 1, f);
	fwrite(&n, 8, 1, f);
	for (i = 0; i < w->nthreads; i++) {
		struct tmodel *t = &w->t[i];

		for (k = 0; k < NNAMES; k++) {
			struct osess *s = &t->os[k];
			u32 nf = s->nf;

			if (!s->used)
				continue;
			memset(name, 0, sizeof(name));
			session_name(name, i, k);
			fwrite(name, sizeof(name), 1, f);
			fwrite(&nf, 4, 1, f);
			for (j = 0; j < s->nf; j++) {
				struct ofile *of = &t->of[s->of[j]];
				struct ino *in = &t->ino[of->ino];
				struct st_file sf = {
					.token = s->tok[j], .size = in->size,
					.pos = of->pos, .seals = in->seals,
					.noexec = in->noexec,
				};
				char *sh = shadow(t, of->ino);

				fwrite(&sf, sizeof(sf), 1, f);
				for (p = 0; p * PG < in->size; p++) {
					u64 h;

					len = in->size - p * PG < PG ?
					      in->size - p * PG : PG;
					h = page_hash(sh + p * PG, len);
					fwrite(&h, 8, 1, f);
				}
			}
		}
	}
	/* Gone next time: every name closed here, and every incoming one */
	for (i = 0; i < w->nthreads; i++) {
		for (k = 0; k < NNAMES; k++)
			ngone += !w->t[i].os[k].used;
		ngone += w->t[i].nin;
	}
	fwrite(&ngone, 8, 1, f);
	for (i = 0; i < w->nthreads; i++) {
		for (k = 0; k < NNAMES; k++) {
			if (w->t[i].os[k].used)
				continue;
			memset(name, 0, sizeof(name));
			session_name(name, i, k);
			fwrite(name, sizeof(name), 1, f);
		}
		for (k = 0; k < w->t[i].nin; k++)
			fwrite(w->t[i].in[k].name, sizeof(name), 1, f);
	}
	return fclose(f);
}

static int dbg_has(const char *line)
{
	char buf[256];
	FILE *f = fopen(LUO_DBG, "r");
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(buf, sizeof(buf), f))
		found = !strcmp(buf, line);
	fclose(f);
	return found;
}

static int dbg_count(const char *prefix)
{
	char buf[256];
	FILE *f = fopen(LUO_DBG, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f))
		n += !strncmp(buf, prefix, strlen(prefix));
	fclose(f);
	return n;
}

/*
 * Read what the previous generation preserved, give each incoming session
 * to a thread's model, and check that the kernel offers exactly those:
 * debugfs lists them and nothing else, and every name that must be gone is.
 */
static int state_read(const char *path)
{
	FILE *f = fopen(path, "r");
	u64 magic = 0, n = 0, ngone = 0, i, p;
	struct tmodel *probe = &w->t[0];
	int bad = 0, listed, j;
	char line[160];

	if (!f) {
		result(0, "state_read", "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(&magic, 8, 1, f) != 1 || magic != STATE_MAGIC ||
	    fread(&n, 8, 1, f) != 1) {
		result(0, "state_read", "bad state file");
		fclose(f);
		return -1;
	}
	listed = dbg_count("incoming ");
	for (i = 0; i < n; i++) {
		struct tmodel *t = &w->t[i % w->nthreads];
		struct insess *s = &t->in[t->nin++];
		u32 nf;

		if (fread(s->name, sizeof(s->name), 1, f) != 1 ||
		    fread(&nf, 4, 1, f) != 1 || nf > MAXPF)
			goto short_file;
		s->state = IN_UNCLAIMED;
		s->nf = nf;
		for (j = 0; j < (int)nf; j++) {
			struct st_file sf;
			struct inf *fi = &s->f[j];

			if (fread(&sf, sizeof(sf), 1, f) != 1 ||
			    sf.size > MAXSIZE)
				goto short_file;
			fi->token = sf.token;
			fi->size = sf.size;
			fi->pos = sf.pos;
			fi->seals = sf.seals;
			fi->noexec = sf.noexec;
			fi->of = -1;
			for (p = 0; p * PG < sf.size; p++)
				if (fread(&fi->hash[p], 8, 1, f) != 1)
					goto short_file;
		}
		snprintf(line, sizeof(line), "incoming %s unclaimed files %u\n",
			 s->name, nf);
		if (dbg_has(line) != 1 && !bad++)
			say("# not in %s: %s", LUO_DBG, line);
	}
	result(!bad && listed == (int)n, "incoming_sessions_listed",
	       "%llu expected, %d listed in debugfs, %d missing",
	       (unsigned long long)n, listed, bad);
	if (bad || listed != (int)n)
		add(&w->c.mismatches, 1);
	add(&w->c.sessions_checked, n);

	/* Every name that must be gone gives ENOENT */
	bad = 0;
	if (fread(&ngone, 8, 1, f) != 1)
		goto short_file;
	for (i = 0; i < ngone; i++) {
		struct liveupdate_ioctl_retrieve_session a = { 0 };
		int err;
		long ret;

		if (fread(a.name, sizeof(a.name), 1, f) != 1)
			goto short_file;
		ret = lu_ioctl(w->dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &a,
			       sizeof(a), 0, &err);
		if (!expect(probe, "RETRIEVE_SESSION of a gone name", ret, err,
			    -ENOENT)) {
			say("#   the name: %s\n", a.name);
			bad++;
			if (ret >= 0)
				close(a.fd);
		}
	}
	add(&w->c.enoent_checked, ngone);
	result(!bad, "gone_sessions_enoent", "%llu names", (unsigned long long)ngone);
	fclose(f);
	return 0;

short_file:
	result(0, "state_read", "short state file");
	fclose(f);
	return -1;
}

/*
 * Before the fuzzing: retrieve most incoming sessions and check their
 * files (the rest the threads retrieve as they go, or leave): every file of
 * a session, or some and then a close that makes the session unclaimed
 * again, or nothing.
 */
static void verify_incoming(void)
{
	int i, k, j;
	u64 before = w->c.mismatches, files = w->c.files_checked;

	for (i = 0; i < w->nthreads; i++) {
		struct tmodel *t = &w->t[i];

		for (k = 0; k < t->nin; k++) {
			struct liveupdate_ioctl_retrieve_session a = { 0 };
			struct insess *s = &t->in[k];
			int mode = rnd(t, 10), err;
			long ret;

			if (mode >= 8)
				continue;	/* left for the threads */
			memcpy(a.name, s->name, sizeof(a.name));
			ret = lu_ioctl(w->dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION,
				       &a, sizeof(a), 0, &err);
			if (!expect(t, "RETRIEVE_SESSION", ret, err, EXP_FD))
				continue;
			s->state = IN_HELD;
			s->fd = a.fd;
			for (j = 0; j < s->nf; j++)
				if (mode < 6 || chance(t, 50))
					retrieve_fd(t, s, j, s->f[j].token);
			/* An unknown token */
			retrieve_fd(t, s, -1, 5000 + rnd(t, 1000));
			if (mode >= 6)
				close_isession(t, s);
		}
	}
	result(w->c.mismatches == before, "incoming_files_intact",
	       "%llu files checked", (unsigned long long)(w->c.files_checked -
							 files));
}

int main(int argc, char **argv)
{
	size_t wsize = sizeof(*w);
	const char *in, *out;
	u64 mrng;
	int i;
	struct timespec t0, t1;
	pthread_rwlockattr_t rwa;

	if (argc < 7) {
		fprintf(stderr,
			"usage: %s GEN SEED OPS THREADS IN OUT [last]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	w = mmap(NULL, wsize, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	shadow_pool = mmap(NULL, (size_t)MAXT * MAXINO * MAXSIZE,
			   PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	wbuf_pool = mmap(NULL, (size_t)MAXT * MAXSIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (w == MAP_FAILED || shadow_pool == MAP_FAILED ||
	    wbuf_pool == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	w->gen = atoi(argv[1]);
	w->seed = strtoull(argv[2], NULL, 0);
	w->ops = atoi(argv[3]);
	w->nthreads = atoi(argv[4]);
	in = argv[5];
	out = argv[6];
	w->last = argc > 7 && !strcmp(argv[7], "last");
	if (w->nthreads < 1 || w->nthreads > MAXT)
		w->nthreads = 1;
	mrng = w->seed ^ ((u64)w->gen << 48);
	for (i = 0; i < w->nthreads; i++) {
		w->t[i].id = i;
		w->t[i].rng = splitmix(&mrng) ^ i;
	}
	pthread_rwlockattr_init(&rwa);
	/* A fork waits for the operations under way, and no new ones start */
	pthread_rwlockattr_setkind_np(&rwa,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&w->forklock, &rwa);
	say("# luo-fuzz: gen=%d seed=%llu ops=%d threads=%d%s\n", w->gen,
	    (unsigned long long)w->seed, w->ops, w->nthreads,
	    w->last ? " last" : "");

	w->nodev = !!getenv("LUO_FUZZ_NODEV");
	/* LUO_FUZZ_TRACE: print every operation */
	w->trace = !!getenv("LUO_FUZZ_TRACE");
	w->dev = open(w->nodev ? "/dev/null" : LUO_DEV, O_RDWR | O_CLOEXEC);
	result(w->dev >= 0, "open", "%s", w->dev < 0 ? strerror(errno) : "");
	if (w->dev < 0)
		return 1;
	w->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	w->tmpfile = open("/tmp/luo-fuzz-linked", O_RDWR | O_CREAT | O_CLOEXEC,
			  0600);
	if (pipe2(w->pipefd, O_CLOEXEC) || w->devnull < 0 || w->tmpfile < 0) {
		result(0, "setup", "%s", strerror(errno));
		return 1;
	}

	if (w->gen > 0 && !state_read(in))
		verify_incoming();

	for (i = 0; i < w->nthreads; i++)
		pthread_create(&w->t[i].th, NULL, thread_main, &w->t[i]);
	for (i = 0; i < w->nthreads; i++)
		pthread_join(w->t[i].th, NULL);
	for (i = 0; i < w->nthreads; i++) {
		pthread_rwlock_rdlock(&w->forklock);
		sweep(&w->t[i]);
		pthread_rwlock_unlock(&w->forklock);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	result(!w->c.mismatches, "fuzz",
	       "%llu sequences, %llu operations, %llu ioctls, %llu forks, %llu mismatches",
	       (unsigned long long)w->c.sequences,
	       (unsigned long long)w->c.ops,
	       (unsigned long long)w->c.ioctls,
	       (unsigned long long)w->c.forks,
	       (unsigned long long)w->c.mismatches);
	if (!w->last) {
		int k, nsess = 0, nfiles = 0;

		for (i = 0; i < w->nthreads; i++)
			for (k = 0; k < NNAMES; k++) {
				nsess += w->t[i].os[k].used;
				nfiles += w->t[i].os[k].used * w->t[i].os[k].nf;
			}
		i = state_write(out);
		result(!i, "state_written", "%d sessions with %d files to %s",
		       nsess, nfiles, out);
		daemonize("holding the sessions");
	}
	/* One line, in several writes: the threads are done */
	say("# luo-fuzz: gen=%d seed=%llu sequences=%llu ops=%llu ioctls=%llu ",
	    w->gen, (unsigned long long)w->seed,
	    (unsigned long long)w->c.sequences, (unsigned long long)w->c.ops,
	    (unsigned long long)w->c.ioctls);
	say("forks=%llu thp_switches=%llu preserved=%llu retrieved=%llu ",
	    (unsigned long long)w->c.forks, (unsigned long long)w->c.thp,
	    (unsigned long long)w->c.preserved,
	    (unsigned long long)w->c.retrieved);
	say("sessions_checked=%llu files_checked=%llu bytes_checked=%llu ",
	    (unsigned long long)w->c.sessions_checked,
	    (unsigned long long)w->c.files_checked,
	    (unsigned long long)w->c.bytes_checked);
	say("enoent_checked=%llu mismatches=%llu secs=%ld\n",
	    (unsigned long long)w->c.enoent_checked,
	    (unsigned long long)w->c.mismatches,
	    (long)(t1.tv_sec - t0.tv_sec));
	say("1..%d\n", ntests);
	return nfailed ? 1 : 0;
}
