//! Fuzz target `block_queue`: the virtio-blk device's queue and request handling, driven by a fuzzed guest driver.
//! The entry point and its input format: `cr_vmm_fuzz_targets::block_queue`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cr_vmm_fuzz_targets::block_queue(data));
