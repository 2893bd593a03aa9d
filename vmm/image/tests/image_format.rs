//! The Rust mirror of the image format (`kcr_image::format`) against the
//! kernel's uapi header `include/uapi/linux/kcr.h`, the format's one
//! definition: the header is compiled with the host C compiler and every
//! struct size, field offset, field size and constant must match. The two
//! cannot drift apart without this test failing. The `IN_*` bits the
//! inotify records carry, which `kcr.h` takes from `<linux/inotify.h>`,
//! are checked against that header the same way, and so are the socket
//! types, states and inode type the UNIX records carry, and the families,
//! protocols, states and path MTU discovery modes the INET records carry,
//! and the window bounds of the TCP_CONN records.

use std::fmt::Write as _;
use std::process::Command;

use kcr_image::format::{constants, layout};

/// kcr.h as the patch series creates it.
fn kcr_h() -> String {
    xtask::images::kcr_header()
        .expect("reading guest-kernel-cfg/patches")
        .expect("no patch in guest-kernel-cfg/patches creates include/uapi/linux/kcr.h")
}

/// Compiles and runs the C program `src` (with `kcr.h` next to it) and
/// returns what it prints.
fn run_c(src: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kcr.h"), kcr_h()).unwrap();
    let c = dir.path().join("layout.c");
    std::fs::write(&c, src).unwrap();
    let exe = dir.path().join("layout");
    let out = Command::new("cc")
        .arg("-Wall")
        .arg("-o")
        .arg(&exe)
        .arg(&c)
        .output()
        .expect("a C compiler (cc) is needed for this test");
    assert!(
        out.status.success(),
        "compiling against kcr.h failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&exe).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The inotify bits that `format::inotify_mask` names (and the
/// `NAME_MAX` its event names are bounded by) are those of the kernel's
/// `<linux/inotify.h>` (`<linux/limits.h>`), which `kcr.h` does not
/// define: each name is its `IN_*` constant's.
#[test]
fn inotify_bits_match_the_kernel_headers() {
    use kcr_image::format::{inotify_mask, NAME_MAX};
    let mut want: Vec<(String, u64)> = inotify_mask::NAMES
        .iter()
        .map(|(bit, name)| {
            let c = format!("IN_{}", name.to_uppercase().replace('-', "_"));
            (c, u64::from(*bit))
        })
        .collect();
    want.push(("IN_ALL_EVENTS".into(), inotify_mask::ALL_EVENTS.into()));
    want.push(("NAME_MAX".into(), NAME_MAX.into()));
    assert_c_values(&["linux/inotify.h", "linux/limits.h"], &want);
}

/// Each C expression of `want` has the value given, with `headers`
/// included.
fn assert_c_values<S: AsRef<str>>(headers: &[&str], want: &[(S, u64)]) {
    let mut c = String::from("#include <stdio.h>\n");
    for h in headers {
        let _ = writeln!(c, "#include <{h}>");
    }
    c.push_str("int main(void) {\n");
    for (name, _) in want {
        let name = name.as_ref();
        let _ = writeln!(
            c,
            "printf(\"{name} %llu\\n\", (unsigned long long)({name}));"
        );
    }
    c.push_str("return 0;\n}\n");
    let rust_side: String = want
        .iter()
        .map(|(n, v)| format!("{} {v}\n", n.as_ref()))
        .collect();
    assert_eq!(run_c(&c), rust_side);
}

/// The terminal constants that `format::tty` names (which `kcr.h` takes
/// from the kernel's `<linux/major.h>`, `<linux/tty.h>` and
/// `<asm/termbits.h>`), and the flag masks of `kcr.h` as the runs of bits
/// its comments name (`IGNBRK .. IUTF8`, `OPOST .. FFDLY`, `ISIG ..
/// EXTPROC`), are those headers'.
#[test]
fn tty_constants_match_the_kernel_headers() {
    use kcr_image::format::{tty, KCR_TTY_IFLAGS, KCR_TTY_LFLAGS, KCR_TTY_OFLAGS};
    let want: Vec<(&str, u64)> = vec![
        ("TTY_MAJOR", tty::TTY_MAJOR.into()),
        ("TTYAUX_MAJOR", tty::TTYAUX_MAJOR.into()),
        ("UNIX98_PTY_SLAVE_MAJOR", tty::UNIX98_PTY_SLAVE_MAJOR.into()),
        ("UNIX98_PTY_MAJOR_COUNT", tty::UNIX98_PTY_MAJOR_COUNT.into()),
        ("N_TTY", tty::N_TTY.into()),
        ("NCCS", tty::NCCS as u64),
        ("(IGNBRK | ((IUTF8 << 1) - 1))", KCR_TTY_IFLAGS.into()),
        ("(OPOST | ((FFDLY << 1) - 1))", KCR_TTY_OFLAGS.into()),
        ("(ISIG | ((EXTPROC << 1) - 1))", KCR_TTY_LFLAGS.into()),
    ];
    assert_c_values(&["asm/termbits.h", "linux/major.h", "linux/tty.h"], &want);
}

/// The socket types and states (`SOCK_*`, `TCP_*`), the shutdown bits as
/// `shutdown()` takes them (`SHUT_RD` + 1, `SHUT_WR` + 1: the kernel's
/// `RCV_SHUTDOWN`, `SEND_SHUTDOWN`), the inode type (`S_IFSOCK`) and the
/// layout of a name (`AF_UNIX`, `struct sockaddr_un`) that
/// `format::unix_sock` names, which `kcr.h` takes from the kernel's
/// socket headers, are the C library's (the same values as the kernel's).
#[test]
fn unix_socket_constants_match_the_system_headers() {
    use kcr_image::format::unix_sock::*;
    let want: Vec<(&str, u64)> = vec![
        ("SOCK_STREAM", STREAM.into()),
        ("SOCK_DGRAM", DGRAM.into()),
        ("SOCK_SEQPACKET", SEQPACKET.into()),
        ("TCP_ESTABLISHED", ESTABLISHED.into()),
        ("TCP_CLOSE", CLOSE.into()),
        ("TCP_LISTEN", LISTEN.into()),
        ("(SHUT_RD + 1)", RCV_SHUTDOWN.into()),
        ("(SHUT_WR + 1)", SEND_SHUTDOWN.into()),
        ("S_IFSOCK", S_IFSOCK.into()),
        ("AF_UNIX", AF_UNIX.into()),
        (
            "offsetof(struct sockaddr_un, sun_path)",
            SUN_PATH_OFF.into(),
        ),
        ("sizeof(struct sockaddr_un)", SOCKADDR_UN_LEN.into()),
    ];
    assert_c_values(
        &[
            "stddef.h",
            "sys/socket.h",
            "sys/un.h",
            "netinet/tcp.h",
            "sys/stat.h",
        ],
        &want,
    );
}

/// The families (`AF_*`), protocols (`IPPROTO_*`) and path MTU discovery
/// modes (`IP_PMTUDISC_*`, the same as `IPV6_PMTUDISC_*`) that
/// `format::inet_sock` names, the states of `format::inet_state` (the
/// kernel's `TCP_*`) and the size of the addresses an INET record holds
/// (`struct in_addr` in the first bytes of `struct in6_addr`'s), which
/// `kcr.h` takes from the kernel's socket headers, are the C library's
/// (the same values as the kernel's); so are the largest window scale and
/// unscaled window of `format::tcp_conn` (the kernel's `TCP_MAX_WSCALE`,
/// glibc's `TCP_MAX_WINSHIFT`, and `TCP_MAXWIN`). (`TCP_MIN_MSS`, 88, is
/// the kernel's only.)
#[test]
fn inet_socket_constants_match_the_system_headers() {
    use kcr_image::format::{inet_sock::*, inet_state, tcp_conn};
    let want: Vec<(&str, u64)> = vec![
        ("AF_INET", AF_INET.into()),
        ("AF_INET6", AF_INET6.into()),
        ("IPPROTO_TCP", IPPROTO_TCP.into()),
        ("IPPROTO_UDP", IPPROTO_UDP.into()),
        ("IP_PMTUDISC_WANT", IP_PMTUDISC_WANT.into()),
        ("IP_PMTUDISC_OMIT", IP_PMTUDISC_OMIT.into()),
        ("IPV6_PMTUDISC_WANT", IP_PMTUDISC_WANT.into()),
        ("IPV6_PMTUDISC_OMIT", IP_PMTUDISC_OMIT.into()),
        ("TCP_CLOSE", inet_state::CLOSE.into()),
        ("TCP_LISTEN", inet_state::LISTEN.into()),
        ("TCP_ESTABLISHED", inet_state::CONNECTED.into()),
        ("sizeof(struct in_addr)", 4),
        ("sizeof(struct in6_addr)", 16),
        ("TCP_MAX_WINSHIFT", tcp_conn::MAX_WSCALE.into()),
        ("TCP_MAXWIN", tcp_conn::MAX_WINDOW.into()),
    ];
    assert_c_values(&["sys/socket.h", "netinet/in.h", "netinet/tcp.h"], &want);
}

#[test]
fn rust_mirror_matches_the_kernel_header() {
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include \"kcr.h\"\nint main(void) {\n",
    );
    for (s, f, _, _) in layout() {
        if f.is_empty() {
            let _ = writeln!(c, "printf(\"{s} . 0 %zu\\n\", sizeof(struct {s}));");
        } else {
            let _ = writeln!(
                c,
                "printf(\"{s} {f} %zu %zu\\n\", offsetof(struct {s}, {f}), sizeof(((struct {s} *)0)->{f}));"
            );
        }
    }
    for (name, _) in constants() {
        let _ = writeln!(
            c,
            "printf(\"{name} %llu\\n\", (unsigned long long)({name}));"
        );
    }
    c.push_str("return 0;\n}\n");
    let c_side = run_c(&c);

    let mut rust_side = String::new();
    for (s, f, off, size) in layout() {
        if f.is_empty() {
            let _ = writeln!(rust_side, "{s} . 0 {size}");
        } else {
            let _ = writeln!(rust_side, "{s} {f} {off} {size}");
        }
    }
    for (name, v) in constants() {
        let _ = writeln!(rust_side, "{name} {v}");
    }
    let diffs: Vec<_> = c_side
        .lines()
        .zip(rust_side.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("kcr.h: {a}\nrust:  {b}"))
        .collect();
    assert!(
        diffs.is_empty(),
        "the Rust mirror differs from kcr.h:\n{}",
        diffs.join("\n")
    );
    assert_eq!(c_side.lines().count(), rust_side.lines().count());
}
