#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz-luo: the live update fuzzer (tools/testing/selftests/liveupdate/
# luo_fuzz.c, scenario guest/scenario/luo-fuzz) through a chain of real
# kexecs.  Every generation checks what the one before preserved, byte for
# byte, then fuzzes /dev/liveupdate and memfds and preserves for the next.
#
#   SEED=N      the seed (default: from the clock, printed; the same seed
#               runs the same operations)
#   OPS=N       operations per thread and generation (default 1000)
#   HOPS=N      kexecs (default 8)
#   THREADS=N   threads (default 4, at most 8)
#   KERNEL=debug|test  the debug build (KASAN, kmemleak, lockdep ...:
#               build/obj-debug, the default) or the test kernel (build/obj)
#
# fuzz-luo.sh --figures LOG: the figures of a run's serial log, summed over
# its generations, as one KTAP result (failed on a mismatch or if no
# generation reported).  Prints KTAP; non-zero exit on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

# figures LOG NAME: one result from the "# luo-fuzz:" lines of LOG
figures() {
	local sum
	sum=$(awk '/# luo-fuzz: gen=[0-9]+ seed=[0-9]+ sequences=/ {
		for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) {
			if (kv[1] == "seed") seed = kv[2]
			else if (kv[1] != "gen") s[kv[1]] += kv[2]
		}
		gens++
	} END {
		if (!gens) exit 1
		printf "seed %s: %d generations, %d kexecs, %d sequences, %d operations, %d ioctls, %d forks, %d THP switches, %d files preserved, %d retrieved, %d checked after a kexec, %d MiB compared with the model, %d ENOENT checks, %d mismatches, %d s of fuzzing\n",
			seed, gens, gens - 1, s["sequences"], s["ops"], s["ioctls"],
			s["forks"], s["thp_switches"], s["preserved"], s["retrieved"],
			s["files_checked"], s["bytes_checked"] / 1048576,
			s["enoent_checked"], s["mismatches"], s["secs"]
		if (s["mismatches"]) exit 2
	}' "$1" | sed 's/\r//g')
	ktap_result $? "$2" "${sum:-no figures in ${1#"$KHO_TOP"/}}"
}

if [ "${1:-}" = --figures ]; then
	figures "$2" "${3:-figures}"
	exit $KTAP_FAILED
fi

seed=${SEED:-$(($(date +%s) % 1000000))}
ops=${OPS:-1000}
hops=${HOPS:-8}
threads=${THREADS:-4}
kernel=${KERNEL:-debug}
run=$KHO_TOP/scripts/qemu-run.py

echo "KTAP version 1"
echo "# Subtest: fuzz-luo"
echo "# fuzz-luo: SEED=$seed OPS=$ops HOPS=$hops THREADS=$threads KERNEL=$kernel (make fuzz-luo SEED=$seed OPS=$ops HOPS=$hops THREADS=$threads KERNEL=$kernel runs it again)"
case "$kernel" in
debug)
	# As scripts/check-debug.sh runs its guests
	export KHO_OBJ=$KHO_BUILD/obj-debug
	export KHO_LOGS=$KHO_BUILD/logs-debug
	export KHO_INITRD=$KHO_BUILD/initramfs-debug.cpio
	export KHO_TIMEOUT_SCALE=4
	export KHO_QEMU_CPU=max,la57=off
	frags="$KHO_TOP/configs/kho.config $KHO_TOP/configs/kho-debug.config"
	# About 5 ms an operation under KASAN and TCG
	per_ops=5 ;;
test)
	export KHO_INITRD=$KHO_BUILD/initramfs.cpio
	frags="$KHO_TOP/configs/kho.config"
	per_ops=1 ;;
*)	die "KERNEL=debug or KERNEL=test" ;;
esac
mkdir -p "$KHO_LOGS"
ktap_build "$KHO_LOGS/fuzz-luo-build.log" KHO_FRAGMENTS="$frags" || {
	echo "1..$KTAP_N"
	exit 1
}
"$KHO_TOP/scripts/initramfs.sh" "$KHO_INITRD" >>"$KHO_LOGS/fuzz-luo-build.log" 2>&1
ktap_result $? initramfs

# The timeout before KHO_TIMEOUT_SCALE: a boot and a kexec a generation,
# and the operations
timeout=$((120 + (hops + 1) * (40 + ops * threads * per_ops / 1000 / 4)))
out=$(python3 "$run" --name fuzz-luo --hops "$hops" --scenario luo-fuzz \
	--mem 2G --timeout "$timeout" \
	--append "kho=on liveupdate=on luo_fuzz_seed=$seed luo_fuzz_ops=$ops luo_fuzz_threads=$threads")
ktap_relay "" "$out"
figures "$KHO_LOGS/fuzz-luo.log" figures
grep -h '# MISMATCH' "$KHO_LOGS/fuzz-luo.log" | head -5
echo "1..$KTAP_N"
exit $KTAP_FAILED
