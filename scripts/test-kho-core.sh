#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# KHO outgoing side in QEMU, booted with kho=on: the guest scenario
# guest/scenario/kho-core loads test_kho, finalizes, sends out/fdt to the
# host, aborts and finalizes again; the KUnit suite runs at boot.  Here the
# host decodes the FDT with dtc and checks what the next kernel will read.
# Prints KTAP; exit status non-zero on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

echo "KTAP version 1"
echo "# Subtest: kho-core"
out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-core --hops 0 \
	--scenario kho-core --append "kho=on" --kunit --mem 1G)
ktap_relay "" "$out"

dtb=$KHO_BUILD/logs/kho-core.fdt
if [ -s "$dtb" ] && dts=$(dtc -q -I dtb -O dts "$dtb" 2>&1); then
	ktap_result 0 fdt_decodes "dtc -I dtb: $(wc -c <"$dtb") bytes"
	echo "$dts" | sed 's/^/# /'
	echo "$dts" | grep -q 'compatible = "kho-v1";'
	ktap_result $? fdt_compatible_kho_v1 "root compatible"
	# Properties are native-endian (little-endian here); dtc prints
	# big-endian cells, so turn the cells back into bytes first.
	map=$(echo "$dts" | python3 -c '
import re, sys
m = re.search(r"^\t?preserved-memory-map = <(0x\w+) (0x\w+)>;", sys.stdin.read(), re.M)
if m:
    raw = b"".join(int(c, 16).to_bytes(4, "big") for c in m.groups())
    print(hex(int.from_bytes(raw, "little")))')
	[ -n "$map" ] && [ "$map" != 0x0 ]
	ktap_result $? fdt_memory_map_nonzero "preserved-memory-map = ${map:-missing}"
	echo "$dts" | awk '/^\tkho_test \{/ { t = 1 } t && /fdt = <0x/ { f = 1 } END { exit !f }'
	ktap_result $? fdt_kho_test_subtree "kho_test { fdt = <...> }"
else
	ktap_result 1 fdt_decodes "no blob or dtc failed: ${dts:-empty}"
fi

off=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name kho-off --hops 0 \
	--scenario kho-off)
ktap_relay kho_off. "$off"
echo "1..$KTAP_N"
exit $KTAP_FAILED
