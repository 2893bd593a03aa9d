//! kcr-image: the checkpoint images written by the guest kernel's
//! `checkpoint()` system call.
//!
//! - [`format`](mod@format): the record layouts and constants, mirrored from the
//!   kernel's uapi header `kcr.h` (the format's one definition; the test
//!   `tests/image_format.rs` compiles the header and checks every size,
//!   offset and constant against this mirror);
//! - [`parse`](mod@parse): a streaming, validating parser (an image is never held in
//!   memory whole) that checks each record as the kernel's restart does;
//! - [`records`]: the record table (size and reference rules of every
//!   record type) that drives the parser's structural checks;
//! - [`show`]: printing an image (`cr-vmm image show`: summary, path tree,
//!   JSON);
//! - [`mutate`]: deliberate, well-formed damage for testing `cr-vmm
//!   verify`;
//! - `samples` (feature `test-util`, and in this crate's tests): valid
//!   sample images for tests and fuzz seeds.
//!
//! ```
//! let err = kcr_image::parse(&b"not an image"[..]).unwrap_err();
//! assert_eq!(err.offset, 0);
//! ```
#![deny(missing_docs)]

pub mod format;
pub mod mutate;
pub mod parse;
pub mod records;
#[cfg(any(test, feature = "test-util"))]
pub mod samples;
pub mod show;

pub use parse::{parse, parse_visit, Error, Image};
