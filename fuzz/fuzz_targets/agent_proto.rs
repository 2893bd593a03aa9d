//! Fuzz target `agent_proto`: the agent protocol decoders (guest: requests; host: CONNECT answer, data frames, replies).
//! The entry point and its input format: `cr_vmm_fuzz_targets::agent_proto`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cr_vmm_fuzz_targets::agent_proto(data));
