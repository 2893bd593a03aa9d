//! The install path: `images/install-deps.sh` installs the versions pinned
//! in `images/pins`, not the newest, and fails at once, with the way
//! forward, when a pin has left the archive.
//!
//! Two kinds of test. The scripted ones run the real script against a fake
//! `apt-get`/`apt-cache`/`dpkg-query` (an archive and an installed set in a
//! temp directory), so every branch is checked in milliseconds. The last
//! one does it for real: it installs another `linux-source-6.12` than the
//! pin through apt and checks that the script brings the pinned one back,
//! with its tarball's checksum.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use xtask::bump::{apt_install, archive_versions, installed_version};

const PIN: &str = "6.12.117-1~deb12u1";
const NEWER: &str = "6.12.118-1~deb12u1";
const OLDER: &str = "6.12.115-2~deb12u1";

fn script() -> PathBuf {
    xtask::paths::root().join("images/install-deps.sh")
}

/// A fake Debian: `archive/PKG` lists the versions apt can install,
/// `installed/PKG` is the installed version, `apt.log` records every
/// apt-get call. Installing linux-source-6.12=V writes "V\n" as the
/// "tarball", so the tarball's checksum follows the installed version.
struct FakeDebian {
    dir: PathBuf,
}

const UNPINNED: &[&str] = &[
    "build-essential",
    "bc",
    "bison",
    "flex",
    "libelf-dev",
    "libssl-dev",
    "cpio",
    "xz-utils",
    "python3",
];

fn write_exe(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn sha256_of(bytes: &[u8]) -> String {
    let dir = tempdir("sha");
    let p = dir.join("f");
    fs::write(&p, bytes).unwrap();
    xtask::pins::sha256_file(&p).unwrap()
}

fn tempdir(tag: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("crvmm-install-{}-{tag}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

impl FakeDebian {
    fn new(archive_kernels: &[&str], installed_kernel: Option<&str>) -> Self {
        let dir = tempdir("fake");
        for d in ["bin", "archive", "installed"] {
            fs::create_dir_all(dir.join(d)).unwrap();
        }
        write_exe(
            &dir.join("bin/dpkg-query"),
            &format!(
                "#!/bin/sh\n# dpkg-query -W -f=FMT PKG\nf={}/installed/\"$3\"\n\
                 [ -f \"$f\" ] || exit 1\nprintf 'install ok installed|%s' \"$(cat \"$f\")\"\n",
                dir.display()
            ),
        );
        write_exe(
            &dir.join("bin/apt-cache"),
            &format!(
                "#!/bin/sh\n[ \"$1\" = madison ] || exit 1\nf={}/archive/\"$2\"\n[ -f \"$f\" ] || exit 0\n\
                 while read -r v; do echo \" $2 | $v | http://deb.example/debian bookworm/main amd64 Packages\"; done < \"$f\"\n",
                dir.display()
            ),
        );
        // apt-get: logs its arguments; `install P=V` installs V (only if
        // the archive has it, else fails like apt), `install P` installs
        // 1.0; FAKE_APT_IGNORES_VERSION makes it install the newest instead.
        write_exe(
            &dir.join("bin/apt-get"),
            &format!(
                r#"#!/bin/bash
D={d}
echo "$*" >> $D/apt.log
[ "$1" = update ] && exit 0
for a in "$@"; do
    case "$a" in
        -*|install|bookworm-backports) ;;
        *=*) p=${{a%%=*}} v=${{a#*=}}
             grep -qxF -- "$v" $D/archive/$p 2>/dev/null || {{ echo "E: Version '$v' for '$p' was not found" >&2; exit 100; }}
             [ -n "$FAKE_APT_IGNORES_VERSION" ] && v=$(head -n1 $D/archive/$p)
             printf %s "$v" > $D/installed/$p
             [ "$p" = linux-source-6.12 ] && echo "$v" > $D/tarball ;;
        *) printf 1.0 > $D/installed/$a ;;
    esac
done
exit 0
"#,
                d = dir.display()
            ),
        );
        write_exe(&dir.join("bin/sudo"), "#!/bin/sh\nexec \"$@\"\n");
        let mut archive = archive_kernels.join("\n");
        archive.push('\n');
        fs::write(dir.join("archive/linux-source-6.12"), archive).unwrap();
        for (p, v) in [
            ("busybox-static", "1:1.35.0-4+deb12u1+b1"),
            ("qemu-utils", "1:10.0.2"),
            ("qemu-system-x86", "1:10.0.2"),
        ] {
            fs::write(dir.join("archive").join(p), format!("{v}\n")).unwrap();
            fs::write(dir.join("installed").join(p), v).unwrap();
        }
        for p in UNPINNED {
            fs::write(dir.join("installed").join(p), "1.0").unwrap();
        }
        if let Some(v) = installed_kernel {
            fs::write(dir.join("installed/linux-source-6.12"), v).unwrap();
            fs::write(dir.join("tarball"), format!("{v}\n")).unwrap();
        }
        let sum = sha256_of(format!("{PIN}\n").as_bytes());
        fs::write(
            dir.join("pins"),
            format!(
                "# test pins\nlinux-source-6.12 {PIN} {} {sum}\nbusybox-static 1:1.35.0-4+deb12u1+b1\n",
                dir.join("tarball").display()
            ),
        )
        .unwrap();
        FakeDebian { dir }
    }

    fn run(&self, env: &[(&str, &str)]) -> (i32, String, Duration) {
        let path = format!(
            "{}:{}",
            self.dir.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let t = Instant::now();
        let out = Command::new("bash")
            .arg(script())
            .env("PATH", path)
            .env("CRVMM_PINS", self.dir.join("pins"))
            .envs(env.iter().copied())
            .output()
            .expect("bash");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("{text}");
        (out.status.code().unwrap_or(-1), text, t.elapsed())
    }

    fn installed(&self, p: &str) -> String {
        fs::read_to_string(self.dir.join("installed").join(p)).unwrap_or_default()
    }

    fn apt_log(&self) -> String {
        fs::read_to_string(self.dir.join("apt.log")).unwrap_or_default()
    }
}

impl Drop for FakeDebian {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_newer_kernel_source_is_replaced_by_the_pinned_one() {
    // What broke CI on 2026-12-03: the machine (or apt) had 6.12.118.
    let d = FakeDebian::new(&[NEWER, PIN, OLDER], Some(NEWER));
    let (rc, out, _) = d.run(&[]);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(d.installed("linux-source-6.12"), PIN);
    let log = d.apt_log();
    assert!(log.contains(&format!("linux-source-6.12={PIN}")), "{log}");
    assert!(log.contains("--allow-downgrades"), "{log}");
    assert!(out.contains("every pinned package present"), "{out}");
}

#[test]
fn a_fresh_machine_gets_the_pin_not_the_newest() {
    let d = FakeDebian::new(&[NEWER, PIN], None);
    let (rc, out, _) = d.run(&[]);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(d.installed("linux-source-6.12"), PIN);
}

#[test]
fn a_pin_gone_from_the_archive_fails_at_once_with_the_bump_command() {
    let d = FakeDebian::new(&[NEWER, OLDER], Some(NEWER));
    let (rc, out, took) = d.run(&[]);
    assert_eq!(rc, 3, "{out}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(out.contains(PIN), "names the pin: {out}");
    assert!(
        out.contains(&format!(
            "the archive has linux-source-6.12 {NEWER} {OLDER}"
        )),
        "lists what the archive has: {out}"
    );
    assert!(
        out.contains(&format!("cargo xtask images --bump-kernel {NEWER}")),
        "gives the command: {out}"
    );
    assert!(
        !d.apt_log().contains("install"),
        "installed nothing: {}",
        d.apt_log()
    );
    assert_eq!(d.installed("linux-source-6.12"), NEWER, "left as it was");
}

#[test]
fn nothing_is_fetched_when_every_pin_is_present() {
    let d = FakeDebian::new(&[NEWER, PIN], Some(PIN));
    let (rc, out, _) = d.run(&[]);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(d.apt_log(), "", "apt-get must not run");
}

#[test]
fn a_tarball_that_does_not_match_its_checksum_fails() {
    let d = FakeDebian::new(&[PIN], Some(PIN));
    fs::write(d.dir.join("tarball"), "tampered\n").unwrap();
    let (rc, out, _) = d.run(&[]);
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("has sha256"), "{out}");
}

#[test]
fn an_install_that_lands_on_another_version_fails() {
    let d = FakeDebian::new(&[NEWER, PIN], Some(OLDER));
    let (rc, out, _) = d.run(&[("FAKE_APT_IGNORES_VERSION", "1")]);
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains(&format!("is '{NEWER}' after the install, pinned is {PIN}")),
        "{out}"
    );
}

#[test]
fn a_missing_build_tool_is_installed() {
    let d = FakeDebian::new(&[PIN], Some(PIN));
    fs::remove_file(d.dir.join("installed/bison")).unwrap();
    let (rc, out, _) = d.run(&[]);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(d.installed("bison"), "1.0");
}

/// The real thing: apt puts another linux-source-6.12 on this machine, and
/// install-deps.sh must bring the pinned one back, checksum and all.
#[test]
fn real_apt_another_kernel_source_is_replaced_by_the_pin() {
    let pin = xtask::pins::kernel_version().unwrap();
    let versions = archive_versions("linux-source-6.12").unwrap();
    assert!(
        versions.contains(&pin),
        "the archive no longer has the pin {pin} (it has {versions:?}): move it with cargo xtask images --bump-kernel VERSION"
    );
    let other = versions
        .iter()
        .find(|v| **v != pin)
        .unwrap_or_else(|| panic!("the archive has only {pin}: no other version to install"))
        .clone();
    eprintln!("install test: installing linux-source-6.12={other} over the pin {pin}");
    if let Err(e) = apt_install("linux-source-6.12", &other) {
        panic!("{e:#} (needs root or passwordless sudo)");
    }
    assert_eq!(installed_version("linux-source-6.12"), other);

    let out = Command::new("bash").arg(script()).output().expect("bash");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    assert!(out.status.success(), "install-deps.sh failed:\n{text}");
    assert_eq!(installed_version("linux-source-6.12"), pin);
    let pins = xtask::pins::load().unwrap();
    let kernel = pins
        .iter()
        .find(|p| p.package == xtask::pins::KERNEL_PACKAGE)
        .unwrap();
    let (file, sum) = kernel.file.as_ref().unwrap();
    assert_eq!(&xtask::pins::sha256_file(file).unwrap(), sum);
}
