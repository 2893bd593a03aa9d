//! Building the images: static binaries, the kernel (through
//! `images/build-kernel.sh`; one kernel is both the guest's and the nested
//! CI host's), and both initramfs archives.
//!
//! Everything is reproducible (fixed timestamps, sorted archives) and
//! incremental (kernels rebuild only when their inputs change; archives are
//! rewritten only when their bytes change).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use crate::cpio::{Archive, Entry};
use crate::paths;
use crate::timing::Timings;

/// The fixed mtime of every archive entry (2024-01-01, like the kernels').
pub const SOURCE_DATE_EPOCH: u32 = 1_704_067_200;
const BUSYBOX: &str = "/bin/busybox";

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let st = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !st.success() {
        bail!("{cmd:?} failed ({st})");
    }
    Ok(())
}

/// Builds cr-vmm and the guest agent as static binaries (for the CI host
/// and the guest, which have no libc).
pub fn build_static_binaries() -> anyhow::Result<()> {
    eprintln!("images: building static cr-vmm and guest-agent");
    run(Command::new(env!("CARGO"))
        .current_dir(paths::root())
        .args([
            "build",
            "--quiet",
            "--release",
            "--target",
            "x86_64-unknown-linux-gnu",
            "-p",
            "cr-vmm",
            "-p",
            "guest-agent",
        ])
        .env_remove("RUSTFLAGS")
        .env("CARGO_ENCODED_RUSTFLAGS", static_rustflags().join("\x1f")))
}

/// Static linking, and the checkout's and cargo's directories named the
/// same wherever they are (panic messages carry source paths), so that
/// the binaries, and the initramfs archives holding them, are the same
/// from any clone on any machine.
fn static_rustflags() -> Vec<String> {
    // One flag per element (CARGO_ENCODED_RUSTFLAGS): a path with spaces
    // stays one argument.
    let mut flags = vec![
        "-C".to_string(),
        "target-feature=+crt-static".to_string(),
        format!("--remap-path-prefix={}=/cr-vmm", paths::root().display()),
    ];
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(h) = cargo_home {
        flags.push(format!("--remap-path-prefix={}=/cargo", h.display()));
    }
    flags
}

/// Builds one kernel with `images/build-kernel.sh`: `fragments` on top of
/// tinyconfig, the patches in `patches` applied first.
pub fn build_kernel(
    name: &str,
    out: &Path,
    patches: Option<&Path>,
    fragments: &[PathBuf],
) -> anyhow::Result<()> {
    let mut cmd = Command::new("bash");
    cmd.arg(paths::root().join("images/build-kernel.sh"))
        .arg(name)
        .arg(out)
        .arg(patches.map(Path::as_os_str).unwrap_or_default())
        .args(fragments);
    run(&mut cmd)
}

/// The kernel's config fragments: the guest's base, every other `*.config`
/// in guest-kernel-cfg/ (sorted, e.g. the c/r options), then the CI host's
/// role (`images/ci-host/host.config`: KVM). One kernel serves as the guest
/// and as the nested CI host.
pub fn kernel_fragments() -> anyhow::Result<Vec<PathBuf>> {
    let dir = paths::root().join("guest-kernel-cfg");
    let base = dir.join("guest.config");
    let host = paths::root().join("images/ci-host/host.config");
    for p in [&base, &host] {
        if !p.exists() {
            bail!("{} is missing", p.display());
        }
    }
    let mut all = vec![base.clone()];
    all.extend(
        sorted_files(&dir, Some("config"))
            .into_iter()
            .filter(|p| *p != base),
    );
    all.push(host);
    Ok(all)
}

/// The regular files in `dir` (with extension `ext`, if given), sorted; an
/// empty list when `dir` does not exist.
pub fn sorted_files(dir: &Path, ext: Option<&str>) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && ext.is_none_or(|x| p.extension().is_some_and(|e| e == x)))
        .collect();
    v.sort();
    v
}

/// Writes `bytes` to `path` atomically (temp file, fsync, rename), and only
/// when they differ from what is there.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> anyhow::Result<bool> {
    if fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)?;
    Ok(true)
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Busybox and a symlink for each of its applets in /bin.
fn add_busybox(a: &mut Archive) -> anyhow::Result<()> {
    a.file("bin/busybox", 0o755, read(Path::new(BUSYBOX))?);
    let list = Command::new(BUSYBOX)
        .arg("--list")
        .output()
        .context("running busybox --list (apt-get install busybox-static)")?;
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        let applet = applet.trim();
        if !applet.is_empty() && applet != "busybox" && applet != "init" {
            a.add(&format!("bin/{applet}"), Entry::Symlink("busybox".into()));
        }
    }
    a.add("sbin", Entry::Symlink("bin".into()));
    Ok(())
}

fn base_dirs(a: &mut Archive) {
    for d in ["dev", "proc", "sys", "tmp", "run", "etc", "root"] {
        a.add(d, Entry::Dir);
    }
    a.add("dev/console", Entry::CharDev { major: 5, minor: 1 });
    a.add("dev/null", Entry::CharDev { major: 1, minor: 3 });
}

/// The image format's uapi header as the whole guest patch series leaves
/// it: `guest-kernel-cfg/linux/include/uapi/linux/kcr.h`, the source the
/// series is generated from (tests/patches.rs checks they agree), with
/// its patch markers resolved as guest-kernel-cfg/series.py does after
/// the last patch: `@until TAG` blocks dropped, `@TAG` blocks kept.
/// `None` when the tree has no such file.
pub fn kcr_header() -> anyhow::Result<Option<String>> {
    let path = paths::root().join("guest-kernel-cfg/linux/include/uapi/linux/kcr.h");
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    resolve_markers(&text)
        .map(Some)
        .with_context(|| format!("{}", path.display()))
}

/// The marker of a line, if it is one: (`file`/`until`/`end`/a tag, its
/// argument).
fn marker(line: &str) -> Option<(&str, Option<&str>)> {
    let l = line.trim();
    let body = if let Some(b) = l.strip_prefix("/*") {
        b.strip_suffix("*/")?
    } else {
        l.strip_prefix('#')?
    };
    let mut words = body.split_whitespace();
    let word = words.next()?.strip_prefix('@')?;
    let arg = words.next();
    let tag_ok = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    (words.next().is_none() && tag_ok(word) && arg.is_none_or(tag_ok)).then_some((word, arg))
}

/// `text` after every patch of the series: see [`kcr_header`].
fn resolve_markers(text: &str) -> anyhow::Result<String> {
    let mut keep: Vec<bool> = Vec::new();
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        match marker(line) {
            None => {
                if keep.iter().all(|&k| k) {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Some(("end", _)) => {
                if keep.pop().is_none() {
                    bail!("line {}: @end without a block", n + 1);
                }
            }
            Some(("file", _)) => {}
            Some(("until", _)) => keep.push(false),
            Some(_) => keep.push(true),
        }
    }
    if !keep.is_empty() {
        bail!("a marker block is not closed");
    }
    Ok(out)
}

#[cfg(test)]
mod marker_tests {
    use super::resolve_markers;

    #[test]
    fn markers_resolve_as_after_the_last_patch() {
        let src = "/* @file uapi */\nA\n/* @until attrs */\n#define V 5\n/* @end */\n/* @attrs */\n#define V 6\n/* @end */\n * @not a marker\nB\n";
        assert_eq!(
            resolve_markers(src).unwrap(),
            "A\n#define V 6\n * @not a marker\nB\n"
        );
        assert!(resolve_markers("/* @attrs */\nA\n").is_err());
        assert!(resolve_markers("A\n/* @end */\n").is_err());
    }
}

/// Builds the guest-side c/r test programs (guest-kernel-cfg/tests/*.c,
/// the network peers tests/net/*.c, which the CI host runs too, and the
/// zdtm-style cases tests/zdtm/*.c as `zdtm-NAME`) into
/// images/out/guest/bin. Returns (name, path) of each.
pub fn build_guest_tests() -> anyhow::Result<Vec<(String, PathBuf)>> {
    let Some(header) = kcr_header()? else {
        return Ok(Vec::new());
    };
    let out = paths::out().join("guest");
    let inc = out.join("include");
    write_if_changed(&inc.join("kcr.h"), header.as_bytes())?;
    let mut built = Vec::new();
    let sources = sorted_files(&paths::root().join("guest-kernel-cfg/tests"), Some("c"))
        .into_iter()
        .map(|p| (String::new(), p))
        .chain(
            sorted_files(&paths::root().join("tests/net"), Some("c"))
                .into_iter()
                .map(|p| (String::new(), p)),
        )
        .chain(
            sorted_files(&paths::root().join("tests/zdtm"), Some("c"))
                .into_iter()
                .map(|p| ("zdtm-".to_string(), p)),
        );
    for (prefix, src) in sources {
        let name = src
            .file_stem()
            .map(|s| format!("{prefix}{}", s.to_string_lossy()))
            .context("test source name")?;
        let exe = out.join("bin").join(&name);
        fs::create_dir_all(out.join("bin"))?;
        // Not ".tmp": write_if_changed uses that name for its own temp file.
        let tmp = exe.with_extension("gcc-out");
        // The zdtm cases are linked against the guest's C library, as the
        // programs users run are (and 17 KiB instead of 750 KiB each);
        // the kernel's own tests and the network peers (which the CI host
        // runs too) stay static.
        let link = if prefix.is_empty() { "-static" } else { "-pie" };
        run(Command::new("gcc")
            .args([link, "-O2", "-Wall", "-Werror", "-I"])
            .arg(&inc)
            .arg("-o")
            .arg(&tmp)
            .arg(&src)
            .arg("-lpthread"))?;
        write_if_changed(&exe, &read(&tmp)?)?;
        fs::remove_file(&tmp)?;
        built.push((name, exe));
    }
    // A program whose source is gone (renamed, removed) must not stay in
    // the initramfs: the archive would depend on the checkout's history.
    for stale in sorted_files(&out.join("bin"), None) {
        if !built.iter().any(|(_, exe)| *exe == stale) {
            eprintln!("images: removing {}: its source is gone", stale.display());
            fs::remove_file(&stale)?;
        }
    }
    Ok(built)
}

/// The guest's initramfs: the agent as /init, busybox, device nodes, and
/// the c/r test programs in /bin.
pub fn guest_initramfs() -> anyhow::Result<Archive> {
    let mut a = Archive::default();
    base_dirs(&mut a);
    add_busybox(&mut a)?;
    for (name, path) in guest_test_programs()? {
        a.file(&format!("bin/{name}"), 0o755, read(&path)?);
    }
    add_libc(&mut a)?;
    // Scripts the end-to-end tests run inside the guest.
    let scripts = paths::root().join("tests/guest");
    if let Ok(entries) = fs::read_dir(&scripts) {
        let mut v: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        v.sort();
        for p in v.into_iter().filter(|p| p.is_file()) {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            a.file(&format!("bin/{name}"), 0o755, read(&p)?);
        }
    }
    let agent = read(&paths::static_bin("guest-agent"))?;
    a.file("bin/guest-agent", 0o755, agent);
    a.add("init", Entry::Symlink("bin/guest-agent".into()));
    Ok(a)
}

/// The build host's C library (the pinned libc6, as `libc6-dev` in
/// images/pins), at the paths its dynamic programs look for it: the
/// guest's dynamically linked test programs run with it.
const LIBC_FILES: [&str; 2] = [
    "lib64/ld-linux-x86-64.so.2",
    "lib/x86_64-linux-gnu/libc.so.6",
];

fn add_libc(a: &mut Archive) -> anyhow::Result<()> {
    for f in LIBC_FILES {
        let host = Path::new("/").join(f);
        let real = fs::canonicalize(&host).with_context(|| {
            format!(
                "{}: the C library (install libc6 as pinned in images/pins)",
                host.display()
            )
        })?;
        a.file(f, 0o755, read(&real)?);
    }
    Ok(())
}

/// The already built guest test programs (see [`build_guest_tests`]).
fn guest_test_programs() -> anyhow::Result<Vec<(String, PathBuf)>> {
    Ok(sorted_files(&paths::out().join("guest/bin"), None)
        .into_iter()
        .map(|p| {
            (
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                p,
            )
        })
        .collect())
}

/// The network peers (tests/net/*.c, built by [`build_guest_tests`])
/// that the CI host runs against a guest over a tap.
const HOST_PEERS: [&str; 1] = ["tcp-stream"];

/// The CI host's initramfs: its init script, busybox, static cr-vmm, the
/// network peers and the guest images under /images.
pub fn host_initramfs() -> anyhow::Result<Archive> {
    let mut a = Archive::default();
    base_dirs(&mut a);
    add_busybox(&mut a)?;
    a.file(
        "init",
        0o755,
        read(&paths::root().join("images/ci-host/init"))?,
    );
    a.file("bin/cr-vmm", 0o755, read(&paths::static_bin("cr-vmm"))?);
    for peer in HOST_PEERS {
        let exe = paths::out().join("guest/bin").join(peer);
        let data = read(&exe)
            .with_context(|| format!("{}: built with the guest's test programs", exe.display()))?;
        a.file(&format!("bin/{peer}"), 0o755, data);
    }
    a.file("images/bzImage", 0o644, read(&paths::guest_kernel())?);
    a.file(
        "images/initramfs.cpio",
        0o644,
        read(&paths::guest_initramfs())?,
    );
    a.add("work", Entry::Dir);
    Ok(a)
}

/// Serializes `a` into `path` if its bytes changed.
pub fn write_archive(a: &Archive, path: &Path) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    a.write(&mut bytes, SOURCE_DATE_EPOCH)?;
    let changed = write_if_changed(path, &bytes)?;
    eprintln!(
        "images: {} {} ({} KiB)",
        if changed { "wrote" } else { "unchanged" },
        path.display(),
        bytes.len() / 1024
    );
    Ok(())
}

/// What `build_all` produced.
#[derive(Debug)]
pub struct Built {
    /// Files and their SHA-256.
    pub outputs: Vec<(PathBuf, String)>,
}

/// Builds every image: static binaries, the kernel, both initramfs. Each
/// step is timed into `t`.
pub fn build_all(t: &mut Timings) -> anyhow::Result<Built> {
    let root = paths::root();
    eprintln!(
        "images: guest kernel from Debian linux-source-6.12 {}",
        crate::pins::kernel_version()?
    );
    t.phase("build: static cr-vmm + guest-agent", build_static_binaries)?;
    t.phase("build: kernel (guest and CI host)", || {
        build_kernel(
            "guest",
            &paths::out().join("guest"),
            Some(&root.join("guest-kernel-cfg/patches")),
            &kernel_fragments()?,
        )
    })?;
    t.phase("build: guest test programs + initramfs", || {
        for (name, _) in build_guest_tests()? {
            eprintln!("images: built guest test program {name}");
        }
        write_archive(&guest_initramfs()?, &paths::guest_initramfs())?;
        write_archive(&host_initramfs()?, &paths::host_initramfs())
    })?;
    let outputs = [
        paths::guest_kernel(),
        paths::guest_initramfs(),
        paths::host_initramfs(),
    ]
    .into_iter()
    .map(|p| {
        let h = crate::pins::sha256_file(&p).unwrap_or_else(|_| "?".into());
        (p, h)
    })
    .collect();
    Ok(Built { outputs })
}

/// Rebuilds the kernel (the guest's, which the CI host boots too) from
/// scratch in a second tree and both initramfs archives (guest and CI
/// host) afresh, compares them with the regular build, and prints their
/// SHA-256 (to compare across machines).
pub fn verify_reproducible() -> anyhow::Result<()> {
    let root = paths::root();
    let second = paths::out().join("repro");
    let _ = std::fs::remove_dir_all(paths::out().join("build/guest-repro"));
    build_kernel(
        "guest-repro",
        &second,
        Some(&root.join("guest-kernel-cfg/patches")),
        &kernel_fragments()?,
    )?;
    let a = std::fs::read(paths::guest_kernel())?;
    let b = std::fs::read(second.join("bzImage"))?;
    if a != b {
        bail!("guest bzImage differs between two clean builds");
    }
    for (name, archive, built) in [
        ("guest", guest_initramfs()?, paths::guest_initramfs()),
        ("CI host", host_initramfs()?, paths::host_initramfs()),
    ] {
        let mut x = Vec::new();
        archive.write(&mut x, SOURCE_DATE_EPOCH)?;
        if x != std::fs::read(&built)? {
            bail!("the {name} initramfs differs from a fresh build");
        }
    }
    eprintln!("images: the kernel and both initramfs archives are bit-identical across two builds");
    for p in [
        paths::guest_kernel(),
        paths::guest_initramfs(),
        paths::host_initramfs(),
    ] {
        println!("{}  {}", crate::pins::sha256_file(&p)?, p.display());
    }
    Ok(())
}
