#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memblock's own user-space test suite (tools/testing/memblock) on the
# patched mm/memblock.c, with its KHO cases (tests/kho_api.c): where memblock
# allocates around KHO scratch.  The suite asserts and aborts on the first
# failure; prints KTAP, one result for the whole suite.
set -uo pipefail
. "$(dirname "$0")/common.sh"

# The suite builds in its own directory and reads the rest of the tree by
# relative paths: build a copy of it in a directory whose other parts link to
# build/src, so that no build product lands in build/src (and from there in
# the overlay)
sim=$KHO_BUILD/memblock-sim
dir=$sim/tools/testing/memblock
log=$KHO_BUILD/logs/memblock-sim.log
rm -rf "$sim"
mkdir -p "$(dirname "$log")" "$sim/tools/testing"
for d in include arch mm tools/include tools/lib tools/arch \
	 tools/testing/selftests; do
	ln -s "$KHO_SRC/$d" "$sim/$d" || exit 1
done
cp -a "$KHO_SRC/tools/testing/memblock" "$dir" || exit 1

echo "KTAP version 1"
echo "1..1"
if ! make -s -C "$dir" -j"$KHO_JOBS" main >"$log" 2>&1; then
	echo "not ok 1 memblock-sim # the simulator did not build; see $log"
	exit 1
fi
(cd "$dir" && ./main -v) >>"$log" 2>&1
rc=$?
cases=$(grep -c '^ok [0-9]* : ' "$log")
kho=$(grep -c '^ok [0-9]* : memblock_set_kho_alloc: ' "$log")
if [ $rc -ne 0 ]; then
	echo "not ok 1 memblock-sim # exit $rc after $cases cases: $(grep -m1 'Assertion' "$log")"
	exit 1
elif [ "$kho" -ne 5 ]; then
	echo "not ok 1 memblock-sim # $kho of 5 memblock_set_kho_alloc cases ran"
	exit 1
fi
echo "ok 1 memblock-sim # $cases cases passed, $kho of them memblock_set_kho_alloc"
