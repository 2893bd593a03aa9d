//! A reproducible writer for the `newc` cpio format the kernel unpacks as
//! its initramfs.
//!
//! Entries are sorted by path, owned by root, stamped with a fixed mtime and
//! numbered in order, so the same inputs always give the same bytes. (The
//! format is 30 lines of code; the crates.io writers do not let every header
//! field be pinned.)

use std::collections::BTreeMap;
use std::io::Write;

/// One archive member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A directory.
    Dir,
    /// A regular file with its mode and contents.
    File {
        /// Permission bits.
        mode: u32,
        /// Contents.
        data: Vec<u8>,
    },
    /// A symbolic link to a target.
    Symlink(String),
    /// A character device node.
    CharDev {
        /// Major number.
        major: u32,
        /// Minor number.
        minor: u32,
    },
}

/// An archive being assembled. Parent directories are added implicitly.
#[derive(Debug, Default, Clone)]
pub struct Archive {
    entries: BTreeMap<String, Entry>,
}

impl Archive {
    /// Adds `entry` at `path` (absolute or relative; stored relative).
    pub fn add(&mut self, path: &str, entry: Entry) {
        let path = path.trim_start_matches('/').to_string();
        let mut parent = String::new();
        for comp in path
            .split('/')
            .collect::<Vec<_>>()
            .iter()
            .rev()
            .skip(1)
            .rev()
        {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(comp);
            self.entries.entry(parent.clone()).or_insert(Entry::Dir);
        }
        self.entries.insert(path, entry);
    }

    /// Adds a regular file.
    pub fn file(&mut self, path: &str, mode: u32, data: Vec<u8>) {
        self.add(path, Entry::File { mode, data });
    }

    /// Serializes the archive, with `mtime` on every entry.
    pub fn write(&self, out: &mut impl Write, mtime: u32) -> std::io::Result<()> {
        for (ino, (path, entry)) in (1u32..).zip(self.entries.iter()) {
            let (mode, data, rdev): (u32, &[u8], (u32, u32)) = match entry {
                Entry::Dir => (0o040755, &[], (0, 0)),
                Entry::File { mode, data } => (0o100000 | (mode & 0o7777), data, (0, 0)),
                Entry::Symlink(t) => (0o120777, t.as_bytes(), (0, 0)),
                Entry::CharDev { major, minor } => (0o020600, &[], (*major, *minor)),
            };
            let nlink = if matches!(entry, Entry::Dir) { 2 } else { 1 };
            header(out, ino, mode, nlink, mtime, data.len(), rdev, path)?;
            out.write_all(data)?;
            pad(out, data.len())?;
        }
        header(out, 0, 0, 1, 0, 0, (0, 0), "TRAILER!!!")
    }
}

#[allow(clippy::too_many_arguments)]
fn header(
    out: &mut impl Write,
    ino: u32,
    mode: u32,
    nlink: u32,
    mtime: u32,
    size: usize,
    rdev: (u32, u32),
    name: &str,
) -> std::io::Result<()> {
    write!(
        out,
        "070701{ino:08x}{mode:08x}{:08x}{:08x}{nlink:08x}{mtime:08x}{size:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
        0,
        0,
        0,
        0,
        rdev.0,
        rdev.1,
        name.len() + 1,
        0
    )?;
    out.write_all(name.as_bytes())?;
    out.write_all(&[0])?;
    pad(out, 110 + name.len() + 1)
}

fn pad(out: &mut impl Write, len: usize) -> std::io::Result<()> {
    let n = (4 - len % 4) % 4;
    out.write_all(&[0u8; 3][..n])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_inputs_same_bytes_in_any_order() {
        let mut a = Archive::default();
        a.file("bin/x", 0o755, b"abc".to_vec());
        a.add("dev/console", Entry::CharDev { major: 5, minor: 1 });
        let mut b = Archive::default();
        b.add("/dev/console", Entry::CharDev { major: 5, minor: 1 });
        b.file("/bin/x", 0o755, b"abc".to_vec());
        let (mut x, mut y) = (vec![], vec![]);
        a.write(&mut x, 0).unwrap();
        b.write(&mut y, 0).unwrap();
        assert_eq!(x, y);
        assert_eq!(x.len() % 4, 0);
    }

    #[test]
    fn parents_first_and_trailer_last() {
        let mut a = Archive::default();
        a.file("a/b/c", 0o644, vec![1]);
        let mut x = vec![];
        a.write(&mut x, 7).unwrap();
        let s = String::from_utf8_lossy(&x);
        let (pa, pb, pc) = (
            s.find("a\0").unwrap(),
            s.find("a/b\0").unwrap(),
            s.find("a/b/c\0").unwrap(),
        );
        assert!(pa < pb && pb < pc);
        assert!(s.contains("TRAILER!!!"));
        assert!(s.starts_with("070701"));
        // mtime field of the first entry.
        assert_eq!(&s[6 + 8 * 5..6 + 8 * 6], "00000007");
    }

    #[test]
    fn matches_gnu_cpio_listing() {
        // Cross-check against GNU cpio when it is installed (it is a
        // dependency of the image build).
        let Ok(out) = std::process::Command::new("cpio").arg("--version").output() else {
            panic!("GNU cpio is needed for this test (apt-get install cpio)");
        };
        assert!(out.status.success());
        let mut a = Archive::default();
        a.file("etc/rc", 0o755, b"echo hi\n".to_vec());
        a.add("bin/sh", Entry::Symlink("busybox".into()));
        let mut x = vec![];
        a.write(&mut x, 0).unwrap();
        let mut child = std::process::Command::new("cpio")
            .args(["-t", "--quiet"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&x).unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success());
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "bin\nbin/sh\netc\netc/rc\n"
        );
    }
}
