#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest initramfs of the qemu-vm scenario (a real VM across a live
# update): the usual guest (scripts/initramfs.sh) plus Debian's unmodified
# QEMU from this host's qemu-system-x86 package (the binary, its TCG module
# and their shared libraries, found with ldd), the inner VM's firmware
# (guest/vm-fw) and lu-memfd-holder (tools/liveupdate) with its tests.  A
# separate image, so that the other tests' initramfs does not grow by the
# ~50 MB of QEMU.
#
# usage: initramfs-qemu.sh [OUTPUT]   (default build/initramfs-qemu.cpio)
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=${1:-$KHO_BUILD/initramfs-qemu.cpio}
work=${out%.cpio}.extra
mkdir -p "$work"
qemu=/usr/bin/qemu-system-x86_64
tcg=/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so
if [ ! -x "$qemu" ] || [ ! -f "$tcg" ]; then
	info "installing qemu-system-x86 (QEMU for the inner VM)"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get install -y -q qemu-system-x86 >/dev/null
fi
[ -x "$qemu" ] && [ -f "$tcg" ] || die "no $qemu or $tcg after installing qemu-system-x86"

make -s -C "$KHO_TOP/guest/vm-fw" O="$work" all
kmake headers >/dev/null
gcc -O2 -Wall -I"$KHO_OBJ/usr/include" -o "$work/lu-memfd-holder" \
	"$KHO_TOP/tools/liveupdate/lu-memfd-holder.c"

# file_with_libs FILE...: FILE at its own path, and every shared library
# ldd names for it, each with the directories above it
file_with_libs() {
	local f
	for f in "$@"; do
		initrd_dirs "$f"
		echo "file $f $(readlink -f "$f") 0755 0 0"
		initrd_libs "$f"
	done
}

{
	file_with_libs "$qemu" "$tcg"
	echo "dir /usr/share 0755 0 0"
	echo "dir /usr/share/kho-vm 0755 0 0"
	echo "file /usr/share/kho-vm/vmfw.bin $work/vmfw.bin 0644 0 0"
	# QEMU asks for it on a PC machine (used with KVM only)
	echo "dir /usr/share/qemu 0755 0 0"
	echo "file /usr/share/qemu/kvmvapic.bin /usr/share/qemu/kvmvapic.bin 0644 0 0"
	echo "file /bin/lu-memfd-holder $work/lu-memfd-holder 0755 0 0"
	echo "file /bin/test-lu-memfd-holder $KHO_TOP/tools/liveupdate/test-lu-memfd-holder.sh 0755 0 0"
} >"$work/list"
KHO_INITRD_EXTRA=$work/list "$KHO_TOP/scripts/initramfs.sh" "$out"
