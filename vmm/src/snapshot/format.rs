//! The snapshot state file: a fixed header (magic, format version, body
//! length, CRC-64 of the body) followed by the body, the JSON encoding of
//! [`super::VmState`]. Written to a temporary file, fsynced and renamed, so
//! that a state file either is complete or does not exist.
//!
//! ```text
//! offset  size  field
//! 0       8     magic "CRVMSNAP"
//! 8       4     format version (little-endian), FORMAT_VERSION
//! 12      4     0
//! 16      8     body length in bytes
//! 24      8     CRC-64/ECMA-182 of the body
//! 32      ...   body
//! ```
//!
//! ```
//! use cr_vmm::snapshot::format::{decode, encode};
//! let bytes = encode(b"{\"x\":1}");
//! assert_eq!(decode(&bytes).unwrap(), b"{\"x\":1}");
//! let mut bad = bytes.clone();
//! *bad.last_mut().unwrap() ^= 1;
//! assert!(decode(&bad).unwrap_err().to_string().contains("CRC"));
//! ```

use crc::{Crc, CRC_64_ECMA_182};

/// "CRVMSNAP".
pub const MAGIC: [u8; 8] = *b"CRVMSNAP";
/// The version of the state file this cr-vmm writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes before the body.
pub const HEADER_LEN: usize = 32;
/// Upper bound on a body (a state file is small: registers and devices).
pub const MAX_BODY: u64 = 64 << 20;

const CRC64: Crc<u64> = Crc::<u64>::new(&CRC_64_ECMA_182);

/// Why a state file cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// Shorter than its header or its announced body.
    #[error("state file truncated: {have} bytes, expected {want}")]
    Truncated {
        /// Bytes present.
        have: u64,
        /// Bytes the header announces.
        want: u64,
    },
    /// Not a cr-vmm snapshot.
    #[error("not a cr-vmm snapshot state file (bad magic)")]
    Magic,
    /// Written by another format version.
    #[error("snapshot format version {0}, this cr-vmm reads version {FORMAT_VERSION}")]
    Version(u32),
    /// A body length that cannot be right.
    #[error("state file announces a body of {0} bytes")]
    Length(u64),
    /// Bytes after the body.
    #[error("state file has {0} bytes after its body")]
    Trailing(u64),
    /// The body does not match its checksum.
    #[error("state file CRC mismatch: header says {stored:#018x}, body has {actual:#018x}")]
    Crc {
        /// The CRC in the header.
        stored: u64,
        /// The CRC of the body.
        actual: u64,
    },
}

/// The CRC-64 of `body`.
pub fn crc64(body: &[u8]) -> u64 {
    CRC64.checksum(body)
}

/// Header plus `body`.
pub fn encode(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc64(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(v)
}

/// Checks the header and the CRC; returns the body.
pub fn decode(bytes: &[u8]) -> Result<&[u8], Error> {
    let have = bytes.len() as u64;
    if bytes.len() < HEADER_LEN {
        return Err(Error::Truncated {
            have,
            want: HEADER_LEN as u64,
        });
    }
    if bytes[..8] != MAGIC {
        return Err(Error::Magic);
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != FORMAT_VERSION {
        return Err(Error::Version(version));
    }
    let len = u64_at(bytes, 16);
    if len > MAX_BODY {
        return Err(Error::Length(len));
    }
    let want = HEADER_LEN as u64 + len;
    if have < want {
        return Err(Error::Truncated { have, want });
    }
    if have > want {
        return Err(Error::Trailing(have - want));
    }
    let body = &bytes[HEADER_LEN..];
    let stored = u64_at(bytes, 24);
    let actual = crc64(body);
    if stored != actual {
        return Err(Error::Crc { stored, actual });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_refusal() {
        let body = b"{\"vcpus\":[]}".to_vec();
        let good = encode(&body);
        assert_eq!(decode(&good).unwrap(), &body[..]);

        assert!(matches!(
            decode(&good[..10]),
            Err(Error::Truncated { have: 10, .. })
        ));
        assert!(matches!(
            decode(&good[..good.len() - 1]),
            Err(Error::Truncated { .. })
        ));
        let mut b = good.clone();
        b[0] = b'X';
        assert_eq!(decode(&b), Err(Error::Magic));
        let mut b = good.clone();
        b[8] = 2;
        assert_eq!(decode(&b), Err(Error::Version(2)));
        let mut b = good.clone();
        b.push(0);
        assert_eq!(decode(&b), Err(Error::Trailing(1)));
        let mut b = good.clone();
        b[HEADER_LEN + 3] ^= 0x20;
        assert!(matches!(decode(&b), Err(Error::Crc { .. })));
        let mut b = good.clone();
        b[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(decode(&b), Err(Error::Length(u64::MAX)));
    }
}
