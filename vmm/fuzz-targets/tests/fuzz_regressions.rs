//! Replays every input of `fuzz/corpus/<target>/` (the seeds) and of
//! `fuzz/regressions/<target>/` (minimized inputs that once crashed or
//! hung) through the fuzz target's entry point in `cr_vmm_fuzz_targets`, so a
//! fixed crash cannot come back unnoticed. See docs/fuzzing.md.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use cr_vmm_fuzz_targets::{Target, TARGETS};

/// Longer than this for one input is a hang (libFuzzer runs use 5 s).
const LIMIT: Duration = Duration::from_secs(30);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `dir`, sorted; none if it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.is_file() && p.file_name().is_none_or(|n| n != "README.md"));
    v.sort();
    v
}

/// Runs `f` on `path`'s bytes on another thread: a panic or a hang fails
/// the test, naming the file.
fn replay(name: &str, f: Target, path: &Path) {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (tx, rx) = mpsc::channel();
    let t = std::thread::Builder::new()
        .name(format!("{name}:{}", path.display()))
        .spawn(move || {
            f(&data);
            let _ = tx.send(());
        })
        .unwrap();
    match rx.recv_timeout(LIMIT) {
        Ok(()) => {
            let _ = t.join();
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name}: {} still runs after {LIMIT:?}", path.display())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{name}: {} panics (see above)", path.display())
        }
    }
}

fn run(name: &str) {
    let f = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no fuzz target {name}"));
    let seeds = inputs(&fuzz_dir().join("corpus").join(name));
    assert!(!seeds.is_empty(), "{name} has no seed corpus");
    let regressions = inputs(&fuzz_dir().join("regressions").join(name));
    for p in seeds.iter().chain(&regressions) {
        replay(name, f, p);
    }
    eprintln!(
        "{name}: {} seeds, {} regressions replayed",
        seeds.len(),
        regressions.len()
    );
}

#[test]
fn image_parse() {
    run("image_parse");
}

#[test]
fn snapshot_state() {
    run("snapshot_state");
}

#[test]
fn agent_proto() {
    run("agent_proto");
}

#[test]
fn vsock_queue() {
    run("vsock_queue");
}

#[test]
fn block_queue() {
    run("block_queue");
}

#[test]
fn cmdline() {
    run("cmdline");
}

/// The fuzz project, the entry points and the directories agree.
#[test]
fn every_fuzz_target_is_replayed() {
    let mut files: Vec<String> = inputs(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(String::from))
        .collect();
    files.sort();
    let mut names: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    assert_eq!(
        files, names,
        "fuzz/fuzz_targets vs cr_vmm_fuzz_targets::TARGETS"
    );
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for n in &names {
        assert!(
            manifest.contains(&format!("name = \"{n}\"")),
            "fuzz/Cargo.toml has no [[bin]] {n}"
        );
    }
    // This file has one test per target.
    let me = include_str!("fuzz_regressions.rs");
    for n in &names {
        assert!(me.contains(&format!("fn {n}()")), "no test for {n}");
    }
}
