#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Keep Documentation/admin-guide/mm/kho.rst true to the code.

  docs-check.py messages      KTAP: the guide's message table against the
                              kernel messages of KHO and live update
  docs-check.py commands NAME print the commands of the guide's command
                              block NAME, one a line, for a guest to run
  docs-check.py blocks        list the names of the guide's command blocks

The message table lies between the comments ".. kho-messages-begin" and
".. kho-messages-end".  Each of its bullet items that starts with an
inline literal quotes one message as the log shows it, or one of the
reasons a message gives for refusing a handover.  A quote may stand for
a variable part with a word in angle brackets (``<error>``); the check
treats every printf specifier of the code, and every such word, as any
text.  Three results:

- every quote matches a message or a reason in the code;
- every pr_err()/pr_warn() (and the decompressor's warn()) of KHO and live
  update is quoted at least once;
- every reason string such a message prints is quoted; a reason the code
  formats with snprintf() (kho_abi_check(): one that names the versions)
  is quoted as an example of it.

A command block is a literal block right after a comment
".. kho-commands: NAME".  Its lines that start with the root prompt "# "
are the commands; the other lines are what they print.  guest/scenario/
kho-guide runs them, unchanged, through real KHO kexecs.
"""

import glob
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUIDE = os.path.join(TOP, "Documentation/admin-guide/mm/kho.rst")

# The KHO and live update code whose messages an operator may see.  The
# KUnit suite and the test modules (lib/test_kho*.c) are left out: they
# report to the person testing, documented in core-api/kho.
# KHO is kernel/kexec_handover*.c, one file per concern, less the KUnit
# suite and the benchmark module.
KHO_SOURCES = sorted(
    os.path.relpath(f, TOP)
    for f in glob.glob(os.path.join(TOP, "kernel/kexec_handover*.c"))
    if not f.endswith(("_test.c", "_bench.c")))
SOURCES = KHO_SOURCES + [
    "kernel/liveupdate/luo_core.c",
    "kernel/liveupdate/luo_debug.c",
    "kernel/liveupdate/luo_file.c",
    "kernel/liveupdate/luo_session.c",
    "mm/memblock_kho.c",
    "mm/memfd_luo.c",
]
# Changes to existing files: their added lines, messages about KHO only
PATCHES = [
    ("arch/x86/kernel/setup.c.patch", ""),
    ("arch/x86/boot/compressed/kaslr.c.patch", ""),
    ("kernel/kexec_file.c.patch", "kexec_file: "),
    ("mm/memtest.c.patch", ""),
]
# Files whose functions return (or assign to "why") the reason a refusal
# message prints with its %s
REASON_SOURCES = [
    "kernel/kexec_handover_boot.c",
    "kernel/kexec_handover_check.c",
    "kernel/kexec_handover_scratch.c",
    "kernel/liveupdate/luo_session.c",
    "mm/memblock_kho.c",
    "mm/memfd_luo.c",
    "mm/memfd_luo_check.c",
]
# Strings of those files that are no reason an operator sees
NOT_REASONS = {"rolled back", "..."}

PRINTERS = r"(pr_err|pr_warn|pr_warn_ratelimited|pr_err_ratelimited|" \
    r"pr_info|pr_info_once|pr_notice|warn)"
MUST_QUOTE = {"pr_err", "pr_warn", "pr_warn_ratelimited",
              "pr_err_ratelimited", "warn"}
CSTR = r'"(?:[^"\\\n]|\\.)*"'
# A string expression: literals and macro names, concatenated
SEXPR = r"(?:%s|[A-Z][A-Z0-9_]*)(?:\s*(?:%s|[A-Z][A-Z0-9_]*))*" % (CSTR, CSTR)
SPEC = re.compile(r"%%|%[-+ #0]*(?:\d+|\*)?(?:\.\d+)?(?:hh|h|ll|l|z|t|j)?"
                  r"(?:p[a-zA-Z]*|[diouxXcsSeEfgG])")
PLACEHOLDER = re.compile(r"<[^<>]+>")


def read(path):
    with open(os.path.join(TOP, path)) as fh:
        return fh.read()


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def unescape(s):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(
        m.group(1), m.group(1)), s)


def defines():
    """String macros of the ABI headers: #define NAME "value" """
    macros = {}
    abi = os.path.join(TOP, "include/linux/kho/abi")
    for f in sorted(os.listdir(abi)):
        for m in re.finditer(r'^#define\s+(\w+)\s+(%s)\s*$' % CSTR,
                             read(os.path.join("include/linux/kho/abi", f)),
                             re.M):
            macros[m.group(1)] = unescape(m.group(2)[1:-1])
    return macros


def evaluate(expr, macros):
    """The value of a string expression, or None if a name is unknown"""
    out = []
    for m in re.finditer(r'(%s)|([A-Z][A-Z0-9_]*)' % CSTR, expr):
        if m.group(1):
            out.append(unescape(m.group(1)[1:-1]))
        elif m.group(2) in macros:
            out.append(macros[m.group(2)])
        else:
            return None
    return "".join(out)


def pr_fmt(text):
    m = re.search(r'#define pr_fmt\(fmt\)\s+"([^"]*)"\s*fmt', text)
    return m.group(1) if m else ""


def code_messages():
    """(file, printer, format) of every message, with pr_fmt's prefix"""
    macros = defines()
    found = []

    def scan(path, text, prefix):
        text = strip_comments(text)
        for m in re.finditer(r"\b%s\s*\(\s*(%s)" % (PRINTERS, SEXPR), text):
            fmt = evaluate(m.group(2), macros)
            if fmt is None:
                fmt = "<unresolved %s>" % m.group(2)
            found.append((path, m.group(1), prefix + fmt.rstrip("\n")))

    for path in SOURCES:
        text = read(path)
        scan(path, text, pr_fmt(text))
    for path, prefix in PATCHES:
        added = "\n".join(line[1:] for line in read(path).splitlines()
                          if line.startswith("+") and
                          not line.startswith("+++"))
        before = len(found)
        scan(path, added, prefix)
        found[before:] = [f for f in found[before:]
                          if "KHO" in f[2] or "Kexec HandOver" in f[2]]
    return found


def code_reasons():
    """(file, reason) of every reason string a refusal message prints"""
    macros = defines()
    found = []
    for path in REASON_SOURCES:
        text = strip_comments(read(path))
        pats = [r"\breturn\s+(%s)\s*;" % SEXPR,
                r"\bwhy\s*=\s*(%s)\s*;" % SEXPR,
                r"\[\]\s*=\s*(%s)\s*;" % SEXPR]
        if path.endswith("_check.c"):
            # the "busy" reason handed to kho_walk_claim()
            pats.append(r",\s*(%s)\s*\)" % SEXPR)
        for pat in pats:
            for m in re.finditer(pat, text):
                if '"' not in m.group(1):
                    continue
                s = evaluate(m.group(1), macros)
                if s is not None and s not in NOT_REASONS:
                    found.append((path, s))
    seen, out = set(), []
    for f in found:
        if f[1] not in seen:
            seen.add(f[1])
            out.append(f)
    return out


def code_reason_formats():
    """(file, format) of every reason the reason files format with
    snprintf(): each is matched like a message format"""
    macros = defines()
    found = []
    for path in REASON_SOURCES:
        text = strip_comments(read(path))
        for m in re.finditer(r"\bsnprintf\s*\(\s*\w+\s*,\s*\w+\s*,\s*(%s)"
                             % SEXPR, text):
            fmt = evaluate(m.group(1), macros)
            if fmt is not None:
                found.append((path, fmt))
    return found


def guide_lines():
    with open(GUIDE) as fh:
        return fh.read().splitlines()


def guide_quotes():
    """(line number, text) of every quote in the message table"""
    lines, quotes, inside = guide_lines(), [], False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == ".. kho-messages-begin":
            inside = True
        elif line.strip() == ".. kho-messages-end":
            inside = False
        elif inside and re.match(r"\s*- ``", line):
            start, text = i + 1, line.split("``", 1)[1]
            while "``" not in text and i + 1 < len(lines):
                i += 1
                text += " " + lines[i].strip()
            quotes.append((start, text.split("``", 1)[0]))
        i += 1
    return quotes


def fmt_regex(fmt):
    out, pos = [], 0
    for m in SPEC.finditer(fmt):
        out.append(re.escape(fmt[pos:m.start()]))
        out.append("%" if m.group(0) == "%%" else ".*")
        pos = m.end()
    out.append(re.escape(fmt[pos:]))
    return re.compile("".join(out) + r"\Z", re.S)


def matches(quote, rx):
    # A placeholder stands for any text: it matches where the code has a
    # specifier, and anywhere else only if the code says the same
    return rx.match(quote) or (PLACEHOLDER.search(quote) and rx.match(
        PLACEHOLDER.sub("x", quote)))


def messages():
    msgs, reasons, quotes = code_messages(), code_reasons(), guide_quotes()
    formats = code_reason_formats()
    rxs = [(m, fmt_regex(m[2])) for m in msgs]
    frxs = [(f, fmt_regex(f[1])) for f in formats]
    reason_set = {r[1] for r in reasons}
    results = []

    stray = [(n, q) for n, q in quotes
             if q not in reason_set and not any(matches(q, rx)
                                                for _, rx in rxs + frxs)]
    results.append((not stray, "every quoted message is in the code",
                    ["kho.rst:%d: no such message or reason in the code: %s"
                     % s for s in stray]))

    missing = [m for m, rx in rxs if m[1] in MUST_QUOTE and
               not any(matches(q, rx) for _, q in quotes)]
    results.append((not missing, "every KHO error and warning is in the "
                    "guide's message table (%d)" % sum(
                        m[1] in MUST_QUOTE for m in msgs),
                    ["%s: %s(\"%s\") is not in the table" % m
                     for m in missing]))

    quoted = {q for _, q in quotes}
    unreasoned = [r for r in reasons if r[1] not in quoted]
    unreasoned += [f for f, rx in frxs
                   if not any(matches(q, rx) for q in quoted)]
    results.append((not unreasoned, "every refusal reason is in the "
                    "guide's message table (%d)" % (len(reasons) +
                                                    len(formats)),
                    ["%s: reason \"%s\" is not in the table" % r
                     for r in unreasoned]))

    print("KTAP version 1")
    print("# Subtest: docs-messages")
    print("# %d messages in the code, %d reasons, %d quotes in the guide"
          % (len(msgs), len(reasons), len(quotes)))
    print("1..%d" % len(results))
    for i, (ok, name, why) in enumerate(results, 1):
        for w in why:
            print("# " + w)
        print("%s %d %s" % ("ok" if ok else "not ok", i, name))
    return 0 if all(r[0] for r in results) else 1


def blocks():
    """{name: [command, ...]} of the guide's command blocks"""
    lines, out, i = guide_lines(), {}, 0
    while i < len(lines):
        m = re.match(r"\.\. kho-commands:\s*(\S+)\s*$", lines[i])
        i += 1
        if not m:
            continue
        name = m.group(1)
        # the literal block: "::" alone, then indented lines
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or lines[i].strip() != "::":
            sys.exit("kho.rst:%d: block %s: no '::' literal block after "
                     "the marker" % (i + 1, name))
        i += 1
        cmds = []
        while i < len(lines) and (not lines[i].strip() or
                                  lines[i].startswith(" ")):
            s = lines[i].strip()
            if s.startswith("# "):
                cmds.append(s[2:])
            i += 1
        if name in out or not cmds:
            sys.exit("kho.rst: block %s is empty or defined twice" % name)
        out[name] = cmds
    return out


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "messages":
        return messages()
    if len(sys.argv) == 2 and sys.argv[1] == "blocks":
        print("\n".join(blocks()))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "commands":
        b = blocks()
        if sys.argv[2] not in b:
            sys.exit("kho.rst has no command block %s" % sys.argv[2])
        print("\n".join(b[sys.argv[2]]))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
