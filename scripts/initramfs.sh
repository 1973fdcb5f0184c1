#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs: busybox-static, Debian's kexec with the shared
# libraries it needs, the tsc helper, the live update selftests, the guest
# scripts, the kernel itself (so each generation can kexec the next) and
# the test modules.
#
# usage: initramfs.sh [OUTPUT]   (default build/initramfs.cpio)
# KHO_INITRD_EXTRA=FILE: more gen_init_cpio lines (other kernels and their
# modules, for scripts/check-upgrade.sh)
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=${1:-$KHO_BUILD/initramfs.cpio}
gen=$KHO_OBJ/usr/gen_init_cpio
bz=$KHO_OBJ/arch/x86/boot/bzImage
[ -x "$gen" ] && [ -f "$bz" ] || die "no kernel in $KHO_OBJ; run 'make build'"
# Its own work directory per output: check-debug builds its initramfs
# while other tests build theirs
work=${out%.cpio}.d
mkdir -p "$work"

tsc=$work/tsc
guest_tsc "$tsc"

# The live update selftests against this tree's uAPI headers (dynamic: the
# C library is in the initramfs for kexec)
luo=$KHO_SRC/tools/testing/selftests/liveupdate
hdr=$KHO_OBJ/usr/include
kmake headers >/dev/null
luo_bin() {	# luo_bin OUT SOURCE [CFLAGS...]
	local out=$1 src=$2
	shift 2
	if [ ! -x "$work/$out" ] || [ "$src" -nt "$work/$out" ] ||
	   [ "$luo/luo_util.h" -nt "$work/$out" ] ||
	   [ "$hdr/linux/liveupdate.h" -nt "$work/$out" ]; then
		gcc -O2 -Wall -I"$hdr" -I"$KHO_SRC/tools/testing/selftests" \
			"$@" -o "$work/$out" "$src" || die "cannot build $src"
	fi
}
luo_bin luo_selftest "$luo/liveupdate.c"
luo_bin luo_kexec "$luo/luo_kexec.c"
luo_bin luo_memfd_edge "$luo/luo_memfd_edge.c"
luo_bin luo_fuzz "$luo/luo_fuzz.c" -pthread
luo_bin luo-vm "$KHO_TOP/guest/luo-vm.c"

# The command blocks of the operator's guide (Documentation/admin-guide/
# mm/kho.rst), one file of commands each, for guest/scenario/kho-guide
mkdir -p "$work/guide"
rm -f "$work"/guide/*
for b in $(python3 "$KHO_TOP/scripts/docs-check.py" blocks); do
	python3 "$KHO_TOP/scripts/docs-check.py" commands "$b" >"$work/guide/$b"
done

list=$work/list
{
	initrd_base "$bz" "$tsc"
	echo "file /bin/luo_selftest $work/luo_selftest 0755 0 0"
	echo "file /bin/luo_kexec $work/luo_kexec 0755 0 0"
	echo "file /bin/luo_memfd_edge $work/luo_memfd_edge 0755 0 0"
	echo "file /bin/luo_fuzz $work/luo_fuzz 0755 0 0"
	echo "file /bin/luo-vm $work/luo-vm 0755 0 0"
	echo "file /lib/kho/scenario/luo-memfd $luo/kexec-scenario.sh 0755 0 0"
	for g in "$work"/guide/*; do
		echo "file /lib/kho/guide/${g##*/} $g 0644 0 0"
	done
	for s in "$KHO_TOP"/guest/scenario/*; do
		[ -f "$s" ] || continue
		echo "file /lib/kho/scenario/${s##*/} $s 0755 0 0"
	done
	# Modules built in the tree and, under ext/, the external ones of
	# tools/testing/selftests/kho.
	{ find "$KHO_OBJ" -name '*.ko' 2>/dev/null || true; } | sort | while read -r ko; do
		echo "file /lib/modules/${ko##*/} $ko 0644 0 0"
	done
	[ -z "${KHO_INITRD_EXTRA:-}" ] || cat "$KHO_INITRD_EXTRA"
} | awk '!seen[$0]++' >"$list"

"$gen" "$list" >"$out.tmp"
mv "$out.tmp" "$out"
