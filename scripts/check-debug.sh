#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug: KHO under the sanitizers and checkers.  Builds the same
# tree with configs/kho.config plus configs/kho-debug.config (KASAN,
# kmemleak, lockdep, DEBUG_VM, DEBUG_PAGEALLOC, KFENCE, init_on_alloc/free,
# deferred struct page init, MEMTEST) into build/obj-debug, then runs on it
# the KUnit suite, the restore chain, the 3-hop selftest chain, the fault,
# order-of-operations and out-of-tree cases, a 60 s preserve/finalize race,
# reserve_mem= regions across 2 hops and a KHO kexec with memtest=1.
# Any report of those tools in a serial log fails the run (see BAD in
# qemu-run.py and on_kernel in vmtest.sh).  Prints KTAP; non-zero exit on
# any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

export KHO_OBJ=$KHO_BUILD/obj-debug
export KHO_LOGS=$KHO_BUILD/logs-debug
export KHO_INITRD=$KHO_BUILD/initramfs-debug.cpio
# KASAN, DEBUG_PAGEALLOC and init_on_free make a TCG guest several times
# slower: scale the timeout of every QEMU run
export KHO_TIMEOUT_SCALE=4
# No 5-level paging: while identify_cpu() re-reads the boot CPU's features
# in arch_cpu_finalize_init(), X86_FEATURE_LA57 is briefly clear and
# interrupts are on, so an interrupt then makes KASAN take a direct-map
# address for a wild one (an upstream race of any LA57 machine, seen here
# about once in ten KHO boots of QEMU's "max" CPU)
export KHO_QEMU_CPU=max,la57=off
mkdir -p "$KHO_LOGS"
run=$KHO_TOP/scripts/qemu-run.py

echo "KTAP version 1"
echo "# Subtest: check-debug"

if ! ktap_build "$KHO_LOGS/build.log" \
	KHO_FRAGMENTS="$KHO_TOP/configs/kho.config $KHO_TOP/configs/kho-debug.config"; then
	echo "1..$KTAP_N"
	exit 1
fi
[ "${KHO_PREBUILD:-}" = 1 ] && exit 0
# Frame-size warnings (KASAN grows frames) and any other compiler warning
# in KHO's own files are failures, not noise
warn=$(grep -E '(kexec_handover|test_kho|kho_oot)[^:]*:[0-9]+:[0-9]+: warning' \
	"$KHO_LOGS/build.log" | head -3)
ktap_result "$([ -z "$warn" ]; echo $?)" build_no_kho_warnings "$warn"
"$KHO_TOP/scripts/initramfs.sh" "$KHO_INITRD" >>"$KHO_LOGS/build.log" 2>&1
ktap_result $? initramfs

# The restore chain: KUnit at the first boot, 5 hops on two nodes, a
# kmemleak scan after every restore, and folios of every order in memory
# whose struct pages deferred init leaves to its threads.  Only the first
# section (128 MiB) of each node's last zone is initialised early (a little
# more if early boot needs it), so folios in the upper half of node 0,
# [512 MiB, 1 GiB), are there.
out=$(python3 "$run" --name debug-restore --hops 5 --numa --mem 2G \
	--scenario kho-restore --kunit --timeout 240 \
	--append "kho=on kho_test_args=every_order=1,min_phys=0x20000000,max_phys=0x40000000")
ktap_relay "restore." "$out"
scans=$(grep -c '# kho-kmemleak: scan done, 0 leaks' "$KHO_LOGS/debug-restore.log")
ktap_result "$([ "$scans" -eq 6 ]; echo $?)" restore.kmemleak_scans "$scans of 6 clean"

out=$(bash "$KHO_TOP/tools/testing/selftests/kho/vmtest.sh" -k "$KHO_OBJ" \
	-n 3 -T 600 -o "$KHO_LOGS/debug-selftest-chain3.log")
ktap_result $? selftest_chain3 "$(echo "$out" | grep -m1 '# QEMU ran')"

# Three of the faults (a bad FDT, a map that loops, a bad scratch list) and
# not the no-room case: a debug boot takes a minute, filling 1 GiB under
# KASAN several, and the plain kernel runs every case
out=$(KHO_FAULT_NOROOM=0 KHO_FAULTS="fdt_magic chunk_loop scratch_covers_fdt" \
	"$KHO_TOP/scripts/test-kho-faults.sh")
ktap_relay "faults." "$out"

out=$(python3 "$run" --name debug-order --hops 1 --scenario kho-order \
	--append kho=on)
ktap_relay "order." "$out"

out=$(python3 "$run" --name debug-oot --hops 2 --scenario kho-oot \
	--append kho=on)
ktap_relay "oot." "$out"

# Live update under the sanitizers: 3 hops carrying a 64 MiB memfd, the
# ioctl selftest in the first and last kernel, and a kmemleak scan in every
# generation (the scenario fails on a leak)
out=$(python3 "$run" --name debug-luo --hops 3 --scenario luo-memfd \
	--timeout 900 --append "kho=on liveupdate=on luo_mib=64")
ktap_relay "luo." "$out"

# The live update fuzzer under the sanitizers: 2 kexecs, 3 threads of 150
# operations a generation (sessions, memfds, forks passing descriptors,
# THP switched), a kmemleak scan in every generation
out=$(python3 "$run" --name debug-luo-fuzz --hops 2 --scenario luo-fuzz \
	--mem 2G --timeout 300 \
	--append "kho=on liveupdate=on luo_fuzz_seed=23 luo_fuzz_ops=150 luo_fuzz_threads=3")
ktap_relay "luo_fuzz." "$out"
out=$("$KHO_TOP/scripts/fuzz-luo.sh" --figures "$KHO_LOGS/debug-luo-fuzz.log" \
	luo_fuzz.figures)
ktap_relay "" "$out"
grep -h '^ok\|^not ok' <<<"$out" | sed 's/^[^#]*# /# luo-fuzz: /'

# Races under lockdep and kmemleak: 60 s of threads preserving and
# unpreserving while user space finalizes, aborts and cycles a notifier
# module; then the data preserved before crosses the kexec intact
out=$(python3 "$run" --name debug-stress --hops 1 --scenario kho-stress \
	--append "kho=on kho_stress_secs=60" --timeout 150)
ktap_relay "stress." "$out"
grep -h '# kho-stress:' "$KHO_LOGS/debug-stress.log" | head -1

# reserve_mem= regions across 2 KHO hops with deferred struct pages: the
# trace region stays put, the trace and the pstore console log survive
out=$(python3 "$run" --name debug-reserve-mem --hops 2 --scenario kho-reserve-mem \
	--append "kho=on reserve_mem=16M:4096:trace trace_instance=boot_map@trace reserve_mem=1M:4096:oops ramoops.mem_name=oops ramoops.console_size=0x80000 ramoops.record_size=0x40000")
ktap_relay "reserve_mem." "$out"
rm_log=$KHO_LOGS/debug-reserve-mem.log
addrs=$(sed -n 's/.*# kho-reserve-mem: gen=[0-2] trace_addr=\([^ ]*\).*/\1/p' "$rm_log")
ktap_result "$([ "$(echo "$addrs" | grep -c .)" -eq 3 ] &&
	[ "$(echo "$addrs" | sort -u | grep -c .)" -eq 1 ]; echo $?)" \
	reserve_mem.same_address "$(echo $addrs)"
n=$(grep -c '# kho-reserve-mem: gen=[12] .*trace_prev=yes pstore_prev=yes' "$rm_log")
ktap_result "$([ "$n" -eq 2 ]; echo $?)" reserve_mem.trace_and_log_kept "$n of 2 generations"

# memtest=1 across a KHO kexec: the next kernel tests only scratch, so the
# preserved memory comes through intact
out=$(python3 "$run" --name debug-memtest --hops 1 --scenario kho-restore \
	--append "kho=on memtest=1")
ktap_relay "memtest." "$out"
why=$(python3 - "$KHO_LOGS/debug-memtest.log" <<'PY'
import re, sys
# The second boot: from its memtest notice to the end of the log
log = open(sys.argv[1], errors="replace").read()
i = log.find("early_memtest: Kexec HandOver in progress")
if i < 0:
    sys.exit("no 'Kexec HandOver in progress' notice from memtest")
boot = log[i:]
scratch = [(int(a, 16), int(b, 16) + 1) for a, b in
           re.findall(r"KHO: scratch \d+: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]",
                      boot)]
tested = [(int(a, 16), int(b, 16)) for a, b in
          re.findall(r"\s(0x[0-9a-f]+) - (0x[0-9a-f]+) pattern", boot)]
if not scratch or not tested:
    sys.exit("no scratch regions or no tested ranges in the log")
# [0, 1 MiB) is scratch during early boot too; memblock merges adjacent
# regions, so a tested range may span several of them
merged = []
for a, b in sorted(scratch + [(0, 1 << 20)]):
    if merged and a <= merged[-1][1]:
        merged[-1][1] = max(merged[-1][1], b)
    else:
        merged.append([a, b])
for s, e in tested:
    if not any(a <= s and e <= b for a, b in merged):
        sys.exit("memtest wrote [%#x-%#x) outside scratch" % (s, e))
print("%d ranges tested, all inside scratch" % len(tested))
PY
)
ktap_result $? memtest.only_scratch "$why"

echo "1..$KTAP_N"
exit $KTAP_FAILED
