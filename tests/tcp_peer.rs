//! TCP connections whose peer is on the host, across a checkpoint: a
//! server in the guest and clients on the CI host (through cr-vmm's tap,
//! host 172.16.0.1 / fd00:c5::1, guest 172.16.0.2 / fd00:c5::2) stream
//! numbered bytes both ways while the server is checkpointed with
//! `--kill` and restarted (`tests/net/tcp-stream.c` checks every byte on
//! both sides); and a checkpoint that is then discarded with `cr-vmm
//! discard` resets its peer at once, not before.

use e2e::{run_script, value};

/// The guest (initramfs, vsock `$V`, tap `crt0` with IPv4 and IPv6) and
/// `c CMD`; console in /tmp/vm.log, printed at the end.
const PRELUDE: &str = r#"
V=/tmp/v.sock
c() { sub=$1; shift; "$CRVMM" "$sub" --vsock-uds $V "$@"; }
tunctl -t crt0 > /dev/null
echo 0 > /proc/sys/net/ipv6/conf/crt0/accept_dad
ip addr add 172.16.0.1/24 dev crt0
ip -6 addr add fd00:c5::1/64 dev crt0
ip link set crt0 up
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --mem-mib 256 \
    --tap crt0 --vsock-uds $V \
    --append 'ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off -- sleep 100000' \
    < /dev/null > /tmp/vm.log 2>&1 &
vm=$!
c version > /dev/null || echo t-boot-failed
c exec -- sh -c 'echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad; ip -6 addr add fd00:c5::2/64 dev eth0'
show_log() { sed 's/^/vm: /' /tmp/vm.log; }
trap show_log EXIT
# serve PORT N OUT: starts a guest server for N connections (its pid in
# $s) and waits for it to listen.
serve() {
    s=$(c spawn -- tcp-stream serve "$1" "$2" "$3")
    for i in $(seq 1 100); do grep -q "tcp-stream: listening on $1" /tmp/vm.log && return; sleep 0.2; done
    echo "t-no-server-$1"
}
"#;

fn assert_booted(out: &xtask::nested::Output) {
    let text = out.text();
    assert!(
        !out.lines.iter().any(|l| l.text == "t-boot-failed"),
        "the guest did not boot:\n{text}"
    );
    assert!(
        !out.lines.iter().any(|l| l.text.starts_with("t-no-server")),
        "the server did not start:\n{text}"
    );
}

#[test]
fn streams_to_a_host_peer_cross_a_checkpoint_with_no_reset_and_no_byte_lost() {
    let script = format!(
        r#"{PRELUDE}
serve 7000 2 /tmp/ts.out
"$PEERS/tcp-stream" client 172.16.0.2 7000 16 > /tmp/c4.out 2>&1 &
c4=$!
"$PEERS/tcp-stream" client fd00:c5::2 7000 16 > /tmp/c6.out 2>&1 &
c6=$!
sleep 5
c checkpoint --pid "$s" -o /tmp/s.img --kill > /tmp/ck.out 2>&1
echo "t-ckpt=$? $(tr '\n' ' ' < /tmp/ck.out)"
# The server is gone for a while: both clients go on sending into the hold.
sleep 3
c restart /tmp/s.img > /tmp/rs.out 2>&1
echo "t-restart=$? $(tr '\n' ' ' < /tmp/rs.out)"
wait $c4; echo "t-c4=$? $(cat /tmp/c4.out)"
wait $c6; echo "t-c6=$? $(cat /tmp/c6.out)"
for i in $(seq 1 50); do c exec -- test -e /tmp/ts.out && break; sleep 0.2; done
echo "t-server=$(c exec -- cat /tmp/ts.out)"
echo "t-conn-records=$("$CRVMM" image show /tmp/s.img 2>&1 | grep -c 'send queue .* bytes.*receive queue')"
"#
    );
    let out = run_script(&script, vec![]);
    let text = out.text();
    assert_booted(&out);
    let v = |k: &str| value(&out, k).to_string();
    assert!(v("t-ckpt").starts_with("0 "), "checkpoint:\n{text}");
    assert!(v("t-restart").starts_with("0 "), "restart:\n{text}");
    // The server that wrote the verdict is the restarted one (the first
    // was killed before the clients ended their streams), and each side
    // checked every byte it got: the counts on the two sides agree.
    let server = v("t-server");
    assert!(
        server.starts_with("PASS 2 connections"),
        "the server's side of the streams:\n{text}"
    );
    for c in ["t-c4", "t-c6"] {
        let line = v(c);
        assert!(
            line.starts_with("0 tcp-stream: PASS"),
            "the host client {c} across the checkpoint: {line}\n{text}"
        );
        let count = |word: &str| -> u64 {
            line.split_whitespace()
                .skip_while(|w| *w != word)
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        let (sent, received) = (count("sent"), count("received"));
        assert!(sent > 0 && received > 0, "{c}: {line}\n{text}");
        assert!(
            server.contains(&format!("received {sent} sent {received};")),
            "{c} sent {sent} and received {received}; the server says {server}\n{text}"
        );
    }
    let records: u32 = v("t-conn-records").parse().unwrap_or(0);
    assert!(
        records >= 2,
        "the image holds both connections ({records}):\n{text}"
    );
}

#[test]
fn a_discarded_checkpoint_resets_its_host_peer_at_once_and_not_before() {
    let script = format!(
        r#"{PRELUDE}
serve 7001 1 /tmp/td.out
rm -f /tmp/released
"$PEERS/tcp-stream" client 172.16.0.2 7001 30 reset-after /tmp/released > /tmp/cd.out 2>&1 &
cd=$!
sleep 3
c checkpoint --pid "$s" -o /tmp/d.img --kill > /tmp/ck.out 2>&1
echo "t-ckpt=$? $(tr '\n' ' ' < /tmp/ck.out)"
# Held: the client sends on and sees no reset.
sleep 4
touch /tmp/released
c discard --pid "$s" > /tmp/disc.out 2>&1
echo "t-discard=$? $(cat /tmp/disc.out)"
wait $cd; echo "t-client=$? $(cat /tmp/cd.out)"
c discard --pid "$s" > /tmp/disc.out 2>&1
echo "t-discard-again=$? $(cat /tmp/disc.out)"
c discard --pid 1 > /tmp/disc.out 2>&1
echo "t-discard-init=$? $(cat /tmp/disc.out)"
c logs | grep -c . | sed 's/^/t-log-lines=/'
"#
    );
    let out = run_script(&script, vec![]);
    let text = out.text();
    assert_booted(&out);
    let v = |k: &str| value(&out, k).to_string();
    assert!(v("t-ckpt").starts_with("0 "), "checkpoint:\n{text}");
    assert!(
        v("t-discard").starts_with("0 discard: pid"),
        "cr-vmm discard:\n{text}"
    );
    assert!(
        v("t-client").starts_with("0 tcp-stream: PASS reset"),
        "the host client is reset after the discard, not before:\n{text}"
    );
    let again = v("t-discard-again");
    assert!(
        again.starts_with("1 ") && again.contains("no checkpoint of pid"),
        "a second discard names that nothing is held: {again}\n{text}"
    );
    let init = v("t-discard-init");
    assert!(
        init.starts_with("1 ") && init.contains("refusing to discard pid 1"),
        "{init}\n{text}"
    );
}
