//! The guest agent's protocol, shared with the host side (`cr-vmm`).
#![deny(missing_docs)]

pub mod proto;
