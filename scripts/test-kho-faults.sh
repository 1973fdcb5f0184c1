#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad handovers are refused, not trusted: for each fault the outgoing kernel
# injects (KEXEC_HANDOVER_DEBUG, debugfs kho/out/fault), the next kernel
# must boot, log the specific reason, run without KHO and work (touch
# memory, load a module).  Prints KTAP; non-zero exit on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

# fault name, then the reason the next kernel must give
cases=(
	"fdt_magic|bad FDT header or structure"
	"compatible|FDT is not compatible with kho-v1"
	"chunk_loop|memory map chunk listed twice or in memory in use"
	"bitmap_outside_ram|memory map bitmap outside RAM or inside scratch"
	"folio_in_scratch|preserved memory inside scratch"
	"scratch_truncated|bad scratch list size"
)
echo "KTAP version 1"
echo "# Subtest: kho-faults"
for c in "${cases[@]}"; do
	fault=${c%%|*} why=${c#*|}
	out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name "fault-$fault" \
		--hops 1 --scenario kho-fault --append "kho=on kho_fault=$fault")
	ktap_relay "$fault." "$out"
	grep -q "KHO: ignoring the handover from the previous kernel: $why;" \
		"$KHO_LOGS/fault-$fault.log"
	ktap_result $? "$fault.reason" "expected: $why"
done
echo "1..$KTAP_N"
exit $KTAP_FAILED
