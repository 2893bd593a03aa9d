//! The `cr-vmm` command line. The VMM itself is the `cr_vmm` library, which
//! knows nothing of this binary; each group of commands is a module here:
//!
//! - [`vm_cmd`]: `run`, `restore` (a VM in this process);
//! - [`check_cmd`]: `verify`, `compare-snapshots`;
//! - [`image_cmd`]: `image show|mutate` (the `kcr-image` crate);
//! - [`agent_cmd`]: the guest agent's commands over vsock
//!   (`agent_proto::client`);
//! - [`api_cmd`]: clients of a running VMM's control API.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod agent_cmd;
mod api_cmd;
mod check_cmd;
mod image_cmd;
mod terminal;
mod vm_cmd;

#[derive(Parser)]
#[command(
    name = "cr-vmm",
    version,
    about = "A rust-vmm based VMM for hypervisor-assisted checkpoint/restart"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Boot a Linux guest with its console on this terminal. Exits 0 when
    /// the guest powers off or reboots, 2 when it panics, 1 on VMM errors.
    Run(vm_cmd::RunArgs),
    /// Start the VM saved in a snapshot directory (`cr-vmm snapshot`) in
    /// this new process and run it like `run`. Guest memory is mapped
    /// privately from the snapshot's memory file; vsock connections are
    /// reset (the guest's listening sockets stay).
    Restore(vm_cmd::RestoreArgs),
    /// Compare two snapshots field by field and page by page, leaving out
    /// only the fields that drift with host time (listed). Exits 1 if they
    /// differ.
    CompareSnapshots {
        /// The first snapshot directory.
        a: PathBuf,
        /// The second snapshot directory.
        b: PathBuf,
    },
    /// Check a guest checkpoint image against a VM snapshot taken while its
    /// tasks were frozen (`cr-vmm checkpoint --leave-stopped --snapshot
    /// DIR`): every image page against the task's page tables in the
    /// snapshot's memory, every register against the frame on the task's
    /// kernel stack, no writable private page left out, the vCPUs. Prints a
    /// per-task summary; exits 1 on any mismatch, naming task, address and
    /// field.
    Verify {
        /// The checkpoint image.
        #[arg(long)]
        image: PathBuf,
        /// The snapshot directory.
        #[arg(long)]
        snapshot: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Checkpoint images.
    #[command(subcommand)]
    Image(image_cmd::ImageCmd),
    /// Commands served by the guest agent over vsock.
    #[command(flatten)]
    Agent(agent_cmd::AgentCmd),
    /// Commands served by a running VMM's control API.
    #[command(flatten)]
    Api(api_cmd::ApiCmd),
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("CR_VMM_LOG", "warn"))
        .format_timestamp(None)
        .init();
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Run(a) => vm_cmd::run(a),
        Cmd::Restore(a) => vm_cmd::restore(a),
        Cmd::CompareSnapshots { a, b } => check_cmd::compare_snapshots(&a, &b),
        Cmd::Verify {
            image,
            snapshot,
            json,
        } => check_cmd::verify(&image, &snapshot, json),
        Cmd::Image(c) => image_cmd::run(c),
        Cmd::Agent(c) => agent_cmd::run(c),
        Cmd::Api(c) => api_cmd::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Errors that already print their source are not repeated.
            let mut chain: Vec<String> = Vec::new();
            for c in e.chain().map(|c| c.to_string()) {
                if !chain.last().is_some_and(|prev| prev.ends_with(&c)) {
                    chain.push(c);
                }
            }
            eprintln!("cr-vmm: error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
