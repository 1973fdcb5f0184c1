/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inner VM's computation, shared by the firmware (vmfw.c) and the
 * host's reference program (vmfw-ref.c), so that a result printed by the
 * VM can be compared with that of an uninterrupted run.
 *
 * The work area is MIB MiB of 32-bit words.  vm_fill() writes every word
 * from its index; each of STEPS steps reads every word, mixes it with the
 * one written before it and the step number, and writes it back, so every
 * word depends on every earlier word and step.  Two checksums are kept
 * per pass: of the words read and of the words written; a pass's read
 * checksum must equal the previous pass's written one (the memory check).
 */
#ifndef VM_COMPUTE_H
#define VM_COMPUTE_H

#include <stdint.h>

#define VM_SEED		0x5eed1234u

static inline __attribute__((always_inline)) uint32_t vm_mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static inline __attribute__((always_inline)) uint32_t vm_sum(uint32_t c,
							     uint32_t w)
{
	return ((c << 1) | (c >> 31)) + w;
}

static inline __attribute__((always_inline)) uint32_t
vm_step_word(uint32_t old, uint32_t prev, uint32_t step)
{
	return vm_mix(old ^ (prev + step * 0x9e3779b9u));
}

static inline __attribute__((always_inline)) uint32_t
vm_fill_word(uint32_t i)
{
	return vm_mix(i ^ VM_SEED);
}

#endif
