//! `cargo xtask`: images, nested, demo, test, bench.

use std::process::{Command, ExitCode};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use xtask::kvm_probe::{self, Mode};
use xtask::timing::Timings;
use xtask::{deps, images, nested, paths, run, testrun};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build, test and demo cr-vmm")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone, Copy)]
struct ModeArgs {
    /// Run guests on this host's /dev/kvm.
    #[arg(long, conflicts_with = "nested")]
    host: bool,
    /// Run guests inside the nested-KVM CI host.
    #[arg(long)]
    nested: bool,
}

impl ModeArgs {
    fn resolve(self) -> anyhow::Result<Mode> {
        let (mode, why) = if self.host {
            (Mode::Host, "forced by --host".to_string())
        } else if self.nested {
            (Mode::Nested, "forced by --nested".to_string())
        } else {
            kvm_probe::from_env_or_detect()?
        };
        eprintln!("xtask: running guests {mode}: {why}");
        Ok(mode)
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Install build dependencies and build every image (incremental);
    /// `cargo xtask images rootfs` builds the Debian root filesystem for
    /// `cr-vmm run --rootfs` instead.
    Images {
        /// `rootfs`: the root filesystem image (images/out/rootfs/).
        #[arg(value_parser = ["rootfs"])]
        what: Option<String>,
        /// With `rootfs`: take today's versions of images/rootfs/packages
        /// and their dependencies, rewrite images/rootfs/packages.lock.
        #[arg(long, requires = "what")]
        relock: bool,
        /// Also rebuild the guest kernel and initramfs from scratch in a
        /// second tree and check the outputs are bit-identical.
        #[arg(long)]
        verify_reproducible: bool,
        /// Move the linux-source-6.12 pin of images/pins to VERSION:
        /// install it, record its tarball's checksum, check that every
        /// patch of the series applies, rebuild, run the boot and c/r tests.
        #[arg(long, value_name = "VERSION", conflicts_with = "bump")]
        bump_kernel: Option<String>,
        /// Move another pin of images/pins (PACKAGE=VERSION), the same way.
        #[arg(long, value_name = "PACKAGE=VERSION")]
        bump: Option<String>,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Boot the nested-KVM CI host and run a command inside it.
    Nested {
        /// Seconds before the run is killed.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        /// Extra file for the CI host, as HOST_PATH:PATH_INSIDE.
        #[arg(long = "file")]
        files: Vec<String>,
        /// The command (run by sh; cr-vmm is on PATH, images in /images).
        #[arg(trailing_var_arg = true, required = true)]
        command: Vec<String>,
    },
    /// Boot the guest under cr-vmm and show its console.
    Demo {
        /// Instead: redis-server on the Debian root filesystem (`cargo
        /// xtask images rootfs`), checkpointed and restarted with its data.
        #[arg(long)]
        rootfs: bool,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Boot the nested CI host RUNS times (JOBS at once) and run a
    /// checkpoint/restart/snapshot job in each, with the tests' stall
    /// detection and no retry: counts stalls and shows what each stalled
    /// QEMU was doing (docs/ci.md).
    Soak {
        /// CI hosts to boot in all.
        #[arg(long, default_value_t = 20)]
        runs: u32,
        /// CI hosts at once (default: the number of CPUs plus one, as
        /// `cargo xtask test` runs its jobs).
        #[arg(long)]
        jobs: Option<usize>,
        /// Checkpoint/restart/snapshot rounds in each CI host (more rounds,
        /// longer-lived CI hosts).
        #[arg(long, default_value_t = 1)]
        cycles: u32,
        /// Seconds each CI host then idles with its guest running (a
        /// heartbeat every 10 s).
        #[arg(long, default_value_t = 0)]
        idle: u32,
        /// Extra words for the CI host kernel's command line, to try a
        /// candidate fix (e.g. "idle=poll").
        #[arg(long, default_value = "")]
        host_append: String,
        /// QEMU `-accel` for the CI host in place of "tcg" (e.g.
        /// "tcg,thread=single").
        #[arg(long)]
        accel: Option<String>,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Install dependencies, build, and run every test.
    Test {
        #[command(flatten)]
        mode: ModeArgs,
        /// Test jobs run at once (default: the number of CPUs plus one).
        #[arg(long)]
        jobs: Option<usize>,
        /// Run a job once more when its nested CI host stalled (reported
        /// as such). Off by default: a stall is a failure (docs/ci.md).
        #[arg(long)]
        retry_stalls: bool,
    },
    /// Benchmarks, each against a baseline in the same run: `boot` (cr-vmm
    /// vs QEMU microvm to the guest's init), `checkpoint` (checkpoint(2)
    /// into a pipe vs a user-space pipe write; checkpoint and restart of an
    /// event-loop process vs a plain one of the same memory, and of one
    /// with 10 TCP connections to a peer outside: time held, peer's
    /// stall), `vsock`
    /// (checkpoint image over the agent RPC vs a raw vsock stream),
    /// `snapshot` (VM snapshot vs copying a file of the same size; restore
    /// latency as memory grows), `criu` (checkpoint(2)/restart(2) vs `criu
    /// dump`/`criu restore` on the rootfs: a small process and 256 MiB
    /// dirty; at least 5 runs).
    Bench {
        /// Which benchmark.
        #[arg(value_parser = ["boot", "checkpoint", "criu", "snapshot", "vsock"])]
        which: String,
        /// Runs of each VMM.
        #[arg(long, default_value_t = 7)]
        runs: u32,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Build the libFuzzer targets of fuzz/ (stable Rust) and run each for
    /// a while; a crash is minimized into fuzz/regressions/ (docs/fuzzing.md).
    /// `cargo xtask fuzz guest --minutes N` instead runs the restart fuzzer
    /// inside the guest for N minutes, with kmemleak on.
    Fuzz {
        /// Targets to run (default: all), or `guest`.
        targets: Vec<String>,
        /// Seconds per target (default 60; 10 with --smoke).
        #[arg(long)]
        seconds: Option<u64>,
        /// Short run of every target (what `cargo xtask test` runs).
        #[arg(long)]
        smoke: bool,
        /// `guest`: minutes to run.
        #[arg(long, default_value_t = 10)]
        minutes: u32,
        /// `guest`: the first round's seed (each round takes the next).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        mode: ModeArgs,
    },
}

fn build_images(t: &mut Timings) -> anyhow::Result<()> {
    t.phase("install (images/install-deps.sh)", deps::ensure)?;
    let built = images::build_all(t)?;
    for (p, h) in built.outputs {
        eprintln!("images: {} {}", &h[..16.min(h.len())], p.display());
    }
    Ok(())
}

fn cargo() -> Command {
    let mut c = Command::new(env!("CARGO"));
    c.current_dir(paths::root());
    c
}

fn check(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    eprintln!("xtask: {what}");
    let st = cmd.status().with_context(|| format!("running {what}"))?;
    if !st.success() {
        bail!("{what} failed ({st})");
    }
    Ok(())
}

fn demo(mode: Mode, rootfs: bool) -> anyhow::Result<i32> {
    build_images(&mut Timings::new())?;
    let mut opts = nested::Options {
        timeout: run::boot_timeout(mode) * 2,
        ..Default::default()
    };
    let script = if rootfs {
        let img = xtask::rootfs::image();
        xtask::rootfs::build(&img, false)?;
        opts.drives.push(img);
        opts.timeout = run::boot_timeout(mode) * 4;
        include_str!("demo-rootfs.sh")
    } else {
        include_str!("demo.sh")
    };
    let out = run::script(mode, script, &opts)?;
    if out.status == 0 && !out.lines.iter().any(|l| l.text.starts_with("demo: PASS")) {
        bail!("the checkpoint/restart demo did not pass");
    }
    Ok(out.status)
}

fn test(mode: Mode, workers: usize, retry_stalls: bool) -> anyhow::Result<()> {
    let mut t = Timings::new();
    let r = test_phases(mode, workers, retry_stalls, &mut t);
    eprint!("{}", t.table());
    let (counts, failed) = r?;
    // The closing line: every libtest test of the run (the ignored ones are
    // skipped with their reason, which libtest printed).
    eprintln!(
        "xtask: {} passed, {} failed, {} skipped",
        counts.passed, counts.failed, counts.ignored
    );
    if !failed.is_empty() {
        bail!("failed: {}", failed.join(", "));
    }
    Ok(())
}

/// Everything `cargo xtask test` runs, timed into `t`; the test counts and
/// the jobs that failed.
fn test_phases(
    mode: Mode,
    workers: usize,
    retry_stalls: bool,
    t: &mut Timings,
) -> anyhow::Result<(testrun::Counts, Vec<String>)> {
    build_images(t)?;
    // The real-program tests (tests/programs.rs) boot it.
    t.phase("build: root filesystem (images/rootfs)", || {
        xtask::rootfs::build(&xtask::rootfs::image(), false)
    })?;
    t.phase("cargo fmt --check", || {
        check(
            cargo().args(["fmt", "--all", "--check"]),
            "cargo fmt --check",
        )
    })?;
    t.phase("cargo clippy", || {
        check(
            cargo().args([
                "clippy",
                "--quiet",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
            "cargo clippy -D warnings",
        )
    })?;
    let bins = t.phase("cargo test: build the test binaries", || {
        testrun::build(env!("CARGO"))
    })?;
    // The end-to-end tests (package e2e, in tests/) run one a job: each
    // boots guests for up to minutes, and spreading them over the workers
    // keeps both cores busy (guests wait on timers and sockets, so more
    // workers than cores pay off). The other binaries are quick and run
    // whole; the doc tests and the fuzz smoke run are jobs too.
    let e2e_dir = paths::root().join("tests");
    let me = std::env::current_exe().context("the xtask binary")?;
    let extra = vec![
        testrun::Job::Command {
            name: "cargo test --doc".into(),
            argv: [env!("CARGO"), "test", "--quiet", "--workspace", "--doc"]
                .map(String::from)
                .to_vec(),
        },
        testrun::Job::Command {
            name: "fuzz smoke (every target of fuzz/)".into(),
            argv: vec![
                me.to_string_lossy().into_owned(),
                "fuzz".into(),
                "--smoke".into(),
            ],
        },
    ];
    let jobs = testrun::plan(&bins, |b| b.dir == e2e_dir, extra, &testrun::last_times())?;
    eprintln!(
        "xtask: {} test binaries, {} jobs on {workers} workers (guests run {mode})",
        bins.len(),
        jobs.len()
    );
    // More jobs than CPUs slow each one down: the tests' hang timeouts
    // stretch by as much.
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let slowdown = workers.div_ceil(cpus).max(1);
    let started = std::time::Instant::now();
    let results = testrun::run_parallel(
        jobs,
        workers,
        &[
            ("CRVMM_MODE", mode.to_string()),
            ("CRVMM_TEST_SLOWDOWN", slowdown.to_string()),
        ],
        &testrun::log_dir(),
        retry_stalls,
    )?;
    testrun::save_times(&results);
    for (name, took, ok) in testrun::by_binary(&results) {
        t.record(
            &format!("{name}{}", if ok { "" } else { " (FAILED)" }),
            took,
        );
    }
    t.record("tests (wall clock, all jobs)", started.elapsed());
    let mut counts = testrun::Counts::default();
    for r in &results {
        counts += r.counts;
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.ok)
        .map(|r| {
            if r.stalled {
                format!("{} (CI host stalled)", r.name)
            } else {
                r.name.clone()
            }
        })
        .collect();
    let retried: Vec<&str> = results
        .iter()
        .filter(|r| r.retried)
        .map(|r| r.name.as_str())
        .collect();
    if !retried.is_empty() {
        eprintln!(
            "xtask: {} job(s) ran twice because their CI host stalled (--retry-stalls): {}",
            retried.len(),
            retried.join(", ")
        );
    }
    // A failed command job (the fuzz smoke run) counts as one failure.
    counts.failed = counts.failed.max(failed.len() as u32);
    Ok((counts, failed))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r: anyhow::Result<i32> = match cli.cmd {
        Cmd::Images {
            bump_kernel: Some(version),
            mode,
            ..
        } => mode.resolve().and_then(|m| {
            xtask::bump::bump(xtask::pins::KERNEL_PACKAGE, &version, &m.to_string()).map(|_| 0)
        }),
        Cmd::Images {
            bump: Some(spec),
            mode,
            ..
        } => match spec.split_once('=') {
            Some((package, version)) if !package.is_empty() && !version.is_empty() => mode
                .resolve()
                .and_then(|m| xtask::bump::bump(package, version, &m.to_string()).map(|_| 0)),
            _ => Err(anyhow::anyhow!(
                "--bump takes PACKAGE=VERSION, not '{spec}'"
            )),
        },
        Cmd::Images {
            what: Some(_),
            relock,
            verify_reproducible,
            ..
        } => (|| {
            deps::ensure()?;
            images::build_static_binaries()?;
            xtask::rootfs::build(&xtask::rootfs::image(), relock)?;
            if verify_reproducible {
                xtask::rootfs::verify_reproducible()?;
            }
            Ok(0)
        })(),
        Cmd::Images {
            verify_reproducible,
            ..
        } => build_images(&mut Timings::new()).and_then(|_| {
            if verify_reproducible {
                images::verify_reproducible()?;
            }
            Ok(0)
        }),
        Cmd::Nested {
            timeout,
            files,
            command,
        } => (|| {
            build_images(&mut Timings::new())?;
            let mut opts = nested::Options {
                timeout: Duration::from_secs(timeout),
                ..Default::default()
            };
            for f in files {
                let Some((src, dst)) = f.split_once(':') else {
                    bail!("--file takes HOST_PATH:PATH_INSIDE, not '{f}'");
                };
                opts.files.push((src.into(), dst.to_string()));
            }
            let script = format!(
                "export PATH=/bin:$PATH CRVMM=/bin/cr-vmm IMAGES=/images\n{}",
                command
                    .iter()
                    .map(|a| nested::shell_quote(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let (_, accel) = nested::accel_args();
            eprintln!("xtask: booting the CI host (QEMU {accel})");
            Ok(nested::run(&script, &opts)?.status)
        })(),
        Cmd::Demo { rootfs, mode } => mode.resolve().and_then(|m| demo(m, rootfs)),
        Cmd::Soak {
            runs,
            jobs,
            cycles,
            idle,
            host_append,
            accel,
            mode,
        } => {
            let workers = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get) + 1
            });
            mode.resolve().and_then(|m| {
                build_images(&mut Timings::new())?;
                let v = xtask::soak::Variant {
                    cycles,
                    idle_secs: idle,
                    host_append,
                    accel,
                };
                eprintln!(
                    "soak: {runs} runs of the CI host, {workers} at once, {cycles} cycles and {idle} s idle each, \
                     extra host command line '{}', accel {}",
                    v.host_append,
                    v.accel.as_deref().unwrap_or("tcg")
                );
                let r = xtask::soak::soak(m, runs, workers, &v)?;
                println!("{}", r.summary());
                Ok(if r.stalls + r.failures == 0 { 0 } else { 1 })
            })
        }
        Cmd::Test {
            mode,
            jobs,
            retry_stalls,
        } => {
            // One more job than CPUs: the guests of the end-to-end tests
            // spend part of their time waiting (timers, sockets, sleeps).
            let workers = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get) + 1
            });
            mode.resolve()
                .and_then(|m| test(m, workers, retry_stalls))
                .map(|_| 0)
        }
        Cmd::Fuzz {
            targets,
            minutes,
            seed,
            mode,
            ..
        } if targets.iter().any(|t| t == "guest") => {
            if targets.len() > 1 {
                Err(anyhow::anyhow!(
                    "`guest` runs on its own: cargo xtask fuzz guest --minutes N"
                ))
            } else {
                mode.resolve().and_then(|m| {
                    build_images(&mut Timings::new())?;
                    xtask::fuzz_guest::run(m, minutes, seed).map(|_| 0)
                })
            }
        }
        Cmd::Fuzz {
            targets,
            seconds,
            smoke,
            ..
        } => xtask::fuzz::cli(targets, seconds, smoke),
        Cmd::Bench { which, runs, mode } => mode.resolve().and_then(|m| {
            build_images(&mut Timings::new())?;
            if which == "criu" {
                xtask::rootfs::build(&xtask::rootfs::image(), false)?;
            }
            let mut cmd = cargo();
            cmd.args(["run", "--quiet", "--release", "-p", "benches", "--"])
                .arg(&which)
                .args(["--mode", &m.to_string(), "--runs", &runs.to_string()]);
            check(&mut cmd, &format!("benchmark {which}"))?;
            Ok(0)
        }),
    };
    match r {
        Ok(0) => ExitCode::SUCCESS,
        Ok(code) => ExitCode::from(code.clamp(1, 255) as u8),
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
