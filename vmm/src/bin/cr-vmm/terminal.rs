//! The host terminal: raw mode for an interactive guest console.

use std::os::fd::{AsRawFd, BorrowedFd};

/// True when `fd` is something epoll can watch (terminal, pipe, socket,
/// character device other than /dev/null).
pub fn pollable(fd: BorrowedFd<'_>) -> bool {
    // SAFETY: fstat writes only into `st`; `fd` is a valid open descriptor.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return false;
    }
    match st.st_mode & libc::S_IFMT {
        libc::S_IFIFO | libc::S_IFSOCK => true,
        // /dev/null is a character device that epoll refuses.
        libc::S_IFCHR => st.st_rdev != libc::makedev(1, 3),
        _ => false,
    }
}

/// Puts a terminal in raw mode (no line editing, no echo; Ctrl-C still
/// stops cr-vmm) and restores it when dropped.
pub struct RawMode {
    fd: i32,
    saved: libc::termios,
}

impl RawMode {
    /// Enters raw mode on `fd`.
    pub fn enter(fd: BorrowedFd<'_>) -> std::io::Result<Self> {
        let fd = fd.as_raw_fd();
        // SAFETY: tcgetattr writes only into `saved`.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: as above; fd is open.
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO);
        raw.c_iflag &= !(libc::ICRNL | libc::IXON);
        // SAFETY: `raw` is a valid termios derived from the current one.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &raw) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(RawMode { fd, saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restores the attributes read in `enter` on the same fd.
        unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved) };
    }
}
