# cargo xtask demo: the whole story, run where guests can run ($CRVMM and
# $IMAGES are set by xtask, on this host or in the nested CI host).
set -u
V=/tmp/crvmm-demo.sock
A=/tmp/crvmm-demo-api.sock
LOG=/tmp/crvmm-demo-console.log
IMG=/tmp/counter.img
IMG2=/tmp/counter-frozen.img
SNAP=/tmp/crvmm-demo-snapshot
rm -rf "$V" "$A" "$IMG" "$IMG2" "$SNAP"
say() { echo; echo "== $* =="; }
c() { sub=$1; shift; "$CRVMM" "$sub" --vsock-uds "$V" "$@"; }

say "cr-vmm run --kernel bzImage --initrd initramfs.cpio --vsock-uds $V --api-sock $A (console in $LOG)"
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" \
    --mem-mib 256 --vsock-uds "$V" --api-sock "$A" --append '-- sleep 100000' > "$LOG" 2>&1 &
vm=$!
say "cr-vmm version (waits for the guest agent)"
c version || exit 1
grep -m1 'crvmm-init: ready' "$LOG"

say "cr-vmm spawn -- guest-agent counter 100"
pid=$(c spawn -- /bin/guest-agent counter 100) || exit 1
echo "counter is guest pid $pid"
sleep 2
grep -E "^counter: .* pid $pid[[:space:]]*\$" "$LOG" | tail -n 3

say "cr-vmm checkpoint --pid $pid -o $IMG --kill"
c checkpoint --pid "$pid" -o "$IMG" --kill || exit 1
counted() { grep -E "^counter: [0-9]+ sum [0-9]+ pid $1[[:space:]]*\$"; }
before=$(counted "$pid" < "$LOG" | tail -n 1 | cut -d' ' -f2)
echo "last count before the checkpoint: $before"
c ps

say "cr-vmm image show $IMG"
"$CRVMM" image show "$IMG" | head -n 24

say "cr-vmm restart $IMG"
seen=$(wc -l < "$LOG")
new=$(c restart "$IMG" | sed 's/.*guest pid //') || exit 1
echo "restarted as guest pid $new (its old pid, which was free)"
sleep 1.5
c logs
tail -n +"$((seen + 1))" "$LOG" | counted "$new" | head -n 3
after=$(tail -n +"$((seen + 1))" "$LOG" | counted "$new" | head -n 1 | cut -d' ' -f2)

say "cr-vmm checkpoint --pid $new -o $IMG2 --leave-stopped --snapshot $SNAP (the whole VM saved while the counter is frozen)"
c checkpoint --pid "$new" -o "$IMG2" --leave-stopped --snapshot "$SNAP" --api-sock "$A" || exit 1

say "cr-vmm verify --image $IMG2 --snapshot $SNAP (the guest's checkpoint checked from outside the guest)"
"$CRVMM" verify --image "$IMG2" --snapshot "$SNAP"
vrc=$?

c kill --pid "$new"
c spawn -- /bin/sh -c 'sleep 0.3; reboot -f' > /dev/null
wait "$vm"
rc=$?
say "cr-vmm exited with status $rc"
if [ "$rc" = 0 ] && [ -n "$before" ] && [ "$after" = "$((before + 1))" ] && [ "$vrc" = 0 ]; then
    echo "demo: PASS: the counter went on from $before to $after in a new process (pid $pid, restored as $new), and cr-vmm verify proved its next checkpoint against a VM snapshot"
else
    echo "demo: FAIL: before='$before' after='$after' vmm status $rc verify status $vrc"
    exit 1
fi
