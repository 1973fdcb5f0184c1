#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, the operator's story: boot with kho=on, preserve 256 MiB of
# random data (test_kho), finalize, kexec, and in the next kernel restore and
# verify every byte (order and xxh64 of every folio), for HOPS hops
# (default 3).  Then the same kernel and initrd kexec'd without KHO, for a
# baseline, and both again instruction-counted (QEMU -icount), where guest
# time follows the executed instructions and the ratio is repeatable.
# Prints the runs' per-hop guest timings side by side.  Then live update
# with a real VM: Debian's own QEMU runs a VM (guest/vm-fw) computing over
# 256 MiB of its memory, a memfd held by lu-memfd-holder; in every hop the
# VM is stopped, its device state saved, the memfds preserved, the host
# kexecs, and the next kernel's QEMU resumes the VM where it stopped.  Its
# result must equal an uninterrupted run's and its memory check pass; the
# blackout is printed in phases, and as the VM's own clock saw it.  (The
# memfd stand-in of earlier versions, guest/luo-vm.c, is now a test of
# make check: luo-vm-standin.)
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
info "live update: a QEMU VM (256 MiB) kept running through $hops host kexecs"
"$KHO_TOP/scripts/initramfs-qemu.sh" || rc=1
vmref=$("$KHO_BUILD/initramfs-qemu.extra/vmfw-ref" 256 $((hops + 1)) | awk '{ print $2 }')
python3 "$KHO_TOP/scripts/qemu-run.py" --name demo-vm --hops "$hops" \
	--mem 1536M --scenario qemu-vm --initrd "$KHO_BUILD/initramfs-qemu.cpio" \
	--append "kho=on liveupdate=on vm_mib=256 vm_steps=$((hops + 1)) vm_ref=$vmref" \
	--timeout $((300 + 200 * hops)) --json "$logs/demo-vm.json" || rc=1

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

# Live update with a real VM
log = open(logs + "/demo-vm.log", errors="replace").read()
phases = [("stop_save", "stop and save"), ("preserve", "preserve"),
          ("kexec_to_init", "`kexec -e` to /init"), ("retrieve", "retrieve"),
          ("qemu_start", "QEMU start"), ("incoming", "incoming"),
          ("cont", "cont")]
bo = {int(m.group(1)): dict(kv.split("=") for kv in m.group(2).split())
      for m in re.finditer(r"# qemu-vm-blackout: hop=(\d+) (.*)", log)}
vmc = {int(h): int(ms) for h, ms in
       re.findall(r"# qemu-vm-vmclock: hop=(\d+) stopped_ms=(\d+)", log)}
res = re.findall(r"# qemu-vm: result=(\w*) reference=(\w*)", log)
mem = re.findall(r"# vm\d+: vm: memory check (.*)", log)
print("\nLive update with a real VM: Debian's QEMU 7.2 (unmodified, TCG inside"
      "\nthe TCG guest) runs a VM that computes over 256 MiB of its memory, a"
      "\nmemfd held by lu-memfd-holder.  At every hop the VM is stopped, its"
      "\ndevice state saved (x-ignore-shared: RAM not copied), the memfds"
      "\npreserved, the host kexecs, and a new QEMU in the next kernel resumes"
      "\nthe VM on the retrieved memfd.  Blackout phases in ms, from the host's"
      "\nTSC; the last column from the VM's own clocks (RTC against its CPU"
      "\nclock, which stops while the VM does).\n")
print("| hop | " + " | ".join(p[1] for p in phases) +
      " | blackout | the VM's clock |")
print("|---|" + "---:|" * (len(phases) + 2))
for h in sorted(bo):
    b = bo[h]
    print("| %d | " % h + " | ".join(b.get(p[0] + "_ms", "-") for p in phases) +
          " | %s | %s |" % (b.get("total_ms", "-"), vmc.get(h, "-")))
if res:
    got, ref = res[-1]
    ok = bool(got) and got == ref and mem and mem[-1].startswith("ok")
    print("\nuninterrupted run %s, after %d hops %s: %s; memory check %s"
          % (ref, len(bo), got, "equal" if got == ref else "DIFFERENT",
             mem[-1] if mem else "missing"))
    if not ok:
        sys.exit(1)
else:
    print("live update: no result; see build/logs/demo-vm.log")
    sys.exit(1)
PY
exit $rc
