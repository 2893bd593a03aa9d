//! The virtio-vsock device and the guest agent, end to end under cr-vmm: the
//! host commands (`cr-vmm version/ps/exec/spawn/kill/logs/checkpoint/
//! restart --vsock-uds`) against the agent in the guest, a guest-initiated
//! connection to a host socket, the protocol's error replies, and load.

use e2e::{has_line, run_script, value};
use xtask::nested::Output;

/// Boots the guest with a vsock device in the background (console to
/// /tmp/vm.log), defines `c` = cr-vmm with the vsock socket, runs `body`,
/// powers the guest off and prints the console log with a `vm: ` prefix.
fn with_guest(body: &str) -> String {
    format!(
        r#"V=/tmp/v.sock
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --mem-mib 256 \
    --vsock-uds $V --guest-cid 7 --append '-- sleep 100000' > /tmp/vm.log 2>&1 &
vm=$!
c() {{ sub=$1; shift; "$CRVMM" "$sub" --vsock-uds $V "$@"; }}
{body}
c spawn -- /bin/sh -c 'sleep 0.3; reboot -f' > /dev/null
wait $vm
echo "t-vm-exit=$?"
sed 's/^/vm: /' /tmp/vm.log
"#
    )
}

/// `counter: N sum S pid P` lines from the guest console.
fn counter_lines(out: &Output) -> Vec<(u64, u64, u32)> {
    out.lines
        .iter()
        .filter_map(|l| l.text.strip_prefix("vm: counter: "))
        .filter_map(|t| {
            let f: Vec<&str> = t.split_whitespace().collect();
            match f.as_slice() {
                [n, "sum", s, "pid", p] => {
                    Some((n.parse().ok()?, s.parse().ok()?, p.parse().ok()?))
                }
                _ => None,
            }
        })
        .collect()
}

const FUNCTIONAL: &str = r#"
echo "t-version=$(c version)"
c ps | grep -q ' guest-agent$' && echo t-ps=ok
echo "t-uname=$(c exec -- /bin/uname -r)"
c exec -- /bin/sh -c 'echo out; echo err >&2; exit 3' > /tmp/o 2> /tmp/e
echo "t-exec-status=$? out=$(cat /tmp/o) err=$(cat /tmp/e)"
c exec --json -- /bin/true | grep -q '"reply":"exited","status":0' && echo t-exec-json=ok
# A workload: checkpoint it over vsock, kill it, restart it.
pid=$(c spawn -- /bin/guest-agent counter 100)
echo "t-spawned=$pid"
sleep 1
c checkpoint --pid "$pid" -o /tmp/c.img --kill
echo "t-checkpoint-status=$?"
ls -a /tmp | grep -q partial && echo t-partial-left
"$CRVMM" image show /tmp/c.img > /tmp/show && echo t-show=ok
grep -q 'guest-agent' /tmp/show && echo t-show-comm=ok
c ps | grep -q "^ *$pid " || echo t-killed=ok
new=$(c restart /tmp/c.img | sed 's/.*guest pid //')
echo "t-restarted=$new"
c logs | grep -q 'restarted:' && echo t-logs=ok
sleep 1
c ps | grep -q "^ *$new .* guest-agent" && echo t-running=ok
c kill --pid "$new"
echo "t-kill-status=$?"
# A spawned program with a child: its own session, so its tree is whole.
tp=$(c spawn -- /bin/sh -c '/bin/sleep 1000 & wait')
sleep 0.5
c checkpoint --pid "$tp" -o /tmp/tree.img --kill > /tmp/err 2>&1
echo "t-tree-status=$? $(cat /tmp/err)"
"$CRVMM" image show /tmp/tree.img | grep 'process tree:' | sed 's/^/t-tree-show=/'
# Faults: each is a clear error, nothing left behind, the agent keeps serving.
c checkpoint --pid 99999 -o /tmp/none.img > /tmp/err 2>&1
echo "t-nopid-status=$? $(cat /tmp/err)"
[ -e /tmp/none.img ] || [ -e /tmp/.none.img.partial ] && echo t-nopid-left
# A program nobody here wrote, with a socket bound to a path: busybox
# syslogd, checkpointed over vsock, killed and restarted; its /dev/log
# file is taken again and logger reaches the restored daemon.
sy=$(c spawn -- /bin/syslogd -n -O /tmp/sy.log)
sleep 0.5
c exec -- /bin/logger before-checkpoint
c checkpoint --pid "$sy" -o /tmp/sy.img --kill > /tmp/err 2>&1
echo "t-syslogd-ckpt=$? $(cat /tmp/err)"
c ps | grep -q "^ *$sy " || echo t-syslogd-killed=ok
nsy=$(c restart /tmp/sy.img | sed 's/.*guest pid //')
sleep 0.5
c exec -- /bin/logger after-restart
sleep 0.5
c exec -- /bin/cat /tmp/sy.log > /tmp/sy.log
echo "t-syslogd-lines=$(grep -c 'before-checkpoint\|after-restart' /tmp/sy.log)"
c kill --pid "$nsy"
# A process the kernel cannot checkpoint (its log socket's file was
# deleted): a typed error naming the object, no image, and the process
# keeps running.
sl=$(c spawn -- /bin/syslogd -n -O /tmp/syslog)
sleep 0.5
c exec -- /bin/rm /dev/log
c checkpoint --pid "$sl" -o /tmp/sl.img > /tmp/err 2>&1
echo "t-refused-status=$? $(cat /tmp/err)"
echo "t-refused-files=$(ls -a /tmp | grep -c 'sl\.img')"
c exec -- /bin/cat /proc/$sl/cgroup | sed 's/^/t-refused-cgroup=/'
c checkpoint --pid 1 -o /tmp/init.img > /tmp/err 2>&1
echo "t-init-status=$? $(cat /tmp/err)"
c kill --pid 99999 > /tmp/err 2>&1
echo "t-kill-nopid-status=$? $(cat /tmp/err)"
head -c 2000 /tmp/c.img > /tmp/trunc.img
c restart /tmp/trunc.img > /tmp/err 2>&1
echo "t-trunc-status=$? $(cat /tmp/err)"
cp /tmp/c.img /tmp/flip.img
printf '\377' | dd of=/tmp/flip.img bs=1 seek=5000 conv=notrunc 2>/dev/null
c restart /tmp/flip.img > /tmp/err 2>&1
echo "t-flip-status=$? $(cat /tmp/err)"
c ps --port 53 --timeout 3 > /tmp/err 2>&1
echo "t-port-status=$? $(cat /tmp/err)"
"$CRVMM" ps --vsock-uds /tmp/nothere.sock --timeout 1 > /tmp/err 2>&1
echo "t-nosock-status=$? $(cat /tmp/err)"
# Raw frames: unknown op then a valid request on the same connection.
printf '\015\000\000\000\001{"op":"fly"}\021\000\000\000\001{"op":"version"}' | c raw | sed 's/^/t-raw-unknown: /'
printf '\002\000\000\000\001\377' | c raw | sed 's/^/t-raw-utf8: /'
printf '\000\000\040\000\001' | c raw | sed 's/^/t-raw-big: /'
printf '\001\000\000\000\011' | c raw | sed 's/^/t-raw-kind: /'
printf '\021\000\000\000\001{"op":"restart"}\011\000\000\000\002KCRIMAGE' | c raw | sed 's/^/t-raw-cut: /'
c ps > /dev/null && echo t-still-serving=ok
"#;

#[test]
fn agent_commands_checkpoint_restart_and_faults_over_vsock() {
    let out = run_script(&with_guest(FUNCTIONAL), vec![]);
    let text = out.text();
    assert!(value(&out, "t-version").contains("protocol 1"), "{text}");
    assert!(has_line(&out, "t-ps=ok"), "{text}");
    assert_eq!(value(&out, "t-uname"), "6.12.117", "{text}");
    assert_eq!(value(&out, "t-exec-status"), "3 out=out err=err", "{text}");
    assert!(has_line(&out, "t-exec-json=ok"), "{text}");

    // Checkpoint over vsock, image valid on the host, restart continues.
    assert_eq!(value(&out, "t-checkpoint-status"), "0", "{text}");
    assert!(!has_line(&out, "t-partial-left"), "{text}");
    assert!(
        has_line(&out, "t-show=ok") && has_line(&out, "t-show-comm=ok"),
        "{text}"
    );
    assert!(has_line(&out, "t-killed=ok"), "{text}");
    assert!(has_line(&out, "t-logs=ok"), "{text}");
    assert!(has_line(&out, "t-running=ok"), "{text}");
    assert_eq!(value(&out, "t-kill-status"), "0", "{text}");
    // A spawned program with a child is checkpointed with it.
    assert!(value(&out, "t-tree-status").starts_with('0'), "{text}");
    assert_eq!(
        value(&out, "t-tree-show"),
        "process tree: 2 processes",
        "{text}"
    );
    let old: u32 = value(&out, "t-spawned").parse().expect("spawned pid");
    let new: u32 = value(&out, "t-restarted").parse().expect("restarted pid");
    // The restarted process has its old pid back (it was free), and its
    // count goes on: one run of 1, 2, 3, ... across the checkpoint, not a
    // second one from 1.
    assert_eq!(new, old, "the restarted process has its old pid:\n{text}");
    let counts: Vec<u64> = counter_lines(&out)
        .iter()
        .filter(|l| l.2 == old)
        .map(|l| l.0)
        .collect();
    assert!(
        counts.len() > 3 && counts.iter().enumerate().all(|(i, &n)| n == i as u64 + 1),
        "counter did not continue: {counts:?}\n{text}"
    );

    // Faults.
    let nopid = value(&out, "t-nopid-status");
    assert!(
        nopid.starts_with("1 ") && nopid.contains("NoSuchProcess"),
        "{text}"
    );
    assert!(!has_line(&out, "t-nopid-left"), "{text}");
    assert!(value(&out, "t-syslogd-ckpt").starts_with("0 "), "{text}");
    assert!(has_line(&out, "t-syslogd-killed=ok"), "{text}");
    assert_eq!(value(&out, "t-syslogd-lines"), "2", "{text}");
    let refused = value(&out, "t-refused-status");
    assert!(
        refused.starts_with("1 ")
            && refused.contains("CheckpointFailed")
            && refused.contains("socket")
            && refused.contains("deleted"),
        "{text}"
    );
    assert_eq!(value(&out, "t-refused-files"), "0", "{text}");
    assert_eq!(value(&out, "t-refused-cgroup"), "0::/", "{text}");
    assert!(
        value(&out, "t-init-status").contains("BadRequest"),
        "{text}"
    );
    assert!(
        value(&out, "t-kill-nopid-status").contains("NoSuchProcess"),
        "{text}"
    );
    for k in ["t-trunc-status", "t-flip-status"] {
        let v = value(&out, k);
        assert!(
            v.starts_with("1 ") && v.contains("RestartFailed"),
            "{k}: {text}"
        );
    }
    let port = value(&out, "t-port-status");
    assert!(
        port.starts_with("1 ") && port.contains("did not answer"),
        "{text}"
    );
    assert!(value(&out, "t-nosock-status").starts_with("1 "), "{text}");
    // Raw frames: each answered with the right reply.
    for (tag, reply) in [
        ("unknown", r#"{"reply":"error","code":"bad_request""#),
        ("unknown", r#"{"reply":"version""#),
        ("utf8", r#"{"reply":"error","code":"bad_request""#),
        ("big", r#"{"reply":"error","code":"frame_too_large""#),
        ("kind", r#"{"reply":"error","code":"bad_request""#),
        ("cut", r#"{"reply":"error","code":"restart_failed""#),
    ] {
        let line = format!("t-raw-{tag}: {reply}");
        assert!(has_line(&out, &line), "no '{line}' in:\n{text}");
    }
    assert!(has_line(&out, "t-still-serving=ok"), "{text}");
    assert!(
        !has_line(&out, "vm: [WARN") && !has_line(&out, "vm: [ERROR"),
        "{text}"
    );
    assert_eq!(value(&out, "t-vm-exit"), "0", "{text}");
}

const CYCLES: u32 = 50;

fn load_script() -> String {
    format!(
        r#"
# 8 concurrent clients (each retries while the guest boots).
jobs=""
for i in 1 2 3 4 5 6 7 8; do (c ps > /tmp/ps.$i 2>&1 && echo ok > /tmp/ok.$i) & jobs="$jobs $!"; done
for j in $jobs; do wait $j; done
n=0; for i in 1 2 3 4 5 6 7 8; do [ -e /tmp/ok.$i ] && n=$((n+1)) || sed "s/^/t-client-$i: /" /tmp/ps.$i; done
echo "t-concurrent=$n"
rss() {{ grep VmRSS /proc/$1/status | tr -s ' ' | cut -d' ' -f2; }}
agent=$(c ps | awk '$4 == "guest-agent" && $2 == 1 {{print $1}}')
pid=$(c spawn -- /bin/guest-agent counter 50)
sleep 1
i=0
while [ $i -lt {CYCLES} ]; do
    c checkpoint --pid "$pid" -o /tmp/l.img --kill > /dev/null || break
    pid=$(c restart /tmp/l.img | sed 's/.*guest pid //') || break
    i=$((i+1))
    [ $i = 5 ] && echo "t-vmm-rss-5=$(rss $vm)" && echo "t-agent-rss-5=$(c exec -- /bin/grep VmRSS /proc/$agent/status | tr -s ' ' | cut -d' ' -f2)"
done
echo "t-cycles=$i"
echo "t-vmm-rss-end=$(rss $vm)"
echo "t-agent-rss-end=$(c exec -- /bin/grep VmRSS /proc/$agent/status | tr -s ' ' | cut -d' ' -f2)"
sleep 0.5
echo "t-last-pid=$pid"
"#
    )
}

#[test]
fn eight_clients_and_fifty_checkpoint_restart_cycles() {
    let out = run_script(&with_guest(&load_script()), vec![]);
    let text = out.text();
    assert_eq!(value(&out, "t-concurrent"), "8", "{text}");
    assert_eq!(value(&out, "t-cycles"), CYCLES.to_string(), "{text}");
    // The counter's state survived every cycle: counts never go back and
    // the checksum stays consistent with the count (sum of 1..n mod 256
    // per touched byte is what the workload keeps; a lost page breaks it).
    let lines = counter_lines(&out);
    let last_pid: u32 = value(&out, "t-last-pid").parse().expect("pid");
    assert!(lines.iter().any(|l| l.2 == last_pid), "{text}");
    for w in lines.windows(2) {
        assert!(
            w[1].0 == w[0].0 + 1,
            "count jumped {:?} -> {:?}\n{text}",
            w[0],
            w[1]
        );
    }
    let kib = |k: &str| -> i64 {
        value(&out, k)
            .parse()
            .unwrap_or_else(|_| panic!("{k}: {text}"))
    };
    let vmm_growth = kib("t-vmm-rss-end") - kib("t-vmm-rss-5");
    let agent_growth = kib("t-agent-rss-end") - kib("t-agent-rss-5");
    eprintln!(
        "rss growth over {} cycles: vmm {vmm_growth} KiB, agent {agent_growth} KiB",
        CYCLES - 5
    );
    assert!(
        vmm_growth < 4096,
        "VMM memory grew by {vmm_growth} KiB:\n{text}"
    );
    assert!(
        agent_growth < 1024,
        "agent memory grew by {agent_growth} KiB:\n{text}"
    );
    assert_eq!(value(&out, "t-vm-exit"), "0", "{text}");
}

const INTERRUPTED: &str = r#"
pid=$(c spawn -- /bin/guest-agent hog 128) || echo "t-spawn-failed"
n=0; until grep -q "hog: 128 MiB dirty, pid $pid" /tmp/vm.log || [ $n -gt 600 ]; do sleep 0.2; n=$((n+1)); done
[ $n -gt 600 ] && echo "t-hog-never-ready"
# Waits until the image $1 is being written (its temp file exists), so that
# a kill lands mid-stream whatever the speed of the machine.
streaming() {
    n=0; until [ -e "/tmp/.$1.partial" ] || [ $n -gt 300 ]; do sleep 0.05; n=$((n+1)); done
    [ -e "/tmp/.$1.partial" ] || echo "t-$1-never-streamed"
}
# The host client is interrupted mid-stream.
"$CRVMM" checkpoint --vsock-uds $V --pid "$pid" -o /tmp/h.img > /dev/null 2>&1 &
cp=$!
streaming h.img
kill "$cp"
wait "$cp"
echo "t-client-killed-status=$?"
echo "t-client-killed-files=$(ls -a /tmp | grep -c 'h\.img')"
sleep 1
c exec -- /bin/sh -c "ls /sys/fs/cgroup | grep -c crvmm-ckpt" | sed 's/^/t-groups-after-client=/'
c exec -- /bin/cat /proc/$pid/cgroup | sed 's/^/t-hog-cgroup=/'
# The agent is killed mid-checkpoint: init restarts it, the new agent thaws
# the process the old one froze, and nothing is left on the host.
agent=$(c ps | awk '$4 == "guest-agent" && $2 == 1 {print $1}')
"$CRVMM" checkpoint --vsock-uds $V --pid "$pid" -o /tmp/k.img > /tmp/err 2>&1 &
cp=$!
streaming k.img
c spawn -- /bin/sh -c "kill -9 $agent" > /dev/null
wait "$cp"
echo "t-agent-killed-status=$? $(head -c 200 /tmp/err)"
sleep 1
echo "t-agent-killed-files=$(ls -a /tmp | grep -c 'k\.img')"
echo "t-after-agent-killed=$(c version)"
c exec -- /bin/sh -c "ls /sys/fs/cgroup | grep -c crvmm-ckpt" | sed 's/^/t-groups-after-agent=/'
c exec -- /bin/cat /proc/$pid/cgroup | sed 's/^/t-hog-cgroup2=/'
# --leave-stopped survives an agent restart.
c checkpoint --pid "$pid" -o /tmp/s.img --leave-stopped > /tmp/err 2>&1 && echo t-stopped=ok || sed 's/^/t-stopped-error: /' /tmp/err
agent=$(c ps | awk '$4 == "guest-agent" && $2 == 1 {print $1}')
c spawn -- /bin/sh -c "kill -9 $agent" > /dev/null
sleep 1
c exec -- /bin/cat /sys/fs/cgroup/crvmm-ckpt-$pid/cgroup.freeze | sed 's/^/t-still-frozen=/'
"#;

#[test]
fn interrupted_checkpoints_leave_nothing_behind() {
    let out = run_script(&with_guest(INTERRUPTED), vec![]);
    let text = out.text();
    assert!(!has_line(&out, "t-spawn-failed"), "{text}");
    assert!(!has_line(&out, "t-hog-never-ready"), "{text}");
    assert!(!has_line(&out, "-never-streamed"), "{text}");
    assert_eq!(value(&out, "t-client-killed-status"), "143", "{text}");
    assert_eq!(value(&out, "t-client-killed-files"), "0", "{text}");
    assert_eq!(value(&out, "t-groups-after-client"), "0", "{text}");
    assert_eq!(value(&out, "t-hog-cgroup"), "0::/", "{text}");
    let killed = value(&out, "t-agent-killed-status");
    assert!(killed.starts_with("1 "), "{text}");
    assert_eq!(value(&out, "t-agent-killed-files"), "0", "{text}");
    assert!(
        value(&out, "t-after-agent-killed").contains("protocol 1"),
        "{text}"
    );
    assert!(has_line(&out, "crvmm-init: agent exited"), "{text}");
    assert!(
        has_line(&out, "crvmm-agent: thawed 1 process group"),
        "{text}"
    );
    assert_eq!(value(&out, "t-groups-after-agent"), "0", "{text}");
    assert_eq!(value(&out, "t-hog-cgroup2"), "0::/", "{text}");
    assert!(has_line(&out, "t-stopped=ok"), "{text}");
    assert_eq!(value(&out, "t-still-frozen"), "1", "{text}");
    assert_eq!(value(&out, "t-vm-exit"), "0", "{text}");
}

/// The images the in-guest c/r suite writes; each must come out over vsock
/// and be read by `cr-vmm image show`.
const SUITE_IMAGES: [&str; 10] = [
    "self",
    "frozen",
    "signals",
    "creds",
    "files",
    "shm",
    "dr",
    "threads",
    "tree",
    "tree-agent",
];

/// zdtm cases whose images (`/tmp/zdtm/NAME/img`, written by the guest
/// kernel) `cr-vmm image show` must read too: named, listening and
/// credential-passing Unix sockets and files in flight, TCP listeners and
/// UDP sockets with datagrams queued, established TCP connections, TCP
/// connections not accepted yet, checked against the kernel's records.
const ZDTM_IMAGES: [&str; 9] = [
    "unix-listen",
    "unix-name-fork",
    "unix-passcred-fork",
    "unix-rights",
    "unix-external",
    "tcp-listen",
    "udp-queue",
    "tcp-conn",
    "tcp-backlog",
];

#[test]
fn image_show_reads_every_image_the_suite_produces() {
    let mut body = String::from(
        "c exec -- /bin/cr-suite 0 1 > /tmp/suite.log 2>&1\n\
         echo \"t-suite-status=$?\"\n\
         grep -c -- '-exit=0' /tmp/suite.log | sed 's/^/t-suite-passed=/'\n",
    );
    body.push_str(&format!(
        "c exec -- /bin/zdtm-run {} > /tmp/zdtm.log 2>&1\n\
         grep -c 'cr PASS' /tmp/zdtm.log | sed 's/^/t-zdtm-passed=/'\n\
         grep FAIL /tmp/zdtm.log | sed 's/^/t-zdtm-fail: /'\n",
        ZDTM_IMAGES.join(" ")
    ));
    for name in ZDTM_IMAGES {
        body.push_str(&format!(
            "c fetch /tmp/zdtm/{name}/img -o /tmp/host-{name}.img > /dev/null && \
             \"$CRVMM\" image show /tmp/host-{name}.img > /tmp/show-{name} 2>&1; \
             echo \"t-show-{name}=$? $(head -n1 /tmp/show-{name})\"\n\
             grep -c 'not accepted yet\\|name \\|files in flight\\|connected outside' /tmp/show-{name} | sed 's/^/t-unix-{name}=/'\n\
             grep -c 'tcp socket, listen\\|datagrams queued\\|connection: mss' /tmp/show-{name} | sed 's/^/t-inet-{name}=/'\n\
             grep -c 'connections not accepted yet' /tmp/show-{name} | sed 's/^/t-queued-{name}=/'\n"
        ));
    }
    for name in SUITE_IMAGES {
        body.push_str(&format!(
            "c fetch /tmp/{name}.img -o /tmp/host-{name}.img > /dev/null && \
             \"$CRVMM\" image show /tmp/host-{name}.img > /tmp/show-{name} 2>&1; \
             echo \"t-show-{name}=$? $(head -n1 /tmp/show-{name})\"\n\
             \"$CRVMM\" image show --json /tmp/host-{name}.img > /dev/null && echo t-json-{name}=ok\n\
             \"$CRVMM\" image show --tree /tmp/host-{name}.img > /dev/null && echo t-tree-{name}=ok\n"
        ));
    }
    body.push_str(
        "c fetch /tmp/nothere.img -o /tmp/nothere.img > /tmp/err 2>&1\n\
         echo \"t-fetch-missing=$? $(cat /tmp/err) $(ls -a /tmp | grep -c nothere)\"\n",
    );
    let out = run_script(&with_guest(&body), vec![]);
    let text = out.text();
    assert_eq!(value(&out, "t-suite-status"), "0", "{text}");
    for name in SUITE_IMAGES {
        let show = value(&out, &format!("t-show-{name}"));
        assert!(
            show.starts_with("0 image: format v"),
            "image show {name}: {show}\n{text}"
        );
        assert!(has_line(&out, &format!("t-json-{name}=ok")), "{text}");
        assert!(has_line(&out, &format!("t-tree-{name}=ok")), "{text}");
    }
    assert_eq!(
        value(&out, "t-zdtm-passed"),
        ZDTM_IMAGES.len().to_string(),
        "{text}"
    );
    for name in ZDTM_IMAGES {
        let show = value(&out, &format!("t-show-{name}"));
        assert!(
            show.starts_with("0 image: format v"),
            "image show {name}: {show}\n{text}"
        );
    }
    // The listener's connections and the names are shown.
    assert_ne!(value(&out, "t-unix-unix-listen"), "0", "{text}");
    assert_ne!(value(&out, "t-unix-unix-name-fork"), "0", "{text}");
    assert_ne!(value(&out, "t-unix-unix-rights"), "0", "{text}");
    assert_ne!(value(&out, "t-unix-unix-external"), "0", "{text}");
    // The TCP listeners and the UDP datagrams queued are shown.
    assert_ne!(value(&out, "t-inet-tcp-listen"), "0", "{text}");
    assert_ne!(value(&out, "t-inet-udp-queue"), "0", "{text}");
    assert_ne!(value(&out, "t-inet-tcp-conn"), "0", "{text}");
    // A listener's connections not accepted yet are shown.
    assert_ne!(value(&out, "t-queued-tcp-backlog"), "0", "{text}");
    assert_eq!(value(&out, "t-queued-tcp-listen"), "0", "{text}");
    let missing = value(&out, "t-fetch-missing");
    assert!(
        missing.starts_with("1 ") && missing.contains("NoSuchFile") && missing.ends_with(" 0"),
        "{text}"
    );
    assert_eq!(value(&out, "t-vm-exit"), "0", "{text}");
}
