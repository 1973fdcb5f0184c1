#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-distro: KHO on the kernel a fleet runs.  Builds the tree with
# Debian's own config.amd64_none_cloud-amd64 (package linux-config-6.12)
# plus configs/kho-distro.config into build/obj-distro (bzImage and the one
# module the test loads), checks that every built-in option of Debian's
# config is still built in, then runs the selftest: a 3-hop KHO chain that
# carries 256 MiB on two NUMA nodes with KASLR on, and reports CmaTotal and
# CmaFree in every generation; and a 3-hop live update chain carrying a
# 256 MiB memfd in huge pages, charged to a memory cgroup.  Prints KTAP;
# non-zero exit on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

debian=$KHO_DISTRO_CONFIG
export KHO_OBJ=$KHO_BUILD/obj-distro
export KHO_LOGS=$KHO_BUILD/logs-distro
mkdir -p "$KHO_LOGS"

echo "KTAP version 1"
echo "# Subtest: check-distro"

# Debian's config is an input: whichever version is installed is used,
# and the run says which
cfgver=$(dpkg-query -W -f='${Version}' "$KHO_DISTRO_CONFIG_PKG" 2>/dev/null)
if [ ! -r "$debian" ]; then
	ktap_result 1 debian_config "$debian missing; run scripts/setup.sh"
	echo "1..$KTAP_N"
	exit 1
fi
[ "${KHO_PREBUILD:-}" = 1 ] ||
	ktap_result 0 debian_config "$KHO_DISTRO_CONFIG_PKG ${cfgver:-not from a package} on base $KHO_BASE_VER"

if ! ktap_build_distro "$KHO_LOGS/build.log"; then
	echo "1..$KTAP_N"
	exit 1
fi
[ "${KHO_PREBUILD:-}" = 1 ] && exit 0

# Every option Debian builds in is still built in, but debug info, which
# the fragment turns off, and what goes with it (BTF, pahole's features)
lost=$(comm -23 <(xzcat "$debian" | grep -E '^CONFIG_[A-Z0-9_]+=y$' | sort) \
	<(grep -E '^CONFIG_[A-Z0-9_]+=y$' "$KHO_OBJ/.config" | sort) | sed 's/=y$//')
other=$(echo "$lost" | grep -vE '^CONFIG_([A-Z0-9_]*_)?(DEBUG_INFO|BTF|PAHOLE)' |
	grep -v '^$')
kept=$(xzcat "$debian" | grep -cE '^CONFIG_[A-Z0-9_]+=y$')
ktap_result "$([ -z "$other" ]; echo $?)" debian_builtins_kept \
	"${other:+lost: $(echo $other | head -c 200); }$kept built-in options of Debian's config, $(echo "$lost" | grep -c .) dropped with debug info: $(echo $lost | sed 's/CONFIG_//g')"

out=$(bash "$KHO_TOP/tools/testing/selftests/kho/vmtest.sh" -k "$KHO_OBJ" \
	-n 3 -m 256M -N -o "$KHO_LOGS/selftest-chain3-256M.log")
rc=$?
echo "$out" | grep -E 'scratch_all_cma|# QEMU ran' | sed 's/^ */# /'
ktap_result $rc selftest_chain3_256M_numa "$(echo "$out" | grep -m1 '# QEMU ran')"
# KASLR is on: the kernel did not run at one address in all 4 generations
# (two of them may draw the same slot)
texts=$(grep -ao '_text at [0-9a-f]*' "$KHO_LOGS/selftest-chain3-256M.log" | sort -u | wc -l)
ktap_result "$([ "$texts" -ge 2 ]; echo $?)" kaslr_on "$texts distinct _text addresses in 4 generations"

# Live update on Debian's kernel: 3 hops carrying a 256 MiB memfd in
# transparent huge pages, charged to the retrieving task's memory cgroup
# in every generation, through the harness guest (its own initramfs)
if bash "$KHO_TOP/scripts/initramfs.sh" "$KHO_BUILD/initramfs-distro.cpio" \
	>"$KHO_LOGS/initramfs.log" 2>&1; then
	out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name distro-luo-chain3 \
		--kernel "$KHO_OBJ/arch/x86/boot/bzImage" \
		--initrd "$KHO_BUILD/initramfs-distro.cpio" --hops 3 \
		--scenario luo-memfd --timeout 400 \
		--append "kho=on liveupdate=on luo_mib=256 luo_thp=1 luo_memcg=1")
	ktap_relay "luo." "$out"
else
	ktap_result 1 luo_initramfs "see $KHO_LOGS/initramfs.log"
fi

# A real VM on Debian's kernel: Debian's QEMU keeps its VM through 2 live
# updates with shmem_enabled=always, its retrieved RAM in shmem huge pages
# (test-qemu-vm.sh; the test kernel's run in make check has the negative
# control).  QEMU 7.2's own faults on its RAM get small pages even so, and
# with shmem_enabled=advise no folio of it was huge (2026-12-08)
out=$(QEMU_VM_NAME=distro-qemu-vm QEMU_VM_HOPS=2 QEMU_VM_ZERO=0 \
	QEMU_VM_APPEND=vm_thp=always "$KHO_TOP/scripts/test-qemu-vm.sh" 2>&1)
ktap_relay "qemu_vm." "$out"

echo "1..$KTAP_N"
exit $KTAP_FAILED
