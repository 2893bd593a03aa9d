//! Real programs nobody here wrote, checkpointed and restarted: Debian's
//! redis-server, python3, sqlite3 and a shell pipeline, on the Debian root
//! filesystem (`cargo xtask images rootfs`) under cr-vmm, driven over
//! vsock from the host. Each is started, loaded with state, checkpointed
//! with `--kill`, restarted, and checked from outside. A refusal fails the
//! test with the kernel's named reason (the VM's log is printed).
//!
//! `tests/programs.xfail` lists the programs that fail today with why: such
//! a failure is printed and counted, and a listed program that passes
//! fails the test (so the list only shrinks).

use e2e::{run_script_with_drives, value};
use xtask::nested::shell_quote;

/// Starts the rootfs guest with the agent on vsock (`$V`, `c CMD`), 1 GiB,
/// the tap `crt0` (host 172.16.0.1, guest 172.16.0.2), console in
/// /tmp/vm.log; `show_log` prints the guest's log and the kernel's c/r
/// lines at the end.
const PRELUDE: &str = r#"
V=/tmp/v.sock
c() { sub=$1; shift; "$CRVMM" "$sub" --vsock-uds $V "$@"; }
tunctl -t crt0 > /dev/null
ip addr add 172.16.0.1/24 dev crt0
ip link set crt0 up
"$CRVMM" run --kernel "$IMAGES/bzImage" --rootfs "$DRIVE0" --mem-mib 1024 --vsock-uds $V \
    --tap crt0 --append 'ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off -- sleep 100000' \
    > /tmp/vm.log 2>&1 &
vm=$!
c version > /dev/null || echo t-boot-failed
show_log() { sed 's/^/vm: /' /tmp/vm.log; }
trap show_log EXIT
"#;

/// `tests/programs.xfail`: test name -> why.
fn xfail(name: &str) -> Option<String> {
    let text = include_str!("programs.xfail");
    text.lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .find_map(|l| {
            let (n, why) = l.split_once(' ').unwrap_or((l, ""));
            (n == name).then(|| why.trim().to_string())
        })
}

/// Runs `check` (the test's assertions) under the xfail list.
fn checked(name: &str, check: impl FnOnce() + std::panic::UnwindSafe) {
    let r = std::panic::catch_unwind(check);
    match (r, xfail(name)) {
        (Ok(()), None) => {}
        (Ok(()), Some(_)) => panic!("{name} passes now: remove it from tests/programs.xfail"),
        (Err(e), Some(why)) => {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let first = msg.lines().next().unwrap_or("");
            eprintln!("programs: KNOWN FAILURE {name} ({why}): {first}");
        }
        (Err(e), None) => std::panic::resume_unwind(e),
    }
}

fn rootfs() -> std::path::PathBuf {
    let img = xtask::rootfs::image();
    assert!(
        img.exists(),
        "{} is missing: `cargo xtask test` builds it (or run `cargo xtask images rootfs`)",
        img.display()
    );
    img
}

fn run(body: &str) -> xtask::nested::Output {
    run_script_with_drives(&format!("{PRELUDE}{body}"), vec![rootfs()], 3)
}

/// `checkpoint --kill` of `$1`'s tree into /tmp/$2.img, restart; prints
/// t-ckpt-$2, t-restart-$2 (status and message) and sets `$new`.
const CR: &str = r#"
cr() {
    c checkpoint --pid "$1" -o /tmp/$2.img --kill > /tmp/ck.out 2>&1
    echo "t-ckpt-$2=$? $(tr '\n' ' ' < /tmp/ck.out)"
    c restart /tmp/$2.img > /tmp/rs.out 2>&1
    echo "t-restart-$2=$? $(tr '\n' ' ' < /tmp/rs.out)"
    new=$(sed -n 's/.*guest pid \([0-9]*\).*/\1/p' /tmp/rs.out)
}
"#;

fn assert_cr(out: &xtask::nested::Output, name: &str) {
    let text = out.text();
    assert!(
        !text.contains("t-boot-failed"),
        "the guest did not boot:\n{text}"
    );
    let ck = value(out, &format!("t-ckpt-{name}"));
    assert!(
        ck.starts_with('0'),
        "checkpoint of {name} failed: {ck}\n{text}"
    );
    let rs = value(out, &format!("t-restart-{name}"));
    assert!(
        rs.starts_with('0'),
        "restart of {name} failed: {rs}\n{text}"
    );
}

#[test]
fn redis_keeps_its_keys_and_its_client_across_checkpoint_restart() {
    let body = format!(
        r#"{CR}
rp=$(c spawn -- /usr/bin/redis-server --port 6379 --save '' --appendonly no --protected-mode no)
for i in $(seq 1 100); do [ "$(c exec -- redis-cli ping 2>/dev/null)" = PONG ] && break; sleep 0.3; done
c exec -- sh -c 'seq 1 100000 | sed "s/.*/SET key:& value-&-$(printf %040d 0)/" | redis-cli --pipe' | tail -n 2
# Every value checked inside redis (one round trip): how many are right.
sum() {{ c exec -- redis-cli eval "local n=0 for i=1,100000 do if redis.call('GET','key:'..i)=='value-'..i..'-'..string.rep('0',40) then n=n+1 end end return n" 0; }}
echo "t-before=$(c exec -- redis-cli dbsize) $(sum)"
# A client outside the checkpointed tree, connected across it.
c spawn -- python3 -c {client} > /dev/null
for i in $(seq 1 100); do grep -q '^client-before' /tmp/vm.log && break; sleep 0.2; done
cr "$rp" redis
echo "t-after=$(c exec -- redis-cli dbsize) $(sum)"
c exec -- touch /tmp/go
for i in $(seq 1 100); do grep -q '^client-after' /tmp/vm.log && break; sleep 0.2; done
grep '^client-' /tmp/vm.log | sed 's/^/t-/;s/: /=/'
"#,
        client = shell_quote(
            "import socket, os, time\n\
             s = socket.create_connection(('127.0.0.1', 6379))\n\
             s.sendall(b'GET key:77777\\r\\n')\n\
             print('client-before:', s.recv(100).split()[1].decode(), flush=True)\n\
             while not os.path.exists('/tmp/go'): time.sleep(0.1)\n\
             s.sendall(b'GET key:31337\\r\\n')\n\
             print('client-after:', s.recv(100).split()[1].decode(), flush=True)\n"
        )
    );
    let out = run(&body);
    checked("redis", move || {
        let text = out.text();
        let before = value(&out, "t-before").to_string();
        assert_eq!(before, "100000 100000", "{text}");
        assert_cr(&out, "redis");
        assert_eq!(
            value(&out, "t-after"),
            before,
            "keys after restart:\n{text}"
        );
        let pad = "0".repeat(40);
        assert_eq!(
            value(&out, "t-client-before"),
            format!("value-77777-{pad}"),
            "{text}"
        );
        assert_eq!(
            value(&out, "t-client-after"),
            format!("value-31337-{pad}"),
            "the client's connection after restart:\n{text}"
        );
    });
}

/// A Python program with a running generator, a file being written, and
/// an asyncio TCP server that a client on the host talks to.
const PYTHON: &str = r#"
import asyncio, sys

def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b

gen = fib()
out = open('/root/py.out', 'w')

async def handle(reader, writer):
    while line := await reader.readline():
        writer.write(b'echo: ' + line)
        await writer.drain()
    writer.close()

async def compute():
    for i in range(1, 100000):
        n = next(gen)
        out.write(f'{i} {n % 1000003}\n')
        out.flush()
        await asyncio.sleep(0.01)

async def main():
    server = await asyncio.start_server(handle, '0.0.0.0', 9000)
    print('py-ready', flush=True)
    await compute()

asyncio.run(main())
"#;

#[test]
fn a_python_program_keeps_its_generator_file_and_asyncio_server() {
    let body = format!(
        r#"{CR}
c exec -- sh -c "printf %s {prog} > /root/prog.py"
pp=$(c spawn -- python3 /root/prog.py)
for i in $(seq 1 150); do grep -q '^py-ready' /tmp/vm.log && break; sleep 0.2; done
# The host's client: one line before, one while the program is gone, one after.
(echo before; sleep 6; echo during; sleep 6; echo after; sleep 3) | nc 172.16.0.2 9000 > /tmp/nc.out &
ncp=$!
sleep 2
echo "t-lines-before=$(c exec -- wc -l /root/py.out | cut -d' ' -f1)"
cr "$pp" py
sleep 3
wait $ncp
tr '\n' '|' < /tmp/nc.out | sed 's/^/t-nc=/'; echo
c exec -- sh -c 'sleep 2; tail -n 1 /root/py.out' | sed 's/^/t-last=/'
c exec -- python3 -c {check} | sed 's/^/t-check=/'
"#,
        prog = shell_quote(PYTHON),
        check = shell_quote(
            "a, b = 0, 1\n\
             bad = 0\n\
             n = 0\n\
             for i, line in enumerate(open('/root/py.out'), 1):\n\
             \x20   k, v = map(int, line.split())\n\
             \x20   bad += (k != i) or (v != a % 1000003)\n\
             \x20   a, b = b, a + b\n\
             \x20   n = i\n\
             print(n, 'bad', bad)\n"
        )
    );
    let out = run(&body);
    checked("python", move || {
        let text = out.text();
        assert_cr(&out, "py");
        assert_eq!(
            value(&out, "t-nc"),
            "echo: before|echo: during|echo: after|",
            "the host's connection across the checkpoint:\n{text}"
        );
        let before: u64 = value(&out, "t-lines-before").parse().expect("lines");
        let check = value(&out, "t-check");
        let (n, rest) = check.split_once(' ').expect("check line");
        let n: u64 = n.parse().expect("count");
        assert!(
            n > before + 50,
            "the generator went on after restart:\n{text}"
        );
        assert_eq!(
            rest, "bad 0",
            "the file's lines follow the generator:\n{text}"
        );
    });
}

#[test]
fn sqlite_in_the_middle_of_a_transaction_commits_after_restart() {
    let body = format!(
        r#"{CR}
c exec -- sqlite3 /root/db.sqlite 'CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (0);'
sp=$(c spawn -- sh -c '(echo "BEGIN;"; seq 1 5000 | sed "s/.*/INSERT INTO t VALUES (&);/"; sleep 8; echo "COMMIT;") | sqlite3 /root/db.sqlite; echo sqlite-done=$?')
sleep 4
echo "t-during=$(c exec -- sqlite3 /root/db.sqlite 'SELECT count(*) FROM t' 2>&1)"
cr "$sp" sqlite
for i in $(seq 1 100); do grep -q '^sqlite-done' /tmp/vm.log && break; sleep 0.3; done
grep '^sqlite-done' /tmp/vm.log | sed 's/^/t-/'
echo "t-rows=$(c exec -- sqlite3 /root/db.sqlite 'SELECT count(*), sum(x) FROM t')"
echo "t-integrity=$(c exec -- sqlite3 /root/db.sqlite 'PRAGMA integrity_check')"
"#
    );
    let out = run(&body);
    checked("sqlite", move || {
        let text = out.text();
        assert_cr(&out, "sqlite");
        // While the transaction was open, a reader saw only the committed row
        // (or waited on the lock).
        let during = value(&out, "t-during");
        assert!(during == "1" || during.contains("locked"), "{text}");
        assert_eq!(value(&out, "t-sqlite-done"), "0", "{text}");
        assert_eq!(value(&out, "t-rows"), "5001|12502500", "{text}");
        assert_eq!(value(&out, "t-integrity"), "ok", "{text}");
    });
}

#[test]
fn a_shell_pipeline_checkpointed_mid_stream_completes_its_output() {
    let body = format!(
        r#"{CR}
sp=$(c spawn -- sh -c 'i=0; while [ $i -lt 60000 ]; do echo "line-$i"; i=$((i+1)); done | gzip -1 > /root/out.gz; echo pipe-done=$?')
sleep 3
cr "$sp" pipe
for i in $(seq 1 300); do grep -q '^pipe-done' /tmp/vm.log && break; sleep 0.3; done
grep '^pipe-done' /tmp/vm.log | sed 's/^/t-/'
echo "t-lines=$(c exec -- sh -c 'gunzip -c /root/out.gz | wc -l')"
echo "t-last=$(c exec -- sh -c 'gunzip -c /root/out.gz | tail -n 1')"
echo "t-sum=$(c exec -- sh -c 'gunzip -c /root/out.gz | md5sum | cut -c1-32')"
echo "t-want=$(c exec -- sh -c 'i=0; while [ $i -lt 60000 ]; do echo "line-$i"; i=$((i+1)); done | md5sum | cut -c1-32')"
"#
    );
    let out = run(&body);
    checked("pipeline", move || {
        let text = out.text();
        assert_cr(&out, "pipe");
        assert_eq!(value(&out, "t-pipe-done"), "0", "{text}");
        assert_eq!(value(&out, "t-lines"), "60000", "{text}");
        assert_eq!(value(&out, "t-last"), "line-59999", "{text}");
        assert_eq!(value(&out, "t-sum"), value(&out, "t-want"), "{text}");
    });
}
