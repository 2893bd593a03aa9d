#!/usr/bin/env bash
# Installs every Debian package the build and the tests need, on a fresh
# Debian 12 machine, and the packages pinned in images/pins by exactly their
# pinned version (downgrading when a newer one is installed). Idempotent:
# when everything is present at its pin, nothing is fetched.
#
# Exit status: 0 when every pin is installed and every pinned file has its
# SHA-256; 3 when a pinned version is no longer in the Debian archive (the
# message names the versions it has and the command that moves the pin);
# 1 on any other failure.
#
# CRVMM_PINS overrides the pins file (the install-path test uses it).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PINS=${CRVMM_PINS:-$HERE/pins}
say() { echo "install-deps: $*"; }
die() { echo "install-deps: error: $*" >&2; exit 1; }

# Build tools whose version does not enter the images' bits: kconfig's and
# the kernel's host programs (bison, flex, bc, libelf for objtool, libssl for
# signing tools that a module-less kernel never runs), the archivers, and
# python3 for the tests' helper scripts. Installed if missing, any version.
UNPINNED=(build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils python3)

# "VERSION" of an installed package, "" when it is not installed.
installed() {
    local s
    s=$(dpkg-query -W -f='${Status}|${Version}' "$1" 2>/dev/null || true)
    case "$s" in
        "install ok installed|"*) echo "${s#*|}" ;;
        *) echo "" ;;
    esac
}

[ -f "$PINS" ] || die "$PINS is missing"
pin_pkgs=() pin_vers=() pin_files=() pin_sums=()
while read -r pkg ver file sum rest; do
    case "$pkg" in ''|'#'*) continue ;; esac
    [ -n "$ver" ] || die "$PINS: '$pkg' has no version"
    [ -z "$rest" ] || die "$PINS: too many fields on the line of '$pkg'"
    if [ -n "$file" ] && [ -z "$sum" ]; then
        die "$PINS: '$pkg' names $file without its sha256"
    fi
    pin_pkgs+=("$pkg") pin_vers+=("$ver") pin_files+=("$file") pin_sums+=("$sum")
done < "$PINS"
[ ${#pin_pkgs[@]} -gt 0 ] || die "$PINS pins no package"

# QEMU is not part of any image, but qemu-system-x86 must match the
# machine's qemu-utils (from bookworm-backports here): its version is the
# one qemu-utils has, from the suite qemu-utils came from.
qemu_want=""
qemu_utils=$(installed qemu-utils)
if [ -n "$qemu_utils" ]; then
    [ "$(installed qemu-system-x86)" = "$qemu_utils" ] || qemu_want="qemu-system-x86=$qemu_utils"
elif [ -z "$(installed qemu-system-x86)" ]; then
    qemu_want="qemu-system-x86"
fi

want=() want_idx=()
for i in "${!pin_pkgs[@]}"; do
    if [ "$(installed "${pin_pkgs[$i]}")" != "${pin_vers[$i]}" ]; then
        want+=("${pin_pkgs[$i]}=${pin_vers[$i]}")
        want_idx+=("$i")
    fi
done
unpinned_want=()
for p in "${UNPINNED[@]}"; do
    [ -n "$(installed "$p")" ] || unpinned_want+=("$p")
done

check_files() {
    local i bad=0 got
    for i in "${!pin_pkgs[@]}"; do
        [ -n "${pin_files[$i]}" ] || continue
        if [ ! -f "${pin_files[$i]}" ]; then
            echo "install-deps: error: ${pin_files[$i]} (from ${pin_pkgs[$i]} ${pin_vers[$i]}) is missing" >&2
            bad=1
            continue
        fi
        got=$(sha256sum "${pin_files[$i]}" | cut -d' ' -f1)
        if [ "$got" != "${pin_sums[$i]}" ]; then
            echo "install-deps: error: ${pin_files[$i]} has sha256 $got, $PINS pins ${pin_sums[$i]} for ${pin_pkgs[$i]} ${pin_vers[$i]}" >&2
            echo "install-deps: reinstall it: apt-get install --reinstall ${pin_pkgs[$i]}=${pin_vers[$i]}" >&2
            bad=1
        fi
    done
    return $bad
}

summary() {
    local i s=""
    for i in "${!pin_pkgs[@]}"; do s+=" ${pin_pkgs[$i]} ${pin_vers[$i]},"; done
    echo "${s%,}"
}

if [ ${#want[@]} -eq 0 ] && [ ${#unpinned_want[@]} -eq 0 ] && [ -z "$qemu_want" ]; then
    check_files || exit 1
    say "every pinned package present:$(summary)"
    exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

# qemu-utils on these machines comes from bookworm-backports, so
# qemu-system-x86 must come from the same suite.
qemu_suite=()
if [ -n "$qemu_want" ] && [ -n "$qemu_utils" ] && [[ "$qemu_utils" == *bpo* ]]; then
    qemu_suite=(-t bookworm-backports)
    if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
        say "adding bookworm-backports to apt sources"
        $SUDO tee /etc/apt/sources.list.d/cr-vmm-backports.sources >/dev/null <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    fi
fi

say "updating the package lists"
$SUDO apt-get update -q >/dev/null

# Every wanted pin must still be in the archive: fail now, with the way
# forward, rather than after a download or a build.
gone=0
for k in "${!want[@]}"; do
    i=${want_idx[$k]}
    pkg=${pin_pkgs[$i]} ver=${pin_vers[$i]}
    have=$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -u -V -r)
    if ! grep -qxF -- "$ver" <<<"$have"; then
        gone=1
        newest=$(head -n1 <<<"$have")
        echo "install-deps: error: $pkg $ver, pinned in $PINS, is no longer in the Debian archive." >&2
        if [ -n "$have" ]; then
            echo "install-deps: the archive has $pkg $(paste -sd' ' <<<"$have")" >&2
        else
            echo "install-deps: the archive has no version of $pkg at all (check apt's sources)" >&2
        fi
        if [ "$pkg" = linux-source-6.12 ]; then
            echo "install-deps: move the pin (installs it, applies the patches, builds, runs the boot and c/r tests):" >&2
            echo "install-deps:     cargo xtask images --bump-kernel ${newest:-VERSION}" >&2
        else
            echo "install-deps: move the pin (installs it, rebuilds, runs the boot and c/r tests):" >&2
            echo "install-deps:     cargo xtask images --bump $pkg=${newest:-VERSION}" >&2
        fi
        echo "install-deps: see docs/ci.md, 'Moving a pin'" >&2
    fi
done
[ $gone -eq 0 ] || exit 3

all=("${want[@]}" "${unpinned_want[@]}")
if [ ${#all[@]} -gt 0 ]; then
    say "installing ${all[*]}"
    $SUDO apt-get install -y -q --no-install-recommends --allow-downgrades "${all[@]}" >/dev/null
fi
if [ -n "$qemu_want" ]; then
    say "installing $qemu_want ${qemu_suite[*]}"
    $SUDO apt-get install -y -q --no-install-recommends --allow-downgrades "${qemu_suite[@]}" "$qemu_want" >/dev/null
fi

# Check what was installed, not what was asked for.
bad=0
for i in "${!pin_pkgs[@]}"; do
    got=$(installed "${pin_pkgs[$i]}")
    if [ "$got" != "${pin_vers[$i]}" ]; then
        echo "install-deps: error: ${pin_pkgs[$i]} is '${got:-not installed}' after the install, pinned is ${pin_vers[$i]}" >&2
        bad=1
    fi
done
for p in "${UNPINNED[@]}"; do
    [ -n "$(installed "$p")" ] || { echo "install-deps: error: $p did not install" >&2; bad=1; }
done
if [ -n "$qemu_utils" ] && [ "$(installed qemu-system-x86)" != "$qemu_utils" ]; then
    echo "install-deps: error: qemu-system-x86 is '$(installed qemu-system-x86)', qemu-utils is $qemu_utils" >&2
    bad=1
fi
[ $bad -eq 0 ] || exit 1
check_files || exit 1
say "installed; every pinned package present:$(summary)"
