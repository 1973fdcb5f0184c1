#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Export the overlay as a git format-patch series against the base.

series/series describes the split: one stanza per patch, in order.

    patch: kho: subject line of the patch
    name: short-slug                    (needed with stage:)
    files: overlay paths or globs (new files, .patch files, fragments)
    stage: overlay paths                (optional, see below)
    checkpatch-ignore: TYPE[,TYPE]      (optional, each one justified)
    body:
    	commit message body, every line indented by one tab

series/cover-letter holds the cover letter: subject on the first line, then
a blank line and the body.  Every overlay file must belong to exactly one
patch (its "files:"), and the last commit's tree must equal what
"overlay.py apply" produces, so the series and the overlay cannot drift
apart.

Stages: one overlay file split across patches.  A patch that lists a file
under "stage:" carries an intermediate version of it.  The versions are
stacked diffs, kept in series/stages/<name>/<overlay path>.diff (<name> is
the patch's "name:"): each is a unified diff that takes the file's next
version (the next stage's, or the overlay's own for the last stage) back
to this patch's, so it reads as what this patch does not have yet.  The
versions are rebuilt from the overlay's copy backwards, one diff at a
time (patch(1), offsets allowed, no fuzz: a diff that no longer applies
after the overlay changed must be updated, and export says which; restage
carries an uncommitted change of a staged file into every stage that has
its lines, and writes the diffs again).  What
a version is depends on the overlay file:

  * a new file: its whole content at this patch;
  * PATH.patch: the diff against the base at this patch (same form as the
    overlay's .patch, base to this step, not a diff between steps);
  * a fragment (Kconfig.kho, MAINTAINERS.fragment): the fragment at this
    patch, merged into the base file as overlay.py merges it.

Each step replaces the previous one, so a patch's commit shows what it
adds to the file.  The patch that lists the file under "files:" carries the
overlay's own copy and must come after every patch that stages it; a
stage diff that no stanza names is an error.  A stage is meant to be the
final file minus later functionality, never a rewrite: export still fails
unless the last tree equals the overlay byte for byte.

    series.py export    write build/series/*.patch (and checkpatch-ignore)
    series.py restage FILE...
                        carry the uncommitted change of staged overlay
                        files into their stage diffs
"""

import fnmatch
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import overlay  # noqa: E402

TOP = overlay.TOP
BUILD = os.path.join(TOP, "build")
WORK = os.path.join(BUILD, "series-src")
OUT = os.path.join(BUILD, "series")
SPEC = os.path.join(TOP, "series", "series")
COVER = os.path.join(TOP, "series", "cover-letter")
STAGES = os.path.join(TOP, "series", "stages")

die = overlay.die


def parse_spec():
    patches, cur, in_body = [], None, False
    with open(SPEC) as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if in_body and (line.startswith("\t") or line == ""):
                cur["body"].append(line[1:])
                continue
            in_body = False
            if not line.strip() or line.startswith("#"):
                continue
            key, _, val = line.partition(":")
            val = val.strip()
            if key == "patch":
                cur = {"subject": val, "files": [], "ignore": [], "body": [],
                       "stage": [], "name": None}
                patches.append(cur)
            elif cur is None:
                die("series/series:%d: '%s' before the first 'patch:'" %
                    (n, key))
            elif key == "files":
                cur["files"] += val.split()
            elif key == "name":
                if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", val):
                    die("series/series:%d: bad name '%s'" % (n, val))
                cur["name"] = val
            elif key == "stage":
                cur["stage"] += val.split()
            elif key == "checkpatch-ignore":
                cur["ignore"] += [v for v in val.split(",") if v]
            elif key == "body":
                in_body = True
            else:
                die("series/series:%d: unknown key '%s'" % (n, key))
    for p in patches:
        while p["body"] and not p["body"][-1]:
            p["body"].pop()
    return patches


def assign(patches):
    """Map every overlay file to exactly one patch."""
    files = overlay.overlay_files() + [
        f for f in overlay.FRAGMENTS if os.path.exists(os.path.join(TOP, f))]
    owner = {}
    for i, p in enumerate(patches):
        p["paths"] = []
        for pat in p["files"]:
            hits = [f for f in files if fnmatch.fnmatchcase(f, pat)]
            if not hits:
                die("series/series: '%s' (patch %d) matches no overlay "
                    "file" % (pat, i + 1))
            for f in hits:
                if f in owner and owner[f] != i:
                    die("series/series: %s is in patches %d and %d" %
                        (f, owner[f] + 1, i + 1))
                owner[f] = i
                if f not in p["paths"]:
                    p["paths"].append(f)
    missing = [f for f in files if f not in owner]
    if missing:
        die("series/series: no patch carries %s" % ", ".join(missing))
    check_stages(patches, owner)


def check_stages(patches, owner):
    """Every stage names an overlay file owned by a later patch, and has a
    copy; every copy under series/stages belongs to a stage."""
    names, wanted = {}, set()
    for i, p in enumerate(patches):
        if p["name"]:
            if p["name"] in names:
                die("series/series: name '%s' used by patches %d and %d" %
                    (p["name"], names[p["name"]] + 1, i + 1))
            names[p["name"]] = i
        if p["stage"] and not p["name"]:
            die("series/series: patch %d stages files but has no name:" %
                (i + 1))
        for f in p["stage"]:
            if f not in owner:
                die("series/series: stage %s (patch %d) is no overlay file" %
                    (f, i + 1))
            if owner[f] <= i:
                die("series/series: patch %d stages %s, which patch %d, "
                    "not a later one, carries in its final form" %
                    (i + 1, f, owner[f] + 1))
            path = stage_diff(p, f)
            if not os.path.isfile(path):
                die("series/series: no stage diff %s" %
                    os.path.relpath(path, TOP))
            wanted.add(path)
    for root, _, fnames in os.walk(STAGES):
        for fn in fnames:
            path = os.path.join(root, fn)
            if path not in wanted:
                die("series/series: %s is a stage diff no patch names" %
                    os.path.relpath(path, TOP))


def stage_diff(p, f):
    return os.path.join(STAGES, p["name"], f + ".diff")


def unpatch(text, diff, what):
    """@text with the stacked diff @diff applied: the previous version."""
    tmp = os.path.join(BUILD, "series-stage.tmp")
    with open(tmp, "wb") as fh:
        fh.write(text)
    res = subprocess.run(["patch", "-s", "-F0", "--no-backup-if-mismatch",
                          "-r", "-", tmp, diff],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with open(tmp, "rb") as fh:
        out = fh.read()
    os.unlink(tmp)
    if res.returncode:
        die("%s no longer applies to the next version of %s: update it "
            "(%s)" % (os.path.relpath(diff, TOP), what,
                      res.stdout.decode().strip()))
    return out


def stage_versions(patches):
    """Every staged file's content at each patch that stages it, rebuilt
    from the overlay's copy backwards through the stacked diffs."""
    versions = {}
    staged = {}
    for i, p in enumerate(patches):
        for f in p["stage"]:
            staged.setdefault(f, []).append(i)
    for f, steps in staged.items():
        with open(os.path.join(TOP, f), "rb") as fh:
            text = fh.read()
        for i in reversed(steps):
            text = unpatch(text, stage_diff(patches[i], f), f)
            versions[(i, f)] = text
    return versions


def wgit(*args, data=None):
    res = subprocess.run(["git", "-C", WORK] + list(args), input=data,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode:
        die("git %s: %s" % (" ".join(args), res.stderr.decode().strip()))
    return res.stdout.decode()


def identity():
    def cfg(key, dflt):
        res = subprocess.run(["git", "-C", TOP, "config", key],
                             stdout=subprocess.PIPE)
        return res.stdout.decode().strip() or dflt
    return cfg("user.name", "KHO developers"), cfg("user.email",
                                                    "kho@localhost")


def fresh_worktree():
    if os.path.isdir(WORK):
        wgit("checkout", "-q", "-f", "--detach", "base")
        wgit("clean", "-fdxq")
    else:
        overlay.git("worktree", "prune")
        overlay.git("worktree", "add", "-q", "--detach", WORK, "base")


def base_file(target):
    """The base's content of a kernel file, None if the base has none."""
    res = subprocess.run(["git", "-C", WORK, "show", "base:" + target],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return res.stdout if res.returncode == 0 else None


def put_file(p, f, data, what):
    """Make overlay file @f's kernel file what @data (the content of the
    overlay's copy or of a stage, named @what) says, starting from the base
    each time, so that a later step replaces an earlier one."""
    if f in overlay.FRAGMENTS:
        target, how = overlay.FRAGMENTS[f]
        merged = overlay.merge(how, base_file(target), data)
        with open(os.path.join(WORK, target), "wb") as fh:
            fh.write(merged)
    elif f.endswith(".patch"):
        target = f[:-len(".patch")]
        orig = base_file(target)
        if orig is None:
            die("%s: the base has no %s" % (f, target))
        with open(os.path.join(WORK, target), "wb") as fh:
            fh.write(orig)
        res = subprocess.run(["git", "-C", WORK, "apply", "-"], input=data,
                             stderr=subprocess.PIPE)
        if res.returncode:
            die("%s does not apply in series order (patch '%s'): %s" %
                (what, p["subject"], res.stderr.decode().strip()))
    else:
        dst = os.path.join(WORK, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as fh:
            fh.write(data)
        shutil.copymode(os.path.join(TOP, f), dst)


def commit_patch(i, p, versions, name, email):
    for f in p["stage"]:
        put_file(p, f, versions[(i, f)], "stage %s of %s" % (p["name"], f))
    for f in p["paths"]:
        with open(os.path.join(TOP, f), "rb") as fh:
            put_file(p, f, fh.read(), f)
    wgit("add", "-A", "-f")
    msg = p["subject"] + "\n\n" + "\n".join(p["body"]) + \
        "\n\nSigned-off-by: %s <%s>\n" % (name, email)
    env = dict(os.environ, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
               GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email,
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    res = subprocess.run(["git", "-C", WORK, "commit", "-q", "-F", "-"],
                         input=msg.encode(), env=env, stderr=subprocess.PIPE)
    if res.returncode:
        die("commit of '%s' failed: %s" % (p["subject"],
                                           res.stderr.decode().strip()))


def export():
    patches = parse_spec()
    assign(patches)
    name, email = identity()
    versions = stage_versions(patches)
    fresh_worktree()
    for i, p in enumerate(patches):
        commit_patch(i, p, versions, name, email)
    want = overlay.target_tree()
    have = wgit("rev-parse", "HEAD^{tree}").strip()
    if want != have:
        die("the series does not rebuild the overlay tree; diff:\n" +
            wgit("diff", "--stat", "HEAD", want))

    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    if not patches:
        print("kho: the overlay is empty; no series")
        return
    wgit("format-patch", "-q", "--cover-letter", "--thread=shallow",
         "-o", OUT, "base..HEAD")
    with open(COVER) as fh:
        subject, _, blurb = fh.read().partition("\n")
    cover = os.path.join(OUT, sorted(os.listdir(OUT))[0])
    with open(cover) as fh:
        text = fh.read()
    text = text.replace("*** SUBJECT HERE ***", subject.strip())
    text = text.replace("*** BLURB HERE ***", blurb.strip("\n"))
    with open(cover, "w") as fh:
        fh.write(text)
    files = sorted(f for f in os.listdir(OUT) if f.endswith(".patch"))
    with open(os.path.join(OUT, "checkpatch-ignore"), "w") as fh:
        for f, p in zip(files[1:], patches):
            fh.write("%s %s\n" % (f, ",".join(p["ignore"]) or "-"))
    print("kho: %d patches + cover letter in %s" %
          (len(patches), os.path.relpath(OUT, TOP)))


def restage(files):
    """Carry a change of staged overlay files into their stage diffs.

    The change is the file against git HEAD.  Every stage's version is
    rebuilt from HEAD's copy, the change is applied to each with patch(1)
    (fuzz allowed; a hunk whose lines a stage lacks is left out of it), and
    the stacked diffs are written again from the new versions.  Review the
    result: series-check builds and boots every step.
    """
    patches = parse_spec()
    assign(patches)
    for f in files:
        steps = [i for i, p in enumerate(patches) if f in p["stage"]]
        if not steps:
            die("%s is staged by no patch" % f)
        old = subprocess.run(["git", "-C", TOP, "show", "HEAD:" + f],
                             stdout=subprocess.PIPE, check=True).stdout
        with open(os.path.join(TOP, f), "rb") as fh:
            new = fh.read()
        change = difference(old, new, f)
        text, versions = old, {}
        total = change.count(b"\n@@ ")
        for i in reversed(steps):
            text = unpatch(text, stage_diff(patches[i], f), f)
            versions[i], left = carry(text, change)
            if left:
                print("kho: %s: %d of %d hunks of the change to %s did "
                      "not apply; check that is right:\n%s" %
                      (patches[i]["name"], left, total, f,
                       "".join("  " + ln + "\n" for ln in left_out(
                           change, versions[i]))), end="")
        nxt = new
        for i in reversed(steps):
            with open(stage_diff(patches[i], f), "wb") as fh:
                fh.write(difference(nxt, versions[i], f))
            nxt = versions[i]
        print("kho: restaged %s in %s" % (f, ", ".join(
            patches[i]["name"] for i in steps)))


def difference(a, b, f):
    """diff -u from @a to @b, labelled as the stage diffs are."""
    tmp = [os.path.join(BUILD, "series-restage.%d" % n) for n in (0, 1)]
    for path, data in zip(tmp, (a, b)):
        with open(path, "wb") as fh:
            fh.write(data)
    res = subprocess.run(["diff", "-u", "--label", "a/" + f, "--label",
                          "b/" + f] + tmp, stdout=subprocess.PIPE)
    for path in tmp:
        os.unlink(path)
    if res.returncode > 1:
        die("diff failed on %s" % f)
    return res.stdout


def carry(text, change):
    """@text with those hunks of @change that find their lines in it, and
    how many did not."""
    tmp = os.path.join(BUILD, "series-restage.tmp")
    with open(tmp, "wb") as fh:
        fh.write(text)
    res = subprocess.run(["patch", "-F2", "--no-backup-if-mismatch",
                          "-r", "-", tmp], input=change,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with open(tmp, "rb") as fh:
        out = fh.read()
    os.unlink(tmp)
    failed = re.search(rb"(\d+) out of \d+ hunks? FAILED", res.stdout)
    return out, int(failed.group(1)) if failed else 0


def left_out(change, text):
    """The added lines of @change that @text lacks: the hunks left out."""
    have = set(text.decode(errors="replace").splitlines())
    return [ln[1:] for ln in change.decode(errors="replace").splitlines()
            if ln.startswith("+") and not ln.startswith("+++") and
            ln[1:].strip() and ln[1:] not in have]


def main():
    if sys.argv[1:] == ["export"]:
        export()
    elif sys.argv[1:2] == ["restage"] and sys.argv[2:]:
        restage(sys.argv[2:])
    else:
        die("usage: series.py export | restage OVERLAY_FILE...")


if __name__ == "__main__":
    main()
