#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot the test kernel in QEMU (TCG) and judge the serial log.

The guest's /init runs a kexec chain of --hops hops; every generation prints
a KTAP document and timing lines (see guest/init).  This script kills a
guest that outlives --timeout, then prints one KTAP document on stdout:
a result per generation, one for the chain as a whole, and one each for
"no panic/oops" and "no timeout".  Exit status is 0 only if all passed.

Timing lines ("# kho-timing: ...") report, per hop, the guest time from just
before "kexec -e" to the first instruction of the next init, measured with
the TSC, which kexec does not reset, and its phases: shutdown, jump
(purgatory, decompression) and kernel (its clock to /init).  With --icount
(or KHO_ICOUNT=1) QEMU counts instructions: guest time then follows what
the guest executes, not the host's translation work, and is repeatable.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("KHO_BUILD", os.path.join(TOP, "build"))
OBJ = os.environ.get("KHO_OBJ", os.path.join(BUILD, "obj"))
LOGS = os.environ.get("KHO_LOGS", os.path.join(BUILD, "logs"))
INITRD = os.environ.get("KHO_INITRD", os.path.join(BUILD, "initramfs.cpio"))

# Any of these in the serial log fails the run: the kernel's own reports,
# and those of the sanitizers and checkers of the debug build (KASAN,
# KFENCE, kmemleak, lockdep, DEBUG_VM, the hung task detector)
BAD = [
    (re.compile(r"Kernel panic - not syncing"), "kernel panic"),
    (re.compile(r"\bBUG: |Oops: "), "kernel BUG/oops"),
    (re.compile(r"WARNING: "), "kernel WARNING"),
    (re.compile(r"UBSAN: |KASAN: |KFENCE: |kernel BUG at"),
     "kernel bug report"),
    (re.compile(r"BUG: Bad page|Bad page (state|map)"), "bad page"),
    (re.compile(r"kmemleak: .*new suspected memory leak"), "kmemleak report"),
    (re.compile(r"blocked for more than \d+ seconds"), "hung task"),
    (re.compile(r"INFO: (possible|trying to register|lockdep)"),
     "lockdep report"),
]


def qemu_cmd(args, initrd):
    cmdline = " ".join(["console=ttyS0", "panic=-1", "hop=0",
                        "hops=%d" % args.hops, "scenario=%s" % args.scenario]
                       + ([] if args.kunit else ["kunit.enable=0"])
                       + ([args.append] if args.append else []))
    # Two nodes: one socket per vCPU, so that no socket spans two nodes
    # (a distribution kernel warns in topology_sane() if one does)
    smp = "%d,sockets=%d" % (args.smp, args.smp) if args.numa else \
        str(args.smp)
    # Instruction-counted mode: guest time follows executed instructions
    # (one per 4 ns), not host translation work; it needs one TCG thread
    accel = ["-accel", "tcg,thread=single", "-icount", "shift=2,sleep=off"] \
        if args.icount else ["-accel", "tcg,thread=multi"]
    cmd = ["qemu-system-x86_64"] + accel + [
           "-machine", "pc", "-cpu", os.environ.get("KHO_QEMU_CPU", "max"),
           "-smp", smp,
           "-m", args.mem, "-display", "none", "-monitor",
           "unix:%s,server=on,wait=off" % monitor_path(args),
           "-serial", "stdio", "-no-reboot",
           "-kernel", args.kernel, "-initrd", initrd, "-append", cmdline]
    if args.numa:
        half = "%dM" % (parse_size(args.mem) // 2 // (1 << 20))
        for n in range(2):
            cmd += ["-object", "memory-backend-ram,id=m%d,size=%s" % (n, half),
                    "-numa", "node,nodeid=%d,cpus=%d,memdev=m%d" %
                    (n, n % args.smp, n)]
    return cmd


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(s[:-1]) * mult[s[-1].upper()] if s[-1].isalpha() else int(s)


KTS = re.compile(r"\[\s*(\d+\.\d+)\] ")


class Rejoin:
    """Undo the kernel console cutting into a line of the guest's output.

    Kernel messages and /init share the serial console, and the kernel can
    print in the middle of a line that /init is writing: "# kho-x: 0x3e
    [ 1.22] input: ...\n" and then ":0xc00000 ...\n".  A kernel message cut
    in starts with a timestamp later than that of the last kernel line
    (an echo of dmesg carries older ones) and not right after "# ", which
    is how scenarios echo dmesg (a line below the console loglevel is
    newer than any the console printed); it is given its own line, and
    the cut line is joined to its end, the next line that is no kernel
    message.
    """

    def __init__(self):
        self.last_ts = -1.0
        self.pending = None

    def feed(self, line):
        out = []
        m = KTS.match(line)
        if m:
            self.last_ts = float(m.group(1))
            return [line]
        cut = next((c for c in KTS.finditer(line)
                    if c.start() > 0 and float(c.group(1)) > self.last_ts
                    and not line[:c.start()].endswith("# ")),
                   None)
        if cut:
            self.last_ts = float(cut.group(1))
            out.append(line[cut.start():])
            line = line[:cut.start()]
            if self.pending is not None:
                line = self.pending + line
            self.pending = line
            return out
        if self.pending is not None:
            line, self.pending = self.pending + line, None
        return [line]

    def flush(self):
        rest, self.pending = self.pending, None
        return [] if rest is None else [rest]


def monitor_path(args):
    """The QEMU monitor's socket: how a hung guest is asked where it is."""
    return os.path.join(tempfile.gettempdir(),
                        "kho-qemu-%s-%d.mon" % (args.name, os.getpid()))


def cpu_state(args):
    """Each vCPU's registers from the monitor, as comment lines for the log.

    A guest killed at its timeout says no more; its instruction pointers
    say whether it hung in purgatory, the decompressor or the kernel.
    """
    out = b""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(3)
            sock.connect(monitor_path(args))
            sock.sendall(b"info registers -a\n")
            end = time.monotonic() + 3
            while time.monotonic() < end:
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                out += chunk
    except OSError as e:
        return ["# timeout: no monitor (%s)" % e]
    keep = re.compile(r"^(CPU#\d+|RIP=|RAX=|RSP=|CR0=|EFER=)")
    return ["# timeout: " + l for l in
            out.decode("utf-8", "replace").replace("\r", "").split("\n")
            if keep.match(l)]


def run(args, initrd, log_path):
    """Run QEMU, stamp each serial line with host time, enforce timeout."""
    cmd = qemu_cmd(args, initrd)
    lines = []
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    hung = []

    def on_timeout():
        hung.extend(cpu_state(args))
        proc.kill()

    timer = threading.Timer(args.timeout, on_timeout)
    timer.start()
    rejoin = Rejoin()

    def emit(log, t, line):
        lines.append((t, line))
        log.write("[%9.3f] %s\n" % (t, line))
        if args.verbose:
            sys.stderr.write(line + "\n")

    with open(log_path, "w") as log:
        log.write("# " + " ".join(cmd) + "\n")
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            t = time.monotonic() - start
            for part in rejoin.feed(line):
                emit(log, t, part)
        for part in rejoin.flush():
            emit(log, time.monotonic() - start, part)
        for line in hung:
            log.write(line + "\n")
    proc.wait()
    try:
        os.unlink(monitor_path(args))
    except OSError:
        pass
    timed_out = bool(hung) and proc.returncode != 0 and \
        time.monotonic() - start >= args.timeout
    timer.cancel()
    rips = " ".join(l.split()[2] for l in hung if " RIP=" in l)
    return lines, timed_out and (rips or "no RIP"), time.monotonic() - start


class Gen:
    def __init__(self, hop, tsc, uptime, host_t):
        self.hop, self.tsc, self.uptime, self.host_t = hop, tsc, uptime, host_t
        self.results = []       # (ok, name, diag)
        self.plan = None
        self.hop_tsc = self.khz = None
        # kernel log times of /init's "kexec -e" mark and of the kernel's
        # "Starting new kernel", for the shutdown phase of the hop
        self.mark_s = self.start_new_s = None
        # kernel log time of "Run /init": the kernel clock (which starts at
        # TSC setup, early in setup_arch()) up to /init
        self.run_init_s = None


KLOG = re.compile(r"^\[\s*\d+\.\d+\] ")
KUNIT_RESULT = re.compile(r"^( *)(not ok|ok) \d+ (\S.*?)(?:\s+#\s*(.*))?$")
KUNIT_SUITE = re.compile(r"^( *)# Subtest: (\S+)")


def parse_kunit(lines):
    """KUnit cases from the first kernel's boot log: (ok, name, diag).

    Only test cases count: the result lines of a suite's own KTAP document,
    indented by four.  A SKIP is not a pass.  Parameterised cases report
    once, through their parent.
    """
    cases, suite = [], None
    for _, line in lines:
        if "# kho-gen:" in line:
            break
        if not KLOG.match(line):
            continue
        body = KLOG.sub("", line)
        m = KUNIT_SUITE.match(body)
        if m and len(m.group(1)) == 4:
            suite = m.group(2)
            continue
        m = KUNIT_RESULT.match(body)
        if not m or len(m.group(1)) != 4 or suite is None:
            continue
        diag = m.group(4) or ""
        ok = m.group(2) == "ok" and not diag.upper().startswith("SKIP")
        cases.append((ok, "kunit:%s.%s" % (suite, m.group(3)), diag))
    return cases


def save_blobs(lines, prefix):
    """Save files the guest sent with ktap_blob; return {name: path}."""
    import base64
    blobs, name, chunks = {}, None, []
    for _, line in lines:
        s = line.strip()
        m = re.match(r"# kho-blob: (\S+) (begin|end)", s)
        if m and m.group(2) == "begin":
            name, chunks = m.group(1), []
        elif m and name == m.group(1):
            path = "%s.%s" % (prefix, name)
            with open(path, "wb") as fh:
                fh.write(base64.b64decode("".join(chunks)))
            blobs[name] = path
            name = None
        elif name is not None:
            chunks.append(s)
    return blobs


def report_context(lines, n=40):
    """Print the first kernel report in the log, so that a CI log shows it."""
    gen = 0
    for i, (_, line) in enumerate(lines):
        if "Linux version" in line:
            gen += 1
        if any(rx.search(line) for rx, _ in BAD):
            print("# first report, in the kernel booted %d%s:" %
                  (gen, {1: "st", 2: "nd", 3: "rd"}.get(gen, "th")))
            for _, ctx in lines[i:i + n]:
                print("#   " + ctx.rstrip())
            return


def parse(lines):
    gens, problems, complete = {}, [], False
    cur = None
    run_init = None
    for t, line in lines:
        s = line.strip()
        for rx, what in BAD:
            if rx.search(s):
                problems.append("%s: %s" % (what, s))
        m = re.match(r"# kho-gen: hop=(\d+) of=\d+ tsc=(\d+) uptime=([\d.]+)",
                     s)
        if m:
            cur = Gen(int(m.group(1)), int(m.group(2)), float(m.group(3)), t)
            cur.run_init_s, run_init = run_init, None
            gens[cur.hop] = cur
            continue
        m = KTS.match(s)
        if m and s.endswith("Run /init as init process"):
            run_init = float(m.group(1))
        if cur is None:
            continue
        m = re.match(r"(not ok|ok) \d+ ([^#]*?)\s*(?:#\s*(.*))?$", s)
        if m:
            cur.results.append((m.group(1) == "ok", m.group(2),
                                m.group(3) or ""))
            continue
        m = re.match(r"1\.\.(\d+)$", s)
        if m:
            cur.plan = int(m.group(1))
            continue
        m = re.match(r"# kho-hop: from=(\d+) tsc_khz=(\d+) tsc=(\d+)", s)
        if m and int(m.group(1)) == cur.hop:
            cur.khz, cur.hop_tsc = int(m.group(2)), int(m.group(3))
            continue
        m = KTS.match(s)
        if m and cur.hop_tsc:
            if s.endswith("kho-hop: kexec -e"):
                cur.mark_s = float(m.group(1))
            elif "Starting new kernel" in s and cur.mark_s is not None:
                cur.start_new_s = float(m.group(1))
        if s.startswith("# kho-chain: complete"):
            complete = True
    return gens, problems, complete


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", default="chain")
    ap.add_argument("--hops", type=int, default=3)
    ap.add_argument("--scenario", default="none")
    ap.add_argument("--append", default="")
    ap.add_argument("--mem", default="1G")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--numa", action="store_true")
    ap.add_argument("--timeout", type=float)
    ap.add_argument("--kernel", default=os.path.join(
        OBJ, "arch/x86/boot/bzImage"))
    ap.add_argument("--initrd", default=INITRD)
    ap.add_argument("--json", help="write per-hop timings here")
    ap.add_argument("--kunit", action="store_true",
                    help="count the KUnit cases of the first boot")
    ap.add_argument("--icount", action="store_true",
                    default=os.environ.get("KHO_ICOUNT") == "1",
                    help="instruction-counted guest time (QEMU -icount, "
                    "single-threaded TCG); also KHO_ICOUNT=1")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.timeout is None:
        args.timeout = 60 + 20 * args.hops
    # Slower kernels (the sanitizers of check-debug) scale every timeout
    args.timeout *= float(os.environ.get("KHO_TIMEOUT_SCALE", "1"))

    logdir = LOGS
    os.makedirs(logdir, exist_ok=True)
    log_path = os.path.join(logdir, args.name + ".log")
    lines, timed_out, wall = run(args, args.initrd, log_path)
    gens, problems, complete = parse(lines)
    for name, path in save_blobs(lines, log_path[:-4]).items():
        print("# blob %s: %s" % (name, os.path.relpath(path, TOP)),
              file=sys.stderr)

    results = []
    if args.kunit:
        cases = parse_kunit(lines)
        results += cases
        if not cases:
            results.append((False, "kunit", "no KUnit case ran"))
    for hop in range(args.hops + 1):
        g = gens.get(hop)
        if g is None:
            results.append((False, "gen%d" % hop, "generation never started"))
            continue
        # each failed subtest with its diagnostic: a CI log that keeps
        # only the summary still says why
        failed = [n + (" (%s)" % d[:160] if d else "")
                  for ok, n, d in g.results if not ok]
        if g.plan is None or g.plan != len(g.results):
            results.append((False, "gen%d" % hop, "incomplete KTAP (%d of %s)"
                            % (len(g.results), g.plan)))
        elif failed:
            results.append((False, "gen%d" % hop, "failed: " +
                            ", ".join(failed)))
        else:
            results.append((True, "gen%d" % hop, "%d subtests" % g.plan))
    results.append((complete, "chain_complete", "%d hops" % args.hops))
    results.append((not problems, "no_panic_or_oops",
                    "; ".join(problems[:3])))
    results.append((not timed_out, "no_timeout", "killed after %.0fs (%s)" %
                    (args.timeout, timed_out) if timed_out else "%.1fs" % wall))

    timings = []
    for hop in range(args.hops):
        a, b = gens.get(hop), gens.get(hop + 1)
        if a and b and a.hop_tsc and a.khz:
            tm = {
                "hop": hop + 1,
                "hop_ms": (b.tsc - a.hop_tsc) / a.khz,
                "kernel_to_init_ms": b.uptime * 1000,
            }
            # shutdown: /init's mark to "Starting new kernel"; kernel: the
            # next kernel's clock (from TSC setup in setup_arch()) to
            # "Run /init", which includes KHO's check, reserve and index;
            # jump: the rest (purgatory with its digest check of the
            # segments, decompression, the kernel before its clock)
            if a.start_new_s is not None and b.run_init_s is not None:
                tm["shutdown_ms"] = (a.start_new_s - a.mark_s) * 1000
                tm["kernel_ms"] = b.run_init_s * 1000
                tm["jump_ms"] = tm["hop_ms"] - tm["shutdown_ms"] - \
                    tm["kernel_ms"]
            timings.append(tm)
    first = gens.get(0)

    print("KTAP version 1")
    print("# Subtest: %s" % args.name)
    print("# log: %s" % os.path.relpath(log_path, TOP))
    if first:
        print("# kho-timing: boot host_s=%.3f guest_uptime_s=%.3f" %
              (first.host_t, first.uptime))
    for tm in timings:
        print("# kho-timing: hop=%d kexec_to_init_ms=%.1f "
              "kernel_to_init_ms=%.1f%s%s" % (
                  tm["hop"], tm["hop_ms"], tm["kernel_to_init_ms"],
                  " shutdown_ms=%.1f jump_ms=%.1f kernel_ms=%.1f" % (
                      tm["shutdown_ms"], tm["jump_ms"], tm["kernel_ms"])
                  if "shutdown_ms" in tm else "",
                  " (instruction-counted)" if args.icount else ""))
    report_context(lines)
    print("1..%d" % len(results))
    for i, (ok, name, diag) in enumerate(results, 1):
        print("%s %d %s%s" % ("ok" if ok else "not ok", i, name,
                              " # " + diag if diag else ""))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"icount": args.icount,
                       "boot_host_s": first.host_t if first else None,
                       "boot_uptime_s": first.uptime if first else None,
                       "hops": timings}, fh, indent=1)
    sys.exit(0 if all(r[0] for r in results) else 1)


if __name__ == "__main__":
    main()
