//! Fuzz target `snapshot_state`: the snapshot state file parser (and what restore does with the state before KVM).
//! The entry point and its input format: `cr_vmm_fuzz_targets::snapshot_state`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cr_vmm_fuzz_targets::snapshot_state(data));
