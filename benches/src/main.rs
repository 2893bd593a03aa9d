//! `crvmm-bench`: the benchmarks behind `cargo xtask bench`.
//!
//! Every benchmark reports a ratio against a baseline measured in the same
//! run, on the same machine, alternating, over several runs: these machines
//! are shared and noisy, so a lone absolute time means little.

use std::process::ExitCode;

use xtask::kvm_probe::Mode;

mod boot;
mod checkpoint;
mod criu;
mod evloop;
mod snapshot;
mod stats;
mod vsock;

fn usage() -> ExitCode {
    eprintln!(
        "usage: crvmm-bench boot|checkpoint|criu|snapshot|vsock --mode host|nested [--runs N]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut mode = None;
    let mut runs = 7;
    let mut which = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--mode" => {
                mode = match it.next().map(String::as_str) {
                    Some("host") => Some(Mode::Host),
                    Some("nested") => Some(Mode::Nested),
                    _ => return usage(),
                }
            }
            "--runs" => match it.next().and_then(|r| r.parse().ok()) {
                Some(r) => runs = r,
                None => return usage(),
            },
            "boot" => which = Some("boot"),
            "checkpoint" => which = Some("checkpoint"),
            "criu" => which = Some("criu"),
            "snapshot" => which = Some("snapshot"),
            "vsock" => which = Some("vsock"),
            _ => return usage(),
        }
    }
    let (Some(which), Some(mode)) = (which, mode) else {
        return usage();
    };
    let r = match which {
        "boot" => boot::boot(mode, runs),
        "checkpoint" => checkpoint::checkpoint(mode, runs),
        "criu" => criu::criu(mode, runs),
        "snapshot" => snapshot::snapshot(mode, runs),
        "vsock" => vsock::vsock(mode, runs),
        _ => return usage(),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crvmm-bench: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
