//! Checkpoint images written by the guest kernel's `checkpoint()`: the
//! format ([`format`], mirrored from the kernel's uapi `kcr.h`), a streaming
//! validating parser ([`parse`]) and `cr-vmm image show` ([`show`]).

pub mod format;
pub mod parse;
pub mod show;

pub use parse::{parse, Error, Image};
