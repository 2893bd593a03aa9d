#!/usr/bin/env python3
"""Produce the checkpoint/restart patch series from the kernel tree here.

The kernel code lives, in its final form, in guest-kernel-cfg/linux/ (the
new files, at their paths in the kernel tree). Each new file says which
patch adds it, and marks the lines that later patches add or remove:

    /* @file TAG */     (or "# @file TAG")  the patch that adds the file
    /* @TAG */ ... /* @end */               lines added by patch TAG
    /* @until TAG */ ... /* @end */         lines that patch TAG removes

Blocks nest. guest-kernel-cfg/series/NN-TAG.txt is patch NN's commit
message (subject line, blank line, body); NN-TAG.diff, if present, holds
its changes to files that the kernel already has (applied with patch(1)
to the pinned linux-source-6.12). The MAINTAINERS entry lists the new
files present after each patch, so every patch that adds a file updates
it, as checkpatch asks.

    series.py generate [--check]   write guest-kernel-cfg/patches/ (or
                                   only check that they are up to date)
    series.py install DIR          write the new files, as the whole
                                   series leaves them, into the kernel
                                   tree DIR (only those that changed, so
                                   that make rebuilds only them)
    series.py show FILE            print one new file (e.g.
                                   include/uapi/linux/kcr.h) as the whole
                                   series leaves it
    series.py upstream-dir         print the directory of the pinned
                                   kernel's copies of the files the
                                   series' diffs change (made if need be)
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TREE = os.path.join(HERE, "linux")
SERIES = os.path.join(HERE, "series")
PATCHES = os.path.join(HERE, "patches")
TARBALL = "/usr/src/linux-source-6.12.tar.xz"
AUTHOR = ("Seed 2528bb6d maintainers\n"
          " <maintainers@users.noreply.h-seed-2528bb6d.example>")
SIGNOFF = ("Signed-off-by: Seed 2528bb6d maintainers "
           "<maintainers@users.noreply.h-seed-2528bb6d.example>")
DATE = "Wed, 25 Nov 2026 16:54:39 +0000"
MAINT_AFTER = "F:\tDocumentation/dev-tools/checkpatch.rst\n\n"
MAINT_HEAD = ("CHECKPOINT/RESTART (IN-KERNEL)\n"
              "M:\tSeed 2528bb6d maintainers "
              "<maintainers@users.noreply.h-seed-2528bb6d.example>\n"
              "S:\tMaintained\n")
MARK = re.compile(r"^\s*(?:/\*|#)\s*@(file|until|end|[a-z0-9-]+)"
                  r"(?:\s+([a-z0-9-]+))?\s*(?:\*/)?\s*$")


class SeriesError(Exception):
    pass


def load_series():
    """[(number, tag, message, upstream diff or None)] in order."""
    out = []
    for name in sorted(os.listdir(SERIES)):
        m = re.fullmatch(r"(\d\d)-([a-z0-9-]+)\.txt", name)
        if not m:
            continue
        base = os.path.join(SERIES, name[:-4])
        diff = base + ".diff"
        with open(base + ".txt") as f:
            msg = f.read()
        up = None
        if os.path.exists(diff):
            with open(diff) as f:
                up = f.read()
        out.append((int(m.group(1)), m.group(2), msg, up))
    nums = [n for n, _, _, _ in out]
    if nums != list(range(1, len(out) + 1)):
        raise SeriesError(f"series/ is not numbered 01..{len(out):02}: {nums}")
    return out


def render(path, text, index, k):
    """The file as it is after patch k (1-based), or None if not yet added."""
    file_tag = None
    stack = []
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        m = MARK.match(line)
        if not m:
            if all(stack):
                out.append(line)
            continue
        word, arg = m.group(1), m.group(2)
        where = f"{path}:{n}"
        if word == "end":
            if not stack:
                raise SeriesError(f"{where}: @end without a block")
            stack.pop()
            continue
        tag = arg if word in ("file", "until") else word
        if tag not in index:
            raise SeriesError(f"{where}: unknown patch tag {tag!r}")
        if word == "file":
            file_tag = tag
        elif word == "until":
            stack.append(k < index[tag])
        else:
            stack.append(k >= index[tag])
    if stack:
        raise SeriesError(f"{path}: a block is not closed")
    if file_tag is None:
        raise SeriesError(f"{path}: no @file line")
    if k < index[file_tag]:
        return None
    return "\n".join(out)


def tree_files():
    for d, _, names in os.walk(TREE):
        for name in names:
            p = os.path.join(d, name)
            yield os.path.relpath(p, TREE)


def upstream_dir(paths):
    """A cache of the pinned tarball's copies of the files patches change."""
    pin = "unknown"
    with open(os.path.join(ROOT, "images/pins")) as f:
        for line in f:
            w = line.split()
            if len(w) >= 2 and w[0] == "linux-source-6.12":
                pin = w[1]
    # One cache per set of files: a cache, once there, is never changed
    # or removed, so that concurrent runs (the patch tests run at once)
    # never read one half made or half gone.
    key = hashlib.sha256("\n".join(sorted(paths)).encode()).hexdigest()[:12]
    cache = os.path.join(ROOT, f"images/out/build/upstream-{pin}-{key}")
    if not os.path.isdir(cache):
        if not os.path.exists(TARBALL):
            raise SeriesError(f"{TARBALL} is missing: run images/install-deps.sh")
        # Extract next to the cache, then rename: a concurrent reader sees
        # the whole cache or none of it.
        tmp = f"{cache}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        subprocess.run(["tar", "-xJf", TARBALL, "-C", tmp,
                        "--strip-components=1"] +
                       ["linux-source-6.12/" + p for p in paths], check=True)
        try:
            os.rename(tmp, cache)
        except OSError:
            # Another run made the same cache first.
            shutil.rmtree(tmp, ignore_errors=True)
            if not os.path.isdir(cache):
                raise
    return cache


def diff_paths(diff):
    return re.findall(r"(?m)^\+\+\+ b/(\S+)", diff or "")


def build_states(series):
    """states[k]: {path: text} after patch k; states[0] is upstream."""
    index = {tag: n for n, tag, _, _ in series}
    sources = {}
    for rel in tree_files():
        with open(os.path.join(TREE, rel)) as f:
            sources[rel] = f.read()
    edited = sorted({p for *_, up in series for p in diff_paths(up)} |
                    {"MAINTAINERS"})
    cache = upstream_dir(edited)
    up_state = {}
    for p in edited:
        with open(os.path.join(cache, p)) as f:
            up_state[p] = f.read()
    states = [dict(up_state)]
    for n, tag, _, up in series:
        cur = dict(states[-1])
        if up:
            cur.update(apply_diff(cur, up, f"series/{n:02}-{tag}.diff"))
        new = {}
        for rel, text in sources.items():
            r = render(rel, text, index, n)
            if r is not None:
                new[rel] = r
        cur.update(new)
        maint = up_state["MAINTAINERS"]
        if new:
            entry = MAINT_HEAD + "".join(f"F:\t{p}\n" for p in sorted(new)) + "\n"
            if MAINT_AFTER not in maint:
                raise SeriesError("MAINTAINERS: the checkpatch entry moved")
            maint = maint.replace(MAINT_AFTER, MAINT_AFTER + entry, 1)
        cur["MAINTAINERS"] = maint
        states.append(cur)
    return states


def apply_diff(files, diff, name):
    with tempfile.TemporaryDirectory() as d:
        for p in diff_paths(diff):
            os.makedirs(os.path.dirname(os.path.join(d, p)), exist_ok=True)
            with open(os.path.join(d, p), "w") as f:
                f.write(files[p])
        r = subprocess.run(["patch", "-p1", "-s", "--no-backup-if-mismatch",
                            "-d", d], input=diff, text=True,
                           capture_output=True)
        if r.returncode:
            raise SeriesError(f"{name} does not apply:\n{r.stdout}{r.stderr}")
        out = {}
        for p in diff_paths(diff):
            with open(os.path.join(d, p)) as f:
                out[p] = f.read()
        return out


def git_diff(old, new):
    """A git-style diff of two {path: text} maps, and its diffstat."""
    with tempfile.TemporaryDirectory() as d:
        for side, files in (("a", old), ("b", new)):
            for p, text in files.items():
                if side == "b" or old.get(p) != new.get(p):
                    full = os.path.join(d, side, p)
                    os.makedirs(os.path.dirname(full), exist_ok=True)
                    with open(full, "w") as f:
                        f.write(text)
        for side in ("a", "b"):
            os.makedirs(os.path.join(d, side), exist_ok=True)
        for p in list(new):
            if old.get(p) == new.get(p):
                os.unlink(os.path.join(d, "b", p))
        r = subprocess.run(["git", "diff", "--no-index", "--no-prefix",
                            "--no-color", "a", "b"], cwd=d,
                           capture_output=True, text=True)
        if r.returncode not in (0, 1):
            raise SeriesError(r.stderr)
        diff = re.sub(r"(?m)^diff --git b/(\S+) b/", r"diff --git a/\1 b/",
                      r.stdout)
        stat = subprocess.run(["git", "apply", "--stat", "--summary", "-"],
                              input=diff, capture_output=True, text=True,
                              cwd=d)
        if stat.returncode:
            raise SeriesError(stat.stderr)
        return diff, "".join(l.rstrip() + "\n" for l in stat.stdout.splitlines())


def patch_name(n, subject):
    slug = re.sub(r"[^A-Za-z0-9]+", "-", subject).strip("-")[:52].rstrip("-")
    return f"{n:04}-{slug}.patch"


def generate():
    series = load_series()
    states = build_states(series)
    total = len(series)
    out = {}
    for n, tag, msg, _ in series:
        subject, _, body = msg.partition("\n")
        body = body.strip("\n")
        diff, stat = git_diff(states[n - 1], states[n])
        if not diff:
            raise SeriesError(f"patch {n:02}-{tag} changes nothing")
        text = (f"From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
                f"From: {AUTHOR}\nDate: {DATE}\n"
                f"Subject: [PATCH {n:02}/{total}] {subject}\n\n"
                f"{body}\n\n{SIGNOFF}\n---\n{stat}\n{diff}-- \n2.47.3\n\n")
        out[patch_name(n, subject)] = text
    return out


def install(dest):
    series = load_series()
    index = {tag: n for n, tag, _, _ in series}
    last = len(series)
    n = 0
    for rel in sorted(tree_files()):
        with open(os.path.join(TREE, rel)) as f:
            text = render(rel, f.read(), index, last)
        p = os.path.join(dest, rel)
        if os.path.exists(p):
            with open(p) as f:
                if f.read() == text:
                    continue
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p + ".tmp", "w") as f:
            f.write(text)
        os.replace(p + ".tmp", p)
        print(f"series: wrote {rel}")
        n += 1
    print(f"series: {n} files changed in {dest}")
    return 0


def show(rel):
    series = load_series()
    index = {tag: n for n, tag, _, _ in series}
    with open(os.path.join(TREE, rel)) as f:
        text = render(rel, f.read(), index, len(series))
    sys.stdout.write(text)
    return 0


def upstream():
    """Prints the directory of the pinned kernel's copies of the files
    the series changes (made if need be)."""
    series = load_series()
    edited = sorted({p for *_, up in series for p in diff_paths(up)} |
                    {"MAINTAINERS"})
    print(upstream_dir(edited))
    return 0


def main(argv):
    if argv == ["upstream-dir"]:
        try:
            return upstream()
        except (SeriesError, OSError, subprocess.CalledProcessError) as e:
            print(f"series: {e}", file=sys.stderr)
            return 1
    if len(argv) == 2 and argv[0] == "show":
        try:
            return show(argv[1])
        except (SeriesError, OSError) as e:
            print(f"series: {e}", file=sys.stderr)
            return 1
    if len(argv) == 2 and argv[0] == "install":
        try:
            return install(argv[1])
        except SeriesError as e:
            print(f"series: {e}", file=sys.stderr)
            return 1
    if len(argv) < 1 or argv[0] != "generate":
        print(__doc__, file=sys.stderr)
        return 2
    check = "--check" in argv[1:]
    try:
        want = generate()
    except SeriesError as e:
        print(f"series: {e}", file=sys.stderr)
        return 1
    have = {n for n in os.listdir(PATCHES) if n.endswith(".patch")}
    stale = sorted(have - set(want))
    changed = []
    for name, text in want.items():
        p = os.path.join(PATCHES, name)
        old = open(p).read() if os.path.exists(p) else None
        if old != text:
            changed.append(name)
    if check:
        if stale or changed:
            print("series: guest-kernel-cfg/patches is not what "
                  "guest-kernel-cfg/linux and series/ produce: "
                  f"{', '.join(changed + stale)}; run "
                  "guest-kernel-cfg/series.py generate", file=sys.stderr)
            return 1
        print(f"series: {len(want)} patches up to date")
        return 0
    for name in stale:
        os.unlink(os.path.join(PATCHES, name))
    for name in changed:
        tmp = os.path.join(PATCHES, name + ".tmp")
        with open(tmp, "w") as f:
            f.write(want[name])
        os.replace(tmp, os.path.join(PATCHES, name))
    print(f"series: {len(want)} patches, {len(changed)} written, "
          f"{len(stale)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
