//! Running the workspace's test binaries one by one (or several at once),
//! so that `cargo xtask test` can say how long each took.
//!
//! The binaries are the ones `cargo test --workspace` would run: cargo
//! builds them (`--no-run`) and names them in its JSON messages; each runs
//! in its package's directory, as under `cargo test`. Doc tests run through
//! `cargo test --doc` afterwards.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::paths;

/// One test binary.
#[derive(Debug, Clone)]
pub struct TestBin {
    /// `package/target` (e.g. `e2e/boot`, `cr-vmm/lib`).
    pub name: String,
    /// The executable.
    pub exe: PathBuf,
    /// The package's directory (the binary's working directory).
    pub dir: PathBuf,
}

/// Builds every test binary of the workspace and lists them.
pub fn build(cargo: &str) -> anyhow::Result<Vec<TestBin>> {
    let out = Command::new(cargo)
        .current_dir(paths::root())
        .args([
            "test",
            "--workspace",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo test --no-run")?;
    if !out.status.success() {
        bail!("cargo test --no-run failed ({})", out.status);
    }
    parse_artifacts(&String::from_utf8_lossy(&out.stdout))
}

/// The test executables named in cargo's JSON messages.
pub fn parse_artifacts(json_lines: &str) -> anyhow::Result<Vec<TestBin>> {
    let mut bins = Vec::new();
    for line in json_lines.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-artifact" || v["profile"]["test"] != true {
            continue;
        }
        let Some(exe) = v["executable"].as_str() else {
            continue;
        };
        let target = v["target"]["name"].as_str().unwrap_or("?");
        let manifest = v["manifest_path"]
            .as_str()
            .context("artifact without manifest_path")?;
        let dir = PathBuf::from(manifest)
            .parent()
            .map(PathBuf::from)
            .context("manifest_path has no parent")?;
        let package = dir
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = v["target"]["kind"][0].as_str().unwrap_or("");
        let name = if kind == "lib" {
            format!("{package}/lib")
        } else {
            format!("{package}/{target}")
        };
        bins.push(TestBin {
            name,
            exe: PathBuf::from(exe),
            dir,
        });
    }
    if bins.is_empty() {
        bail!("cargo built no test binary");
    }
    bins.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(bins)
}

/// One unit of scheduling: a whole test binary, one test of it, or another
/// command of the suite (the doc tests, the fuzz smoke run).
#[derive(Debug, Clone)]
pub enum Job {
    /// A libtest binary, or one test of it (run alone, `--exact`).
    Test {
        /// The binary.
        bin: TestBin,
        /// The test, or `None` for the whole binary.
        test: Option<String>,
    },
    /// A command that passes when it exits 0.
    Command {
        /// Its name in the breakdown.
        name: String,
        /// Program and arguments.
        argv: Vec<String>,
    },
}

impl Job {
    /// `package/target`, `package/target::test`, or the command's name.
    pub fn name(&self) -> String {
        match self {
            Job::Test { bin, test: Some(t) } => format!("{}::{t}", bin.name),
            Job::Test { bin, test: None } => bin.name.clone(),
            Job::Command { name, .. } => name.clone(),
        }
    }

    /// The group it is reported under: the binary, or the command.
    pub fn group(&self) -> String {
        match self {
            Job::Test { bin, .. } => bin.name.clone(),
            Job::Command { name, .. } => name.clone(),
        }
    }
}

/// What one job did.
#[derive(Debug, Clone)]
pub struct JobResult {
    /// [`Job::name`].
    pub name: String,
    /// Its binary's name.
    pub bin: String,
    /// Wall-clock time.
    pub took: Duration,
    /// Exit status was success.
    pub ok: bool,
    /// Tests passed, failed and ignored, from libtest's result lines.
    pub counts: Counts,
    /// Run a second time after its CI host stalled.
    pub retried: bool,
    /// Its (last) run's CI host stalled.
    pub stalled: bool,
}

/// Test counts, as libtest reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed.
    pub passed: u32,
    /// Failed.
    pub failed: u32,
    /// Ignored (skipped with a reason).
    pub ignored: u32,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.ignored += o.ignored;
    }
}

/// Sums libtest's `test result: ok. 3 passed; 0 failed; 1 ignored; ...`
/// lines of one output.
pub fn parse_counts(output: &str) -> Counts {
    let mut c = Counts::default();
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let (n, what) = match words.as_slice() {
                [_, n, what] | [n, what] => (n, what),
                _ => continue,
            };
            let Ok(n) = n.parse::<u32>() else { continue };
            match *what {
                "passed" => c.passed += n,
                "failed" => c.failed += n,
                "ignored" => c.ignored += n,
                _ => {}
            }
        }
    }
    c
}

/// The tests of `bin`, by its `--list`.
pub fn list_tests(bin: &TestBin) -> anyhow::Result<Vec<String>> {
    let out = Command::new(&bin.exe)
        .current_dir(&bin.dir)
        .args(["--list", "--format", "terse"])
        .output()
        .with_context(|| format!("listing the tests of {}", bin.exe.display()))?;
    if !out.status.success() {
        bail!("{} --list failed ({})", bin.exe.display(), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test").map(String::from))
        .collect())
}

/// The jobs for `bins`: each binary of `split` (end-to-end tests, which
/// boot guests and run for minutes) becomes one job a test, so that they
/// spread over the workers; every other binary is one job. Jobs are
/// ordered longest first by `last` (the previous run's times), the split
/// ones first when there is no history. `extra` jobs (commands) join them.
pub fn plan(
    bins: &[TestBin],
    split: impl Fn(&TestBin) -> bool,
    extra: Vec<Job>,
    last: &std::collections::HashMap<String, f64>,
) -> anyhow::Result<Vec<Job>> {
    let mut jobs = Vec::new();
    for b in bins {
        if split(b) {
            for t in list_tests(b)? {
                jobs.push(Job::Test {
                    bin: b.clone(),
                    test: Some(t),
                });
            }
        } else {
            jobs.push(Job::Test {
                bin: b.clone(),
                test: None,
            });
        }
    }
    jobs.extend(extra);
    // Unknown jobs count as long (they may be new e2e tests).
    let weight = |j: &Job| {
        last.get(&j.name()).copied().unwrap_or(match j {
            Job::Test { test: Some(_), .. } => 1e6,
            Job::Command { .. } => 5e5,
            Job::Test { test: None, .. } => 1e5,
        })
    };
    jobs.sort_by(|a, b| weight(b).total_cmp(&weight(a)));
    Ok(jobs)
}

/// Where each job's output goes while it runs.
pub fn log_dir() -> PathBuf {
    paths::root().join("target/xtask-test-logs")
}

/// The previous run's job times (`target/xtask-test-times`), or on a fresh
/// clone the ones committed in `xtask/test-times` (a run of this suite on a
/// machine of the CI's kind), so that the longest jobs start first.
pub fn last_times() -> std::collections::HashMap<String, f64> {
    let local = paths::root().join("target/xtask-test-times");
    let committed = paths::root().join("xtask/test-times");
    std::fs::read_to_string(local)
        .or_else(|_| std::fs::read_to_string(committed))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (t, name) = l.split_once(' ')?;
            Some((name.to_string(), t.parse().ok()?))
        })
        .collect()
}

/// Records the job times for the next run's order.
pub fn save_times(results: &[JobResult]) {
    let mut s = String::new();
    for r in results {
        s.push_str(&format!("{:.1} {}\n", r.took.as_secs_f64(), r.name));
    }
    let _ = crate::images::write_if_changed(
        &paths::root().join("target/xtask-test-times"),
        s.as_bytes(),
    );
}

/// Runs `jobs` on `workers` workers at once, each job's output captured in
/// a log and printed when it ends (whole, so that lines of two jobs never
/// mix), with `env` added to every job's environment. A job whose CI host
/// stalled ([`crate::nested::STALL_MARKER`]) fails like any other, unless
/// `retry_stalls` (`cargo xtask test --retry-stalls`) gives it one more run.
pub fn run_parallel(
    jobs: Vec<Job>,
    workers: usize,
    env: &[(&str, String)],
    dir: &std::path::Path,
    retry_stalls: bool,
) -> anyhow::Result<Vec<JobResult>> {
    use std::sync::{mpsc, Arc, Mutex};
    let dir = dir.to_path_buf();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let total = jobs.len();
    let queue = Arc::new(Mutex::new(std::collections::VecDeque::from(jobs)));
    let (tx, rx) = mpsc::channel::<anyhow::Result<(JobResult, String)>>();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut handles = Vec::new();
    for w in 0..workers.max(1) {
        let queue = Arc::clone(&queue);
        let tx = tx.clone();
        let env = env.clone();
        let dir = dir.clone();
        handles.push(std::thread::spawn(move || loop {
            let job = match queue.lock() {
                Ok(mut q) => q.pop_front(),
                Err(_) => None,
            };
            let Some(job) = job else { break };
            let mut r = run_job(&job, w, &dir, &env);
            // Asked for (--retry-stalls): a CI host that stalled (not the
            // code under test: see nested::STALL_MARKER) gets the job one
            // more run, reported.
            if let Ok((res, log)) = &mut r {
                res.stalled = log.contains(crate::nested::STALL_MARKER);
            }
            if let (true, Ok((res, log))) = (retry_stalls, &r) {
                if !res.ok && res.stalled {
                    let tail: Vec<&str> = log
                        .lines()
                        .skip_while(|l| !l.contains(crate::nested::STALL_MARKER))
                        .take(20)
                        .collect();
                    eprintln!(
                        "xtask: RETRY {} (--retry-stalls): the CI host stalled (printed nothing for {} s); running it once more. It said:\n{}",
                        res.name,
                        crate::nested::STALL_SECS,
                        tail.join("\n")
                    );
                    r = run_job(&job, w, &dir, &env).map(|(mut res, log)| {
                        res.retried = true;
                        (res, log)
                    });
                }
            }
            if tx.send(r).is_err() {
                break;
            }
        }));
    }
    drop(tx);
    let mut results = Vec::new();
    for r in rx {
        let (res, log) = r?;
        let mark = match (res.ok, res.retried, res.stalled) {
            (true, false, _) => "PASS",
            (true, true, _) => "PASS (after a CI-host stall, --retry-stalls)",
            (false, _, true) => "FAIL (its CI host stalled: docs/ci.md)",
            (false, _, false) => "FAIL",
        };
        if !res.ok {
            eprintln!("{log}");
        }
        eprintln!(
            "xtask: {mark} [{:>6.1} s] {} ({}/{total})",
            res.took.as_secs_f64(),
            res.name,
            results.len() + 1
        );
        results.push(res);
    }
    for h in handles {
        let _ = h.join();
    }
    if results.len() != total {
        bail!(
            "{} of {total} test jobs did not report",
            total - results.len()
        );
    }
    Ok(results)
}

fn run_job(
    job: &Job,
    worker: usize,
    dir: &std::path::Path,
    env: &[(String, String)],
) -> anyhow::Result<(JobResult, String)> {
    let name = job.name();
    let file: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let log_path = dir.join(format!("{file}.log"));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut cmd = match job {
        Job::Test { bin, test } => {
            let mut c = Command::new(&bin.exe);
            c.current_dir(&bin.dir);
            if let Some(t) = test {
                c.args(["--exact", t, "--test-threads=1"]);
            }
            c
        }
        Job::Command { argv, .. } => {
            let (prog, args) = argv.split_first().context("empty command")?;
            let mut c = Command::new(prog);
            c.args(args).current_dir(paths::root());
            c
        }
    };
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("XTASK_TEST_WORKER", worker.to_string())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let t = Instant::now();
    let st = cmd.status().with_context(|| format!("running {name}"))?;
    let took = t.elapsed();
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let counts = parse_counts(&text);
    // A job that exits 0 but ran nothing (a filter that matched no test)
    // is a failure, not a pass.
    let one_test = matches!(job, Job::Test { test: Some(_), .. });
    let ok = st.success() && counts.failed == 0 && (!one_test || counts.passed == 1);
    Ok((
        JobResult {
            name,
            bin: job.group(),
            took,
            ok,
            counts,
            retried: false,
            stalled: false,
        },
        text,
    ))
}

/// Per binary: the sum of its jobs' times and the worst outcome.
pub fn by_binary(results: &[JobResult]) -> Vec<(String, Duration, bool)> {
    let mut v: Vec<(String, Duration, bool)> = Vec::new();
    for r in results {
        match v.iter_mut().find(|(n, _, _)| *n == r.bin) {
            Some(e) => {
                e.1 += r.took;
                e.2 &= r.ok;
            }
            None => v.push((r.bin.clone(), r.took, r.ok)),
        }
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_test_executables_in_cargo_messages() {
        let msgs = r#"{"reason":"compiler-artifact","package_id":"x","manifest_path":"/w/tests/Cargo.toml","target":{"kind":["test"],"name":"boot"},"profile":{"test":true},"executable":"/w/target/debug/deps/boot-1"}
{"reason":"compiler-artifact","manifest_path":"/w/vmm/Cargo.toml","target":{"kind":["lib"],"name":"cr_vmm"},"profile":{"test":true},"executable":"/w/target/debug/deps/cr_vmm-2"}
{"reason":"compiler-artifact","manifest_path":"/w/vmm/Cargo.toml","target":{"kind":["lib"],"name":"cr_vmm"},"profile":{"test":false},"executable":null}
{"reason":"build-finished","success":true}
not json"#;
        let bins = parse_artifacts(msgs).unwrap();
        let names: Vec<&str> = bins.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["tests/boot", "vmm/lib"]);
        assert_eq!(bins[0].dir, PathBuf::from("/w/tests"));
        assert!(parse_artifacts("{}").is_err());
    }

    fn sh(name: &str, script: &str) -> Job {
        Job::Command {
            name: name.into(),
            argv: vec!["sh".into(), "-c".into(), script.into()],
        }
    }

    #[test]
    fn jobs_run_side_by_side_and_a_stalled_ci_host_gets_one_more_run_if_asked() {
        let dir = std::env::temp_dir().join(format!("xtask-testrun-{}", std::process::id()));
        let flag = dir.join("ran-once");
        let marker = crate::nested::STALL_MARKER;
        let jobs = vec![
            sh(
                "pass",
                "echo 'test result: ok. 2 passed; 0 failed; 1 ignored;'",
            ),
            sh(
                "fail",
                "echo 'test result: FAILED. 0 passed; 1 failed;'; exit 1",
            ),
            // Stalls the first time, passes the second.
            sh(
                "stall",
                &format!(
                    "if [ -e {f} ]; then echo 'test result: ok. 1 passed; 0 failed;'; \
                     else touch {f}; echo '{marker}: it printed nothing'; exit 101; fi",
                    f = flag.display()
                ),
            ),
            // A real failure that is not a stall runs once.
            sh("plain-fail", "echo boom; exit 1"),
        ];
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = run_parallel(jobs.clone(), 2, &[("X", "1".into())], &dir, true).unwrap();
        r.sort_by(|a, b| a.name.cmp(&b.name));
        let got: Vec<(&str, bool, bool)> = r
            .iter()
            .map(|r| (r.name.as_str(), r.ok, r.retried))
            .collect();
        assert_eq!(
            got,
            [
                ("fail", false, false),
                ("pass", true, false),
                ("plain-fail", false, false),
                ("stall", true, true),
            ]
        );
        assert_eq!(
            r[1].counts,
            Counts {
                passed: 2,
                failed: 0,
                ignored: 1
            }
        );
        // Without --retry-stalls a stall is a failure, marked as a stall
        // (run_parallel empties `dir`, so the job stalls again).
        let mut r = run_parallel(jobs, 2, &[], &dir, false).unwrap();
        r.sort_by(|a, b| a.name.cmp(&b.name));
        let got: Vec<(&str, bool, bool, bool)> = r
            .iter()
            .map(|r| (r.name.as_str(), r.ok, r.retried, r.stalled))
            .collect();
        assert_eq!(
            got,
            [
                ("fail", false, false, false),
                ("pass", true, false, false),
                ("plain-fail", false, false, false),
                ("stall", false, false, true),
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn counts_come_from_libtest_result_lines() {
        let out = "running 3 tests\n\
            test a ... ok\n\
            test result: ok. 2 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\
            \n\
            test result: FAILED. 4 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.00s\n";
        assert_eq!(
            parse_counts(out),
            Counts {
                passed: 6,
                failed: 1,
                ignored: 1
            }
        );
        assert_eq!(parse_counts("nothing"), Counts::default());
    }
}
