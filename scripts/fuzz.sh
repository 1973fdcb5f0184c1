#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fuzz the incoming-handover checker in user space: kernel/kexec_handover_check.c,
# unchanged, built with clang as a libFuzzer target under AddressSanitizer
# and UBSan (fuzz/kho_fuzz.c, fuzz/kho_shim.h, the kernel's own libfdt).
# Runs FUZZ_RUNS executions (default 1000000) from the seed corpus
# (fuzz/mkcorpus.py), then measures the checker's line coverage with
# llvm-cov over the corpus the run grew; it must be at least 90%.
# Then the same for the checks of an incoming memfd record,
# mm/memfd_luo_check.c (fuzz/memfd_fuzz.c, seeds from
# fuzz/mkcorpus_memfd.py), its results named memfd_*.
# Prints KTAP; non-zero exit on a crash, too few executions or too little
# coverage.
#
# usage: fuzz.sh            (FUZZ_RUNS=N, FUZZ_SEED=N in the environment)
set -uo pipefail
. "$(dirname "$0")/common.sh"

runs=${FUZZ_RUNS:-1000000}
seed=${FUZZ_SEED:-1}
min_cover=90
work=$KHO_BUILD/fuzz
fdt=$KHO_SRC/scripts/dtc/libfdt
check=$KHO_TOP/kernel/kexec_handover_check.c
mcheck=$KHO_TOP/mm/memfd_luo_check.c
mkdir -p "$work"

echo "KTAP version 1"
echo "# Subtest: kho-fuzz"

# Two builds of the same sources: sanitizers for fuzzing, profile for coverage
build() {	# build OUT FLAGS...
	local out=$1 o=$work/$1.o
	shift
	mkdir -p "$o" &&
	clang "$@" -c -I "$fdt" "$fdt/fdt.c" -o "$o/fdt.o" &&
	clang "$@" -c -I "$fdt" "$fdt/fdt_ro.c" -o "$o/fdt_ro.o" &&
	for src in "$check" "$KHO_TOP/fuzz/kho_fuzz.c"; do
		build_one "$o" "$src" "$@" || return 1
	done &&
	clang "$@" "$o"/*.o -o "$work/$out"
}
build_one() {	# build_one OBJDIR SOURCE FLAGS...: a checker or a harness
	local o=$1 src=$2
	shift 2
	clang "$@" -Wall -Werror -c -I "$KHO_TOP/fuzz/shim" \
		-I "$KHO_TOP/include" -I "$fdt" \
		-include "$KHO_TOP/fuzz/kho_shim.h" "$src" \
		-o "$o/$(basename "$src" .c).o"
}
build_memfd() {	# build_memfd OUT FLAGS...
	local out=$1 o=$work/$1.o
	shift
	mkdir -p "$o" &&
	build_one "$o" "$mcheck" "$@" &&
	build_one "$o" "$KHO_TOP/fuzz/memfd_fuzz.c" "$@" &&
	clang "$@" "$o"/*.o -o "$work/$out"
}
[ -f "$fdt/fdt_ro.c" ] || die "no kernel source in $KHO_SRC; run 'make base'"
build kho_fuzz -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all >"$work/build.log" 2>&1 &&
build kho_fuzz_cov -g -O0 -fsanitize=fuzzer -fprofile-instr-generate \
	-fcoverage-mapping >>"$work/build.log" 2>&1
ktap_result $? build "clang $(clang -dumpversion), log: build/fuzz/build.log"

# A fresh corpus each run: the seeds, grown by this run only
rm -rf "$work/corpus" "$work/valid" "$work"/crash-* &&
	mkdir -p "$work/corpus" "$work/valid"
python3 "$KHO_TOP/fuzz/mkcorpus.py" "$work/corpus" >/dev/null
cp "$work"/corpus/valid-* "$work/valid/"

# The valid seeds, shaped as the kernel writes handovers, must pass
nvalid=$(ls "$work/valid" | wc -l)
acc=$(cd "$work" && ./kho_fuzz -runs=0 valid 2>&1 |
	sed -n 's/^kho-fuzz: [0-9]* inputs: \([0-9]*\) accepted.*/\1/p')
ktap_result "$([ "${acc:-0}" -eq "$nvalid" ] && [ "$nvalid" -gt 0 ]; echo $?)" \
	valid_seeds_accepted "${acc:-0} of $nvalid"
(cd "$work" && ./kho_fuzz -runs="$runs" -seed="$seed" -max_len=131120 \
	-print_final_stats=1 corpus >"$work/fuzz.log" 2>&1)
rc=$?
done_runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/fuzz.log")
crashes=$(ls "$work"/crash-* 2>/dev/null | wc -l)
ktap_result "$([ $rc -eq 0 ] && [ "${done_runs:-0}" -ge "$runs" ] &&
	[ "$crashes" -eq 0 ]; echo $?)" fuzz_runs \
	"${done_runs:-0} executions, $crashes crashes, seed $seed; log: build/fuzz/fuzz.log"
grep '^kho-fuzz:' "$work/fuzz.log" | sed 's/^/# /'

# Line coverage of the checker over the grown corpus
rm -f "$work"/*.profraw
(cd "$work" && LLVM_PROFILE_FILE="$work/cov-%p.profraw" \
	./kho_fuzz_cov -runs=0 corpus >"$work/cov.log" 2>&1)
llvm-profdata merge -sparse "$work"/*.profraw -o "$work/cov.profdata" &&
llvm-cov report "$work/kho_fuzz_cov" -instr-profile="$work/cov.profdata" \
	"$check" >"$work/cov-report.txt" 2>&1
cover=$(awk '/^TOTAL/ { print $(NF-3) }' "$work/cov-report.txt" | tr -d %)
ktap_result "$(awk -v c="${cover:-0}" -v m=$min_cover \
	'BEGIN { exit !(c >= m) }'; echo $?)" line_coverage \
	"${cover:-?}% of kernel/kexec_handover_check.c's lines (at least $min_cover%)"

# The memfd record checks, the same way
build_memfd memfd_fuzz -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all >"$work/memfd-build.log" 2>&1 &&
build_memfd memfd_fuzz_cov -g -O0 -fsanitize=fuzzer -fprofile-instr-generate \
	-fcoverage-mapping >>"$work/memfd-build.log" 2>&1
ktap_result $? memfd_build "log: build/fuzz/memfd-build.log"
rm -rf "$work/memfd-corpus" "$work/memfd-valid" "$work"/memfd-crash-* \
	"$work"/memfd-cov-crash-* &&
	mkdir -p "$work/memfd-corpus" "$work/memfd-valid"
python3 "$KHO_TOP/fuzz/mkcorpus_memfd.py" "$work/memfd-corpus" >/dev/null
cp "$work"/memfd-corpus/valid-* "$work/memfd-valid/"
nvalid=$(ls "$work/memfd-valid" | wc -l)
acc=$(cd "$work" && ./memfd_fuzz -runs=0 memfd-valid 2>&1 |
	sed -n 's/^memfd-fuzz: [0-9]* inputs: \([0-9]*\) accepted.*/\1/p')
ktap_result "$([ "${acc:-0}" -eq "$nvalid" ] && [ "$nvalid" -gt 0 ]; echo $?)" \
	memfd_valid_seeds_accepted "${acc:-0} of $nvalid"
(cd "$work" && ./memfd_fuzz -runs="$runs" -seed="$seed" -max_len=65536 \
	-artifact_prefix=memfd- -print_final_stats=1 memfd-corpus \
	>"$work/memfd-fuzz.log" 2>&1)
rc=$?
done_runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/memfd-fuzz.log")
crashes=$(ls "$work"/memfd-crash-* 2>/dev/null | wc -l)
ktap_result "$([ $rc -eq 0 ] && [ "${done_runs:-0}" -ge "$runs" ] &&
	[ "$crashes" -eq 0 ]; echo $?)" memfd_fuzz_runs \
	"${done_runs:-0} executions, $crashes crashes, seed $seed; log: build/fuzz/memfd-fuzz.log"
grep '^memfd-fuzz:' "$work/memfd-fuzz.log" | sed 's/^/# /'
rm -f "$work"/*.profraw
(cd "$work" && LLVM_PROFILE_FILE="$work/memfd-cov-%p.profraw" \
	./memfd_fuzz_cov -runs=0 -artifact_prefix=memfd-cov- memfd-corpus \
	>"$work/memfd-cov.log" 2>&1)
llvm-profdata merge -sparse "$work"/memfd-cov-*.profraw -o "$work/memfd-cov.profdata" &&
llvm-cov report "$work/memfd_fuzz_cov" -instr-profile="$work/memfd-cov.profdata" \
	"$mcheck" >"$work/memfd-cov-report.txt" 2>&1
cover=$(awk '/^TOTAL/ { print $(NF-3) }' "$work/memfd-cov-report.txt" | tr -d %)
ktap_result "$(awk -v c="${cover:-0}" -v m=$min_cover \
	'BEGIN { exit !(c >= m) }'; echo $?)" memfd_line_coverage \
	"${cover:-?}% of mm/memfd_luo_check.c's lines (at least $min_cover%)"
echo "1..$KTAP_N"
exit $KTAP_FAILED
