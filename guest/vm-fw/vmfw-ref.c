// SPDX-License-Identifier: GPL-2.0
/*
 * vmfw-ref MIB STEPS: print what the inner VM (vmfw.c) prints as its
 * result and final memory checksum when it runs STEPS steps over MIB MiB
 * without interruption, computed on the host from the same code.
 */
#include <stdio.h>
#include <stdlib.h>
#include "vm-compute.h"

int main(int argc, char **argv)
{
	uint32_t *w, n, i, s, steps, prev = 0, sum = 0;
	unsigned long mib;

	if (argc != 3 || !(mib = strtoul(argv[1], NULL, 0)) || mib > 3072) {
		fprintf(stderr, "usage: vmfw-ref MIB STEPS\n");
		return 2;
	}
	steps = strtoul(argv[2], NULL, 0);
	n = mib << 18;
	w = malloc((size_t)n * 4);
	if (!w)
		return 1;
	for (i = 0; i < n; i++) {
		w[i] = vm_fill_word(i);
		sum = vm_sum(sum, w[i]);
	}
	for (s = 1; s <= steps; s++) {
		sum = 0;
		for (i = 0; i < n; i++) {
			w[i] = vm_step_word(w[i], prev, s);
			prev = w[i];
			sum = vm_sum(sum, w[i]);
		}
	}
	printf("result %08x checksum %08x\n", prev, sum);
	return 0;
}
