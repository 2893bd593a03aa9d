//! Printing an image: a summary (`cr-vmm image show`), the path tree of the
//! filesystem-view design (`--tree`: `task-PID/mm/vmas/N/start = …`), or
//! JSON (`--json`).

use std::fmt::Write;

use crate::format::{inet_sock, KCR_TREE_DEAD, KCR_TREE_ZOMBIE};
use crate::parse::{
    unix_name_text, Attrs, Ctty, FileObj, Fown, Image, InetSock, InotifyEvent, InotifyWatch, Lock,
    Ptimer, SockOpts, Task, TcpConn, TcpOpts, Tty, UdpDgram, UdpQueue, UnixBuf, UnixCreds,
    UnixEmbryo, UnixSock, Vma,
};

fn prot(p: u32) -> String {
    let b = |bit, c| if p & bit != 0 { c } else { '-' };
    [b(1, 'r'), b(2, 'w'), b(4, 'x')].iter().collect()
}

fn file_desc(f: &FileObj) -> String {
    match f.kind {
        "pipe" => format!(
            "pipe end ({}) of pipe #{}",
            if f.f_flags & 3 == 0 { "read" } else { "write" },
            f.pipe.unwrap_or(0)
        ),
        "shmem" => format!(
            "{} {} ({} bytes, {} pages saved, pos {}){}",
            f.kind,
            f.path,
            f.size,
            f.pages,
            f.pos,
            match f.seals.as_deref() {
                None => String::new(),
                Some([]) => ", sealable, no seals".to_string(),
                Some(v) => format!(", seals {}", v.join(",")),
            }
        ),
        "ghost" => format!(
            "ghost {} (deleted) {} pages saved ({} bytes, ino {}, mode {:o}, pos {}, flags {:#o})",
            f.path, f.pages, f.size, f.ino, f.mode, f.pos, f.f_flags
        ),
        "eventfd" => {
            let e = f.eventfd.unwrap_or(crate::parse::Eventfd {
                count: 0,
                semaphore: false,
            });
            format!(
                "eventfd count {}{} (flags {:#o})",
                e.count,
                if e.semaphore { ", semaphore" } else { "" },
                f.f_flags
            )
        }
        "epoll" => {
            let items = f.epoll.as_deref().unwrap_or(&[]);
            let mut s = format!("epoll of {} items (flags {:#o})", items.len(), f.f_flags);
            for it in items {
                let _ = write!(
                    s,
                    "; #{} as fd {} events {:#x}{} data {:#x}",
                    it.file,
                    it.fd,
                    it.events,
                    if it.ready { " ready" } else { "" },
                    it.data
                );
            }
            s
        }
        "timerfd" => {
            let t = f.timerfd.unwrap_or(crate::parse::Timerfd {
                clock: "",
                absolute: false,
                cancel_on_set: false,
                value_ns: 0,
                interval_ns: 0,
                ticks: 0,
            });
            let when = if t.value_ns == 0 {
                "disarmed".to_string()
            } else if t.absolute && t.clock == "realtime" {
                format!("expires at {} ns since the epoch", t.value_ns)
            } else {
                format!("{} ns left", t.value_ns)
            };
            format!(
                "timerfd {}{}{}, {when}, interval {} ns, {} expirations unread (flags {:#o})",
                t.clock,
                if t.absolute { " absolute" } else { "" },
                if t.cancel_on_set {
                    " cancel-on-set"
                } else {
                    ""
                },
                t.interval_ns,
                t.ticks,
                f.f_flags
            )
        }
        "inotify" => {
            let (cursor, watches, events) = f.inotify.as_ref().map_or((0, &[][..], &[][..]), |i| {
                (i.cursor, &i.watches[..], &i.events[..])
            });
            let mut s = format!(
                "inotify of {} watches, {} queued events, cursor {cursor} (flags {:#o})",
                watches.len(),
                events.len(),
                f.f_flags
            );
            for w in watches {
                let _ = write!(s, "\n  watch {}", inotify_watch_line(w));
            }
            for (i, e) in events.iter().enumerate() {
                let _ = write!(s, "\n  event {i}: {}", inotify_event_line(e));
            }
            s
        }
        "unix" => match &f.unix {
            Some(u) => {
                let mut s = format!(
                    "unix {} socket, {}, {} (flags {:#o})",
                    u.type_,
                    u.state,
                    unix_queue_text(u),
                    f.f_flags
                );
                if let Some(name) = unix_name_line(u) {
                    let _ = write!(s, "\n  {name}");
                }
                let _ = write!(s, "\n  options: {}", unix_options(u));
                unix_fds_lines(&mut s, "  ", &u.queue.buffers);
                for (i, e) in u.embryos.iter().enumerate() {
                    let _ = write!(
                        s,
                        "\n  connection {i} not accepted yet: {}",
                        unix_embryo_text(e)
                    );
                    unix_fds_lines(&mut s, "    ", &e.buffers);
                }
                s
            }
            None => format!("unix socket (flags {:#o})", f.f_flags),
        },
        "inet" => match &f.inet {
            Some(i) => {
                let mut s = format!(
                    "inet {} {} socket, {}, {} (flags {:#o})\n  options: {}",
                    i.family,
                    i.protocol,
                    i.state,
                    inet_addr_text(i),
                    f.f_flags,
                    inet_options(i)
                );
                if let Some(q) = &i.queue {
                    udp_queue_lines(&mut s, q);
                }
                if let Some(c) = &i.conn {
                    let _ = write!(s, "\n  connection: {}", tcp_conn_text(c));
                }
                if let Some(q) = &i.accept_queue {
                    accept_queue_lines(&mut s, q);
                }
                s
            }
            None => format!("inet socket (flags {:#o})", f.f_flags),
        },
        "signalfd" => format!(
            "signalfd of signals {} (flags {:#o})",
            sig_list(f.signalfd.unwrap_or(0)),
            f.f_flags
        ),
        "chardev" => format!(
            "{} {} (char {}:{}, flags {:#o}){}",
            f.kind,
            f.path,
            f.rdev >> 20,
            f.rdev & 0xfffff,
            f.f_flags,
            f.tty
                .as_ref()
                .map(|t| format!(", terminal {}", tty_line(t)))
                .unwrap_or_default()
        ),
        _ => format!(
            "{} {} (ino {}, {} bytes, pos {}, flags {:#o})",
            f.kind, f.path, f.ino, f.size, f.pos, f.f_flags
        ),
    }
}

/// A socket's peer and queue: `peer #51, 2 buffers queued (11 bytes)`,
/// `no peer, nothing queued`, `connecting to #60 (not accepted yet),
/// nothing queued`, `connected outside to /run/daemon.sock (connects
/// again on restart), nothing queued`; a listener's backlog and
/// connections: `listening, backlog 5, 2 connections not accepted yet`.
fn unix_queue_text(u: &UnixSock) -> String {
    let q = &u.queue;
    if u.state == "listen" {
        return format!(
            "listening, backlog {}, {} connections not accepted yet",
            u.backlog,
            u.embryos.len()
        );
    }
    let peer = match (q.peer, q.peer_file) {
        ("file", Some(id)) => format!("peer #{id}"),
        ("embryo", Some(id)) => format!("connecting to #{id} (not accepted yet)"),
        ("dead", _) => "peer closed".to_string(),
        ("external", _) => format!(
            "connected outside to {} (connects again on restart)",
            unix_name_text(&q.peer_name)
        ),
        _ => "no peer".to_string(),
    };
    format!("{peer}, {}", unix_bufs_text(&q.buffers, q.bytes))
}

/// A line (after `indent`) for each of `buffers` that carries files in
/// flight: `buffer 1: 3 bytes, files in flight #7 #52 #7`.
fn unix_fds_lines(s: &mut String, indent: &str, buffers: &[UnixBuf]) {
    for (i, b) in buffers
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.fds.is_empty())
    {
        let ids: Vec<String> = b.fds.iter().map(|id| format!("#{id}")).collect();
        let _ = write!(
            s,
            "\n{indent}buffer {i}: {} bytes, files in flight {}",
            b.len,
            ids.join(" ")
        );
    }
}

/// Buffers queued: `2 buffers queued (11 bytes)`, `nothing queued`.
fn unix_bufs_text(buffers: &[UnixBuf], bytes: u64) -> String {
    if buffers.is_empty() {
        "nothing queued".to_string()
    } else {
        format!("{} buffers queued ({bytes} bytes)", buffers.len())
    }
}

/// A socket's name and socket file, if it has a name: `name /run/s.sock,
/// socket file inode 7 mode 140755 owner 1000:1000`, `name @cr\x00vmm`,
/// `name /run/l.sock (of its listener)`.
fn unix_name_line(u: &UnixSock) -> Option<String> {
    if u.name.is_empty() {
        return None;
    }
    let mut s = format!("name {}", unix_name_text(&u.name));
    if !u.bound {
        s.push_str(" (of its listener)");
    }
    if let Some(n) = &u.node {
        let _ = write!(
            s,
            ", socket file {} inode {} mode {:o} owner {}:{}",
            n.path, n.ino, n.mode, n.uid, n.gid
        );
    }
    Some(s)
}

/// A connection not accepted yet: `from #61, nothing queued, peer
/// credentials pid 42 uid 0 gid 0`, `from a closed socket, 1 buffers
/// queued (5 bytes), shut down for write`.
fn unix_embryo_text(e: &UnixEmbryo) -> String {
    let from = match e.peer_file {
        Some(id) => format!("from #{id}"),
        None => "from a closed socket".to_string(),
    };
    let mut s = format!("{from}, {}", unix_bufs_text(&e.buffers, e.bytes));
    if e.shutdown != 0 {
        let _ = write!(s, ", shut down for {}", shutdown_sides(e.shutdown));
    }
    if let Some(c) = &e.peercred {
        let _ = write!(s, ", peer credentials {}", unix_creds(c));
    }
    s
}

/// `read`, `write`, `read and write`: the sides of `RCV_SHUTDOWN` (1) |
/// `SEND_SHUTDOWN` (2).
fn shutdown_sides(shutdown: u32) -> String {
    let sides: Vec<&str> = [(1, "read"), (2, "write")]
        .iter()
        .filter(|(bit, _)| shutdown & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    sides.join(" and ")
}

/// Credentials: `pid 42 uid 0 gid 0`.
fn unix_creds(c: &UnixCreds) -> String {
    format!("pid {} uid {} gid {}", c.pid, c.uid, c.gid)
}

/// A socket's options and inode in one line: the buffers, queue limit and
/// low-water mark always, the others when set.
fn unix_options(u: &UnixSock) -> String {
    let locked = |l: bool| if l { " (set)" } else { "" };
    let mut v = vec![
        format!("sndbuf {}{}", u.sndbuf, locked(u.sndbuf_locked)),
        format!("rcvbuf {}{}", u.rcvbuf, locked(u.rcvbuf_locked)),
        format!("backlog {}", u.backlog),
        format!("rcvlowat {}", u.rcvlowat),
    ];
    if u.shutdown != 0 {
        v.push(format!("shut down for {}", shutdown_sides(u.shutdown)));
    }
    if u.err != 0 {
        v.push(format!("pending error {}", u.err));
    }
    if u.peek_off != -1 {
        v.push(format!("peek offset {}", u.peek_off));
    }
    if u.flags.contains(&"linger") {
        v.push(format!("linger {} s", u.linger));
    }
    for (name, us) in [("rcvtimeo", u.rcvtimeo_us), ("sndtimeo", u.sndtimeo_us)] {
        if us != 0 {
            v.push(format!("{name} {us} us"));
        }
    }
    for flag in ["keepalive", "oobinline", "passcred", "passpidfd"] {
        if u.flags.contains(&flag) {
            v.push(flag.to_string());
        }
    }
    if let Some(c) = &u.peercred {
        v.push(format!("peer credentials {}", unix_creds(c)));
    }
    format!(
        "{}; inode mode {:o} uid {} gid {}",
        v.join(", "),
        u.ino_mode,
        u.ino_uid,
        u.ino_gid
    )
}

/// A TCP or UDP socket's addresses: `bound to 127.0.0.1:8080`, `not
/// bound`, `on 127.0.0.1:8080, backlog 16` (a listener), `local
/// [::1]:40000, peer [::1]:9999` (connected).
fn inet_addr_text(i: &InetSock) -> String {
    match (i.state, i.peer) {
        ("listen", _) => format!("on {}, backlog {}", i.local, i.backlog),
        (_, Some(peer)) => format!("local {}, peer {peer}", i.local),
        _ if i.bound => format!("bound to {}", i.local),
        _ => "not bound".to_string(),
    }
}

/// A TCP or UDP socket's options that are not a new socket's, by name
/// (its flags, the IP options, the `SOL_SOCKET` ones, the TCP ones), or
/// `defaults`; then its inode: `bind-addr, bind-port, reuseaddr; inode
/// mode 140777 uid 0 gid 0`.
fn inet_options(i: &InetSock) -> String {
    let mut v: Vec<String> = i.flags.iter().map(|f| f.to_string()).collect();
    if i.tos != 0 {
        v.push(format!("tos {:#x}", i.tos));
    }
    if i.ttl != -1 {
        v.push(format!("ttl {}", i.ttl));
    }
    if i.pmtudisc != "want" {
        v.push(format!("pmtudisc {}", i.pmtudisc));
    }
    sock_options(&mut v, &i.so);
    if let Some(t) = &i.tcp {
        tcp_options(&mut v, t);
    }
    if v.is_empty() {
        v.push("defaults".to_string());
    }
    format!(
        "{}; inode mode {:o} uid {} gid {}",
        v.join(", "),
        i.so.ino_mode,
        i.so.ino_uid,
        i.so.ino_gid
    )
}

/// The most datagrams of a UDP socket's queue the summary shows one by
/// one (the path tree and JSON show them all).
const DGRAM_LINES: usize = 16;

/// The lines of a UDP socket's queue, if it has datagrams: `2 datagrams
/// queued, 3009 bytes`, then one for each of the first [`DGRAM_LINES`]
/// (`datagram 1: 3000 bytes from [::1]:9999 to ::1 (ipv6)`), then `...
/// and 3 more datagrams`.
fn udp_queue_lines(s: &mut String, q: &UdpQueue) {
    let n = q.datagrams.len();
    if n == 0 {
        return;
    }
    let _ = write!(
        s,
        "\n  {n} datagram{} queued, {} bytes",
        if n == 1 { "" } else { "s" },
        q.bytes
    );
    for (i, d) in q.datagrams.iter().take(DGRAM_LINES).enumerate() {
        let _ = write!(s, "\n  datagram {i}: {}", udp_dgram_text(d));
    }
    if n > DGRAM_LINES {
        let more = n - DGRAM_LINES;
        let _ = write!(
            s,
            "\n  ... and {more} more datagram{}",
            if more == 1 { "" } else { "s" }
        );
    }
}

/// A queued datagram: `9 bytes from [::ffff:127.0.0.1]:40001 to
/// ::ffff:127.0.0.1 (ipv4)` (its sender and where it was sent as the
/// socket shows them, its own family).
fn udp_dgram_text(d: &UdpDgram) -> String {
    format!("{} bytes from {} to {} ({})", d.len, d.from, d.to, d.family)
}

/// The most connections of a TCP listener's queue the summary shows one
/// by one (the path tree and JSON show them all).
const CONN_LINES: usize = 16;

/// The lines of a TCP listener's connections not accepted yet, if it has
/// any: `2 connections not accepted yet`, then one for each of the first
/// [`CONN_LINES`] (`connection 0 not accepted yet: local
/// 127.0.0.1:7462, peer 127.0.0.1:40001; mss 65483, sack, timestamps,
/// wscale 7/7; send queue 0 bytes, receive queue 5 bytes`), then `... and
/// 3 more connections`.
fn accept_queue_lines(s: &mut String, q: &[InetSock]) {
    let n = q.len();
    if n == 0 {
        return;
    }
    let _ = write!(
        s,
        "\n  {n} connection{} not accepted yet",
        if n == 1 { "" } else { "s" }
    );
    for (i, c) in q.iter().take(CONN_LINES).enumerate() {
        let _ = write!(
            s,
            "\n  connection {i} not accepted yet: {}",
            inet_addr_text(c)
        );
        if let Some(c) = &c.conn {
            let _ = write!(s, "; {}", tcp_conn_text(c));
        }
    }
    if n > CONN_LINES {
        let more = n - CONN_LINES;
        let _ = write!(
            s,
            "\n  ... and {more} more connection{}",
            if more == 1 { "" } else { "s" }
        );
    }
}

/// A TCP connection: the options its handshake agreed on, then its
/// queues: `mss 65483, sack, timestamps, wscale 7/7; send queue 16 bytes
/// (6 not sent yet), receive queue 5 bytes` (the window scales the
/// peer's, then its own).
fn tcp_conn_text(c: &TcpConn) -> String {
    let mut v = vec![format!("mss {}", c.mss)];
    for o in &c.opts {
        if *o == "wscale" {
            v.push(format!("wscale {}/{}", c.wscales.snd, c.wscales.rcv));
        } else {
            v.push(o.to_string());
        }
    }
    let unsent = if c.unsent_bytes > 0 {
        format!(" ({} not sent yet)", c.unsent_bytes)
    } else {
        String::new()
    };
    format!(
        "{}; send queue {} bytes{unsent}, receive queue {} bytes",
        v.join(", "),
        c.send_bytes,
        c.recv_bytes
    )
}

/// The `SOL_SOCKET` options of `o` that are not a new socket's, added to
/// `v`: `sndbuf 65536 (set)`, `rcvlowat 8`, `linger 5 s`, `reuseaddr`, ...
fn sock_options(v: &mut Vec<String>, o: &SockOpts) {
    let has = |f: &str| o.flags.contains(&f);
    if has("sndbuf-lock") {
        v.push(format!("sndbuf {} (set)", o.sndbuf));
    }
    if has("rcvbuf-lock") {
        v.push(format!("rcvbuf {} (set)", o.rcvbuf));
    }
    if o.rcvlowat != 1 {
        v.push(format!("rcvlowat {}", o.rcvlowat));
    }
    if o.shutdown != 0 {
        v.push(format!("shut down for {}", shutdown_sides(o.shutdown)));
    }
    if o.err != 0 {
        v.push(format!("pending error {}", o.err));
    }
    if o.peek_off != -1 {
        v.push(format!("peek offset {}", o.peek_off));
    }
    if has("linger") {
        v.push(format!("linger {} s", o.linger));
    }
    for (name, us) in [("rcvtimeo", o.rcvtimeo_us), ("sndtimeo", o.sndtimeo_us)] {
        if us != 0 {
            v.push(format!("{name} {us} us"));
        }
    }
    for flag in [
        "reuseaddr",
        "reuseport",
        "keepalive",
        "oobinline",
        "broadcast",
    ] {
        if has(flag) {
            v.push(flag.to_string());
        }
    }
}

/// The TCP options of `t` that are not a new socket's, added to `v`:
/// `nodelay`, `keepidle 60 s`, `linger2 off`, `congestion reno`, ...
fn tcp_options(v: &mut Vec<String>, t: &TcpOpts) {
    v.extend(t.flags.iter().map(|f| f.to_string()));
    for (name, n, unit) in [
        ("maxseg", t.maxseg, ""),
        ("keepidle", t.keepidle, " s"),
        ("keepintvl", t.keepintvl, " s"),
        ("keepcnt", t.keepcnt, ""),
        ("user_timeout", t.user_timeout, " ms"),
        ("syncnt", t.syncnt, ""),
        ("window_clamp", t.window_clamp, ""),
        ("notsent_lowat", t.notsent_lowat, ""),
    ] {
        if n != 0 {
            v.push(format!("{name} {n}{unit}"));
        }
    }
    match t.linger2 {
        0 => {}
        -1 => v.push("linger2 off".to_string()),
        n => v.push(format!("linger2 {n} s")),
    }
    if t.congestion != inet_sock::DEFAULT_CONGESTION {
        v.push(format!("congestion {}", t.congestion));
    }
}

/// A queued buffer for the path tree: `5 bytes creds pid 42 uid 0 gid 0
/// sender files/52 files in flight files/7 files/52 files/7`.
fn unix_buf_text(b: &UnixBuf) -> String {
    let mut s = format!("{} bytes", b.len);
    if let Some(c) = &b.creds {
        let _ = write!(s, " creds {}", unix_creds(c));
    }
    if let Some(id) = b.sender {
        let _ = write!(s, " sender files/{id}");
    }
    if !b.fds.is_empty() {
        s.push_str(" files in flight");
        for id in &b.fds {
            let _ = write!(s, " files/{id}");
        }
    }
    s
}

/// A terminal's termios flags, speed and window size in one line:
/// `iflag 0x4000 oflag 0x4 cflag 0x4bf lflag 0xa30, 38400 baud, window
/// 37x123 (984x666 pixels)` (rows x columns).
fn tty_line(t: &Tty) -> String {
    let speed = if t.c_ispeed == t.c_ospeed {
        format!("{} baud", t.c_ospeed)
    } else {
        format!("{}/{} baud in/out", t.c_ispeed, t.c_ospeed)
    };
    format!(
        "iflag {:#x} oflag {:#x} cflag {:#x} lflag {:#x}, {speed}, window {}x{} ({}x{} pixels)",
        t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag, t.ws_row, t.ws_col, t.ws_xpixel, t.ws_ypixel
    )
}

/// A process's controlling terminal in one line.
fn ctty_line(img: &Image, c: &Ctty) -> String {
    let fg = match c.fg_pgrp {
        0 => "no foreground group".to_string(),
        g => format!("foreground group {g}"),
    };
    format!("{}, session {}, {fg}", file_name(img, c.file), c.sid)
}

/// An inotify mask: `0x300 [create,delete]`.
fn inotify_mask_text(mask: u32, names: &[&str]) -> String {
    format!("{mask:#x} [{}]", names.join(","))
}

/// An inotify watch in one line: `1: /tmp (ino 2), mask 0x300
/// [create,delete]`.
fn inotify_watch_line(w: &InotifyWatch) -> String {
    format!(
        "{}: {} (ino {}), mask {}",
        w.wd,
        w.path,
        w.ino,
        inotify_mask_text(w.mask, &w.mask_names)
    )
}

/// A queued inotify event in one line: `watch 1, mask 0x100 [create],
/// cookie 0, name "a.txt"` (no name for an event without one).
fn inotify_event_line(e: &InotifyEvent) -> String {
    let name = if e.name.is_empty() {
        String::new()
    } else {
        format!(", name {:?}", e.name)
    };
    format!(
        "watch {}, mask {}, cookie {}{name}",
        e.wd,
        inotify_mask_text(e.mask, &e.mask_names),
        e.cookie
    )
}

/// The signals of a mask (bit n - 1 for signal n), "1,2,10" or "none".
fn sig_list(mask: u64) -> String {
    let v: Vec<String> = (0..64)
        .filter(|b| mask >> b & 1 != 0)
        .map(|b| (b + 1).to_string())
        .collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(",")
    }
}

/// A file's path, " (deleted)" after a ghost file's (as `/proc/PID/maps`
/// shows it).
fn file_path(f: &FileObj) -> String {
    if f.kind == "ghost" {
        format!("{} (deleted)", f.path)
    } else {
        f.path.clone()
    }
}

fn file_name(img: &Image, id: u32) -> String {
    img.files
        .iter()
        .find(|f| f.objid == id)
        .map(|f| {
            if f.path.is_empty() {
                format!("#{id} {}", f.kind)
            } else {
                format!("#{id} {}", file_path(f))
            }
        })
        .unwrap_or_else(|| format!("#{id}"))
}

/// The name of auxiliary vector entry type `key` (`AT_*`), if it is one
/// of x86_64's.
fn auxv_name(key: u64) -> Option<&'static str> {
    Some(match key {
        0 => "AT_NULL",
        1 => "AT_IGNORE",
        2 => "AT_EXECFD",
        3 => "AT_PHDR",
        4 => "AT_PHENT",
        5 => "AT_PHNUM",
        6 => "AT_PAGESZ",
        7 => "AT_BASE",
        8 => "AT_FLAGS",
        9 => "AT_ENTRY",
        10 => "AT_NOTELF",
        11 => "AT_UID",
        12 => "AT_EUID",
        13 => "AT_GID",
        14 => "AT_EGID",
        15 => "AT_PLATFORM",
        16 => "AT_HWCAP",
        17 => "AT_CLKTCK",
        23 => "AT_SECURE",
        24 => "AT_BASE_PLATFORM",
        25 => "AT_RANDOM",
        26 => "AT_HWCAP2",
        27 => "AT_RSEQ_FEATURE_SIZE",
        28 => "AT_RSEQ_ALIGN",
        31 => "AT_EXECFN",
        33 => "AT_SYSINFO_EHDR",
        51 => "AT_MINSIGSTKSZ",
        _ => return None,
    })
}

/// An auxiliary vector entry: `AT_PAGESZ 0x1000`, or `type 99 0x1`.
fn auxv_entry(&(key, value): &(u64, u64)) -> String {
    match auxv_name(key) {
        Some(n) => format!("{n} {value:#x}"),
        None => format!("type {key} {value:#x}"),
    }
}

/// A process's attributes in one line (without its auxiliary vector).
fn attrs_line(img: &Image, a: &Attrs) -> String {
    format!(
        "nice {}, policy {}, oom_score_adj {}, pdeath signal {}, timer slack {}, flags [{}], exe {}",
        a.nice,
        a.policy,
        a.oom_score_adj,
        a.pdeath_signal,
        if a.timer_slack_ns == 0 {
            "default".to_string()
        } else {
            format!("{} ns", a.timer_slack_ns)
        },
        a.flags.join(","),
        a.exe.map_or_else(|| "none".to_string(), |id| file_name(img, id))
    )
}

/// A POSIX timer in one line (without its id).
fn ptimer_line(tm: &Ptimer) -> String {
    let notify = match tm.notify {
        "none" => "no signal".to_string(),
        "thread-id" => format!("signal {} to thread {}", tm.signo, tm.tid),
        "thread" => format!("signal {} (SIGEV_THREAD)", tm.signo),
        _ => format!("signal {}", tm.signo),
    };
    let when = if tm.value_ns == 0 {
        "disarmed".to_string()
    } else if tm.flags.contains(&"abs") {
        format!("expires at {} ns since the epoch", tm.value_ns)
    } else {
        format!("{} ns left", tm.value_ns)
    };
    let pending = if tm.flags.contains(&"pending") {
        format!(", signal queued (si_overrun {})", tm.sig_overrun)
    } else {
        String::new()
    };
    let flags = if tm.flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", tm.flags.join(","))
    };
    format!(
        "{}, {notify}, sigval {:#x}, {when}, interval {} ns, overrun {} (next {}){pending}{flags}",
        tm.clock, tm.sigval, tm.interval_ns, tm.overrun_last, tm.overrun
    )
}

/// A file lock in one line.
fn lock_line(img: &Image, l: &Lock) -> String {
    let kind = match l.kind {
        "posix" => "POSIX",
        "ofd" => "OFD",
        k => k,
    };
    let bytes = if l.kind == "flock" {
        "the whole file".to_string()
    } else if l.end == i64::MAX {
        format!("bytes {}..end of file", l.start)
    } else {
        format!("bytes {}..{}", l.start, l.end)
    };
    format!(
        "{kind} {} lock on {}, {bytes}",
        l.type_,
        file_name(img, l.file)
    )
}

/// O_ASYNC, the owner and the signal of an open file in one line.
fn fown_line(img: &Image, f: &Fown) -> String {
    let owner = match f.type_ {
        Some("tid") => format!("owner thread {}", f.pid),
        Some("pgrp") => format!("owner process group {}", f.pid),
        Some(_) => format!("owner process {}", f.pid),
        None => "no owner".to_string(),
    };
    let signal = match f.signum {
        0 => "signal SIGIO".to_string(),
        n => format!("signal {n}"),
    };
    format!(
        "{}: {}, {owner}, {signal}",
        file_name(img, f.file),
        if f.async_ { "O_ASYNC" } else { "no O_ASYNC" }
    )
}

fn vma_line(img: &Image, v: &Vma) -> String {
    let file = v
        .file
        .and_then(|id| img.files.iter().find(|f| f.objid == id))
        .map(|f| format!(" {} +{:#x}", file_path(f), v.pgoff * 4096))
        .unwrap_or_default();
    let flags = if v.flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", v.flags.join(","))
    };
    let cow = if v.cow_pages > 0 {
        format!(" (+{} still the parent's)", v.cow_pages)
    } else {
        String::new()
    };
    format!(
        "{:012x}-{:012x} {}{file}{flags} pages {}{cow}",
        v.start,
        v.end,
        prot(v.prot),
        v.pages
    )
}

/// The human-readable summary.
pub fn summary(img: &Image) -> String {
    let h = &img.header;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "image: format v{}, {}, {} records, {} bytes, xxh64 {:#018x} ok",
        h.version, h.arch, img.records, img.total_len, img.xxh64
    );
    let _ = writeln!(
        s,
        "kernel: {} {} {} ({}), node {}",
        h.sysname, h.release, h.machine, h.version_str, h.nodename
    );
    let _ = writeln!(
        s,
        "taken: {} s since the epoch, page size {}, xstate {} bytes (features {:#x})",
        h.time, h.page_size, h.xstate_size, h.xfeatures
    );
    if !img.tree.is_empty() {
        let _ = writeln!(s, "process tree: {} processes", img.tree.len());
        for e in &img.tree {
            let _ = write!(
                s,
                "  pid {} ppid {} pgid {} sid {}",
                e.pid, e.ppid, e.pgid, e.sid
            );
            let _ = if e.flags & KCR_TREE_ZOMBIE != 0 {
                writeln!(s, ", zombie (wait status {:#x})", e.exit_status)
            } else if e.flags & KCR_TREE_DEAD != 0 {
                writeln!(s, ", dead leader (placeholder)")
            } else {
                writeln!(s)
            };
        }
    }
    for p in &img.pipes {
        let _ = writeln!(
            s,
            "pipe #{}: {} of {} bytes buffered",
            p.objid, p.nr_bytes, p.size
        );
    }
    for f in &img.files {
        let _ = writeln!(s, "file #{}: {}", f.objid, file_desc(f));
    }
    for t in &img.tasks {
        let _ = writeln!(
            s,
            "task {} (tgid {}, ppid {}) '{}' uid {} gid {}{}",
            t.pid,
            t.tgid,
            t.ppid,
            t.comm,
            t.uids[1],
            t.gids[1],
            if t.flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", t.flags.join(","))
            }
        );
        if let Some(r) = &t.regs {
            let _ = writeln!(
                s,
                "  regs: ip {:#x} sp {:#x} ax {:#x} orig_ax {:#x} flags {:#x} fs_base {:#x}",
                r.ip, r.sp, r.ax, r.orig_ax as i64, r.flags, r.fs_base
            );
        }
        if let Some((feat, size)) = t.xstate {
            let _ = writeln!(s, "  xstate: {size} bytes, features {feat:#x}");
        }
        if let Some((addr, dr6, dr7)) = t.debugregs {
            let _ = writeln!(s, "  debug registers: {addr:#x?} dr6 {dr6:#x} dr7 {dr7:#x}");
        }
        if !t.groups.is_empty() {
            let _ = writeln!(s, "  groups: {:?}", t.groups);
        }
        if let Some(fs) = &t.fs {
            let _ = writeln!(
                s,
                "  fs: umask {:03o}, root {}, cwd {}",
                fs.umask,
                file_name(img, fs.root),
                file_name(img, fs.cwd)
            );
        }
        for fd in &t.fds {
            let _ = writeln!(
                s,
                "  fd {}{}: {}",
                fd.fd,
                if fd.cloexec { " (cloexec)" } else { "" },
                file_name(img, fd.file)
            );
        }
        if !t.locks.is_empty() {
            let _ = writeln!(s, "  file locks: {}", t.locks.len());
            for (i, l) in t.locks.iter().enumerate() {
                let _ = writeln!(s, "    lock {i}: {}", lock_line(img, l));
            }
        }
        if !t.fowns.is_empty() {
            let _ = writeln!(s, "  file owners: {}", t.fowns.len());
            for (i, f) in t.fowns.iter().enumerate() {
                let _ = writeln!(s, "    fown {i}: {}", fown_line(img, f));
            }
        }
        if let Some(c) = &t.ctty {
            let _ = writeln!(s, "  controlling terminal: {}", ctty_line(img, c));
        }
        let _ = writeln!(
            s,
            "  signals: blocked {:#x}, {} handlers, {} pending{}",
            t.sigblocked,
            t.sigactions.iter().filter(|a| a.handler > 1).count(),
            t.sigpending.len(),
            if t.sigaltstack.1 != 0 {
                format!(", altstack {:#x}+{:#x}", t.sigaltstack.0, t.sigaltstack.1)
            } else {
                String::new()
            }
        );
        for a in &t.sigactions {
            let _ = writeln!(
                s,
                "    sig {}: {} flags {:#x} mask {:#x}",
                a.signo,
                match a.handler {
                    0 => "SIG_DFL".to_string(),
                    1 => "SIG_IGN".to_string(),
                    h => format!("handler {h:#x}"),
                },
                a.flags,
                a.mask
            );
        }
        for p in &t.sigpending {
            let _ = writeln!(
                s,
                "    pending sig {} code {} ({} queue)",
                p.signo, p.code, p.queue
            );
        }
        if t.nr_threads > 1 {
            let _ = writeln!(s, "  threads: {}", t.nr_threads);
        }
        if let Some(mm) = &t.mm {
            let m = &mm.fields;
            let pages: u64 = mm.vmas.iter().map(|v| v.pages).sum();
            let _ = writeln!(
                s,
                "  mm: {} mappings, {} pages ({} KiB) of contents, brk {:#x}-{:#x}, stack {:#x}, vdso {:#x}",
                mm.vmas.len(),
                pages,
                pages * 4,
                m.start_brk,
                m.brk,
                m.start_stack,
                m.vdso
            );
            if let Some(ppid) = mm.fork_of {
                let _ = writeln!(s, "  mm: starts as a copy of parent {ppid}'s (fork)");
            }
            if m.pgd_phys != 0 || t.regs_phys != 0 {
                let _ = writeln!(
                    s,
                    "  host info: page-table root at guest physical {:#x}, register frame at {:#x}",
                    m.pgd_phys, t.regs_phys
                );
            }
            for v in &mm.vmas {
                let _ = writeln!(s, "    {}", vma_line(img, v));
            }
        }
        if let Some(it) = &t.itimers {
            let v: Vec<String> = ["real", "virtual", "prof"]
                .iter()
                .zip(it)
                .filter(|(_, (left, _))| *left != 0)
                .map(|(n, (left, every))| format!("{n} {left} ns left, interval {every} ns"))
                .collect();
            let _ = writeln!(s, "  interval timers: {}", v.join("; "));
        }
        if let Some(pt) = &t.ptimers {
            let _ = writeln!(
                s,
                "  POSIX timers: {}, next id {}",
                pt.timers.len(),
                pt.next_id
            );
            for tm in &pt.timers {
                let _ = writeln!(s, "    timer {}: {}", tm.id, ptimer_line(tm));
            }
        }
        if let Some(a) = &t.attrs {
            let _ = writeln!(s, "  attrs: {}", attrs_line(img, a));
            let auxv: Vec<String> = a.auxv.iter().map(auxv_entry).collect();
            let _ = writeln!(s, "  auxv: {}", auxv.join(", "));
        }
        for th in &t.threads {
            thread_lines(&mut s, th);
        }
    }
    s
}

/// A thread's own state, under its process.
fn thread_lines(s: &mut String, th: &Task) {
    let _ = writeln!(
        s,
        "  thread {} '{}' [{}]",
        th.pid,
        th.comm,
        th.flags.join(",")
    );
    if let Some(r) = &th.regs {
        let _ = writeln!(
            s,
            "    regs: ip {:#x} sp {:#x} ax {:#x} fs_base {:#x}",
            r.ip, r.sp, r.ax, r.fs_base
        );
    }
    if let Some((feat, size)) = th.xstate {
        let _ = writeln!(s, "    xstate: {size} bytes, features {feat:#x}");
    }
    if let Some((addr, dr6, dr7)) = th.debugregs {
        let _ = writeln!(
            s,
            "    debug registers: {addr:#x?} dr6 {dr6:#x} dr7 {dr7:#x}"
        );
    }
    let _ = writeln!(
        s,
        "    signals: blocked {:#x}, {} pending",
        th.sigblocked,
        th.sigpending.len()
    );
    for p in &th.sigpending {
        let _ = writeln!(s, "      pending sig {} code {}", p.signo, p.code);
    }
}

/// The filesystem-view path tree: one `path = value` line per field.
pub fn tree(img: &Image) -> String {
    let mut s = String::new();
    let h = &img.header;
    let mut put = |k: String, v: String| {
        let _ = writeln!(s, "{k} = {v}");
    };
    put("header/version".into(), h.version.to_string());
    put("header/arch".into(), h.arch.into());
    put("header/release".into(), h.release.clone());
    put("header/nodename".into(), h.nodename.clone());
    put("header/time".into(), h.time.to_string());
    put("header/xstate_size".into(), h.xstate_size.to_string());
    for e in &img.tree {
        let zombie = if e.flags & KCR_TREE_ZOMBIE != 0 {
            format!(" zombie {:#x}", e.exit_status)
        } else if e.flags & KCR_TREE_DEAD != 0 {
            " dead".to_string()
        } else {
            String::new()
        };
        put(
            format!("tree/{}", e.pid),
            format!("ppid {} pgid {} sid {}{zombie}", e.ppid, e.pgid, e.sid),
        );
    }
    for p in &img.pipes {
        let q = format!("pipes/{}", p.objid);
        put(format!("{q}/size"), p.size.to_string());
        put(format!("{q}/bytes"), p.nr_bytes.to_string());
    }
    for f in &img.files {
        let p = format!("files/{}", f.objid);
        put(format!("{p}/kind"), f.kind.into());
        if let Some(id) = f.pipe {
            put(format!("{p}/pipe"), format!("pipes/{id}"));
        } else {
            put(format!("{p}/path"), f.path.clone());
        }
        put(format!("{p}/ino"), f.ino.to_string());
        put(format!("{p}/pos"), f.pos.to_string());
        put(format!("{p}/flags"), format!("{:#o}", f.f_flags));
        if f.kind == "ghost" {
            put(format!("{p}/mode"), format!("{:o}", f.mode));
        }
        if f.kind == "shmem" || f.kind == "ghost" {
            put(format!("{p}/size"), f.size.to_string());
            put(format!("{p}/pages"), f.pages.to_string());
        }
        if let Some(v) = &f.seals {
            let seals = if v.is_empty() {
                "none".to_string()
            } else {
                v.join(",")
            };
            put(format!("{p}/seals"), seals);
        }
        for (i, it) in f.epoll.iter().flatten().enumerate() {
            put(
                format!("{p}/items/{i}"),
                format!(
                    "files/{} fd {} events {:#x} data {:#x}{}",
                    it.file,
                    it.fd,
                    it.events,
                    it.data,
                    if it.ready { " ready" } else { "" }
                ),
            );
        }
        if let Some(t) = f.timerfd {
            put(format!("{p}/clock"), t.clock.into());
            put(format!("{p}/value_ns"), t.value_ns.to_string());
            put(format!("{p}/interval_ns"), t.interval_ns.to_string());
            put(format!("{p}/ticks"), t.ticks.to_string());
        }
        if let Some(m) = f.signalfd {
            put(format!("{p}/signals"), sig_list(m));
        }
        if let Some(ino) = &f.inotify {
            put(format!("{p}/cursor"), ino.cursor.to_string());
            for w in &ino.watches {
                put(
                    format!("{p}/watches/{}", w.wd),
                    format!(
                        "{} ino {} mask {}",
                        w.path,
                        w.ino,
                        inotify_mask_text(w.mask, &w.mask_names)
                    ),
                );
            }
            for (i, e) in ino.events.iter().enumerate() {
                put(
                    format!("{p}/events/{i}"),
                    format!(
                        "wd {} mask {} cookie {} name {:?}",
                        e.wd,
                        inotify_mask_text(e.mask, &e.mask_names),
                        e.cookie,
                        e.name
                    ),
                );
            }
        }
        if let Some(e) = f.eventfd {
            put(format!("{p}/count"), e.count.to_string());
            put(format!("{p}/semaphore"), e.semaphore.to_string());
        }
        if f.kind == "chardev" {
            put(
                format!("{p}/rdev"),
                format!("{}:{}", f.rdev >> 20, f.rdev & 0xfffff),
            );
        }
        if let Some(t) = &f.tty {
            let q = format!("{p}/tty");
            for (k, v) in [
                ("iflag", t.c_iflag),
                ("oflag", t.c_oflag),
                ("cflag", t.c_cflag),
                ("lflag", t.c_lflag),
            ] {
                put(format!("{q}/{k}"), format!("{v:#x}"));
            }
            put(format!("{q}/line"), t.c_line.to_string());
            let cc: Vec<String> = t.c_cc.iter().map(|c| format!("{c:02x}")).collect();
            put(format!("{q}/cc"), cc.join(" "));
            put(format!("{q}/ispeed"), t.c_ispeed.to_string());
            put(format!("{q}/ospeed"), t.c_ospeed.to_string());
            for (k, v) in [
                ("rows", t.ws_row),
                ("cols", t.ws_col),
                ("xpixel", t.ws_xpixel),
                ("ypixel", t.ws_ypixel),
            ] {
                put(format!("{q}/{k}"), v.to_string());
            }
        }
        if let Some(u) = &f.unix {
            let q = format!("{p}/unix");
            put(format!("{q}/type"), u.type_.into());
            put(format!("{q}/state"), u.state.into());
            put(format!("{q}/flags"), u.flags.join(","));
            put(format!("{q}/mode"), format!("{:o}", u.ino_mode));
            put(format!("{q}/owner"), format!("{}:{}", u.ino_uid, u.ino_gid));
            for (k, v) in [
                ("shutdown", u.shutdown.to_string()),
                ("err", u.err.to_string()),
                ("peek_off", u.peek_off.to_string()),
                ("backlog", u.backlog.to_string()),
                ("sndbuf", u.sndbuf.to_string()),
                ("rcvbuf", u.rcvbuf.to_string()),
                ("sndbuf_locked", u.sndbuf_locked.to_string()),
                ("rcvbuf_locked", u.rcvbuf_locked.to_string()),
                ("rcvlowat", u.rcvlowat.to_string()),
                ("linger", u.linger.to_string()),
                ("rcvtimeo_us", u.rcvtimeo_us.to_string()),
                ("sndtimeo_us", u.sndtimeo_us.to_string()),
            ] {
                put(format!("{q}/{k}"), v);
            }
            if let Some(c) = &u.peercred {
                put(format!("{q}/peercred"), unix_creds(c));
            }
            if !u.name.is_empty() {
                put(format!("{q}/name"), unix_name_text(&u.name));
                put(format!("{q}/bound"), u.bound.to_string());
            }
            if let Some(n) = &u.node {
                put(format!("{q}/node/path"), n.path.clone());
                put(format!("{q}/node/ino"), n.ino.to_string());
                put(format!("{q}/node/mode"), format!("{:o}", n.mode));
                put(format!("{q}/node/owner"), format!("{}:{}", n.uid, n.gid));
            }
            let peer = match (u.queue.peer, u.queue.peer_file) {
                ("file", Some(id)) => format!("files/{id}"),
                ("embryo", Some(id)) => format!("embryo of files/{id}"),
                ("external", _) => {
                    format!("external {}", unix_name_text(&u.queue.peer_name))
                }
                (kind, _) => kind.to_string(),
            };
            put(format!("{q}/peer"), peer);
            put(format!("{q}/queue/bytes"), u.queue.bytes.to_string());
            for (i, b) in u.queue.buffers.iter().enumerate() {
                put(format!("{q}/queue/{i}"), unix_buf_text(b));
            }
            for (i, e) in u.embryos.iter().enumerate() {
                let q = format!("{q}/embryos/{i}");
                let peer = match e.peer_file {
                    Some(id) => format!("files/{id}"),
                    None => e.peer.to_string(),
                };
                put(format!("{q}/peer"), peer);
                put(format!("{q}/shutdown"), e.shutdown.to_string());
                if let Some(c) = &e.peercred {
                    put(format!("{q}/peercred"), unix_creds(c));
                }
                put(format!("{q}/queue/bytes"), e.bytes.to_string());
                for (j, b) in e.buffers.iter().enumerate() {
                    put(format!("{q}/queue/{j}"), unix_buf_text(b));
                }
            }
        }
        if let Some(i) = &f.inet {
            inet_tree(&mut put, &format!("{p}/inet"), i);
        }
    }
    for t in &img.tasks {
        let p = format!("task-{}", t.pid);
        put(format!("{p}/comm"), t.comm.clone());
        put(format!("{p}/tgid"), t.tgid.to_string());
        put(format!("{p}/ppid"), t.ppid.to_string());
        put(format!("{p}/creds/uid"), format!("{:?}", t.uids));
        put(format!("{p}/creds/gid"), format!("{:?}", t.gids));
        put(format!("{p}/flags"), t.flags.join(","));
        put(format!("{p}/creds/groups"), format!("{:?}", t.groups));
        for (i, (cur, max)) in t.rlimits.iter().enumerate() {
            put(format!("{p}/rlimits/{i}"), format!("{cur:#x}/{max:#x}"));
        }
        if let Some(fs) = &t.fs {
            put(format!("{p}/fs/umask"), format!("{:03o}", fs.umask));
            put(format!("{p}/fs/root"), format!("files/{}", fs.root));
            put(format!("{p}/fs/cwd"), format!("files/{}", fs.cwd));
        }
        for fd in &t.fds {
            put(format!("{p}/fds/{}", fd.fd), format!("files/{}", fd.file));
            if fd.cloexec {
                put(format!("{p}/fds/{}/cloexec", fd.fd), "1".into());
            }
        }
        for (i, l) in t.locks.iter().enumerate() {
            put(
                format!("{p}/locks/{i}"),
                format!(
                    "{} {} files/{} {}..{}",
                    l.kind, l.type_, l.file, l.start, l.end
                ),
            );
        }
        for (i, f) in t.fowns.iter().enumerate() {
            put(
                format!("{p}/fown/{i}"),
                format!(
                    "files/{} async {} owner {} {} sig {}",
                    f.file,
                    u8::from(f.async_),
                    f.type_.unwrap_or("none"),
                    f.pid,
                    f.signum
                ),
            );
        }
        if let Some(c) = &t.ctty {
            put(format!("{p}/ctty/file"), format!("files/{}", c.file));
            put(format!("{p}/ctty/sid"), c.sid.to_string());
            put(format!("{p}/ctty/fg_pgrp"), c.fg_pgrp.to_string());
        }
        put(
            format!("{p}/signals/blocked"),
            format!("{:#x}", t.sigblocked),
        );
        put(
            format!("{p}/signals/altstack"),
            format!(
                "{:#x}+{:#x} flags {:#x}",
                t.sigaltstack.0, t.sigaltstack.1, t.sigaltstack.2
            ),
        );
        for a in &t.sigactions {
            put(
                format!("{p}/signals/actions/{}", a.signo),
                format!(
                    "handler {:#x} flags {:#x} restorer {:#x} mask {:#x}",
                    a.handler, a.flags, a.restorer, a.mask
                ),
            );
        }
        for (i, q) in t.sigpending.iter().enumerate() {
            put(
                format!("{p}/signals/pending/{i}"),
                format!("sig {} code {} queue {}", q.signo, q.code, q.queue),
            );
        }
        if let Some(r) = &t.regs {
            for (k, v) in [
                ("ip", r.ip),
                ("sp", r.sp),
                ("ax", r.ax),
                ("orig_ax", r.orig_ax),
                ("flags", r.flags),
                ("fs_base", r.fs_base),
                ("gs_base", r.gs_base),
            ] {
                put(format!("{p}/regs/{k}"), format!("{v:#x}"));
            }
        }
        if let Some((feat, size)) = t.xstate {
            put(format!("{p}/xstate/features"), format!("{feat:#x}"));
            put(format!("{p}/xstate/size"), size.to_string());
        }
        put(format!("{p}/threads"), t.nr_threads.to_string());
        for th in &t.threads {
            let q = format!("{p}/threads/{}", th.pid);
            put(format!("{q}/comm"), th.comm.clone());
            put(format!("{q}/flags"), th.flags.join(","));
            put(
                format!("{q}/signals/blocked"),
                format!("{:#x}", th.sigblocked),
            );
            for (i, sig) in th.sigpending.iter().enumerate() {
                put(
                    format!("{q}/signals/pending/{i}"),
                    format!("sig {} code {}", sig.signo, sig.code),
                );
            }
            if let Some(r) = &th.regs {
                for (k, v) in [("ip", r.ip), ("sp", r.sp), ("fs_base", r.fs_base)] {
                    put(format!("{q}/regs/{k}"), format!("{v:#x}"));
                }
            }
        }
        if let Some(mm) = &t.mm {
            put(
                format!("{p}/mm/brk"),
                format!("{:#x}-{:#x}", mm.fields.start_brk, mm.fields.brk),
            );
            put(format!("{p}/mm/vdso"), format!("{:#x}", mm.fields.vdso));
            if let Some(ppid) = mm.fork_of {
                put(format!("{p}/mm/fork_of"), ppid.to_string());
            }
            for (i, v) in mm.vmas.iter().enumerate() {
                let q = format!("{p}/mm/vmas/{i}");
                put(format!("{q}/start"), format!("{:#x}", v.start));
                put(format!("{q}/end"), format!("{:#x}", v.end));
                put(format!("{q}/prot"), prot(v.prot));
                if let Some(id) = v.file {
                    put(format!("{q}/file"), format!("files/{id}"));
                }
                put(format!("{q}/pages"), v.pages.to_string());
                if v.cow_pages > 0 {
                    put(format!("{q}/cow_pages"), v.cow_pages.to_string());
                }
            }
        }
        for (n, (left, every)) in ["real", "virtual", "prof"]
            .iter()
            .zip(t.itimers.iter().flatten())
        {
            put(format!("{p}/itimers/{n}"), format!("{left} {every}"));
        }
        if let Some(pt) = &t.ptimers {
            put(format!("{p}/ptimers/next_id"), pt.next_id.to_string());
            for tm in &pt.timers {
                put(
                    format!("{p}/ptimers/{}", tm.id),
                    format!(
                        "{} {} sig {} tid {} sigval {:#x} value {} interval {} overrun {} last {} \
                         sig_overrun {} [{}]",
                        tm.clock,
                        tm.notify,
                        tm.signo,
                        tm.tid,
                        tm.sigval,
                        tm.value_ns,
                        tm.interval_ns,
                        tm.overrun,
                        tm.overrun_last,
                        tm.sig_overrun,
                        tm.flags.join(",")
                    ),
                );
            }
        }
        if let Some(a) = &t.attrs {
            let q = format!("{p}/attrs");
            put(format!("{q}/nice"), a.nice.to_string());
            put(format!("{q}/policy"), a.policy.into());
            put(format!("{q}/oom_score_adj"), a.oom_score_adj.to_string());
            put(format!("{q}/pdeath_signal"), a.pdeath_signal.to_string());
            put(format!("{q}/timer_slack_ns"), a.timer_slack_ns.to_string());
            put(format!("{q}/flags"), a.flags.join(","));
            if let Some(id) = a.exe {
                put(format!("{q}/exe"), format!("files/{id}"));
            }
            for (i, e) in a.auxv.iter().enumerate() {
                put(format!("{q}/auxv/{i}"), auxv_entry(e));
            }
        }
    }
    s
}

/// The path tree of a TCP or UDP socket, under `q` (`files/N/inet`).
fn inet_tree(put: &mut impl FnMut(String, String), q: &str, i: &InetSock) {
    put(format!("{q}/family"), i.family.into());
    put(format!("{q}/protocol"), i.protocol.into());
    put(format!("{q}/state"), i.state.into());
    put(format!("{q}/flags"), i.flags.join(","));
    put(format!("{q}/bound"), i.bound.to_string());
    put(format!("{q}/local"), i.local.to_string());
    if let Some(peer) = i.peer {
        put(format!("{q}/peer"), peer.to_string());
    }
    for (k, v) in [
        ("backlog", i.backlog.to_string()),
        ("tos", i.tos.to_string()),
        ("ttl", i.ttl.to_string()),
        ("pmtudisc", i.pmtudisc.to_string()),
    ] {
        put(format!("{q}/{k}"), v);
    }
    let o = &i.so;
    put(format!("{q}/mode"), format!("{:o}", o.ino_mode));
    put(format!("{q}/owner"), format!("{}:{}", o.ino_uid, o.ino_gid));
    put(format!("{q}/so/flags"), o.flags.join(","));
    for (k, v) in [
        ("shutdown", o.shutdown.to_string()),
        ("err", o.err.to_string()),
        ("peek_off", o.peek_off.to_string()),
        ("sndbuf", o.sndbuf.to_string()),
        ("rcvbuf", o.rcvbuf.to_string()),
        ("rcvlowat", o.rcvlowat.to_string()),
        ("linger", o.linger.to_string()),
        ("rcvtimeo_us", o.rcvtimeo_us.to_string()),
        ("sndtimeo_us", o.sndtimeo_us.to_string()),
    ] {
        put(format!("{q}/so/{k}"), v);
    }
    if let Some(t) = &i.tcp {
        put(format!("{q}/tcp/flags"), t.flags.join(","));
        for (k, v) in [
            ("maxseg", t.maxseg.to_string()),
            ("keepidle", t.keepidle.to_string()),
            ("keepintvl", t.keepintvl.to_string()),
            ("keepcnt", t.keepcnt.to_string()),
            ("user_timeout", t.user_timeout.to_string()),
            ("syncnt", t.syncnt.to_string()),
            ("linger2", t.linger2.to_string()),
            ("window_clamp", t.window_clamp.to_string()),
            ("notsent_lowat", t.notsent_lowat.to_string()),
            ("congestion", t.congestion.clone()),
        ] {
            put(format!("{q}/tcp/{k}"), v);
        }
    }
    if let Some(c) = &i.conn {
        let (s, w) = (&c.seqs, &c.windows);
        for (k, v) in [
            ("snd_una", s.snd_una),
            ("snd_nxt", s.snd_nxt),
            ("write_seq", s.write_seq),
            ("rcv_nxt", s.rcv_nxt),
            ("copied_seq", s.copied_seq),
            ("snd_wl1", w.snd_wl1),
            ("snd_wnd", w.snd_wnd),
            ("max_window", w.max_window),
            ("rcv_wnd", w.rcv_wnd),
            ("rcv_wup", w.rcv_wup),
            ("mss", c.mss),
            ("snd_wscale", c.wscales.snd.into()),
            ("rcv_wscale", c.wscales.rcv.into()),
            ("timestamp", c.timestamp),
            ("sndbuf", c.bufs.sndbuf),
            ("rcvbuf", c.bufs.rcvbuf),
            ("send_bytes", c.send_bytes),
            ("unsent_bytes", c.unsent_bytes),
            ("recv_bytes", c.recv_bytes),
        ] {
            put(format!("{q}/conn/{k}"), v.to_string());
        }
        put(format!("{q}/conn/opts"), c.opts.join(","));
    }
    if let Some(u) = &i.queue {
        put(format!("{q}/queue/bytes"), u.bytes.to_string());
        put(
            format!("{q}/queue/datagrams"),
            u.datagrams.len().to_string(),
        );
        for (j, d) in u.datagrams.iter().enumerate() {
            put(format!("{q}/queue/{j}"), udp_dgram_text(d));
        }
    }
    // A listener's connections not accepted yet, each as a connected
    // socket's tree.
    if let Some(a) = &i.accept_queue {
        put(format!("{q}/accept_queue/connections"), a.len().to_string());
        for (j, c) in a.iter().enumerate() {
            inet_tree(put, &format!("{q}/accept_queue/{j}"), c);
        }
    }
}

/// JSON for scripts.
pub fn json(img: &Image) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(img)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{
        inet_flags, inet_state, kcr_rec_unix, kcr_sockopts, lock_kind, so_flags, tcp_flags,
        unix_flags, unix_peer, unix_sock, KCR_EFD_SEMAPHORE,
    };
    use crate::parse::parse;
    use crate::samples::*;

    #[test]
    fn eventfds_show_their_counter() {
        let img = parse(&with_files(&eventfd_records(7, KCR_EFD_SEMAPHORE), 2)[..]).unwrap();
        let s = summary(&img);
        assert!(
            s.contains("file #30: eventfd count 7, semaphore (flags 0o4002)"),
            "{s}"
        );
        let t = tree(&img);
        assert!(t.contains("files/30/count = 7"), "{t}");
        assert!(json(&img).unwrap().contains("\"semaphore\": true"));
    }

    #[test]
    fn signalfds_show_their_signals() {
        let img = parse(&with_files(&signalfd_records(1 << 9 | 1 << 16), 2)[..]).unwrap();
        let s = summary(&img);
        assert!(
            s.contains("file #31: signalfd of signals 10,17 (flags 0o2)"),
            "{s}"
        );
        assert!(tree(&img).contains("files/31/signals = 10,17"));
    }

    #[test]
    fn timerfds_show_their_timer() {
        let img = parse(&with_files(&timerfd_records(1, 0, 3_000, 500, 2), 2)[..]).unwrap();
        let s = summary(&img);
        let want =
            "file #32: timerfd monotonic, 3000 ns left, interval 500 ns, 2 expirations unread";
        assert!(s.contains(want), "{s}");
        assert!(tree(&img).contains("files/32/ticks = 2"));
    }

    #[test]
    fn epolls_show_their_items() {
        let img = parse(&with_epoll()[..]).unwrap();
        let s = summary(&img);
        assert!(
            s.contains("file #33: epoll of 2 items (flags 0o2); #30 as fd 4 events 0x80000019 ready data 0x7"),
            "{s}"
        );
        assert!(tree(&img).contains("files/33/items/1 = files/7 fd 3 events 0x19 data 0x99"));
    }

    #[test]
    fn inotifies_show_their_watches_and_events() {
        let img = parse(&with_inotify()[..]).unwrap();
        let s = summary(&img);
        let want = "file #34: inotify of 2 watches, 6 queued events, cursor 4 (flags 0o4000)\n\
             \x20 watch 1: /tmp (ino 2), mask 0x3c0 [moved-from,moved-to,create,delete]\n\
             \x20 watch 3: /etc/hosts (ino 1234), mask 0x8400000a \
             [modify,close-write,excl-unlink,oneshot]\n\
             \x20 event 0: watch 1, mask 0x100 [create], cookie 0, name \"a.txt\"\n\
             \x20 event 1: watch 1, mask 0x40 [moved-from], cookie 7, name \"a.txt\"\n\
             \x20 event 2: watch 1, mask 0x80 [moved-to], cookie 7, name \"notes-2026.txt\"\n\
             \x20 event 3: watch 1, mask 0x40000100 [create,isdir], cookie 0, name \"dir12345\"\n\
             \x20 event 4: watch 2, mask 0x8000 [ignored], cookie 0\n\
             \x20 event 5: watch -1, mask 0x4000 [q-overflow], cookie 0\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        let t = tree(&img);
        for want in [
            "files/34/kind = inotify\n",
            "files/34/flags = 0o4000\n",
            "files/34/cursor = 4\n",
            "files/34/watches/1 = /tmp ino 2 mask 0x3c0 [moved-from,moved-to,create,delete]\n",
            "files/34/watches/3 = /etc/hosts ino 1234 mask 0x8400000a \
             [modify,close-write,excl-unlink,oneshot]\n",
            "files/34/events/0 = wd 1 mask 0x100 [create] cookie 0 name \"a.txt\"\n",
            "files/34/events/2 = wd 1 mask 0x80 [moved-to] cookie 7 name \"notes-2026.txt\"\n",
            "files/34/events/4 = wd 2 mask 0x8000 [ignored] cookie 0 name \"\"\n",
            "files/34/events/5 = wd -1 mask 0x4000 [q-overflow] cookie 0 name \"\"\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let f = &j["files"][3];
        assert_eq!((&f["objid"], &f["kind"]), (&34.into(), &"inotify".into()));
        let i = &f["inotify"];
        assert_eq!(i["cursor"], 4);
        assert_eq!(
            i["watches"][1],
            serde_json::json!({
                "wd": 3,
                "mask": 0x8400_000a_u32,
                "mask_names": ["modify", "close-write", "excl-unlink", "oneshot"],
                "ino": 1234,
                "path": "/etc/hosts"
            })
        );
        assert_eq!(
            i["events"][2],
            serde_json::json!({
                "wd": 1,
                "mask": 0x80,
                "mask_names": ["moved-to"],
                "cookie": 7,
                "name": "notes-2026.txt"
            })
        );
        assert_eq!(i["events"][5]["wd"], -1);
        // An inotify with nothing: its line alone.
        let img = parse(&with_files(&inotify_records(1, &[], &[]), 2)[..]).unwrap();
        let s = summary(&img);
        let want = "file #34: inotify of 0 watches, 0 queued events, cursor 1 (flags 0o4000)\n";
        assert!(s.contains(want), "{s}");
        assert!(!s.contains("  watch") && !s.contains("  event"), "{s}");
        // None in an image without one.
        let img = parse(&sample()[..]).unwrap();
        assert!(!summary(&img).contains("inotify"));
        assert!(!tree(&img).contains("/watches/"));
        assert!(!json(&img).unwrap().contains("\"inotify\""));
    }

    #[test]
    fn interval_timers_are_shown() {
        let img = parse(&with_itimers([(3_000, 1_000), (0, 0), (5, 0)])[..]).unwrap();
        let s = summary(&img);
        let want = "interval timers: real 3000 ns left, interval 1000 ns; prof 5 ns left";
        assert!(s.contains(want), "{s}");
        assert!(tree(&img).contains("task-42/itimers/real = 3000 1000"));
    }

    #[test]
    fn posix_timers_are_shown() {
        let img = parse(&with_ptimers(6, &sample_ptimers())[..]).unwrap();
        let s = summary(&img);
        for want in [
            "  POSIX timers: 5, next id 6\n",
            "    timer 0: realtime, signal 14, sigval 0x0, expires at 1900000000000000000 ns \
             since the epoch, interval 0 ns, overrun 0 (next -1) [abs,active]\n",
            "    timer 1: monotonic, signal 10, sigval 0x0, 500000000 ns left, interval \
             500000000 ns, overrun 1 (next 3), signal queued (si_overrun 2) [pending]\n",
            "    timer 3: boottime, no signal, sigval 0x0, 5000000000 ns left, interval 0 ns, \
             overrun 0 (next 0)\n",
            "    timer 4: realtime, signal 10 (SIGEV_THREAD), sigval 0x7f0000001000, disarmed,",
            "    timer 5: tai, signal 34 to thread 42, sigval 0xdead, 1000000 ns left,",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "task-42/ptimers/next_id = 6\n",
            "task-42/ptimers/1 = monotonic signal sig 10 tid 0 sigval 0x0 value 500000000 \
             interval 500000000 overrun 3 last 1 sig_overrun 2 [pending]\n",
            "task-42/ptimers/5 = tai thread-id sig 34 tid 42 sigval 0xdead value 1000000 \
             interval 1000000 overrun -1 last 0 sig_overrun 0 [active]\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let p = &j["tasks"][0]["ptimers"];
        assert_eq!(p["next_id"], 6);
        assert_eq!(
            p["timers"][0]["flags"],
            serde_json::json!(["abs", "active"])
        );
        assert_eq!(p["timers"][4]["notify"], "thread-id");
        assert_eq!(p["timers"][4]["tid"], 42);
        // None in an image without them.
        let img = parse(&sample()[..]).unwrap();
        assert!(!summary(&img).contains("POSIX timers"));
        assert!(!tree(&img).contains("ptimers"));
        assert!(!json(&img).unwrap().contains("ptimers"));
    }

    #[test]
    fn file_locks_are_shown() {
        let mut locks = sample_locks();
        locks.push(lock(7, lock_kind::POSIX, F_WRLCK, 10, 19));
        let img = parse(&with_locks(&locks)[..]).unwrap();
        let s = summary(&img);
        for want in [
            "  file locks: 4\n",
            "    lock 0: POSIX read lock on #2 /bin/counter, bytes 0..4095\n",
            "    lock 1: OFD read lock on #2 /bin/counter, bytes 8192..end of file\n",
            "    lock 2: flock read lock on #2 /bin/counter, the whole file\n",
            "    lock 3: POSIX write lock on #7 pipe, bytes 10..19\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "task-42/locks/0 = posix read files/2 0..4095\n",
            "task-42/locks/1 = ofd read files/2 8192..9223372036854775807\n",
            "task-42/locks/2 = flock read files/2 0..9223372036854775807\n",
            "task-42/locks/3 = posix write files/7 10..19\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let l = &j["tasks"][0]["locks"];
        assert_eq!(
            l[3],
            serde_json::json!({"file": 7, "kind": "posix", "type": "write", "start": 10, "end": 19})
        );
        assert_eq!(l[1]["end"], i64::MAX);
        // None in an image without them.
        let img = parse(&sample()[..]).unwrap();
        assert!(!summary(&img).contains("file locks"));
        assert!(!tree(&img).contains("/locks/"));
        assert!(!json(&img).unwrap().contains("\"locks\""));
    }

    #[test]
    fn file_owners_are_shown() {
        let mut img = parse(&with_fowns(&sample_fowns())[..]).unwrap();
        // Owners of every type, and none (more than the sample's two
        // descriptors take: show.rs does not mind).
        img.tasks[0].fowns.extend([
            Fown {
                file: 7,
                async_: true,
                pid: 43,
                type_: Some("tid"),
                signum: 64,
            },
            Fown {
                file: 99,
                async_: false,
                pid: 0,
                type_: None,
                signum: 29,
            },
        ]);
        let s = summary(&img);
        for want in [
            "  file owners: 4\n",
            "    fown 0: #7 pipe: O_ASYNC, owner process 42, signal SIGIO\n",
            "    fown 1: #2 /bin/counter: no O_ASYNC, owner process group 42, signal 10\n",
            "    fown 2: #7 pipe: O_ASYNC, owner thread 43, signal 64\n",
            "    fown 3: #99: no O_ASYNC, no owner, signal 29\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "task-42/fown/0 = files/7 async 1 owner pid 42 sig 0\n",
            "task-42/fown/1 = files/2 async 0 owner pgrp 42 sig 10\n",
            "task-42/fown/2 = files/7 async 1 owner tid 43 sig 64\n",
            "task-42/fown/3 = files/99 async 0 owner none 0 sig 29\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let f = &j["tasks"][0]["fowns"];
        assert_eq!(
            f[0],
            serde_json::json!({"file": 7, "async": true, "pid": 42, "type": "pid", "signum": 0})
        );
        assert_eq!(
            f[3],
            serde_json::json!({"file": 99, "async": false, "pid": 0, "type": null, "signum": 29})
        );
        // None in an image without them.
        let img = parse(&sample()[..]).unwrap();
        assert!(!summary(&img).contains("file owners"));
        assert!(!tree(&img).contains("/fown/"));
        assert!(!json(&img).unwrap().contains("\"fowns\""));
    }

    #[test]
    fn terminals_show_their_termios_and_controlling_terminal() {
        let mut img = parse(&with_tty()[..]).unwrap();
        let s = summary(&img);
        for want in [
            "file #40: chardev /dev/pts/3 (char 136:3, flags 0o2), terminal iflag 0x4000 \
             oflag 0x4 cflag 0x4bf lflag 0xa30, 38400 baud, window 37x123 (984x666 pixels)\n",
            "  fd 0: #40 /dev/pts/3\n",
            "  controlling terminal: #40 /dev/pts/3, session 42, foreground group 42\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "files/40/kind = chardev\n",
            "files/40/rdev = 136:3\n",
            "files/40/tty/iflag = 0x4000\n",
            "files/40/tty/oflag = 0x4\n",
            "files/40/tty/cflag = 0x4bf\n",
            "files/40/tty/lflag = 0xa30\n",
            "files/40/tty/line = 0\n",
            "files/40/tty/cc = 03 1c 7f 15 04 00 01 00 11 13 1a 00 12 0f 17 16 00 00 00\n",
            "files/40/tty/ispeed = 38400\n",
            "files/40/tty/ospeed = 38400\n",
            "files/40/tty/rows = 37\n",
            "files/40/tty/cols = 123\n",
            "files/40/tty/xpixel = 984\n",
            "files/40/tty/ypixel = 666\n",
            "task-42/ctty/file = files/40\n",
            "task-42/ctty/sid = 42\n",
            "task-42/ctty/fg_pgrp = 42\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let f = &j["files"][3];
        assert_eq!((&f["objid"], &f["kind"]), (&40.into(), &"chardev".into()));
        assert_eq!(
            f["tty"],
            serde_json::json!({
                "c_iflag": 0x4000,
                "c_oflag": 0x4,
                "c_cflag": 0x4bf,
                "c_lflag": 0xa30,
                "c_line": 0,
                "c_cc": [3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17,
                         0x16, 0, 0, 0],
                "c_ispeed": 38400,
                "c_ospeed": 38400,
                "ws_row": 37,
                "ws_col": 123,
                "ws_xpixel": 984,
                "ws_ypixel": 666
            })
        );
        assert_eq!(
            j["tasks"][0]["ctty"],
            serde_json::json!({"file": 40, "sid": 42, "fg_pgrp": 42})
        );
        // Speeds that differ, no foreground group.
        let tty = img.files[3].tty.as_mut().unwrap();
        (tty.c_ispeed, tty.ws_row, tty.ws_col) = (9600, 0, 0);
        img.tasks[0].ctty.as_mut().unwrap().fg_pgrp = 0;
        let s = summary(&img);
        for want in [
            "lflag 0xa30, 9600/38400 baud in/out, window 0x0 (984x666 pixels)\n",
            "  controlling terminal: #40 /dev/pts/3, session 42, no foreground group\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        // None in an image without them; other character devices have no
        // terminal.
        let img = parse(&with_files(&chr_file(41, "/dev/null", 1 << 20 | 3), 1)[..]).unwrap();
        let s = summary(&img);
        assert!(
            s.contains("file #41: chardev /dev/null (char 1:3, flags 0o2)\n"),
            "{s}"
        );
        assert!(!s.contains("terminal"), "{s}");
        assert!(!tree(&img).contains("/tty/") && !tree(&img).contains("/ctty/"));
        let j = json(&img).unwrap();
        assert!(!j.contains("\"tty\"") && !j.contains("\"ctty\""), "{j}");
    }

    #[test]
    fn unix_sockets_show_their_state_and_queue() {
        let img = parse(&with_unix()[..]).unwrap();
        let s = summary(&img);
        for want in [
            "file #50: unix stream socket, established, peer #51, 2 buffers queued (11 bytes) \
             (flags 0o2)\n\
             \x20 options: sndbuf 212992, rcvbuf 212992, backlog 10, rcvlowat 1, peer \
             credentials pid 42 uid 0 gid 0; inode mode 140777 uid 0 gid 0\n",
            "file #51: unix stream socket, established, peer #50, 1 buffers queued (5 bytes) \
             (flags 0o4002)\n\
             \x20 options: sndbuf 65536 (set), rcvbuf 212992, backlog 10, rcvlowat 1, linger \
             5 s, rcvtimeo 1500000 us, keepalive, peer credentials pid 42 uid 0 gid 0; inode \
             mode 140777 uid 0 gid 0\n",
            "file #52: unix dgram socket, established, peer closed, 2 buffers queued (12 bytes) \
             (flags 0o2)\n\
             \x20 options: sndbuf 212992, rcvbuf 212992, backlog 10, rcvlowat 1, shut down \
             for write; inode mode 140755 uid 1000 gid 1000\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "files/50/kind = unix\n",
            "files/50/unix/type = stream\n",
            "files/50/unix/state = established\n",
            "files/50/unix/flags = peercred\n",
            "files/50/unix/mode = 140777\n",
            "files/50/unix/owner = 0:0\n",
            "files/50/unix/peek_off = -1\n",
            "files/50/unix/backlog = 10\n",
            "files/50/unix/peercred = pid 42 uid 0 gid 0\n",
            "files/50/unix/peer = files/51\n",
            "files/50/unix/queue/bytes = 11\n",
            "files/50/unix/queue/0 = 7 bytes creds pid 42 uid 0 gid 0\n",
            "files/50/unix/queue/1 = 4 bytes creds pid 42 uid 0 gid 0\n",
            "files/51/unix/flags = peercred,keepalive,linger\n",
            "files/51/unix/sndbuf = 65536\n",
            "files/51/unix/sndbuf_locked = true\n",
            "files/51/unix/linger = 5\n",
            "files/51/unix/rcvtimeo_us = 1500000\n",
            "files/51/unix/peer = files/50\n",
            "files/52/unix/type = dgram\n",
            "files/52/unix/flags = \n",
            "files/52/unix/owner = 1000:1000\n",
            "files/52/unix/shutdown = 2\n",
            "files/52/unix/peer = dead\n",
            "files/52/unix/queue/0 = 12 bytes creds pid 0 uid 1000 gid 1000\n",
            "files/52/unix/queue/1 = 0 bytes\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        assert!(!t.contains("files/52/unix/peercred"), "{t}");
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let f = &j["files"][3];
        assert_eq!((&f["objid"], &f["kind"]), (&50.into(), &"unix".into()));
        let u = &f["unix"];
        assert_eq!(
            (&u["type"], &u["state"]),
            (&"stream".into(), &"established".into())
        );
        assert_eq!(
            u["peercred"],
            serde_json::json!({"pid": 42, "uid": 0, "gid": 0})
        );
        assert_eq!(
            u["queue"],
            serde_json::json!({
                "peer": "file",
                "peer_file": 51,
                "bytes": 11,
                "buffers": [
                    {"len": 7, "creds": {"pid": 42, "uid": 0, "gid": 0}},
                    {"len": 4, "creds": {"pid": 42, "uid": 0, "gid": 0}}
                ]
            })
        );
        let d = &j["files"][5]["unix"];
        assert_eq!(d["queue"]["peer"], "dead");
        assert_eq!(d["queue"]["buffers"][1], serde_json::json!({"len": 0}));
        assert!(d.get("peercred").is_none(), "{d}");
        // A socket of no peer and nothing queued, with every option set.
        let u = kcr_rec_unix {
            flags: unix_flags::OOBINLINE | unix_flags::PASSCRED,
            shutdown: 3,
            err: 32,
            peek_off: 4,
            userlocks: unix_flags::RCVBUF_LOCK,
            rcvlowat: 8,
            sndtimeo_us: 250,
            ..unix_sock(unix_sock::SEQPACKET, unix_sock::CLOSE)
        };
        let mut v = unix_records(60, 0o2, &u);
        v.extend(unix_queue_records(60, unix_peer::NONE, 0, &[]));
        let img = parse(&with_files(&v, 3)[..]).unwrap();
        let s = summary(&img);
        let want = "file #60: unix seqpacket socket, close, no peer, nothing queued (flags 0o2)\n\
                    \x20 options: sndbuf 212992, rcvbuf 212992 (set), backlog 10, rcvlowat 8, \
                    shut down for read and write, pending error 32, peek offset 4, sndtimeo \
                    250 us, oobinline, passcred; inode mode 140777 uid 0 gid 0\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        let t = tree(&img);
        for want in [
            "files/60/unix/peer = none\n",
            "files/60/unix/queue/bytes = 0\n",
            "files/60/unix/rcvbuf_locked = true\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        assert!(!t.contains("files/60/unix/queue/0"), "{t}");
        // None in an image without them.
        let img = parse(&sample()[..]).unwrap();
        assert!(!summary(&img).contains("unix"));
        assert!(!tree(&img).contains("/unix/"));
        assert!(!json(&img).unwrap().contains("\"unix\""));
    }

    #[test]
    fn udp_queues_show_their_datagrams_the_first_ones_one_by_one() {
        use std::net::SocketAddr;
        let mut r = crate::samples::inet_sock(
            inet_sock::AF_INET,
            inet_sock::IPPROTO_UDP,
            inet_state::CLOSE,
        );
        r.sport = 5000;
        let to = "10.0.0.2".parse().unwrap();
        let one = [inet_dgram_record(
            "10.0.0.1:53".parse().unwrap(),
            to,
            b"hello",
        )];
        let many: Vec<Vec<u8>> = (0..DGRAM_LINES as u16 + 4)
            .map(|i| {
                let from = SocketAddr::new("10.0.0.1".parse().unwrap(), 1000 + i);
                inet_dgram_record(from, to, &vec![7; usize::from(i)])
            })
            .collect();
        let mut v = inet_records_queued(90, 0o2, &r, &one);
        v.extend(inet_records_queued(91, 0o2, &r, &many));
        v.extend(inet_records(92, 0o2, &r));
        let img = parse(&with_files(&v, 3 * 2 + 1 + many.len() as u32)[..]).unwrap();
        let s = summary(&img);
        let want = "file #90: inet ipv4 udp socket, close, bound to 0.0.0.0:5000 (flags 0o2)\n\
                    \x20 options: defaults; inode mode 140777 uid 0 gid 0\n\
                    \x20 1 datagram queued, 5 bytes\n\
                    \x20 datagram 0: 5 bytes from 10.0.0.1:53 to 10.0.0.2 (ipv4)\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        let want = "\x20 20 datagrams queued, 190 bytes\n\
                    \x20 datagram 0: 0 bytes from 10.0.0.1:1000 to 10.0.0.2 (ipv4)\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        let want = "\x20 datagram 15: 15 bytes from 10.0.0.1:1015 to 10.0.0.2 (ipv4)\n\
                    \x20 ... and 4 more datagrams\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        assert!(!s.contains("datagram 16:"), "{s}");
        // Nothing queued: no line.
        let want = "file #92: inet ipv4 udp socket, close, bound to 0.0.0.0:5000 (flags 0o2)\n\
                    \x20 options: defaults; inode mode 140777 uid 0 gid 0\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        assert_eq!(s.matches("datagrams queued").count(), 1, "{s}");
        // The tree and JSON have them all.
        let t = tree(&img);
        for want in [
            "files/91/inet/queue/bytes = 190\n",
            "files/91/inet/queue/datagrams = 20\n",
            "files/91/inet/queue/19 = 19 bytes from 10.0.0.1:1019 to 10.0.0.2 (ipv4)\n",
            "files/92/inet/queue/bytes = 0\n",
            "files/92/inet/queue/datagrams = 0\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        assert!(!t.contains("files/92/inet/queue/0"), "{t}");
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let q = &j["files"][4]["inet"]["queue"];
        assert_eq!(q["datagrams"].as_array().map(Vec::len), Some(20));
        assert_eq!(
            q["datagrams"][19],
            serde_json::json!({"family": "ipv4", "from": "10.0.0.1:1019", "to": "10.0.0.2",
                               "len": 19})
        );
        assert_eq!(
            j["files"][5]["inet"]["queue"],
            serde_json::json!({"bytes": 0, "datagrams": []})
        );
    }

    #[test]
    fn inet_sockets_show_their_addresses_and_options() {
        let img = parse(&with_inet()[..]).unwrap();
        let s = summary(&img);
        for want in [
            "file #80: inet ipv4 tcp socket, listen, on 127.0.0.1:8080, backlog 16 (flags \
             0o4002)\n\
             \x20 options: bind-addr, bind-port, reuseaddr; inode mode 140777 uid 0 gid 0\n",
            "file #81: inet ipv6 udp socket, connected, local [::1]:40000, peer [::1]:9999 \
             (flags 0o2)\n\
             \x20 options: bind-port; inode mode 140777 uid 0 gid 0\n\
             \x20 2 datagrams queued, 3009 bytes\n\
             \x20 datagram 0: 9 bytes from [::ffff:127.0.0.1]:40001 to ::ffff:127.0.0.1 (ipv4)\n\
             \x20 datagram 1: 3000 bytes from [::1]:9999 to ::1 (ipv6)\n",
            "file #82: inet ipv4 tcp socket, close, not bound (flags 0o2)\n\
             \x20 options: sndbuf 65536 (set), keepalive, nodelay, keepidle 60 s; inode mode \
             140777 uid 0 gid 0\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "files/80/kind = inet\n",
            "files/80/inet/family = ipv4\n",
            "files/80/inet/protocol = tcp\n",
            "files/80/inet/state = listen\n",
            "files/80/inet/flags = bind-addr,bind-port\n",
            "files/80/inet/bound = true\n",
            "files/80/inet/local = 127.0.0.1:8080\n",
            "files/80/inet/backlog = 16\n",
            "files/80/inet/ttl = -1\n",
            "files/80/inet/pmtudisc = want\n",
            "files/80/inet/mode = 140777\n",
            "files/80/inet/owner = 0:0\n",
            "files/80/inet/so/flags = reuseaddr\n",
            "files/80/inet/so/peek_off = -1\n",
            "files/80/inet/tcp/congestion = cubic\n",
            "files/81/inet/family = ipv6\n",
            "files/81/inet/state = connected\n",
            "files/81/inet/flags = bind-port\n",
            "files/81/inet/local = [::1]:40000\n",
            "files/81/inet/peer = [::1]:9999\n",
            "files/81/inet/queue/bytes = 3009\n",
            "files/81/inet/queue/datagrams = 2\n",
            "files/81/inet/queue/0 = 9 bytes from [::ffff:127.0.0.1]:40001 to ::ffff:127.0.0.1 \
             (ipv4)\n",
            "files/81/inet/queue/1 = 3000 bytes from [::1]:9999 to ::1 (ipv6)\n",
            "files/82/inet/bound = false\n",
            "files/82/inet/local = 0.0.0.0:0\n",
            "files/82/inet/so/sndbuf = 65536\n",
            "files/82/inet/tcp/flags = nodelay\n",
            "files/82/inet/tcp/keepidle = 60\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        for absent in [
            "files/80/inet/peer",
            "files/81/inet/tcp/",
            "files/82/inet/peer",
            "files/80/inet/queue",
            "files/82/inet/queue",
            "files/81/inet/queue/2 ",
        ] {
            assert!(!t.contains(absent), "{absent:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let f = &j["files"][3];
        assert_eq!((&f["objid"], &f["kind"]), (&80.into(), &"inet".into()));
        let i = &f["inet"];
        assert_eq!(
            (&i["family"], &i["protocol"], &i["state"], &i["local"]),
            (
                &"ipv4".into(),
                &"tcp".into(),
                &"listen".into(),
                &"127.0.0.1:8080".into()
            )
        );
        assert!(i.get("peer").is_none(), "{i}");
        assert_eq!(i["so"]["flags"], serde_json::json!(["reuseaddr"]));
        assert_eq!(i["tcp"]["congestion"], "cubic");
        assert!(i.get("queue").is_none(), "{i}");
        let u = &j["files"][4]["inet"];
        assert_eq!(u["peer"], "[::1]:9999");
        assert!(u.get("tcp").is_none(), "{u}");
        assert_eq!(
            u["queue"],
            serde_json::json!({
                "bytes": 3009,
                "datagrams": [
                    {"family": "ipv4", "from": "[::ffff:127.0.0.1]:40001",
                     "to": "::ffff:127.0.0.1", "len": 9},
                    {"family": "ipv6", "from": "[::1]:9999", "to": "::1", "len": 3000}
                ]
            })
        );
        // Every option that is not a new socket's, by name.
        let mut r = crate::samples::inet_sock(
            inet_sock::AF_INET6,
            inet_sock::IPPROTO_TCP,
            inet_state::CLOSE,
        );
        r.flags = inet_flags::ALL & !inet_flags::BIND_PORT;
        r.tos = 0x10;
        r.ttl = 64;
        r.pmtudisc = 2;
        r.so = kcr_sockopts {
            flags: so_flags::ALL,
            shutdown: 1,
            err: 111,
            peek_off: 0,
            sndbuf: 4608,
            rcvbuf: 2304,
            rcvlowat: 8,
            linger: 3,
            rcvtimeo_us: 5,
            sndtimeo_us: 7,
            ino_mode: 0o140_700,
            ino_uid: 1000,
            ino_gid: 100,
            ..r.so
        };
        r.tcp_flags = tcp_flags::ALL;
        (r.maxseg, r.keepidle, r.keepintvl, r.keepcnt) = (1400, 10, 5, 3);
        (r.user_timeout, r.syncnt, r.linger2) = (30000, 2, -1);
        (r.window_clamp, r.notsent_lowat) = (65536, 16384);
        r.congestion = *b"reno\0\0\0\0\0\0\0\0\0\0\0\0";
        let img = parse(&with_files(&inet_records(90, 0o2, &r), 2)[..]).unwrap();
        let s = summary(&img);
        let want = "file #90: inet ipv6 tcp socket, close, bound to [::]:0 (flags 0o2)\n\
                    \x20 options: bind-addr, v6only, freebind, bind-no-port, recverr, tos 0x10, \
                    ttl 64, pmtudisc do, sndbuf 4608 (set), rcvbuf 2304 (set), rcvlowat 8, \
                    shut down for read, pending error 111, peek offset 0, linger 3 s, rcvtimeo \
                    5 us, sndtimeo 7 us, reuseaddr, reuseport, keepalive, oobinline, \
                    broadcast, nodelay, cork, maxseg 1400, keepidle 10 s, keepintvl 5 s, \
                    keepcnt 3, user_timeout 30000 ms, syncnt 2, window_clamp 65536, \
                    notsent_lowat 16384, linger2 off, congestion reno; inode mode 140700 uid \
                    1000 gid 100\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        let t = tree(&img);
        for want in [
            "files/90/inet/tcp/linger2 = -1\n",
            "files/90/inet/tcp/flags = nodelay,cork\n",
            "files/90/inet/so/flags = sndbuf-lock,rcvbuf-lock,reuseaddr,reuseport,keepalive,\
             linger,oobinline,broadcast\n",
            "files/90/inet/owner = 1000:100\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        // None in an image without them.
        let img = parse(&sample()[..]).unwrap();
        assert!(!summary(&img).contains("inet"));
        assert!(!tree(&img).contains("/inet/"));
        assert!(!json(&img).unwrap().contains("\"inet\""));
    }

    #[test]
    fn tcp_connections_show_their_options_and_queues() {
        let img = parse(&with_tcp_conn()[..]).unwrap();
        let s = summary(&img);
        for want in [
            "file #83: inet ipv4 tcp socket, connected, local 127.0.0.1:40000, peer \
             127.0.0.1:7461 (flags 0o2)\n\
             \x20 options: defaults; inode mode 140777 uid 0 gid 0\n\
             \x20 connection: mss 65483, sack, timestamps, wscale 7/7; send queue 16 bytes (6 \
             not sent yet), receive queue 5 bytes\n",
            "file #84: inet ipv4 tcp socket, connected, local 127.0.0.1:7461, peer \
             127.0.0.1:40000 (flags 0o4002)\n\
             \x20 options: bind-addr, bind-port; inode mode 140777 uid 0 gid 0\n\
             \x20 connection: mss 65483, sack, timestamps, wscale 7/7; send queue 0 bytes, \
             receive queue 6 bytes\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "files/83/inet/state = connected\n",
            "files/83/inet/peer = 127.0.0.1:7461\n",
            "files/83/inet/conn/snd_una = 1000\n",
            "files/83/inet/conn/snd_nxt = 1010\n",
            "files/83/inet/conn/write_seq = 1016\n",
            "files/83/inet/conn/rcv_nxt = 5000\n",
            "files/83/inet/conn/copied_seq = 4995\n",
            "files/83/inet/conn/snd_wl1 = 5000\n",
            "files/83/inet/conn/snd_wnd = 65536\n",
            "files/83/inet/conn/max_window = 65536\n",
            "files/83/inet/conn/rcv_wnd = 65536\n",
            "files/83/inet/conn/rcv_wup = 5000\n",
            "files/83/inet/conn/mss = 65483\n",
            "files/83/inet/conn/snd_wscale = 7\n",
            "files/83/inet/conn/rcv_wscale = 7\n",
            "files/83/inet/conn/timestamp = 1234560\n",
            "files/83/inet/conn/sndbuf = 16384\n",
            "files/83/inet/conn/rcvbuf = 131072\n",
            "files/83/inet/conn/send_bytes = 16\n",
            "files/83/inet/conn/unsent_bytes = 6\n",
            "files/83/inet/conn/recv_bytes = 5\n",
            "files/83/inet/conn/opts = sack,timestamps,wscale\n",
            "files/84/inet/conn/copied_seq = 1004\n",
            "files/84/inet/conn/send_bytes = 0\n",
            "files/84/inet/conn/recv_bytes = 6\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        // A TCP socket has no datagram queue.
        assert!(!t.contains("files/83/inet/queue"), "{t}");
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let f = j["files"]
            .as_array()
            .and_then(|v| v.iter().find(|f| f["objid"] == 83))
            .unwrap();
        assert_eq!(
            f["inet"]["conn"],
            serde_json::json!({
                "seqs": {"snd_una": 1000, "snd_nxt": 1010, "write_seq": 1016,
                         "rcv_nxt": 5000, "copied_seq": 4995},
                "windows": {"snd_wl1": 5000, "snd_wnd": 65536, "max_window": 65536,
                            "rcv_wnd": 65536, "rcv_wup": 5000},
                "opts": ["sack", "timestamps", "wscale"],
                "mss": 65483,
                "wscales": {"snd": 7, "rcv": 7},
                "timestamp": 1_234_560,
                "bufs": {"sndbuf": 16384, "rcvbuf": 131_072},
                "send_bytes": 16,
                "unsent_bytes": 6,
                "recv_bytes": 5
            })
        );
        assert!(f["inet"].get("queue").is_none(), "{f}");
        // No option agreed on, nothing queued; an IPv6 connection.
        let r = tcp_sock(
            "[fe80::1]:22".parse().unwrap(),
            "[fe80::2]:50000".parse().unwrap(),
        );
        let c = crate::format::kcr_rec_tcp_conn {
            opts: 0,
            snd_wscale: 0,
            rcv_wscale: 0,
            mss_clamp: 536,
            snd_wnd: 65535,
            max_window: 65535,
            rcv_wnd: 65535,
            ..tcp_conn(7, 9)
        };
        let img = parse(&with_files(&tcp_records(90, 0o2, &r, &c, &[]), 3)[..]).unwrap();
        let s = summary(&img);
        let want = "file #90: inet ipv6 tcp socket, connected, local [fe80::1]:22, peer \
                    [fe80::2]:50000 (flags 0o2)\n\
                    \x20 options: defaults; inode mode 140777 uid 0 gid 0\n\
                    \x20 connection: mss 536; send queue 0 bytes, receive queue 0 bytes\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        let t = tree(&img);
        assert!(t.contains("files/90/inet/conn/opts = \n"), "{t}");
        // None on the other sockets.
        let img = parse(&with_inet()[..]).unwrap();
        assert!(!summary(&img).contains("connection:"));
        assert!(!tree(&img).contains("/conn/"));
        assert!(!json(&img).unwrap().contains("\"conn\""));
    }

    #[test]
    fn tcp_listeners_show_their_connections_not_accepted_yet() {
        let img = parse(&with_tcp_backlog()[..]).unwrap();
        let s = summary(&img);
        let want = "file #85: inet ipv4 tcp socket, listen, on 0.0.0.0:7462, backlog 4 (flags \
                    0o4002)\n\
                    \x20 options: bind-port, reuseaddr, nodelay; inode mode 140777 uid 0 gid 0\n\
                    \x20 2 connections not accepted yet\n\
                    \x20 connection 0 not accepted yet: local 127.0.0.1:7462, peer \
                    127.0.0.1:40001; mss 65483, sack, timestamps, wscale 7/7; send queue 0 \
                    bytes, receive queue 6 bytes\n\
                    \x20 connection 1 not accepted yet: local 127.0.0.1:7462, peer \
                    127.0.0.1:40002; mss 65483, sack, timestamps, wscale 7/7; send queue 0 \
                    bytes, receive queue 0 bytes\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        let t = tree(&img);
        for want in [
            "files/85/inet/state = listen\n",
            "files/85/inet/accept_queue/connections = 2\n",
            "files/85/inet/accept_queue/0/state = connected\n",
            "files/85/inet/accept_queue/0/local = 127.0.0.1:7462\n",
            "files/85/inet/accept_queue/0/peer = 127.0.0.1:40001\n",
            "files/85/inet/accept_queue/0/tcp/flags = nodelay\n",
            "files/85/inet/accept_queue/0/conn/copied_seq = 7000\n",
            "files/85/inet/accept_queue/0/conn/recv_bytes = 6\n",
            "files/85/inet/accept_queue/1/peer = 127.0.0.1:40002\n",
            "files/85/inet/accept_queue/1/conn/recv_bytes = 0\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        assert!(!t.contains("files/85/inet/conn/"), "{t}");
        assert!(
            !t.contains("files/85/inet/accept_queue/0/accept_queue"),
            "{t}"
        );
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let f = j["files"]
            .as_array()
            .and_then(|v| v.iter().find(|f| f["objid"] == 85))
            .unwrap();
        let q = f["inet"]["accept_queue"].as_array().unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(q[0]["peer"], "127.0.0.1:40001");
        assert_eq!(q[0]["state"], "connected");
        assert_eq!(q[0]["conn"]["recv_bytes"], 6);
        assert_eq!(q[1]["conn"]["seqs"]["snd_una"], 9000);
        assert!(q[0].get("accept_queue").is_none(), "{f}");
        // A listener with none shows an empty queue in the tree and JSON,
        // nothing in the summary; other sockets have none.
        let img = parse(&with_inet()[..]).unwrap();
        assert!(!summary(&img).contains("not accepted yet"));
        let t = tree(&img);
        assert!(
            t.contains("files/80/inet/accept_queue/connections = 0\n"),
            "{t}"
        );
        assert!(!t.contains("files/81/inet/accept_queue"), "{t}");
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        assert_eq!(j["files"][3]["inet"]["accept_queue"], serde_json::json!([]));
        assert!(j["files"][4]["inet"].get("accept_queue").is_none());
        // The summary shows the first 16 connections, then counts.
        let mut l = tcp_sock_listener();
        l.backlog = 20;
        let conns: Vec<Vec<u8>> = (0..18u16)
            .map(|k| {
                tcp_queued_records(
                    &l,
                    "127.0.0.1".parse().unwrap(),
                    ([127, 0, 0, 1], 40000 + k).into(),
                    &tcp_conn(1, 1),
                    &[],
                )
            })
            .collect();
        let v = tcp_listener_records(90, 0o2, &l, &conns);
        let img = parse(&with_files(&v, 2 + 2 * 18)[..]).unwrap();
        let s = summary(&img);
        for want in [
            "  18 connections not accepted yet\n",
            "  connection 15 not accepted yet: local 127.0.0.1:8080, peer 127.0.0.1:40015; ",
            "  ... and 2 more connections\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        assert!(!s.contains("connection 16 not accepted yet"), "{s}");
        let t = tree(&img);
        assert!(
            t.contains("files/90/inet/accept_queue/17/peer = 127.0.0.1:40017\n"),
            "{t}"
        );
    }

    /// A TCP listener on 127.0.0.1:8080 (both named by `bind()`).
    fn tcp_sock_listener() -> crate::format::kcr_rec_inet {
        let mut l = crate::samples::inet_sock(
            inet_sock::AF_INET,
            inet_sock::IPPROTO_TCP,
            inet_state::LISTEN,
        );
        l.flags = inet_flags::BIND_ADDR | inet_flags::BIND_PORT;
        l.saddr = inet_addr("127.0.0.1".parse().unwrap());
        l.sport = 8080;
        l
    }

    #[test]
    fn named_and_listening_unix_sockets_show_their_names_and_connections() {
        let img = parse(&with_unix_listen(false)[..]).unwrap();
        let s = summary(&img);
        for want in [
            "file #60: unix dgram socket, close, no peer, 1 buffers queued (11 bytes) (flags \
             0o2)\n\
             \x20 name /tmp/cr-dgram.sock, socket file /tmp/cr-dgram.sock inode 4242 mode \
             140755 owner 1000:1000\n\
             \x20 options: sndbuf 212992, rcvbuf 212992, backlog 10, rcvlowat 1; inode mode \
             140777 uid 0 gid 0\n",
            "file #61: unix dgram socket, established, peer #60, nothing queued (flags 0o2)\n\
             \x20 name @cr-vmm\\x00x\n\
             \x20 options:",
            "file #62: unix stream socket, listen, listening, backlog 5, 2 connections not \
             accepted yet (flags 0o4002)\n\
             \x20 name /tmp/cr-listen.sock, socket file /tmp/cr-listen.sock inode 4343 mode \
             140777 owner 0:0\n\
             \x20 options: sndbuf 212992, rcvbuf 212992, backlog 5, rcvlowat 1; inode mode \
             140777 uid 0 gid 0\n\
             \x20 connection 0 not accepted yet: from #63, nothing queued, peer credentials \
             pid 42 uid 0 gid 0\n\
             \x20 connection 1 not accepted yet: from a closed socket, 1 buffers queued (4 \
             bytes), shut down for read and write, peer credentials pid 0 uid 1000 gid 1000\n",
            "file #63: unix stream socket, established, connecting to #62 (not accepted yet), \
             nothing queued (flags 0o2)\n\
             \x20 options:",
            "file #64: unix stream socket, established, peer #65, nothing queued (flags 0o2)\n\
             \x20 name /tmp/cr-listen.sock (of its listener)\n\
             \x20 options:",
            "file #65: unix stream socket, established, peer #64, nothing queued (flags 0o2)\n\
             \x20 options:",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "files/60/unix/flags = bound\n",
            "files/60/unix/name = /tmp/cr-dgram.sock\n",
            "files/60/unix/bound = true\n",
            "files/60/unix/node/path = /tmp/cr-dgram.sock\n",
            "files/60/unix/node/ino = 4242\n",
            "files/60/unix/node/mode = 140755\n",
            "files/60/unix/node/owner = 1000:1000\n",
            "files/60/unix/queue/0 = 11 bytes creds pid 42 uid 0 gid 0 sender files/61\n",
            "files/61/unix/name = @cr-vmm\\x00x\n",
            "files/62/unix/state = listen\n",
            "files/62/unix/backlog = 5\n",
            "files/62/unix/peer = none\n",
            "files/62/unix/embryos/0/peer = files/63\n",
            "files/62/unix/embryos/0/shutdown = 0\n",
            "files/62/unix/embryos/0/peercred = pid 42 uid 0 gid 0\n",
            "files/62/unix/embryos/0/queue/bytes = 0\n",
            "files/62/unix/embryos/1/peer = dead\n",
            "files/62/unix/embryos/1/shutdown = 3\n",
            "files/62/unix/embryos/1/queue/bytes = 4\n",
            "files/62/unix/embryos/1/queue/0 = 4 bytes creds pid 0 uid 1000 gid 1000\n",
            "files/63/unix/peer = embryo of files/62\n",
            "files/64/unix/name = /tmp/cr-listen.sock\n",
            "files/64/unix/bound = false\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        for absent in [
            "files/61/unix/node/",
            "files/64/unix/node/",
            "files/63/unix/name",
            "files/63/unix/embryos/",
            "files/62/unix/embryos/0/queue/0",
        ] {
            assert!(!t.contains(absent), "{absent:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let u = |i: usize| j["files"][i]["unix"].clone();
        assert_eq!(j["files"][3]["objid"], 60);
        assert_eq!(u(3)["name"], "/tmp/cr-dgram.sock");
        assert_eq!(
            u(3)["node"],
            serde_json::json!({
                "path": "/tmp/cr-dgram.sock", "ino": 4242, "mode": 0o140755,
                "uid": 1000, "gid": 1000
            })
        );
        assert_eq!(u(4)["name"], "@cr-vmm\\x00x");
        assert_eq!(
            u(5)["embryos"][1],
            serde_json::json!({
                "peer": "dead", "shutdown": 3,
                "peercred": {"pid": 0, "uid": 1000, "gid": 1000},
                "bytes": 4, "buffers": [{"len": 4, "creds": {"pid": 0, "uid": 1000, "gid": 1000}}]
            })
        );
        assert_eq!(u(5)["embryos"][0]["peer_file"], 63);
        assert_eq!(
            u(6)["queue"],
            serde_json::json!({"peer": "embryo", "peer_file": 62, "bytes": 0, "buffers": []})
        );
        assert_eq!(
            (&u(7)["name"], &u(7)["bound"]),
            (&"/tmp/cr-listen.sock".into(), &false.into())
        );
        // An unnamed socket shows no name, and a socket no connections.
        assert!(u(6).get("name").is_none() && u(6).get("node").is_none());
        assert!(u(3).get("embryos").is_none());
    }

    #[test]
    fn unix_sockets_connected_outside_show_their_peer_s_name() {
        let img = parse(&with_unix_external()[..]).unwrap();
        let s = summary(&img);
        for want in [
            "file #70: unix stream socket, established, connected outside to /run/daemon.sock \
             (connects again on restart), 1 buffers queued (22 bytes) (flags 0o2)\n\
             \x20 options: sndbuf 212992, rcvbuf 212992, backlog 10, rcvlowat 1, peer \
             credentials pid 1 uid 0 gid 0; inode mode 140777 uid 0 gid 0\n",
            "file #71: unix dgram socket, established, connected outside to @cr-log (connects \
             again on restart), 1 buffers queued (4 bytes) (flags 0o2)\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        // Its peer's name is not its own.
        assert!(!s.contains("  name "), "{s}");
        let t = tree(&img);
        for want in [
            "files/70/unix/peer = external /run/daemon.sock\n",
            "files/70/unix/queue/bytes = 22\n",
            "files/70/unix/queue/0 = 22 bytes creds pid 0 uid 0 gid 0\n",
            "files/71/unix/peer = external @cr-log\n",
            "files/71/unix/queue/0 = 4 bytes\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        assert!(!t.contains("files/70/unix/name"), "{t}");
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let q = j["files"]
            .as_array()
            .and_then(|v| v.iter().find(|f| f["objid"] == 71))
            .map(|f| f["unix"]["queue"].clone())
            .unwrap();
        assert_eq!(
            q,
            serde_json::json!({
                "peer": "external",
                "peer_name": "@cr-log",
                "bytes": 4,
                "buffers": [{"len": 4}]
            })
        );
        // A name of bytes that are not text shows escaped.
        let mut v = unix_records(60, 0o2, &unix_sock(unix_sock::DGRAM, unix_sock::CLOSE));
        v.extend(unix_external_queue_records(60, b"\0a\0\xff", &[]));
        let img = parse(&with_files(&v, 3)[..]).unwrap();
        let s = summary(&img);
        let want = "connected outside to @a\\x00\\xff (connects again on restart), nothing queued";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        assert!(tree(&img).contains("files/60/unix/peer = external @a\\x00\\xff\n"));
    }

    #[test]
    fn unix_buffers_show_their_files_in_flight() {
        let img = parse(&with_unix_fds()[..]).unwrap();
        let s = summary(&img);
        for want in [
            "file #50: unix stream socket, established, peer #51, 1 buffers queued (4 bytes) \
             (flags 0o2)\n\
             \x20 options: sndbuf 212992, rcvbuf 212992, backlog 10, rcvlowat 1; inode mode \
             140777 uid 0 gid 0\n\
             \x20 buffer 0: 4 bytes, files in flight #2\n",
            "file #52: unix dgram socket, close, no peer, 2 buffers queued (3 bytes) (flags \
             0o2)\n\
             \x20 options: sndbuf 212992, rcvbuf 212992, backlog 10, rcvlowat 1; inode mode \
             140777 uid 0 gid 0\n\
             \x20 buffer 0: 3 bytes, files in flight #7 #52 #7\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        // Buffers without files have no line.
        assert_eq!(s.matches("files in flight").count(), 2, "{s}");
        assert!(!s.contains("buffer 1:"), "{s}");
        let t = tree(&img);
        for want in [
            "files/50/unix/queue/0 = 4 bytes files in flight files/2\n",
            "files/52/unix/queue/0 = 3 bytes creds pid 0 uid 1000 gid 1000 files in flight \
             files/7 files/52 files/7\n",
            "files/52/unix/queue/1 = 0 bytes\n",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let d = &j["files"][5]["unix"]["queue"];
        assert_eq!(j["files"][5]["objid"], 52);
        assert_eq!(
            d["buffers"],
            serde_json::json!([
                {"len": 3, "creds": {"pid": 0, "uid": 1000, "gid": 1000}, "fds": [7, 52, 7]},
                {"len": 0}
            ])
        );
        // On a connection not accepted yet, under its line.
        let mut v = unix_records(
            60,
            2,
            &kcr_rec_unix {
                backlog: 5,
                ..unix_named(
                    unix_sock(unix_sock::STREAM, unix_sock::LISTEN),
                    b"\0l",
                    true,
                )
            },
        );
        v.extend(unix_listen_records(
            60,
            &[unix_embryo_records(
                unix_peer::DEAD,
                0,
                0,
                None,
                &[
                    unix_skb_record(b"a", None, 0),
                    unix_skb_fds_record(b"bc", None, 0, &[2, 60]),
                ],
            )],
        ));
        let img = parse(&with_files(&v, 6)[..]).unwrap();
        let s = summary(&img);
        let want = "\x20 connection 0 not accepted yet: from a closed socket, 2 buffers queued (3 \
                    bytes)\n\
                    \x20   buffer 1: 2 bytes, files in flight #2 #60\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        let t = tree(&img);
        let want = "files/60/unix/embryos/0/queue/1 = 2 bytes files in flight files/2 files/60\n";
        assert!(t.contains(want), "missing {want:?} in:\n{t}");
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        assert_eq!(
            j["files"][3]["unix"]["embryos"][0]["buffers"][1]["fds"],
            serde_json::json!([2, 60])
        );
    }

    #[test]
    fn zombies_are_named() {
        let tt = [entry(42, 1, 42, 42), zombie(50, 42, 42, 42, 42 << 8)];
        let img = parse(&tree_sample(&tt)[..]).unwrap();
        let s = summary(&img);
        assert!(
            s.contains("pid 50 ppid 42 pgid 42 sid 42, zombie (wait status 0x2a00)"),
            "{s}"
        );
        let t = tree(&img);
        assert!(
            t.contains("tree/50 = ppid 42 pgid 42 sid 42 zombie 0x2a00"),
            "{t}"
        );
    }

    #[test]
    fn summary_tree_and_json_of_the_sample() {
        let img = parse(&sample()[..]).unwrap();
        let s = summary(&img);
        for want in [
            "000000400000-000000402000 r-x /bin/counter +0x0 pages 0",
            "pipe #5: 5 of 65536 bytes buffered",
            "file #7: pipe end (read) of pipe #5",
            "fd 3 (cloexec): #2 /bin/counter",
            "fs: umask 022, root #6 /, cwd #6 /",
            "sig 10: handler 0x401100",
            "pending sig 10 code -1 (task queue)",
            "groups: [5, 6]",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "task-42/mm/vmas/1/pages = 3",
            "task-42/fds/3 = files/2",
            "task-42/fds/3/cloexec = 1",
            "files/7/pipe = pipes/5",
            "task-42/signals/pending/0 = sig 10 code -1 queue task",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        assert!(json(&img).unwrap().contains("\"comm\": \"counter\""));
    }

    #[test]
    fn attributes_in_every_form() {
        let img = parse(&sample()[..]).unwrap();
        let s = summary(&img);
        for want in [
            "  attrs: nice 0, policy normal, oom_score_adj 0, pdeath signal 0, \
             timer slack 50000 ns, flags [], exe #2 /bin/counter\n",
            "  auxv: AT_PAGESZ 0x1000, AT_NULL 0x0\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "task-42/attrs/nice = 0",
            "task-42/attrs/policy = normal",
            "task-42/attrs/oom_score_adj = 0",
            "task-42/attrs/pdeath_signal = 0",
            "task-42/attrs/timer_slack_ns = 50000",
            "task-42/attrs/exe = files/2",
            "task-42/attrs/auxv/0 = AT_PAGESZ 0x1000",
            "task-42/attrs/auxv/1 = AT_NULL 0x0",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let a = &j["tasks"][0]["attrs"];
        assert_eq!(a["policy"], "normal");
        assert_eq!(a["exe"], 2);
        assert_eq!(a["auxv"], serde_json::json!([[6, 4096], [0, 0]]));
        // A thread has none of its own; unknown vector entries by number.
        let img = parse(&threaded(2, &[thread_records(43, 50, &[])])[..]).unwrap();
        assert!(tree(&img).contains("task-42/attrs/nice = 0"));
        assert!(!tree(&img).contains("threads/43/attrs"));
        assert_eq!(auxv_entry(&(99, 1)), "type 99 0x1");
    }

    #[test]
    fn summary_of_other_shapes() {
        let cases = [
            (
                threaded(
                    3,
                    &[
                        thread_records(43, 50, &[(10, 0)]),
                        thread_records(44, 51, &[]),
                    ],
                ),
                "thread 43",
            ),
            (
                tree_sample(&[entry(42, 1, 42, 42)]),
                "pid 42 ppid 1 pgid 42 sid 42",
            ),
            (with_debugregs(0x601000, 0xd0001), "dr7 0xd0001"),
            // Found by the image_parse fuzz target: the offset was
            // multiplied by the page size without a check.
            (
                with_file_pgoff((u64::MAX >> 12) - 2),
                "/bin/counter +0xffffffffffffd000",
            ),
            (with_memfd(8192), "shmem memfd:x"),
        ];
        for (img, want) in cases {
            let s = summary(&parse(&img[..]).unwrap());
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
    }

    #[test]
    fn memfd_seals_are_shown() {
        use crate::format::seal_flags::*;
        let img = parse(&with_seals(SEAL | SHRINK | GROW | WRITE)[..]).unwrap();
        let s = summary(&img);
        let want = "file #20: shmem memfd:x (8292 bytes, 1 pages saved, pos 0), \
                    seals seal,shrink,grow,write\n";
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
        let t = tree(&img);
        assert!(
            t.contains("files/20/seals = seal,shrink,grow,write\n"),
            "{t}"
        );
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let m = &j["files"][3];
        assert_eq!(m["objid"], 20);
        assert_eq!(
            m["seals"],
            serde_json::json!(["seal", "shrink", "grow", "write"])
        );
        // A sealable memfd with no seal, and every seal but F_SEAL_SEAL.
        let img = parse(&with_seals(0)[..]).unwrap();
        let s = summary(&img);
        assert!(s.contains("pos 0), sealable, no seals\n"), "{s}");
        assert!(tree(&img).contains("files/20/seals = none\n"));
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        assert_eq!(j["files"][3]["seals"], serde_json::json!([]));
        let img = parse(&with_seals(ALL & !SEAL)[..]).unwrap();
        assert!(
            summary(&img).contains(", seals shrink,grow,write,future-write,exec\n"),
            "{}",
            summary(&img)
        );
        // None without a SEALS record (F_SEAL_SEAL alone).
        let img = parse(&with_memfd(8192)[..]).unwrap();
        let s = summary(&img);
        assert!(s.contains("pos 0)\n") && !s.contains("seal"), "{s}");
        assert!(!tree(&img).contains("/seals"));
        assert!(!json(&img).unwrap().contains("\"seals\""));
    }

    #[test]
    fn ghost_files_in_every_form() {
        let img = parse(&with_mapped_ghost()[..]).unwrap();
        let s = summary(&img);
        for want in [
            "file #20: ghost /tmp/data.log (deleted) 1 pages saved (8292 bytes, ino 77, \
             mode 100644, pos 100, flags 0o2)\n",
            "000000400000-000000402000 rw- /tmp/data.log (deleted) +0x0 [shared] pages 0\n",
        ] {
            assert!(s.contains(want), "missing {want:?} in:\n{s}");
        }
        let t = tree(&img);
        for want in [
            "files/20/kind = ghost",
            "files/20/path = /tmp/data.log\n",
            "files/20/mode = 100644",
            "files/20/size = 8292",
            "files/20/pages = 1",
            "task-42/mm/vmas/0/file = files/20",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        let j: serde_json::Value = serde_json::from_str(&json(&img).unwrap()).unwrap();
        let g = &j["files"][3];
        assert_eq!(g["kind"], "ghost");
        assert_eq!(g["path"], "/tmp/data.log");
        assert_eq!(g["pages"], 1);
    }
}
