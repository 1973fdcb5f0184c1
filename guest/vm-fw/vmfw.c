// SPDX-License-Identifier: GPL-2.0
/*
 * vmfw - the inner VM of the qemu-vm scenario: a bare-metal program that
 * is QEMU's firmware (-bios), so that it needs no SeaBIOS, no option ROM
 * and no guest kernel, and so that its code lives in ROM, not in the RAM
 * that a live update must carry: a VM restored onto the wrong memory
 * keeps running its code and reports the loss itself.
 *
 * In 32-bit protected mode without paging or interrupts (start.S), it
 *   - reads its parameters from fw_cfg: opt/vm/mib, the work area in MiB
 *     (at 32 MiB, default 256), and opt/vm/steps (default 8);
 *   - calibrates its CPU clock (the TSC, which stops while QEMU is stopped)
 *     against the RTC (which follows the host's wall clock);
 *   - fills the work area and runs STEPS passes over it (vm-compute.h),
 *     printing "vm: step S of N done" after each;
 *   - checks its memory in every pass: the checksum of the words a pass
 *     reads must equal that of the words the pass before wrote, kept in the
 *     RTC's CMOS RAM, which QEMU migrates with the device state and not
 *     with guest RAM; and once more over the whole area at the end;
 *   - prints its result, "vm: memory check ok|FAILED" and "vm: done";
 *     then goes on checking its memory while idle (a loss is reported
 *     once, followed by "vm: done" again);
 *   - and checks a canary word of its RAM at every tick: memory lost under
 *     it (its stack and variables with it) is reported at once, and the VM
 *     halts;
 *   - and at every RTC second, compares the seconds passed with its CPU
 *     clock: more wall-clock time than CPU time is time it did not run
 *     ("vm: clock: stopped for N ms"), i.e. the blackout it saw.
 * Output goes to COM1.  Everything is inlined into vm_main(), which never
 * returns, so a stack lost with the memory does not derail the program.
 */
#include <stdint.h>
#include "vm-compute.h"

#define AI static inline __attribute__((always_inline))

#define WORK_BASE	0x02000000u	/* 32 MiB */
/* CMOS RAM bytes QEMU's PC machine leaves to the firmware */
#define NV_MAGIC	0x70
#define NV_STEP		0x74
#define NV_SUM		0x78
#define MAGIC		0x31564d56u	/* "VMV1" */
/* A word of RAM the VM writes first and checks at every tick */
#define CANARY		((volatile uint32_t *)0x8000)

AI void outb(uint16_t p, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
AI void outw(uint16_t p, uint16_t v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
AI uint8_t inb(uint16_t p)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}

AI uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

AI void putch(char c)
{
	while (!(inb(0x3fd) & 0x20))
		;
	outb(0x3f8, c);
}

AI void puts(const char *s)
{
	while (*s)
		putch(*s++);
}

AI void putu(uint32_t v)
{
	char b[10];
	int n = 0;

	do {
		b[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		putch(b[--n]);
}

AI void putx(uint32_t v)
{
	int i;

	for (i = 28; i >= 0; i -= 4)
		putch("0123456789abcdef"[(v >> i) & 15]);
}

AI uint64_t udiv64(uint64_t n, uint64_t d)
{
	uint64_t q = 0, r = 0;
	int i;

	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	return q;
}

AI uint8_t cmos_rd(uint8_t r)
{
	outb(0x70, r);
	return inb(0x71);
}

AI void cmos_wr(uint8_t r, uint8_t v)
{
	outb(0x70, r);
	outb(0x71, v);
}

AI uint32_t nv_rd32(uint8_t r)
{
	return cmos_rd(r) | cmos_rd(r + 1) << 8 | cmos_rd(r + 2) << 16 |
	       (uint32_t)cmos_rd(r + 3) << 24;
}

AI void nv_wr32(uint8_t r, uint32_t v)
{
	cmos_wr(r, v);
	cmos_wr(r + 1, v >> 8);
	cmos_wr(r + 2, v >> 16);
	cmos_wr(r + 3, v >> 24);
}

AI uint32_t bcd(uint8_t v, int binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 15);
}

/* The RTC's time of day in seconds */
AI uint32_t rtc_now(void)
{
	uint8_t s, m, h;
	int bin;

	do {
		while (cmos_rd(0x0a) & 0x80)
			;
		s = cmos_rd(0);
		m = cmos_rd(2);
		h = cmos_rd(4);
	} while (s != cmos_rd(0));
	bin = cmos_rd(0x0b) & 4;
	return (bcd(h & 0x7f, bin) * 60 + bcd(m, bin)) * 60 + bcd(s, bin);
}

/* fw_cfg: a file's contents as a decimal number, or def */
AI uint32_t fwcfg_num(const char *name, uint32_t def)
{
	uint32_t count, size, i, j, v = 0;
	uint16_t sel;
	char n[56];

	outw(0x510, 0x19);
	count = 0;
	for (i = 0; i < 4; i++)
		count = count << 8 | inb(0x511);
	for (i = 0; i < count; i++) {
		size = 0;
		for (j = 0; j < 4; j++)
			size = size << 8 | inb(0x511);
		sel = inb(0x511) << 8;
		sel |= inb(0x511);
		inb(0x511);
		inb(0x511);
		for (j = 0; j < 56; j++)
			n[j] = inb(0x511);
		for (j = 0; name[j] && name[j] == n[j]; j++)
			;
		if (name[j] || n[j])
			continue;
		outw(0x510, sel);
		for (j = 0; j < size; j++) {
			char c = inb(0x511);

			if (c >= '0' && c <= '9')
				v = v * 10 + c - '0';
		}
		return v;
	}
	return def;
}

struct clock {
	uint32_t last_sec, edges, stops;
	uint64_t last_tsc, hz;
	uint64_t stopped_ms;
};

/*
 * Memory lost under a running VM (restored onto other memory): its stack
 * and variables may be gone too, so say so at once, from constants only,
 * and stop.
 */
AI void canary_check(void)
{
	uint32_t v = *CANARY;

	if (v == MAGIC)
		return;
	puts("vm: memory check FAILED: the VM's memory is gone (canary at 0x8000 reads ");
	putx(v);
	puts(")\nvm: done\n");
	for (;;)
		asm volatile("cli; hlt");
}

/* At every RTC second: did the CPU clock see all of it? */
AI void tick(struct clock *c)
{
	uint32_t sec, d_rtc;
	uint64_t tsc, cpu_ms;

	canary_check();
	sec = rtc_now();

	if (c->edges && sec == c->last_sec)
		return;
	tsc = rdtsc();
	if (c->edges) {
		d_rtc = (sec + 86400 - c->last_sec) % 86400;
		if (!c->hz) {
			if (d_rtc == 1 && c->edges >= 2)
				c->hz = tsc - c->last_tsc;
		} else {
			cpu_ms = udiv64((tsc - c->last_tsc) * 1000, c->hz);
			if (d_rtc * 1000ULL > cpu_ms + 500) {
				uint32_t ms = d_rtc * 1000 - (uint32_t)cpu_ms;

				c->stops++;
				c->stopped_ms += ms;
				puts("vm: clock: stopped for ");
				putu(ms);
				puts(" ms (rtc +");
				putu(d_rtc);
				puts(" s, cpu clock +");
				putu(cpu_ms);
				puts(" ms)\n");
			}
		}
	}
	c->last_sec = sec;
	c->last_tsc = tsc;
	c->edges++;
}

void vm_main(void) __attribute__((noreturn));
void vm_main(void)
{
	volatile uint32_t *w = (volatile uint32_t *)WORK_BASE;
	uint32_t mib, steps, n, i, s, prev = 0, sum = 0, rsum, wsum, exp;
	int bad = 0;
	struct clock c;

	c.edges = 0;
	c.last_sec = 0;
	c.last_tsc = 0;
	c.hz = 0;
	c.stops = 0;
	c.stopped_ms = 0;
	*CANARY = MAGIC;
	puts("vm: firmware up\n");
	mib = fwcfg_num("opt/vm/mib", 256);
	steps = fwcfg_num("opt/vm/steps", 8);
	n = mib << 18;
	while (!c.hz)
		tick(&c);
	puts("vm: clock: cpu ");
	putu(udiv64(c.hz, 1000));
	puts(" kHz\n");

	for (i = 0; i < n; i++) {
		w[i] = vm_fill_word(i);
		sum = vm_sum(sum, w[i]);
		if (!(i & 0x3fff))
			tick(&c);
	}
	nv_wr32(NV_MAGIC, MAGIC);
	nv_wr32(NV_SUM, sum);
	nv_wr32(NV_STEP, 0);
	puts("vm: filled ");
	putu(mib);
	puts(" MiB at 32 MiB, checksum ");
	putx(sum);
	puts("\n");

	for (s = 1; s <= steps; s++) {
		rsum = wsum = 0;
		for (i = 0; i < n; i++) {
			uint32_t o = w[i];

			rsum = vm_sum(rsum, o);
			prev = vm_step_word(o, prev, s);
			w[i] = prev;
			wsum = vm_sum(wsum, prev);
			if (!(i & 0x3fff))
				tick(&c);
		}
		exp = nv_rd32(NV_SUM);
		if (rsum != exp || nv_rd32(NV_MAGIC) != MAGIC) {
			bad = 1;
			puts("vm: memory check FAILED in step ");
			putu(s);
			puts(": read checksum ");
			putx(rsum);
			puts(", written ");
			putx(exp);
			puts("\n");
		}
		nv_wr32(NV_SUM, wsum);
		nv_wr32(NV_STEP, s);
		puts("vm: step ");
		putu(s);
		puts(" of ");
		putu(steps);
		puts(" done\n");
	}
	sum = 0;
	for (i = 0; i < n; i++) {
		sum = vm_sum(sum, w[i]);
		if (!(i & 0x3fff))
			tick(&c);
	}
	if (bad || sum != nv_rd32(NV_SUM)) {
		puts("vm: memory check FAILED: checksum ");
		putx(sum);
		puts(", written ");
		putx(nv_rd32(NV_SUM));
		puts("\n");
	} else {
		puts("vm: memory check ok: checksum ");
		putx(sum);
		puts(" over ");
		putu(mib);
		puts(" MiB, every pass\n");
	}
	puts("vm: result ");
	putx(prev);
	puts(" checksum ");
	putx(sum);
	puts("\nvm: stopped ");
	putu(c.stops);
	puts(" times, ");
	putu(c.stopped_ms);
	puts(" ms in all\nvm: done\n");
	/* Idle, the memory still checked: a VM stopped now must keep it too */
	for (;;) {
		sum = 0;
		for (i = 0; i < n; i++) {
			sum = vm_sum(sum, w[i]);
			if (!(i & 0x3fff))
				tick(&c);
		}
		if (sum != nv_rd32(NV_SUM) && !bad) {
			bad = 1;
			puts("vm: memory check FAILED while idle: checksum ");
			putx(sum);
			puts(", written ");
			putx(nv_rd32(NV_SUM));
			puts("\nvm: done\n");
		}
	}
}
