// SPDX-License-Identifier: GPL-2.0
/*
 * tsc - print the time stamp counter, for timing across kexec.
 *
 * The TSC is not reset by kexec, so a value printed just before "kexec -e"
 * and one printed by the next kernel's init give the guest time of the hop.
 *
 *   tsc        print the counter
 *   tsc khz    calibrate against CLOCK_MONOTONIC over 200 ms, print kHz
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long t0, n0, t1, n1;
	struct timespec d = { 0, 200 * 1000 * 1000 };

	if (argc > 1 && !strcmp(argv[1], "khz")) {
		t0 = __rdtsc();
		n0 = mono_ns();
		nanosleep(&d, NULL);
		t1 = __rdtsc();
		n1 = mono_ns();
		printf("%llu\n", (t1 - t0) * 1000000ULL / (n1 - n0));
		return 0;
	}
	printf("%llu\n", __rdtsc());
	return 0;
}
