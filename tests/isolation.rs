//! Guest isolation under cr-vmm in the nested CI host: a hostile guest
//! program (`mmio-abuse`, guest-kernel-cfg/tests/mmio-abuse.c) floods the
//! vsock with connections, writes garbage over the virtio-mmio registers
//! and posts its own descriptor chains (outside guest memory, overflowing
//! it, looping, past the table, rings outside memory, lying headers). The
//! VMM must keep serving its API throughout, report the bad requests, not
//! grow its memory, and exit normally when the guest reboots.

use e2e::{agent_vm, has_line, run_script_for, value};

/// Garbage rounds (seeds) of 20000 register accesses each.
const SEEDS: [u32; 3] = [7, 1234, 99991];

fn script() -> String {
    let seeds: Vec<String> = SEEDS.iter().map(u32::to_string).collect();
    format!(
        r#"
rss() {{ grep '^VmRSS:' /proc/$vm/status | tr -s '\t ' ' ' | cut -d' ' -f2; }}
rss0=$(rss)
# Connections: the guest opens 3000 to a host port nobody listens on, the
# host opens 100 at once to the agent.
c exec -- /bin/mmio-abuse flood 3000 7000 | sed 's/^/t-flood: /'
pids=""
for i in $(seq 100); do "$CRVMM" version --vsock-uds $V > /dev/null 2>&1 & pids="$pids $!"; done
ok=0; for p in $pids; do wait $p && ok=$((ok+1)); done
echo "t-host-flood-ok=$ok"
echo "t-after-flood=$(c version)"
# Registers and descriptors: from here on the kernel's vsock driver is
# broken, so the program runs detached and reports on the console.
c spawn -- /bin/sh -c 'for s in {seeds}; do /bin/mmio-abuse garbage 20000 $s; done; /bin/mmio-abuse descriptors; echo abuse-finished; sleep 1; reboot -f' > /dev/null
alive=0; api=0; rssmax=$rss0
while kill -0 $vm 2>/dev/null; do
    alive=$((alive+1))
    r=$(rss); [ -n "$r" ] && [ "$r" -gt "$rssmax" ] && rssmax=$r
    # A probe that fails because the VMM is exiting (the guest rebooted:
    # its API socket is gone, the process not yet) does not count; how it
    # exited is checked below.
    if "$CRVMM" status --api-sock $A > /dev/null 2>&1; then api=$((api+1))
    else
        w=0; while kill -0 $vm 2>/dev/null && [ $w -lt 15 ]; do sleep 0.2; w=$((w+1)); done
        kill -0 $vm 2>/dev/null || alive=$((alive-1))
    fi
    [ $alive -gt 600 ] && {{ echo t-timeout; kill $vm; }}
    sleep 0.2
done
wait $vm
echo "t-vm-exit=$?"
echo "t-api-answers=$api of $alive"
echo "t-rss-kib=$rss0 $rssmax"
grep 'mmio-abuse:' /tmp/vm.log | sed 's/^/t-abuse: /'
echo "t-vsock-warnings=$(grep -c 'WARN.*vsock: ' /tmp/vm.log)"
echo "t-mmio-warnings=$(grep -c 'WARN.*virtio-mmio: ' /tmp/vm.log)"
grep 'WARN.*vsock: ' /tmp/vm.log | sed 's/^/vmm-log: /'
grep 'WARN.*virtio-mmio: ' /tmp/vm.log | sed 's/(seen [0-9]* times)//' | sort | uniq -c | sed 's/^/vmm-log: /'
"#,
        seeds = seeds.join(" ")
    )
}

#[test]
fn a_hostile_guest_gets_errors_never_a_vmm_crash() {
    let out = run_script_for(&(agent_vm("") + &script()), vec![], 2);
    let text = out.text();
    assert!(!has_line(&out, "t-boot-failed"), "{text}");
    assert!(!has_line(&out, "t-timeout"), "{text}");
    assert!(
        has_line(
            &out,
            "t-flood: mmio-abuse: flood 3000 connections to port 7000: 0 connected, 3000 refused"
        ),
        "{text}"
    );
    assert_eq!(value(&out, "t-host-flood-ok"), "100", "{text}");
    assert!(!value(&out, "t-after-flood").is_empty(), "{text}");
    for s in SEEDS {
        assert!(
            has_line(
                &out,
                &format!("mmio-abuse: garbage 20000 accesses seed {s} done")
            ),
            "{text}"
        );
    }
    assert!(
        has_line(&out, "mmio-abuse: descriptors 9 cases done"),
        "{text}"
    );
    // The guest rebooted and the VMM exited normally.
    assert_eq!(value(&out, "t-vm-exit"), "0", "{text}");
    // The API answered every time it was asked while the guest raged.
    let api = value(&out, "t-api-answers");
    let (got, asked) = api.split_once(" of ").unwrap_or(("", ""));
    assert!(!got.is_empty() && got == asked, "{api}\n{text}");
    // The VMM reported what it refused, the bad descriptors among it,
    // without flooding its log: each kind of warning is rate-limited.
    let vsock: u32 = value(&out, "t-vsock-warnings").parse().unwrap_or(0);
    let mmio: u32 = value(&out, "t-mmio-warnings").parse().unwrap_or(0);
    assert!(vsock > 0 && mmio > 0, "{text}");
    assert!(
        mmio < 1000,
        "60000 register accesses gave {mmio} log lines\n{text}"
    );
    // Lying headers and huge lengths did not make it allocate.
    let rss = value(&out, "t-rss-kib");
    let mut it = rss.split(' ').map(|v| v.parse::<i64>().ok());
    let (Some(Some(before)), Some(Some(after))) = (it.next(), it.next()) else {
        panic!("no RSS readings: {rss}\n{text}");
    };
    assert!(
        after - before < 64 * 1024,
        "VMM RSS grew from {before} to {after} KiB\n{text}"
    );
}
