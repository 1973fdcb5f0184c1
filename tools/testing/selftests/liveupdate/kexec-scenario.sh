# SPDX-License-Identifier: GPL-2.0
# Scenario for the KHO harness guest (/lib/kho/scenario/luo-memfd, sourced
# by its /init with the ktap_* helpers), a chain of live updates done the
# mainline way: kexec -s -l, then kexec -e, whose reboot serializes the
# sessions and finalizes KHO (nothing is finalized by hand).
# - generation 0 runs the ioctl selftest and preserves the sessions of
#   luo_kexec (a luo_mib= MiB memfd, default 64, sealed and positioned;
#   two sparse memfds; an empty session; one never to be retrieved; and
#   two for failures in the next kernel);
# - generation 1 checks everything that came back, leaves "lu-left"
#   unretrieved (debugfs shows it unclaimed), retrieves a 64 MiB memfd in
#   a 16 MiB memory cgroup (ENOMEM, then again from outside it, intact)
#   and a session whose first retriever is killed, and preserves the big
#   memfd again;
# - every later generation checks the big memfd (every byte, size,
#   position, seals), that "lu-left" is gone, and (but the last) carries
#   the memfd on; the selftest runs again in the last one.
# With luo_thp=1, shmem uses transparent huge pages and the big memfd must
# hold huge pages before the kexec and after each retrieve; with
# luo_memcg=1, luo_kexec runs in a memory cgroup of its own, to which each
# retrieve must charge the memfd.
# Boot with "kho=on liveupdate=on"; /bin/luo_selftest and /bin/luo_kexec
# must be in the initramfs.

LUO_MIB=64 thp=0 memcg=0
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	luo_mib=*) LUO_MIB=${arg#*=} ;;
	luo_thp=1) thp=1 ;;
	luo_memcg=1) memcg=1 ;;
	esac
done
THP=/sys/kernel/mm/transparent_hugepage/shmem_enabled
CG=/sys/fs/cgroup
if [ $thp -eq 1 ]; then
	ktap_check thp_shmem_always sh -c "echo always > $THP"
	export LUO_EXPECT_THP=1
fi
if [ $memcg -eq 1 ]; then
	ktap_check memcg_setup sh -c "mkdir -p $CG && mount -t cgroup2 none $CG &&
		echo +memory > $CG/cgroup.subtree_control && mkdir -p $CG/lu$hop"
	export LUO_MEMCG=$CG/lu$hop
fi
# luo_kexec runs in the cgroup, if there is one
luo_kexec() {
	if [ -n "${LUO_MEMCG:-}" ]; then
		sh -c "echo \$\$ > $LUO_MEMCG/cgroup.procs && exec /bin/luo_kexec $*"
	else
		/bin/luo_kexec "$@"
	fi
}
LUO_DBG=/sys/kernel/debug/liveupdate

luo_run() {	# luo_run NAME COMMAND...: one result, the output as diagnostics
	name=$1
	shift
	"$@" >/tmp/luo.log 2>&1
	rc=$?
	sed 's/^/# /' /tmp/luo.log
	# A case that could not run is no pass here: the test kernel has
	# everything each case needs
	skips=$(grep -Ec '^ok [0-9]+ .*# SKIP' /tmp/luo.log)
	[ "$skips" -eq 0 ] || rc=1
	luo_oks=$(grep -c '^ok' /tmp/luo.log)
	luo_fails=$(grep -c '^not ok' /tmp/luo.log)
	# the failed cases by name: a CI log that keeps only the summary
	# still says which
	ktap_result $rc "$name" \
		"$luo_oks ok ($skips skipped), $luo_fails not ok$(
		grep -E '^not ok|^ok [0-9]+ .*# SKIP' /tmp/luo.log | head -3 |
		sed 's/^\(not \)*ok [0-9]* */: /' | tr -d '\n')"
}

if [ "$hop" -eq 0 ]; then
	luo_run luo_selftest /bin/luo_selftest
	luo_run luo_preserve luo_kexec preserve "$LUO_MIB"
	sed 's/^/# /' $LUO_DBG
	ktap_check luo_not_frozen_before_reboot grep -q '^state normal' $LUO_DBG
else
	sed 's/^/# /' $LUO_DBG
	ktap_check luo_incoming dmesg_has 'incoming session(s)'
	n=$(awk '/^liveupdate-number/ { print $2 }' $LUO_DBG)
	ktap_check luo_number_is_hop test "$n" = "$hop"
	luo_run luo_chain luo_kexec chain "$hop" "$hops" "$LUO_MIB"
	sed 's/^/# /' $LUO_DBG
	[ "$hop" -eq 1 ] &&
		ktap_check luo_left_unclaimed grep -q '^incoming lu-left unclaimed' $LUO_DBG
	[ "$hop" -lt "$hops" ] || luo_run luo_selftest /bin/luo_selftest
fi

# With kmemleak (make check-debug's kernel): nothing leaked so far
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	sed 's/^/# /' /sys/kernel/debug/kmemleak
	ktap_check luo_kmemleak_clean sh -c '! grep -q unreferenced /sys/kernel/debug/kmemleak'
fi
