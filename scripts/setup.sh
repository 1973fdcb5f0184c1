#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs on a Debian 12 host.  Idempotent and
# silent when everything is already present.
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs=(
	"$KHO_BASE_PKG=$KHO_BASE_VER"
	# Debian's own kernel configs, for make check-distro
	"linux-config-6.12=$KHO_BASE_VER"
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
)

missing=()
for p in "${pkgs[@]}"; do
	name=${p%%=*}
	want=${p#*=}
	[ "$want" = "$p" ] && want=
	have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
	case "$have" in
	"install ok installed $want"*) ;;
	*) missing+=("$p") ;;
	esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

info "installing: ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null ||
	die "apt-get update failed; check network access to the Debian mirror"
$SUDO apt-get install -y -q "${missing[@]}" >/dev/null ||
	die "apt-get install ${missing[*]} failed"
