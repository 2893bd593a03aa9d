//! `--jail DIR --uid U --gid G`: confine the VMM process once the files it
//! needs from the host are open (kernel, initrd, `/dev/kvm`, a snapshot's
//! memory file), in the spirit of Firecracker's jailer:
//! - `chroot` into `DIR`: from then on every path the VMM opens (the vsock
//!   and API sockets, snapshot directories) is inside `DIR`;
//! - drop every supplementary group, then the gid and the uid (real,
//!   effective and saved), and set `no_new_privs`;
//! - resource limits: no core dumps (a core would hold guest memory), a
//!   bounded number of open files.
//!
//! The jail directory must exist and be writable by `U` if the VMM has to
//! create sockets or snapshots there.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// Open files a jailed VMM may have (vsock connections count).
pub const JAIL_NOFILE: u64 = 4096;

/// Where and as whom to confine the VMM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jail {
    /// The new root directory.
    pub dir: PathBuf,
    /// The user to run as.
    pub uid: u32,
    /// The group to run as.
    pub gid: u32,
}

/// Errors entering the jail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory is not usable.
    #[error("jail: {0} is not a directory")]
    NotADir(PathBuf),
    /// Dropping to uid 0 is not dropping anything.
    #[error("jail: --uid 0 / --gid 0 would keep root's privileges")]
    Root,
    /// A system call failed.
    #[error("jail: {0}: {1}")]
    Sys(&'static str, std::io::Error),
}

fn check(what: &'static str, rc: libc::c_int) -> Result<(), Error> {
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::Sys(what, std::io::Error::last_os_error()))
    }
}

impl Jail {
    /// Checks the settings before anything is started.
    pub fn validate(&self) -> Result<(), Error> {
        if self.uid == 0 || self.gid == 0 {
            return Err(Error::Root);
        }
        if !self.dir.is_dir() {
            return Err(Error::NotADir(self.dir.clone()));
        }
        Ok(())
    }

    /// Enters the jail. Irreversible: call it once, before the VMM's
    /// threads start, after every host file is open.
    pub fn enter(&self) -> Result<(), Error> {
        self.validate()?;
        let dir = CString::new(self.dir.as_os_str().as_bytes())
            .map_err(|_| Error::NotADir(self.dir.clone()))?;
        let nofile = libc::rlimit {
            rlim_cur: JAIL_NOFILE,
            rlim_max: JAIL_NOFILE,
        };
        let nocore = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain system calls on valid, NUL-terminated paths and
        // initialised structures; the order matters (chroot needs root,
        // setgroups and setresgid must precede setresuid).
        unsafe {
            check("chdir", libc::chdir(dir.as_ptr()))?;
            check("chroot", libc::chroot(c".".as_ptr()))?;
            check("chdir /", libc::chdir(c"/".as_ptr()))?;
            check(
                "setrlimit NOFILE",
                libc::setrlimit(libc::RLIMIT_NOFILE, &nofile),
            )?;
            check(
                "setrlimit CORE",
                libc::setrlimit(libc::RLIMIT_CORE, &nocore),
            )?;
            check("setgroups", libc::setgroups(0, std::ptr::null()))?;
            check("setresgid", libc::setresgid(self.gid, self.gid, self.gid))?;
            check("setresuid", libc::setresuid(self.uid, self.uid, self.uid))?;
            check(
                "no_new_privs",
                libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
            )?;
        }
        log::info!(
            "jailed in {} as uid {} gid {}",
            self.dir.display(),
            self.uid,
            self.gid
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_root_and_missing_dirs() {
        let j = Jail {
            dir: "/".into(),
            uid: 0,
            gid: 1000,
        };
        assert!(matches!(j.validate(), Err(Error::Root)));
        let j = Jail {
            dir: "/nonexistent-jail".into(),
            uid: 1000,
            gid: 1000,
        };
        assert!(matches!(j.validate(), Err(Error::NotADir(_))));
    }
}
