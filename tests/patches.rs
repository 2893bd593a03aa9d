//! The guest kernel's c/r patch series is in kernel style: the kernel's own
//! `scripts/checkpatch.pl --no-tree` passes on every patch without errors
//! or warnings.

use std::process::Command;

#[test]
fn every_patch_passes_checkpatch() {
    let tree = xtask::paths::out().join("build/guest/linux");
    let script = tree.join("scripts/checkpatch.pl");
    assert!(
        script.exists(),
        "{} is missing: run the tests through `cargo xtask test` (it unpacks the kernel tree)",
        script.display()
    );
    let dir = xtask::paths::root().join("guest-kernel-cfg/patches");
    let patches = xtask::images::sorted_files(&dir, Some("patch"));
    assert!(!patches.is_empty(), "no patches in {}", dir.display());
    for p in &patches {
        let out = Command::new("perl")
            .arg(&script)
            .args(["--no-tree", "--terse"])
            .arg(p)
            .output()
            .expect("perl");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && !text.contains("WARNING") && !text.contains("ERROR"),
            "checkpatch on {}:\n{text}",
            p.display()
        );
        eprintln!(
            "checkpatch: {} ok",
            p.file_name().unwrap().to_string_lossy()
        );
    }
}

/// The patches are what `guest-kernel-cfg/series.py` makes of the kernel
/// tree in `guest-kernel-cfg/linux` and the messages in `series/`: nobody
/// edits a patch by hand and lets the tree drift from it.
#[test]
fn patches_are_generated_from_the_tree() {
    let script = xtask::paths::root().join("guest-kernel-cfg/series.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["generate", "--check"])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{} generate --check:\n{}{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Each patch applies, in order, to the pinned kernel's files, and the
/// series has the shape a reviewer can read: at least 15 patches of one
/// concern each, none much over 600 lines.
#[test]
fn each_patch_applies_in_order() {
    let dir = xtask::paths::root().join("guest-kernel-cfg/patches");
    let patches = xtask::images::sorted_files(&dir, Some("patch"));
    assert!(
        patches.len() >= 15,
        "{} patches: one concern a patch",
        patches.len()
    );
    // The pinned kernel's copies of the files the series changes.
    let script = xtask::paths::root().join("guest-kernel-cfg/series.py");
    let gen = Command::new("python3")
        .arg(&script)
        .args(["generate", "--check"])
        .output()
        .expect("python3");
    assert!(
        gen.status.success(),
        "{}",
        String::from_utf8_lossy(&gen.stderr)
    );
    let dir = Command::new("python3")
        .arg(&script)
        .arg("upstream-dir")
        .output()
        .expect("python3");
    assert!(
        dir.status.success(),
        "{}",
        String::from_utf8_lossy(&dir.stderr)
    );
    let upstream = std::path::PathBuf::from(String::from_utf8_lossy(&dir.stdout).trim());
    assert!(
        upstream.join("MAINTAINERS").exists(),
        "{} is missing: run guest-kernel-cfg/series.py generate (it extracts the files the series changes)",
        upstream.display()
    );
    let tmp = TempTree(std::env::temp_dir().join(format!("cr-vmm-series-{}", std::process::id())));
    let tmp = &tmp.0;
    let _ = std::fs::remove_dir_all(tmp);
    std::fs::create_dir_all(tmp).expect("creating a temporary tree");
    let st = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", upstream.display()))
        .arg(tmp)
        .status()
        .expect("cp");
    assert!(st.success());
    for p in &patches {
        let text = std::fs::read_to_string(p).expect("reading a patch");
        let lines = text.lines().count();
        assert!(lines <= 650, "{}: {lines} lines", p.display());
        let out = Command::new("patch")
            .args([
                "-p1",
                "--batch",
                "--forward",
                "--no-backup-if-mismatch",
                "-d",
            ])
            .arg(tmp)
            .stdin(std::fs::File::open(p).expect("open"))
            .output()
            .expect("patch");
        assert!(
            out.status.success(),
            "{} does not apply after the patches before it:\n{}",
            p.display(),
            String::from_utf8_lossy(&out.stdout)
        );
        eprintln!("applies: {}", p.file_name().unwrap().to_string_lossy());
    }
}

/// A temporary tree, removed when the test ends, failed or not.
struct TempTree(std::path::PathBuf);

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The image format header as tests and images take it (xtask) is what
/// series.py makes of the tree after the last patch.
#[test]
fn the_header_is_the_one_the_series_leaves() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("python3")
        .arg(root.join("guest-kernel-cfg/series.py"))
        .args(["show", "include/uapi/linux/kcr.h"])
        .output()
        .expect("running series.py show");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let series = String::from_utf8(out.stdout).unwrap();
    let xtask = xtask::images::kcr_header().unwrap().unwrap();
    assert_eq!(xtask.trim_end(), series.trim_end());
    assert!(xtask.contains("#define KCR_VERSION") && !xtask.contains("@until"));
}
