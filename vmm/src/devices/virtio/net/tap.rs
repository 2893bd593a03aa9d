//! A host tap device: `/dev/net/tun` attached to (or creating) the
//! interface NAME, in tap mode with a virtio-net header of the guest's
//! layout on every frame (`IFF_VNET_HDR`, 12 bytes, `virtio_net_hdr_v1`),
//! no offloads, non-blocking. One `read` is one frame in, one `write` one
//! frame out.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;

use vmm_sys_util::ioctl::ioctl_with_val;

use ioctls::*;

/// The header in front of every frame (virtio_net_hdr_v1).
pub const VNET_HDR_LEN: usize = 12;

/// The tun driver's ioctls (`<linux/if_tun.h>`).
mod ioctls {
    use vmm_sys_util::ioctl_iow_nr;
    const TUNTAP: u32 = b'T' as u32;
    ioctl_iow_nr!(TUNSETIFF, TUNTAP, 202, libc::c_int);
    ioctl_iow_nr!(TUNSETOFFLOAD, TUNTAP, 208, libc::c_uint);
    ioctl_iow_nr!(TUNSETVNETHDRSZ, TUNTAP, 216, libc::c_int);
}

const IFF_TAP: libc::c_short = 0x0002;
const IFF_NO_PI: libc::c_short = 0x1000;
const IFF_VNET_HDR: libc::c_short = 0x4000;

/// Why a tap cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A name the kernel would not take.
    #[error("tap name {0:?}: use 1 to 15 characters of [A-Za-z0-9_.-]")]
    Name(String),
    /// `/dev/net/tun` cannot be opened.
    #[error("/dev/net/tun: {0} (is the tun driver there? CONFIG_TUN)")]
    Open(std::io::Error),
    /// An ioctl failed.
    #[error("tap {name}: {what}: {err}{hint}")]
    Ioctl {
        /// The interface.
        name: String,
        /// Which ioctl.
        what: &'static str,
        /// The error.
        err: std::io::Error,
        /// What to do about it.
        hint: &'static str,
    },
}

/// `struct ifreq` with the flags member of its union.
#[repr(C)]
struct IfReq {
    name: [u8; 16],
    flags: libc::c_short,
    _pad: [u8; 22],
}

/// An open tap.
#[derive(Debug)]
pub struct Tap {
    file: File,
    name: String,
}

impl Tap {
    /// Attaches to tap `name`, creating it if it does not exist (which
    /// needs CAP_NET_ADMIN; a persistent tap made by `ip tuntap add ...
    /// user U` needs nothing).
    pub fn open(name: &str) -> Result<Tap, Error> {
        if name.is_empty()
            || name.len() > 15
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        {
            return Err(Error::Name(name.to_string()));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open("/dev/net/tun")
            .map_err(Error::Open)?;
        let mut req = IfReq {
            name: [0; 16],
            flags: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR,
            _pad: [0; 22],
        };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        let ioctl_err = |what, hint| Error::Ioctl {
            name: name.to_string(),
            what,
            err: std::io::Error::last_os_error(),
            hint,
        };
        // SAFETY: TUNSETIFF reads and writes a `struct ifreq`, which `req`
        // is (40 bytes), and lives for the call.
        if unsafe { libc::ioctl(file.as_raw_fd(), TUNSETIFF(), &mut req) } < 0 {
            return Err(ioctl_err(
                "TUNSETIFF",
                " (creating a tap needs CAP_NET_ADMIN; or make it first: \
                 `ip tuntap add NAME mode tap user $USER`; an existing one must be a tap \
                 with no other process attached)",
            ));
        }
        // SAFETY: these ioctls take an int by value.
        if unsafe { ioctl_with_val(&file, TUNSETOFFLOAD(), 0) } < 0 {
            return Err(ioctl_err("TUNSETOFFLOAD", ""));
        }
        let hdr: libc::c_int = VNET_HDR_LEN as libc::c_int;
        // SAFETY: TUNSETVNETHDRSZ reads an int through the pointer, which
        // points at `hdr` for the call.
        if unsafe { libc::ioctl(file.as_raw_fd(), TUNSETVNETHDRSZ(), &hdr) } < 0 {
            return Err(ioctl_err("TUNSETVNETHDRSZ", ""));
        }
        Ok(Tap {
            file,
            name: name.to_string(),
        })
    }

    /// The interface name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads one frame (header first) into `buf`; `WouldBlock` when none
    /// is waiting.
    pub fn read_frame(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.file.read(buf)
    }

    /// Writes one frame (header first).
    pub fn write_frame(&mut self, frame: &[u8]) -> std::io::Result<usize> {
        self.file.write(frame)
    }
}

impl AsRawFd for Tap {
    fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_names_are_refused_before_any_syscall() {
        for n in ["", "a-name-that-is-too-long", "sp ace", "sl/ash"] {
            assert!(matches!(Tap::open(n), Err(Error::Name(_))), "{n}");
        }
    }

    #[test]
    fn ioctl_numbers_match_the_kernel() {
        assert_eq!(TUNSETIFF(), 0x400454ca);
        assert_eq!(TUNSETOFFLOAD(), 0x400454d0);
        assert_eq!(TUNSETVNETHDRSZ(), 0x400454d8);
        assert_eq!(std::mem::size_of::<IfReq>(), 40);
    }
}
