//! Checkpoint images written by the guest kernel's `checkpoint()`: the
//! format ([`format`], mirrored from the kernel's uapi `kcr.h`), a streaming
//! validating parser ([`parse`]), `cr-vmm image show` ([`show`]) and
//! deliberate damage for testing the cross-check ([`mutate`]).

pub mod format;
pub mod mutate;
pub mod parse;
pub mod show;

pub use parse::{parse, Error, Image};
