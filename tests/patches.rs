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
