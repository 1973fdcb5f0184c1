#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kexec HandOver (KHO) selftest in QEMU: boot a built kernel and drive a
# chain of KHO kexec hops.  The first generation's test_kho preserves
# random memory; every generation finalizes the handover, and the next, the
# same kernel loaded with kexec -s (KASLR on), restores that memory,
# verifies the order and checksum of every folio and preserves the same
# data again, so the last generation checks what the first one wrote.
# init.sh is the guest's /init.
#
# Prints one KTAP document: one result per generation, each with the
# generation's own checks as a nested subtest, and the host time of every
# hop.  Needs qemu-system-x86_64, busybox, kexec (kexec-tools) and cpio on
# the host; the kernel needs the options in ./config.

set -u

readonly KSFT_PASS=0
readonly KSFT_FAIL=1
readonly KSFT_SKIP=4

ME=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
readonly TAG="kho-selftest: "

QEMU=${QEMU:-qemu-system-x86_64}
BUSYBOX=${BUSYBOX:-/bin/busybox}
KEXEC=${KEXEC:-$(command -v kexec || echo /usr/sbin/kexec)}

usage() {
	cat <<EOF
Usage: $ME [-k KBUILD_DIR | -b BZIMAGE -t TEST_KHO_KO] [options]

Boot a kernel in QEMU and run a chain of Kexec HandOver (KHO) kexec hops:
every generation restores and verifies the memory the previous one
preserved with test_kho, preserves it again and kexecs the next.
Prints KTAP on stdout.

  -k DIR      kernel build directory (O=); uses DIR/arch/x86/boot/bzImage
              and DIR/lib/test_kho.ko
  -b FILE     the kernel bzImage (overrides -k)
  -t FILE     test_kho.ko (overrides -k)
  -n HOPS     number of KHO kexec hops; HOPS+1 generations (default 3)
  -m SIZE     memory the first generation's test_kho preserves, its max_mem=
              (default 64M)
  -N          two NUMA nodes
  -r SIZE     guest RAM (default 1G, 2G with -N)
  -T SECONDS  stop QEMU after this long (default: 60, plus 20 per hop and
              1 per 16M preserved per hop)
  -o FILE     write the serial log, stamped with host seconds, to FILE
  -l MIB      live update too: boot with liveupdate=on and carry a MIB MiB
              memfd and five more sessions through /dev/liveupdate
              (../liveupdate/luo_kexec.c, built against DIR/usr/include,
              'make headers'; or LUO_KEXEC=a static build of it)
  -h          show this help

Environment: QEMU (default qemu-system-x86_64), BUSYBOX (default
/bin/busybox), KEXEC (default: kexec in PATH).
KVM is used if it works, TCG otherwise.

Exit status: 0 all generations passed, 1 a failure or an error, 4 skipped
because a host tool is missing.
EOF
}

die() {
	echo "$ME: error: $*" >&2
	exit $KSFT_FAIL
}

skip() {
	echo "$ME: skip: $*" >&2
	echo "KTAP version 1"
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

# size_mib SIZE: SIZE (bytes, or with a K, M or G suffix) in MiB
size_mib() {
	case "$1" in
	*[Gg]) echo $((${1%?} * 1024)) ;;
	*[Mm]) echo $((${1%?})) ;;
	*[Kk]) echo $((${1%?} / 1024)) ;;
	*) echo $(($1 / 1048576)) ;;
	esac
}

kbuild=
bzimage=
test_kho=
hops=3
mem=64M
numa=0
ram=
timeout=
logfile=
luo=
# -a ARGS appends to the kernel command line of every generation, to check
# that the test fails when it should (e.g. -a kho=off).
extra=

while getopts ":k:b:t:n:m:Nr:T:o:a:l:h" opt; do
	case "$opt" in
	k) kbuild=$OPTARG ;;
	b) bzimage=$OPTARG ;;
	t) test_kho=$OPTARG ;;
	n) hops=$OPTARG ;;
	m) mem=$OPTARG ;;
	N) numa=1 ;;
	r) ram=$OPTARG ;;
	T) timeout=$OPTARG ;;
	o) logfile=$OPTARG ;;
	a) extra=$OPTARG ;;
	l) luo=$OPTARG ;;
	h) usage; exit $KSFT_PASS ;;
	:) die "option -$OPTARG needs an argument; see $ME -h" ;;
	*) die "unknown option -$OPTARG; see $ME -h" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die "unexpected argument '$1'; see $ME -h"

if [ -n "$kbuild" ]; then
	[ -d "$kbuild" ] || die "-k $kbuild: not a directory"
	bzimage=${bzimage:-$kbuild/arch/x86/boot/bzImage}
	test_kho=${test_kho:-$kbuild/lib/test_kho.ko}
fi
if [ -z "$bzimage" ] || [ -z "$test_kho" ]; then
	die "no kernel: give -k KBUILD_DIR, or -b BZIMAGE and -t TEST_KHO_KO"
fi
[ -f "$bzimage" ] || die "no bzImage at $bzimage (is the kernel built?)"
[ -f "$test_kho" ] ||
	die "no test_kho.ko at $test_kho (build with CONFIG_TEST_KEXEC_HANDOVER=m)"
[[ "$hops" =~ ^[1-9][0-9]*$ ]] || die "-n $hops: need a number of hops >= 1"
[[ "$mem" =~ ^[0-9]+[KkMmGg]?$ ]] || die "-m $mem: need a size such as 64M"
if [ -z "$ram" ]; then
	ram=1G
	[ $numa -eq 1 ] && ram=2G
fi
[[ "$ram" =~ ^[1-9][0-9]*[MmGg]$ ]] || die "-r $ram: need a size such as 1G"
ram_mib=$(size_mib "$ram")
[ "$ram_mib" -ge 256 ] || die "-r $ram: the guest needs at least 256M"
mem_mib=$(size_mib "$mem")
[ -z "$luo" ] || [[ "$luo" =~ ^[1-9][0-9]*$ ]] || die "-l $luo: need MiB"
[ -n "$timeout" ] || timeout=$((60 + hops * (20 + (mem_mib + ${luo:-0}) / 16)))
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "-T $timeout: need seconds"

[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 or later"
command -v "$QEMU" >/dev/null || skip "$QEMU not found (install QEMU)"
[ -x "$BUSYBOX" ] || skip "no busybox at $BUSYBOX (install busybox-static)"
[ -x "$KEXEC" ] || skip "no kexec at $KEXEC (install kexec-tools)"
command -v cpio >/dev/null || skip "cpio not found (install cpio)"
command -v timeout >/dev/null || skip "timeout not found (install coreutils)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kho-vmtest.XXXXXX") ||
	die "cannot create a temporary directory"
qemu_pid=

# shellcheck disable=SC2317  # called by the trap
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit $KSFT_FAIL' INT TERM HUP

# copy_with_libs ROOT FILE DEST: FILE to ROOT/DEST, and the shared
# libraries it needs at their own paths
copy_with_libs() {
	local lib

	install -D -m 0755 "$2" "$1/$3" || return 1
	for lib in $(ldd "$2" 2>/dev/null | grep -o '/[^ ]*'); do
		install -D -m 0755 "$lib" "$1$lib" || return 1
	done
}

build_initramfs() {
	local root=$tmp/root

	mkdir -p "$root"/{bin,sbin,boot,dev,proc,sys,tmp,lib/modules} &&
	copy_with_libs "$root" "$BUSYBOX" bin/busybox &&
	copy_with_libs "$root" "$KEXEC" sbin/kexec &&
	install -m 0644 "$bzimage" "$root/boot/bzImage" &&
	install -m 0644 "$test_kho" "$root/lib/modules/test_kho.ko" &&
	install -m 0755 "$HERE/init.sh" "$root/init" || return 1
	if [ -n "$luo" ]; then
		install -m 0755 "$luo_kexec" "$root/bin/luo_kexec" || return 1
	fi
	# Needs root; init.sh copes without it.
	mknod -m 0600 "$root/dev/console" c 5 1 2>/dev/null
	(cd "$root" && find . | sed -n 's,^\./,,p' |
		cpio -o -H newc -R 0:0 --quiet) >"$tmp/initrd.cpio"
}

# KVM if it can run this kernel (/dev/kvm may exist and still fail), else TCG
pick_accel() {
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
	   timeout 20 "$QEMU" -accel kvm -machine pc -cpu host -m 256M \
		-display none -monitor none -serial stdio -no-reboot \
		-kernel "$bzimage" -append "console=ttyS0 panic=-1" \
		</dev/null 2>/dev/null | grep -q -m1 'Linux version'; then
		accel=kvm
		cpu=host
	else
		accel=tcg,thread=multi
		cpu=${KHO_QEMU_CPU:-max}
	fi
}

# stamp: microseconds since the epoch, in $now
stamp() {
	now=${EPOCHREALTIME//[^0-9]/}
}

# fmt_secs US: microseconds as seconds with three decimals, in $secs
fmt_secs() {
	printf -v secs '%d.%03d' $(($1 / 1000000)) $(($1 % 1000000 / 1000))
}

# ---- judging the serial log ----------------------------------------------

n_ok=0
n_fail=0
cur=-1		# generation running or last started; -1: none yet
running=0	# between its "begin" and "end" lines
checks=		# its nested KTAP results so far, one per line
n_checks=0
failed=		# names of its failed checks
ended=0
end_total=0
end_fail=0
problem=	# what went wrong in it (panic, oops, dropped handover, ...)
pending=	# what went wrong after its end: charged to the next one
complete=0
guest_error=
t_start=0
t_banner=0
t_kexec=0

# top_result <0|1> GEN [REASON]: one top-level KTAP result
top_result() {
	local n=$(($2 + 1))

	if [ "$1" -eq 0 ]; then
		n_ok=$((n_ok + 1))
		echo "ok $n gen$2${3:+ # $3}"
	else
		n_fail=$((n_fail + 1))
		echo "not ok $n gen$2${3:+ # $3}"
		echo "$ME: gen$2: ${3:-failed}" >&2
	fi
}

# finish_gen: the result of generation $cur, its checks nested
finish_gen() {
	local reason=

	if [ -n "$problem" ]; then
		reason=$problem
	elif [ $ended -eq 0 ]; then
		reason="stopped after $n_checks checks${guest_error:+: $guest_error}"
	elif [ "$end_fail" -ne 0 ]; then
		reason="failed:${failed}"
	elif [ $end_total -ne $n_checks ]; then
		reason="guest ran $end_total checks, $n_checks reached the host"
	elif [ $n_checks -eq 0 ]; then
		reason="no checks ran"
	fi
	echo "  KTAP version 1"
	echo "  1..$n_checks"
	[ -n "$checks" ] && printf '%s' "$checks"
	top_result "$([ -z "$reason" ]; echo $?)" "$cur" "$reason"
}

on_begin() {	# on_begin GEN
	local hop

	[ "$cur" -ge 0 ] && finish_gen
	if [ "$1" -ne $((cur + 1)) ]; then
		pending="${pending:-generation $1 booted after generation $cur}"
	fi
	cur=$1
	running=1
	checks=
	n_checks=0
	failed=
	ended=0
	problem=$pending
	pending=
	guest_error=
	if [ "$cur" -eq 0 ]; then
		fmt_secs $((now - t_start))
		echo "# gen0: /init ${secs}s after QEMU started"
	else
		fmt_secs $((now - t_banner))
		hop=$secs
		fmt_secs $((now - t_kexec))
		echo "# gen$cur: hop ${hop}s since gen$((cur - 1)) began," \
			"${secs}s from kexec -e to /init"
	fi
	t_banner=$now
}

on_guest() {	# on_guest MESSAGE: a line init.sh sent
	local name
	local re_begin='^gen=([0-9]+) hops=[0-9]+ begin'
	local re_end='^gen=[0-9]+ end pass=([0-9]+) fail=([0-9]+)'

	if [[ "$1" =~ $re_begin ]]; then
		on_begin "${BASH_REMATCH[1]}"
		return
	fi
	[ "$cur" -ge 0 ] || return
	if [[ "$1" =~ $re_end ]]; then
		ended=1
		running=0
		end_fail=${BASH_REMATCH[2]}
		end_total=$((BASH_REMATCH[1] + end_fail))
		return
	fi
	case "$1" in
	"ok "*|"not ok "*)
		n_checks=$((n_checks + 1))
		# number the check, keep its name and diagnostic
		if [ "${1#not ok }" != "$1" ]; then
			name=${1#not ok }
			checks+="  not ok $n_checks $name"$'\n'
			failed+=" ${name%% # *}"
		else
			checks+="  ok $n_checks ${1#ok }"$'\n'
		fi ;;
	"# "*) checks+="  $1"$'\n' ;;
	"gen="*" kexec") t_kexec=$now ;;
	"complete "*) complete=1 ;;
	"error: "*) guest_error=${1#error: } ;;
	esac
}

# on_kernel LINE: a line from the kernel; note the first sign of trouble
on_kernel() {
	case "$1" in
	*"Kernel panic - not syncing"*|*"Oops: "*|*"BUG: "*|*"kernel BUG at"*|\
	*"WARNING: "*|*"general protection fault"*|*"UBSAN: "*|\
	*"KASAN: "*|*"KFENCE: "*|*"Bad page "*|*"new suspected memory leak"*|\
	*"blocked for more than"*|*"KHO: ignoring the handover"*|\
	*"preserved memory is lost"*|*"KHO: scratch: only "*)
		;;
	*)
		return ;;
	esac
	if [ $running -eq 1 ]; then
		problem=${problem:-${1#\[*\] }}
	else
		pending=${pending:-${1#\[*\] }}
	fi
}

# ---- main ------------------------------------------------------------------

if [ -n "$luo" ]; then
	luo_kexec=${LUO_KEXEC:-}
	if [ -z "$luo_kexec" ]; then
		hdr=${kbuild:+$kbuild/usr/include}
		[ -f "${hdr:-/nonexistent}/linux/liveupdate.h" ] ||
			die "-l: no uAPI headers in ${hdr:-the kernel build}" \
				"(run make headers there, or set LUO_KEXEC)"
		luo_kexec=$tmp/luo_kexec
		gcc -static -O2 -I"$hdr" -o "$luo_kexec" \
			"$HERE/../liveupdate/luo_kexec.c" ||
			die "-l: cannot build ../liveupdate/luo_kexec.c"
	fi
fi
build_initramfs || die "cannot build the initramfs in $tmp"
pick_accel

append="console=ttyS0 kho=on panic=-1 kunit.enable=0"
append+=" kho_selftest.gen=0 kho_selftest.hops=$hops kho_selftest.mem=$mem"
[ $numa -eq 1 ] && append+=" kho_selftest.nodes=2"
[ -n "$luo" ] && append+=" liveupdate=on kho_selftest.luo=$luo"
append+="${extra:+ $extra}"
# With two nodes, one socket per node: a socket that spans two nodes makes
# a distribution kernel warn in topology_sane()
smp=2
[ $numa -eq 1 ] && smp=2,sockets=2
qemu_args=(-machine pc -accel "$accel" -cpu "$cpu" -smp "$smp" -m "${ram_mib}M"
	   -display none -monitor none -serial stdio -no-reboot
	   -kernel "$bzimage" -initrd "$tmp/initrd.cpio" -append "$append")
if [ $numa -eq 1 ]; then
	for node in 0 1; do
		qemu_args+=(-object "memory-backend-ram,id=mem$node,size=$((ram_mib / 2))M"
			    -numa "node,nodeid=$node,cpus=$node,memdev=mem$node")
	done
fi

keep_log=$logfile
if [ -n "$logfile" ]; then
	mkdir -p "$(dirname "$logfile")" || die "cannot create the log's directory"
	: >"$logfile" || die "cannot write the log $logfile"
else
	logfile=$tmp/serial.log
fi
exec 4>"$logfile"
printf '#' >&4
printf ' %q' "$QEMU" "${qemu_args[@]}" >&4
echo >&4

echo "KTAP version 1"
nodes=
[ $numa -eq 1 ] && nodes=", 2 NUMA nodes"
echo "# Kexec HandOver chain: $hops hop(s), $mem per hop, $ram RAM$nodes," \
	"${accel%%,*}, timeout ${timeout}s"
echo "# kernel: $bzimage"
echo "1..$((hops + 1))"

mkfifo "$tmp/serial" || die "cannot create a FIFO in $tmp"
stamp
t_start=$now
timeout -k 10 "$timeout" "$QEMU" "${qemu_args[@]}" </dev/null \
	>"$tmp/serial" 2>"$tmp/qemu.err" &
qemu_pid=$!
while IFS= read -r line; do
	stamp
	line=${line%$'\r'}
	fmt_secs $((now - t_start))
	printf '[%9s] %s\n' "$secs" "$line" >&4
	case "$line" in
	*"$TAG"*) on_guest "${line#*"$TAG"}" ;;
	*) on_kernel "$line" ;;
	esac
done <"$tmp/serial"
wait "$qemu_pid"
qemu_rc=$?
qemu_pid=
stamp
fmt_secs $((now - t_start))
wall=$secs

# Why the first generation that never began did not: the first sign of
# trouble, else how QEMU ended.
if [ $qemu_rc -eq 124 ] || [ $qemu_rc -eq 137 ]; then
	ended_how="timed out after ${timeout}s"
elif [ $qemu_rc -ne 0 ]; then
	ended_how="QEMU failed (exit $qemu_rc): $(head -1 "$tmp/qemu.err")"
else
	ended_how="QEMU exited"
fi
if [ "$cur" -ge 0 ]; then
	if [ $running -eq 1 ] && [ -z "$problem" ]; then
		problem="$ended_how during the checks"
	elif [ "$cur" -eq "$hops" ]; then
		# after the last generation's checks: shutdown must be clean
		[ -z "$problem" ] && problem=$pending
		[ -z "$problem" ] && [ $complete -eq 0 ] && [ $ended -eq 1 ] &&
			[ "$end_fail" -eq 0 ] && problem="no completion line"
		[ -z "$problem" ] && [ $qemu_rc -ne 0 ] &&
			problem="did not power off: $ended_how"
	fi
	finish_gen
fi
for ((g = cur + 1; g <= hops; g++)); do
	if [ "$g" -eq $((cur + 1)) ]; then
		if [ -n "$pending" ]; then
			reason="never began: $pending"
		elif [ "$cur" -ge 0 ] && [ -n "$guest_error" ]; then
			reason="never began: $guest_error"
		else
			reason="never began: $ended_how"
		fi
	else
		reason="not reached"
	fi
	top_result 1 "$g" "$reason"
done

echo "# QEMU ran ${wall}s"
echo "# Totals: pass:$n_ok fail:$n_fail xfail:0 xpass:0 skip:0 error:0"

if [ $n_fail -ne 0 ]; then
	[ -s "$tmp/qemu.err" ] && sed "s/^/$ME: qemu: /" "$tmp/qemu.err" >&2
	echo "$ME: last lines of the serial log${keep_log:+ ($logfile)}:" >&2
	tail -n 25 "$logfile" >&2
	echo "$ME: FAIL: $n_fail of $((hops + 1)) generations failed" >&2
	exit $KSFT_FAIL
fi
exit $KSFT_PASS
