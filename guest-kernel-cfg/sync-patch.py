#!/usr/bin/env python3
"""Copy new files from a kernel tree back into the patch that creates them.

usage: guest-kernel-cfg/sync-patch.py TREE PATCH FILE...

For each FILE (a path in the tree, such as kernel/checkpoint/restart.c)
that PATCH creates ("new file mode"), the hunk becomes the tree's file,
and the @@ line, the file's diffstat line and the summary line follow.
Name only files that no later patch changes: the tree holds the whole
series applied.  See guest-kernel-cfg/README.md.
"""
import re, sys

tree, patch = sys.argv[1], sys.argv[2]
if len(sys.argv) < 4:
    sys.exit(__doc__)
only = set(sys.argv[3:])
text = open(patch).read()
lines = text.split('\n')
out, i, changed = [], 0, {}
while i < len(lines):
    l = lines[i]
    m = re.match(r'^diff --git a/(\S+) b/\S+$', l)
    if m and i + 1 < len(lines) and lines[i+1].startswith('new file mode') and (not only or m.group(1) in only):
        path = m.group(1)
        # header lines up to the @@
        j = i
        while not lines[j].startswith('@@ '):
            out.append(lines[j]); j += 1
        k = j + 1
        while k < len(lines) and lines[k].startswith('+'):
            k += 1
        body = open(f'{tree}/{path}').read()
        assert body.endswith('\n'), path
        new = body[:-1].split('\n')
        out.append(f'@@ -0,0 +1,{len(new)} @@')
        out.extend('+' + x for x in new)
        changed[path] = len(new)
        i = k
        continue
    out.append(l); i += 1
text = '\n'.join(out)
# the diffstat line of each file written
stat_re = re.compile(r'^ (\S+)\s+\| (\s*\d+) (\+*)$', re.M)
def fix2(m):
    path = m.group(1)
    if path not in changed:
        return m.group(0)
    n = changed[path]
    width = len(m.group(2))
    return m.group(0)[:m.start(2)-m.start(0)] + str(n).rjust(width) + ' ' + m.group(3)
text = stat_re.sub(fix2, text)
open(patch, 'w').write(text)
for p, n in changed.items():
    print(f'{patch}: {p}: {n} lines')

# the summary line: count the added and removed lines of the diff body
text = open(patch).read()
body = text[text.find('\ndiff --git'):]
plus = sum(1 for l in body.split('\n') if l.startswith('+') and not l.startswith('+++'))
minus = sum(1 for l in body.split('\n') if l.startswith('-') and not l.startswith('---'))
text = re.sub(r'(\d+ files? changed), \d+ insertions?\(\+\)', lambda m: f'{m.group(1)}, {plus} insertion{"s" if plus != 1 else ""}(+)', text, count=1)
text = re.sub(r'(insertions?\(\+\)), \d+ deletions?\(-\)', lambda m: f'{m.group(1)}, {minus} deletion{"s" if minus != 1 else ""}(-)', text, count=1)
open(patch, 'w').write(text)
