#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A bad live update state is refused, not trusted: for each corruption the
# outgoing kernel injects into its LUO FDT (KEXEC_HANDOVER_DEBUG, debugfs
# liveupdate_fault), the next kernel must boot, keep the KHO handover, log
# the specific reason in one error, offer none of the sessions on
# /dev/liveupdate, and pass the ioctl selftest.  Prints KTAP; non-zero exit
# on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

# fault name, then the reason the next kernel must give
cases=(
	"fdt_magic|not a well-formed FDT inside its folio"
	"compatible|its root is 'luo-x1', not a live update state"
	# the next version, which no kernel of this series reads
	"version|its root is 'luo-v2', this kernel reads 'luo-v1' only"
	"no_number|no valid liveupdate-number"
	"name_unterminated|a session name is missing, empty or too long"
	"duplicate_token|two files of a session have the same token"
)

echo "KTAP version 1"
echo "# Subtest: luo-faults"
for c in "${cases[@]}"; do
	fault=${c%%|*} why=${c#*|}
	# the guest greps for it: no spaces or quotes on the command line
	rx=${why// /_} rx=${rx//\'/.}
	out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name "luo-fault-$fault" \
		--hops 1 --scenario luo-fault \
		--append "kho=on liveupdate=on luo_fault=$fault luo_why=$rx")
	ktap_relay "$fault." "$out"
	# kernel lines only, not the scenario's echo of dmesg ("# [...")
	n=$(grep -c '\] \[ *[0-9.]*\] liveupdate: refusing the handed-over state' \
		"$KHO_LOGS/luo-fault-$fault.log")
	grep -qF "liveupdate: refusing the handed-over state: $why; booting with no incoming sessions" \
		"$KHO_LOGS/luo-fault-$fault.log"
	rc=$?
	[ "$n" -eq 1 ] || rc=1
	ktap_result $rc "$fault.one_error" "expected once: $why (seen $n)"
done
echo "1..$KTAP_N"
exit $KTAP_FAILED
