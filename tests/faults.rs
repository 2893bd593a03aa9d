//! Fault injection under cr-vmm in the nested CI host. After each fault no
//! output that looks complete exists, the previous good snapshot or image
//! is intact, and the next operation works:
//! - `cr-vmm` killed (SIGKILL) at random points while it writes a snapshot;
//! - the host client, then the guest agent, killed during a checkpoint
//!   stream (the process is thawed and can be checkpointed again);
//! - a full filesystem (a small tmpfs) during a snapshot and during an
//!   image write;
//! - short memory files and cut images are covered by tests/snapshot.rs
//!   and tests/vsock.rs; here a cut image is refused by `image show`.

use e2e::{agent_vm, has_line, run_script, value};

/// Snapshots killed at this many random points.
const KILLS: u32 = 4;

fn script() -> String {
    format!(
        r#"
S1=/tmp/s1
"$CRVMM" snapshot --api-sock $A --dir $S1 > /dev/null || echo t-first-snapshot-failed
sum1=$(md5sum $S1/state $S1/memory | cut -d' ' -f1 | tr '\n' ' ')
kill $vm; wait $vm; rm -f $V $A

# cr-vmm killed while it writes a snapshot: restore the good one, start a
# snapshot, SIGKILL the VMM after a random delay.
for i in $(seq {KILLS}); do
    "$CRVMM" restore --snapshot $S1 --api-sock $A < /dev/null > /tmp/r$i.log 2>&1 &
    vm=$!
    n=0; until [ -S $A ] || [ $n -gt 300 ]; do sleep 0.05; n=$((n+1)); done
    ms=$(( (RANDOM % 900) + 20 ))
    "$CRVMM" snapshot --api-sock $A --dir /tmp/k > /dev/null 2>&1 &
    snap=$!
    usleep $((ms * 1000))
    kill -9 $vm; wait $vm 2>/dev/null; wait $snap
    snap_status=$?
    state=none
    [ -e /tmp/k.partial ] && state=partial
    [ -e /tmp/k ] && state=complete
    echo "t-kill-$i=ms=$ms snapshot_status=$snap_status left=$state"
    if [ $state = complete ]; then
        # Finished before the kill: it must restore.
        "$CRVMM" compare-snapshots /tmp/k /tmp/k > /dev/null && echo "t-kill-$i-valid=ok"
        rm -rf /tmp/k
    else
        "$CRVMM" restore --snapshot /tmp/k.partial < /dev/null > /tmp/rp.out 2>&1
        echo "t-kill-$i-partial-restore=$? $(grep -c 'cr-vmm: error' /tmp/rp.out)"
    fi
    # A killed VMM cannot remove its socket files.
    rm -f $A $V
done
echo "t-s1-intact=$([ "$(md5sum $S1/state $S1/memory | cut -d' ' -f1 | tr '\n' ' ')" = "$sum1" ] && echo yes)"
# The next snapshot works (the stale .partial is replaced).
"$CRVMM" restore --snapshot $S1 --api-sock $A --vsock-uds $V < /dev/null > /tmp/vm.log 2>&1 &
vm=$!
echo "t-after-kills-version=$(c version)"
[ -S $A ] || sed 's/^/vm-after-kills: /' /tmp/vm.log
"$CRVMM" snapshot --api-sock $A --dir /tmp/k > /tmp/k.out 2>&1
echo "t-after-kills-snapshot=$? $(cat /tmp/k.out) partial=$(ls -d /tmp/k.partial 2>/dev/null | wc -l)"

# A full filesystem during a snapshot: a clear error, nothing left, the VM
# keeps running, the next snapshot elsewhere works.
mkdir -p /tmp/small
mount -t tmpfs -o size=32m tmpfs /tmp/small
"$CRVMM" snapshot --api-sock $A --dir /tmp/small/s > /tmp/full.out 2>&1
echo "t-full-snapshot=$? $(cat /tmp/full.out)"
echo "t-full-left=$(ls -a /tmp/small | grep -c '^s')"
"$CRVMM" status --api-sock $A | grep -q '"state":"Running"' && echo t-full-running=ok
echo "t-full-version=$(c version)"

# The host client killed during a checkpoint stream (a 48 MiB process).
hog=$(c spawn -- /bin/guest-agent hog 48)
n=0; until grep -q "hog: 48 MiB dirty, pid $hog" /tmp/vm.log || [ $n -gt 600 ]; do sleep 0.1; n=$((n+1)); done
# Not through c(): $! must be cr-vmm itself, not a subshell.
"$CRVMM" checkpoint --vsock-uds $V --pid $hog -o /tmp/h.img > /dev/null 2>&1 &
cl=$!
sleep 1.5
kill -9 $cl; wait $cl
echo "t-client-killed-left=$(ls -a /tmp | grep -c '^h\.img$')"
for f in /tmp/.h.img.partial; do
    [ -e $f ] && {{ "$CRVMM" image show $f > /dev/null 2>&1; echo "t-client-partial-valid=$?"; }}
done
sleep 1
# A thawed process is back in the root cgroup (no cgroup.events there).
frozen() {{ c exec -- /bin/sh -c "f=/sys/fs/cgroup\$(cut -d: -f3 /proc/$1/cgroup)/cgroup.events; [ -e \$f ] && grep frozen \$f || echo 'frozen 0 (root cgroup)'"; }}
echo "t-client-hog-state=$(frozen $hog)"
c checkpoint --pid $hog -o /tmp/h.img > /tmp/h.out 2>&1
echo "t-client-next=$? $("$CRVMM" image show /tmp/h.img > /dev/null 2>&1 && echo valid)"
sed 's/^/client-next: /' /tmp/h.out
rm -f /tmp/h.img /tmp/.h.img.partial

# The guest agent killed during a checkpoint stream.
"$CRVMM" checkpoint --vsock-uds $V --pid $hog -o /tmp/h2.img > /tmp/h2.out 2>&1 &
cl=$!
sleep 1.5
c spawn -- /bin/sh -c 'for p in /proc/[0-9]*; do grep -q serve $p/cmdline 2>/dev/null && kill -9 ${{p#/proc/}}; done' > /dev/null 2>&1 \
    || echo t-agent-kill-request-failed
wait $cl
echo "t-agent-killed=$? left=$(ls -a /tmp | grep -c 'h2\.img')"
n=0; until c version > /dev/null 2>&1 || [ $n -gt 50 ]; do sleep 0.2; n=$((n+1)); done
echo "t-agent-back=$(c version)"
echo "t-agent-hog-state=$(frozen $hog)"
c checkpoint --pid $hog -o /tmp/h2.img > /tmp/h2.out 2>&1
echo "t-agent-next=$? $("$CRVMM" image show /tmp/h2.img > /dev/null 2>&1 && echo valid)"
sed 's/^/agent-next: /' /tmp/h2.out
c kill --pid $hog > /dev/null

# A full filesystem during an image write: a good image there stays intact.
pid=$(c spawn -- /bin/guest-agent counter 100)
sleep 0.5
c checkpoint --pid $pid -o /tmp/small/good.img > /dev/null || echo t-good-image-failed
good=$(md5sum /tmp/small/good.img | cut -d' ' -f1)
dd if=/dev/zero of=/tmp/small/fill bs=64k > /dev/null 2>&1
c checkpoint --pid $pid -o /tmp/small/c.img > /tmp/ci.out 2>&1
echo "t-full-image=$? $(tail -n 1 /tmp/ci.out)"
echo "t-full-image-left=$(ls -a /tmp/small | grep -c 'c\.img')"
echo "t-good-intact=$([ "$(md5sum /tmp/small/good.img | cut -d' ' -f1)" = "$good" ] && echo yes)"
rm /tmp/small/fill
c checkpoint --pid $pid -o /tmp/small/c.img > /dev/null 2>&1
echo "t-full-image-next=$? $("$CRVMM" image show /tmp/small/c.img > /dev/null 2>&1 && echo valid)"
# Cut images are refused.
size=$(stat -c %s /tmp/small/c.img)
for cut in 10 100 $((size / 2)) $((size - 1)); do
    head -c $cut /tmp/small/c.img > /tmp/cut.img
    "$CRVMM" image show /tmp/cut.img > /tmp/cut.out 2>&1
    echo "t-cut-$cut=$? $(grep -c 'cr-vmm: error' /tmp/cut.out)"
done
umount /tmp/small
kill $vm; wait $vm
"#
    )
}

#[test]
fn faults_leave_no_complete_looking_output_and_the_next_operation_works() {
    let out = run_script(&(agent_vm("") + &script()), vec![]);
    let text = out.text();
    assert!(!has_line(&out, "t-boot-failed"), "{text}");
    assert!(!has_line(&out, "t-first-snapshot-failed"), "{text}");
    for i in 1..=KILLS {
        let k = value(&out, &format!("t-kill-{i}"));
        if k.ends_with("left=complete") {
            assert!(has_line(&out, &format!("t-kill-{i}-valid=ok")), "{text}");
        } else {
            // Whatever is left is named .partial and refused.
            assert!(k.contains("snapshot_status=1"), "{k}\n{text}");
            assert_eq!(
                value(&out, &format!("t-kill-{i}-partial-restore")),
                "1 1",
                "{text}"
            );
        }
    }
    assert_eq!(value(&out, "t-s1-intact"), "yes", "{text}");
    assert!(!value(&out, "t-after-kills-version").is_empty(), "{text}");
    let next = value(&out, "t-after-kills-snapshot");
    assert!(
        next.starts_with("0 snapshot /tmp/k") && next.ends_with("partial=0"),
        "{text}"
    );

    let full = value(&out, "t-full-snapshot");
    assert!(
        full.starts_with("1 ") && full.contains("No space left"),
        "{text}"
    );
    assert_eq!(value(&out, "t-full-left"), "0", "{text}");
    assert!(has_line(&out, "t-full-running=ok"), "{text}");
    assert!(!value(&out, "t-full-version").is_empty(), "{text}");

    assert_eq!(value(&out, "t-client-killed-left"), "0", "{text}");
    if has_line(&out, "t-client-partial-valid=") {
        assert_eq!(value(&out, "t-client-partial-valid"), "1", "{text}");
    }
    // Thawed: its freeze group is not frozen.
    assert!(
        value(&out, "t-client-hog-state").starts_with("frozen 0"),
        "{text}"
    );
    assert_eq!(value(&out, "t-client-next"), "0 valid", "{text}");

    assert!(!has_line(&out, "t-agent-kill-request-failed"), "{text}");
    let killed = value(&out, "t-agent-killed");
    assert!(
        !killed.starts_with("0 ") && killed.ends_with("left=0"),
        "the client reports the broken stream and writes nothing: {killed}\n{text}"
    );
    assert!(!value(&out, "t-agent-back").is_empty(), "{text}");
    assert!(
        value(&out, "t-agent-hog-state").starts_with("frozen 0"),
        "{text}"
    );
    assert_eq!(value(&out, "t-agent-next"), "0 valid", "{text}");

    assert!(!has_line(&out, "t-good-image-failed"), "{text}");
    let fi = value(&out, "t-full-image");
    assert!(fi.starts_with("1 "), "{text}");
    assert_eq!(value(&out, "t-full-image-left"), "0", "{text}");
    assert_eq!(value(&out, "t-good-intact"), "yes", "{text}");
    assert_eq!(value(&out, "t-full-image-next"), "0 valid", "{text}");
    let cuts: Vec<&str> = out
        .lines
        .iter()
        .filter_map(|l| l.text.strip_prefix("t-cut-"))
        .collect();
    assert_eq!(cuts.len(), 4, "{text}");
    for c in cuts {
        assert!(c.ends_with("=1 1"), "a cut image was accepted: {c}\n{text}");
    }
}
