#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs on a Debian 12 host, and fetch the base.
# Idempotent and silent when everything is already present.
#
# Only the base (linux-source-6.12) is pinned, because it defines the tree
# the overlay patches; it is fetched by exact version into the cache with
# "apt-get download" and never installed, so bases can live side by side.
# Every other package, Debian's kernel configs included, is whatever the
# archive has today: asking it for an exact version it may drop is how a
# fresh machine stops installing.
#
#   setup.sh                  install what is missing, fetch $KHO_BASE_VER
#   setup.sh --base VERSION   fetch that base only
#   setup.sh --check-archive [VERSION...]
#                             KTAP: the archive still offers every package
#                             and every base VERSION (default: the default
#                             and the previous base); installs nothing
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs=(
	# Debian's own kernel configs, for make check-distro (any version)
	"$KHO_DISTRO_CONFIG_PKG"
	build-essential flex bison bc libelf-dev libssl-dev ccache
	qemu-system-x86 kexec-tools busybox-static cpio
	device-tree-compiler sparse xz-utils python3 gnuplot-nox git
	python3-ply python3-git
	# make fuzz: clang with libFuzzer and the sanitizers, llvm-cov
	clang llvm libclang-rt-14-dev
	# memblock's user-space test suite (tools/testing/memblock)
	liburcu-dev
	# make docs: the tree's Documentation/conf.py with Debian's Sphinx
	python3-sphinx
	# make check-systemd: a Debian unstable root file system with systemd
	# as PID 1 (scripts/rootfs-systemd.sh), packed as a zstd initramfs
	mmdebstrap zstd
)

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

apt_update() {
	$SUDO apt-get update -q >/dev/null ||
		die "apt-get update failed; check network access to the Debian mirror"
}

# archive_versions PACKAGE: the versions the configured archive offers
archive_versions() {
	apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'
}

# base_gone VERSION: one line that says what to do about a missing base
base_gone() {
	local have
	have=$(archive_versions "$KHO_BASE_PKG" | xargs)
	echo "$KHO_BASE_PKG $1 is no longer in the Debian archive (it offers: ${have:-none});" \
		"rebase with 'make rebase KHO_BASE_VER=<one of them>' (see README, Following the LTS)"
}

# fetch_base VERSION: the base tarball of VERSION in the cache
fetch_base() {
	local ver=$1 out tmp deb
	out=$(base_tarball "$ver")
	[ -s "$out" ] && return 0
	mkdir -p "${out%/*}"
	archive_versions "$KHO_BASE_PKG" | grep -qxF "$ver" || apt_update
	archive_versions "$KHO_BASE_PKG" | grep -qxF "$ver" || die "$(base_gone "$ver")"
	info "fetching $KHO_BASE_PKG $ver into ${out%/*} (once)"
	tmp=$(mktemp -d "${out%/*}/fetch.XXXXXX")
	(cd "$tmp" && apt-get download -q "$KHO_BASE_PKG=$ver" >/dev/null) ||
		{ rm -rf "$tmp"; die "apt-get download $KHO_BASE_PKG=$ver failed"; }
	deb=$(echo "$tmp"/*.deb)
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO ./usr/src/linux-source-6.12.tar.xz >"$tmp/src.tar.xz" ||
		{ rm -rf "$tmp"; die "$deb holds no usr/src/linux-source-6.12.tar.xz"; }
	mv "$tmp/src.tar.xz" "$out"
	rm -rf "$tmp"
}

# check_archive VERSION...: KTAP, one result per package and base version
check_archive() {
	local n=0 failed=0 p v vers
	apt_update
	echo "KTAP version 1"
	echo "1..$((${#pkgs[@]} + $#))"
	for p in "${pkgs[@]}"; do
		n=$((n + 1))
		vers=$(archive_versions "$p" | head -1)
		if [ -n "$vers" ]; then
			echo "ok $n package_$p # $vers"
		else
			echo "not ok $n package_$p # the archive offers no version"
			failed=1
		fi
	done
	for v in "$@"; do
		n=$((n + 1))
		if archive_versions "$KHO_BASE_PKG" | grep -qxF "$v"; then
			echo "ok $n base_$v # in the archive"
		else
			echo "not ok $n base_$v # $(base_gone "$v")"
			failed=1
		fi
	done
	return $failed
}

case "${1:-}" in
--check-archive)
	shift
	[ $# -gt 0 ] || set -- "$KHO_BASE_DEFAULT" "$KHO_BASE_PREV"
	check_archive "$@"
	exit ;;
--base)
	fetch_base "$2"
	exit ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	info "installing: ${missing[*]}"
	apt_update
	$SUDO apt-get install -y -q "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
fi
fetch_base "$KHO_BASE_VER"
