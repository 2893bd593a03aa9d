//! The Rust mirror of the image format (`kcr_image::format`) against the
//! kernel's uapi header `include/uapi/linux/kcr.h`, the format's one
//! definition: the header is compiled with the host C compiler and every
//! struct size, field offset, field size and constant must match. The two
//! cannot drift apart without this test failing.

use std::fmt::Write as _;
use std::process::Command;

use kcr_image::format::{constants, layout};

/// kcr.h as the patch series creates it.
fn kcr_h() -> String {
    xtask::images::kcr_header()
        .expect("reading guest-kernel-cfg/patches")
        .expect("no patch in guest-kernel-cfg/patches creates include/uapi/linux/kcr.h")
}

#[test]
fn rust_mirror_matches_the_kernel_header() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kcr.h"), kcr_h()).unwrap();
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include \"kcr.h\"\nint main(void) {\n",
    );
    for (s, f, _, _) in layout() {
        if f.is_empty() {
            let _ = writeln!(c, "printf(\"{s} . 0 %zu\\n\", sizeof(struct {s}));");
        } else {
            let _ = writeln!(
                c,
                "printf(\"{s} {f} %zu %zu\\n\", offsetof(struct {s}, {f}), sizeof(((struct {s} *)0)->{f}));"
            );
        }
    }
    for (name, _) in constants() {
        let _ = writeln!(
            c,
            "printf(\"{name} %llu\\n\", (unsigned long long)({name}));"
        );
    }
    c.push_str("return 0;\n}\n");
    let src = dir.path().join("layout.c");
    std::fs::write(&src, c).unwrap();
    let exe = dir.path().join("layout");
    let out = Command::new("cc")
        .arg("-Wall")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .output()
        .expect("a C compiler (cc) is needed for this test");
    assert!(
        out.status.success(),
        "compiling against kcr.h failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&exe).output().unwrap();
    let c_side = String::from_utf8(out.stdout).unwrap();

    let mut rust_side = String::new();
    for (s, f, off, size) in layout() {
        if f.is_empty() {
            let _ = writeln!(rust_side, "{s} . 0 {size}");
        } else {
            let _ = writeln!(rust_side, "{s} {f} {off} {size}");
        }
    }
    for (name, v) in constants() {
        let _ = writeln!(rust_side, "{name} {v}");
    }
    let diffs: Vec<_> = c_side
        .lines()
        .zip(rust_side.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("kcr.h: {a}\nrust:  {b}"))
        .collect();
    assert!(
        diffs.is_empty(),
        "the Rust mirror differs from kcr.h:\n{}",
        diffs.join("\n")
    );
    assert_eq!(c_side.lines().count(), rust_side.lines().count());
}
