//! One vsock stream connection between a guest socket and a host Unix
//! socket: its state, the credit accounting of virtio-vsock (virtio 1.2,
//! 5.10.6.3) in both directions, and the bytes the host socket could not
//! take yet.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::num::Wrapping;
use std::os::unix::net::UnixStream;

use vm_memory::bitmap::BitmapSlice;
use vm_memory::{VolatileSlice, WriteVolatile};

/// Bytes this side buffers for the host socket: the `buf_alloc` the guest
/// sees. The guest never sends more than this without a credit update.
pub const BUF_ALLOC: u32 = 256 * 1024;
/// Send a credit update once this many bytes were forwarded since the last
/// one the guest saw.
pub const CREDIT_UPDATE_THRESHOLD: u32 = BUF_ALLOC / 4;

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Host-initiated: REQUEST sent to the guest, waiting for RESPONSE.
    Connecting,
    /// Both sides may send (unless shut down).
    Established,
}

/// A connection, keyed by (host-side port, guest port) in the muxer.
#[derive(Debug)]
pub struct Connection {
    /// The host end.
    pub stream: UnixStream,
    /// Current state.
    pub state: State,
    /// Bytes from the guest the host socket has not accepted yet.
    tx_buf: VecDeque<u8>,
    /// Bytes from the guest forwarded to the host socket.
    pub fwd_cnt: Wrapping<u32>,
    /// `fwd_cnt` as last told to the guest.
    last_fwd_cnt_sent: Wrapping<u32>,
    /// Bytes sent to the guest.
    pub rx_cnt: Wrapping<u32>,
    /// The guest's receive buffer size.
    pub peer_buf_alloc: u32,
    /// Bytes the guest has consumed.
    pub peer_fwd_cnt: Wrapping<u32>,
    /// The guest will send no more (SHUTDOWN with SEND).
    pub peer_shut_send: bool,
    /// The guest will receive no more (SHUTDOWN with RCV).
    pub peer_shut_rcv: bool,
    /// The host socket reached end of file (SHUTDOWN with SEND was sent).
    pub host_eof: bool,
    /// The host socket may have data to read (last poll said so).
    pub readable: bool,
    /// A data (or EOF) item for this connection is queued for the guest.
    pub rx_queued: bool,
}

impl Connection {
    /// A connection over `stream` (made non-blocking by the caller).
    pub fn new(stream: UnixStream, state: State) -> Self {
        Connection {
            stream,
            state,
            tx_buf: VecDeque::new(),
            fwd_cnt: Wrapping(0),
            last_fwd_cnt_sent: Wrapping(0),
            rx_cnt: Wrapping(0),
            peer_buf_alloc: 0,
            peer_fwd_cnt: Wrapping(0),
            peer_shut_send: false,
            peer_shut_rcv: false,
            host_eof: false,
            readable: false,
            rx_queued: false,
        }
    }

    /// Records the credit fields of a packet from the guest.
    pub fn update_peer_credit(&mut self, buf_alloc: u32, fwd_cnt: u32) {
        self.peer_buf_alloc = buf_alloc;
        self.peer_fwd_cnt = Wrapping(fwd_cnt);
    }

    /// Bytes the guest can take now.
    pub fn peer_credit(&self) -> u32 {
        let in_flight = (self.rx_cnt - self.peer_fwd_cnt).0;
        self.peer_buf_alloc.saturating_sub(in_flight)
    }

    /// Whether the host socket has buffered guest data waiting.
    pub fn has_pending_tx(&self) -> bool {
        !self.tx_buf.is_empty()
    }

    /// Notes that the guest was told the current `fwd_cnt`.
    pub fn credit_sent(&mut self) {
        self.last_fwd_cnt_sent = self.fwd_cnt;
    }

    /// Whether the guest should get a credit update now.
    pub fn needs_credit_update(&self) -> bool {
        (self.fwd_cnt - self.last_fwd_cnt_sent).0 >= CREDIT_UPDATE_THRESHOLD
    }

    /// Forwards guest data to the host socket, buffering what it cannot
    /// take now. Fails when the guest sent more than its credit allows or
    /// the socket failed.
    pub fn send_to_host<B: BitmapSlice>(
        &mut self,
        data: &[VolatileSlice<'_, B>],
    ) -> io::Result<()> {
        let total: usize = data.iter().map(|s| s.len()).sum();
        if self.tx_buf.len() + total > BUF_ALLOC as usize {
            return Err(io::Error::other("guest overran its credit"));
        }
        for s in data {
            let mut written = 0;
            if self.tx_buf.is_empty() {
                match self.stream.write_volatile(s) {
                    Ok(n) => written = n,
                    Err(vm_memory::VolatileMemoryError::IOError(e))
                        if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(io::Error::other(e.to_string())),
                }
                self.fwd_cnt += Wrapping(written as u32);
            }
            let rest = s.len() - written;
            if rest > 0 {
                let mut tmp = vec![0u8; rest];
                s.offset(written)
                    .map_err(|e| io::Error::other(e.to_string()))?
                    .copy_to(&mut tmp);
                self.tx_buf.extend(tmp);
            }
        }
        Ok(())
    }

    /// Writes buffered guest data to the host socket. Returns whether the
    /// buffer is now empty.
    pub fn flush_tx(&mut self) -> io::Result<bool> {
        while !self.tx_buf.is_empty() {
            let (a, _) = self.tx_buf.as_slices();
            match self.stream.write(a) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.tx_buf.drain(..n);
                    self.fwd_cnt += Wrapping(n as u32);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn pair() -> (Connection, UnixStream) {
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        (Connection::new(a, State::Established), b)
    }

    #[test]
    fn credit_accounting() {
        let (mut c, _peer) = pair();
        assert_eq!(c.peer_credit(), 0);
        c.update_peer_credit(1000, 0);
        c.rx_cnt += Wrapping(600);
        assert_eq!(c.peer_credit(), 400);
        c.update_peer_credit(1000, 600);
        assert_eq!(c.peer_credit(), 1000);
        // Counters wrap.
        c.rx_cnt = Wrapping(5);
        c.peer_fwd_cnt = Wrapping(u32::MAX - 4);
        assert_eq!(c.peer_credit(), 990);
        // A peer that shrank its buffer below what is in flight gets zero.
        c.update_peer_credit(4, u32::MAX - 4);
        assert_eq!(c.peer_credit(), 0);
    }

    #[test]
    fn buffers_what_the_socket_cannot_take_and_flushes_it() {
        let (mut c, mut peer) = pair();
        let mut data = vec![7u8; 300 * 1024];
        // Fill the socket until it blocks, then more is buffered.
        let slice = VolatileSlice::from(&mut data[..]);
        let a = slice.subslice(0, 100 * 1024).unwrap();
        let b = slice.subslice(100 * 1024, 100 * 1024).unwrap();
        c.send_to_host(&[a, b]).unwrap();
        let sent = c.fwd_cnt.0 as usize;
        assert!(c.has_pending_tx() || sent == 200 * 1024);
        let mut got = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        while got.len() < 200 * 1024 {
            let n = peer.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
            c.flush_tx().unwrap();
        }
        assert!(!c.has_pending_tx());
        assert_eq!(c.fwd_cnt.0, 200 * 1024);
        assert!(c.needs_credit_update());
        c.credit_sent();
        assert!(!c.needs_credit_update());
        assert!(got.iter().all(|&b| b == 7));
    }

    #[test]
    fn overrunning_credit_is_an_error() {
        let (mut c, _peer) = pair();
        let mut data = vec![1u8; 64 * 1024];
        let slice = VolatileSlice::from(&mut data[..]);
        // Nobody reads the peer: the socket fills, then the buffer does.
        let mut failed = false;
        for _ in 0..64 {
            if c.send_to_host(std::slice::from_ref(&slice)).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed);
    }
}
