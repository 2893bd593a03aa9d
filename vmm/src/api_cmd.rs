//! `cr-vmm pause|resume|status --api-sock PATH`: clients of a running
//! VMM's control API.

use std::path::PathBuf;
use std::process::ExitCode;

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
}

fn patch_state(sock: &std::path::Path, state: &str) -> anyhow::Result<ExitCode> {
    let body = serde_json::json!({ "state": state }).to_string();
    match api::call(sock, "PATCH", "/vm", Some(&body))? {
        (204, _) => Ok(ExitCode::SUCCESS),
        (code, body) => bail!("the VMM refused ({code}): {body}"),
    }
}

/// Runs one control command.
pub fn run(cmd: ApiCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ApiCmd::Pause { api_sock } => patch_state(&api_sock, "Paused"),
        ApiCmd::Resume { api_sock } => patch_state(&api_sock, "Resumed"),
        ApiCmd::Status { api_sock } => match api::call(&api_sock, "GET", "/", None)? {
            (200, body) => {
                println!("{body}");
                Ok(ExitCode::SUCCESS)
            }
            (code, body) => bail!("the VMM refused ({code}): {body}"),
        },
    }
}
