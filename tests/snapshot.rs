//! VM snapshots under cr-vmm: `cr-vmm snapshot` of a running guest (a
//! counter and the guest agent), the VMM killed, `cr-vmm restore` in a new
//! process: the counter goes on in the same process, the agent answers
//! over vsock again; damaged snapshots are refused with a clear error. The
//! snapshot restored paused and snapshotted again compares equal to itself
//! field by field and page by page (only the listed drifting fields left
//! out), and a later snapshot does not.

use e2e::{agent_vm, has_line, run_script, value};

const SCRIPT: &str = r#"
S=/tmp/snap1
pid=$(c spawn -- /bin/guest-agent counter 100)
echo "t-pid=$pid"
sleep 1.5
echo "t-before=$(grep -wE "^counter: [0-9]+ sum [0-9]+ pid $pid" /tmp/vm.log | tail -n 1 | cut -d' ' -f2)"
"$CRVMM" snapshot --api-sock $A --dir $S > /tmp/snap.out 2>&1
echo "t-snap=$? $(cat /tmp/snap.out)"
"$CRVMM" status --api-sock $A | grep -q '"state":"Running"' && echo t-running-after=ok
"$CRVMM" snapshot --api-sock $A --dir $S > /tmp/snap2.out 2>&1
echo "t-snap-exists=$? $(cat /tmp/snap2.out)"
"$CRVMM" snapshot --api-sock $A --dir /tmp/nodiff --diff > /tmp/snap3.out 2>&1
echo "t-diff-untracked=$? $(cat /tmp/snap3.out)"
ls $S | tr '\n' ' ' | sed 's/^/t-files=/'; echo
sleep 1.5
echo "t-final1=$(grep -wE "^counter: [0-9]+ sum [0-9]+ pid $pid" /tmp/vm.log | tail -n 1 | cut -d' ' -f2)"
kill -9 $vm
wait $vm
sed 's/^/vm1: /' /tmp/vm.log; echo
rm -f $V $A

# Damaged copies are refused before anything runs.
bad() {
    rm -rf /tmp/bad; cp -r $S /tmp/bad; eval "$2"
    "$CRVMM" restore --snapshot /tmp/bad < /dev/null > /tmp/bad.out 2>&1
    echo "t-bad-$1=$? $(grep 'cr-vmm: error' /tmp/bad.out)"
}
bad crc 'printf "\377" | dd of=/tmp/bad/state bs=1 seek=100 conv=notrunc 2>/dev/null'
bad version 'printf "\011" | dd of=/tmp/bad/state bs=1 seek=8 conv=notrunc 2>/dev/null'
bad short-memory 'truncate -s 1M /tmp/bad/memory'
bad no-memory 'rm /tmp/bad/memory'
bad no-state 'rm /tmp/bad/state'

"$CRVMM" restore --snapshot $S --api-sock $A --paused < /dev/null > /tmp/vm2.log 2>&1 &
vm2=$!
sleep 2
"$CRVMM" status --api-sock $A | grep -q '"state":"Paused"' && echo t-restored-paused=ok
"$CRVMM" snapshot --api-sock $A --dir /tmp/snap1b > /dev/null
"$CRVMM" compare-snapshots $S /tmp/snap1b > /tmp/cmp.out
echo "t-compare-same=$?"
sed 's/^/cmp: /' /tmp/cmp.out
"$CRVMM" resume --api-sock $A
echo "t-restored-version=$(c version)"
c ps | awk -v p="$pid" '$1 == p { print "t-counter-alive=" $4 }'
sleep 1.5
after=$(grep -wE "^counter: [0-9]+ sum [0-9]+ pid $pid" /tmp/vm2.log | head -n 1 | cut -d' ' -f2)
last=$(grep -wE "^counter: [0-9]+ sum [0-9]+ pid $pid" /tmp/vm2.log | tail -n 1 | cut -d' ' -f2)
echo "t-after=$after"
echo "t-last=$last"
"$CRVMM" status --api-sock $A | grep -q '"state":"Running"' && echo t-restored-api=ok
"$CRVMM" snapshot --api-sock $A --dir /tmp/snap3 > /dev/null
"$CRVMM" compare-snapshots $S /tmp/snap3 > /tmp/cmp3.out
echo "t-compare-later=$? $(grep 'differing field' /tmp/cmp3.out)"
c spawn -- /bin/sh -c 'sleep 0.3; reboot -f' > /dev/null
wait $vm2
echo "t-vm2-exit=$?"
sed 's/^/vm2: /' /tmp/vm2.log
"#;

#[test]
fn snapshot_restore_continues_the_guest() {
    let out = run_script(&(agent_vm("") + SCRIPT), vec![]);
    let text = out.text();
    assert!(!has_line(&out, "t-boot-failed"), "{text}");
    let snap = value(&out, "t-snap");
    assert!(
        snap.starts_with("0 snapshot /tmp/snap1: full 256 MiB"),
        "{text}"
    );
    let untracked = value(&out, "t-diff-untracked");
    assert!(
        untracked.starts_with("1 ") && untracked.contains("--track-dirty-pages"),
        "{text}"
    );
    assert!(has_line(&out, "t-running-after=ok"), "{text}");
    let again = value(&out, "t-snap-exists");
    assert!(
        again.starts_with("1 ") && again.contains("exists already"),
        "{text}"
    );
    assert_eq!(value(&out, "t-files").trim(), "memory state", "{text}");
    for (case, want) in [
        ("crc", "CRC mismatch"),
        ("version", "format version 9"),
        ("short-memory", "bytes, the snapshot's memory needs"),
        ("no-memory", "memory"),
        ("no-state", "state"),
    ] {
        let v = value(&out, &format!("t-bad-{case}"));
        assert!(v.starts_with("1 cr-vmm: error:"), "{case}: {v}\n{text}");
        assert!(v.contains(want), "{case}: {v} lacks {want:?}\n{text}");
    }
    assert!(has_line(&out, "t-restored-paused=ok"), "{text}");
    assert_eq!(value(&out, "t-compare-same"), "0", "{text}");
    assert!(has_line(&out, "cmp: snapshots are equal"), "{text}");
    assert!(
        has_line(
            &out,
            "cmp:   vm.clock: kvmclock: set from host time on restore"
        ),
        "the drift list is printed:\n{text}"
    );
    let later = value(&out, "t-compare-later");
    assert!(
        later.starts_with("1 state: "),
        "a later snapshot differs: {later}\n{text}"
    );
    assert!(!value(&out, "t-restored-version").is_empty(), "{text}");
    assert_eq!(value(&out, "t-counter-alive"), "guest-agent", "{text}");
    assert!(has_line(&out, "t-restored-api=ok"), "{text}");
    let num = |k: &str| -> u64 {
        value(&out, k)
            .parse()
            .unwrap_or_else(|_| panic!("{k} is not a number:\n{text}"))
    };
    let (before, final1) = (num("t-before"), num("t-final1"));
    let (after, last) = (num("t-after"), num("t-last"));
    // The restored counter starts where the snapshot caught it: after the
    // count printed before the snapshot, before the count the first VM
    // reached running on for 1.5 s more; then it keeps going.
    assert!(before < after && after < final1, "{text}");
    assert!(last > after, "{text}");
    assert_eq!(value(&out, "t-vm2-exit"), "0", "{text}");
}

const DIFF_SCRIPT: &str = r#"
pid=$(c spawn -- /bin/guest-agent counter 100)
"$CRVMM" snapshot --api-sock $A --dir /tmp/full --diff > /tmp/d0.out 2>&1
echo "t-diff-first=$? $(cat /tmp/d0.out)"
sleep 1
"$CRVMM" snapshot --api-sock $A --dir /tmp/full > /dev/null
echo "t-full-count=$(grep -wE "^counter: [0-9]+ sum [0-9]+ pid $pid" /tmp/vm.log | tail -n 1 | cut -d' ' -f2)"
hog=$(c spawn -- /bin/guest-agent hog 16)
n=0; until grep -q "hog: 16 MiB dirty, pid $hog" /tmp/vm.log || [ $n -gt 300 ]; do sleep 0.1; n=$((n+1)); done
sleep 0.5
"$CRVMM" snapshot --api-sock $A --dir /tmp/d1 --diff --json > /tmp/d1.out 2>&1
echo "t-diff1=$? $(cat /tmp/d1.out)"
echo "t-d1-disk-kib=$(du -k /tmp/d1/memory | cut -f1)"
echo "t-d1-count=$(grep -wE "^counter: [0-9]+ sum [0-9]+ pid $pid" /tmp/vm.log | tail -n 1 | cut -d' ' -f2)"
sleep 1.5
kill -9 $vm; wait $vm; rm -f $V $A

# The diff restores on top of its base, paused: it equals a full snapshot
# of the same moment.
"$CRVMM" restore --snapshot /tmp/d1 --api-sock $A --paused --track-dirty-pages < /dev/null > /tmp/vm2.log 2>&1 &
vm2=$!
sleep 2
"$CRVMM" snapshot --api-sock $A --dir /tmp/d1full > /dev/null
"$CRVMM" compare-snapshots /tmp/d1 /tmp/d1full > /tmp/cmp.out
echo "t-diff-vs-full=$? $(grep 'differing' /tmp/cmp.out)"
sed 's/^/cmp: /' /tmp/cmp.out
"$CRVMM" resume --api-sock $A
echo "t-restored-version=$(c version)"
c ps | awk -v p="$hog" '$1 == p { print "t-hog-alive=" $4 }'
sleep 1
echo "t-after=$(grep -wE "^counter: [0-9]+ sum [0-9]+ pid $pid" /tmp/vm2.log | head -n 1 | cut -d' ' -f2)"
# A diff on top of the restored one.
"$CRVMM" snapshot --api-sock $A --dir /tmp/d2 --diff > /tmp/d2.out 2>&1
echo "t-diff2=$? $(cat /tmp/d2.out)"
c spawn -- /bin/sh -c 'sleep 0.3; reboot -f' > /dev/null
wait $vm2
echo "t-vm2-exit=$?"
sed 's/^/vm2: /' /tmp/vm2.log | grep -v counter
"#;

#[test]
fn diff_snapshots_hold_the_dirty_pages_and_restore_on_their_base() {
    let out = run_script(&(agent_vm("--track-dirty-pages") + DIFF_SCRIPT), vec![]);
    let text = out.text();
    assert!(!has_line(&out, "t-boot-failed"), "{text}");
    let first = value(&out, "t-diff-first");
    assert!(
        first.starts_with("1 ") && first.contains("take a full one first"),
        "{text}"
    );
    let d1 = value(&out, "t-diff1");
    assert!(d1.starts_with("0 {"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&d1[2..]).unwrap_or_else(|e| panic!("{e}: {d1}\n{text}"));
    assert_eq!(json["snapshot_type"], "Diff", "{text}");
    let bytes = json["memory_bytes"].as_u64().unwrap_or(0);
    // The 16 MiB the hog dirtied, plus what the rest of the guest wrote, far
    // below the 256 MiB of a full snapshot.
    assert!(
        (16 << 20..64 << 20).contains(&bytes),
        "diff of {bytes} bytes\n{text}"
    );
    let disk: u64 = value(&out, "t-d1-disk-kib").parse().unwrap_or(u64::MAX);
    assert!(
        disk < 96 * 1024,
        "the diff's memory file is sparse: {disk} KiB\n{text}"
    );
    let cmp = value(&out, "t-diff-vs-full");
    assert!(cmp.starts_with("0 "), "{text}");
    assert!(!value(&out, "t-restored-version").is_empty(), "{text}");
    assert_eq!(value(&out, "t-hog-alive"), "guest-agent", "{text}");
    let num = |k: &str| -> u64 {
        value(&out, k)
            .parse()
            .unwrap_or_else(|_| panic!("{k} is not a number:\n{text}"))
    };
    let (full, d1c, after) = (num("t-full-count"), num("t-d1-count"), num("t-after"));
    assert!(full < after && after <= d1c + 1, "{text}");
    assert!(
        value(&out, "t-diff2").starts_with("0 snapshot /tmp/d2: diff "),
        "{text}"
    );
    assert_eq!(value(&out, "t-vm2-exit"), "0", "{text}");
}
