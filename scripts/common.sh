# SPDX-License-Identifier: GPL-2.0
# Shared settings for the KHO harness scripts; sourced, never run.
# Every path is absolute so scripts can be called from anywhere.

KHO_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KHO_BUILD=${KHO_BUILD:-$KHO_TOP/build}
KHO_SRC=${KHO_SRC:-$KHO_BUILD/src}
KHO_OBJ=${KHO_OBJ:-$KHO_BUILD/obj}
KHO_RESULTS=$KHO_BUILD/results
# Serial logs and the guest initramfs of the build under test; the debug
# and distribution builds (check-debug.sh, check-distro.sh) set their own.
export KHO_LOGS=${KHO_LOGS:-$KHO_BUILD/logs}
export KHO_INITRD=${KHO_INITRD:-$KHO_BUILD/initramfs.cpio}

# Caches shared by every clone on this machine: ccache, the base sources
KHO_CACHE=${KHO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}}

# The base: Debian's linux-source-6.12 at one exact version, so every clone
# patches the same tree.  It is fetched by version into the cache (never
# installed), so that several bases can live side by side.  KHO_BASE_VER=
# selects another base (the previous one below must still work); "make
# rebase KHO_BASE_VER=..." moves the default (scripts/rebase.sh).
KHO_BASE_PKG=linux-source-6.12
KHO_BASE_DEFAULT=6.12.118-1~deb12u1
KHO_BASE_PREV=6.12.117-1~deb12u1
KHO_BASE_VER=${KHO_BASE_VER:-$KHO_BASE_DEFAULT}
# base_tarball VERSION: where the cached kernel tarball of VERSION lives
base_tarball() { echo "$KHO_CACHE/kho-base/$KHO_BASE_PKG-$1.tar.xz"; }
KHO_BASE_TARBALL=$(base_tarball "$KHO_BASE_VER")
# Debian's own configs (make check-distro) are an input, not the base:
# whichever version the archive has is taken, and a run records which
KHO_DISTRO_CONFIG_PKG=linux-config-6.12
# Debian's cloud config in that package, and what KHO adds to it: the
# build of check-distro and check-systemd (build/obj-distro)
KHO_DISTRO_CONFIG=/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz
KHO_DISTRO_FRAGMENT=$KHO_TOP/configs/kho-distro.config

# ccache lives outside the clone so a fresh clone rebuilds from cache.
export CCACHE_DIR=${CCACHE_DIR:-$KHO_CACHE/kho-ccache}
export CCACHE_BASEDIR=$KHO_TOP
export CCACHE_NOHASHDIR=true
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-time_macros,include_file_mtime,include_file_ctime}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
# Fixed build identity: identical sources give identical objects.
export KBUILD_BUILD_USER=kho KBUILD_BUILD_HOST=kho-build
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'

KHO_JOBS=${KHO_JOBS:-$(nproc)}

# Top-level kernel directories an overlay file may live in.  Our own
# tooling owns scripts/, so the overlay never touches the kernel's scripts/.
KHO_OVERLAY_DIRS="arch block certs crypto Documentation drivers fs include init io_uring ipc kernel lib mm net samples security sound tools usr virt"

die() { echo "kho: error: $*" >&2; exit 1; }
info() { echo "kho: $*" >&2; }

# guest_tsc OUT: build the guest's TSC helper (guest/tsc.c) as OUT (linked
# against the C library that initrd_base puts in every guest for kexec),
# unless it is up to date
guest_tsc() {
	[ -x "$1" ] && [ ! "$KHO_TOP/guest/tsc.c" -nt "$1" ] ||
		gcc -O2 -Wall -o "$1" "$KHO_TOP/guest/tsc.c"
}

# initrd_base BZIMAGE TSC: the gen_init_cpio lines every guest initramfs
# starts with: its directories, the console, guest/init and ktap.sh,
# busybox, the TSC helper, the kernel to kexec, and kexec with its shared
# libraries at the paths the loader expects (directories repeat: callers
# drop repeated lines)
initrd_base() {
	local d
	for d in /bin /sbin /dev /proc /sys /tmp /boot /lib /lib/kho \
		/lib/kho/scenario /lib/kho/guide /lib/modules /lib64 /usr; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $KHO_TOP/guest/init 0755 0 0"
	echo "file /lib/kho/ktap.sh $KHO_TOP/guest/ktap.sh 0644 0 0"
	echo "file /bin/busybox /bin/busybox 0755 0 0"
	echo "file /bin/tsc $2 0755 0 0"
	echo "file /boot/bzImage $1 0644 0 0"
	echo "file /sbin/kexec /usr/sbin/kexec 0755 0 0"
	initrd_libs /usr/sbin/kexec
}

# initrd_dirs PATH: the gen_init_cpio lines of the directories above PATH
initrd_dirs() {
	local p= c
	for c in $(dirname "$1" | tr / ' '); do
		p=$p/$c
		echo "dir $p 0755 0 0"
	done
}

# initrd_libs FILE: every shared library ldd names for FILE, at its path,
# with the directories above it
initrd_libs() {
	local lib
	for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
		initrd_dirs "$lib"
		echo "file $lib $(readlink -f "$lib") 0755 0 0"
	done
}

kmake() {
	make -s -C "$KHO_SRC" O="$KHO_OBJ" -j"$KHO_JOBS" \
		CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

# KTAP for host test scripts: KTAP_N counts results, KTAP_FAILED is 1 once
# any failed.
KTAP_N=0
KTAP_FAILED=0

ktap_result() {	# ktap_result <0|1> NAME [DIAGNOSTIC]
	KTAP_N=$((KTAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $KTAP_N $2${3:+ # $3}"
	else
		echo "not ok $KTAP_N $2${3:+ # $3}"
		KTAP_FAILED=1
	fi
}

# ktap_relay PREFIX DOCUMENT: count the results (and pass on the timing
# lines) of a qemu-run.py document as ours, their names prefixed by PREFIX
ktap_relay() {
	local line
	while read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			KTAP_N=$((KTAP_N + 1))
			echo "$line" | sed -E "s/^(not ok|ok) [0-9]+ /\1 $KTAP_N $1/"
			case "$line" in "not ok"*) KTAP_FAILED=1 ;; esac ;;
		"# kho-timing"*|"# log:"*) echo "$line" ;;
		esac
	done <<<"$2"
}

# ktap_build LOG [VAR=VALUE...]: build.sh with the caller's KHO_OBJ and the
# given settings, as one result named "build" (or $KHO_BUILD_NAME); its
# output goes to LOG.  On
# failure shows the end of LOG and returns non-zero.
ktap_build() {
	local log=$1 t0=$SECONDS rc pid early=
	shift
	# KHO_PREBUILD=1 (check.sh): build now at the lowest priority, using
	# the CPU that the QEMU tests leave idle, and print nothing; the same
	# script run later waits for it and then builds again, incrementally
	if [ "${KHO_PREBUILD:-}" = 1 ]; then
		echo $BASHPID >"$log.early"
		KHO_NO_APPLY=1 nice -n "${KHO_PREBUILD_NICE:-19}" env "$@" "$KHO_TOP/scripts/build.sh" \
			>"$log.early-log" 2>&1
		echo "$((SECONDS - t0))" >"$log.early-done"
		return 0
	fi
	if [ -f "$log.early" ]; then
		pid=$(cat "$log.early")
		while [ ! -f "$log.early-done" ] && kill -0 "$pid" 2>/dev/null; do
			sleep 5
		done
		[ -f "$log.early-done" ] &&
			early=" (after $(cat "$log.early-done") s of it beside the tests)"
		rm -f "$log.early" "$log.early-done"
	fi
	# The log keeps the early build's output: its compiler warnings count
	if [ -f "$log.early-log" ]; then
		mv "$log.early-log" "$log"
	else
		: >"$log"
	fi
	env "$@" "$KHO_TOP/scripts/build.sh" >>"$log" 2>&1
	rc=$?
	ktap_result $rc "${KHO_BUILD_NAME:-build}" "${KHO_OBJ#"$KHO_TOP"/} in $((SECONDS - t0)) s$early; log: ${log#"$KHO_TOP"/}"
	[ $rc -eq 0 ] || tail -20 "$log" >&2
	return $rc
}

# ktap_build_distro LOG: ktap_build of build/obj-distro, Debian's config
# with KHO's fragment, bzImage and test_kho only (the caller sets KHO_OBJ)
ktap_build_distro() {
	ktap_build "$1" KHO_CONFIG_BASE="$KHO_DISTRO_CONFIG" \
		KHO_FRAGMENTS="$KHO_DISTRO_FRAGMENT" KHO_TARGETS="bzImage lib/test_kho.ko"
}
