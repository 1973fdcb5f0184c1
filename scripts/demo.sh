#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, the operator's story: boot with kho=on, preserve 256 MiB of
# random data (test_kho), finalize, kexec, and in the next kernel restore and
# verify every byte (order and xxh64 of every folio), for HOPS hops
# (default 3).  Then the same kernel and initrd kexec'd without KHO, for a
# baseline, and both again instruction-counted (QEMU -icount), where guest
# time follows the executed instructions and the ratio is repeatable.
# Prints the runs' per-hop guest timings side by side.  Then live update:
# a stand-in for a VM computes over a 256 MiB memfd, is checkpointed
# halfway into a /dev/liveupdate session, the host kexecs, and the next
# kernel's VM retrieves the memfd and finishes; its result must equal an
# uninterrupted run.
set -euo pipefail
. "$(dirname "$0")/common.sh"

hops=${HOPS:-3}
mem=${DEMO_MEM:-256M}
logs=$KHO_BUILD/logs
mkdir -p "$logs"
rc=0

info "KHO: $hops hops, $mem preserved and verified at every hop (QEMU TCG, 2 vCPUs, 2 GiB)"
python3 "$KHO_TOP/scripts/qemu-run.py" --name demo-kho --hops "$hops" \
	--mem 2G --scenario kho-restore --append "kho=on kho_test_mem=$mem" \
	--timeout $((90 + 60 * hops)) --json "$logs/demo-kho.json" || rc=1
info "baseline: the same kernel and initrd, plain kexec without KHO"
python3 "$KHO_TOP/scripts/qemu-run.py" --name demo-plain --hops "$hops" \
	--mem 2G --json "$logs/demo-plain.json" || rc=1
info "both again, instruction-counted (QEMU -icount, one TCG thread)"
python3 "$KHO_TOP/scripts/qemu-run.py" --name demo-kho-icount --icount \
	--hops "$hops" --mem 2G --scenario kho-restore \
	--append "kho=on kho_test_mem=$mem" --timeout $((120 + 120 * hops)) \
	--json "$logs/demo-kho-icount.json" || rc=1
python3 "$KHO_TOP/scripts/qemu-run.py" --name demo-plain-icount --icount \
	--hops "$hops" --mem 2G --timeout $((120 + 60 * hops)) \
	--json "$logs/demo-plain-icount.json" || rc=1
info "live update: a 256 MiB memfd VM checkpointed, kexec, resumed"
python3 "$KHO_TOP/scripts/qemu-run.py" --name demo-luo --hops 1 --mem 2G \
	--scenario luo-demo --append "kho=on liveupdate=on" --timeout 300 \
	--json "$logs/demo-luo.json" || rc=1

python3 - "$logs" <<'PY' || rc=1
import json, re, sys
logs = sys.argv[1]
kho = json.load(open(logs + "/demo-kho.json"))
plain = json.load(open(logs + "/demo-plain.json"))
restored = re.findall(r"test_kho: restored (\d+) folios, (\d+) bytes: (\d+) bad",
                      open(logs + "/demo-kho.log").read())
pl = {h["hop"]: h for h in plain["hops"]}


def hops(name):
    try:
        return {h["hop"]: h for h in
                json.load(open(logs + "/%s.json" % name))["hops"]}
    except (OSError, ValueError):
        return {}


ki, pi = hops("demo-kho-icount"), hops("demo-plain-icount")
print()
print("| hop | verified in the next kernel | KHO: `kexec -e` to init | plain kexec "
      "| KHO / plain (wall-clock) | KHO / plain (instruction-counted) |")
print("|---|---|---:|---:|---:|---:|")
for h in kho["hops"]:
    p = pl.get(h["hop"])
    r = restored[h["hop"] - 1] if h["hop"] <= len(restored) else None
    ver = ("%s folios, %d MiB, %s bad" % (r[0], int(r[1]) >> 20, r[2])
           if r else "not verified")
    a, b = ki.get(h["hop"]), pi.get(h["hop"])
    print("| %d | %s | %.0f ms | %s | %s | %s |" % (
        h["hop"], ver, h["hop_ms"],
        "%.0f ms" % p["hop_ms"] if p else "-",
        "%.2f" % (h["hop_ms"] / p["hop_ms"]) if p else "-",
        "%.4f (%.0f / %.0f ms)" % (a["hop_ms"] / b["hop_ms"], a["hop_ms"],
                                   b["hop_ms"]) if a and b else "-"))
print("\nGuest time from just before `kexec -e` to the next /init.  Wall-clock:"
      "\nthe guest TSC under multi-threaded TCG on a shared host, which moves by"
      "\ntens of percent from hop to hop: read the ratio, not the ms."
      "\nInstruction-counted: QEMU -icount shift=2,sleep=off, one TCG thread;"
      "\nguest time follows the executed instructions (4 ns each) and repeats"
      "\nto 0.1%; the kernel being the same, its ratio is the one to compare."
      "\nLogs: build/logs/demo-kho.log, build/logs/demo-plain.log and *-icount.log")

# Live update
log = open(logs + "/demo-luo.log", errors="replace").read()
m = re.findall(r"# kho-demo-luo: reference=(\w*) resumed=(\w*) retrieve_us=(\d*)",
               log)
try:
    luo = json.load(open(logs + "/demo-luo.json"))["hops"][0]
except (OSError, ValueError, IndexError, KeyError):
    luo = None
print("\nLive update: a stand-in VM computes over a 256 MiB memfd, is"
      "\ncheckpointed halfway into the /dev/liveupdate session \"vm\", the host"
      "\nkexecs (the reboot serializes the session), and the VM in the next"
      "\nkernel retrieves the memfd and finishes the computation.\n")
if m and luo:
    ref, got, us = m[-1]
    ok = ref and ref == got
    print("| uninterrupted run | resumed after the kexec | equal | blackout: "
          "`kexec -e` to init + retrieve |")
    print("|---|---|---|---:|")
    print("| %s | %s | %s | %.0f ms + %.1f ms |" % (
        ref, got, "yes" if ok else "NO", luo["hop_ms"], int(us or 0) / 1e3))
    if not ok:
        sys.exit(1)
else:
    print("live update: no result; see build/logs/demo-luo.log")
    sys.exit(1)
PY
exit $rc
