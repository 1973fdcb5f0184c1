// SPDX-License-Identifier: GPL-2.0
/*
 * tsc - print the time stamp counter, for timing across kexec.
 *
 * The TSC is not reset by kexec, so a value printed just before "kexec -e"
 * and one printed by the next kernel's init give the guest time of the hop.
 *
 *   tsc        print the counter
 *   tsc khz    calibrate against CLOCK_MONOTONIC over 200 ms, print kHz
 *   tsc realtime        print CLOCK_REALTIME in ns and the counter
 *   tsc settime NS TSC KHZ
 *              set CLOCK_REALTIME to NS plus the time since the counter
 *              read TSC (at KHZ): a wall clock continuous across kexec,
 *              which a new kernel otherwise reads from the RTC to the second
 */
#include <stdio.h>
#include <stdlib.h>
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
	if (argc > 1 && !strcmp(argv[1], "realtime")) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		t0 = __rdtsc();
		printf("%llu %llu\n", ts.tv_sec * 1000000000ULL + ts.tv_nsec, t0);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "settime")) {
		unsigned long long ns = strtoull(argv[2], NULL, 10);
		unsigned long long tsc = strtoull(argv[3], NULL, 10);
		unsigned long long khz = strtoull(argv[4], NULL, 10);
		struct timespec ts;

		if (!khz)
			return 2;
		t1 = __rdtsc();
		ns += (unsigned long long)((t1 - tsc) * 1000000.0 / khz);
		ts.tv_sec = ns / 1000000000ULL;
		ts.tv_nsec = ns % 1000000000ULL;
		if (clock_settime(CLOCK_REALTIME, &ts)) {
			perror("clock_settime");
			return 1;
		}
		return 0;
	}
	printf("%llu\n", __rdtsc());
	return 0;
}
