#!/usr/bin/env bash
# Builds one kernel (the guest or the CI host) from Debian's pinned
# linux-source-6.12, reproducibly and incrementally.
#
#   build-kernel.sh NAME OUT PATCH_DIR FRAGMENT...
#
# NAME      guest | ci-host (also the build directory's name)
# OUT       where the bzImage (and vmlinux) are copied
# PATCH_DIR directory of *.patch applied in order to the tree ("" for none)
# FRAGMENT  Kconfig fragments applied, in order, on top of `make tinyconfig`
#
# The tree is unpacked once into images/out/build/NAME/linux. A stamp records
# the hash of every input; when it matches and the outputs exist, nothing is
# rebuilt. Otherwise make runs (incrementally, on the same tree).
set -euo pipefail

if [ $# -lt 4 ]; then
    echo "usage: build-kernel.sh NAME OUT PATCH_DIR FRAGMENT..." >&2
    exit 2
fi
NAME=$1 OUT=$2 PATCH_DIR=$3
shift 3
FRAGMENTS=()
for f in "$@"; do FRAGMENTS+=("$(realpath "$f")"); done
HERE=$(cd "$(dirname "$0")" && pwd)
PIN=$(awk '$1 == "linux-source-6.12" { print $2 }' "$HERE/pins")
[ -n "$PIN" ] || { echo "build-kernel: images/pins pins no linux-source-6.12" >&2; exit 1; }
TARBALL=/usr/src/linux-source-6.12.tar.xz
BUILD=$HERE/out/build/$NAME
SRC=$BUILD/linux
mkdir -p "$BUILD" "$OUT"

have=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
if [ "$have" != "$PIN" ]; then
    echo "build-kernel: linux-source-6.12 is '$have', pinned is '$PIN'" >&2
    echo "build-kernel: run images/install-deps.sh (it installs the pin), or move the pin: cargo xtask images --bump-kernel VERSION" >&2
    exit 1
fi

patches=()
if [ -n "$PATCH_DIR" ] && [ -d "$PATCH_DIR" ]; then
    while IFS= read -r p; do patches+=("$p"); done < <(find "$PATCH_DIR" -maxdepth 1 -name '*.patch' | sort)
fi

# Inputs: the package version, the fragment, the patches, this script.
inputs_hash=$( { echo "$PIN"; cat "${FRAGMENTS[@]}" "$0"; for p in "${patches[@]}"; do cat "$p"; done; } | sha256sum | cut -d' ' -f1)
if [ -f "$BUILD/stamp" ] && [ "$(cat "$BUILD/stamp")" = "$inputs_hash" ] \
    && [ -f "$OUT/bzImage" ] && [ -f "$OUT/vmlinux" ]; then
    echo "build-kernel: $NAME up to date (linux-source-6.12 $PIN)"
    exit 0
fi

patch_hash=$( { for p in "${patches[@]}"; do cat "$p"; done; } | sha256sum | cut -d' ' -f1)

# The files a list of patches touches.
series_files() {
    cat "$@" 2>/dev/null | sed -n 's|^+++ b/||p; s|^--- a/||p' | grep -v '^/dev/null$' | sort -u
}

# Swap the applied series for the new one in place: put every file the old
# series touched back as upstream has it (from $BUILD/pristine, saved when
# the tree was unpacked; a file not there is one the series created), so
# that whatever edited the tree since (series.py install) does not matter,
# apply the new series, and give every file whose bytes did not change its
# old mtime back, so that make rebuilds only what a changed patch touches.
# Returns 1 if anything fails; the caller then unpacks the tree afresh.
update_series() {
    local applied=$BUILD/applied keep=$BUILD/keep pristine=$BUILD/pristine f p
    [ -d "$applied" ] && [ -d "$SRC" ] && [ -d "$pristine" ] || return 1
    [ "$(cut -d' ' -f1 "$BUILD/unpacked" 2>/dev/null)" = "$PIN" ] || return 1
    rm -rf "$keep" && mkdir -p "$keep"
    local old_files new_files
    old_files=$(series_files "$applied"/*.patch)
    new_files=$(series_files "${patches[@]}")
    for f in $old_files $new_files; do
        if [ -f "$SRC/$f" ] && [ ! -f "$keep/$f" ]; then
            (cd "$SRC" && cp -p --parents "$f" "$keep/") || return 1
        fi
    done
    for f in $old_files; do
        if [ -f "$pristine/$f" ]; then
            cp -p "$pristine/$f" "$SRC/$f" || return 1
        else
            rm -f "$SRC/$f"
        fi
    done
    # Files the new series creates: whatever is there is left over.
    for f in $(cat "${patches[@]}" | awk '/^--- \/dev\/null$/ { c = 1; next }
            c && sub(/^\+\+\+ b\//, "") { print } { c = 0 }'); do
        rm -f "$SRC/$f"
    done
    # Upstream files that only the new series touches are pristine now.
    for f in $new_files; do
        if [ -f "$SRC/$f" ] && [ ! -f "$pristine/$f" ] && ! grep -qxF "$f" <<<"$old_files"; then
            (cd "$SRC" && cp -p --parents "$f" "$pristine/") || return 1
        fi
    done
    for p in "${patches[@]}"; do
        echo "build-kernel: applying $(basename "$p")"
        patch -d "$SRC" -p1 --quiet --batch --forward --no-backup-if-mismatch < "$p" || return 1
    done
    for f in $old_files $new_files; do
        if [ -f "$keep/$f" ] && [ -f "$SRC/$f" ] && cmp -s "$keep/$f" "$SRC/$f"; then
            touch -r "$keep/$f" "$SRC/$f"
        fi
    done
    rm -rf "$keep"
}

save_applied() {
    rm -rf "$BUILD/applied" && mkdir -p "$BUILD/applied"
    for p in "${patches[@]}"; do cp "$p" "$BUILD/applied/"; done
}

if [ ! -f "$BUILD/unpacked" ] || [ "$(cat "$BUILD/unpacked")" != "$PIN $patch_hash" ]; then
    if update_series; then
        echo "build-kernel: series updated in place for $NAME"
    else
        echo "build-kernel: unpacking linux-source-6.12 $PIN for $NAME"
        rm -rf "$SRC" "$BUILD/unpacked"
        mkdir -p "$SRC"
        tar -xf "$TARBALL" -C "$SRC" --strip-components=1
        # The upstream copies of what the series changes, for update_series.
        rm -rf "$BUILD/pristine" && mkdir -p "$BUILD/pristine"
        for f in $(series_files "${patches[@]}"); do
            if [ -f "$SRC/$f" ]; then
                (cd "$SRC" && cp -p --parents "$f" "$BUILD/pristine/")
            fi
        done
        for p in "${patches[@]}"; do
            echo "build-kernel: applying $(basename "$p")"
            patch -d "$SRC" -p1 --quiet --forward < "$p"
        done
    fi
    save_applied
    echo "$PIN $patch_hash" > "$BUILD/unpacked"
fi

# Reproducible build: fixed timestamp, user, host and build number.
export KBUILD_BUILD_TIMESTAMP="2024-01-01 00:00:00 UTC"
export KBUILD_BUILD_USER=cr-vmm KBUILD_BUILD_HOST=cr-vmm KBUILD_BUILD_VERSION=1
export SOURCE_DATE_EPOCH=1704067200

names=$(for f in "${FRAGMENTS[@]}"; do basename "$f"; done | paste -sd+)
echo "build-kernel: configuring $NAME (tinyconfig + $names)"
make -C "$SRC" -s tinyconfig >/dev/null
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$SRC" "$SRC/.config" "${FRAGMENTS[@]}" >/dev/null
make -C "$SRC" -s olddefconfig >/dev/null
# Every option the fragment asks for must have survived olddefconfig.
missing=0
while IFS= read -r line; do
    case "$line" in
        CONFIG_*=n) opt=${line%%=*}; if grep -q "^$opt=" "$SRC/.config"; then echo "build-kernel: $opt is set, fragment says n" >&2; missing=1; fi ;;
        CONFIG_*=*) if ! grep -qx "$line" "$SRC/.config"; then echo "build-kernel: $line did not take effect" >&2; missing=1; fi ;;
    esac
done < <(cat "${FRAGMENTS[@]}")
[ $missing -eq 0 ] || { echo "build-kernel: config fragments $names are not satisfiable" >&2; exit 1; }

echo "build-kernel: building $NAME bzImage (make -j$(nproc))"
start=$(date +%s)
make -C "$SRC" -s -j"$(nproc)" bzImage
cp "$SRC/arch/x86/boot/bzImage" "$OUT/bzImage.tmp" && mv "$OUT/bzImage.tmp" "$OUT/bzImage"
cp "$SRC/vmlinux" "$OUT/vmlinux.tmp" && mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
cp "$SRC/.config" "$OUT/config"
echo "$inputs_hash" > "$BUILD/stamp"
echo "build-kernel: $NAME built in $(( $(date +%s) - start )) s: $(sha256sum "$OUT/bzImage" | cut -c1-16) $OUT/bzImage"
