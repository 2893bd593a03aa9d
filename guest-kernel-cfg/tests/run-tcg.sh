#!/bin/sh
# Boot a kernel built with the patch series under plain QEMU TCG and run
# the guest tests from a throw-away initramfs (busybox + cr-selftest).
#
#   run-tcg.sh KSRC [FUZZ_CASES [SEED [fuzz]]]
#
# With a fourth argument "fuzz", only the fuzzer runs (SEED picks the
# mutation sequence; 0 = the default seed).
#
# KSRC: the patched, built kernel tree (arch/x86/boot/bzImage and
# usr/gen_init_cpio are used).  Needs a static /bin/busybox on the host.
# TIMEOUT (seconds, default 120) bounds the whole boot, e.g. for KASAN
# kernels.  MEM sets the guest memory in MiB (default 256).
#
# With AGENT=path/to/static/guest-agent and a fourth argument "bench",
# only `guest-agent ckpt-bench ${BENCH:-64} 5` runs (use MEM=512).
set -e
KSRC=${1:?usage: run-tcg.sh KSRC [FUZZ_CASES]}
FUZZ=${2:-1000}
SEED=${3:-0}
ONLY=${4:-all}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

make -s -C "$HERE" KSRC="$KSRC" cr-selftest
[ -x "$KSRC/usr/gen_init_cpio" ] || make -s -C "$KSRC" usr/gen_init_cpio
cat > "$TMP/list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
nod /dev/null 0666 0 0 c 1 3
dir /bin 0755 0 0
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 1777 0 0
file /bin/busybox /bin/busybox 0755 0 0
file /init $HERE/guest-init.sh 0755 0 0
file /cr-selftest $HERE/cr-selftest 0755 0 0
LIST
[ -z "$AGENT" ] || echo "file /guest-agent $AGENT 0755 0 0" >> "$TMP/list"
"$KSRC/usr/gen_init_cpio" "$TMP/list" > "$TMP/initramfs.cpio"
timeout "${TIMEOUT:-120}" qemu-system-x86_64 -M microvm,acpi=off -cpu max -m "${MEM:-256}" \
	-nodefaults -no-reboot -display none -serial stdio \
	-kernel "$KSRC/arch/x86/boot/bzImage" -initrd "$TMP/initramfs.cpio" \
	-append "console=ttyS0 reboot=t panic=-1 kcrfuzz=$FUZZ kcrseed=$SEED kcronly=$ONLY kcrbench=${BENCH:-64}"
