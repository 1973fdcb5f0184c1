#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Apply the repository overlay to build/src, or write tree edits back.

The overlay is the source of truth:
  * a file at a kernel path (kernel/kexec_handover.c, ...) is a new file;
  * PATH.patch is a unified diff against the base for PATH;
  * Kconfig.kho is appended to kernel/Kconfig.kexec;
  * MAINTAINERS.fragment is inserted into MAINTAINERS in alphabetical order.

"apply" builds the target tree in a private git index (so a patch that does
not apply stops everything before the work tree is touched, and names the
file), commits it, and checks it out: git rewrites only the files whose
content changed, so an incremental kernel build stays incremental.

"refresh" is the inverse: every difference between build/src and the base
becomes an overlay file, a .patch, or a fragment.

Debian's tarball ships a .gitignore that ignores everything at the top
level, so every git call here that must see new files forces it (add -f,
status --ignored).
"""

import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.environ.get("KHO_SRC", os.path.join(TOP, "build", "src"))
OVERLAY = os.environ.get("KHO_OVERLAY", TOP)
DIRS = os.environ.get("KHO_OVERLAY_DIRS", "").split() or (
    "arch block certs crypto Documentation drivers fs include init io_uring "
    "ipc kernel lib mm net samples security sound tools usr virt").split()

# fragment file in the overlay -> (file in the kernel tree, how it merges)
FRAGMENTS = {
    "Kconfig.kho": ("kernel/Kconfig.kexec", "append"),
    "MAINTAINERS.fragment": ("MAINTAINERS", "maintainers"),
}


def die(msg):
    sys.stderr.write("kho: error: %s\n" % msg)
    sys.exit(1)


def git(*args, env=None, data=None, check=True):
    res = subprocess.run(["git", "-C", SRC] + list(args), input=data,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    if check and res.returncode:
        die("git %s: %s" % (" ".join(args),
                            res.stderr.decode(errors="replace").strip()))
    return res


def overlay_files():
    """Overlay files, tracked or not, minus ignored build products."""
    res = subprocess.run(["git", "-C", OVERLAY, "ls-files", "-z", "--cached",
                          "--others", "--exclude-standard", "--"] + DIRS,
                         stdout=subprocess.PIPE, check=True)
    files = [f for f in res.stdout.decode().split("\0") if f]
    return sorted(f for f in files
                  if os.path.isfile(os.path.join(OVERLAY, f)))


def base_blob(path):
    res = git("show", "base:" + path, check=False)
    return res.stdout if res.returncode == 0 else None


# ---- fragments -----------------------------------------------------------

def merge_append(base, frag):
    return base.rstrip(b"\n") + b"\n\n" + frag.rstrip(b"\n") + b"\n"


def entry_title(block):
    return block.split(b"\n", 1)[0].strip().upper()


TAG = re.compile(rb"^[A-Z]:\t")


def is_entry(lines, i):
    """True if lines[i] is an entry title: after a blank line, before tags."""
    return lines[i - 1] == b"" and lines[i] != b"" and \
        not TAG.match(lines[i]) and TAG.match(lines[i + 1]) is not None


def merge_maintainers(base, frag):
    """Insert each entry of frag before the first base entry sorting after it."""
    lines = base.split(b"\n")
    start = lines.index(b"Maintainers List") if b"Maintainers List" in lines \
        else 0
    out = base
    for block in frag.strip(b"\n").split(b"\n\n"):
        title = entry_title(block)
        lines = out.split(b"\n")
        pos = None
        for i in range(start + 1, len(lines) - 2):
            if is_entry(lines, i + 1) and entry_title(lines[i + 1]) > title:
                pos = i + 1
                break
        if pos is None:
            die("MAINTAINERS.fragment: no place found for '%s'" %
                title.decode())
        lines[pos:pos] = block.split(b"\n") + [b""]
        out = b"\n".join(lines)
    return out


def merge(how, base, frag):
    return merge_append(base, frag) if how == "append" else \
        merge_maintainers(base, frag)


def extract(how, base, tree, path):
    """Recover a fragment: tree must be base plus one inserted block."""
    b, t = base.split(b"\n"), tree.split(b"\n")
    pre = 0
    while pre < min(len(b), len(t)) and b[pre] == t[pre]:
        pre += 1
    suf = 0
    while suf < min(len(b), len(t)) - pre and b[-1 - suf] == t[-1 - suf]:
        suf += 1
    if pre + suf != len(b):
        die("%s: edits to existing lines cannot be expressed as a fragment; "
            "only add a block" % path)
    block = b"\n".join(t[pre:len(t) - suf]).strip(b"\n")
    return block + b"\n"


# ---- apply ---------------------------------------------------------------

def target_tree():
    """Build the overlay-applied tree in a private index; return its hash."""
    if git("rev-parse", "-q", "--verify", "base", check=False).returncode:
        die("%s has no base; run scripts/base.sh" % SRC)
    index = os.path.join(SRC, ".git", "kho-overlay-index.%d" % os.getpid())
    env = dict(os.environ, GIT_INDEX_FILE=index)
    git("read-tree", "base", env=env)

    def add_blob(path, data, mode="100644"):
        sha = git("hash-object", "-w", "--stdin", data=data).stdout
        git("update-index", "--add", "--cacheinfo",
            "%s,%s,%s" % (mode, sha.decode().strip(), path), env=env)

    try:
        for f in overlay_files():
            full = os.path.join(OVERLAY, f)
            if f.endswith(".patch"):
                res = git("apply", "--cached", "--whitespace=nowarn", full,
                          env=env, check=False)
                if res.returncode:
                    die("overlay patch %s does not apply to the base:\n%s" %
                        (f, res.stderr.decode(errors="replace").rstrip()))
                continue
            if base_blob(f) is not None:
                die("overlay file %s replaces a base file; express the "
                    "change as %s.patch" % (f, f))
            mode = "100755" if os.access(full, os.X_OK) else "100644"
            with open(full, "rb") as fh:
                add_blob(f, fh.read(), mode)

        for frag, (target, how) in FRAGMENTS.items():
            full = os.path.join(OVERLAY, frag)
            if not os.path.exists(full):
                continue
            cur = git("show", ":" + target, env=env).stdout
            with open(full, "rb") as fh:
                add_blob(target, merge(how, cur, fh.read()))
        return git("write-tree", env=env).stdout.decode().strip()
    finally:
        if os.path.exists(index):
            os.unlink(index)


def apply_overlay():
    tree = target_tree()
    head = git("rev-parse", "HEAD^{tree}").stdout.decode().strip()
    if tree == head:
        return
    dirty = git("status", "--porcelain", "--ignored").stdout.decode()
    if dirty:
        die("build/src has edits that are not in the overlay:\n%s"
            "run 'make refresh' to keep them or 'make reset-src' to drop "
            "them" % dirty)
    commit = git("commit-tree", tree, "-p", "base", "-m",
                 "KHO overlay").stdout.decode().strip()
    git("checkout", "-q", commit)
    print("kho: overlay applied")


# ---- refresh -------------------------------------------------------------

def refresh():
    # Refuse when the overlay has changes build/src never received: writing
    # the tree back would silently drop them.
    if target_tree() != git("rev-parse", "HEAD^{tree}").stdout.decode().strip():
        die("the overlay changed since build/src was last applied; apply it "
            "first (make build) or commit the overlay edits elsewhere")
    git("add", "-A", "-f", ".")
    changed = git("diff", "--cached", "--name-only", "-z", "base").stdout
    changed = [p for p in changed.decode().split("\0") if p]
    targets = {t: (frag, how) for frag, (t, how) in FRAGMENTS.items()}
    wanted = set()
    for path in changed:
        if path in targets:
            frag, how = targets[path]
            block = extract(how, base_blob(path),
                            git("show", ":" + path).stdout, path)
            with open(os.path.join(OVERLAY, frag), "wb") as fh:
                fh.write(block)
            continue
        if path.split("/", 1)[0] not in DIRS:
            die("%s is outside the overlay directories; move the change "
                "or extend KHO_OVERLAY_DIRS" % path)
        dst = os.path.join(OVERLAY, path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if base_blob(path) is None:
            data = git("show", ":" + path).stdout
            wanted.add(path)
        else:
            data = git("diff", "--cached", "base", "--", path).stdout
            dst += ".patch"
            wanted.add(path + ".patch")
        old = open(dst, "rb").read() if os.path.exists(dst) else None
        if old != data:
            with open(dst, "wb") as fh:
                fh.write(data)
            print("kho: refreshed %s" % os.path.relpath(dst, OVERLAY))
    for f in overlay_files():
        if f not in wanted:
            os.unlink(os.path.join(OVERLAY, f))
            print("kho: removed %s (no longer differs from base)" % f)
    for frag, (target, _) in FRAGMENTS.items():
        if target not in changed and \
                os.path.exists(os.path.join(OVERLAY, frag)):
            os.unlink(os.path.join(OVERLAY, frag))
            print("kho: removed %s" % frag)
    git("commit", "-q", "--allow-empty", "-m", "KHO overlay (refreshed)")


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("apply", "refresh"):
        die("usage: overlay.py apply|refresh")
    apply_overlay() if sys.argv[1] == "apply" else refresh()


if __name__ == "__main__":
    main()
