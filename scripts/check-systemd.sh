#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-systemd: live update with a real systemd as PID 1.  The
# distribution kernel of check-distro (build/obj-distro: Debian's cloud
# config and configs/kho-distro.config) boots a Debian unstable root file
# system with systemd (scripts/rootfs-systemd.sh, cached outside the
# clone) as its initramfs, with kho=on liveupdate=on, and the guest of
# guest/systemd/ on top of it:
#   kho-preserve.service  FileDescriptorStorePreserve=yes: stores a sealed
#                         64 MiB memfd and a /dev/liveupdate session of
#                         its own holding a 16 MiB memfd
#   kho-plain.service     no FileDescriptorStorePreserve=: stores a memfd
#   kho-report.service    after multi-user.target: the generation's KTAP,
#                         kexec -s -l (kexec_file_load), systemctl kexec
# In the next boot the first service must get both back (contents, seals,
# its session by name through systemd), the second nothing; systemd's own
# session "systemd" must be finished and debugfs show nothing unclaimed;
# then a second hop.  A warning or error of systemd or the kernel about
# the live update fails it.  Prints KTAP; non-zero exit on any failure.
#
# HOPS=N (default 2) kexecs.
set -uo pipefail
. "$(dirname "$0")/common.sh"

export KHO_OBJ=$KHO_BUILD/obj-distro
export KHO_LOGS=$KHO_BUILD/logs-systemd
work=$KHO_BUILD/systemd
hops=${HOPS:-2}
mkdir -p "$KHO_LOGS" "$work"
t_start=$SECONDS

echo "KTAP version 1"
echo "# Subtest: check-systemd"

# The kernel: check-distro's build, the same configuration and targets (so
# the two never rebuild each other's tree)
if ! ktap_build_distro "$KHO_LOGS/build.log"; then
	echo "1..$KTAP_N"
	exit 1
fi
bz=$KHO_OBJ/arch/x86/boot/bzImage

# The root file system, built once per machine
t0=$SECONDS
if rootfs=$("$KHO_TOP/scripts/rootfs-systemd.sh" 2>"$KHO_LOGS/rootfs.log"); then
	info=$(dirname "$rootfs")/info
	ktap_result 0 rootfs "$(grep -m1 '^systemd ' "$info"), $(sed -n 's/^cpio_zst_bytes //p' "$info") bytes compressed, $(sed -n 's/^unpacked_bytes //p' "$info") unpacked, $((SECONDS - t0)) s; $(dirname "$rootfs")"
else
	tail -20 "$KHO_LOGS/rootfs.log" >&2
	ktap_result 1 rootfs "see ${KHO_LOGS#"$KHO_TOP"/}/rootfs.log"
	echo "1..$KTAP_N"
	exit 1
fi

# The guest on top of it: an uncompressed cpio first (as early microcode
# goes before a compressed initramfs), the root file system after it.
# The kernel keeps the whole initramfs (retain_initrd) and each
# generation hands it on as /sys/firmware/initrd.
stage=$work/overlay
rm -rf "$stage"
mkdir -p "$stage"/{boot,usr/local/bin,usr/local/lib/kho,etc/tmpfiles.d} \
	"$stage"/etc/systemd/system/multi-user.target.wants
inc=$work/include
mkdir -p "$inc/linux"
cp "$KHO_TOP/include/uapi/linux/liveupdate.h" "$inc/linux/"
if ! gcc -O2 -Wall -I"$inc" -I"$KHO_TOP/tools/testing/selftests" \
	-o "$stage/usr/local/bin/kho-fdstore" \
	"$KHO_TOP/guest/systemd/kho-fdstore.c" 2>"$KHO_LOGS/gcc.log"; then
	cat "$KHO_LOGS/gcc.log" >&2
	ktap_result 1 guest "cannot build guest/systemd/kho-fdstore.c"
	echo "1..$KTAP_N"
	exit 1
fi
guest_tsc "$work/tsc"
cp "$work/tsc" "$stage/usr/local/bin/tsc"
cp "$bz" "$stage/boot/vmlinuz"
cp "$KHO_TOP/guest/ktap.sh" "$stage/usr/local/lib/kho/ktap.sh"
install -m 0755 "$KHO_TOP/guest/systemd/report" "$stage/usr/local/lib/kho/report"
u=$KHO_TOP/guest/systemd/units
cp "$u"/*.service "$u"/kho.target "$stage/etc/systemd/system/"
cp "$u/kho.tmpfiles" "$stage/etc/tmpfiles.d/kho.conf"
ln -s kho.target "$stage/etc/systemd/system/default.target"
# The kernel runs /init from an initramfs; systemd is it
ln -s usr/lib/systemd/systemd "$stage/init"
for s in kho-preserve kho-plain; do
	ln -s ../$s.service "$stage/etc/systemd/system/multi-user.target.wants/"
done
# No login prompt on the console the harness reads
ln -s /dev/null "$stage/etc/systemd/system/getty.target"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) >"$work/overlay.cpio"
cat "$work/overlay.cpio" "$rootfs" >"$work/initrd.img"
ktap_result 0 guest "initramfs $(stat -c %s "$work/initrd.img") bytes: guest/systemd $(stat -c %s "$work/overlay.cpio") + root file system"

# One guest: gen0 boots from QEMU, each later one from "systemctl kexec"
out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name systemd \
	--kernel "$bz" --initrd "$work/initrd.img" --hops "$hops" \
	--scenario systemd --mem 2G --timeout $((240 + 200 * hops)) \
	--json "$KHO_LOGS/systemd.json" --append "kho=on liveupdate=on retain_initrd")
log=$KHO_LOGS/systemd.log
ktap_relay "systemd." "$out"

# systemd-shutdown, which preserves the fd stores right before the kexec,
# logs to the kernel's console only: what it said about the live update
# is read from the serial log.  Its success line must be there once per
# hop.  It tries every fd of every store to be preserved, systemd's own
# units' too (systemd-udevd's "inotify", an inotify fd, and
# systemd-journald's "stored", its clients' stream sockets): the kernel
# preserves memfds only and must refuse the others with ENOENT (no
# handler); a failure for a test fd ("data", "session", "plain" must not
# even be tried) or any other error fails.
sd=$(grep -aE '^\[ *[0-9.]+\] \[ *[0-9.]+\] systemd-shutdown\[[0-9]+\]:' "$log" |
	sed -E 's/^\[[ 0-9.]+\] //')
echo "$sd" | grep -iE 'luo|liveupdate|live update|fd store|kexec' | sed 's/^/# /'
n=$(echo "$sd" | grep -c "Preserved fd stores in LUO session 'systemd'")
ktap_result "$([ "$n" = "$hops" ]; echo $?)" systemd_shutdown_preserved \
	"$n of $hops hops"
lost=$(echo "$sd" | grep -E "Failed to preserve LUO fd [0-9]+ \(name '")
ours=$(echo "$lost" | grep -E "\(name '(data|session|plain)'\)")
ktap_result "$([ -z "$ours" ]; echo $?)" systemd_shutdown_test_fds_preserved \
	"$(echo "$ours" | sed -E 's/.*\(name .([a-z]*).\).*: (.*)/\1: \2;/' | xargs)"
other=$(echo "$lost" | grep -vE "\(name '(data|session|plain)'\)" | grep .)
notenoent=$(echo "$other" | grep -v 'No such file or directory$' | grep .)
ktap_result "$([ -z "$notenoent" ]; echo $?)" systemd_shutdown_other_fds_refused_enoent \
	"$(echo "$other" | grep -c .) refused: $(echo "$other" | sed -nE "s/.*\(name '([^']*)'\).*: (.*)/\1 (\2)/p" | sort | uniq -c | xargs)"
bad=$(echo "$sd" | grep -iE 'luo|liveupdate|live update|fd store' |
	grep -v 'Failed to preserve LUO fd' |
	grep -iE 'fail|error|cannot|lost|skipping|ignoring|invalid|unsupported|not ')
ktap_result "$([ -z "$bad" ]; echo $?)" systemd_shutdown_no_other_live_update_error \
	"$(echo "$bad" | head -3 | xargs)"

# The figures: results per hop, bytes verified, the hop's time
for h in $(seq 0 "$hops"); do
	echo "$out" | grep -E "^(not )?ok [0-9]+ gen$h( |$)" | sed "s/^/# result hop $h: /"
done
grep -aoE '# verified: [0-9]+ bytes' "$log" | awk '{ print "# verified in generation " NR ": " $3 " bytes" }'
grep -aE '^\[ *[0-9.]+\] \[ *[0-9.]+\] liveupdate: (handover|live update) ' "$log" |
	sed -E 's/^\[[ 0-9.]+\] /# /'
# A hop in guest time (the TSC, which kexec does not reset): from
# "systemctl kexec" to multi-user.target in the next boot; in it, the
# shutdown (to the kernel's "Starting new kernel"), the jump (purgatory,
# decompression, the kernel before its clock starts), the kernel (its
# clock to /init, which unpacks the initramfs) and systemd (/init to
# multi-user.target, CLOCK_MONOTONIC)
python3 - "$KHO_LOGS/systemd.json" <<'PY' || true
import json, sys
for h in json.load(open(sys.argv[1]))["hops"]:
    mu = h["kernel_to_init_ms"]
    line = '# hop %d: "systemctl kexec" to multi-user.target %.1f s' % (
        h["hop"], h["hop_ms"] / 1000)
    if "shutdown_ms" in h:
        line += ": shutdown %.1f s, jump %.1f s, kernel %.1f s, systemd %.1f s" % (
            h["shutdown_ms"] / 1000, (h["hop_ms"] - h["shutdown_ms"] - mu) / 1000,
            h["kernel_ms"] / 1000, (mu - h["kernel_ms"]) / 1000)
    print(line + " (guest TSC)")
PY
echo "# kho-time: check-systemd $((SECONDS - t_start)) s"
echo "1..$KTAP_N"
exit $KTAP_FAILED
