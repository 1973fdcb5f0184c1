/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reset vector and switch to 32-bit protected mode for the inner VM's
 * firmware (see vmfw.c).  The image is QEMU's -bios: 64 KiB of ROM at
 * 0xffff0000; the CPU starts in real mode at 0xfffffff0 with CS base
 * 0xffff0000, so a 16-bit offset into the image is its IP.
 */
	.section .text16, "ax"
	.code16
	.globl start16
start16:
	cli
	/* A20 on (port 0x92, "fast A20") */
	inb	$0x92, %al
	orb	$2, %al
	andb	$0xfe, %al
	outb	%al, $0x92
	/* .text16 starts the image: an offset from start16 is an IP */
	lgdtl	%cs:(gdt_desc - start16)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $start32

	.code32
start32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	$__stack_top, %esp
	/* Zero .bss (RAM) */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	cld
	rep stosb
	call	vm_main
1:	hlt
	jmp	1b

	.balign 8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, flat 4 GiB */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat 4 GiB */
gdt_desc:
	.word	gdt_desc - gdt - 1
	.long	gdt

	.section .reset, "ax"
	.code16
	jmp	start16
	.balign 16, 0xf4

	.section .note.GNU-stack, "", @progbits
