//! The control API: JSON over HTTP/1.1 on a Unix socket, like
//! Firecracker's, served by its own thread so that a slow client never
//! stalls the VM.
//!
//! | request | effect |
//! |---|---|
//! | `GET /` | `{"state":"Running"\|"Paused","vcpus":N,"mem_mib":M,"vmm_version":V}` |
//! | `PATCH /vm` `{"state":"Paused"}` | every vCPU parked outside `KVM_RUN`; 204 |
//! | `PATCH /vm` `{"state":"Resumed"}` | the vCPUs run again; 204 |
//! | `PUT /snapshot/create` `{"snapshot_path":DIR, "snapshot_type":"Full"\|"Diff"}` | the whole VM saved into DIR (paused for the time it takes, then running again unless it was paused before); a diff snapshot holds only the pages written since the previous snapshot (`--track-dirty-pages`); 200 `{"memory_bytes":N,"snapshot_type":T,"state_bytes":N,"ms":N}` |
//!
//! Errors are `{"fault_message": "..."}` with a 4xx/5xx status. One request
//! per connection. The client side is the `cr-vmm` binary's (`api_cmd.rs`).

use std::io::{self, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::vstate::pause::PauseGate;

/// Largest request head or body accepted.
const MAX_REQUEST: usize = 16 * 1024;
/// How long a pause may take before it is reported as failed.
const PAUSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The socket cannot be bound.
    #[error("cannot listen on API socket {path}: {err}")]
    Bind {
        /// The path.
        path: PathBuf,
        /// Why.
        err: io::Error,
    },
}

/// Run once when a VM that started paused first resumes.
pub type ResumeHook = Box<dyn FnOnce() + Send>;

/// Takes a snapshot of the paused VM into a directory (a diff snapshot
/// when the flag says so).
pub type SnapshotFn = dyn Fn(&Path, bool) -> Result<SnapshotInfo, String> + Send + Sync;

/// What a snapshot wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// Bytes of guest memory written (a diff snapshot: the dirty pages).
    pub memory_bytes: u64,
    /// "Full" or "Diff".
    pub snapshot_type: String,
    /// Bytes of the state file.
    pub state_bytes: u64,
    /// Milliseconds the VM was paused for it.
    pub ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotRequest {
    snapshot_path: PathBuf,
    /// "Full" (default) or "Diff".
    #[serde(default)]
    snapshot_type: Option<String>,
}

/// What the API thread needs from the running VM.
pub struct ApiContext {
    /// The vCPUs' pause gate.
    pub gate: Arc<PauseGate>,
    /// The vCPU threads, for kicking them out of `KVM_RUN` (set once they
    /// run).
    pub vcpu_threads: Mutex<Vec<libc::pthread_t>>,
    /// Number of vCPUs.
    pub vcpus: u32,
    /// Guest memory in MiB.
    pub mem_mib: u64,
    /// Signal that kicks a vCPU thread.
    pub kick_signal: i32,
    /// Snapshots of this VM.
    pub snapshot: Option<Arc<SnapshotFn>>,
    /// Run at the first resume (a VM restored paused).
    pub on_resume: Mutex<Option<ResumeHook>>,
}

impl std::fmt::Debug for ApiContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiContext")
            .field("vcpus", &self.vcpus)
            .field("mem_mib", &self.mem_mib)
            .finish_non_exhaustive()
    }
}

/// `GET /` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// "Running" or "Paused".
    pub state: String,
    /// Number of vCPUs.
    pub vcpus: u32,
    /// Guest memory in MiB.
    pub mem_mib: u64,
    /// cr-vmm's version.
    pub vmm_version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VmState {
    state: String,
}

/// The running server; the socket file is removed on drop.
#[derive(Debug)]
pub struct ApiServer {
    path: PathBuf,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds `path` and serves requests on a new thread.
pub fn start(path: &Path, ctx: Arc<ApiContext>) -> Result<ApiServer, Error> {
    let bind_err = |err| Error::Bind {
        path: path.to_path_buf(),
        err,
    };
    let listener = UnixListener::bind(path).map_err(bind_err)?;
    std::thread::Builder::new()
        .name("api".into())
        .spawn(move || {
            // Never serve unconfined: the main thread fails the same way
            // and stops the VMM.
            if let Err(e) = crate::seccomp::enter(crate::seccomp::ThreadKind::Api) {
                log::error!("api: {e}");
                return;
            }
            for conn in listener.incoming() {
                match conn {
                    Ok(c) => {
                        if let Err(e) = serve(c, &ctx) {
                            log::warn!("api: {e}");
                        }
                    }
                    Err(e) => log::warn!("api: accept: {e}"),
                }
            }
        })
        .map_err(bind_err)?;
    Ok(ApiServer {
        path: path.to_path_buf(),
    })
}

/// A parsed request.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// Reads one HTTP/1.1 request (head and Content-Length body).
fn read_request(r: &mut impl Read) -> Result<Request, (u16, String)> {
    let bad = |m: &str| (400, m.to_string());
    let mut buf = Vec::new();
    let mut b = [0u8; 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_REQUEST {
            return Err((413, "request head too large".into()));
        }
        match r.read(&mut b) {
            Ok(0) => return Err(bad("connection closed before the request ended")),
            Ok(n) => buf.extend_from_slice(&b[..n]),
            Err(e) => return Err((400, format!("reading the request: {e}"))),
        }
    };
    let head =
        std::str::from_utf8(&buf[..head_end]).map_err(|_| bad("request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(path), Some(version)) = (first.next(), first.next(), first.next())
    else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(bad("only HTTP/1.x is served"));
    }
    let mut len = 0usize;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            return Err(bad("malformed header"));
        };
        if k.trim().eq_ignore_ascii_case("content-length") {
            len = v.trim().parse().map_err(|_| bad("bad Content-Length"))?;
        }
    }
    if len > MAX_REQUEST {
        return Err((413, "request body too large".into()));
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        match r.read(&mut b) {
            Ok(0) => return Err(bad("body shorter than Content-Length")),
            Ok(n) => body.extend_from_slice(&b[..n]),
            Err(e) => return Err((400, format!("reading the body: {e}"))),
        }
    }
    body.truncate(len);
    Ok(Request {
        method: method.to_string(),
        path: path.to_string(),
        body,
    })
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        _ => "Internal Server Error",
    }
}

fn fault(msg: &str) -> String {
    serde_json::json!({ "fault_message": msg }).to_string()
}

fn route(req: &Request, ctx: &ApiContext) -> (u16, String) {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/") => {
            let s = Status {
                state: if ctx.gate.is_paused() {
                    "Paused"
                } else {
                    "Running"
                }
                .into(),
                vcpus: ctx.vcpus,
                mem_mib: ctx.mem_mib,
                vmm_version: env!("CARGO_PKG_VERSION").into(),
            };
            match serde_json::to_string(&s) {
                Ok(j) => (200, j),
                Err(e) => (500, fault(&e.to_string())),
            }
        }
        ("PATCH", "/vm") => {
            let st: VmState = match serde_json::from_slice(&req.body) {
                Ok(s) => s,
                Err(e) => return (400, fault(&format!("bad body: {e}"))),
            };
            match st.state.as_str() {
                "Paused" => pause(ctx),
                "Resumed" => {
                    ctx.gate.resume();
                    let hook = ctx
                        .on_resume
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .take();
                    if let Some(h) = hook {
                        h();
                    }
                    (204, String::new())
                }
                other => (
                    400,
                    fault(&format!("unknown state {other:?} (Paused or Resumed)")),
                ),
            }
        }
        ("PUT", "/snapshot/create") => snapshot(req, ctx),
        (_, "/" | "/vm" | "/snapshot/create") => (405, fault("method not allowed")),
        _ => (404, fault(&format!("no such resource {}", req.path))),
    }
}

/// Parks every vCPU (or waits until they all are, if the VM was paused
/// already); the caller holds the thread list's lock (the VMM empties the
/// list, taking that lock, before it joins the vCPU threads, so a kicked
/// thread is alive).
fn park_all(ctx: &ApiContext, threads: &[libc::pthread_t]) -> Result<(), (u16, String)> {
    if threads.len() != ctx.vcpus as usize {
        return Err((500, fault("the vCPUs are not running")));
    }
    let was_paused = ctx.gate.is_paused();
    ctx.gate.request();
    let parked = ctx.gate.wait_parked(threads.len(), PAUSE_TIMEOUT, || {
        for t in threads.iter() {
            // SAFETY: `t` is a live vCPU thread of this process (see above).
            unsafe { libc::pthread_kill(*t, ctx.kick_signal) };
        }
    });
    if parked {
        Ok(())
    } else {
        if !was_paused {
            ctx.gate.resume();
        }
        Err((500, fault("the vCPUs did not stop within 5 s")))
    }
}

fn pause(ctx: &ApiContext) -> (u16, String) {
    let threads = ctx.vcpu_threads.lock().unwrap_or_else(|p| p.into_inner());
    match park_all(ctx, &threads) {
        Ok(()) => (204, String::new()),
        Err(e) => e,
    }
}

fn snapshot(req: &Request, ctx: &ApiContext) -> (u16, String) {
    let body: SnapshotRequest = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(e) => return (400, fault(&format!("bad body: {e}"))),
    };
    let Some(take) = &ctx.snapshot else {
        return (400, fault("this VM cannot be snapshotted"));
    };
    if body.snapshot_path.as_os_str().is_empty() {
        return (400, fault("empty snapshot_path"));
    }
    let diff = match body.snapshot_type.as_deref() {
        None | Some("Full") => false,
        Some("Diff") => true,
        Some(other) => {
            return (
                400,
                fault(&format!("unknown snapshot_type {other:?} (Full or Diff)")),
            )
        }
    };
    let threads = ctx.vcpu_threads.lock().unwrap_or_else(|p| p.into_inner());
    let was_paused = ctx.gate.is_paused();
    // Also when paused: every thread must have reached the gate.
    if let Err(e) = park_all(ctx, &threads) {
        return e;
    }
    let r = take(&body.snapshot_path, diff);
    if !was_paused {
        ctx.gate.resume();
    }
    match r.and_then(|info| serde_json::to_string(&info).map_err(|e| e.to_string())) {
        Ok(j) => (200, j),
        Err(msg) => (400, fault(&msg)),
    }
}

fn serve(mut c: UnixStream, ctx: &ApiContext) -> io::Result<()> {
    c.set_read_timeout(Some(Duration::from_secs(5)))?;
    let (code, body) = match read_request(&mut c) {
        Ok(req) => route(&req, ctx),
        Err((code, msg)) => (code, fault(&msg)),
    };
    let mut out = format!("HTTP/1.1 {code} {}\r\nConnection: close\r\n", reason(code));
    if !body.is_empty() {
        out.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    } else {
        out.push_str("Content-Length: 0\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body);
    c.write_all(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> Result<Request, (u16, String)> {
        read_request(&mut text.as_bytes())
    }

    #[test]
    fn parses_requests() {
        let r = req(
            "PATCH /vm HTTP/1.1\r\nHost: x\r\ncontent-length: 18\r\n\r\n{\"state\":\"Paused\"}",
        )
        .unwrap();
        assert_eq!(r.method, "PATCH");
        assert_eq!(r.path, "/vm");
        assert_eq!(r.body, br#"{"state":"Paused"}"#);
        assert_eq!(req("GET / HTTP/1.1\r\n\r\n").unwrap().body, b"");
        assert_eq!(req("GET /\r\n\r\n").unwrap_err().0, 400);
        assert_eq!(req("GET / SPDY/3\r\n\r\n").unwrap_err().0, 400);
        assert_eq!(req("GET / HTTP/1.1\r\nnocolon\r\n\r\n").unwrap_err().0, 400);
        assert_eq!(
            req("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n")
                .unwrap_err()
                .0,
            400
        );
        assert_eq!(
            req("GET / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")
                .unwrap_err()
                .0,
            413
        );
        assert_eq!(
            req("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab")
                .unwrap_err()
                .0,
            400
        );
        assert_eq!(req("GET / HTTP/1.1\r\n").unwrap_err().0, 400);
        let big = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_REQUEST + 10));
        assert_eq!(req(&big).unwrap_err().0, 413);
    }

    #[test]
    fn routes() {
        let ctx = ApiContext {
            gate: Arc::new(PauseGate::default()),
            vcpu_threads: Mutex::new(vec![]),
            vcpus: 1,
            mem_mib: 128,
            kick_signal: 0,
            snapshot: None,
            on_resume: Mutex::new(None),
        };
        let r = |m: &str, p: &str, b: &str| {
            route(
                &Request {
                    method: m.into(),
                    path: p.into(),
                    body: b.as_bytes().to_vec(),
                },
                &ctx,
            )
        };
        let (code, body) = r("GET", "/", "");
        assert_eq!(code, 200);
        assert!(body.contains(r#""state":"Running""#));
        assert_eq!(r("GET", "/nope", "").0, 404);
        assert_eq!(r("DELETE", "/vm", "").0, 405);
        assert_eq!(r("PATCH", "/vm", "{").0, 400);
        assert_eq!(r("PATCH", "/vm", r#"{"state":"Sleeping"}"#).0, 400);
        assert_eq!(r("PATCH", "/vm", r#"{"state":"Paused","x":1}"#).0, 400);
        // No vCPU threads registered: pausing fails cleanly.
        assert_eq!(r("PATCH", "/vm", r#"{"state":"Paused"}"#).0, 500);
        assert_eq!(r("PATCH", "/vm", r#"{"state":"Resumed"}"#).0, 204);
    }

    #[test]
    fn server_and_client_over_a_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api.sock");
        let ctx = Arc::new(ApiContext {
            gate: Arc::new(PauseGate::default()),
            vcpu_threads: Mutex::new(vec![]),
            vcpus: 2,
            mem_mib: 256,
            kick_signal: 0,
            snapshot: None,
            on_resume: Mutex::new(None),
        });
        // One request on a new connection, as the `cr-vmm` client sends it.
        let call = |req: &str| -> std::io::Result<String> {
            let mut s = UnixStream::connect(&path)?;
            s.write_all(req.as_bytes())?;
            let mut reply = String::new();
            s.read_to_string(&mut reply)?;
            Ok(reply)
        };
        let server = start(&path, ctx).unwrap();
        let reply = call("GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n").unwrap();
        let (head, body) = reply.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
        let s: Status = serde_json::from_str(body).unwrap();
        assert_eq!((s.vcpus, s.mem_mib, s.state.as_str()), (2, 256, "Running"));
        let reply = call("PUT /vm HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").unwrap();
        assert!(reply.starts_with("HTTP/1.1 405 "), "{reply}");
        drop(server);
        assert!(!path.exists());
        assert!(call("GET / HTTP/1.1\r\n\r\n").is_err());
    }
}
