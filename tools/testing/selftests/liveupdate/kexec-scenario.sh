# SPDX-License-Identifier: GPL-2.0
# Scenario for the KHO harness guest (/lib/kho/scenario/, sourced by its
# /init with the ktap_* helpers): generation 0 runs the ioctl selftest,
# preserves memfds with luo_kexec and finalizes KHO; generation 1 checks
# what came back and runs the selftest again.  Boot with
# "kho=on liveupdate=on"; /bin/luo_selftest and /bin/luo_kexec must be in
# the initramfs.

LUO_MIB=${LUO_MIB:-64}
LUO_DBG=/sys/kernel/debug/liveupdate

luo_run() {	# luo_run NAME COMMAND...: one result, the output as diagnostics
	name=$1
	shift
	"$@" >/tmp/luo.log 2>&1
	rc=$?
	sed 's/^/# /' /tmp/luo.log
	ktap_result $rc "$name" "$(grep -c '^ok' /tmp/luo.log) ok, $(grep -c '^not ok' /tmp/luo.log) not ok"
}

if [ "$hop" -eq 0 ]; then
	luo_run luo_selftest /bin/luo_selftest
	luo_run luo_preserve /bin/luo_kexec preserve "$LUO_MIB"
	sed 's/^/# /' $LUO_DBG
	ktap_check kho_finalize sh -c 'echo 1 >/sys/kernel/debug/kho/out/finalize'
	ktap_check luo_frozen grep -q '^state frozen' $LUO_DBG
else
	sed 's/^/# /' $LUO_DBG
	ktap_check luo_incoming dmesg_has 'incoming sessions'
	luo_run luo_check /bin/luo_kexec check "$LUO_MIB"
	sed 's/^/# /' $LUO_DBG
	ktap_check luo_left_unclaimed grep -q '^incoming lu-left unclaimed' $LUO_DBG
	luo_run luo_selftest /bin/luo_selftest
fi

# With kmemleak (make check-debug's kernel): nothing leaked so far
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	sed 's/^/# /' /sys/kernel/debug/kmemleak
	ktap_check luo_kmemleak_clean sh -c '! grep -q unreferenced /sys/kernel/debug/kmemleak'
fi
