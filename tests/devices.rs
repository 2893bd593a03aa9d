//! The drives and the network card of a guest under cr-vmm, end to end:
//! virtio-blk drives (read, write, serial, a read-only drive), a root
//! filesystem on a drive that keeps what the guest wrote across boots, and
//! virtio-net on a tap, with files fetched over HTTP both ways. The
//! guest's sides are `tests/guest/dev-block` and `tests/guest/dev-net`.

use e2e::{crvmm_line, crvmm_status, has_line, mini_rootfs, run_script, run_script_with_drives};
use xtask::nested::shell_quote;

#[test]
fn drives_are_read_written_and_read_only_ones_stay_unwritten() {
    let script = format!(
        r#"dd if=/dev/zero of=/tmp/d.img bs=1M count=8 2>/dev/null
printf host-pattern-0123 | dd of=/tmp/d.img bs=512 seek=100 conv=notrunc 2>/dev/null
dd if=/dev/zero of=/tmp/ro.img bs=1M count=1 2>/dev/null
printf ro-content | dd of=/tmp/ro.img conv=notrunc 2>/dev/null
ro_before=$(sha256sum /tmp/ro.img | cut -c1-64)
{run}
echo "h-guest-wrote=$(dd if=/tmp/d.img bs=512 skip=200 count=1 2>/dev/null | head -c 16)"
echo "h-big=$(dd if=/tmp/d.img bs=1M skip=4 count=2 2>/dev/null | sha256sum | cut -c1-64)"
[ "$(sha256sum /tmp/ro.img | cut -c1-64)" = "$ro_before" ] && echo h-ro-unchanged=yes
"$CRVMM" run --kernel "$IMAGES/bzImage" --drive /tmp/none.img < /dev/null > /tmp/bad.out 2>&1
echo "h-missing=$? $(grep -i error /tmp/bad.out)"
"$CRVMM" run --kernel "$IMAGES/bzImage" --drive /tmp/d.img,bogus < /dev/null > /tmp/bad.out 2>&1
echo "h-bad-option=$? $(grep -i drive /tmp/bad.out | head -n 1)"
"#,
        run = crvmm_line(&format!(
            "--drive /tmp/d.img,serial=data-1 --drive /tmp/ro.img,ro --append {}",
            shell_quote("-- dev-block")
        ))
    );
    let out = run_script(&script, vec![]);
    let text = out.text();
    let v = |k: &str| e2e::value(&out, k).to_string();
    assert_eq!(crvmm_status(&out), 0, "{text}");
    assert_eq!(v("g-serial"), "data-1", "{text}");
    assert_eq!(v("g-size"), "16384 2048", "{text}");
    assert_eq!(v("g-ro"), "0 1", "{text}");
    assert_eq!(v("g-read"), "host-pattern-0123", "{text}");
    assert_eq!(v("g-write"), "0", "{text}");
    assert_ne!(
        v("g-ro-write"),
        "0",
        "a read-only drive took a write:\n{text}"
    );
    assert_eq!(v("g-past-end"), "0", "{text}");
    assert_eq!(v("h-guest-wrote"), "guest-wrote-this", "{text}");
    assert_eq!(v("g-big").len(), 64, "{text}");
    assert_eq!(v("g-big"), v("h-big"), "the guest's 2 MiB write:\n{text}");
    assert!(has_line(&out, "h-ro-unchanged=yes"), "{text}");
    let missing = v("h-missing");
    assert!(
        missing.starts_with('1')
            && missing.contains("/tmp/none.img")
            && missing.contains("No such file"),
        "{text}"
    );
    let bad = v("h-bad-option");
    assert!(bad.starts_with('2') && bad.contains("\"bogus\""), "{text}");
}

#[test]
fn a_root_filesystem_on_a_drive_keeps_what_the_guest_wrote() {
    let dir = std::env::temp_dir().join(format!("crvmm-e2e-rootfs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let img = mini_rootfs(&dir, 64);
    let boot = |extra: &str, guest: &str| {
        format!(
            "\"$CRVMM\" run --kernel \"$IMAGES/bzImage\" --rootfs \"$DRIVE0\" {extra} --append {}\n",
            shell_quote(&format!("-- {guest}"))
        )
    };
    let script = format!(
        "{}{}{}",
        boot(
            "",
            "grep ' / ' /proc/mounts | sed 's/^/g1-root=/'; \
             echo persisted-$((6*7)) > /root/mark; sync; echo g1-wrote=$?"
        ),
        boot("", "echo g2-mark=$(cat /root/mark)"),
        boot(
            "--ro",
            "echo g3-mark=$(cat /root/mark); touch /root/x 2>/dev/null; echo g3-touch=$?"
        ),
    );
    let out = run_script_with_drives(&script, vec![img], 3);
    let _ = std::fs::remove_dir_all(&dir);
    let text = out.text();
    let v = |k: &str| e2e::value(&out, k).to_string();
    assert!(v("g1-root").starts_with("/dev/root / ext4 rw"), "{text}");
    assert_eq!(v("g1-wrote"), "0", "{text}");
    assert_eq!(v("g2-mark"), "persisted-42", "{text}");
    assert_eq!(v("g3-mark"), "persisted-42", "{text}");
    assert_ne!(v("g3-touch"), "0", "a read-only root took a write:\n{text}");
}

#[test]
fn the_network_card_carries_files_both_ways_through_a_tap() {
    let script = format!(
        r#"tunctl -t crt0 > /dev/null || echo h-no-tunctl
ip addr add 172.16.0.1/24 dev crt0
ip link set crt0 up
get() {{ printf 'GET /%s HTTP/1.0\r\n\r\n' "$3" | nc -w 30 "$1" "$2" | sed '1,/^\r$/d'; }}
mkdir -p /tmp/hw
seq 1 250000 > /tmp/hw/hostfile
echo "h-hostfile=$(sha256sum /tmp/hw/hostfile | cut -c1-64)"
httpd -p 172.16.0.1:8081 -h /tmp/hw
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --tap crt0 \
    --append {guest} < /dev/null > /tmp/vm.log 2>&1 &
vm=$!
for i in $(seq 1 600); do grep -q '^g-ready' /tmp/vm.log && break; [ $((i % 50)) = 0 ] && echo "h-waiting $i"; sleep 0.2; done
get 172.16.0.2 8080 big > /tmp/fromguest
echo "h-fromguest=$? $(sha256sum /tmp/fromguest | cut -c1-64)"
echo done > /tmp/hw/done
for i in $(seq 1 300); do kill -0 $vm 2>/dev/null || break; sleep 0.2; done
kill $vm 2>/dev/null && echo h-vm-killed
wait $vm
echo "cr-vmm-status=$?"
cat /tmp/vm.log
"$CRVMM" run --kernel "$IMAGES/bzImage" --tap 'bad/name' < /dev/null > /tmp/bad.out 2>&1
echo "h-bad-tap=$? $(grep -i tap /tmp/bad.out | head -n 1)"
"$CRVMM" run --kernel "$IMAGES/bzImage" --tap crt1 --guest-mac 07:00:00:00:00:01 < /dev/null > /tmp/bad.out 2>&1
echo "h-bad-mac=$? $(grep -i mac /tmp/bad.out | head -n 1)"
"#,
        guest = shell_quote("ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off -- dev-net")
    );
    let out = run_script(&script, vec![]);
    let text = out.text();
    let v = |k: &str| e2e::value(&out, k).to_string();
    assert!(!has_line(&out, "h-no-tunctl"), "{text}");
    assert_eq!(crvmm_status(&out), 0, "{text}");
    assert_eq!(v("g-addr"), "inet 172.16.0.2/24", "{text}");
    assert_eq!(v("g-ping"), "0", "the guest cannot reach the host:\n{text}");
    assert_eq!(
        v("h-fromguest"),
        format!("0 {}", v("g-big")),
        "a file from the guest:\n{text}"
    );
    assert_eq!(
        v("g-fromhost"),
        format!("0 {}", v("h-hostfile")),
        "a file from the host:\n{text}"
    );
    let bad = v("h-bad-tap");
    assert!(bad.starts_with('1') && bad.contains("bad/name"), "{text}");
    let bad = v("h-bad-mac");
    assert!(bad.starts_with('2') && bad.contains("multicast"), "{text}");
}

#[test]
fn drives_and_the_network_card_survive_a_vm_snapshot_and_restore() {
    let script = r#"get() { printf 'GET /%s HTTP/1.0\r\n\r\n' "$3" | nc -w 30 "$1" "$2" | sed '1,/^\r$/d'; }
V=/tmp/v.sock
A=/tmp/api.sock
c() { sub=$1; shift; "$CRVMM" "$sub" --vsock-uds $V "$@"; }
tunctl -t crt0 > /dev/null
ip addr add 172.16.0.1/24 dev crt0
ip link set crt0 up
dd if=/dev/zero of=/tmp/d.img bs=1M count=4 2>/dev/null
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --mem-mib 256 \
    --drive /tmp/d.img --tap crt0 --vsock-uds $V --api-sock $A \
    --append 'ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off -- sleep 100000' < /dev/null > /tmp/vm.log 2>&1 &
vm=$!
c version > /dev/null || echo t-boot-failed
c exec -- sh -c 'printf before-snapshot | dd of=/dev/vda bs=512 seek=10 conv=notrunc,fsync 2>/dev/null'
c exec -- sh -c 'mkdir -p /tmp/www; echo served-by-guest > /tmp/www/x; httpd -p 8080 -h /tmp/www'
echo "t-net-before=$(get 172.16.0.2 8080 x)"
"$CRVMM" snapshot --api-sock $A --dir /tmp/s1 > /tmp/snap.out 2>&1
echo "t-snap=$? $(cat /tmp/snap.out)"
kill -9 $vm; wait $vm 2>/dev/null; rm -f $V $A
"$CRVMM" restore --snapshot /tmp/s1 --api-sock $A < /dev/null > /tmp/vm2.log 2>&1 &
vm=$!
echo "t-restored-agent=$(c version | cut -d, -f1)"
echo "t-drive-read=$(c exec -- sh -c 'dd if=/dev/vda bs=512 skip=10 count=1 iflag=direct 2>/dev/null | head -c 15')"
c exec -- sh -c 'printf after-restore | dd of=/dev/vda bs=512 seek=30 conv=notrunc,fsync 2>/dev/null'
echo "t-net-after=$(get 172.16.0.2 8080 x)"
c exec -- /bin/ping -c 1 -W 5 172.16.0.1 > /dev/null && echo t-ping-after=ok
kill -9 $vm; wait $vm 2>/dev/null; rm -f $V $A
echo "t-host-sees=$(dd if=/tmp/d.img bs=512 skip=30 count=1 2>/dev/null | head -c 13)"
# The drive was written after the snapshot: restoring it again is refused.
"$CRVMM" restore --snapshot /tmp/s1 < /dev/null > /tmp/vm3.log 2>&1
echo "t-changed=$? $(grep -o 'changed since the snapshot' /tmp/vm3.log)"
sed 's/^/vm2: /' /tmp/vm2.log | grep -v '^vm2: \[' | tail -n 5
"#;
    let out = run_script(script, vec![]);
    let text = out.text();
    let v = |k: &str| e2e::value(&out, k).to_string();
    assert!(!has_line(&out, "t-boot-failed"), "{text}");
    assert_eq!(v("t-net-before"), "served-by-guest", "{text}");
    assert!(v("t-snap").starts_with("0 "), "{text}");
    assert_eq!(v("t-restored-agent"), "agent 0.1.0", "{text}");
    assert_eq!(v("t-drive-read"), "before-snapshot", "{text}");
    assert_eq!(
        v("t-net-after"),
        "served-by-guest",
        "the tap after restore:\n{text}"
    );
    assert!(has_line(&out, "t-ping-after=ok"), "{text}");
    assert_eq!(v("t-host-sees"), "after-restore", "{text}");
    assert_eq!(v("t-changed"), "1 changed since the snapshot", "{text}");
}
