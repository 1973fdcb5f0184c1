#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The systemd guest's root file system (make check-systemd): Debian
# unstable, built by Debian's own mmdebstrap from the packages listed in
# guest/systemd/packages on top of the Essential: yes set, with systemd as
# PID 1, packed as one zstd-compressed initramfs (newc cpio).  The
# distribution kernel of check-distro has no modules (no virtio-blk, no
# ext4 module to worry about): an initramfs root needs none.
#
# Cached like ccache, outside the clone and shared by every clone:
# $KHO_CACHE/kho-rootfs/<hash>/, where <hash> covers the package list and
# this script; so it is built once per machine and again only when either
# changes (unstable moves on, but a cached root file system stays as it was
# built: its manifest says what it holds).  The directory holds
#   rootfs.cpio.zst   the initramfs
#   manifest          every package and version (dpkg-query)
#   info              suite, systemd version, sizes, build time, date
#
# usage: rootfs-systemd.sh    prints the cached initramfs' path on stdout
#        (KHO_ROOTFS_REBUILD=1 builds it again)
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgfile=$KHO_TOP/guest/systemd/packages
suite=unstable
mirror=http://deb.debian.org/debian
hash=$(cat "$pkgfile" "$0" | sha256sum | cut -c1-16)
top=$KHO_CACHE/kho-rootfs
dir=$top/$hash
out=$dir/rootfs.cpio.zst

# mmdebstrap, zstd and cpio come from the host's Debian 12 archive
"$KHO_TOP/scripts/setup.sh" >&2

mkdir -p "$top"
exec 9>"$top/.lock"
flock 9
if [ -s "$out" ] && [ -s "$dir/info" ] && [ -z "${KHO_ROOTFS_REBUILD:-}" ]; then
	info "rootfs: cached $dir ($(grep -m1 '^systemd ' "$dir/info"))"
	echo "$out"
	exit 0
fi

pkgs=$(grep -v '^#' "$pkgfile" | grep -v '^$' | paste -sd, -)
tmp=$(mktemp -d "$top/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
info "rootfs: building Debian $suite + $pkgs into $dir (once per machine)"
t0=$(date +%s.%N)
# --variant=essential: only the Essential: yes packages and what the list
# pulls in (no apt: nothing is installed in the guest).  Documentation,
# manual pages and translations are left out of the image.
# Check-Valid-Until=false: the archive this machine reaches serves an
# unstable whose Release is past its Valid-Until by this machine's clock
# (Release of 2026-10-30, valid until 2026-11-06, seen on 2026-12-08);
# its signature is still checked against Debian's keyring.
nice -n 10 mmdebstrap --quiet --mode=root --variant=essential \
	--include="$pkgs" \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--customize-hook='chroot "$1" dpkg-query -W -f="\${Package} \${Version}\n" >"$1/.manifest"' \
	"$suite" "$tmp/root" "$mirror" >&2 ||
	die "mmdebstrap $suite failed (see above)"
t1=$(date +%s.%N)
root=$tmp/root
mv "$root/.manifest" "$tmp/manifest"
# A fixed machine ID: a boot without one is a first boot, which runs
# systemd-firstboot and its prompts on the console
echo 4b484f2d73797374656d642d67756573 >"$root/etc/machine-id"
echo kho >"$root/etc/hostname"
sdver=$(grep '^systemd ' "$tmp/manifest" | cut -d' ' -f2)
[ -n "$sdver" ] || die "no systemd in the built root file system"
usize=$(du -sb "$root" | cut -f1)
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc --reproducible) |
	nice -n 10 zstd -q -T0 -12 >"$tmp/rootfs.cpio.zst"
t2=$(date +%s.%N)
{
	echo "suite $suite ($mirror)"
	echo "systemd $sdver"
	echo "packages $(wc -l <"$tmp/manifest") (listed: $pkgs)"
	echo "unpacked_bytes $usize"
	echo "cpio_zst_bytes $(stat -c %s "$tmp/rootfs.cpio.zst")"
	echo "mmdebstrap_s $(echo "$t1 - $t0" | bc)"
	echo "pack_s $(echo "$t2 - $t1" | bc)"
	echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
} >"$tmp/info"
rm -rf "$root" "$dir"
mkdir -p "$dir"
mv "$tmp/rootfs.cpio.zst" "$tmp/manifest" "$tmp/info" "$dir/"
info "rootfs: built $dir: $(paste -sd';' "$dir/info")"
echo "$out"
