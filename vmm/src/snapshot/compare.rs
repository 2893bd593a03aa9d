//! Comparing two snapshots field by field, as crosvm's snapshot tests do:
//! every field of the state file and every page of guest memory must be
//! equal, except an explicit list of fields that drift with host time.
//! `cr-vmm compare-snapshots A B` runs it; a snapshot, restored paused and
//! snapshotted again, must compare equal to itself.

use std::path::Path;

use vm_memory::{Bytes, GuestAddress};

use serde_json::Value;

use super::{store, VmSnapshot};

/// The fields left out of the comparison, and why they drift.
pub const DRIFT: [(&str, &str); 6] = [
    ("vm.clock", "kvmclock: set from host time on restore"),
    (
        "vm.pit.channels[*].count_load_time",
        "PIT: host time of the last count load",
    ),
    (
        "vcpus[*].lapic.regs[0x390..0x394] (timer current count)",
        "counts down in real time",
    ),
    ("vcpus[*].msrs[IA32_TSC]", "the TSC runs with host time"),
    (
        "vcpus[*].msrs[0x40000010, 0x40000020] (Hyper-V VP runtime, reference time count)",
        "clocks KVM keeps for Hyper-V guests",
    ),
    (
        "memory: the kvmclock wall-clock record (at MSR_KVM_WALL_CLOCK_NEW)",
        "KVM writes host time there when that MSR is restored",
    ),
];

/// MSRs that are clocks.
const CLOCK_MSRS: [u32; 3] = [MSR_IA32_TSC, 0x4000_0010, 0x4000_0020];
/// MSR_KVM_WALL_CLOCK_NEW and the legacy MSR_KVM_WALL_CLOCK.
const WALL_CLOCK_MSRS: [u32; 2] = [0x4b56_4d00, 0x11];
/// struct pvclock_wall_clock: version, sec, nsec.
const WALL_CLOCK_LEN: u64 = 12;

const MSR_IA32_TSC: u32 = 0x10;
const APIC_TMCCT: usize = 0x390;
const APIC_TPR: usize = 0x80;
const APIC_PPR: usize = 0xa0;
const APIC_ISR: usize = 0x100;
const PAGE: usize = 4096;
/// Differences listed before the rest are only counted.
const MAX_LISTED: usize = 20;

/// The processor priority (PPR) the architecture derives from a local
/// APIC's TPR and in-service register. KVM brings its PPR up to date
/// lazily, so the one a snapshot holds may lag them (a paused VM and its
/// restored copy showed 0x20 and 0x10 with the same TPR and ISR): the
/// derived value is compared instead.
fn ppr(regs: &[std::os::raw::c_char]) -> u8 {
    let byte = |i: usize| regs[i] as u8;
    let tpr = byte(APIC_TPR);
    let isrv = (0..8)
        .rev()
        .find_map(|i| {
            let off = APIC_ISR + i * 16;
            let w = u32::from_le_bytes([byte(off), byte(off + 1), byte(off + 2), byte(off + 3)]);
            (w != 0).then(|| (i * 32 + 31 - w.leading_zeros() as usize) as u8)
        })
        .unwrap_or(0);
    if tpr & 0xf0 >= isrv & 0xf0 {
        tpr
    } else {
        isrv & 0xf0
    }
}

/// Zeroes the drifting fields of `s` (and puts the derived PPR in place).
fn without_drift(s: &mut VmSnapshot) {
    s.vm.clock = Default::default();
    for c in s.vm.pit.channels.iter_mut() {
        c.count_load_time = 0;
    }
    for v in &mut s.vcpus {
        v.lapic.regs[APIC_TMCCT..APIC_TMCCT + 4].fill(0);
        let p = ppr(&v.lapic.regs);
        v.lapic.regs[APIC_PPR..APIC_PPR + 4].fill(0);
        v.lapic.regs[APIC_PPR] = p as std::os::raw::c_char;
        for m in v.msrs.iter_mut().filter(|m| CLOCK_MSRS.contains(&m.index)) {
            m.data = 0;
        }
    }
}

/// Paths (`vcpus[0].regs[17]`) where two JSON values differ.
fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match y.get(k) {
                    Some(vb) => diff(&p, va, vb, out),
                    None => out.push(format!("{p}: only in the first")),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}.{k}: only in the second"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} != {b}")),
        _ => {}
    }
}

/// MSRs compared by index (the JSON of an MSR entry is raw bytes).
fn diff_msrs(a: &mut VmSnapshot, b: &mut VmSnapshot, out: &mut Vec<String>) {
    for (va, vb) in a.vcpus.iter_mut().zip(b.vcpus.iter_mut()) {
        let mb: std::collections::HashMap<u32, u64> =
            vb.msrs.iter().map(|m| (m.index, m.data)).collect();
        for m in &va.msrs {
            match mb.get(&m.index) {
                Some(&d) if d == m.data => {}
                Some(&d) => out.push(format!(
                    "vcpus[{}].msr {:#x}: {:#x} != {d:#x}",
                    va.index, m.index, m.data
                )),
                None => out.push(format!(
                    "vcpus[{}].msr {:#x}: only in the first",
                    va.index, m.index
                )),
            }
        }
        if vb.msrs.len() > va.msrs.len() {
            out.push(format!("vcpus[{}].msrs: more in the second", va.index));
        }
        va.msrs.clear();
        vb.msrs.clear();
    }
}

/// The differences between two snapshot states, drift left out.
pub fn compare_states(mut a: VmSnapshot, mut b: VmSnapshot) -> Vec<String> {
    without_drift(&mut a);
    without_drift(&mut b);
    // How the memory is stored (full, or a diff on a base) is not state:
    // the memory itself is compared page by page.
    a.diff = None;
    b.diff = None;
    let mut out = Vec::new();
    diff_msrs(&mut a, &mut b, &mut out);
    match (serde_json::to_value(&a), serde_json::to_value(&b)) {
        (Ok(x), Ok(y)) => diff("", &x, &y, &mut out),
        (Err(e), _) | (_, Err(e)) => out.push(format!("cannot encode a state: {e}")),
    }
    out
}

/// The result of comparing two snapshot directories.
#[derive(Debug, Default)]
pub struct Report {
    /// Differing state fields (at most [`MAX_LISTED`]).
    pub fields: Vec<String>,
    /// How many state fields differ.
    pub nr_fields: usize,
    /// Guest physical addresses of differing pages (at most [`MAX_LISTED`]).
    pub pages: Vec<u64>,
    /// How many pages differ.
    pub nr_pages: u64,
    /// Pages compared.
    pub pages_compared: u64,
}

impl Report {
    /// No difference.
    pub fn equal(&self) -> bool {
        self.nr_fields == 0 && self.nr_pages == 0
    }
}

/// Compares the states and the memory of snapshot directories `a` and `b`.
pub fn compare_dirs(a: &Path, b: &Path) -> Result<Report, store::Error> {
    let (sa, sb) = (store::read_state(a)?, store::read_state(b)?);
    let layout = sa.memory.clone();
    // Guest-physical ranges KVM writes host time into.
    let skip: Vec<(u64, u64)> = sa
        .vcpus
        .iter()
        .flat_map(|v| &v.msrs)
        .filter(|m| WALL_CLOCK_MSRS.contains(&m.index) && m.data != 0)
        .map(|m| (m.data, m.data + WALL_CLOCK_LEN))
        .collect();
    let same_layout = layout == sb.memory;
    // Each snapshot's memory as restore would build it (diffs applied).
    let mems = if same_layout {
        Some((store::map_memory(a, &sa)?, store::map_memory(b, &sb)?))
    } else {
        None
    };
    let mut r = Report::default();
    let fields = compare_states(sa, sb);
    r.nr_fields = fields.len();
    r.fields = fields.into_iter().take(MAX_LISTED).collect();
    let Some((ma, mb)) = mems else {
        return Ok(r);
    };
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    for region in &layout {
        let mut done = 0u64;
        while done < region.len {
            let want = ((region.len - done) as usize).min(ba.len());
            let at = GuestAddress(region.gpa + done);
            if ma.read_slice(&mut ba[..want], at).is_err()
                || mb.read_slice(&mut bb[..want], at).is_err()
            {
                r.fields
                    .push(format!("memory at {:#x} cannot be read", at.0));
                r.nr_fields += 1;
                return Ok(r);
            }
            for (i, (x, y)) in ba[..want]
                .chunks(PAGE)
                .zip(bb[..want].chunks(PAGE))
                .enumerate()
            {
                r.pages_compared += 1;
                let page = region.gpa + done + (i * PAGE) as u64;
                let differs = x.iter().zip(y).enumerate().any(|(k, (p, q))| {
                    let gpa = page + k as u64;
                    p != q && !skip.iter().any(|&(s, e)| (s..e).contains(&gpa))
                });
                if differs {
                    r.nr_pages += 1;
                    if r.pages.len() < MAX_LISTED {
                        r.pages.push(page);
                    }
                }
            }
            done += want as u64;
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppr_is_derived_from_tpr_and_the_highest_vector_in_service() {
        let mut regs = [0 as std::os::raw::c_char; 1024];
        assert_eq!(ppr(&regs), 0);
        regs[APIC_TPR] = 0x15;
        assert_eq!(ppr(&regs), 0x15);
        // Vector 0x31 in service (ISR word 1, bit 17): class 3 wins.
        regs[APIC_ISR + 16 + 2] = 0x02;
        assert_eq!(ppr(&regs), 0x30);
        // A TPR of a higher class wins again.
        regs[APIC_TPR] = 0x42;
        assert_eq!(ppr(&regs), 0x42);
        // Vector 0xef (ISR word 7, bit 15) in service.
        regs[APIC_ISR + 7 * 16 + 1] = 0x80u8 as std::os::raw::c_char;
        assert_eq!(ppr(&regs), 0xe0);
    }
}
