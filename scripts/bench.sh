#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# KHO benchmark: blackout against plain kexec, boot-time restore cost
# against folios and runs, finalize cost against bitmaps, and (through
# bench-core.sh) tracker memory and API cost.
#
# Every configuration is a chain of HOPS (default 3) kexec hops in a QEMU
# guest of BENCH_GUEST_MEM (default 3G), run RUNS (default 2) times,
# interleaved so that host noise spreads over all of them.  Every hop is one
# sample.  The kernel times its own phases (local_clock(), "KHO:
# restore-timing:" and "KHO: finalized:" lines) and test_kho times the
# restore apart from the checksum verification; the guest TSC times the hop
# itself.  scripts/bench-report.py turns the logs into build/bench/bench.md
# and build/bench/restore.png.
#
# usage: bench.sh            (make bench; RUNS=, HOPS=, BENCH_GUEST_MEM=,
#                             BENCH_ONLY=REGEX of configuration names)
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
for size in 64M 256M 1G; do
	for order in 9 0; do
		configs+=("kho-$size-o$order|kho=on kho_test_mem=$size kho_test_cycles=2 kho_test_args=order=$order,fast_fill=1")
	done
done
for size in 64M 256M; do
	for order in 9 0; do
		configs+=("kho-$size-o$order-scattered|kho=on kho_test_mem=$size kho_test_cycles=2 kho_test_args=order=$order,fast_fill=1,scatter=1")
	done
done
# Before/after coalescing runs into single memblock reservations
configs+=("kho-256M-o0-perfolio|kho=on kho_test_mem=256M kho_test_cycles=2 kho_test_args=order=0,fast_fill=1 kho_reserve_per_folio")
configs+=("kho-1G-o0-perfolio|kho=on kho_test_mem=1G kho_test_cycles=2 kho_test_args=order=0,fast_fill=1 kho_reserve_per_folio")
# The blackout again, instruction-counted (QEMU -icount): repeatable guest
# time, where the wall-clock figures above move by tens of percent per hop
for c in "plain|" "plain-nokaslr|nokaslr" "kho-0|kho=on kho_test_mem=0" \
	"kho-1G-o9|kho=on kho_test_mem=1G kho_test_args=order=9,fast_fill=1"; do
	configs+=("${c%%|*}-icount|${c#*|}")
done
# BENCH_ONLY=REGEX: only the configurations whose name matches
if [ -n "${BENCH_ONLY:-}" ]; then
	mapfile -t configs < <(printf '%s\n' "${configs[@]}" |
		awk -F'|' -v re="$BENCH_ONLY" '$1 ~ re')
fi

n=0 total=$((runs * ${#configs[@]}))
for run in $(seq "$runs"); do
	for c in "${configs[@]}"; do
		name=${c%%|*}
		append=${c#*|}
		scenario=kho-restore icount=
		case "$name" in plain*) scenario=none ;; esac
		case "$name" in *-icount) icount=--icount ;; esac
		n=$((n + 1))
		info "bench: $n of $total: $name, run $run"
		python3 "$KHO_TOP/scripts/qemu-run.py" --name "bench-$name-$run" $icount \
			--hops "$hops" --mem "$mem" --scenario "$scenario" \
			--append "$append" --timeout $((120 + 60 * hops)) \
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
