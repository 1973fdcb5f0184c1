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
	"fdt_magic|bad FDT header"
	"compatible|FDT is not compatible with kho-v1"
	"chunk_loop|memory map chunk list does not end"
	"bitmap_outside_ram|memory map bitmap outside RAM or inside scratch"
	"folio_in_scratch|preserved memory inside scratch"
	"scratch_truncated|bad scratch list size"
)
n=0 rc=0
echo "KTAP version 1"
echo "# Subtest: kho-faults"
for c in "${cases[@]}"; do
	fault=${c%%|*} why=${c#*|}
	out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name "fault-$fault" \
		--hops 1 --scenario kho-fault --append "kho=on kho_fault=$fault")
	[ $? -eq 0 ] || rc=1
	while read -r line; do
		case "$line" in "ok "*|"not ok "*)
			n=$((n + 1))
			echo "$line" | sed -E "s/^(not ok|ok) [0-9]+ /\1 $n $fault./"
			case "$line" in "not ok"*) rc=1 ;; esac ;;
		esac
	done <<<"$out"
	n=$((n + 1))
	if grep -q "KHO: ignoring the handover from the previous kernel: $why;" \
		"$KHO_BUILD/logs/fault-$fault.log"; then
		echo "ok $n $fault.reason # $why"
	else
		echo "not ok $n $fault.reason # expected: $why"
		rc=1
	fi
done
echo "1..$n"
exit $rc
