#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad handovers are refused, not trusted: for each fault the outgoing kernel
# injects (KEXEC_HANDOVER_DEBUG, debugfs kho/out/fault), the next kernel
# must boot, log the specific reason, run without KHO and work (touch
# memory, load a module), with no CMA left of the refused scratch and the
# MemTotal of a plain kexec.  Prints KTAP; non-zero exit on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

# fault name, then the reason the next kernel must give
cases=(
	"fdt_magic|bad FDT header or structure"
	"compatible|its root is 'kho-x1', not a KHO handover"
	# the next version, which no kernel of this series reads: refused
	# for its version, before anything else of the handover is read
	"version|its root is 'kho-v2', this kernel reads 'kho-v1' only"
	# the walk that counts the runs, before any claim, ends a loop by the
	# bound on chunks that the memory size gives
	"chunk_loop|memory map chunk list does not end"
	"bitmap_outside_ram|memory map bitmap outside RAM or inside scratch"
	"folio_in_scratch|preserved memory inside scratch"
	"scratch_truncated|bad scratch list size"
	"scratch_unaligned|scratch region not page aligned"
	"scratch_covers_fdt|scratch region overlaps the handover data"
)
# A malformed scratch list is refused by the decompressor first (KASLR):
# the kernel stays where kexec loaded it.  Its warning needs earlyprintk=.
decomp="KHO: malformed scratch list; physical KASLR disabled"
# MemTotal in the generation after the kexec (scenario kho-meminfo): after
# a refused handover it must be what it is after a plain kexec, within two
# pages either way: where kexec puts the boot parameters moves their small
# setup_data entries across page boundaries from run to run (a plain kexec
# alone varies by a page), and the 48-byte SETUP_KEXEC_KHO one, which x86
# keeps reserved like any setup_data, touches up to two pages
# (memblock=debug shows it is the only extra reservation).  Not releasing
# the FDT and the scratch list costs 12 kB.
avail() {	# LOG
	sed -n 's/.*# kho-meminfo: hop=1 MemTotal=\([0-9]*\).*/\1/p' "$1" | head -1
}

echo "KTAP version 1"
echo "# Subtest: kho-faults"
out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name fault-plain-kexec --hops 1 \
	--scenario kho-meminfo)
ktap_relay "plain_kexec." "$out"
plain=$(avail "$KHO_LOGS/fault-plain-kexec.log")
for c in "${cases[@]}"; do
	# KHO_FAULTS="a b ...": only these cases (check-debug runs a few)
	fault=${c%%|*} why=${c#*|} early=
	case " ${KHO_FAULTS:-$fault} " in *" $fault "*) ;; *) continue ;; esac
	case $fault in scratch_[uc]*) early=" earlyprintk=serial" ;; esac
	out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name "fault-$fault" \
		--hops 1 --scenario kho-fault --append "kho=on kho_fault=$fault$early")
	ktap_relay "$fault." "$out"
	if [ -n "$early" ]; then
		grep -q "$decomp" "$KHO_LOGS/fault-$fault.log"
		ktap_result $? "$fault.decompressor_refused" "expected: $decomp"
	fi
	# one refusal, the expected one: kernel lines only, not the
	# scenario's echo of dmesg ("# [...")
	refusals=$(grep '\] \[ *[0-9.]*\] KHO: ignoring the handover' \
		"$KHO_LOGS/fault-$fault.log")
	n=$(printf '%s\n' "$refusals" | grep -c .)
	printf '%s\n' "$refusals" | grep -qF "KHO: ignoring the handover from the previous kernel: $why; booting without Kexec HandOver, preserved memory is lost"
	ktap_result "$([ $? -eq 0 ] && [ "$n" -eq 1 ]; echo $?)" \
		"$fault.reason" "expected once: $why (refusals: $n)"
	got=$(avail "$KHO_LOGS/fault-$fault.log")
	ktap_result "$([ -n "$plain" ] && [ -n "$got" ] &&
		[ $((plain - got)) -ge -8 ] && [ $((plain - got)) -le 8 ]; echo $?)" \
		"$fault.memory_as_plain_kexec" "MemTotal ${got:-?} kB, ${plain:-?} kB after a plain kexec"
done

# No room: 1 GiB of isolated 4 KiB folios is 262,144 runs, whose memblock
# reservations (a 12 MiB array) cannot fit in 36 MiB of scratch that the
# kernel and the initrd mostly fill.  The next kernel must find out before
# it reserves anything, refuse, and boot in bounded time.  check-debug sets
# KHO_FAULT_NOROOM=0: filling 1 GiB under KASAN takes minutes.
if [ "${KHO_FAULT_NOROOM:-1}" = 1 ]; then
	why="too many runs of preserved memory for scratch (raise kho_scratch=)"
	out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name fault-noroom \
		--hops 1 --mem 3G --scenario kho-fault --timeout 200 \
		--append "kho=on kho_scratch=28M,2M,2M kho_test_mem=1G kho_test_args=order=0,fast_fill=1,scatter=1")
	ktap_relay "noroom." "$out"
	grep -q "KHO: ignoring the handover from the previous kernel: $why" \
		"$KHO_LOGS/fault-noroom.log"
	ktap_result $? "noroom.reason" "expected: $why"
fi
echo "1..$KTAP_N"
exit $KTAP_FAILED
