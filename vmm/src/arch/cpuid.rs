//! CPUID for each vCPU, derived from what KVM supports on this host.
//!
//! Like Firecracker's normalization: every vCPU gets its own APIC ID in the
//! topology leaves, the hypervisor bit is set, VMX and SVM are hidden (no
//! nested virtualization), and leaves that describe the host's package
//! layout are rewritten for the guest's vCPU count.

use kvm_bindings::{kvm_cpuid_entry2, CpuId};

const LEAF_FEATURES: u32 = 0x1;
const LEAF_CACHE_PARAMS: u32 = 0x4;
const LEAF_PERF_MON: u32 = 0xa;
const LEAF_EXT_TOPOLOGY: u32 = 0xb;
const LEAF_EXT_TOPOLOGY_V2: u32 = 0x1f;

const LEAF_EXT_FEATURES: u32 = 0x8000_0001;
const LEAF_SVM: u32 = 0x8000_000a;

const ECX_HYPERVISOR_BIT: u32 = 1 << 31;
/// Leaf 1 ECX: Intel VMX.
const ECX_VMX_BIT: u32 = 1 << 5;
/// Leaf 0x8000_0001 ECX: AMD SVM.
const ECX_SVM_BIT: u32 = 1 << 2;
const ECX_TSC_DEADLINE_BIT: u32 = 1 << 24;
const EDX_HTT_BIT: u32 = 1 << 28;

/// Rewrites `cpuid` (as returned by KVM_GET_SUPPORTED_CPUID) for vCPU
/// `cpu_index` of a guest with `cpu_count` vCPUs.
pub fn normalize(cpuid: &mut CpuId, cpu_index: u8, cpu_count: u8, tsc_deadline: bool) {
    let bits = u32::BITS - u32::from(cpu_count.max(1) - 1).leading_zeros();
    for e in cpuid.as_mut_slice() {
        normalize_entry(e, cpu_index, cpu_count, bits, tsc_deadline);
    }
}

fn normalize_entry(
    e: &mut kvm_cpuid_entry2,
    cpu_index: u8,
    cpu_count: u8,
    topo_bits: u32,
    tsc_deadline: bool,
) {
    match e.function {
        LEAF_FEATURES => {
            // EBX[31:24] initial APIC ID, EBX[23:16] logical processors.
            e.ebx =
                (e.ebx & 0x0000_ffff) | (u32::from(cpu_index) << 24) | (u32::from(cpu_count) << 16);
            e.ecx |= ECX_HYPERVISOR_BIT;
            e.ecx &= !ECX_VMX_BIT;
            if tsc_deadline {
                e.ecx |= ECX_TSC_DEADLINE_BIT;
            } else {
                e.ecx &= !ECX_TSC_DEADLINE_BIT;
            }
            if cpu_count > 1 {
                e.edx |= EDX_HTT_BIT;
            } else {
                e.edx &= !EDX_HTT_BIT;
            }
        }
        // No nested virtualization: a guest that turns VMX or SVM on holds
        // state (VMCS/VMCB, nested guest mode) that VM snapshots do not save,
        // so the guest is not offered it (Firecracker hides it too). The
        // guest kernel has KVM built in, as it doubles as the CI host's
        // kernel (docs/ci.md); without the bits its KVM stays off.
        LEAF_EXT_FEATURES => e.ecx &= !ECX_SVM_BIT,
        LEAF_SVM => {
            e.eax = 0;
            e.ebx = 0;
            e.ecx = 0;
            e.edx = 0;
        }
        LEAF_CACHE_PARAMS => {
            // EAX[31:26]: cores per package - 1; EAX[25:14]: threads sharing
            // this cache - 1. One core per vCPU, caches private but the last.
            let level = (e.eax >> 5) & 0x7;
            let sharing = if level >= 3 {
                u32::from(cpu_count) - 1
            } else {
                0
            };
            e.eax = (e.eax & 0x3fff) | (sharing << 14) | ((u32::from(cpu_count) - 1) << 26);
        }
        LEAF_PERF_MON => {
            // No PMU for the guest: it would only slow its boot down.
            e.eax = 0;
            e.ebx = 0;
            e.ecx = 0;
            e.edx = 0;
        }
        LEAF_EXT_TOPOLOGY | LEAF_EXT_TOPOLOGY_V2 => {
            e.edx = u32::from(cpu_index);
            match e.index {
                // SMT level: one thread per core.
                0 => {
                    e.eax = 0;
                    e.ebx = 1;
                    e.ecx = 1 << 8;
                }
                // Core level: all vCPUs in one package.
                1 => {
                    e.eax = topo_bits;
                    e.ebx = u32::from(cpu_count);
                    e.ecx = (2 << 8) | 1;
                }
                _ => {
                    e.eax = 0;
                    e.ebx = 0;
                    e.ecx = e.index;
                }
            }
        }
        _ => {}
    }
}

/// Feature registers compared on restore: (leaf, subleaf, register name).
const FEATURE_REGS: [(u32, u32, &str); 7] = [
    (0x1, 0, "ecx"),
    (0x1, 0, "edx"),
    (0x7, 0, "ebx"),
    (0x7, 0, "ecx"),
    (0x7, 0, "edx"),
    (0x8000_0001, 0, "ecx"),
    (0x8000_0001, 0, "edx"),
];

fn reg(e: &kvm_cpuid_entry2, name: &str) -> u32 {
    match name {
        "eax" => e.eax,
        "ebx" => e.ebx,
        "ecx" => e.ecx,
        _ => e.edx,
    }
}

/// The feature bits `saved` (a snapshot's CPUID) has that `host` (what
/// this host would give the same vCPU) lacks, one line per register: the
/// basic and extended feature leaves, and the XSAVE components (leaf 0xd).
///
/// ```
/// use kvm_bindings::kvm_cpuid_entry2;
/// use cr_vmm::arch::cpuid::missing_features;
/// let e = |ecx| kvm_cpuid_entry2 { function: 1, ecx, ..Default::default() };
/// assert!(missing_features(&[e(0b011)], &[e(0b111)]).is_empty());
/// assert_eq!(missing_features(&[e(0b1000)], &[e(0b111)]),
///            ["leaf 0x1 ecx bits 0x8"]);
/// ```
pub fn missing_features(saved: &[kvm_cpuid_entry2], host: &[kvm_cpuid_entry2]) -> Vec<String> {
    let find = |v: &[kvm_cpuid_entry2], f: u32, i: u32| {
        v.iter()
            .find(|e| e.function == f && e.index == i)
            .copied()
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for (leaf, sub, name) in FEATURE_REGS.iter().chain(&[(0xd, 0, "eax")]) {
        let want = reg(&find(saved, *leaf, *sub), name);
        let have = reg(&find(host, *leaf, *sub), name);
        if want & !have != 0 {
            out.push(format!("leaf {leaf:#x} {name} bits {:#x}", want & !have));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(function: u32, index: u32) -> kvm_cpuid_entry2 {
        kvm_cpuid_entry2 {
            function,
            index,
            ebx: 0xdead_beef,
            ..Default::default()
        }
    }

    #[test]
    fn apic_id_and_hypervisor_bit() {
        let mut cpuid = CpuId::from_entries(&[entry(1, 0), entry(0xb, 1)]).unwrap();
        normalize(&mut cpuid, 3, 4, true);
        let s = cpuid.as_slice();
        assert_eq!(s[0].ebx >> 24, 3);
        assert_eq!((s[0].ebx >> 16) & 0xff, 4);
        assert_eq!(s[0].ebx & 0xffff, 0xbeef);
        assert_ne!(s[0].ecx & ECX_HYPERVISOR_BIT, 0);
        assert_ne!(s[0].edx & EDX_HTT_BIT, 0);
        assert_eq!((s[1].eax, s[1].ebx, s[1].edx), (2, 4, 3));
    }

    #[test]
    fn no_nested_virtualization() {
        let mut f = entry(1, 0);
        f.ecx = ECX_VMX_BIT | 1;
        let mut x = entry(LEAF_EXT_FEATURES, 0);
        x.ecx = ECX_SVM_BIT | 1;
        let mut svm = entry(LEAF_SVM, 0);
        svm.eax = 1;
        svm.edx = 0xff;
        let mut cpuid = CpuId::from_entries(&[f, x, svm]).unwrap();
        normalize(&mut cpuid, 0, 1, false);
        let s = cpuid.as_slice();
        assert_eq!(s[0].ecx & ECX_VMX_BIT, 0);
        assert_eq!(s[0].ecx & 1, 1, "other bits stay");
        assert_eq!(s[1].ecx, 1);
        assert_eq!((s[2].eax, s[2].ebx, s[2].ecx, s[2].edx), (0, 0, 0, 0));
    }

    #[test]
    fn single_cpu_has_no_htt() {
        let mut e = entry(1, 0);
        e.edx = EDX_HTT_BIT;
        let mut cpuid = CpuId::from_entries(&[e]).unwrap();
        normalize(&mut cpuid, 0, 1, false);
        assert_eq!(cpuid.as_slice()[0].edx & EDX_HTT_BIT, 0);
    }
}
