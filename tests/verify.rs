//! The cross-check under cr-vmm: a guest process checkpointed over vsock
//! with its tasks left frozen and the VM snapshotted at that moment
//! (`cr-vmm checkpoint --leave-stopped --snapshot`); `cr-vmm verify` finds
//! the image right, and finds exactly the damage done to copies of it (a
//! page byte, a register, a dropped page record).

use e2e::{agent_vm, has_line, run_script, value};

const SCRIPT: &str = r#"
pid=$(c spawn -- /bin/guest-agent counter 100)
echo "t-pid=$pid"
sleep 1
c checkpoint --pid $pid -o /tmp/c.img --leave-stopped --snapshot /tmp/sv --api-sock $A > /tmp/ck.out 2>&1
echo "t-ckpt=$? $(tr '\n' ' ' < /tmp/ck.out)"
"$CRVMM" verify --image /tmp/c.img --snapshot /tmp/sv > /tmp/v.out 2>&1
echo "t-verify=$?"
sed 's/^/verify: /' /tmp/v.out
for k in page-byte register drop-pages; do
    "$CRVMM" image mutate /tmp/c.img --kind $k -o /tmp/bad.img | sed "s/^mutated: /t-mutated-$k=/"
    "$CRVMM" verify --image /tmp/bad.img --snapshot /tmp/sv > /tmp/vb.out 2>&1
    echo "t-verify-$k=$?"
    sed "s/^/vb-$k: /" /tmp/vb.out
done
# Without host info the image cannot be verified.
c checkpoint --pid $pid -o /tmp/plain.img > /dev/null 2>&1
"$CRVMM" verify --image /tmp/plain.img --snapshot /tmp/sv > /tmp/vp.out 2>&1
echo "t-verify-plain=$? $(cat /tmp/vp.out)"
c kill --pid $pid > /dev/null
c spawn -- /bin/sh -c 'sleep 0.3; reboot -f' > /dev/null
wait $vm
echo "t-vm-exit=$?"
"#;

#[test]
fn verify_proves_a_checkpoint_and_names_each_damage() {
    let out = run_script(&(agent_vm("") + SCRIPT), vec![]);
    let text = out.text();
    assert!(!has_line(&out, "t-boot-failed"), "{text}");
    let pid = value(&out, "t-pid");
    assert!(value(&out, "t-ckpt").starts_with("0 "), "{text}");
    assert_eq!(value(&out, "t-verify"), "0", "{text}");
    assert!(
        has_line(&out, "verify: verify: OK: the image matches the snapshot"),
        "{text}"
    );
    let summary = format!("verify: task {pid} ");
    let line = out
        .lines
        .iter()
        .find(|l| l.text.starts_with(&summary))
        .unwrap_or_else(|| panic!("no summary for task {pid}:\n{text}"));
    assert!(
        line.text
            .contains(" 0 bad; registers ok; 0 writable private pages missing"),
        "{text}"
    );

    // Each damaged copy fails with the finding that names the damage.
    let page = value(&out, "t-mutated-page-byte");
    let page = page
        .strip_prefix("page ")
        .and_then(|p| p.split(' ').next())
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(value(&out, "t-verify-page-byte"), "1", "{text}");
    let want = format!("vb-page-byte: MISMATCH task {pid}: page {page} differs at +0x0 ");
    assert!(
        out.lines.iter().any(|l| l.text.starts_with(&want)),
        "{text}"
    );
    assert_eq!(value(&out, "t-verify-register"), "1", "{text}");
    assert!(
        out.lines.iter().any(|l| l.text.starts_with(&format!(
            "vb-register: MISMATCH task {pid}: register r15: image "
        ))),
        "{text}"
    );
    // The dropped record's writable pages are reported missing, by address.
    let dropped = value(&out, "t-mutated-drop-pages");
    let (first, n) = dropped
        .strip_prefix("pages 0x")
        .and_then(|p| p.split_once('+'))
        .and_then(|(a, n)| Some((u64::from_str_radix(a, 16).ok()?, n.parse::<u64>().ok()?)))
        .unwrap_or_else(|| panic!("{dropped}\n{text}"));
    assert_eq!(value(&out, "t-verify-drop-pages"), "1", "{text}");
    let prefix = format!("vb-drop-pages: MISMATCH task {pid}: page 0x");
    let missing: Vec<u64> = out
        .lines
        .iter()
        .filter_map(|l| l.text.strip_prefix(&prefix))
        .filter_map(|r| {
            r.strip_suffix(" is present and writable in a private mapping but not in the image")
        })
        .filter_map(|a| u64::from_str_radix(a, 16).ok())
        .collect();
    assert!(!missing.is_empty(), "{text}");
    assert!(
        missing
            .iter()
            .all(|a| (first..first + n * 4096).contains(a)),
        "only pages of the dropped record are missing: {missing:x?}\n{text}"
    );
    let plain = value(&out, "t-verify-plain");
    assert!(
        plain.starts_with("1 ") && plain.contains("--hostinfo"),
        "{text}"
    );
    assert_eq!(value(&out, "t-vm-exit"), "0", "{text}");
}
