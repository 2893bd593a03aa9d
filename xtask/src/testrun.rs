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

/// The result of one binary.
#[derive(Debug)]
pub struct BinResult {
    /// Which binary.
    pub name: String,
    /// Wall-clock time.
    pub took: Duration,
    /// Whether every test passed.
    pub ok: bool,
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

/// Runs `bins` one after the other with `env` added, output streamed.
pub fn run_all(bins: &[TestBin], env: &[(&str, String)]) -> anyhow::Result<Vec<BinResult>> {
    let mut results = Vec::new();
    for b in bins {
        eprintln!("xtask: running {} ({})", b.name, b.exe.display());
        let t = Instant::now();
        let st = Command::new(&b.exe)
            .current_dir(&b.dir)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .status()
            .with_context(|| format!("running {}", b.exe.display()))?;
        results.push(BinResult {
            name: b.name.clone(),
            took: t.elapsed(),
            ok: st.success(),
        });
    }
    Ok(results)
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
}
