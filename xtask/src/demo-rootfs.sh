# cargo xtask demo --rootfs: redis-server on the Debian root filesystem,
# loaded with keys, checkpointed over vsock, killed, restarted, and its
# keys read back. Run where guests can run ($CRVMM, $IMAGES and the root
# filesystem as $DRIVE0 are set by xtask).
set -u
V=/tmp/crvmm-demo.sock
LOG=/tmp/crvmm-demo-console.log
IMG=/tmp/redis.img
KEYS=10000
rm -f "$V" "$IMG"
say() { echo; echo "== $* =="; }
c() { sub=$1; shift; "$CRVMM" "$sub" --vsock-uds "$V" "$@"; }
check() {
    c exec -- redis-cli eval "local n=0 for i=1,$KEYS do if redis.call('GET','key:'..i)=='value-'..i then n=n+1 end end return n" 0
}

say "cr-vmm run --kernel bzImage --rootfs rootfs.ext4 --mem-mib 512 --vsock-uds $V (console in $LOG)"
"$CRVMM" run --kernel "$IMAGES/bzImage" --rootfs "$DRIVE0" --mem-mib 512 --vsock-uds "$V" \
    --append '-- sleep 100000' > "$LOG" 2>&1 &
vm=$!
say "cr-vmm version (waits for the guest agent)"
c version || exit 1
grep -m1 'VFS: Mounted root' "$LOG"

say "cr-vmm spawn -- redis-server"
pid=$(c spawn -- /usr/bin/redis-server --port 6379 --save '' --appendonly no) || exit 1
echo "redis-server is guest pid $pid"
for i in $(seq 1 100); do [ "$(c exec -- redis-cli ping 2>/dev/null)" = PONG ] && break; sleep 0.3; done
c exec -- sh -c "seq 1 $KEYS | sed 's/.*/SET key:& value-&/' | redis-cli --pipe" | tail -n 1
before=$(check)
echo "keys with their value before the checkpoint: $before"

say "cr-vmm checkpoint --pid $pid -o $IMG --kill"
c checkpoint --pid "$pid" -o "$IMG" --kill || exit 1
c exec -- redis-cli ping 2>&1 | head -n 1 | sed 's/^/redis-cli ping while it is gone: /'

say "cr-vmm image show $IMG"
"$CRVMM" image show "$IMG" | head -n 12

say "cr-vmm restart $IMG"
new=$(c restart "$IMG" | sed 's/.*guest pid //') || exit 1
echo "restarted as guest pid $new"
after=$(check)
echo "keys with their value after the restart: $after"
c exec -- redis-cli info keyspace | tr -d '\r' | grep keys

c kill --pid "$new"
# The init's command ends: it stops everything, leaves the root filesystem
# clean and reboots, which ends cr-vmm.
c exec -- pkill -x sleep
wait "$vm"
rc=$?
say "cr-vmm exited with status $rc"
if [ "$rc" = 0 ] && [ "$before" = "$KEYS" ] && [ "$after" = "$KEYS" ]; then
    echo "demo: PASS: redis-server (pid $pid, restored as $new) came back with all $KEYS keys"
else
    echo "demo: FAIL: before='$before' after='$after' vmm status $rc"
    sed 's/^/console: /' "$LOG" | tail -n 40
fi
