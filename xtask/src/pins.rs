//! `images/pins`: the Debian packages installed by exact version (see the
//! file's own header). `images/install-deps.sh` installs them; this module
//! reads the file for the build and rewrites one line when a pin moves.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::paths;

/// The package the kernel (guest and CI host) is built from.
pub const KERNEL_PACKAGE: &str = "linux-source-6.12";

/// One pinned package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// Debian package name.
    pub package: String,
    /// Exact Debian version.
    pub version: String,
    /// A file the package installs, with its SHA-256.
    pub file: Option<(PathBuf, String)>,
}

/// `images/pins`.
pub fn path() -> PathBuf {
    paths::root().join("images/pins")
}

/// Parses the text of a pins file.
pub fn parse(text: &str) -> anyhow::Result<Vec<Pin>> {
    let mut pins = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() || f[0].starts_with('#') {
            continue;
        }
        let file = match f.len() {
            2 => None,
            4 => {
                if f[3].len() != 64 || !f[3].bytes().all(|b| b.is_ascii_hexdigit()) {
                    bail!("line {}: '{}' is not a SHA-256", n + 1, f[3]);
                }
                Some((PathBuf::from(f[2]), f[3].to_string()))
            }
            _ => bail!(
                "line {}: expected 'package version [file sha256]', got '{line}'",
                n + 1
            ),
        };
        pins.push(Pin {
            package: f[0].to_string(),
            version: f[1].to_string(),
            file,
        });
    }
    if pins.is_empty() {
        bail!("no package is pinned");
    }
    Ok(pins)
}

/// Reads `images/pins`.
pub fn load() -> anyhow::Result<Vec<Pin>> {
    let p = path();
    let text = fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    parse(&text).with_context(|| format!("parsing {}", p.display()))
}

/// The pinned version of `package`.
pub fn version_of(package: &str) -> anyhow::Result<String> {
    load()?
        .into_iter()
        .find(|p| p.package == package)
        .map(|p| p.version)
        .with_context(|| format!("{} pins no {package}", path().display()))
}

/// The pinned `linux-source-6.12` version.
pub fn kernel_version() -> anyhow::Result<String> {
    version_of(KERNEL_PACKAGE)
}

/// `text` with the line of `package` set to `version` (and the checksum of
/// its file to `sha256`, when the line has a file); every other line, the
/// comments and the column layout are kept.
pub fn with_pin(
    text: &str,
    package: &str,
    version: &str,
    sha256: Option<&str>,
) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut found = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first() == Some(&package) {
            found = true;
            let mut new = line.replacen(f[1], version, 1);
            if f.len() == 4 {
                let sum =
                    sha256.with_context(|| format!("{package} needs the sha256 of {}", f[2]))?;
                // The checksum is the last field: replace it at the end so a
                // version string equal to a prefix cannot be hit.
                let cut = new.len() - f[3].len();
                new.replace_range(cut.., sum);
            }
            out.push_str(&new);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !found {
        bail!("no line pins {package}");
    }
    parse(&out)?;
    Ok(out)
}

/// Rewrites `images/pins` with [`with_pin`], atomically.
pub fn set(package: &str, version: &str, sha256: Option<&str>) -> anyhow::Result<()> {
    let p = path();
    let text = fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    let new = with_pin(&text, package, version, sha256)?;
    crate::images::write_if_changed(&p, new.as_bytes())?;
    Ok(())
}

/// The SHA-256 of a file, by `sha256sum`.
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .context("running sha256sum")?;
    if !out.status.success() {
        bail!("sha256sum {} failed", path.display());
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .map(String::from)
        .context("sha256sum printed nothing")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUM_A: &str = "585a4a074597aefa2b1a68ada83a3184ba351c127544dea80618bbcceaa3961f";
    const SUM_B: &str = "0000000000000000000000000000000000000000000000000000000000000001";
    const TEXT: &str = "# header\n\
        linux-source-6.12  6.12.117-1~deb12u1  /usr/src/linux-source-6.12.tar.xz  585a4a074597aefa2b1a68ada83a3184ba351c127544dea80618bbcceaa3961f\n\
        # busybox\n\
        busybox-static     1:1.35.0-4+deb12u1+b1\n";

    #[test]
    fn parses_the_pins_of_the_tree() {
        let pins = load().unwrap();
        assert!(pins
            .iter()
            .any(|p| p.package == KERNEL_PACKAGE && p.file.is_some()));
        assert!(!kernel_version().unwrap().is_empty());
    }

    #[test]
    fn parses_lines_with_and_without_a_file() {
        let pins = parse(TEXT).unwrap();
        assert_eq!(pins.len(), 2);
        assert_eq!(pins[0].version, "6.12.117-1~deb12u1");
        assert_eq!(
            pins[0].file,
            Some((
                PathBuf::from("/usr/src/linux-source-6.12.tar.xz"),
                SUM_A.to_string()
            ))
        );
        assert_eq!(pins[1].package, "busybox-static");
        assert_eq!(pins[1].file, None);
    }

    #[test]
    fn refuses_malformed_lines() {
        assert!(parse("# nothing\n").is_err());
        assert!(parse("pkg\n").is_err());
        assert!(parse("pkg 1.0 /file\n").is_err());
        assert!(parse("pkg 1.0 /file nothex\n").is_err());
    }

    #[test]
    fn moving_a_pin_keeps_everything_else() {
        let new = with_pin(TEXT, KERNEL_PACKAGE, "6.12.118-1~deb12u1", Some(SUM_B)).unwrap();
        let pins = parse(&new).unwrap();
        assert_eq!(pins[0].version, "6.12.118-1~deb12u1");
        assert_eq!(pins[0].file.as_ref().unwrap().1, SUM_B);
        assert_eq!(pins[1], parse(TEXT).unwrap()[1]);
        assert!(new.starts_with("# header\n"));
        assert!(new.contains("# busybox\n"));
        let bb = with_pin(TEXT, "busybox-static", "1:1.36.1-1", None).unwrap();
        assert_eq!(parse(&bb).unwrap()[1].version, "1:1.36.1-1");
        assert!(with_pin(TEXT, "absent", "1", None).is_err());
        assert!(with_pin(TEXT, KERNEL_PACKAGE, "6.12.118-1~deb12u1", None).is_err());
    }
}
