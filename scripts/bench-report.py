#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the logs of scripts/bench.sh into build/bench/bench.md and a plot.

usage: bench-report.py RAW_DIR CORE_MD OUT_DIR

RAW_DIR holds NAME-RUN.log (serial log) and NAME-RUN.json (per-hop guest
TSC timings from qemu-run.py) for every configuration and run.  Every hop
is one sample; each figure is the median of its samples with the spread
(min-max).  Generation N of a chain is the N-th kernel in the log; hop N
ends in generation N.
"""

import glob
import json
import os
import re
import statistics
import subprocess
import sys

KLINE = re.compile(r"^\[\s*[\d.]+\] \[\s*[\d.]+\] (.*)$")
KV = re.compile(r"(\w+)=(\d+)")


def parse_log(path):
    """Per generation: the KHO and test_kho timing lines, as dicts.

    The kernel times its boot-time phases in get_cycles() units (the TSC);
    they are converted to ns with the TSC rate the guest's init reports.
    """
    gens, khz = [], None
    for line in open(path, errors="replace"):
        k = re.search(r"# kho-hop: from=\d+ tsc_khz=(\d+)", line)
        if k:
            khz = int(k.group(1))
        lu = re.search(r"luo-timing: (.*)", line)
        if lu and gens:
            gens[-1].setdefault("luo", {}).update(
                {k: int(v) for k, v in KV.findall(lu.group(1))})
            continue
        m = KLINE.match(line.rstrip("\n"))
        if not m:
            continue
        msg = m.group(1)
        if msg.startswith("Linux version"):
            gens.append({"finalize": []})
            continue
        if not gens:
            continue
        g = gens[-1]
        if msg.startswith("KHO: restore-timing:"):
            g["boot"] = {k: int(v) for k, v in KV.findall(msg)}
        elif msg.startswith("test_kho: restore-timing:"):
            g["api"] = {k: int(v) for k, v in KV.findall(msg)}
        elif msg.startswith("test_kho: preserve-timing:"):
            g["preserve"] = {k: int(v) for k, v in KV.findall(msg)}
        elif msg.startswith("liveupdate: handover ") and " frozen in " in msg:
            g["freeze_ns"] = int(msg.split(" frozen in ")[1].split()[0])
        else:
            f = re.search(r"KHO: finalized: .* map of (\d+) bitmaps "
                          r"written in (\d+) ns", msg)
            if f:
                g["finalize"].append((int(f.group(1)), int(f.group(2))))
    for g in gens:
        b = g.get("boot")
        if b:
            for phase in ("check", "room", "reserve", "index",
                          "alloc_probe", "fdt", "claim"):
                if phase + "_cycles" in b:
                    b[phase + "_ns"] = b.pop(phase + "_cycles") * 1e6 / khz
    return gens


def load(raw):
    """{config: [sample, ...]}, one sample per hop of every run."""
    samples = {}
    for js in sorted(glob.glob(os.path.join(raw, "*.json"))):
        name = os.path.basename(js)[:-5].rsplit("-", 1)[0]
        gens = parse_log(js[:-5] + ".log")
        for hop in json.load(open(js))["hops"]:
            n = hop["hop"]
            g = gens[n] if n < len(gens) else {}
            s = {"hop_ms": hop["hop_ms"], "gen": g,
                 "prev": gens[n - 1] if 0 < n <= len(gens) else {},
                 "kernel_ms": hop["kernel_to_init_ms"],
                 "phases": {k: hop[k] for k in
                            ("shutdown_ms", "jump_ms", "kernel_ms")
                            if k in hop},
                 "finalize": gens[n - 1]["finalize"] if n <= len(gens) else []}
            samples.setdefault(name, []).append(s)
    return samples


def med(vals):
    return statistics.median(vals) if vals else None


def spread(vals, scale=1.0, fmt="%.1f"):
    if not vals:
        return "-"
    v = [x / scale for x in vals]
    if len(v) == 1:
        return fmt % v[0]
    return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(v),
                                                    min(v), max(v))


def blackout_ms(s):
    """kexec -e to the next init, plus the restore of everything preserved."""
    api = s["gen"].get("api", {})
    return s["hop_ms"] + api.get("restore_ns", 0) / 1e6


def boot_ns(s):
    b = s["gen"].get("boot")
    return b["check_ns"] + b["reserve_ns"] + b["index_ns"] if b else None


def field(samples, where, key):
    return [s["gen"][where][key] for s in samples if where in s["gen"]]


def size_label(name):
    return name.split("-")[1]


def pct_spread(vals):
    """(max - min) / median, in percent."""
    return 100.0 * (max(vals) - min(vals)) / med(vals) if vals else 0.0


def icount_section(S, p):
    """The blackout under QEMU -icount, by phase, against plain kexec."""
    plain = S.get("plain-icount")
    if not plain:
        return
    p("## 1b. Blackout, instruction-counted (QEMU `-icount shift=2,"
      "sleep=off`, one TCG thread)\n")
    p("Guest time follows the instructions the guest executes (4 ns each), "
      "not QEMU's translation work, so it is repeatable; these are the "
      "figures to compare.  Phases of a hop: shutdown = `/init`'s mark "
      "before `kexec -e` to the old kernel's \"Starting new kernel\"; "
      "jump = purgatory (its digest check of the segments) and "
      "decompression, before the new kernel's clock starts; kernel = that "
      "clock (from TSC setup in `setup_arch()`) to `/init`, which "
      "includes KHO's check, reserve and index.  KHO work = check + "
      "reserve + index at boot + test_kho's restore of every folio.  "
      "Spread = (max - min) / median.\n")
    p("| configuration | hop ms | spread | shutdown ms | jump ms | kernel ms "
      "| KHO work ms | KHO work / hop | hop / plain |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    pm = med([s["hop_ms"] for s in plain])
    for name in ("plain-icount", "plain-nokaslr-icount", "kho-0-icount",
                 "kho-1G-o9-icount"):
        ss = S.get(name)
        if not ss:
            continue
        hop = [blackout_ms(s) for s in ss]
        ph = {k: [s["phases"][k] for s in ss if k in s["phases"]]
              for k in ("shutdown_ms", "jump_ms", "kernel_ms")}
        work = [((boot_ns(s) or 0) + s["gen"].get("api", {}).get(
            "restore_ns", 0)) / 1e6 for s in ss]
        p("| %s | %s | %.2f%% | %s | %s | %s | %s | %s | %.4f |" % (
            name, spread(hop), pct_spread(hop),
            spread(ph["shutdown_ms"]), spread(ph["jump_ms"]),
            spread(ph["kernel_ms"]),
            spread(work, 1, "%.2f") if name.startswith("kho") else "-",
            "%.3f%%" % (100 * med(work) / med(hop))
            if name.startswith("kho") else "-",
            med(hop) / pm))
    p("")
    kho = S.get("kho-1G-o9-icount")
    if kho:
        r = med([blackout_ms(s) for s in kho]) / pm
        p("Goal: KHO with 1 GiB preserved in 2 MiB folios at most 1.05× a "
          "plain kexec, and the KHO work below 1%% of the hop: %.4f× (%s).\n"
          % (r, "met" if r <= 1.05 else "missed"))


def fit(rows):
    """Least squares of y = f + r * runs + p * pages over (runs, pages, y)."""
    n = [[0.0] * 4 for _ in range(3)]
    for runs, pages, y in rows:
        x = (1.0, runs, pages)
        for i in range(3):
            for j in range(3):
                n[i][j] += x[i] * x[j]
            n[i][3] += x[i] * y
    for i in range(3):                  # Gauss-Jordan, partial pivoting
        k = max(range(i, 3), key=lambda r: abs(n[r][i]))
        n[i], n[k] = n[k], n[i]
        if abs(n[i][i]) < 1e-9:
            return None
        for r in range(3):
            if r != i:
                m = n[r][i] / n[i][i]
                n[r] = [a - m * b for a, b in zip(n[r], n[i])]
    return [n[i][3] / n[i][i] for i in range(3)]


def profile_section(S, p):
    """Where the instruction-counted boot work goes, and the 4 KiB goal."""
    names = sorted(n for n in S if re.match(r"kho-\d+[MG]-o\d-icount$", n))
    samples = [(n, s["gen"]["boot"]) for n in names for s in S[n]
               if "claim_ns" in s["gen"].get("boot", {})]
    if not samples:
        return
    p("### Where the boot work goes (instruction-counted)\n")
    p("The check and reserve figures above, split: the FDT check; the "
      "counting walk, which reads every bitmap word to count the runs; "
      "growing memblock's array; the reserving walk, which reads every "
      "bitmap word again and checks each run, apart from its memblock "
      "calls (`memblock_is_region_reserved()` and `memblock_reserve()` "
      "for each run and map page: one claim each); and the index.  "
      "Medians over the hops, µs.\n")
    p("| configuration | runs | map pages | FDT | counting walk | room "
      "| reserving walk, reading | claims | ns per claim | index "
      "| total |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        bs = [b for n, b in samples if n == name]
        if not bs:
            continue

        def m(fn):
            return med([fn(b) for b in bs]) / 1e3
        p("| %s | %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f (%d) | %.0f "
          "| %.0f | %.0f |" % (
              name, med([b["runs"] for b in bs]),
              med([b["map_pages"] for b in bs]), m(lambda b: b["fdt_ns"]),
              m(lambda b: b["check_ns"] - b["fdt_ns"] - b["room_ns"]),
              m(lambda b: b["room_ns"]),
              m(lambda b: b["reserve_ns"] - b["claim_ns"]),
              m(lambda b: b["claim_ns"]), med([b["claims"] for b in bs]),
              m(lambda b: b["claim_ns"] / b["claims"]) * 1e3,
              m(lambda b: b["index_ns"]),
              m(lambda b: b["check_ns"] + b["reserve_ns"] + b["index_ns"])))
    p("")
    c = fit([(b["runs"], b["map_pages"],
              b["check_ns"] + b["reserve_ns"] + b["index_ns"])
             for _, b in samples])
    small = [b["map_pages"] for n, b in samples if n == "kho-64M-o0-icount"]
    large = [b["map_pages"] for n, b in samples if n == "kho-1G-o0-icount"]
    if not c or not small or not large:
        return
    f, r, pg = (x / 1e3 for x in c)
    p0, p1 = med(small), med(large)
    p("A least-squares fit of all %d hops above: boot work = %.1f µs + "
      "%.2f µs per run + %.2f µs per map page.  4 KiB folios need one "
      "bitmap page per 128 MiB (%d map pages at 64 MiB, %d at 1 GiB), so "
      "at equal runs the fit predicts the 16× ratio against the goal of "
      "1.5×:\n" % (len(samples), f, r, pg, p0, p1))
    p("| runs (both sizes) | 64 MiB µs | 1 GiB µs | 16× the bytes | goal |")
    p("|---:|---:|---:|---:|---|")
    for runs in (7, 30, 60, 120):
        a, b = f + r * runs + pg * p0, f + r * runs + pg * p1
        p("| %d | %.0f | %.0f | %.2f× | %s |" % (
            runs, a, b, b / a, "met" if b / a <= 1.5 else "missed"))
    p("")


def luo_section(S, p):
    """Live update of a memfd: its costs per GiB and the blackout."""
    rows = []
    for name in sorted(S):
        if re.match(r"luo-\d+[MG](-icount)?$", name):
            rows.append(name)
    if not rows:
        return
    p("## 7. Live update: a memfd through /dev/liveupdate\n")
    p("`luo_kexec` (tools/testing/selftests/liveupdate) fills a memfd, "
      "preserves it into a session and keeps the session in a daemon; "
      "`kexec -e` serializes it (freeze) and finalizes KHO; the next "
      "kernel's `luo_kexec` retrieves it, checks every byte (not timed) "
      "and preserves it again for the next hop.  preserve = the "
      "PRESERVE_FD ioctl (pinning every folio and preserving it with KHO), "
      "before the reboot; freeze = LUO's serialization in the reboot "
      "(`liveupdate: handover N: ... frozen in`); retrieve = the "
      "RETRIEVE_FD ioctl in the next kernel (every folio restored and put "
      "back at its index).  Blackout = `kexec -e` to the next `/init` "
      "plus retrieve: when the VM has its memory back.  Plain = the same "
      "kernel and initrd, plain kexec, nothing preserved.\n")
    p("| configuration | memfd | preserve ms/GiB | freeze ms/GiB "
      "| retrieve ms/GiB | blackout ms | plain kexec ms | blackout / plain |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in rows:
        ss = [x for x in S[name] if "luo" in x["gen"]
              and "retrieve_ns" in x["gen"]["luo"]]
        if not ss:
            continue
        gib = ss[0]["gen"]["luo"]["bytes"] / 2 ** 30
        pre = [x["prev"]["luo"]["preserve_ns"] / 1e6 / gib for x in ss
               if "preserve_ns" in x["prev"].get("luo", {})]
        frz = [x["prev"]["freeze_ns"] / 1e6 / gib for x in ss
               if "freeze_ns" in x["prev"]]
        ret = [x["gen"]["luo"]["retrieve_ns"] / 1e6 / gib for x in ss]
        black = [x["hop_ms"] + x["gen"]["luo"]["retrieve_ns"] / 1e6
                 for x in ss]
        plain = S.get("plain-icount" if name.endswith("-icount")
                      else "plain")
        pm = med([x["hop_ms"] for x in plain]) if plain else None
        p("| %s | %.0f MiB | %s | %s | %s | %s | %s | %s |" % (
            name, gib * 1024, spread(pre), spread(frz, 1, "%.2f"),
            spread(ret), spread(black), "%.1f" % pm if pm else "-",
            "%.3f" % (med(black) / pm) if pm else "-"))
    p("")


def scale_icount_section(S, p):
    """Scattered host scale, instruction-counted: boot cost per run."""
    rows = []
    for name, ss in S.items():
        m = re.match(r"scale-(\d+)G-o0-scattered-icount$", name)
        b = ss[0]["gen"].get("boot") if ss else None
        if m and b:
            rows.append((int(m.group(1)), b))
    if not rows:
        return
    p("### 6b. Scattered, instruction-counted: boot cost per run\n")
    p("The scattered configurations again with QEMU `-icount shift=2,"
      "sleep=off` (one TCG thread), so that the cost per run of each boot "
      "step can be compared across sizes: wall-clock TCG time also grows "
      "with the host's load and with guest memory QEMU touches for the "
      "first time.  count = check without room: the FDT and the counting "
      "walk; room = growing memblock's reserved array to hold one region "
      "per run; claim = the part of reserve spent in memblock (checking "
      "and reserving each run: two binary searches over all reserved "
      "regions, and the insertion).\n")
    p("| preserved | runs | count µs | room µs | reserve µs | index µs "
      "| count ns/run | room ns/run | reserve ns/run | claim ns/run "
      "| boot ns/run |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for gib, b in sorted(rows):
        runs = b["runs"]
        room = b.get("room_ns", 0)
        count = b["check_ns"] - room
        boot = b["check_ns"] + b["reserve_ns"] + b["index_ns"]
        claim = "%.0f" % (b["claim_ns"] / b["claims"]) if "claim_ns" in b \
            else "-"
        p("| %d GiB, 4 KiB, scattered | %d | %.0f | %.0f | %.0f | %.0f "
          "| %.0f | %.0f | %.0f | %s | %.0f |" % (
              gib, runs, count / 1e3, room / 1e3, b["reserve_ns"] / 1e3,
              b["index_ns"] / 1e3, count / runs, room / runs,
              b["reserve_ns"] / runs, claim, boot / runs))
    p("")


def scale_section(S, p, out):
    """Host scale: per-GiB and per-folio costs against preserved size."""
    rows = []
    for name, ss in S.items():
        m = re.match(r"scale-(\d+)G-o(\d)(-scattered)?$", name)
        if not m or not ss:
            continue
        s = ss[0]
        b, api = s["gen"].get("boot"), s["gen"].get("api")
        pre = s["prev"].get("preserve")
        fin = s["finalize"]
        if not b or not api or not pre:
            continue
        rows.append((int(m.group(1)), m.group(2), bool(m.group(3)), b, api,
                     pre, fin[0] if fin else None))
    if not rows:
        return
    p("## 6. Host scale (one hop each, wall-clock)\n")
    p("A guest of %s; `test_kho` preserves the size given in folios of one "
      "order, dense or with a spacer folio after each (one run per folio), "
      "finalizes and kexecs.  preserve = `kho_preserve_folio()` of every "
      "folio plus the folio list and checksums (vmalloc areas); finalize = "
      "writing the map; boot = check + reserve + index in the next kernel; "
      "regions = memblock's reserved regions after the reservations, and "
      "the cost of one memblock page allocation with them in place; "
      "restore = `kho_restore_folio()` of every folio.  Mainline reported "
      "about 470-580 ms to serialize 48 GiB (10-12 ms per GiB).\n"
      % os.environ.get("BENCH_SCALE_MEM", "16G"))
    p("| preserved | folios | runs | map pages | preserve ms/GiB "
      "| ns/folio | finalize ms/GiB | boot ms/GiB | boot ns/folio "
      "| regions | alloc µs | restore ms/GiB | restore ns/folio |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    plot = {}
    for gib, order, scat, b, api, pre, fin in sorted(rows):
        folios = b["folios"]
        boot = b["check_ns"] + b["reserve_ns"] + b["index_ns"]
        label = "%d GiB, %s%s" % (gib, "2 MiB" if order == "9" else "4 KiB",
                                  ", scattered" if scat else "")
        p("| %s | %d | %d | %d | %.1f | %.0f | %s | %.2f | %.1f | %d | %s "
          "| %.1f | %.0f |" % (
              label, folios, b["runs"], b["map_pages"],
              pre["preserve_ns"] / 1e6 / gib, pre["preserve_ns"] / folios,
              "%.2f" % (fin[1] / 1e6 / gib) if fin else "-",
              boot / 1e6 / gib, boot / folios, b.get("reserved_regions", 0),
              "%.1f" % (b["alloc_probe_ns"] / 1e3)
              if "alloc_probe_ns" in b else "-",
              api["restore_ns"] / 1e6 / gib, api["restore_ns"] / folios))
        key = order + ("s" if scat else "")
        plot.setdefault(key, []).append(
            (gib, pre["preserve_ns"] / 1e6 / gib,
             fin[1] / 1e6 / gib if fin else 0, boot / 1e6 / gib,
             api["restore_ns"] / 1e6 / gib))
    p("")
    dat = os.path.join(out, "scale.dat")
    keys = [k for k in ("0", "9", "0s") if k in plot]
    with open(dat, "w") as fh:
        for k in keys:
            fh.write("# %s: GiB preserve finalize boot restore (ms/GiB)\n" % k)
            for row in sorted(plot[k]):
                fh.write("%d %.3f %.3f %.3f %.3f\n" % row)
            fh.write("\n\n")
    png = os.path.join(out, "scale.png")
    titles = {"0": "4 KiB", "9": "2 MiB", "0s": "4 KiB scattered"}
    series = []
    for i, k in enumerate(keys):
        for col, what in ((2, "preserve"), (3, "finalize"), (4, "boot"),
                          (5, "restore")):
            series.append("'%s' index %d using 1:%d with linespoints "
                          "title '%s, %s'" % (dat, i, col, what, titles[k]))
    gp = ("set terminal pngcairo size 1000,600\nset output '%s'\n"
          "set title 'KHO cost per GiB against preserved size (QEMU TCG, "
          "wall-clock)'\nset xlabel 'preserved memory (GiB)'\n"
          "set ylabel 'ms per GiB'\nset logscale y\nset key outside\n"
          "set grid\nplot %s\n" % (png, ", ".join(series)))
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True)
        p("Plot: `build/bench/scale.png` (data: `build/bench/scale.dat`)\n")
    except (OSError, subprocess.CalledProcessError) as e:
        p("Plot: not drawn (%s)\n" % e)


def main():
    raw, core_md, out = sys.argv[1:4]
    S = load(raw)
    lines = []
    p = lines.append
    nsamp = sorted(set(len(v) for v in S.values()))
    p("# KHO benchmark\n")
    p("QEMU TCG guest, %s samples (kexec hops) per configuration; every "
      "figure is the median (min-max) of its samples.  The kernel times "
      "its own phases (get_cycles() at boot, local_clock() at finalize, "
      "ktime in test_kho); hops are timed by the guest TSC.  Which "
      "clock: every figure is wall-clock guest time (multi-threaded TCG, "
      "noisy) except section 1b and the configurations named `*-icount`, "
      "which are instruction-counted (QEMU `-icount`).\n" %
      "/".join(str(n) for n in nsamp))

    # 1. Blackout
    plain = [s["hop_ms"] for s in S.get("plain", [])]
    nokaslr = [s["hop_ms"] for s in S.get("plain-nokaslr", [])]
    kinit = {k: [s["kernel_ms"] for s in v] for k, v in S.items()}
    p("## 1. Blackout: `kexec -e` to the next init with everything restored\n")
    p("KHO blackout = guest time from just before `kexec -e` to the next "
      "kernel's `/init` (TSC) + test_kho's restore of every folio and of "
      "its checksum table (checksum verification timed apart, not "
      "included).  Plain = the same kernel and initrd without `kho=on`, "
      "nothing preserved.\n")
    p("| preserved | folios | KHO blackout ms | plain kexec ms | KHO / plain "
      "| restore ms (in blackout) | verify ms (apart) "
      "| kernel part: KHO ms | kernel part: plain ms | kernel part: KHO / plain "
      "| KHO / plain `nokaslr` |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    pn = med(nokaslr)
    kp = med(kinit.get("plain", []))
    pm = med(plain)
    for name in ("kho-0", "kho-64M-o9", "kho-256M-o9", "kho-1G-o9",
                 "kho-64M-o0", "kho-256M-o0", "kho-1G-o0"):
        ss = S.get(name)
        if not ss:
            continue
        b = [blackout_ms(s) for s in ss]
        folios = field(ss, "api", "folios")
        label = "0" if name == "kho-0" else "%s in %s folios" % (
            size_label(name), "2 MiB" if name.endswith("o9") else "4 KiB")
        kb = [s["kernel_ms"] + s["gen"].get("api", {}).get("restore_ns", 0)
              / 1e6 for s in ss]
        p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label, int(med(folios)) if folios else 0, spread(b),
            spread(plain), "%.3f" % (med(b) / pm) if pm else "-",
            spread(field(ss, "api", "restore_ns"), 1e6, "%.2f"),
            spread(field(ss, "api", "verify_ns"), 1e6, "%.0f"),
            spread(kb, 1, "%.0f"), spread(kinit.get("plain", []), 1, "%.0f"),
            "%.3f" % (med(kb) / kp) if kp else "-",
            "%.3f" % (med(b) / pn) if pn else "-"))
    p("")
    p("Kernel part = the next kernel's uptime at `/init` (+ the restore), "
      "i.e. the blackout without shutdown, purgatory and decompression.  "
      "Plain kexec with `nokaslr`, which loads every generation onto the "
      "memory the previous one ran from, as KHO does within scratch: "
      "%s ms per hop (%s).\n" % (spread(nokaslr),
                                  "%.3f × plain" % (med(nokaslr) / pm)
                                  if nokaslr and pm else "-"))

    # 1b. Blackout, instruction-counted
    icount_section(S, p)

    # 2. Boot-time restore cost
    p("## 2. Boot-time restore cost against folios and runs\n")
    p("check = FDT and memory map validated, and room made in memblock for "
      "one reservation per run (room, part of check: growing memblock's "
      "reserved array); reserve = every run reserved in "
      "memblock; index = the map's bitmaps kept as the record of what is "
      "still to restore, its chunks freed (per map page, not per folio; "
      "it reads no bitmap word: the reserve walk counted each bitmap's "
      "folios).  All in the next kernel, before `/init`.  "
      "`api` = test_kho restoring every folio with kho_restore_folio().\n")
    p("| configuration | folios | runs | map pages | check µs | room µs "
      "| reserve µs | index µs | boot total µs | ns per folio (boot) "
      "| api µs | ns per folio (api) |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    plot = {}
    for name in sorted(S, key=lambda n: (n.count("-"), n)):
        ss = S[name]
        if name == "plain" or not any("boot" in s["gen"] for s in ss):
            continue
        tot = [boot_ns(s) for s in ss if boot_ns(s) is not None]
        fol = field(ss, "boot", "folios")
        api = field(ss, "api", "restore_ns")
        afol = field(ss, "api", "folios")
        p("| %s | %d | %d | %d | %s | %s | %s | %s | %s | %.0f | %s | %s |" % (
            name, med(fol), med(field(ss, "boot", "runs")),
            med(field(ss, "boot", "map_pages")),
            spread(field(ss, "boot", "check_ns"), 1e3, "%.0f"),
            spread([s["gen"]["boot"]["room_ns"] for s in ss
                    if "room_ns" in s["gen"].get("boot", {})], 1e3, "%.0f"),
            spread(field(ss, "boot", "reserve_ns"), 1e3, "%.0f"),
            spread(field(ss, "boot", "index_ns"), 1e3, "%.0f"),
            spread(tot, 1e3, "%.0f"), med(tot) / med(fol),
            spread(api, 1e3, "%.0f"),
            "%.0f" % (med(api) / med(afol)) if api else "-"))
        m = re.match(r"kho-(\d+)([MG])-o(\d)$", name)
        if m:
            mib = int(m.group(1)) * (1024 if m.group(2) == "G" else 1)
            plot.setdefault(m.group(3), []).append(
                (mib, med(tot) / 1e3, med(api) / 1e3 if api else 0,
                 med(field(ss, "boot", "runs")), med(fol)))
    p("")

    p("### Scaling: 16× the bytes\n")
    p("Goal: 16× the bytes in the same runs costs at most 1.5× at boot.\n")
    p("| folio size | 64 MiB: runs, boot µs | 1 GiB: runs, boot µs "
      "| bytes × | runs × | boot time × | goal |")
    p("|---|---:|---:|---:|---:|---:|---|")
    for order, label, sfx in (("9", "2 MiB", ""), ("0", "4 KiB", ""),
                              ("9", "2 MiB, instruction-counted", "-icount"),
                              ("0", "4 KiB, instruction-counted", "-icount")):
        a = S.get("kho-64M-o%s%s" % (order, sfx))
        b = S.get("kho-1G-o%s%s" % (order, sfx))
        if not a or not b:
            continue
        ra, rb = med(field(a, "boot", "runs")), med(field(b, "boot", "runs"))
        ta = med([boot_ns(s) for s in a if boot_ns(s)])
        tb = med([boot_ns(s) for s in b if boot_ns(s)])
        p("| %s | %d, %.0f | %d, %.0f | 16 | %.2f | %.2f | %s |" % (
            label, ra, ta / 1e3, rb, tb / 1e3, rb / ra, tb / ta,
            "met" if tb / ta <= 1.5 else "missed"))
    p("")

    profile_section(S, p)

    p("### Coalescing: reserve per run against per folio\n")
    p("| configuration | folios | runs | reserve µs per run (now) "
      "| reserve µs per folio (before) | saved × |")
    p("|---|---:|---:|---:|---:|---:|")
    for base in ("kho-256M-o0", "kho-1G-o0"):
        a, b = S.get(base), S.get(base + "-perfolio")
        if not a or not b:
            continue
        ra = med(field(a, "boot", "reserve_ns"))
        rb = med(field(b, "boot", "reserve_ns"))
        p("| %s | %d | %d | %s | %s | %.1f |" % (
            base, med(field(a, "boot", "folios")),
            med(field(a, "boot", "runs")),
            spread(field(a, "boot", "reserve_ns"), 1e3, "%.0f"),
            spread(field(b, "boot", "reserve_ns"), 1e3, "%.0f"), rb / ra))
    p("")

    # 3. Finalize
    p("## 3. Finalize cost against the number of bitmaps\n")
    p("Time to write the preserved-memory map at finalize (under the "
      "tracker's write lock, after the notifiers), every finalize of "
      "every generation.\n")
    p("| bitmaps | finalizes | write µs | ns per bitmap |")
    p("|---:|---:|---:|---:|")
    byb = {}
    for ss in S.values():
        for s in ss:
            for nb, ns in s["finalize"]:
                byb.setdefault(nb, []).append(ns)
    for nb in sorted(byb):
        v = byb[nb]
        p("| %d | %d | %s | %s |" % (nb, len(v), spread(v, 1e3, "%.0f"),
                                     "%.0f" % (med(v) / nb) if nb else "-"))
    p("")

    # 4./5. from bench-core
    p("## 4./5. Tracker memory and preserve API cost (`make bench-core`)\n")
    if os.path.exists(core_md):
        p(open(core_md).read())

    # 6. Host scale
    scale_section(S, p, out)
    scale_icount_section(S, p)

    # 7. Live update
    luo_section(S, p)

    # Plot
    dat = os.path.join(out, "restore.dat")
    with open(dat, "w") as fh:
        for order in ("9", "0"):
            fh.write("# order %s: MiB boot_us api_us runs folios\n" % order)
            for row in sorted(plot.get(order, [])):
                fh.write("%d %.1f %.1f %d %d\n" % row)
            fh.write("\n\n")
    png = os.path.join(out, "restore.png")
    gp = """set terminal pngcairo size 900,560
set output '%s'
set title 'KHO restore cost against preserved size (median per hop, QEMU TCG)'
set xlabel 'preserved memory (MiB)'
set ylabel 'time (microseconds)'
set logscale xy
set xrange [32:2048]
set key top left
set grid
plot '%s' index 0 using 1:2 with linespoints lw 2 title 'boot: check+reserve+index, 2 MiB folios', \\
     '' index 1 using 1:2 with linespoints lw 2 title 'boot: check+reserve+index, 4 KiB folios', \\
     '' index 0 using 1:3 with linespoints dt 2 title 'kho\\_restore\\_folio() of all, 2 MiB folios', \\
     '' index 1 using 1:3 with linespoints dt 2 title 'kho\\_restore\\_folio() of all, 4 KiB folios'
""" % (png, dat)
    if not plot:
        p("Plot: not drawn (no wall-clock restore configuration ran)")
    else:
        try:
            subprocess.run(["gnuplot"], input=gp, text=True, check=True)
            p("Plot: `build/bench/restore.png` (data: "
              "`build/bench/restore.dat`)")
        except (OSError, subprocess.CalledProcessError) as e:
            p("Plot: not drawn (%s)" % e)

    text = "\n".join(lines) + "\n"
    open(os.path.join(out, "bench.md"), "w").write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
