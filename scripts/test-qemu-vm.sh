#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A real VM across a live update (guest/scenario/qemu-vm): Debian's own
# QEMU, run inside the test guest, keeps a VM (guest/vm-fw, 256 MiB of
# work in a memfd held by lu-memfd-holder) running through 3 host kexecs;
# its result must equal an uninterrupted run's (guest/vm-fw/vmfw-ref, the
# same computation on the host) and its own memory check must pass, also
# in the hop whose helper is killed halfway through its resume.  Then
# the negative control: one hop in which the VM is restored onto a fresh,
# zeroed memfd; that guest must fail, and fail because the VM's own memory
# check saw it.  Prints KTAP; non-zero exit on any failure.
#   QEMU_VM_MIB (256), QEMU_VM_HOPS (3): the size of the first part;
#   QEMU_VM_NAME (qemu-vm): its log and initramfs names; QEMU_VM_APPEND:
#   more of the command line (vm_thp=always: the RAM in shmem huge pages);
#   QEMU_VM_ZERO (1): 0 leaves the negative control out.  The kernel is
#   $KHO_OBJ's (check-distro runs it on Debian's config).
set -uo pipefail
. "$(dirname "$0")/common.sh"

mib=${QEMU_VM_MIB:-256}
hops=${QEMU_VM_HOPS:-3}
name=${QEMU_VM_NAME:-qemu-vm}
initrd=$KHO_BUILD/initramfs-${name/#qemu-vm/qemu}.cpio
extra=${initrd%.cpio}.extra
echo "KTAP version 1"
echo "# Subtest: $name"
"$KHO_TOP/scripts/initramfs-qemu.sh" "$initrd" >"${initrd%.cpio}.log" 2>&1
ktap_result $? initramfs "$(du -m "$initrd" | cut -f1) MiB"
# The holder's own tests on the host (no /dev/liveupdate: preserve refused
# with the reason); the guest runs them again with /dev/liveupdate
out=$("$KHO_TOP/tools/liveupdate/test-lu-memfd-holder.sh" \
	"$extra/lu-memfd-holder")
ktap_result $? lu_memfd_holder_host_tests \
	"$(echo "$out" | grep -c '^ok') ok, $(echo "$out" | grep -c '^not ok') not ok"
ref=$("$extra/vmfw-ref" "$mib" $((hops + 1)))
ktap_result $? reference "uninterrupted: $ref"
ref=$(echo "$ref" | awk '{ print $2 }')
run() {	# run NAME HOPS APPEND
	python3 "$KHO_TOP/scripts/qemu-run.py" --name "$1" --hops "$2" \
		--scenario qemu-vm --mem 1536M --timeout 1800 \
		--initrd "$initrd" \
		--append "kho=on liveupdate=on ${QEMU_VM_APPEND:-} $3"
}

out=$(run "$name" "$hops" "vm_mib=$mib vm_steps=$((hops + 1)) vm_ref=$ref")
ktap_relay "" "$out"
log=$KHO_LOGS/$name.log
grep -h '# qemu-vm-blackout:\|vm: clock: stopped for' "$log" | sed 's/^\[[ 0-9.]*\] /# /'
n=$(grep -c '^\[[ 0-9.]*\] ok [0-9]* vm_saw_its_blackout' "$log")
[ "$n" -eq "$hops" ]
ktap_result $? vm_resumed_every_hop "$n of $hops"
# generation 2 killed the helper halfway through its first resume
[ "$hops" -lt 2 ] ||
	grep -q '^\[[ 0-9.]*\] ok [0-9]* holder_killed_mid_resume' "$log"
ktap_result $? vm_back_after_the_helper_was_killed

if [ "${QEMU_VM_ZERO:-1}" = 0 ]; then
	echo "1..$KTAP_N"
	exit $KTAP_FAILED
fi
# Negative control: 64 MiB in 4 passes, stopped after the first, is enough
out=$(run "$name-zero" 1 "vm_mib=64 vm_steps=4 vm_mode=zero vm_timeout=300 \
	vm_ref=$("$extra/vmfw-ref" 64 4 | awk '{ print $2 }')")
log=$KHO_LOGS/$name-zero.log
echo "$out" | grep -q '^not ok [0-9]* gen1'
ktap_result $? zero_memfd_guest_fails "$(echo "$out" | grep '^not ok' | head -1)"
grep -q 'negative control: restoring onto a fresh memfd' "$log"
ktap_result $? zero_memfd_used
grep -q '^\[[ 0-9.]*\] ok [0-9]* vm_stopped_mid_run' "$log"
ktap_result $? zero_memfd_vm_stopped_mid_run
grep -q '# vm1: vm: memory check FAILED' "$log"
ktap_result $? zero_memfd_seen_by_the_vm \
	"$(grep -m1 -o 'vm: memory check FAILED.*' "$log")"
grep -q '^\[[ 0-9.]*\] not ok [0-9]* vm_memory_check' "$log"
ktap_result $? zero_memfd_memory_check_not_ok
echo "1..$KTAP_N"
exit $KTAP_FAILED
