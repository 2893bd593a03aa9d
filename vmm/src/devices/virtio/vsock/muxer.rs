//! The host side of the vsock device: Firecracker's hybrid vsock protocol
//! over Unix sockets, and the table of connections.
//!
//! - Host-initiated: a host program connects to the Unix socket `PATH`,
//!   writes `CONNECT <port>\n`, and once the guest accepted gets
//!   `OK <host port>\n`; the stream then carries the connection's bytes.
//! - Guest-initiated: a guest connection to host port `P` is forwarded to
//!   the Unix socket `PATH_P`, which a host program listens on.
//!
//! The muxer never blocks: host sockets are non-blocking, and the device
//! asks it for the next packet only when the guest gave a receive buffer.
//! Which host fds it wants polled, and for what, is kept in a table that
//! the device applies to its event loop after each event ([`Muxer::interest`]).

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::num::Wrapping;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use virtio_vsock::packet::{VsockPacket, PKT_HEADER_SIZE};
use vm_memory::bitmap::BitmapSlice;
use vm_memory::{ReadVolatile, VolatileSlice};

use super::connection::{Connection, State, BUF_ALLOC};
use super::defs::*;

/// A connection's key: (host-side port, guest port).
pub type ConnKey = (u32, u32);

/// What the event loop should watch on a host fd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interest {
    /// Wait for input (or hang-up).
    pub read: bool,
    /// Wait until the socket accepts output.
    pub write: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RxItem {
    Ctrl { key: ConnKey, op: u16, flags: u32 },
    Data(ConnKey),
}

/// A host client that has not finished its `CONNECT <port>\n` line.
#[derive(Debug)]
struct Handshake {
    stream: UnixStream,
    line: Vec<u8>,
}

/// Longest `CONNECT <port>\n` line accepted.
const MAX_CONNECT_LINE: usize = 32;
/// First port handed out to host-initiated connections (as Firecracker).
pub const FIRST_LOCAL_PORT: u32 = 1 << 30;
/// Most connections at once; more are refused.
pub const MAX_CONNECTIONS: usize = 1024;

/// Errors creating the muxer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Unix socket path cannot be bound.
    #[error("cannot listen on vsock socket {path}: {err}")]
    Bind {
        /// The path.
        path: PathBuf,
        /// Why.
        err: io::Error,
    },
}

/// Host-side connection table.
#[derive(Debug)]
pub struct Muxer {
    guest_cid: u64,
    path: PathBuf,
    listener: UnixListener,
    conns: HashMap<ConnKey, Connection>,
    handshakes: HashMap<RawFd, Handshake>,
    by_fd: HashMap<RawFd, ConnKey>,
    rx: VecDeque<RxItem>,
    next_port: u32,
    /// Streams removed from the table, kept open until the event loop has
    /// stopped watching them (a closed fd number could be reused).
    closed: Vec<UnixStream>,
}

impl Muxer {
    /// Listens on `path` for host-initiated connections. The path must not
    /// exist.
    pub fn new(guest_cid: u64, path: &Path) -> Result<Self, Error> {
        let bind_err = |err| Error::Bind {
            path: path.to_path_buf(),
            err,
        };
        let listener = UnixListener::bind(path).map_err(bind_err)?;
        listener.set_nonblocking(true).map_err(bind_err)?;
        Ok(Muxer {
            guest_cid,
            path: path.to_path_buf(),
            listener,
            conns: HashMap::new(),
            handshakes: HashMap::new(),
            by_fd: HashMap::new(),
            rx: VecDeque::new(),
            next_port: FIRST_LOCAL_PORT,
            closed: Vec::new(),
        })
    }

    /// The listening socket's fd.
    pub fn listener_fd(&self) -> RawFd {
        self.listener.as_raw_fd()
    }

    /// Number of open connections (including handshakes in progress).
    pub fn connection_count(&self) -> usize {
        self.conns.len() + self.handshakes.len()
    }

    /// Whether a packet for the guest may be ready.
    pub fn has_rx(&self) -> bool {
        !self.rx.is_empty()
    }

    /// Drops every connection (device reset): host clients see EOF.
    pub fn reset(&mut self) {
        let conns: Vec<_> = self.conns.drain().map(|(_, c)| c.stream).collect();
        self.closed.extend(conns);
        let hs: Vec<_> = self.handshakes.drain().map(|(_, h)| h.stream).collect();
        self.closed.extend(hs);
        self.by_fd.clear();
        self.rx.clear();
    }

    /// The fds the event loop should watch now (besides the listener), and
    /// the fds it must stop watching before they are closed.
    pub fn interest(&self) -> (Vec<(RawFd, Interest)>, Vec<RawFd>) {
        let mut want = Vec::new();
        for fd in self.handshakes.keys() {
            want.push((
                *fd,
                Interest {
                    read: true,
                    write: false,
                },
            ));
        }
        for c in self.conns.values() {
            let read =
                c.state == State::Established && !c.readable && !c.peer_shut_rcv && !c.host_eof;
            let write = c.has_pending_tx();
            if read || write {
                want.push((c.stream.as_raw_fd(), Interest { read, write }));
            }
        }
        let gone = self.closed.iter().map(|s| s.as_raw_fd()).collect();
        (want, gone)
    }

    /// Every host fd of a connection or handshake (tests and fuzzing drive
    /// events through [`Self::host_event`] with them).
    pub(crate) fn host_fds(&self) -> Vec<RawFd> {
        self.handshakes
            .keys()
            .copied()
            .chain(self.conns.values().map(|c| c.stream.as_raw_fd()))
            .collect()
    }

    /// Closes the streams [`Self::interest`] reported as gone.
    pub fn release_closed(&mut self) {
        self.closed.clear();
    }

    fn queue_ctrl(&mut self, key: ConnKey, op: u16, flags: u32) {
        self.rx.push_back(RxItem::Ctrl { key, op, flags });
    }

    fn queue_data(&mut self, key: ConnKey) {
        if let Some(c) = self.conns.get_mut(&key) {
            if !c.rx_queued {
                c.rx_queued = true;
                self.rx.push_back(RxItem::Data(key));
            }
        }
    }

    fn remove(&mut self, key: ConnKey) {
        if let Some(c) = self.conns.remove(&key) {
            self.by_fd.remove(&c.stream.as_raw_fd());
            self.closed.push(c.stream);
        }
    }

    fn reset_conn(&mut self, key: ConnKey) {
        self.remove(key);
        self.queue_ctrl(key, OP_RST, 0);
    }

    /// Accepts every pending host client.
    pub fn accept(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if self.connection_count() >= MAX_CONNECTIONS {
                        log::warn!("vsock: too many connections; refusing a host client");
                        continue;
                    }
                    if let Err(e) = stream.set_nonblocking(true) {
                        log::warn!("vsock: host client: {e}");
                        continue;
                    }
                    self.handshakes.insert(
                        stream.as_raw_fd(),
                        Handshake {
                            stream,
                            line: Vec::new(),
                        },
                    );
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    log::error!("vsock: accept: {e}");
                    return;
                }
            }
        }
    }

    /// Handles readiness of host fd `fd`.
    pub fn host_event(&mut self, fd: RawFd, readable: bool, writable: bool) {
        if self.handshakes.contains_key(&fd) {
            self.handshake(fd);
            return;
        }
        let Some(&key) = self.by_fd.get(&fd) else {
            return;
        };
        if writable {
            self.flush(key);
        }
        if readable {
            if let Some(c) = self.conns.get_mut(&key) {
                c.readable = true;
                if c.peer_credit() == 0 {
                    self.queue_ctrl(key, OP_CREDIT_REQUEST, 0);
                } else {
                    self.queue_data(key);
                }
            }
        }
    }

    /// Reads the `CONNECT <port>\n` line one byte at a time, so that no
    /// byte of the stream that follows is consumed.
    fn handshake(&mut self, fd: RawFd) {
        let Some(h) = self.handshakes.get_mut(&fd) else {
            return;
        };
        let mut b = [0u8; 1];
        let done = loop {
            match h.stream.read(&mut b) {
                Ok(0) => break Err("closed before CONNECT".to_string()),
                Ok(_) if b[0] == b'\n' => break Ok(()),
                Ok(_) if h.line.len() >= MAX_CONNECT_LINE => {
                    break Err("CONNECT line too long".to_string())
                }
                Ok(_) => h.line.push(b[0]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e.to_string()),
            }
        };
        let Some(mut h) = self.handshakes.remove(&fd) else {
            return;
        };
        let port = done.and_then(|()| parse_connect(&h.line));
        match port {
            Ok(port) => {
                let Some(local) = self.alloc_port(port) else {
                    let _ = h.stream.write_all(b"ERR no free port\n");
                    self.closed.push(h.stream);
                    return;
                };
                let key = (local, port);
                self.by_fd.insert(fd, key);
                self.conns
                    .insert(key, Connection::new(h.stream, State::Connecting));
                self.queue_ctrl(key, OP_REQUEST, 0);
            }
            Err(msg) => {
                log::warn!("vsock: host client: {msg}");
                let _ = h.stream.write_all(format!("ERR {msg}\n").as_bytes());
                self.closed.push(h.stream);
            }
        }
    }

    fn alloc_port(&mut self, peer: u32) -> Option<u32> {
        for _ in 0..MAX_CONNECTIONS * 2 {
            let p = self.next_port;
            self.next_port = self.next_port.checked_add(1).unwrap_or(FIRST_LOCAL_PORT);
            if !self.conns.contains_key(&(p, peer)) {
                return Some(p);
            }
        }
        None
    }

    fn flush(&mut self, key: ConnKey) {
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        match c.flush_tx() {
            Ok(true) => {
                if c.peer_shut_send {
                    let _ = c.stream.shutdown(std::net::Shutdown::Write);
                }
                if c.needs_credit_update() {
                    self.queue_ctrl(key, OP_CREDIT_UPDATE, 0);
                }
            }
            Ok(false) => {
                if c.needs_credit_update() {
                    self.queue_ctrl(key, OP_CREDIT_UPDATE, 0);
                }
            }
            Err(e) => {
                log::debug!("vsock: host socket write failed: {e}");
                self.reset_conn(key);
            }
        }
    }

    /// Handles one packet the guest sent. `data` is its payload.
    pub fn guest_packet<B: BitmapSlice>(&mut self, hdr: &Header, data: &[VolatileSlice<'_, B>]) {
        let key = (hdr.dst_port, hdr.src_port);
        if hdr.src_cid != self.guest_cid || hdr.dst_cid != HOST_CID || hdr.type_ != TYPE_STREAM {
            log::debug!("vsock: dropping packet with bad address or type: {hdr:?}");
            if hdr.op != OP_RST {
                self.queue_ctrl(key, OP_RST, 0);
            }
            return;
        }
        if hdr.op == OP_REQUEST {
            self.guest_connect(key);
            return;
        }
        let Some(c) = self.conns.get_mut(&key) else {
            if hdr.op != OP_RST {
                self.queue_ctrl(key, OP_RST, 0);
            }
            return;
        };
        c.update_peer_credit(hdr.buf_alloc, hdr.fwd_cnt);
        match (hdr.op, c.state) {
            (OP_RESPONSE, State::Connecting) => {
                let ok = format!("OK {}\n", key.0);
                if c.stream.write_all(ok.as_bytes()).is_err() {
                    self.reset_conn(key);
                    return;
                }
                c.state = State::Established;
            }
            (OP_RW, State::Established) => {
                if c.peer_shut_send {
                    self.reset_conn(key);
                    return;
                }
                if let Err(e) = c.send_to_host(data) {
                    log::debug!("vsock: forwarding to host failed: {e}");
                    self.reset_conn(key);
                    return;
                }
                if c.needs_credit_update() {
                    self.queue_ctrl(key, OP_CREDIT_UPDATE, 0);
                }
            }
            (OP_CREDIT_UPDATE, _) => {}
            (OP_CREDIT_REQUEST, _) => self.queue_ctrl(key, OP_CREDIT_UPDATE, 0),
            (OP_SHUTDOWN, _) => {
                c.peer_shut_rcv |= hdr.flags & SHUTDOWN_RCV != 0;
                c.peer_shut_send |= hdr.flags & SHUTDOWN_SEND != 0;
                // Both directions done: terminate (the device sends RST).
                let done = c.peer_shut_rcv && c.peer_shut_send;
                if (done || (c.peer_shut_send && c.host_eof)) && !c.has_pending_tx() {
                    self.reset_conn(key);
                    return;
                }
                if c.peer_shut_send && !c.has_pending_tx() {
                    let _ = c.stream.shutdown(std::net::Shutdown::Write);
                }
            }
            (OP_RST, _) => self.remove(key),
            _ => {
                log::debug!("vsock: unexpected op {} in state {:?}", hdr.op, c.state);
                self.reset_conn(key);
                return;
            }
        }
        // New credit may let queued host data through.
        if let Some(c) = self.conns.get(&key) {
            if c.readable && c.peer_credit() > 0 && c.state == State::Established {
                self.queue_data(key);
            }
        }
    }

    fn guest_connect(&mut self, key: ConnKey) {
        if self.conns.contains_key(&key) || self.connection_count() >= MAX_CONNECTIONS {
            self.queue_ctrl(key, OP_RST, 0);
            return;
        }
        let mut p = self.path.clone().into_os_string();
        p.push(format!("_{}", key.0));
        match UnixStream::connect(&p).and_then(|s| s.set_nonblocking(true).map(|()| s)) {
            Ok(stream) => {
                self.by_fd.insert(stream.as_raw_fd(), key);
                self.conns
                    .insert(key, Connection::new(stream, State::Established));
                self.queue_ctrl(key, OP_RESPONSE, 0);
            }
            Err(e) => {
                log::debug!("vsock: guest connect to {p:?}: {e}");
                self.queue_ctrl(key, OP_RST, 0);
            }
        }
    }

    /// Writes the next packet for the guest into `pkt` (a receive buffer).
    /// Returns the bytes used (header plus payload), or None when nothing is
    /// pending (or nothing fits: data waits for a buffer with room for it).
    pub fn fill_rx<B: BitmapSlice>(&mut self, pkt: &mut VsockPacket<'_, B>) -> Option<u32> {
        // Each pending item is looked at once: data that does not fit is
        // queued again (read_host), and must not be retried for this
        // buffer, or this would spin forever.
        for _ in 0..self.rx.len() {
            let item = self.rx.pop_front()?;
            let (hdr, len) = match item {
                RxItem::Ctrl { key, op, flags } => {
                    let fwd = match self.conns.get_mut(&key) {
                        Some(c) => {
                            c.credit_sent();
                            c.fwd_cnt.0
                        }
                        None => 0,
                    };
                    (self.header(key, op, flags, 0, fwd), 0)
                }
                RxItem::Data(key) => match self.read_host(key, pkt.data_slice()) {
                    Some(v) => v,
                    None => continue,
                },
            };
            if write_header(pkt, &hdr).is_err() {
                log::error!("vsock: cannot write a packet header to the receive buffer");
                return None;
            }
            return Some(PKT_HEADER_SIZE as u32 + len);
        }
        None
    }

    fn header(&self, key: ConnKey, op: u16, flags: u32, len: u32, fwd_cnt: u32) -> Header {
        Header {
            src_cid: HOST_CID,
            dst_cid: self.guest_cid,
            src_port: key.0,
            dst_port: key.1,
            len,
            type_: TYPE_STREAM,
            op,
            flags,
            buf_alloc: BUF_ALLOC,
            fwd_cnt,
        }
    }

    /// Reads host data for connection `key` into `buf`.
    fn read_host<B: BitmapSlice>(
        &mut self,
        key: ConnKey,
        buf: Option<&VolatileSlice<'_, B>>,
    ) -> Option<(Header, u32)> {
        let c = self.conns.get_mut(&key)?;
        c.rx_queued = false;
        if c.state != State::Established || c.peer_shut_rcv || c.host_eof {
            return None;
        }
        let credit = c.peer_credit();
        if credit == 0 {
            return None;
        }
        let Some(buf) = buf else {
            // A receive buffer with no room for data: try again later.
            self.queue_data(key);
            return None;
        };
        let max = buf
            .len()
            .min(credit as usize)
            .min(MAX_PKT_BUF_SIZE as usize);
        let mut dst = buf.subslice(0, max).ok()?;
        match c.stream.read_volatile(&mut dst) {
            Ok(0) => {
                // End of file: the host will send no more. It may still
                // read (a half-closed socket); a fully closed one makes the
                // next write fail, which resets the connection.
                c.readable = false;
                c.host_eof = true;
                c.credit_sent();
                let fwd = c.fwd_cnt.0;
                Some((self.header(key, OP_SHUTDOWN, SHUTDOWN_SEND, 0, fwd), 0))
            }
            Ok(n) => {
                c.rx_cnt += Wrapping(n as u32);
                c.credit_sent();
                let fwd = c.fwd_cnt.0;
                // More may be waiting; the next read tells.
                self.queue_data(key);
                Some((self.header(key, OP_RW, 0, n as u32, fwd), n as u32))
            }
            Err(vm_memory::VolatileMemoryError::IOError(e))
                if e.kind() == io::ErrorKind::WouldBlock =>
            {
                c.readable = false;
                None
            }
            Err(e) => {
                log::debug!("vsock: host socket read failed: {e}");
                self.reset_conn(key);
                None
            }
        }
    }
}

impl Drop for Muxer {
    fn drop(&mut self) {
        // The socket file is ours: a later run may use the same path.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Parses `CONNECT <port>`.
fn parse_connect(line: &[u8]) -> Result<u32, String> {
    let s = std::str::from_utf8(line).map_err(|_| "CONNECT line is not UTF-8".to_string())?;
    let s = s.strip_suffix('\r').unwrap_or(s);
    let port = s
        .strip_prefix("CONNECT ")
        .ok_or_else(|| format!("expected 'CONNECT <port>', got {s:?}"))?;
    port.trim()
        .parse::<u32>()
        .map_err(|_| format!("bad port {port:?}"))
}

fn write_header<B: BitmapSlice>(
    pkt: &mut VsockPacket<'_, B>,
    h: &Header,
) -> Result<(), virtio_vsock::packet::Error> {
    pkt.set_header_from_raw(&h.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_lines() {
        assert_eq!(parse_connect(b"CONNECT 52"), Ok(52));
        assert_eq!(parse_connect(b"CONNECT 52\r"), Ok(52));
        assert!(parse_connect(b"CONNECT").is_err());
        assert!(parse_connect(b"CONNECT x").is_err());
        assert!(parse_connect(b"connect 52").is_err());
        assert!(parse_connect(b"CONNECT 99999999999").is_err());
        assert!(parse_connect(&[0xff, 0xfe]).is_err());
    }
}
