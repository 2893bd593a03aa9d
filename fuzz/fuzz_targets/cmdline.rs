//! Fuzz target `cmdline`: the kernel command line and boot parameters of a fuzzed `cr-vmm run` configuration.
//! The entry point and its input format: `cr_vmm_fuzz_targets::cmdline`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cr_vmm_fuzz_targets::cmdline(data));
