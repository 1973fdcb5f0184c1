#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live update selftest in QEMU: the Kexec HandOver selftest's chain
# (../kho/vmtest.sh, which boots a built kernel and kexecs it again and
# again) with /dev/liveupdate on, carrying a memfd of LUO_MIB MiB (default
# 64) and five more sessions through every kexec with luo_kexec: the
# first generation preserves them, the second checks them all (contents,
# size, position, seals, tokens, FINISH, an empty session, one left
# unretrieved), every later one checks the memfd, and each but the last
# preserves it again.  Every generation finalizes KHO by hand before its
# kexec, so the sessions freeze at that finalize and the reboot hands them
# over as frozen.
#
# Usage: vmtest.sh -k KBUILD_DIR [options of ../kho/vmtest.sh]
# The kernel needs ./config and 'make headers' in KBUILD_DIR (or
# LUO_KEXEC=a static build of luo_kexec.c).  Prints KTAP.

HERE=$(cd "$(dirname "$0")" && pwd)
exec bash "$HERE/../kho/vmtest.sh" -l "${LUO_MIB:-64}" "$@"
