// SPDX-License-Identifier: GPL-2.0-only
/*
 * Edge cases of memfd live update: what the memfd handler must preserve
 * and give back intact, and what it must refuse up front.
 *
 *   luo_memfd_edge big       no kexec: memfds that cannot be preserved
 *                            here (more than UINT_MAX pages, more than
 *                            the memory outside CMA, holes to fill beyond
 *                            the memory available) are refused at once
 *                            with the documented errno, filling nothing;
 *                            a preserve that fills a big sparse memfd
 *                            stops soon after SIGKILL and leaves nothing
 *                            behind
 *   luo_memfd_edge preserve  before a kexec: in session "edge", memfds
 *                            whose shmem huge pages reach past their end
 *                            (3 MiB and 4 KiB written, 3 MiB with holes),
 *                            one that fallocate() left unwritten and that
 *                            is written after KHO is finalized by hand,
 *                            and a sparse one; finalize, write, and leave
 *                            a daemon holding the session
 *   luo_memfd_edge check     after the kexec: retrieve every file and
 *                            check its size and every byte
 *
 * The huge page cases set /sys/kernel/mm/transparent_hugepage/
 * shmem_enabled to "always" and tell from ShmemHugePages in /proc/meminfo
 * that each file really had a huge page.  With the debug parameter
 * memfd_luo.debug_keep_tail (CONFIG_KEXEC_HANDOVER_DEBUG), "thp3m_old"
 * is preserved the way kernels up to v6.12.117-kho1 did, its last huge
 * page kept whole past the end of the file, for the next kernel to take.
 *
 * Prints one line per result, "ok NAME" or "not ok NAME", then " # " and
 * a diagnostic, and comments starting with "#"; the guest scenario
 * guest/scenario/luo-memfd-edge turns them into KTAP.  Exits 1 if a
 * result failed.
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
#include <time.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#include "luo_util.h"

#include "../kselftest.h"

#define THP_SHMEM	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define KEEP_TAIL	"/sys/module/memfd_luo/parameters/debug_keep_tail"
#define KHO_FINALIZE	"/sys/kernel/debug/kho/out/finalize"
#define PAGE		4096UL
#define HUGE_KB		2048L

/* The data pattern of this test */
static uint64_t pattern(uint64_t i)
{
	return pattern_of(i, 3);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Set shmem_enabled; true if it now reads [@mode] */
static int thp_shmem(const char *mode)
{
	char buf[128] = "", want[32];
	FILE *f;

	if (write_file(THP_SHMEM, mode))
		return 0;
	f = fopen(THP_SHMEM, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	snprintf(want, sizeof(want), "[%s]", mode);
	return !!strstr(buf, want);
}

static int open_dev(void)
{
	int dev = open(LUO_DEV, O_RDWR);

	result(dev >= 0, "open", "%s", dev < 0 ? strerror(errno) : "");
	return dev;
}

static int memfd_of(size_t size)
{
	int fd = memfd_create("edge", MFD_ALLOW_SEALING);

	if (fd >= 0 && ftruncate(fd, size) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- big: refused up front, and killable ------------------------------ */

/*
 * Preserve a sparse memfd of @size in a session of its own, then drop
 * both: the errno (0 if preserved), how long it took, and by how much the
 * shmem memory grew while it was preserved.
 */
static int try_preserve(int dev, size_t size, uint64_t *ms, long *grew_kb)
{
	long shmem = meminfo_kb("Shmem");
	int s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "edge-big");
	int m = memfd_of(size), ret;
	uint64_t t0;

	if (s < 0 || m < 0) {
		if (s >= 0)
			close(s);
		if (m >= 0)
			close(m);
		return s < 0 ? s : -EBADF;
	}
	t0 = now_ms();
	ret = preserve(s, m, 1);
	*ms = now_ms() - t0;
	*grew_kb = meminfo_kb("Shmem") - shmem;
	/* A refused memfd is not left frozen */
	if (ret && ftruncate(m, PAGE) < 0)
		ret = -ENOTRECOVERABLE;
	close(s);
	close(m);
	return ret;
}

static void refused(int dev, const char *name, size_t size, int want)
{
	long grew;
	uint64_t ms;
	int ret = try_preserve(dev, size, &ms, &grew);

	/* Up front: within a second, filling nothing */
	result(ret == -want && ms < 1000 && grew < 1024, name,
	       "%zu bytes: %s (want %s) in %llu ms, shmem grew %ld kB",
	       size, ret ? strerror(-ret) : "preserved", strerror(want),
	       (unsigned long long)ms, grew);
}

/*
 * SIGKILL during a preserve that fills a big sparse memfd: the preserve
 * must stop within a fraction of the time it takes in full, and what it
 * pinned must be given back.
 */
static void killable(int dev)
{
	long avail = meminfo_kb("MemAvailable") - meminfo_kb("CmaFree");
	size_t size = (size_t)(avail / 2 / 2048) << 21;
	long shmem, grew;
	int ready[2], status;
	uint64_t full, t0, latency;
	char c = 1;
	pid_t pid;
	int ret;

	ret = try_preserve(dev, size, &full, &grew);
	printf("# a sparse memfd of %zu MiB preserved in %llu ms: %d\n",
	       size >> 20, (unsigned long long)full, ret);
	if (ret || pipe(ready)) {
		result(0, "preserve_killable", "cannot preserve %zu MiB: %s",
		       size >> 20, strerror(-ret));
		return;
	}
	shmem = meminfo_kb("Shmem");
	pid = fork();
	if (!pid) {
		int s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "edge-kill");
		int m = memfd_of(size);

		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		_exit(preserve(s, m, 1) ? 3 : 0);
	}
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		result(0, "preserve_killable", "fork: %s", strerror(errno));
		return;
	}
	usleep((full / 10 + 10) * 1000);
	kill(pid, SIGKILL);
	t0 = now_ms();
	waitpid(pid, &status, 0);
	latency = now_ms() - t0;
	if (full < 200)
		result(1, "preserve_killable",
		       "SKIP a full preserve takes %llu ms, too fast to tell",
		       (unsigned long long)full);
	else
		result(WIFSIGNALED(status) && latency <= full / 2,
		       "preserve_killable",
		       "%s %llu ms after SIGKILL; a full preserve takes %llu ms",
		       WIFSIGNALED(status) ? "killed" : "exited",
		       (unsigned long long)latency, (unsigned long long)full);
	/* Freed with the memfd once the session and its file are gone */
	grew = meminfo_kb("Shmem") - shmem;
	result(grew < 4096, "killed_preserve_leaves_nothing",
	       "shmem %+ld kB after the killed process", grew);
	close(ready[0]);
	close(ready[1]);
}

static int stage_big(void)
{
	long total = meminfo_kb("MemTotal"), cma = meminfo_kb("CmaTotal");
	size_t fits = (size_t)(total - cma) << 10;
	int dev = open_dev();

	if (dev < 0 || total <= 0 || cma < 0)
		return 1;
	printf("# MemTotal %ld kB, CmaTotal %ld kB, MemAvailable %ld kB, CmaFree %ld kB\n",
	       total, cma, meminfo_kb("MemAvailable"), meminfo_kb("CmaFree"));
	/* The format's limit: UINT_MAX pages */
	refused(dev, "efbig_over_uint_max_pages", ((size_t)UINT_MAX + 1) * PAGE,
		EFBIG);
	refused(dev, "efbig_uint_max_pages", (size_t)UINT_MAX * PAGE, EFBIG);
	refused(dev, "efbig_1tib", (size_t)1 << 40, EFBIG);
	killable(dev);
	/* Every page must be resident outside CMA: no more than that */
	refused(dev, "enomem_over_available", fits, ENOMEM);
	refused(dev, "efbig_over_memory", fits + PAGE, EFBIG);
	close(dev);
	return 0;
}

/* ---- preserve and check across a kexec -------------------------------- */

enum fill { FULL, FIRST_PAGE, SPARSE, FALLOC };

struct edge_file {
	const char *name;
	uint64_t token;
	size_t size;
	enum fill fill;
	int thp;		/* filled with shmem_enabled=always */
	int keep_tail;		/* preserved with debug_keep_tail=1 */
};

static const struct edge_file files[] = {
	{ "thp3m", 1, 3 << 20, FULL, 1, 0 },
	{ "thp4k", 2, 4096, FULL, 1, 0 },
	{ "thp3m_sparse", 3, 3 << 20, FIRST_PAGE, 1, 0 },
	{ "thp3m_old", 4, 3 << 20, FULL, 1, 1 },
	{ "falloc", 5, 1 << 20, FALLOC, 0, 0 },
	{ "sparse", 6, 64 << 20, SPARSE, 0, 0 },
};

#define NFILES	ARRAY_SIZE(files)

/* Is page @p of @f written (else it reads as zeros)? */
static int written(const struct edge_file *f, size_t p)
{
	size_t last = (f->size - 1) / PAGE;

	switch (f->fill) {
	case FIRST_PAGE:
		return p == 0;
	case SPARSE:
		return p == 0 || p == last / 2 || p == last;
	default:
		return 1;
	}
}

static uint64_t expected(const struct edge_file *f, size_t word)
{
	return written(f, word * 8 / PAGE) ? pattern(word) : 0;
}

/* Write the pattern into the written pages of @f, with pwrite() */
static int fill_pwrite(int fd, const struct edge_file *f, size_t from,
		       size_t to)
{
	uint64_t buf[PAGE / 8];
	size_t p, i;

	for (p = from / PAGE; p * PAGE < to; p++) {
		if (!written(f, p))
			continue;
		for (i = 0; i < PAGE / 8; i++)
			buf[i] = pattern(p * PAGE / 8 + i);
		if (pwrite(fd, buf, PAGE, p * PAGE) != (ssize_t)PAGE)
			return -1;
	}
	return 0;
}

/* The second half of a FALLOC file, through a shared mapping */
static int fill_mmap(int fd, const struct edge_file *f)
{
	size_t i, from = f->size / 2 / 8, to = f->size / 8;
	uint64_t *p = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);

	if (p == MAP_FAILED)
		return -1;
	for (i = from; i < to; i++)
		p[i] = pattern(i);
	munmap(p, f->size);
	return 0;
}

/* Words of @fd that differ from what @f must hold, or -1 */
static long check_file(int fd, const struct edge_file *f)
{
	uint64_t *p = mmap(NULL, f->size, PROT_READ, MAP_SHARED, fd, 0);
	long bad = 0;
	size_t i;

	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < f->size / 8; i++)
		if (p[i] != expected(f, i))
			bad++;
	munmap(p, f->size);
	return bad;
}

/* Words of @fd (@size bytes) that differ from the pattern up to @data, 0 after */
static long check_grown(int fd, size_t size, size_t data)
{
	uint64_t *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	long bad = 0;
	size_t i;

	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < size / 8; i++)
		if (p[i] != (i < data / 8 ? pattern(i) : 0))
			bad++;
	munmap(p, size);
	return bad;
}

static int stage_preserve(void)
{
	int keep = !access(KEEP_TAIL, W_OK);
	int dev, s, fd, ret, fds[NFILES];
	long before, filled, preserved;
	char name[64];
	unsigned int i;

	dev = open_dev();
	if (dev < 0)
		return 1;
	s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, "edge");
	result(s >= 0, "session", "%d", s);
	result(thp_shmem("always"), "thp_shmem_always", "%s", THP_SHMEM);
	for (i = 0; i < NFILES; i++) {
		const struct edge_file *f = &files[i];

		fds[i] = -1;
		if (f->keep_tail && !keep) {
			printf("# %s: no %s in this kernel, not preserved\n",
			       f->name, KEEP_TAIL);
			continue;
		}
		if (!f->thp)
			thp_shmem("never");
		before = meminfo_kb("ShmemHugePages");
		fd = memfd_of(f->size);
		if (fd >= 0 && f->fill == FALLOC)
			ret = fallocate(fd, 0, 0, f->size);
		else
			ret = fd >= 0 ? fill_pwrite(fd, f, 0, f->size) : -1;
		filled = meminfo_kb("ShmemHugePages") - before;
		snprintf(name, sizeof(name), "%s_created", f->name);
		result(fd >= 0 && !ret, name, "%zu bytes", f->size);
		if (f->thp) {
			/* It really had a huge page */
			snprintf(name, sizeof(name), "%s_huge", f->name);
			result(filled >= HUGE_KB, name,
			       "ShmemHugePages +%ld kB once written", filled);
		}
		if (f->keep_tail)
			write_file(KEEP_TAIL, "1");
		ret = preserve(s, fd, f->token);
		if (f->keep_tail)
			write_file(KEEP_TAIL, "0");
		preserved = meminfo_kb("ShmemHugePages") - before;
		snprintf(name, sizeof(name), "%s_preserve", f->name);
		result(ret == 0, name, "%s", ret ? strerror(-ret) : "");
		if (f->thp && !f->keep_tail) {
			/*
			 * Only the huge pages wholly inside the file are
			 * kept: one reaching past its end (written there, or
			 * made to fill a hole) is split by the preserve
			 */
			long want = f->size / (HUGE_KB << 10) * HUGE_KB;

			snprintf(name, sizeof(name), "%s_no_huge_page_past_eof",
				 f->name);
			result(preserved == want, name,
			       "ShmemHugePages +%ld kB once preserved, want +%ld",
			       preserved, want);
		}
		fds[i] = fd;
	}
	thp_shmem("never");

	/*
	 * Finalize by hand: the files are frozen now, and what is written
	 * into them from here on must still arrive
	 */
	ret = write_file(KHO_FINALIZE, "1");
	result(ret == 0, "kho_finalize", "%s", ret ? strerror(-ret) : "");
	for (i = 0; i < NFILES; i++) {
		const struct edge_file *f = &files[i];

		if (f->fill != FALLOC || fds[i] < 0)
			continue;
		ret = fill_pwrite(fds[i], f, 0, f->size / 2) ||
		      fill_mmap(fds[i], f);
		snprintf(name, sizeof(name), "%s_written_after_finalize",
			 f->name);
		result(!ret, name, "first half with pwrite(), second through mmap()");
	}
	for (i = 0; i < NFILES; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(dev);
	return daemonize("holding the session");
}

static int stage_check(void)
{
	int keep = !access(KEEP_TAIL, F_OK);
	int dev, s, fd, ret;
	long before, huge;
	struct stat st;
	char name[64];
	unsigned int i;
	long bad;

	dev = open_dev();
	if (dev < 0)
		return 1;
	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "edge");
	result(s >= 0, "session_retrieve", "%d", s);
	for (i = 0; i < NFILES; i++) {
		const struct edge_file *f = &files[i];

		if (f->keep_tail && !keep)
			continue;
		before = meminfo_kb("ShmemHugePages");
		fd = retrieve(s, f->token);
		huge = meminfo_kb("ShmemHugePages") - before;
		snprintf(name, sizeof(name), "%s_retrieve", f->name);
		result(fd >= 0, name, "%s", fd < 0 ? strerror(-fd) : "");
		if (fd < 0)
			continue;
		snprintf(name, sizeof(name), "%s_size", f->name);
		if (fstat(fd, &st))
			st.st_size = -1;
		result(st.st_size == (off_t)f->size, name, "%lld",
		       (long long)st.st_size);
		bad = check_file(fd, f);
		snprintf(name, sizeof(name), "%s_contents", f->name);
		result(bad == 0, name, "%ld bad words of %zu", bad, f->size / 8);
		if (f->thp && f->size >= (HUGE_KB << 10)) {
			snprintf(name, sizeof(name), "%s_huge_restored", f->name);
			result(huge >= HUGE_KB, name,
			       "ShmemHugePages +%ld kB once retrieved", huge);
		}
		if (f->keep_tail) {
			/*
			 * The huge page past the end is no data of the
			 * file's: growing the file shows zeros there, and
			 * truncating it frees the page
			 */
			ret = ftruncate(fd, f->size + (1 << 20));
			bad = ret ? -1 : check_grown(fd, f->size + (1 << 20),
						     f->size);
			snprintf(name, sizeof(name), "%s_grown_past_old_eof",
				 f->name);
			result(bad == 0, name, "%ld bad words of %zu",
			       bad, (f->size + (1 << 20)) / 8);
			ret = ftruncate(fd, 4096);
			snprintf(name, sizeof(name), "%s_truncated", f->name);
			result(!ret, name, "%s", ret ? strerror(errno) : "");
		}
		close(fd);
	}
	ret = finish(s);
	result(ret == 0, "finish", "%d", ret);
	close(s);
	close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = 2;

	if (argc == 2 && !strcmp(argv[1], "big"))
		ret = stage_big();
	else if (argc == 2 && !strcmp(argv[1], "preserve"))
		ret = stage_preserve();
	else if (argc == 2 && !strcmp(argv[1], "check"))
		ret = stage_check();
	else
		fprintf(stderr, "usage: %s big|preserve|check\n", argv[0]);
	return ret ? ret : nfailed ? 1 : 0;
}
