//! The agent protocol (version 1), shared by the guest agent and the host
//! commands of `cr-vmm`. Documented in `docs/agent-protocol.md`.
//!
//! This crate is the protocol's one definition; it depends on neither side.
//! [`client`] is the host side (connecting through the VMM's vsock socket,
//! downloading and uploading images), used by `cr-vmm`.
//!
//! A connection carries frames: a little-endian `u32` body length, then
//! the body, whose first byte is the frame kind:
//!
//! - [`KIND_MESSAGE`]: a JSON [`Request`] (host to guest) or [`Reply`]
//!   (guest to host);
//! - [`KIND_DATA`]: a chunk of an image;
//! - [`KIND_END`]: the end of an image stream (empty).
//!
//! A body is at most [`MAX_FRAME`] bytes; anything larger is an error that
//! ends the connection after an error reply.
//!
//! ```
//! use agent_proto::{read_frame, write_message, Frame, Request};
//! let mut buf = Vec::new();
//! write_message(&mut buf, &Request::Version).unwrap();
//! let f = read_frame(&mut &buf[..]).unwrap();
//! assert!(matches!(f, Some(Frame::Message(m)) if m.contains("version")));
//! ```

#![deny(missing_docs)]

pub mod client;

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

/// Protocol version; [`Reply::Version`] reports it.
pub const PROTOCOL_VERSION: u32 = 1;
/// The vsock port the agent listens on.
pub const AGENT_PORT: u32 = 52;
/// Largest frame body.
pub const MAX_FRAME: usize = 1 << 20;
/// Image bytes per data frame.
pub const DATA_CHUNK: usize = 256 * 1024;
/// JSON message frame.
pub const KIND_MESSAGE: u8 = 1;
/// Image data frame.
pub const KIND_DATA: u8 = 2;
/// End of image data.
pub const KIND_END: u8 = 3;

/// What happens to a checkpointed process tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum After {
    /// It keeps running.
    #[default]
    Run,
    /// It stays frozen.
    Stop,
    /// It is killed.
    Kill,
}

/// A request from the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Agent and protocol version, guest kernel.
    Version,
    /// The guest's processes.
    Ps,
    /// Start a program; replies with its pid. Its output goes to the
    /// guest console.
    Spawn {
        /// Program and arguments.
        argv: Vec<String>,
        /// Extra environment.
        #[serde(default)]
        env: Vec<(String, String)>,
        /// Working directory.
        #[serde(default)]
        cwd: Option<String>,
    },
    /// Run a program to completion and return its output.
    Exec {
        /// Program and arguments.
        argv: Vec<String>,
    },
    /// Checkpoint a process: the image follows as data frames and an end
    /// frame, then a [`Reply::Checkpointed`] or [`Reply::Error`].
    Checkpoint {
        /// The process.
        pid: i32,
        /// What happens to it afterwards.
        #[serde(default)]
        after: After,
        /// Record where the state lives in guest physical memory
        /// (`KCR_CHECKPOINT_HOSTINFO`), for `cr-vmm verify`.
        #[serde(default)]
        hostinfo: bool,
        /// Save a Unix socket connected to a named socket outside the
        /// checkpoint by its peer's name, to connect it again on restart
        /// (`KCR_CHECKPOINT_UNIX_EXTERNAL`); refused without.
        #[serde(default)]
        ext_unix: bool,
    },
    /// Restart from an image sent as data frames and an end frame right
    /// after this request.
    Restart,
    /// Send a signal.
    Kill {
        /// The process.
        pid: i32,
        /// The signal (default SIGKILL).
        #[serde(default = "sigkill")]
        signal: i32,
    },
    /// The kernel's c/r log of the last checkpoint or restart.
    Logs,
    /// Copy a guest file to the host: data frames, an end frame, then
    /// [`Reply::FileSent`].
    ReadFile {
        /// Absolute path in the guest.
        path: String,
    },
    /// Discard the image of a process that `Checkpoint` with
    /// [`After::Kill`] killed: the TCP connections held for its restart
    /// are reset at once instead of when the hold expires. Replies
    /// [`Reply::Done`]; `no_such_process` if nothing is held for `pid`.
    Discard {
        /// The killed process (the root of the checkpointed tree).
        pid: i32,
    },
    /// Benchmark baseline: a [`Reply::Streaming`], then exactly `bytes`
    /// unframed bytes on the same connection.
    Stream {
        /// How many bytes.
        bytes: u64,
    },
}

fn sigkill() -> i32 {
    9
}

/// One process in [`Reply::Ps`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcInfo {
    /// Process ID.
    pub pid: i32,
    /// Parent's process ID.
    pub ppid: i32,
    /// State letter from /proc (R, S, D, T, Z, ...).
    pub state: String,
    /// Command name.
    pub comm: String,
}

/// Error classes, so scripts need not parse messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed frame or JSON, bad UTF-8, unknown fields.
    BadRequest,
    /// A frame larger than [`MAX_FRAME`].
    FrameTooLarge,
    /// The process does not exist.
    NoSuchProcess,
    /// The kernel refused the checkpoint.
    CheckpointFailed,
    /// The kernel refused the image, or the image stream broke.
    RestartFailed,
    /// A program could not be started.
    SpawnFailed,
    /// A file could not be opened or read.
    NoSuchFile,
    /// The kernel refused to discard (e.g. another user's checkpoint).
    DiscardFailed,
    /// Anything else in the agent.
    Internal,
}

/// A reply from the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// To [`Request::Version`].
    Version {
        /// [`PROTOCOL_VERSION`].
        protocol: u32,
        /// The agent's version.
        agent: String,
        /// The guest kernel release.
        kernel: String,
    },
    /// To [`Request::Ps`].
    Ps {
        /// Every process.
        procs: Vec<ProcInfo>,
    },
    /// To [`Request::Spawn`] and [`Request::Restart`].
    Started {
        /// The new process.
        pid: i32,
    },
    /// To [`Request::Exec`].
    Exited {
        /// Exit status (128 + signal if killed).
        status: i32,
        /// Standard output (at most 1 MiB).
        stdout: String,
        /// Standard error (at most 1 MiB).
        stderr: String,
    },
    /// After the image of a [`Request::Checkpoint`].
    Checkpointed {
        /// The process.
        pid: i32,
        /// Image size.
        bytes: u64,
    },
    /// To [`Request::Kill`] and [`Request::Discard`].
    Done,
    /// After the data of a [`Request::ReadFile`].
    FileSent {
        /// Bytes sent.
        bytes: u64,
    },
    /// To [`Request::Stream`]; the raw bytes follow.
    Streaming {
        /// How many bytes follow.
        bytes: u64,
    },
    /// To [`Request::Logs`].
    Logs {
        /// The log text.
        text: String,
    },
    /// Any request that failed.
    Error {
        /// Class.
        code: ErrorCode,
        /// Human-readable reason.
        message: String,
    },
}

/// A frame read from a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// JSON text.
    Message(String),
    /// Image bytes.
    Data(Vec<u8>),
    /// End of image.
    End,
}

/// Protocol errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The connection failed.
    #[error("connection: {0}")]
    Io(#[from] io::Error),
    /// A frame larger than allowed.
    #[error("frame of {0} bytes exceeds the {MAX_FRAME}-byte limit")]
    TooLarge(usize),
    /// Empty body or unknown kind.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// A message frame that is not UTF-8.
    #[error("message is not UTF-8")]
    Utf8,
    /// JSON that does not match the protocol.
    #[error("bad message: {0}")]
    Json(#[from] serde_json::Error),
}

/// Reads one frame; `None` at a clean end of stream (before any byte).
pub fn read_frame(r: &mut impl Read) -> Result<Option<Frame>, Error> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(Error::Io(io::ErrorKind::UnexpectedEof.into())),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(Error::TooLarge(len));
    }
    if len == 0 {
        return Err(Error::Malformed("empty frame".into()));
    }
    let mut kind = [0u8; 1];
    r.read_exact(&mut kind)?;
    let mut payload = vec![0u8; len - 1];
    r.read_exact(&mut payload)?;
    let frame = match kind[0] {
        KIND_MESSAGE => Frame::Message(String::from_utf8(payload).map_err(|_| Error::Utf8)?),
        KIND_DATA => Frame::Data(payload),
        KIND_END if payload.is_empty() => Frame::End,
        k => return Err(Error::Malformed(format!("unknown frame kind {k}"))),
    };
    Ok(Some(frame))
}

fn write_frame(w: &mut impl Write, kind: u8, payload: &[u8]) -> io::Result<()> {
    let len = payload.len() + 1;
    if len > MAX_FRAME {
        return Err(io::Error::other(format!(
            "frame of {len} bytes is too large"
        )));
    }
    let mut head = [0u8; 5];
    head[..4].copy_from_slice(&(len as u32).to_le_bytes());
    head[4] = kind;
    w.write_all(&head)?;
    w.write_all(payload)
}

/// Writes a JSON message frame.
pub fn write_message<T: Serialize>(w: &mut impl Write, msg: &T) -> io::Result<()> {
    let json = serde_json::to_vec(msg).map_err(io::Error::other)?;
    write_frame(w, KIND_MESSAGE, &json)
}

/// Writes image bytes as data frames of at most [`DATA_CHUNK`] bytes.
pub fn write_data(w: &mut impl Write, data: &[u8]) -> io::Result<()> {
    for c in data.chunks(DATA_CHUNK) {
        write_frame(w, KIND_DATA, c)?;
    }
    Ok(())
}

/// Bytes before the payload of a frame.
pub const FRAME_HEADER: usize = 5;

/// Sends a data frame whose payload is already in `buf[FRAME_HEADER..]`
/// (the first [`FRAME_HEADER`] bytes are overwritten): one write, no copy.
pub fn write_data_in_place(w: &mut impl Write, buf: &mut [u8]) -> io::Result<()> {
    let len = buf.len().saturating_sub(FRAME_HEADER) + 1;
    if buf.len() < FRAME_HEADER || len > MAX_FRAME {
        return Err(io::Error::other("bad in-place data frame"));
    }
    buf[..4].copy_from_slice(&(len as u32).to_le_bytes());
    buf[4] = KIND_DATA;
    w.write_all(buf)
}

/// Writes the end-of-image frame.
pub fn write_end(w: &mut impl Write) -> io::Result<()> {
    write_frame(w, KIND_END, &[])
}

/// Parses a request.
pub fn parse_request(text: &str) -> Result<Request, Error> {
    Ok(serde_json::from_str(text)?)
}

/// Parses a reply.
pub fn parse_reply(text: &str) -> Result<Reply, Error> {
    Ok(serde_json::from_str(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let reqs = [
            Request::Version,
            Request::Ps,
            Request::Spawn {
                argv: vec!["a".into()],
                env: vec![("K".into(), "V".into())],
                cwd: Some("/".into()),
            },
            Request::Checkpoint {
                pid: 5,
                after: After::Kill,
                hostinfo: true,
                ext_unix: true,
            },
            Request::Restart,
            Request::Kill { pid: 3, signal: 15 },
            Request::Discard { pid: 7 },
            Request::Logs,
            Request::Stream { bytes: 1 << 20 },
            Request::ReadFile {
                path: "/tmp/x".into(),
            },
        ];
        for r in reqs {
            let mut buf = Vec::new();
            write_message(&mut buf, &r).unwrap();
            let Some(Frame::Message(m)) = read_frame(&mut &buf[..]).unwrap() else {
                panic!("not a message");
            };
            assert_eq!(parse_request(&m).unwrap(), r);
        }
        assert_eq!(
            parse_request(r#"{"op":"kill","pid":4}"#).unwrap(),
            Request::Kill { pid: 4, signal: 9 }
        );
        assert_eq!(
            parse_request(r#"{"op":"discard","pid":12}"#).unwrap(),
            Request::Discard { pid: 12 }
        );
        assert!(parse_request(r#"{"op":"discard"}"#).is_err());
    }

    #[test]
    fn in_place_data_frames() {
        let mut buf = vec![0u8; FRAME_HEADER + 3];
        buf[FRAME_HEADER..].copy_from_slice(b"abc");
        let mut out = Vec::new();
        write_data_in_place(&mut out, &mut buf).unwrap();
        assert_eq!(
            read_frame(&mut &out[..]).unwrap(),
            Some(Frame::Data(b"abc".to_vec()))
        );
        assert!(write_data_in_place(&mut out, &mut [0u8; 2]).is_err());
    }

    #[test]
    fn data_and_end() {
        let mut buf = Vec::new();
        write_data(&mut buf, &vec![7u8; DATA_CHUNK + 3]).unwrap();
        write_end(&mut buf).unwrap();
        let mut r = &buf[..];
        let Some(Frame::Data(a)) = read_frame(&mut r).unwrap() else {
            panic!()
        };
        let Some(Frame::Data(b)) = read_frame(&mut r).unwrap() else {
            panic!()
        };
        assert_eq!(a.len() + b.len(), DATA_CHUNK + 3);
        assert_eq!(read_frame(&mut r).unwrap(), Some(Frame::End));
        assert_eq!(read_frame(&mut r).unwrap(), None);
    }

    #[test]
    fn bad_frames() {
        let big = ((MAX_FRAME + 1) as u32).to_le_bytes();
        assert!(matches!(read_frame(&mut &big[..]), Err(Error::TooLarge(_))));
        assert!(matches!(
            read_frame(&mut &[0u8, 0, 0, 0][..]),
            Err(Error::Malformed(_))
        ));
        assert!(matches!(
            read_frame(&mut &[2u8, 0, 0, 0, 9, 1][..]),
            Err(Error::Malformed(_))
        ));
        assert!(matches!(
            read_frame(&mut &[3u8, 0, 0, 0, 1, 0xff, 0xfe][..]),
            Err(Error::Utf8)
        ));
        assert!(matches!(
            read_frame(&mut &[9u8, 0, 0, 0, 1][..]),
            Err(Error::Io(_))
        ));
        assert!(matches!(read_frame(&mut &[1u8, 0][..]), Err(Error::Io(_))));
        assert!(parse_request(r#"{"op":"fly"}"#).is_err());
        assert!(parse_request(r#"{"op":"kill","pid":"x"}"#).is_err());
    }
}
