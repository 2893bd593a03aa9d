//! The host side of the guest agent's protocol: connect through the VMM's
//! hybrid vsock socket, send requests, stream images in and out. Used by
//! `cr-vmm`'s agent commands (and its fuzz targets); the guest agent does
//! not use it.
//!
//! Downloaded images are written to a temporary file next to the target,
//! checked by the caller's [`Validator`] as they arrive (`cr-vmm` passes the
//! `kcr-image` parser: record structure and the tail checksum), fsynced and
//! renamed only then: an interrupted or refused checkpoint never leaves a
//! file that looks complete.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate as proto;
use crate::{After, Frame, Reply, Request};

/// Client errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The VMM's socket is missing or refused the connection.
    #[error("cannot connect to {path}: {err}")]
    Connect {
        /// The socket.
        path: PathBuf,
        /// Why.
        err: io::Error,
    },
    /// The guest did not accept the connection in time.
    #[error("the guest agent did not answer on vsock port {port} within {secs} s: {last}")]
    NoAgent {
        /// The port.
        port: u32,
        /// The timeout.
        secs: u64,
        /// The last failure.
        last: String,
    },
    /// The connection broke.
    #[error("connection to the agent: {0}")]
    Io(#[from] io::Error),
    /// The agent sent something outside the protocol.
    #[error("protocol: {0}")]
    Proto(#[from] proto::Error),
    /// The agent answered with an error.
    #[error("agent: {code:?}: {message}")]
    Agent {
        /// Class.
        code: proto::ErrorCode,
        /// Reason.
        message: String,
    },
    /// A request that is answered at once got no answer in time.
    #[error("the guest agent accepted the request but did not answer within {secs} s")]
    NoReply {
        /// The timeout.
        secs: u64,
    },
    /// A reply of the wrong kind.
    #[error("unexpected reply: {0:?}")]
    Unexpected(Box<Reply>),
    /// The downloaded image is not valid.
    #[error("the image received is invalid: {0}")]
    BadImage(String),
}

/// Checks a checkpoint image while it arrives: runs on a thread of its
/// own, reading the image's bytes as they stream in; `Err` says why the
/// image is invalid (the download then fails with [`Error::BadImage`]).
pub type Validator = fn(&mut dyn Read) -> Result<(), String>;

/// How [`Client::checkpoint`] checkpoints: what happens to the process
/// afterwards, and the checkpoint(2) options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckpointOptions {
    /// Thaw, leave frozen, or kill the process afterwards.
    pub after: After,
    /// Record where the state lives in guest physical memory.
    pub hostinfo: bool,
    /// Save Unix sockets connected outside by their peer's name.
    pub ext_unix: bool,
}

/// A connection to the agent.
#[derive(Debug)]
pub struct Client {
    stream: UnixStream,
}

fn handshake(path: &Path, port: u32) -> Result<Result<UnixStream, String>, Error> {
    let mut s = UnixStream::connect(path).map_err(|err| Error::Connect {
        path: path.to_path_buf(),
        err,
    })?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(format!("CONNECT {port}\n").as_bytes())?;
    if let Err(e) = read_connect_reply(&mut s) {
        return Ok(Err(e));
    }
    s.set_read_timeout(None)?;
    Ok(Ok(s))
}

/// Reads the VMM's answer to `CONNECT <port>` (`OK <host port>`), one byte
/// at a time: what follows belongs to the agent. `Err` says why the
/// connection is not usable.
pub fn read_connect_reply(s: &mut impl Read) -> Result<(), String> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match s.read(&mut b) {
            Ok(0) => return Err("connection refused by the guest".into()),
            Ok(_) if b[0] == b'\n' => break,
            Ok(_) if line.len() > 64 => return Err("overlong reply to CONNECT".into()),
            Ok(_) => line.push(b[0]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    let line = String::from_utf8_lossy(&line).into_owned();
    if !line.starts_with("OK ") {
        return Err(format!("VMM answered {line:?}"));
    }
    Ok(())
}

/// Reads one reply from the agent; an error reply becomes [`Error::Agent`].
pub fn read_reply_from(r: &mut impl Read) -> Result<Reply, Error> {
    match proto::read_frame(r)? {
        Some(Frame::Message(m)) => match proto::parse_reply(&m)? {
            Reply::Error { code, message } => Err(Error::Agent { code, message }),
            r => Ok(r),
        },
        Some(_) => Err(Error::Proto(proto::Error::Malformed(
            "expected a reply message".into(),
        ))),
        None => Err(Error::Io(io::ErrorKind::UnexpectedEof.into())),
    }
}

/// Receives data frames from `r` into `f` until the end frame (each chunk
/// also goes to `tx`, if any); an error reply instead of the end frame is
/// the agent's refusal. Returns the bytes received.
pub fn receive_frames(
    r: &mut impl Read,
    f: &mut impl Write,
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    progress: &mut impl FnMut(u64),
) -> Result<u64, Error> {
    let mut total = 0u64;
    loop {
        match proto::read_frame(r)? {
            Some(Frame::Data(d)) => {
                f.write_all(&d)?;
                total += d.len() as u64;
                progress(total);
                if let Some(tx) = &tx {
                    // A validator that stopped (bad image) is reported
                    // after the stream.
                    let _ = tx.send(d);
                }
            }
            Some(Frame::End) => return Ok(total),
            Some(Frame::Message(m)) => {
                return Err(match proto::parse_reply(&m)? {
                    Reply::Error { code, message } => Error::Agent { code, message },
                    r => Error::Unexpected(Box::new(r)),
                })
            }
            None => return Err(Error::Io(io::ErrorKind::UnexpectedEof.into())),
        }
    }
}

impl Client {
    /// Connects to the agent on `port` through the VMM socket `path`,
    /// retrying for up to `timeout` while the guest boots.
    pub fn connect(path: &Path, port: u32, timeout: Duration) -> Result<Self, Error> {
        let start = Instant::now();
        let mut delay = Duration::from_millis(50);
        loop {
            let last = match handshake(path, port) {
                Ok(Ok(stream)) => return Ok(Client { stream }),
                Ok(Err(e)) => e,
                Err(Error::Connect { err, .. })
                    if err.kind() == io::ErrorKind::NotFound
                        || err.kind() == io::ErrorKind::ConnectionRefused =>
                {
                    if start.elapsed() >= timeout {
                        return Err(Error::Connect {
                            path: path.to_path_buf(),
                            err,
                        });
                    }
                    err.to_string()
                }
                Err(e) => return Err(e),
            };
            if start.elapsed() >= timeout {
                return Err(Error::NoAgent {
                    port,
                    secs: timeout.as_secs(),
                    last,
                });
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(500));
        }
    }

    fn read_reply(&mut self) -> Result<Reply, Error> {
        read_reply_from(&mut self.stream)
    }

    /// [`Self::call`] for a request the agent answers at once (version, ps,
    /// spawn, kill, logs): no answer within `timeout` is an error, not a
    /// wait without end.
    pub fn call_quick(&mut self, req: &Request, timeout: Duration) -> Result<Reply, Error> {
        self.stream
            .set_read_timeout(Some(timeout.max(Duration::from_secs(1))))?;
        let r = self.call(req);
        self.stream.set_read_timeout(None)?;
        match r {
            Err(Error::Io(e) | Error::Proto(proto::Error::Io(e)))
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(Error::NoReply {
                    secs: timeout.as_secs(),
                })
            }
            r => r,
        }
    }

    /// Sends a request without a data stream and returns the reply.
    pub fn call(&mut self, req: &Request) -> Result<Reply, Error> {
        proto::write_message(&mut self.stream, req)?;
        self.read_reply()
    }

    /// Checkpoints `pid` into `out` (temp file, checked by `validate`,
    /// fsynced, renamed). `progress` gets the byte count as data arrives.
    pub fn checkpoint(
        &mut self,
        pid: i32,
        opts: CheckpointOptions,
        out: &Path,
        validate: Validator,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, Error> {
        let req = Request::Checkpoint {
            pid,
            after: opts.after,
            hostinfo: opts.hostinfo,
            ext_unix: opts.ext_unix,
        };
        self.download(&req, out, Some(validate), &mut progress)
    }

    /// Copies the guest file `path` to `out` (temp file, fsynced, renamed).
    pub fn fetch(
        &mut self,
        path: &str,
        out: &Path,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, Error> {
        let req = Request::ReadFile {
            path: path.to_string(),
        };
        self.download(&req, out, None, &mut progress)
    }

    /// Sends `req`, receives data frames into a temporary file next to
    /// `out` (checked by `validate` on another thread, if any), and
    /// renames it to `out` only when everything arrived and checked out.
    fn download(
        &mut self,
        req: &Request,
        out: &Path,
        validate: Option<Validator>,
        progress: &mut impl FnMut(u64),
    ) -> Result<u64, Error> {
        let tmp = temp_path(out);
        let result = self
            .download_into(req, &tmp, validate, progress)
            .and_then(|bytes| {
                std::fs::rename(&tmp, out)?;
                if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
                    if let Ok(d) = File::open(dir) {
                        let _ = d.sync_all();
                    }
                }
                Ok(bytes)
            });
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn download_into(
        &mut self,
        req: &Request,
        tmp: &Path,
        validate: Option<Validator>,
        progress: &mut impl FnMut(u64),
    ) -> Result<u64, Error> {
        let mut f = File::create(tmp)?;
        proto::write_message(&mut self.stream, req)?;
        // An image is validated while it arrives, on another thread.
        let (tx, validator) = if let Some(validate) = validate {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(32);
            let v = std::thread::Builder::new()
                .name("validate".into())
                .spawn(move || {
                    validate(&mut ChannelReader {
                        rx,
                        cur: Vec::new(),
                        pos: 0,
                    })
                })?;
            (Some(tx), Some(v))
        } else {
            (None, None)
        };
        let received = receive_frames(&mut self.stream, &mut f, tx, progress);
        let verdict = match validator {
            Some(v) => v
                .join()
                .unwrap_or_else(|_| Err("the validator panicked".into())),
            None => Ok(()),
        };
        let total = received?;
        verdict.map_err(Error::BadImage)?;
        let sent = match self.read_reply()? {
            Reply::Checkpointed { bytes, .. } | Reply::FileSent { bytes } => bytes,
            r => return Err(Error::Unexpected(Box::new(r))),
        };
        if sent != total {
            return Err(Error::BadImage(format!(
                "agent sent {sent} bytes, {total} arrived"
            )));
        }
        f.sync_all()?;
        Ok(total)
    }

    /// Sends the image in `input` for restart; returns the new pid.
    pub fn restart(
        &mut self,
        mut input: impl Read,
        mut progress: impl FnMut(u64),
    ) -> Result<i32, Error> {
        proto::write_message(&mut self.stream, &Request::Restart)?;
        let mut buf = vec![0u8; proto::DATA_CHUNK];
        let mut total = 0u64;
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if proto::write_data(&mut self.stream, &buf[..n]).is_err() {
                // The agent stopped reading: its reply says why.
                let r = self.read_reply()?;
                return Err(Error::Unexpected(Box::new(r)));
            }
            total += n as u64;
            progress(total);
        }
        proto::write_end(&mut self.stream)?;
        match self.read_reply()? {
            Reply::Started { pid } => Ok(pid),
            r => Err(Error::Unexpected(Box::new(r))),
        }
    }

    /// Benchmark baseline: asks the agent for `bytes` raw bytes and reads
    /// them; returns the seconds from request to last byte.
    pub fn stream_test(&mut self, bytes: u64) -> Result<f64, Error> {
        let start = Instant::now();
        match self.call(&Request::Stream { bytes })? {
            Reply::Streaming { bytes: b } if b == bytes => {}
            r => return Err(Error::Unexpected(Box::new(r))),
        }
        let mut left = bytes;
        let mut buf = vec![0u8; proto::DATA_CHUNK];
        while left > 0 {
            let want = left.min(buf.len() as u64) as usize;
            let n = self.stream.read(&mut buf[..want])?;
            if n == 0 {
                return Err(Error::Io(io::ErrorKind::UnexpectedEof.into()));
            }
            left -= n as u64;
        }
        Ok(start.elapsed().as_secs_f64())
    }

    /// The raw stream (tests use it to send malformed frames).
    pub fn stream(&mut self) -> &mut UnixStream {
        &mut self.stream
    }
}

/// A `Read` over chunks arriving on a channel; end of file when the sender
/// is dropped.
struct ChannelReader {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.cur.len() {
            match self.rx.recv() {
                Ok(next) => {
                    self.cur = next;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// `DIR/.NAME.partial`: a temp name in the target's directory, so the
/// rename is atomic.
pub fn temp_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "image".into());
    out.with_file_name(format!(".{name}.partial"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::os::unix::net::UnixListener;

    /// A VMM socket whose guest accepts the connection, then never answers.
    fn silent_agent() -> (PathBuf, std::thread::JoinHandle<()>) {
        let dir = std::env::temp_dir().join(format!("crvmm-agent-client-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("v.sock");
        let _ = std::fs::remove_file(&path);
        let l = UnixListener::bind(&path).unwrap();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut line = String::new();
            BufReader::new(s.try_clone().unwrap())
                .read_line(&mut line)
                .unwrap();
            assert_eq!(line, "CONNECT 52\n");
            s.write_all(b"OK 1024\n").unwrap();
            // Hold the connection open, answer nothing.
            std::thread::sleep(Duration::from_secs(3));
        });
        (path, t)
    }

    #[test]
    fn a_quick_request_without_an_answer_times_out() {
        let (path, t) = silent_agent();
        let mut c = Client::connect(&path, 52, Duration::from_secs(5)).unwrap();
        let start = Instant::now();
        let r = c.call_quick(&Request::Version, Duration::from_secs(1));
        assert!(matches!(r, Err(Error::NoReply { secs: 1 })), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(3));
        t.join().unwrap();
    }
}
