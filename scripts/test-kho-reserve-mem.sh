#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# reserve_mem= regions across KHO: the persistent ftrace ring buffer and
# ramoops keep the previous kernel's trace and console log (guest scenario
# kho-reserve-mem).
#  - a 3-hop KHO chain: the trace region at the same physical address in
#    every generation, the previous generation's trace marker in the
#    boot_map instance and its console marker in pstore, last_boot_info;
#  - the next kernel reserving a 64 MiB region before "trace": a plain kexec
#    moves the trace region and loses the marker, a KHO kexec keeps both;
#  - the next kernel asking for another size: fresh memory, the reason
#    logged, test_kho's part of the handover still restored intact, the old
#    region given back to the page allocator;
#  - a subtree outside preserved memory (debug fault memblock_unpreserved):
#    refused with the reason, the rest of the handover restored.
# Prints KTAP; non-zero exit on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

base="reserve_mem=16M:4096:trace trace_instance=boot_map@trace reserve_mem=1M:4096:oops ramoops.mem_name=oops ramoops.console_size=0x80000 ramoops.record_size=0x40000"

report() {	# report LOG GEN FIELD: a field of a generation's report line
	sed -n "s/.*# kho-reserve-mem: gen=$2 .*$3=\([^ ]*\).*/\1/p" "$1" | head -1
}

run() {	# run NAME HOPS APPEND
	local out
	out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name "$1" --hops "$2" \
		--scenario kho-reserve-mem --append "$3")
	ktap_relay "$1." "$out"
}

echo "KTAP version 1"
echo "# Subtest: kho-reserve-mem"

run rm-chain 3 "kho=on $base"
log=$KHO_LOGS/rm-chain.log
addrs=$(for g in 0 1 2 3; do report "$log" $g trace_addr; done | sort -u)
ktap_result "$([ "$(echo "$addrs" | grep -c .)" -eq 1 ] &&
	[ "$(for g in 0 1 2 3; do report "$log" $g trace_addr; done | grep -c .)" -eq 4 ]
	echo $?)" rm-chain.same_trace_address "$(echo $addrs)"
for g in 1 2 3; do
	ktap_result "$([ "$(report "$log" $g trace_prev)" = yes ]; echo $?)" \
		"rm-chain.gen$g.previous_trace_marker"
	ktap_result "$([ "$(report "$log" $g pstore_prev)" = yes ]; echo $?)" \
		"rm-chain.gen$g.previous_console_log_in_pstore"
done
n=$(grep -v '\] # ' "$log" | grep -c 'KHO: reserve_mem: trace: kept 16777216 bytes at')
ktap_result "$([ "$n" -eq 3 ]; echo $?)" rm-chain.region_kept_each_hop "$n of 3"
grep -q 'gen=3 .*last_boot="text delta:' "$log"
ktap_result $? rm-chain.last_boot_info

# Another command line in the next kernel: a region reserved before "trace"
run rm-plain-pad 1 "$base kho_rm_next=pad"
run rm-kho-pad 1 "kho=on $base kho_rm_next=pad"
p0=$(report "$KHO_LOGS/rm-plain-pad.log" 0 trace_addr)
p1=$(report "$KHO_LOGS/rm-plain-pad.log" 1 trace_addr)
ktap_result "$([ -n "$p0" ] && [ -n "$p1" ] && [ "$p0" != "$p1" ]; echo $?)" \
	plain_kexec.region_moved "$p0 -> $p1"
ktap_result "$([ "$(report "$KHO_LOGS/rm-plain-pad.log" 1 trace_prev)" = no ]; echo $?)" \
	plain_kexec.trace_lost
k0=$(report "$KHO_LOGS/rm-kho-pad.log" 0 trace_addr)
k1=$(report "$KHO_LOGS/rm-kho-pad.log" 1 trace_addr)
ktap_result "$([ -n "$k0" ] && [ "$k0" = "$k1" ]; echo $?)" \
	kho_kexec.region_kept "$k0 -> $k1"
ktap_result "$([ "$(report "$KHO_LOGS/rm-kho-pad.log" 1 trace_prev)" = yes ]; echo $?)" \
	kho_kexec.trace_kept
grep -q 'KHO: reserve_mem: pad: the previous kernel had no such region; fresh memory' \
	"$KHO_LOGS/rm-kho-pad.log"
ktap_result $? kho_kexec.new_region_reported

# Another size: fresh memory, the reason logged, the rest restored
run rm-kho-resize 1 "kho=on $base kho_rm_next=resize"
log=$KHO_LOGS/rm-kho-resize.log
grep -q "KHO: reserve_mem: trace: the previous kernel's region is 16777216 bytes at .*, this kernel asks for 0x0*800000 bytes aligned to 0x0*1000; fresh memory" "$log"
ktap_result $? resize.reason_logged
ktap_result "$([ "$(report "$log" 1 trace_prev)" = no ]; echo $?)" resize.fresh_buffer

# A subtree outside preserved memory: refused, fresh regions, test_kho's
# data still restored, the old regions left reserved and counted
run rm-kho-badtree 1 "kho=on $base kho_fault=memblock_unpreserved"
log=$KHO_LOGS/rm-kho-badtree.log
grep -q 'KHO: reserve_mem: ignoring the memblock subtree of the previous kernel: not in preserved memory; reserve_mem= regions get fresh memory' "$log"
ktap_result $? badtree.reason_logged
ktap_result "$([ "$(report "$log" 1 trace_prev)" = no ]; echo $?)" badtree.fresh_buffer
echo "1..$KTAP_N"
exit $KTAP_FAILED
