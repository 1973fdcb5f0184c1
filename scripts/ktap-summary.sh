#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktap-summary.sh SCRIPT: run one test script that prints KTAP (for make
# check-debug and make check-distro), show its output, end with
# "kho: N passed, N failed" and exit non-zero on any failure.
set -uo pipefail
out=$("$@" | tee /dev/stderr)
rc=$?
pass=$(grep -cE '^ok [0-9]+' <<<"$out")
fail=$(grep -cE '^not ok [0-9]+' <<<"$out")
[ "$rc" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "kho: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
