#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# KHO scratch regions in QEMU.
#  - A 3-hop KHO kexec chain on two NUMA nodes (guest/scenario/kho-scratch):
#    every generation must report the same scratch layout, lowmem + global +
#    one region per node, CMA pageblocks, movable allocations in scratch,
#    and receive the handover.
#  - kho_scratch= on cold boots: N% scales the default, explicit sizes are
#    used exactly, a bad value is reported and the default used, a size that
#    cannot be reserved turns KHO off without stopping the boot.
#  - kexec_file_load of an image that does not fit in scratch fails cleanly.
# Prints KTAP; exit status non-zero on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

layouts() { grep -o '# kho-scratch-layout: .*' "$KHO_BUILD/logs/$1.log" | cut -d' ' -f3- | sed 's/ *$//'; }
total_mib() { local t=0 r; for r in $1; do t=$((t + ${r#*:})); done; echo $((t >> 20)); }

echo "KTAP version 1"
echo "# Subtest: kho-scratch"

out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name scratch-chain --hops 3 \
	--numa --mem 2G --scenario kho-scratch --append kho=on --timeout 200)
ktap_relay chain. "$out"
mapfile -t lay < <(layouts scratch-chain)
uniq=$(printf '%s\n' "${lay[@]}" | sort -u | wc -l)
[ ${#lay[@]} -eq 4 ] && [ "$uniq" -eq 1 ]
ktap_result $? chain_same_layout "${#lay[@]} generations, $uniq distinct: ${lay[0]:-none}"
regions=$(echo "${lay[0]:-}" | wc -w)
[ "$regions" -eq 4 ]
ktap_result $? chain_regions_lowmem_global_2nodes "$regions regions, $(total_mib "${lay[0]:-}") MiB"

# boot NAME APPEND: one cold boot reporting its layout; prints the layout
# (the runner's own verdict is kept in build/logs/scratch-NAME.tap)
boot() {
	python3 "$KHO_TOP/scripts/qemu-run.py" --name "scratch-$1" --hops 0 \
		--scenario kho-scratch-info --append "kho=on $2" \
		>"$KHO_BUILD/logs/scratch-$1.tap" 2>&1
	layouts "scratch-$1"
}

def=$(boot default "")
half=$(boot pct "kho_scratch=50%")
exact=$(boot sizes "kho_scratch=16M,64M,32M")
bad=$(boot bad "kho_scratch=lots")
huge=$(boot huge "kho_scratch=16M,64G,32M")
dt=$(total_mib "$def")
ht=$(total_mib "$half")
echo "# default: $def ($dt MiB)"
echo "# 50%:     $half ($ht MiB)"
# N% is a percentage of the reserved memory and the default is 200%, so 50%
# is a quarter of the default, up to the rounding of each region to 2 MiB.
[ "$dt" -gt 0 ] && [ $((ht * 10)) -ge $((dt * 2)) ] && [ $((ht * 10)) -le $((dt * 4)) ]
ktap_result $? param_percent "50% gives $ht MiB against $dt MiB for the default 200%"
sizes=$(for r in $exact; do echo -n "$((${r#*:} >> 20)) "; done)
[ "$sizes" = "16 64 32 " ]
ktap_result $? param_sizes "kho_scratch=16M,64M,32M gives ${sizes:-none}(MiB)"
grep -q 'KHO: invalid kho_scratch=lots' "$KHO_BUILD/logs/scratch-bad.log" &&
	[ "$(total_mib "$bad")" -eq "$dt" ]
ktap_result $? param_bad_reported "reported, default used: $(total_mib "$bad") MiB"
grep -q 'KHO: cannot reserve .* Kexec HandOver is disabled for this boot' \
	"$KHO_BUILD/logs/scratch-huge.log" && [ "$huge" = none ] &&
	grep -q '^ok [0-9]* gen0' "$KHO_BUILD/logs/scratch-huge.tap"
ktap_result $? param_unreservable_disables_kho "64G global: KHO off, boot completes"
out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name scratch-nofit --hops 0 \
	--scenario kho-kexec-nofit --append "kho=on kho_scratch=2M,2M,2M")
ktap_relay nofit. "$out"
echo "1..$KTAP_N"
exit $KTAP_FAILED
