#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# KHO benchmark: blackout against plain kexec (wall-clock and
# instruction-counted), boot-time restore cost against folios and runs,
# finalize cost against bitmaps, host scale (up to 8 GiB and two million
# folios), live update of a 1 GiB memfd, and (through bench-core.sh)
# tracker memory and API cost.
#
# Every configuration is a chain of HOPS (default 3) kexec hops in a QEMU
# guest of BENCH_GUEST_MEM (default 3G), run RUNS (default 2) times,
# interleaved so that host noise spreads over all of them; the host-scale
# ones (scale-*) are one hop, once.  Every hop is one sample.  The kernel times its own phases (local_clock(), "KHO:
# restore-timing:" and "KHO: finalized:" lines) and test_kho times the
# restore apart from the checksum verification; the guest TSC times the hop
# itself.  scripts/bench-report.py turns the logs into build/bench/bench.md
# with build/bench/restore.png and build/bench/scale.png.
#
# usage: bench.sh            (make bench; RUNS=, HOPS=, BENCH_GUEST_MEM=,
#                             BENCH_SCALE_MEM=, BENCH_ONLY=REGEX of
#                             configuration names)
set -euo pipefail
. "$(dirname "$0")/common.sh"

runs=${RUNS:-2}
hops=${HOPS:-3}
mem=${BENCH_GUEST_MEM:-3G}
out=$KHO_BUILD/bench
raw=$out/raw
rm -rf "$raw"
mkdir -p "$raw"

# name|kernel command line (the KHO configurations load test_kho through
# the kho-restore scenario; kho_test_cycles=2 times two extra finalizes)
configs=(
	"plain|"
	"plain-nokaslr|nokaslr"
	"kho-0|kho=on kho_test_mem=0 kho_test_cycles=2"
)
# add PREFIX SUFFIX SIZES ORDERS CYCLES MORE [CMDLINE]: one configuration
# per size and order, test_kho filling fast (xorshift), with MORE test_kho
# arguments, and finalizing CYCLES extra times
add() {
	local size order
	for size in $3; do
		for order in $4; do
			configs+=("$1-$size-o$order$2|kho=on kho_test_mem=$size${5:+ kho_test_cycles=$5} kho_test_args=order=$order,fast_fill=1$6${7:+ $7}")
		done
	done
}
add kho "" "64M 256M 1G" "9 0" 2 ""
add kho -scattered "64M 256M" "9 0" 2 ",scatter=1"
# Before/after coalescing runs into single memblock reservations
configs+=("kho-256M-o0-perfolio|kho=on kho_test_mem=256M kho_test_cycles=2 kho_test_args=order=0,fast_fill=1 kho_reserve_per_folio")
configs+=("kho-1G-o0-perfolio|kho=on kho_test_mem=1G kho_test_cycles=2 kho_test_args=order=0,fast_fill=1 kho_reserve_per_folio")
# The blackout again, instruction-counted (QEMU -icount): repeatable guest
# time, where the wall-clock figures above move by tens of percent per hop;
# and the 16x restore scaling, where boot work is a few milliseconds
for c in "plain|" "plain-nokaslr|nokaslr" "kho-0|kho=on kho_test_mem=0"; do
	configs+=("${c%%|*}-icount|${c#*|}")
done
add kho -icount "64M 1G" "9 0" "" ""
# Live update: a 1 GiB memfd through /dev/liveupdate, carried hop by hop
configs+=("luo-1G|kho=on liveupdate=on luo_mib=1024")
configs+=("luo-1G-icount|kho=on liveupdate=on luo_mib=1024")
# Host scale: 1, 4 and 8 GiB preserved in a guest of BENCH_SCALE_MEM
# (default 16G), in 4 KiB (up to two million) and 2 MiB folios, dense, and
# scattered with a spacer folio between any two; one hop each.  Scratch
# holds memblock's reserved array while the next kernel reserves a million
# runs: 24 bytes each, doubling, so the last doubling needs 48 MiB in one
# piece beside the old 24 MiB array and the kexec segments.  With 128 MiB
# of global scratch that failed once in the 4 GiB scattered case (the
# segments left no 48 MiB hole; the kernel refused the handover, as it
# must): 256 MiB leaves a hole that large wherever they land.
add scale "" "1G 4G 8G" "0 9" "" "" kho_scratch=32M,256M,32M
add scale -scattered "1G 4G" "0" "" ",scatter=1" kho_scratch=32M,256M,32M
# ... and the scattered ones again instruction-counted, where the per-run
# cost can be compared across sizes (wall-clock TCG cost grows with the
# host's load and with memory QEMU has not touched yet)
add scale -scattered-icount "1G 4G" "0" "" ",scatter=1" kho_scratch=32M,256M,32M
# BENCH_ONLY=REGEX: only the configurations whose name matches
if [ -n "${BENCH_ONLY:-}" ]; then
	mapfile -t configs < <(printf '%s\n' "${configs[@]}" |
		awk -F'|' -v re="$BENCH_ONLY" '$1 ~ re')
fi

nscale=$(printf '%s\n' "${configs[@]}" | grep -c '^scale-' || true)
n=0 total=$((runs * ${#configs[@]} - (runs - 1) * nscale))
for run in $(seq "$runs"); do
	for c in "${configs[@]}"; do
		name=${c%%|*}
		append=${c#*|}
		scenario=kho-restore icount= m=$mem h=$hops timeout=$((120 + 60 * hops))
		case "$name" in plain*) scenario=none ;; luo-*) scenario=luo-memfd ;; esac
		case "$name" in *-icount) icount=--icount ;; esac
		case "$name" in
		scale-*)
			# once, whatever RUNS says: minutes per configuration
			[ "$run" -eq 1 ] || continue
			m=${BENCH_SCALE_MEM:-16G} h=1 timeout=1800 ;;
		esac
		n=$((n + 1))
		info "bench: $n of $total: $name, run $run"
		python3 "$KHO_TOP/scripts/qemu-run.py" --name "bench-$name-$run" $icount \
			--hops "$h" --mem "$m" --scenario "$scenario" \
			--append "$append" --timeout "$timeout" \
			--json "$raw/$name-$run.json" >"$raw/$name-$run.tap" ||
			die "bench-$name-$run failed; see build/logs/bench-$name-$run.log"
		cp "$KHO_BUILD/logs/bench-$name-$run.log" "$raw/$name-$run.log"
	done
done

# A partial run (BENCH_ONLY) keeps the last bench-core results
if [ -z "${BENCH_ONLY:-}" ]; then
	info "bench: tracker memory and API cost (bench-core)"
	RUNS=$((runs + 1)) "$KHO_TOP/scripts/bench-core.sh" >/dev/null
fi

python3 "$KHO_TOP/scripts/bench-report.py" "$raw" "$out/core.md" "$out"
