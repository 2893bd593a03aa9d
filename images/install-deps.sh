#!/usr/bin/env bash
# Installs every Debian package the build and the tests need, on a fresh
# Debian 12 machine. Idempotent: a package already present is not fetched.
set -euo pipefail

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

PKGS=(build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
      busybox-static linux-source-6.12 python3)
for p in "${PKGS[@]}"; do have "$p" || need+=("$p"); done
qemu_missing=0
command -v qemu-system-x86_64 >/dev/null 2>&1 || qemu_missing=1

if [ ${#need[@]} -eq 0 ] && [ $qemu_missing -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# qemu-utils on these machines comes from bookworm-backports, so
# qemu-system-x86 must come from the same suite.
if [ $qemu_missing -eq 1 ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "install-deps: adding bookworm-backports to apt sources"
    $SUDO tee /etc/apt/sources.list.d/cr-vmm-backports.sources >/dev/null <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

echo "install-deps: installing ${need[*]} $( [ $qemu_missing -eq 1 ] && echo qemu-system-x86)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ ${#need[@]} -gt 0 ]; then
    $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
fi
if [ $qemu_missing -eq 1 ]; then
    $SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-x86
fi
