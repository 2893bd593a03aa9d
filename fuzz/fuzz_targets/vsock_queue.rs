//! Fuzz target `vsock_queue`: the vsock device's queue and packet handling, driven by a fuzzed guest driver.
//! The entry point and its input format: `cr_vmm_fuzz_targets::vsock_queue`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cr_vmm_fuzz_targets::vsock_queue(data));
