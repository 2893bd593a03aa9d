//! `cargo xtask fuzz`: builds the libFuzzer targets of `fuzz/` with the
//! stable toolchain and runs each for a while on a scratch copy of its seed
//! corpus; a crash (or hang, or out-of-memory) input is minimized and kept
//! in `fuzz/regressions/<target>/`, where
//! `vmm/fuzz-targets/tests/fuzz_regressions.rs`
//! replays it on every `cargo test`. A libFuzzer dictionary
//! `fuzz/dicts/<target>.dict`, where there is one, is used too.
//!
//! No nightly and no `cargo fuzz` CLI are needed: the targets are built by
//! plain cargo with the instrumentation flags `cargo fuzz build
//! --sanitizer none` uses (all of them stable `-C` flags), into the same
//! `fuzz/target` directory, and minimization is libFuzzer's own
//! `-minimize_crash` (what `cargo fuzz tmin` runs). The `fuzz/` directory
//! keeps the `cargo fuzz` layout, so `cargo fuzz run TARGET -s none` works
//! too for whoever has cargo-fuzz installed.

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::paths;

/// Seconds each target runs by default.
pub const DEFAULT_SECONDS: u64 = 60;
/// Seconds each target runs in [`smoke`].
pub const SMOKE_SECONDS: u64 = 10;
/// An input that runs longer than this is reported as a hang.
const TIMEOUT_SECS: u64 = 5;
/// Memory limit of one fuzzing process.
const RSS_LIMIT_MB: u64 = 2048;
/// Longest minimization of one crash input.
const TMIN_LIMIT: Duration = Duration::from_secs(90);
/// The only target triple the fuzz targets are built for.
const TRIPLE: &str = "x86_64-unknown-linux-gnu";

/// What `cargo fuzz build --sanitizer none` passes in `RUSTFLAGS`
/// (cargo-fuzz 0.13, x86_64 Linux, release with debug assertions): SanitizerCoverage
/// instrumentation for libFuzzer, `--cfg fuzzing`, overflow checks.
const RUSTFLAGS: &str = "-Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    -Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
    --cfg fuzzing \
    -Clink-dead-code \
    -Cllvm-args=-sanitizer-coverage-stack-depth \
    -Cdebug-assertions \
    -C codegen-units=1";

/// `fuzz/`: the `cargo fuzz` project.
pub fn fuzz_dir() -> PathBuf {
    paths::root().join("fuzz")
}

/// `fuzz/corpus/<target>`: the committed seeds.
pub fn seed_dir(target: &str) -> PathBuf {
    fuzz_dir().join("corpus").join(target)
}

/// `fuzz/regressions/<target>`: minimized inputs that once crashed.
pub fn regression_dir(target: &str) -> PathBuf {
    fuzz_dir().join("regressions").join(target)
}

/// `target/fuzz`: scratch corpora, crash artifacts and logs of the runs.
fn scratch_dir() -> PathBuf {
    paths::root().join("target/fuzz")
}

/// The fuzz targets: the files of `fuzz/fuzz_targets/`, sorted.
pub fn targets() -> anyhow::Result<Vec<String>> {
    let dir = fuzz_dir().join("fuzz_targets");
    let mut names = Vec::new();
    for e in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "rs") {
            if let Some(stem) = p.file_stem().and_then(|s| s.to_str()) {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// How a target's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It ran its time without finding anything.
    Clean,
    /// It found an input that crashes, hangs or exhausts memory
    /// (libFuzzer's artifact kind: `crash`, `timeout`, `oom`, `leak`...),
    /// minimized into `fuzz/regressions/<target>/`.
    Found {
        /// The artifact kind.
        kind: String,
        /// The minimized input, in `fuzz/regressions/<target>/`.
        regression: PathBuf,
    },
}

/// One target's run, with libFuzzer's final numbers.
#[derive(Debug, Clone)]
pub struct TargetRun {
    /// The target.
    pub target: String,
    /// Seconds it was asked to run.
    pub seconds: u64,
    /// Inputs executed.
    pub execs: u64,
    /// Inputs per second.
    pub execs_per_sec: u64,
    /// Coverage: edges covered.
    pub cov: u64,
    /// Coverage features.
    pub features: u64,
    /// Inputs in the corpus at the end.
    pub corpus: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// libFuzzer's output.
    pub log: PathBuf,
}

/// Every target's run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// In the order they ran.
    pub runs: Vec<TargetRun>,
}

impl Summary {
    /// The runs that found something.
    pub fn findings(&self) -> Vec<&TargetRun> {
        self.runs
            .iter()
            .filter(|r| r.outcome != Outcome::Clean)
            .collect()
    }

    /// A Markdown table: target, seconds, execs, execs/s, coverage,
    /// corpus, result.
    pub fn table(&self) -> String {
        let mut s = String::from(
            "| target | seconds | execs | execs/s | cov | features | corpus | result |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
        );
        for r in &self.runs {
            let result = match &r.outcome {
                Outcome::Clean => "ok".to_string(),
                Outcome::Found { kind, regression } => {
                    format!("{kind}: {}", regression.display())
                }
            };
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.target, r.seconds, r.execs, r.execs_per_sec, r.cov, r.features, r.corpus, result
            ));
        }
        s
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Targets to run; empty: all of them.
    pub targets: Vec<String>,
    /// Seconds per target.
    pub seconds: u64,
}

/// Builds the targets (incremental) and runs each for `opts.seconds`.
/// Returns an error only when something could not be built or run; what
/// the fuzzer found is in the [`Summary`].
pub fn run(opts: &Options) -> anyhow::Result<Summary> {
    let all = targets()?;
    let chosen = if opts.targets.is_empty() {
        all.clone()
    } else {
        for t in &opts.targets {
            if !all.contains(t) {
                bail!("unknown fuzz target '{t}' (targets: {})", all.join(", "));
            }
        }
        opts.targets.clone()
    };
    build(&chosen)?;
    let mut summary = Summary::default();
    for t in &chosen {
        let r = run_target(t, opts.seconds)?;
        eprintln!(
            "fuzz: {t}: {} execs in {} s ({}/s), cov {} ft {}, corpus {}: {}",
            r.execs,
            r.seconds,
            r.execs_per_sec,
            r.cov,
            r.features,
            r.corpus,
            match &r.outcome {
                Outcome::Clean => "ok".to_string(),
                Outcome::Found { kind, regression } =>
                    format!("FOUND {kind}, minimized into {}", regression.display()),
            }
        );
        summary.runs.push(r);
    }
    Ok(summary)
}

/// The smoke run of `cargo xtask test`: every target for
/// [`SMOKE_SECONDS`] seconds. Prints the summary table; an error if the
/// build failed or any target found something (the minimized inputs are
/// then in `fuzz/regressions/`, named in the error).
pub fn smoke() -> anyhow::Result<Summary> {
    let s = run(&Options {
        targets: Vec::new(),
        seconds: SMOKE_SECONDS,
    })?;
    eprint!("{}", s.table());
    let found = s.findings();
    if !found.is_empty() {
        let list: Vec<String> = found
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Found { kind, regression } => {
                    Some(format!("{} ({kind}): {}", r.target, regression.display()))
                }
                Outcome::Clean => None,
            })
            .collect();
        bail!("fuzzing found: {}", list.join("; "));
    }
    Ok(s)
}

/// `cargo xtask fuzz [TARGET...] [--seconds N] [--smoke]`; the exit
/// status: 0, or 1 when a target found something.
pub fn cli(targets: Vec<String>, seconds: Option<u64>, smoke_run: bool) -> anyhow::Result<i32> {
    if smoke_run && targets.is_empty() && seconds.is_none() {
        return smoke().map(|_| 0);
    }
    let default = if smoke_run {
        SMOKE_SECONDS
    } else {
        DEFAULT_SECONDS
    };
    let s = run(&Options {
        targets,
        seconds: seconds.unwrap_or(default),
    })?;
    eprint!("{}", s.table());
    let found = s.findings();
    for r in &found {
        if let Outcome::Found { kind, regression } = &r.outcome {
            eprintln!(
                "fuzz: {}: {kind}; minimized input: {} (libFuzzer log: {})",
                r.target,
                regression.display(),
                r.log.display()
            );
        }
    }
    Ok(if found.is_empty() { 0 } else { 1 })
}

fn binary(target: &str) -> PathBuf {
    fuzz_dir()
        .join("target")
        .join(TRIPLE)
        .join("release")
        .join(target)
}

/// Builds `targets` as `cargo fuzz build --sanitizer none` would.
fn build(targets: &[String]) -> anyhow::Result<()> {
    let mut flags = RUSTFLAGS.to_string();
    if let Ok(extra) = std::env::var("RUSTFLAGS") {
        flags.push(' ');
        flags.push_str(&extra);
    }
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(fuzz_dir())
        .arg("build")
        .arg("--manifest-path")
        .arg(fuzz_dir().join("Cargo.toml"))
        .args(["--target", TRIPLE, "--release"])
        .args(["--config", "profile.release.debug=true"])
        .arg("--target-dir")
        .arg(fuzz_dir().join("target"))
        .env("RUSTFLAGS", flags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("CARGO_FUZZ", "1")
        .env("CARGO_FUZZ_MANIFEST", fuzz_dir().join("Cargo.toml"));
    for t in targets {
        cmd.args(["--bin", t]);
    }
    eprintln!(
        "fuzz: building {} (stable, --sanitizer none flags)",
        targets.join(", ")
    );
    let start = Instant::now();
    let st = cmd.status().context("running cargo build for fuzz/")?;
    if !st.success() {
        bail!("building the fuzz targets failed ({st})");
    }
    eprintln!("fuzz: built in {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Copies the files of `from` (if it exists) into `to`.
fn copy_files(from: &Path, to: &Path) -> anyhow::Result<u64> {
    let mut n = 0;
    let Ok(rd) = fs::read_dir(from) else {
        return Ok(0);
    };
    for e in rd {
        let p = e?.path();
        if p.is_file() {
            if let Some(name) = p.file_name() {
                fs::copy(&p, to.join(name)).with_context(|| format!("copying {}", p.display()))?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The number after `key` in a libFuzzer line (`cov: 123`, `corp: 45/6Kb`).
fn field(line: &str, key: &str) -> Option<u64> {
    let rest = &line[line.find(key)? + key.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// libFuzzer's numbers from its output.
#[derive(Debug, Default, PartialEq, Eq)]
struct Stats {
    execs: u64,
    execs_per_sec: u64,
    cov: u64,
    features: u64,
    corpus: u64,
    artifact: Option<PathBuf>,
}

fn parse_log(text: &str) -> Stats {
    let mut s = Stats::default();
    for line in text.lines() {
        if line.starts_with('#') && line.contains(" cov: ") {
            s.cov = field(line, " cov:").unwrap_or(s.cov);
            s.features = field(line, " ft:").unwrap_or(s.features);
            s.corpus = field(line, " corp:").unwrap_or(s.corpus);
            s.execs = field(line, "#").unwrap_or(s.execs);
        }
        if let Some(v) = line
            .strip_prefix("stat::number_of_executed_units:")
            .and_then(|v| v.trim().parse().ok())
        {
            s.execs = v;
        }
        if let Some(v) = line
            .strip_prefix("stat::average_exec_per_sec:")
            .and_then(|v| v.trim().parse().ok())
        {
            s.execs_per_sec = v;
        }
        if let Some(i) = line.find("Test unit written to ") {
            let p = line[i + "Test unit written to ".len()..].trim();
            s.artifact = Some(PathBuf::from(p));
        }
    }
    s
}

/// Runs `target` for `seconds` on a scratch copy of its seeds and
/// regressions; minimizes what it finds into `fuzz/regressions/`.
fn run_target(target: &str, seconds: u64) -> anyhow::Result<TargetRun> {
    let bin = binary(target);
    if !bin.exists() {
        bail!("{} was not built", bin.display());
    }
    let corpus = scratch_dir().join("corpus").join(target);
    let artifacts = scratch_dir().join("artifacts").join(target);
    let logs = scratch_dir().join("logs");
    for d in [&corpus, &artifacts, &logs] {
        fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    copy_files(&seed_dir(target), &corpus)?;
    copy_files(&regression_dir(target), &corpus)?;
    let log = logs.join(format!("{target}.log"));
    let out = fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    eprintln!("fuzz: running {target} for {seconds} s");
    let mut prefix = artifacts.clone().into_os_string();
    prefix.push("/");
    let mut artifact_arg = std::ffi::OsString::from("-artifact_prefix=");
    artifact_arg.push(&prefix);
    let mut cmd = Command::new(&bin);
    let dict = fuzz_dir().join("dicts").join(format!("{target}.dict"));
    if dict.exists() {
        let mut a = std::ffi::OsString::from("-dict=");
        a.push(&dict);
        cmd.arg(a);
    }
    let st = cmd
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={TIMEOUT_SECS}"))
        .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
        .arg("-print_final_stats=1")
        .arg(artifact_arg)
        .arg(&corpus)
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .status()
        .with_context(|| format!("running {}", bin.display()))?;
    let text = fs::read_to_string(&log).unwrap_or_default();
    let stats = parse_log(&text);
    let outcome = match (&stats.artifact, st.success()) {
        (None, true) => Outcome::Clean,
        (None, false) => bail!(
            "{target} failed ({st}) without a crash input; see {}",
            log.display()
        ),
        (Some(artifact), _) => {
            let kind = artifact
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split('-').next())
                .unwrap_or("crash")
                .to_string();
            let regression = minimize(target, &bin, artifact)?;
            Outcome::Found { kind, regression }
        }
    };
    let execs_per_sec = if stats.execs_per_sec > 0 {
        stats.execs_per_sec
    } else {
        stats.execs / seconds.max(1)
    };
    Ok(TargetRun {
        target: target.to_string(),
        seconds,
        execs: stats.execs,
        execs_per_sec,
        cov: stats.cov,
        features: stats.features,
        corpus: stats.corpus,
        outcome,
        log,
    })
}

/// Minimizes `artifact` with libFuzzer's `-minimize_crash` (what `cargo
/// fuzz tmin` runs) for at most [`TMIN_LIMIT`], and copies the result (or
/// the input as found, if minimizing failed) into `fuzz/regressions/`.
fn minimize(target: &str, bin: &Path, artifact: &Path) -> anyhow::Result<PathBuf> {
    let dir = regression_dir(target);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = artifact
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "crash".into());
    let dest = dir.join(&name);
    let min = artifact.with_extension("min");
    let _ = fs::remove_file(&min);
    eprintln!("fuzz: {target}: minimizing {}", artifact.display());
    let log = scratch_dir()
        .join("logs")
        .join(format!("{target}.tmin.log"));
    let out = fs::File::create(&log)?;
    let mut exact = std::ffi::OsString::from("-exact_artifact_path=");
    exact.push(&min);
    // Its own process group: libFuzzer minimizes in child processes, which
    // go too if it takes too long.
    let mut child = Command::new(bin)
        .process_group(0)
        .arg("-minimize_crash=1")
        .arg("-runs=2000")
        // A hang reproduces sooner; a smaller input must still hang.
        .arg(format!("-timeout={}", TIMEOUT_SECS.min(2)))
        .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
        .arg(exact)
        .arg(artifact)
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .with_context(|| format!("running {}", bin.display()))?;
    let start = Instant::now();
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if start.elapsed() > TMIN_LIMIT {
            eprintln!(
                "fuzz: {target}: minimizing takes too long; keeping the smallest input so far"
            );
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: kill(2) of the process group this function made.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let best = if min.exists() { &min } else { artifact };
    fs::copy(best, &dest).with_context(|| format!("copying into {}", dest.display()))?;
    // The last lines of the minimization say how small it got.
    if let Ok(f) = fs::File::open(&log) {
        let last = BufReader::new(f)
            .lines()
            .map_while(Result::ok)
            .filter(|l| l.contains("CRASH_MIN"))
            .last();
        if let Some(l) = last {
            eprintln!("fuzz: {target}: {l}");
        }
    }
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libfuzzer_output() {
        let text = "\
INFO: Seed: 1
#2\tINITED cov: 120 ft: 130 corp: 4/60Kb exec/s: 0 rss: 40Mb
#4096\tpulse  cov: 150 ft: 170 corp: 6/61Kb lim: 4096 exec/s: 2048 rss: 41Mb
#81920\tDONE   cov: 311 ft: 901 corp: 52/70Kb lim: 4096 exec/s: 8192 rss: 44Mb
Done 81920 runs in 10 second(s)
stat::number_of_executed_units: 81920
stat::average_exec_per_sec:     8192
";
        assert_eq!(
            parse_log(text),
            Stats {
                execs: 81920,
                execs_per_sec: 8192,
                cov: 311,
                features: 901,
                corpus: 52,
                artifact: None,
            }
        );
        let crash = "#5\tNEW    cov: 10 ft: 11 corp: 2/3b\n\
            ==1== ERROR: libFuzzer: deadly signal\n\
            artifact_prefix='/t/a/'; Test unit written to /t/a/crash-0123abcd\n";
        let s = parse_log(crash);
        assert_eq!(s.artifact, Some(PathBuf::from("/t/a/crash-0123abcd")));
        assert_eq!((s.execs, s.cov), (5, 10));
    }

    #[test]
    fn every_target_has_seeds() {
        let all = targets().unwrap();
        assert!(all.len() >= 6, "{all:?}");
        for t in all {
            let n = fs::read_dir(seed_dir(&t)).map(|d| d.count()).unwrap_or(0);
            assert!(n > 0, "no seeds in {}", seed_dir(&t).display());
        }
    }
}
