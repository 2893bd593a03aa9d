//! The control API under cr-vmm: `cr-vmm status|pause|resume --api-sock`
//! against a running guest whose counter must stop while paused and go on
//! after resume.

use e2e::{has_line, run_script, value};

const SCRIPT: &str = r#"
A=/tmp/api.sock
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --vcpus 2 \
    --api-sock $A --append '-- guest-agent counter 100' > /tmp/vm.log 2>&1 &
vm=$!
n=0; while ! grep -q 'counter: 5 ' /tmp/vm.log; do sleep 0.5; n=$((n+1)); [ $n -gt 80 ] && break; done
[ $n -gt 80 ] && { echo "t-no-counter"; tail -n 20 /tmp/vm.log; }
echo "t-status-running=$("$CRVMM" status --api-sock $A)"
"$CRVMM" pause --api-sock $A; echo "t-pause=$?"
"$CRVMM" pause --api-sock $A; echo "t-pause-again=$?"
echo "t-status-paused=$("$CRVMM" status --api-sock $A)"
a=$(grep -c '^counter:' /tmp/vm.log)
sleep 2
b=$(grep -c '^counter:' /tmp/vm.log)
echo "t-while-paused=$a $b"
"$CRVMM" resume --api-sock $A; echo "t-resume=$?"
sleep 2
c=$(grep -c '^counter:' /tmp/vm.log)
echo "t-after-resume=$b $c"
"$CRVMM" status --api-sock /tmp/none.sock > /tmp/err 2>&1; echo "t-nosock=$? $(cat /tmp/err)"
kill $vm; wait $vm
echo "t-sock-left=$(ls /tmp | grep -c api.sock)"
"#;

#[test]
fn pause_stops_the_guest_and_resume_continues_it() {
    let out = run_script(SCRIPT, vec![]);
    let text = out.text();
    assert!(
        value(&out, "t-status-running").contains(r#""state":"Running""#),
        "{text}"
    );
    assert!(
        value(&out, "t-status-running").contains(r#""vcpus":2"#),
        "{text}"
    );
    assert_eq!(value(&out, "t-pause"), "0", "{text}");
    assert_eq!(value(&out, "t-pause-again"), "0", "{text}");
    assert!(
        value(&out, "t-status-paused").contains(r#""state":"Paused""#),
        "{text}"
    );
    let counts = |k: &str| -> (u32, u32) {
        let v: Vec<u32> = value(&out, k)
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        (v[0], v[1])
    };
    let (a, b) = counts("t-while-paused");
    assert!(
        a >= 5 && b == a,
        "the guest ran while paused: {a} -> {b}\n{text}"
    );
    assert_eq!(value(&out, "t-resume"), "0", "{text}");
    let (b, c) = counts("t-after-resume");
    assert!(c > b + 5, "the guest did not continue: {b} -> {c}\n{text}");
    assert!(
        value(&out, "t-nosock").starts_with("1 cr-vmm: error: cannot reach the VMM"),
        "{text}"
    );
    assert_eq!(value(&out, "t-sock-left"), "0", "{text}");
    assert!(!has_line(&out, "panicked"), "{text}");
}
