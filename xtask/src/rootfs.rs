//! `cargo xtask images rootfs`: a Debian 12 root filesystem (ext4) for
//! guests that run real programs (`cr-vmm run --rootfs`): python3,
//! redis-server, sqlite3, procps, iproute2, busybox and criu, with the
//! static guest agent as `/sbin/init`.
//!
//! Reproducible: every package is installed by the exact version of
//! `images/rootfs/packages.lock` (with `mmdebstrap --variant=custom`,
//! nothing else comes in), every timestamp is `SOURCE_DATE_EPOCH`, and the
//! ext4 image is made by `mkfs.ext4 -d` with a fixed UUID, hash seed and
//! time. Two builds give the same bytes (`--verify-reproducible`). When a
//! locked version has left the Debian archive the build stops and names
//! the way forward (`--relock`, which takes today's versions of
//! `images/rootfs/packages` and their dependencies and rewrites the lock).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use crate::images::SOURCE_DATE_EPOCH;
use crate::paths;

/// The Debian archive the packages come from.
const SUITES: [&str; 3] = [
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
];
/// The filesystem's UUID (and directory hash seed): fixed, so the image's
/// bytes do not change from build to build.
const FS_UUID: &str = "c0c0a0a0-5eed-4c0f-8e11-000000000016";
/// Size of the image (a sparse file; the files take about a quarter).
pub const SIZE_MIB: u64 = 1024;
/// Bumped whenever this module changes what it puts in the image, so that
/// the stamp forces a rebuild.
const RECIPE: u32 = 2;

/// `images/rootfs/`.
fn src_dir() -> PathBuf {
    paths::root().join("images/rootfs")
}

/// The built image.
pub fn image() -> PathBuf {
    paths::out().join("rootfs/rootfs.ext4")
}

/// The top-level packages (names), from `images/rootfs/packages`.
fn packages() -> anyhow::Result<Vec<String>> {
    let p = src_dir().join("packages");
    let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    Ok(names(&text))
}

/// The non-comment words of `text`, one per line.
fn names(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// `(package, version)` pairs of `images/rootfs/packages.lock`.
pub fn parse_lock(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut v = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut w = line.split_whitespace();
        match (w.next(), w.next(), w.next()) {
            (Some(p), Some(ver), None) => v.push((p.to_string(), ver.to_string())),
            _ => bail!("packages.lock line {}: expected 'PACKAGE VERSION'", i + 1),
        }
    }
    if v.is_empty() {
        bail!("packages.lock lists no package");
    }
    Ok(v)
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let st = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !st.success() {
        bail!("{cmd:?} failed ({st})");
    }
    Ok(())
}

/// Runs mmdebstrap into `root`: exactly `include` (with `=VERSION` to
/// pin) and their dependencies for the custom variant, or the essential
/// set plus `include` when `essential`.
fn mmdebstrap(root: &Path, include: &[String], essential: bool) -> anyhow::Result<()> {
    let mut cmd = Command::new("mmdebstrap");
    cmd.args(["--mode=root", "--format=directory", "--quiet"])
        .arg(if essential {
            "--variant=essential"
        } else {
            "--variant=custom"
        })
        .arg(format!("--include={}", include.join(",")))
        // Documentation and translations are not needed to run anything.
        .args([
            "--dpkgopt=path-exclude=/usr/share/man/*",
            "--dpkgopt=path-exclude=/usr/share/doc/*",
            "--dpkgopt=path-exclude=/usr/share/locale/*",
            "--dpkgopt=path-exclude=/usr/share/info/*",
        ])
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH.to_string())
        .arg("bookworm")
        .arg(root)
        .args(SUITES);
    let out = cmd
        .output()
        .context("running mmdebstrap (images/install-deps.sh installs it)")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let gone = err.contains("Version '") && err.contains("was not found");
        if gone {
            bail!(
                "a locked package version is no longer in the Debian archive:\n{}\n\
                 Take today's versions with `cargo xtask images rootfs --relock` \
                 (rewrites images/rootfs/packages.lock; commit it)",
                err.lines()
                    .filter(|l| l.contains("was not found"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        bail!("mmdebstrap failed ({}):\n{err}", out.status);
    }
    Ok(())
}

/// The packages installed in `root`, as lock lines.
fn installed(root: &Path) -> anyhow::Result<String> {
    let out = Command::new("dpkg-query")
        .arg(format!(
            "--admindir={}",
            root.join("var/lib/dpkg").display()
        ))
        .args(["-W", "-f", "${Package} ${Version}\n"])
        .output()
        .context("running dpkg-query")?;
    if !out.status.success() {
        bail!(
            "dpkg-query failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut lines: Vec<&str> = std::str::from_utf8(&out.stdout)?.lines().collect();
    lines.sort_unstable();
    Ok(lines.join("\n") + "\n")
}

/// Adds what cr-vmm's guests need and removes what would differ between
/// two builds.
fn customize(root: &Path) -> anyhow::Result<()> {
    let agent = paths::static_bin("guest-agent");
    let dst = root.join("usr/local/sbin/guest-agent");
    std::fs::create_dir_all(root.join("usr/local/sbin"))?;
    std::fs::copy(&agent, &dst).with_context(|| format!("copying {}", agent.display()))?;
    let init = root.join("sbin/init");
    let _ = std::fs::remove_file(&init);
    std::os::unix::fs::symlink("/usr/local/sbin/guest-agent", &init)?;
    std::fs::write(root.join("etc/hostname"), "crvmm-guest\n")?;
    std::fs::write(
        root.join("etc/fstab"),
        "# / is mounted by the kernel (root=/dev/vda); the agent mounts the rest\n",
    )?;
    std::fs::write(
        root.join("etc/hosts"),
        "127.0.0.1 localhost crvmm-guest\n::1 localhost ip6-localhost\n",
    )?;
    for d in ["proc", "sys", "dev", "tmp", "run", "root"] {
        std::fs::create_dir_all(root.join(d))?;
    }
    // Caches and logs written at install time, with the build's times or
    // order in them.
    for f in [
        "var/cache/ldconfig/aux-cache",
        "var/lib/dpkg/status-old",
        "var/lib/dpkg/diversions-old",
        "var/lib/dpkg/statoverride-old",
        "etc/machine-id",
        "var/lib/dbus/machine-id",
    ] {
        let _ = std::fs::remove_file(root.join(f));
    }
    for d in [
        "var/log",
        "var/cache/apt",
        "var/lib/apt/lists",
        "tmp",
        "run",
    ] {
        let p = root.join(d);
        if p.exists() {
            for e in std::fs::read_dir(&p)? {
                let e = e?;
                if e.file_type()?.is_dir() {
                    std::fs::remove_dir_all(e.path())?;
                } else {
                    std::fs::remove_file(e.path())?;
                }
            }
        }
    }
    std::fs::write(root.join("etc/machine-id"), "")?;
    // Every timestamp the build's.
    run(Command::new("find")
        .arg(root)
        .args(["-exec", "touch", "--no-dereference"])
        .arg(format!("--date=@{SOURCE_DATE_EPOCH}"))
        .args(["{}", "+"]))
}

/// `mkfs.ext4 -d root img` with everything that would vary fixed.
fn mkfs(root: &Path, img: &Path) -> anyhow::Result<()> {
    let _ = std::fs::remove_file(img);
    let f = std::fs::File::create(img)?;
    f.set_len(SIZE_MIB << 20)?;
    drop(f);
    run(Command::new("mkfs.ext4")
        .args([
            "-q",
            "-F",
            "-L",
            "crvmm-root",
            "-U",
            FS_UUID,
            "-b",
            "4096",
            "-E",
        ])
        .arg(format!(
            "hash_seed={FS_UUID},root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0,nodiscard"
        ))
        .arg("-d")
        .arg(root)
        .arg(img)
        .env("E2FSPROGS_FAKE_TIME", SOURCE_DATE_EPOCH.to_string())
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH.to_string()))?;
    // mkfs.ext4 -d copies each file's ctime, which is when the build wrote
    // it (touch cannot set it): set every inode's to the build's time.
    let mut cmds = String::new();
    for e in walk(root)? {
        let rel = e
            .strip_prefix(root)
            .unwrap_or(&e)
            .to_string_lossy()
            .into_owned();
        if rel.contains('"') || rel.contains('\n') {
            bail!("rootfs: a path debugfs cannot name: {rel:?}");
        }
        cmds.push_str(&format!("sif \"/{rel}\" ctime @{SOURCE_DATE_EPOCH}\n"));
    }
    let script = img.with_extension("debugfs");
    std::fs::write(&script, cmds)?;
    let out = Command::new("debugfs")
        .arg("-w")
        .arg("-f")
        .arg(&script)
        .arg(img)
        .env("E2FSPROGS_FAKE_TIME", SOURCE_DATE_EPOCH.to_string())
        .output()
        .context("running debugfs (e2fsprogs)")?;
    std::fs::remove_file(&script)?;
    let err = String::from_utf8_lossy(&out.stderr);
    // debugfs echoes each command on stderr; anything else is an error.
    if let Some(bad) = err
        .lines()
        .find(|l| !l.starts_with("debugfs ") && !l.starts_with("sif "))
    {
        bail!("debugfs on {}: {bad}", img.display());
    }
    if !out.status.success() {
        bail!("debugfs on {} failed ({})", img.display(), out.status);
    }
    Ok(())
}

/// Every path under `root` (itself included), directories before what
/// they hold, sorted, symlinks not followed.
fn walk(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        let p = out[i].clone();
        i += 1;
        if p.symlink_metadata()?.is_dir() {
            let mut kids: Vec<PathBuf> = std::fs::read_dir(&p)?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()?;
            kids.sort();
            out.extend(kids);
        }
    }
    Ok(out)
}

/// What the image is built from: the lock, the agent, the recipe.
fn stamp() -> anyhow::Result<String> {
    let lock = src_dir().join("packages.lock");
    let lock = if lock.exists() {
        crate::pins::sha256_file(&lock)?
    } else {
        "none".into()
    };
    let agent = crate::pins::sha256_file(&paths::static_bin("guest-agent"))?;
    Ok(format!("recipe {RECIPE} lock {lock} agent {agent}\n"))
}

/// Builds the root filesystem image into `img` from the lock (or, with
/// `relock`, from today's versions, rewriting the lock). Skips the build
/// when the image is there and nothing it is made of changed.
pub fn build(img: &Path, relock: bool) -> anyhow::Result<()> {
    let stamp_file = img.with_extension("stamp");
    let want = stamp()?;
    if !relock
        && img.exists()
        && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(want.as_str())
    {
        eprintln!("rootfs: {} is up to date", img.display());
        return Ok(());
    }
    let work = img.with_extension("tree");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(img.parent().unwrap_or(Path::new(".")))?;
    let lock_path = src_dir().join("packages.lock");
    if relock || !lock_path.exists() {
        eprintln!("rootfs: resolving today's versions of images/rootfs/packages");
        mmdebstrap(&work, &packages()?, true)?;
        let lock = format!(
            "# Every package of the guest root filesystem and its version, written by\n\
             # `cargo xtask images rootfs --relock` from images/rootfs/packages.\n{}",
            installed(&work)?
        );
        std::fs::write(&lock_path, lock)?;
        eprintln!("rootfs: wrote {}", lock_path.display());
        std::fs::remove_dir_all(&work)?;
    }
    let lock = parse_lock(&std::fs::read_to_string(&lock_path)?)?;
    eprintln!(
        "rootfs: installing {} packages at their locked versions",
        lock.len()
    );
    let include: Vec<String> = lock.iter().map(|(p, v)| format!("{p}={v}")).collect();
    mmdebstrap(&work, &include, false)?;
    let got = installed(&work)?;
    let want_lock: String = {
        let mut l: Vec<String> = lock.iter().map(|(p, v)| format!("{p} {v}")).collect();
        l.sort_unstable();
        l.join("\n") + "\n"
    };
    if got != want_lock {
        bail!(
            "the root filesystem's packages differ from images/rootfs/packages.lock \
             (a package pulled in something unlocked?); installed:\n{got}"
        );
    }
    customize(&work)?;
    let tmp = img.with_extension("ext4.partial");
    mkfs(&work, &tmp)?;
    std::fs::rename(&tmp, img)?;
    std::fs::remove_dir_all(&work)?;
    std::fs::write(&stamp_file, &want)?;
    eprintln!(
        "rootfs: {} ({} MiB, sha256 {})",
        img.display(),
        SIZE_MIB,
        crate::pins::sha256_file(img)?
    );
    Ok(())
}

/// Builds the image a second time elsewhere and checks the bytes match.
pub fn verify_reproducible() -> anyhow::Result<()> {
    let second = paths::out().join("rootfs-verify/rootfs.ext4");
    let _ = std::fs::remove_file(second.with_extension("stamp"));
    build(&second, false)?;
    let (a, b) = (
        crate::pins::sha256_file(&image())?,
        crate::pins::sha256_file(&second)?,
    );
    if a != b {
        bail!(
            "the root filesystem differs between two builds: {a} vs {b} ({} and {})",
            image().display(),
            second.display()
        );
    }
    std::fs::remove_dir_all(paths::out().join("rootfs-verify"))?;
    eprintln!("rootfs: bit-identical across two builds (sha256 {a})");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_lines_are_checked() {
        let l = parse_lock("# c\npython3 3.11.2-1+b1\n\nbash 5.2.15-2+b2 # x\n").unwrap();
        assert_eq!(l[0], ("python3".into(), "3.11.2-1+b1".into()));
        assert_eq!(l.len(), 2);
        assert!(parse_lock("python3\n").is_err());
        assert!(parse_lock("a 1 2\n").is_err());
        assert!(parse_lock("# nothing\n").is_err());
        assert_eq!(names("a\n# b\n c # d\n"), vec!["a", "c"]);
    }

    #[test]
    fn the_package_list_names_what_the_tests_run() {
        let p = packages().unwrap();
        for want in ["python3", "redis-server", "sqlite3", "criu", "busybox"] {
            assert!(p.iter().any(|x| x == want), "{want} missing from {p:?}");
        }
    }
}
