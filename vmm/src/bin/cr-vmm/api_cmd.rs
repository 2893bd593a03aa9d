//! `cr-vmm pause|resume|status|snapshot --api-sock PATH`: clients of a
//! running VMM's control API (served by `cr_vmm::api`).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use cr_vmm::api;

/// The control commands.
#[derive(clap::Subcommand)]
pub enum ApiCmd {
    /// Pause every vCPU of a running VM (outside KVM_RUN, all exits handled).
    Pause {
        /// The VMM's API socket (`cr-vmm run --api-sock PATH`).
        #[arg(long)]
        api_sock: PathBuf,
    },
    /// Resume a paused VM.
    Resume {
        /// The VMM's API socket.
        #[arg(long)]
        api_sock: PathBuf,
    },
    /// Print the VM's state as JSON.
    Status {
        /// The VMM's API socket.
        #[arg(long)]
        api_sock: PathBuf,
    },
    /// Save the whole VM (vCPUs, devices, memory) into a new directory; the
    /// VM is paused meanwhile and runs again afterwards unless it was
    /// paused. `cr-vmm restore --snapshot DIR` starts it again.
    Snapshot {
        /// The VMM's API socket.
        #[arg(long)]
        api_sock: PathBuf,
        /// The snapshot directory to create (must not exist).
        #[arg(long)]
        dir: PathBuf,
        /// Only the pages written since the previous snapshot of this VM (or
        /// the one it was restored from); needs --track-dirty-pages.
        #[arg(long)]
        diff: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Errors talking to the VMM's control API.
#[derive(Debug, thiserror::Error)]
enum ClientError {
    /// The VMM is not reachable.
    #[error("cannot reach the VMM at {path}: {err}")]
    Connect {
        /// The path.
        path: PathBuf,
        /// Why.
        err: io::Error,
    },
    /// A broken exchange.
    #[error("API exchange failed: {0}")]
    Io(#[from] io::Error),
    /// A reply that is not HTTP.
    #[error("malformed API reply: {0}")]
    Reply(String),
}

/// Sends one request and returns the status code and body.
fn call(
    path: &Path,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> Result<(u16, String), ClientError> {
    let mut s = UnixStream::connect(path).map_err(|err| ClientError::Connect {
        path: path.to_path_buf(),
        err,
    })?;
    // A snapshot of a large guest takes a while.
    s.set_read_timeout(Some(Duration::from_secs(600)))?;
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {uri} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())?;
    let mut reply = String::new();
    s.read_to_string(&mut reply)?;
    let (head, body) = reply
        .split_once("\r\n\r\n")
        .ok_or_else(|| ClientError::Reply("no end of head".into()))?;
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| ClientError::Reply(head.lines().next().unwrap_or("").to_string()))?;
    Ok((code, body.to_string()))
}

fn patch_state(sock: &std::path::Path, state: &str) -> anyhow::Result<ExitCode> {
    let body = serde_json::json!({ "state": state }).to_string();
    match call(sock, "PATCH", "/vm", Some(&body))? {
        (204, _) => Ok(ExitCode::SUCCESS),
        (code, body) => bail!("the VMM refused ({code}): {body}"),
    }
}

/// Runs one control command.
pub fn run(cmd: ApiCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ApiCmd::Pause { api_sock } => patch_state(&api_sock, "Paused"),
        ApiCmd::Resume { api_sock } => patch_state(&api_sock, "Resumed"),
        ApiCmd::Status { api_sock } => match call(&api_sock, "GET", "/", None)? {
            (200, body) => {
                println!("{body}");
                Ok(ExitCode::SUCCESS)
            }
            (code, body) => bail!("the VMM refused ({code}): {body}"),
        },
        ApiCmd::Snapshot {
            api_sock,
            dir,
            diff,
            json,
        } => snapshot(&api_sock, &dir, diff, json),
    }
}

/// Snapshots the VM behind `sock` into `dir` and prints what was written.
pub fn snapshot(
    sock: &std::path::Path,
    dir: &std::path::Path,
    diff: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    // The VMM resolves relative paths against its own directory.
    let dir = std::path::absolute(dir)?;
    let kind = if diff { "Diff" } else { "Full" };
    let body = serde_json::json!({ "snapshot_path": dir, "snapshot_type": kind }).to_string();
    match call(sock, "PUT", "/snapshot/create", Some(&body))? {
        (200, reply) => {
            if json {
                println!("{reply}");
            } else {
                let info: api::SnapshotInfo = serde_json::from_str(&reply)?;
                println!(
                    "snapshot {}: {} {} MiB of memory, {} bytes of state, VM paused {} ms",
                    dir.display(),
                    info.snapshot_type.to_lowercase(),
                    info.memory_bytes >> 20,
                    info.state_bytes,
                    info.ms
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        (code, body) => {
            let msg = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["fault_message"].as_str().map(String::from))
                .unwrap_or(body);
            bail!("snapshot failed ({code}): {msg}")
        }
    }
}
