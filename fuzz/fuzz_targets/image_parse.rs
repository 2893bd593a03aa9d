//! Fuzz target `image_parse`: the checkpoint image parser (and printing, damaging valid images).
//! The entry point and its input format: `cr_vmm_fuzz_targets::image_parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cr_vmm_fuzz_targets::image_parse(data));
