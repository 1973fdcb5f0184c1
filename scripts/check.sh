#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every test.  Each test writes a KTAP document to build/results/; every
# top-level "ok"/"not ok" line is one counted result.  The last line is
# "kho: N passed, N failed"; the exit status is non-zero on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

# Two checks in one clone would share build/ and corrupt each other.
mkdir -p "$KHO_BUILD"
exec 9>"$KHO_BUILD/.check.lock"
if ! flock -n 9; then
	echo "kho: error: another 'make check' is running in this clone" >&2
	echo "kho: 0 passed, 1 failed"
	exit 1
fi

rm -rf "$KHO_RESULTS"
echo "kho: disk: $(df -h "$KHO_TOP" | awk 'NR == 2 { print $4 " free of " $2 }') at the start"
mkdir -p "$KHO_RESULTS"

# run_test NAME COMMAND...: COMMAND prints KTAP on stdout.  A command that
# prints no result at all still counts as one failure.
run_test() {
	local name=$1 out=$KHO_RESULTS/$1.tap t0=$SECONDS
	shift
	info "test $name"
	"$@" >"$out" 2>"$KHO_RESULTS/$name.err"
	local rc=$?
	# how long each test takes, for the CI time budget
	echo "# kho-time: $name $((SECONDS - t0)) s" >>"$out"
	if ! grep -qE '^(not )?ok [0-9]+' "$out"; then
		echo "not ok 1 $name # produced no result (exit $rc); see build/results/$name.err" >>"$out"
	elif [ $rc -ne 0 ] && ! grep -q '^not ok' "$out"; then
		echo "not ok 99 $name # exited $rc" >>"$out"
	fi
	grep -E '^(not ok|ok|# kho-timing|# kho-time:)' "$out" | sed "s/^/  $name: /"
	grep -q '^not ok' "$out" && tail -5 "$KHO_RESULTS/$name.err" | sed "s/^/  $name! /"
	return 0
}

# step NAME COMMAND...: a prerequisite counted as one result
step() {
	local name=$1
	shift
	if "$@" >"$KHO_RESULTS/$name.err" 2>&1; then
		echo "ok 1 $name"
	else
		echo "not ok 1 $name # see build/results/$name.err"
		tail -20 "$KHO_RESULTS/$name.err" >&2
	fi
}

# The archive still offers every package setup installs and every base
# this tree and its previous release build on (a vanished version fails
# here, not on a user's machine)
run_test setup-archive "$KHO_TOP/scripts/setup.sh" --check-archive \
	$({ echo "$KHO_BASE_DEFAULT"; echo "$KHO_BASE_PREV"
	    awk '!/^#/ && NF == 3 { print $3 }' "$KHO_TOP/series/releases"; } | sort -u)
run_test build step build "$KHO_TOP/scripts/build.sh"
# The debug, Debian and previous release's builds start now at a low
# priority, to use the CPU that the QEMU tests below leave idle;
# check-debug, check-distro and check-upgrade wait for them, then build
# again (incrementally) and test.  The tests themselves run one at a time:
# with check-debug's guests beside the others (a cold run on 2026-12-07)
# both CPUs were busy from start to end, the guests' vCPU threads
# competing, and the run was slower than this order.  KHO_NO_PREBUILD=1
# builds each only when its turn comes.
if [ "${KHO_NO_PREBUILD:-}" != 1 ]; then
	KHO_PREBUILD=1 "$KHO_TOP/scripts/check-debug.sh" >/dev/null 2>&1 &
	KHO_PREBUILD=1 "$KHO_TOP/scripts/check-distro.sh" >/dev/null 2>&1 &
	KHO_PREBUILD=1 KHO_PREBUILD_NICE=10 "$KHO_TOP/scripts/check-upgrade.sh" \
		>/dev/null 2>&1 &
fi
if grep -q '^ok' "$KHO_RESULTS/build.tap"; then
	run_test initramfs step initramfs "$KHO_TOP/scripts/initramfs.sh"
	run_test memblock-sim "$KHO_TOP/scripts/test-memblock.sh"
	run_test chain3 python3 "$KHO_TOP/scripts/qemu-run.py" --name chain3 --hops 3
	run_test chain10 python3 "$KHO_TOP/scripts/qemu-run.py" --name chain10 --hops 10
	run_test chain3-numa python3 "$KHO_TOP/scripts/qemu-run.py" --name chain3-numa --hops 3 --numa --mem 2G
	run_test kho-core "$KHO_TOP/scripts/test-kho-core.sh"
	run_test kho-scratch "$KHO_TOP/scripts/test-kho-scratch.sh"
	run_test kho-restore python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-restore \
		--hops 5 --scenario kho-restore --append kho=on --timeout 200
	# 256 MiB of isolated order-0 folios: 65,000 runs in the map
	run_test kho-scattered python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-scattered \
		--hops 1 --mem 2G --scenario kho-restore --timeout 120 \
		--append "kho=on kho_test_mem=256M kho_test_args=order=0,fast_fill=1,scatter=1"
	# 3 hops, each finalized with scratch (CMA) nearly full of movable page
	# cache and 1.6 GiB of it in all, carrying 256 MiB intact
	run_test kho-pressure python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-pressure \
		--hops 3 --mem 2G --scenario kho-restore --timeout 300 \
		--append "kho=on kho_test_mem=256M kho_test_pressure=1"
	run_test selftest-chain5 bash "$KHO_TOP/tools/testing/selftests/kho/vmtest.sh" \
		-k "$KHO_OBJ" -n 5 -N -o "$KHO_BUILD/logs/selftest-chain5.log"
	run_test selftest-chain10-256M bash "$KHO_TOP/tools/testing/selftests/kho/vmtest.sh" \
		-k "$KHO_OBJ" -n 10 -m 256M -r 1G -o "$KHO_BUILD/logs/selftest-chain10-256M.log"
	run_test kho-faults "$KHO_TOP/scripts/test-kho-faults.sh"
	# Live update the mainline way (kexec -s -l, then kexec -e, whose
	# reboot serializes): the ioctl selftest, six sessions (two of them
	# retrieved by processes that fail or die first), then 10 hops
	# carrying one sealed 256 MiB memfd, every byte checked at every hop.
	# init_on_free=1: memory freed too early reads as zeros, which the
	# selftest's abort case can see
	run_test luo-chain10-256M python3 "$KHO_TOP/scripts/qemu-run.py" \
		--name luo-chain10-256M --hops 10 --scenario luo-memfd --timeout 600 \
		--append "kho=on liveupdate=on luo_mib=256 init_on_free=1"
	run_test luo-faults "$KHO_TOP/scripts/test-luo-faults.sh"
	# memfd edge cases through a kexec: shmem huge pages reaching past
	# the end of a file, a fallocated memfd written after a finalize by
	# hand, a sparse memfd; and, without a kexec, memfds too big to
	# preserve refused up front, and a preserve that SIGKILL stops
	run_test luo-memfd-edge python3 "$KHO_TOP/scripts/qemu-run.py" \
		--name luo-memfd-edge --hops 1 --scenario luo-memfd-edge \
		--append "kho=on liveupdate=on"
	run_test luo-memfd-big python3 "$KHO_TOP/scripts/qemu-run.py" \
		--name luo-memfd-big --hops 0 --scenario luo-memfd-edge --timeout 240 \
		--append "kho=on liveupdate=on luo_edge=big"
	# The live update fuzzer (make fuzz-luo for a long run): 3 kexecs, 3
	# threads of 300 operations a generation, every result and every
	# byte that crosses a kexec checked against its model
	run_test luo-fuzz python3 "$KHO_TOP/scripts/qemu-run.py" \
		--name luo-fuzz --hops 3 --scenario luo-fuzz --mem 2G --timeout 300 \
		--append "kho=on liveupdate=on luo_fuzz_seed=23 luo_fuzz_ops=300 luo_fuzz_threads=3"
	run_test luo-fuzz-figures "$KHO_TOP/scripts/fuzz-luo.sh" --figures \
		"$KHO_LOGS/luo-fuzz.log" figures
	# The same through the kernel selftest, runnable on any built tree:
	# the KHO selftest chain with a 64 MiB memfd and three more sessions,
	# each hop finalized by hand before kexec -e
	run_test luo-selftest-chain3 bash "$KHO_TOP/tools/testing/selftests/liveupdate/vmtest.sh" \
		-k "$KHO_OBJ" -n 3 -m 16M -o "$KHO_BUILD/logs/luo-selftest-chain3.log"
	run_test kho-reserve-mem "$KHO_TOP/scripts/test-kho-reserve-mem.sh"
	run_test kho-order python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-order \
		--hops 1 --scenario kho-order --append kho=on
	run_test kho-nofinalize python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-nofinalize \
		--hops 1 --scenario kho-nofinalize --append kho=on
	run_test kho-plainload python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-plainload \
		--hops 1 --scenario kho-plainload --append kho=on
	run_test kho-oot python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-oot \
		--hops 2 --scenario kho-oot --append kho=on
	# The operator's guide run as written: its command blocks through a
	# KHO kexec finalized by hand and a live update kexec
	run_test kho-guide python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-guide \
		--hops 2 --scenario kho-guide --append "kho=on liveupdate=on"
	# A real VM across a live update: Debian's QEMU in the guest keeps a
	# VM running through 3 kexecs (its RAM a 320 MiB memfd held by
	# lu-memfd-holder, 256 MiB of it computed over), and the negative
	# control: restored onto a zeroed memfd, the VM's memory check fails
	run_test qemu-vm "$KHO_TOP/scripts/test-qemu-vm.sh"
	# The memfd stand-in for a VM (guest/luo-vm.c) that make demo used
	# before the real one: checkpointed halfway, kexec, resumed, the
	# result equal to an uninterrupted run's
	run_test luo-vm-standin python3 "$KHO_TOP/scripts/qemu-run.py" \
		--name luo-vm-standin --hops 1 --mem 1G --scenario luo-demo \
		--timeout 300 --append "kho=on liveupdate=on luo_mib=64"
	# Live update from the previous release to this tree and back
	run_test check-upgrade "$KHO_TOP/scripts/check-upgrade.sh"
	run_test harness-faults "$KHO_TOP/scripts/selftest-harness.sh"
	run_test series-check "$KHO_TOP/scripts/series-check.sh"
fi
# The documentation: Sphinx without a warning, every kernel-doc directive
# resolved, the guide's message table true to the code
run_test docs "$KHO_TOP/scripts/docs.sh"
# The checker in user space under libFuzzer: a short run (make fuzz for long)
run_test kho-fuzz env FUZZ_RUNS=100000 "$KHO_TOP/scripts/fuzz.sh"
# Their own builds (build/obj-debug, build/obj-distro); run even if the
# test kernel did not build, so that their results are never missing
run_test check-debug "$KHO_TOP/scripts/check-debug.sh"
run_test check-distro "$KHO_TOP/scripts/check-distro.sh"

# The failures again, just above the summary: a CI log that keeps only
# its tail still says which tests failed
# and, from its stderr, why
for tap in "$KHO_RESULTS"/*.tap; do
	name=$(basename "$tap" .tap)
	grep -qE '^not ok [0-9]+' "$tap" || continue
	grep -E '^not ok [0-9]+' "$tap" | sed "s/^/kho: failed: $name: /"
	tail -3 "$KHO_RESULTS/$name.err" 2>/dev/null | cut -c1-200 | sed "s/^/kho: $name! /"
done
echo "kho: disk: $(df -h "$KHO_TOP" | awk 'NR == 2 { print $4 " free of " $2 }') at the end"
pass=$(cat "$KHO_RESULTS"/*.tap | grep -cE '^ok [0-9]+')
fail=$(cat "$KHO_RESULTS"/*.tap | grep -cE '^not ok [0-9]+')
echo "kho: $pass passed, $fail failed" | tee "$KHO_RESULTS/summary"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
