//! The VMM's sandbox under cr-vmm in the nested CI host:
//! - every thread of a running VMM is under a seccomp filter (and none with
//!   `--no-seccomp`); a normal boot, agent RPC and snapshot work under the
//!   built-in filters (so do all the other end-to-end tests);
//! - a system call outside a thread's filter stops the VMM with exit status
//!   148 and a line naming the thread and the call: the vCPU thread's
//!   `ioctl` (KVM_RUN) and the API thread's `mkdir` (a snapshot), each taken
//!   out of the built-in JSON;
//! - `--jail DIR --uid --gid`: the VMM runs chrooted as that user, its
//!   sockets and snapshots land inside DIR, and the guest still works.

use e2e::{agent_vm, has_line, run_script, value};

/// The built-in filters with `syscall` removed from `thread`'s list.
fn filter_without(thread: &str, syscalls: &[&str]) -> String {
    let path = xtask::paths::root().join("vmm/resources/seccomp-x86_64.json");
    let text = std::fs::read_to_string(&path).expect("the built-in seccomp JSON");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let list = v[thread]["filter"]
        .as_array_mut()
        .expect("a filter list per thread");
    let before = list.len();
    list.retain(|e| !syscalls.contains(&e["syscall"].as_str().unwrap_or("")));
    assert!(
        list.len() < before,
        "{syscalls:?} not in the {thread} filter"
    );
    v.to_string()
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("crvmm-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("writing a filter file");
    p
}

const SCRIPT: &str = r#"
# Every thread of the running VMM is filtered (Seccomp: 2).
for t in /proc/$vm/task/*; do echo "t-thread=$(cat $t/comm) $(grep '^Seccomp:' $t/status | tr -d '\t')"; done
echo "t-version=$(c version)"
"$CRVMM" snapshot --api-sock $A --dir /tmp/snap > /tmp/s.out 2>&1
echo "t-snap=$? $(cat /tmp/s.out)"
kill $vm; wait $vm; rm -f $V $A

# --no-seccomp leaves them unfiltered.
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --no-seccomp \
    --vsock-uds $V --append '-- sleep 100000' > /tmp/vm.log 2>&1 &
vm=$!
c version > /dev/null
echo "t-noseccomp=$(cat /proc/$vm/task/*/status | grep -c '^Seccomp:.*0')"
kill $vm; wait $vm; rm -f $V

# The vCPU thread may not make ioctls: its first KVM_RUN stops the VMM.
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" \
    --seccomp-filter /no-vcpu-ioctl.json < /dev/null > /tmp/bad1.log 2>&1
echo "t-vcpu-status=$?"
echo "t-vcpu-msg=$(grep 'forbidden' /tmp/bad1.log)"

# The API thread may not make directories: a snapshot stops the VMM.
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" \
    --seccomp-filter /no-api-mkdir.json --vsock-uds $V --api-sock $A \
    --append '-- sleep 100000' < /dev/null > /tmp/bad2.log 2>&1 &
vm=$!
echo "t-api-version=$(c version)"
"$CRVMM" snapshot --api-sock $A --dir /tmp/snap2 > /dev/null 2>&1
wait $vm
echo "t-api-status=$?"
echo "t-api-msg=$(grep 'forbidden' /tmp/bad2.log)"
echo "t-api-partial=$(ls -d /tmp/snap2* 2>/dev/null | wc -l)"
rm -f $V $A

# A jailed VMM: chroot into /tmp/jail as uid/gid 1000.
J=/tmp/jail
mkdir -p $J; chown 1000:1000 $J
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --mem-mib 256 \
    --jail $J --uid 1000 --gid 1000 --vsock-uds /v.sock --api-sock /api.sock \
    --append '-- sleep 100000' < /dev/null > /tmp/jail.log 2>&1 &
vm=$!
n=0; until [ -S $J/v.sock ] || [ $n -gt 600 ]; do sleep 0.1; n=$((n+1)); done
echo "t-jail-socket-waits=$n"
# Bounded: once this hung silently in a test run (not reproduced since); if
# it does again, the VMM's threads and console say where.
v=$(timeout 90 "$CRVMM" version --vsock-uds $J/v.sock 2>&1) || {
    echo "t-jail-version-failed: $v"
    for t in /proc/$vm/task/*; do echo "t-jail-thread: $(cat $t/comm) $(cat $t/wchan) $(grep State $t/status)"; done
    sed 's/^/t-jail-console: /' /tmp/jail.log | tail -n 20
}
echo "t-jail-version=$v"
echo "t-jail-uid=$(grep '^Uid:' /proc/$vm/status | tr -s '\t ' ' ')"
echo "t-jail-gid=$(grep '^Gid:' /proc/$vm/status | tr -s '\t ' ' ')"
echo "t-jail-root=$(readlink /proc/$vm/root)"
echo "t-jail-core=$(grep 'core file' /proc/$vm/limits | tr -s ' ')"
"$CRVMM" snapshot --api-sock $J/api.sock --dir /snap > /tmp/js.out 2>&1
echo "t-jail-snap=$? $(cat /tmp/js.out)"
echo "t-jail-files=$(ls $J/snap | tr '\n' ' ')"
echo "t-jail-owner=$(stat -c %u $J/snap/memory)"
kill $vm; wait $vm
echo "t-jail-exit=$?"
# Refused before anything starts.
"$CRVMM" run --kernel "$IMAGES/bzImage" --jail /nonexistent --uid 1000 --gid 1000 > /tmp/j2.out 2>&1
echo "t-jail-missing=$? $(cat /tmp/j2.out)"
"$CRVMM" run --kernel "$IMAGES/bzImage" --jail $J --uid 0 --gid 0 > /tmp/j3.out 2>&1
echo "t-jail-root0=$? $(cat /tmp/j3.out)"
sed 's/^/jail: /' /tmp/jail.log; echo
"#;

#[test]
fn seccomp_filters_confine_every_thread_and_jail_drops_privileges() {
    let vcpu = temp_file("no-vcpu-ioctl.json", &filter_without("vcpu", &["ioctl"]));
    let api = temp_file(
        "no-api-mkdir.json",
        &filter_without("api", &["mkdir", "mkdirat"]),
    );
    let out = run_script(
        &(agent_vm("") + SCRIPT),
        vec![
            (vcpu, "/no-vcpu-ioctl.json".into()),
            (api, "/no-api-mkdir.json".into()),
        ],
    );
    let text = out.text();
    assert!(!has_line(&out, "t-boot-failed"), "{text}");
    let threads: Vec<&str> = out
        .lines
        .iter()
        .filter_map(|l| l.text.strip_prefix("t-thread="))
        .collect();
    // main, vcpu0 and api at least.
    assert!(threads.len() >= 3, "{text}");
    for t in &threads {
        assert!(t.ends_with("Seccomp:2"), "unfiltered thread {t}\n{text}");
    }
    assert!(threads.iter().any(|t| t.starts_with("vcpu0 ")), "{text}");
    assert!(threads.iter().any(|t| t.starts_with("api ")), "{text}");
    assert!(!value(&out, "t-version").is_empty(), "{text}");
    assert!(value(&out, "t-snap").starts_with("0 snapshot"), "{text}");
    assert_ne!(value(&out, "t-noseccomp"), "0", "{text}");

    assert_eq!(value(&out, "t-vcpu-status"), "148", "{text}");
    assert!(
        value(&out, "t-vcpu-msg").contains("the vcpu thread made a forbidden system call (nr 16)"),
        "{text}"
    );
    assert!(!value(&out, "t-api-version").is_empty(), "{text}");
    assert_eq!(value(&out, "t-api-status"), "148", "{text}");
    let msg = value(&out, "t-api-msg");
    assert!(
        msg.contains("the api thread made a forbidden system call (nr 83)")
            || msg.contains("the api thread made a forbidden system call (nr 258)"),
        "{text}"
    );
    assert_eq!(value(&out, "t-api-partial"), "0", "{text}");

    assert!(!has_line(&out, "t-jail-version-failed"), "{text}");
    assert!(value(&out, "t-jail-version").contains("protocol"), "{text}");
    assert_eq!(
        value(&out, "t-jail-uid").trim(),
        "Uid: 1000 1000 1000 1000",
        "{text}"
    );
    assert_eq!(
        value(&out, "t-jail-gid").trim(),
        "Gid: 1000 1000 1000 1000",
        "{text}"
    );
    assert_eq!(value(&out, "t-jail-root"), "/tmp/jail", "{text}");
    assert!(
        value(&out, "t-jail-core").contains("core file size 0 0"),
        "{text}"
    );
    assert!(
        value(&out, "t-jail-snap").starts_with("0 snapshot /snap"),
        "{text}"
    );
    assert_eq!(value(&out, "t-jail-files").trim(), "memory state", "{text}");
    assert_eq!(value(&out, "t-jail-owner"), "1000", "{text}");
    let missing = value(&out, "t-jail-missing");
    assert!(
        missing.starts_with("1 ") && missing.contains("not a directory"),
        "{text}"
    );
    let root0 = value(&out, "t-jail-root0");
    assert!(
        root0.starts_with("1 ") && root0.contains("root's privileges"),
        "{text}"
    );
}
