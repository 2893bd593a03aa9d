#!/usr/bin/env bash
# Builds the checkpoint/restart objects after every prefix of the series:
# each patch must leave a tree that compiles without a warning and whose
# kcr_* references all resolve. Uses its own tree, images/out/build/prefix
# (unpacked from the pinned linux-source-6.12), and the guest's .config.
#
#   check-prefixes.sh [FIRST]    start the builds at patch FIRST (default 1)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
FIRST=${1:-1}
TARBALL=/usr/src/linux-source-6.12.tar.xz
CONFIG=$ROOT/images/out/build/guest/linux/.config
SRC=$ROOT/images/out/build/prefix/linux
[ -f "$TARBALL" ] || { echo "check-prefixes: $TARBALL is missing: run images/install-deps.sh" >&2; exit 1; }
[ -f "$CONFIG" ] || { echo "check-prefixes: $CONFIG is missing: run cargo xtask images" >&2; exit 1; }
mapfile -t patches < <(find "$HERE/patches" -maxdepth 1 -name '*.patch' | sort)

echo "check-prefixes: unpacking a fresh tree into $SRC"
rm -rf "$SRC" && mkdir -p "$SRC"
tar -xf "$TARBALL" -C "$SRC" --strip-components=1
export KBUILD_BUILD_TIMESTAMP="2024-01-01 00:00:00 UTC" KBUILD_BUILD_USER=cr-vmm KBUILD_BUILD_HOST=cr-vmm
fail=0
n=0
for p in "${patches[@]}"; do
    n=$((n + 1))
    patch -d "$SRC" -p1 --quiet --batch --forward < "$p"
    [ "$n" -ge "$FIRST" ] || continue
    cp "$CONFIG" "$SRC/.config"
    make -C "$SRC" -s olddefconfig >/dev/null
    targets=(kernel/sys.o)
    [ -f "$SRC/arch/x86/kernel/kcr.c" ] && grep -q '^CONFIG_CHECKPOINT_RESTART=y' "$SRC/.config" &&
        targets+=(arch/x86/kernel/kcr.o arch/x86/kernel/ptrace.o arch/x86/kernel/fpu/xstate.o)
    [ -d "$SRC/kernel/checkpoint" ] && targets+=(kernel/checkpoint/)
    # Every other C file the patches so far change (fs/eventfd.c, ...).
    mapfile -t -O "${#targets[@]}" targets < <(grep -h '^+++ b/.*\.c$' "${patches[@]:0:n}" |
        sed 's|^+++ b/||; s|\.c$|.o|' | grep -v '^kernel/checkpoint/' | sort -u)
    log=$(make -C "$SRC" -j2 "${targets[@]}" 2>&1) || { echo "$log" | tail -30; echo "check-prefixes: $(basename "$p"): build failed" >&2; fail=1; continue; }
    if echo "$log" | grep -E 'warning:|error:' >/dev/null; then
        echo "$log" | grep -E -A3 'warning:|error:' | head -30
        echo "check-prefixes: $(basename "$p"): warnings" >&2
        fail=1
        continue
    fi
    if [ -d "$SRC/kernel/checkpoint" ]; then
        objs=("$SRC"/kernel/checkpoint/*.o)
        # kcr_* helpers the series adds to upstream files (kernel/fork.c, ...).
        upstream=()
        for t in "${targets[@]}"; do
            case $t in *.o) [ -f "$SRC/$t" ] && upstream+=("$SRC/$t") ;; esac
        done
        defined=$(nm --defined-only "${objs[@]}" "$SRC"/arch/x86/kernel/kcr.o "$SRC"/arch/x86/kernel/fpu/xstate.o "$SRC"/arch/x86/kernel/ptrace.o "${upstream[@]}" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
        undef=$(nm -u "${objs[@]}" 2>/dev/null | awk '{ print $2 }' | grep '^kcr_' | sort -u || true)
        missing=$(comm -23 <(echo "$undef") <(echo "$defined") | grep . || true)
        if [ -n "$missing" ]; then
            echo "check-prefixes: $(basename "$p"): undefined: $missing" >&2
            fail=1
            continue
        fi
    fi
    echo "check-prefixes: $(basename "$p"): builds"
done
[ "$fail" = 0 ] && echo "check-prefixes: every prefix of the ${#patches[@]} patches builds"
exit "$fail"
