// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for a virtual machine whose memory is a memfd, for the live
 * update part of "make demo".
 *
 *   luo-vm reference MIB STEPS  run STEPS steps over a fresh memfd of MIB
 *                               MiB and print the result
 *   luo-vm start MIB STEPS N    run the first N steps, then checkpoint:
 *                               preserve the memfd into the live update
 *                               session "vm" and leave a daemon holding
 *                               it across the kexec
 *   luo-vm resume               in the next kernel: retrieve the memfd
 *                               from session "vm", run the remaining
 *                               steps, print the result and the time the
 *                               retrieve took
 *
 * The first page of the memfd holds the machine's state (which step is
 * next, an accumulator); the rest is its memory, which every step rewrites
 * word by word, so the result depends on every byte surviving the kexec.
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
#include <time.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#define VM_MAGIC	0x6c756f2d766d3031ULL	/* "luo-vm01" */
#define VM_TOKEN	1

struct vm_state {
	uint64_t magic;
	uint64_t words;		/* of memory after this page */
	uint64_t step, steps;
	uint64_t acc;
};

static void die(const char *what)
{
	fprintf(stderr, "luo-vm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct vm_state *map(int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* One step of the machine: every word mixed with its neighbour and the step */
static void step(struct vm_state *vm)
{
	uint64_t *w = (uint64_t *)((char *)vm + 4096), prev = vm->acc, i;

	for (i = 0; i < vm->words; i++) {
		uint64_t x = w[i] ^ (prev + vm->step * 0x9e3779b97f4a7c15ULL);

		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ULL;
		w[i] = x ^ (x >> 32);
		prev = w[i];
	}
	vm->acc = prev;
	vm->step++;
}

static struct vm_state *boot(size_t mib, uint64_t steps, int *fdp)
{
	size_t size = (mib << 20) + 4096;
	int fd = memfd_create("vm", 0);
	struct vm_state *vm;

	if (fd < 0 || ftruncate(fd, size))
		die("memfd");
	vm = map(fd, size);
	vm->magic = VM_MAGIC;
	vm->words = (mib << 20) / 8;
	vm->steps = steps;
	*fdp = fd;
	return vm;
}

static int lu_session(unsigned long cmd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	int dev = open("/dev/liveupdate", O_RDWR);

	if (dev < 0)
		die("/dev/liveupdate");
	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(dev, cmd, &arg) < 0)
		die("session");
	close(dev);
	return arg.fd;
}

static int start(size_t mib, uint64_t steps, uint64_t n)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .token = VM_TOKEN,
	};
	struct vm_state *vm;
	int fd, s;

	vm = boot(mib, steps, &fd);
	while (vm->step < n)
		step(vm);
	s = lu_session(LIVEUPDATE_IOCTL_CREATE_SESSION, "vm");
	arg.fd = fd;
	if (ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) < 0)
		die("preserve");
	printf("luo-vm: checkpointed after step %llu of %llu, %zu MiB in session \"vm\"\n",
	       (unsigned long long)vm->step, (unsigned long long)vm->steps, mib);
	fflush(stdout);
	/* The daemon keeps the session open across the kexec */
	if (fork() == 0) {
		setsid();
		freopen("/dev/null", "w", stdout);
		for (;;)
			pause();
	}
	return 0;
}

static int resume(void)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = VM_TOKEN,
	};
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	struct vm_state *vm;
	uint64_t t0, t1;
	int s;

	s = lu_session(LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "vm");
	t0 = now_ns();
	if (ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) < 0)
		die("retrieve");
	t1 = now_ns();
	if (ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin) < 0)
		die("finish");
	vm = map(arg.fd, 4096);
	if (vm->magic != VM_MAGIC)
		die("not a luo-vm memfd");
	vm = map(arg.fd, vm->words * 8 + 4096);
	printf("luo-vm: resumed at step %llu of %llu; retrieve took %llu us\n",
	       (unsigned long long)vm->step, (unsigned long long)vm->steps,
	       (unsigned long long)(t1 - t0) / 1000);
	while (vm->step < vm->steps)
		step(vm);
	printf("luo-vm: result %016llx\n", (unsigned long long)vm->acc);
	return 0;
}

int main(int argc, char **argv)
{
	struct vm_state *vm;
	int fd;

	if (argc == 4 && !strcmp(argv[1], "reference")) {
		vm = boot(strtoul(argv[2], NULL, 0), strtoull(argv[3], NULL, 0),
			  &fd);
		while (vm->step < vm->steps)
			step(vm);
		printf("luo-vm: result %016llx\n", (unsigned long long)vm->acc);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "start"))
		return start(strtoul(argv[2], NULL, 0),
			     strtoull(argv[3], NULL, 0),
			     strtoull(argv[4], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "resume"))
		return resume();
	fprintf(stderr, "usage: luo-vm reference MIB STEPS | start MIB STEPS N | resume\n");
	return 2;
}
