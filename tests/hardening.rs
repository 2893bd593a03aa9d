//! The hardening tests in one test binary, so that their CI hosts run in
//! parallel: the sandbox (`sandbox.rs`), fault injection (`faults.rs`) and
//! a hostile guest (`isolation.rs`).

#[path = "faults.rs"]
mod faults;
#[path = "isolation.rs"]
mod isolation;
#[path = "sandbox.rs"]
mod sandbox;
