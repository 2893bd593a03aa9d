//! `cargo xtask images --bump-kernel VERSION` and `--bump PACKAGE=VERSION`:
//! move a pin of `images/pins` to another Debian version.
//!
//! The steps, each of which stops the command when it fails: the version
//! must be in the archive; apt installs it; the pin (and the checksum of
//! the file it names) is rewritten; for the kernel source, the patch series
//! is applied to a fresh tree and every patch that does not apply is named;
//! the images are rebuilt; the boot and c/r tests run.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::pins::{self, KERNEL_PACKAGE};
use crate::{images, paths};

/// The versions of `package` that the archive has (after `apt-get update`).
pub fn archive_versions(package: &str) -> anyhow::Result<Vec<String>> {
    let out = Command::new("apt-cache")
        .args(["madison", package])
        .output()
        .context("running apt-cache madison")?;
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split('|').nth(1).map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
        .collect();
    v.dedup();
    Ok(v)
}

/// `program` as root: directly when we are root, through `sudo` otherwise;
/// apt's prompts off.
pub fn root_command(program: &str) -> Command {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mut c = if is_root {
        Command::new(program)
    } else {
        let mut c = Command::new("sudo");
        c.arg(program);
        c
    };
    c.env("DEBIAN_FRONTEND", "noninteractive");
    c
}

/// The installed version of `package` ("" when it is not installed).
pub fn installed_version(package: &str) -> String {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// Installs exactly `package=version` with apt (as root), downgrading if
/// needed; the caller checks what landed ([`installed_version`]).
pub fn apt_install(package: &str, version: &str) -> anyhow::Result<()> {
    let st = root_command("apt-get")
        .args([
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "--allow-downgrades",
        ])
        .arg(format!("{package}={version}"))
        .stdout(Stdio::null())
        .status()
        .context("running apt-get install")?;
    if !st.success() {
        bail!("apt-get install {package}={version} failed ({st})");
    }
    Ok(())
}

/// Moves the pin of `package` to `version` and installs it; the images are
/// rebuilt and checked by the caller ([`bump`]).
fn move_pin(package: &str, version: &str) -> anyhow::Result<()> {
    let pin = pins::load()?
        .into_iter()
        .find(|p| p.package == package)
        .with_context(|| {
            format!(
                "{} pins no {package}: add a line for it first",
                pins::path().display()
            )
        })?;
    eprintln!("bump: {package} {} -> {version}", pin.version);
    let st = root_command("apt-get")
        .args(["update", "-q"])
        .stdout(Stdio::null())
        .status()
        .context("running apt-get update")?;
    if !st.success() {
        bail!("apt-get update failed ({st})");
    }
    let have = archive_versions(package)?;
    if !have.iter().any(|v| v == version) {
        bail!(
            "{package} {version} is not in the Debian archive; it has: {}",
            have.join(" ")
        );
    }
    apt_install(package, version)?;
    let got = installed_version(package);
    if got != version {
        bail!("apt installed {package} '{got}', not {version}");
    }
    let sum = match &pin.file {
        Some((file, _)) => Some(pins::sha256_file(file)?),
        None => None,
    };
    pins::set(package, version, sum.as_deref())?;
    eprintln!(
        "bump: {} now pins {package} {version}{}",
        pins::path().display(),
        sum.map(|s| format!(" (sha256 {s})")).unwrap_or_default()
    );
    Ok(())
}

/// Applies the guest patch series, in order, to a fresh tree of the
/// installed kernel source. Returns the patches that did not apply, each
/// with what `patch` said.
pub fn check_series(tarball: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let tree = paths::out().join("build/bump-check");
    let _ = fs::remove_dir_all(&tree);
    fs::create_dir_all(&tree)?;
    eprintln!("bump: unpacking {} to check the series", tarball.display());
    let st = Command::new("tar")
        .arg("-xf")
        .arg(tarball)
        .arg("-C")
        .arg(&tree)
        .arg("--strip-components=1")
        .status()
        .context("running tar")?;
    if !st.success() {
        bail!("unpacking {} failed ({st})", tarball.display());
    }
    let mut failed = Vec::new();
    let series = images::sorted_files(
        &paths::root().join("guest-kernel-cfg/patches"),
        Some("patch"),
    );
    for p in &series {
        let name = p
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let out = Command::new("patch")
            .arg("-d")
            .arg(&tree)
            .args([
                "-p1",
                "--forward",
                "--batch",
                "--no-backup-if-mismatch",
                "-i",
            ])
            .arg(p)
            .output()
            .context("running patch")?;
        if out.status.success() {
            eprintln!("bump: {name} applies");
        } else {
            let said = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.contains("FAILED") || l.contains("can't find") || l.contains("rej"))
                .collect::<Vec<_>>()
                .join("\n");
            eprintln!("bump: {name} does NOT apply:\n{said}");
            failed.push((name, said));
        }
    }
    let _ = fs::remove_dir_all(&tree);
    Ok(failed)
}

/// The whole bump: pin, series check, images, boot and c/r tests (run in
/// `mode`, as `cargo xtask test` would).
pub fn bump(package: &str, version: &str, mode: &str) -> anyhow::Result<()> {
    move_pin(package, version)?;
    if package == KERNEL_PACKAGE {
        let kernel = pins::load()?
            .into_iter()
            .find(|p| p.package == KERNEL_PACKAGE)
            .and_then(|p| p.file)
            .context("the kernel pin names no tarball")?;
        let failed = check_series(&kernel.0)?;
        if !failed.is_empty() {
            let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
            bail!(
                "the pin is moved to {version}, but {} of the series do not apply: {}. \
                 Refresh them against the new tree (guest-kernel-cfg/README.md), then run \
                 `cargo xtask images` and `cargo xtask test`",
                failed.len(),
                names.join(", ")
            );
        }
    }
    crate::deps::ensure()?;
    let mut t = crate::timing::Timings::new();
    images::build_all(&mut t)?;
    eprintln!("bump: images rebuilt; running the boot and c/r tests (guests run {mode})");
    let st = Command::new(env!("CARGO"))
        .current_dir(paths::root())
        .args(["test", "-p", "e2e", "--test", "boot", "--test", "cr"])
        .env("CRVMM_MODE", mode)
        .status()
        .context("running cargo test")?;
    if !st.success() {
        bail!("the boot and c/r tests failed on {package} {version} ({st}); the pin is moved, the tree needs work");
    }
    eprintln!(
        "bump: {package} {version}: series applies, images build, boot and c/r tests pass. \
         Commit images/pins; then run `cargo xtask test`"
    );
    Ok(())
}
