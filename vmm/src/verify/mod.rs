//! `cr-vmm verify --image FILE --snapshot DIR`: proves a guest checkpoint
//! from outside the guest, against a VM snapshot taken while the
//! checkpointed tasks were still frozen (the image must have been written
//! with `KCR_CHECKPOINT_HOSTINFO`, which records each mm's page-table root
//! and each task's register frame in guest physical memory).
//!
//! - Every page the image holds is found through the task's page tables in
//!   the snapshot's memory and compared byte for byte.
//! - Every task's (and thread's) saved registers are compared with the
//!   user register frame on its kernel stack, allowing exactly the rewrites
//!   checkpoint documents (a system call to re-execute: `ip - 2`,
//!   `ax = orig_ax`; a restart block: `ax = -EINTR`).
//! - No present, writable page of a private mapping may be missing from
//!   the image.
//! - The vCPUs: the image's XSAVE features must be enabled in every vCPU's
//!   XCR0, and no vCPU may be running a checkpointed address space in user
//!   mode (the tasks were stopped).

pub mod paging;

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use paging::PhysMem;

use crate::memory::GuestMem;
use crate::snapshot::{store, VmSnapshot};
use kcr_image::format::{kcr_x86_regs, KCR_CHECKPOINT_HOSTINFO};
use kcr_image::parse::{parse_visit, Image, PageRef, Task};

const PAGE: u64 = 4096;
/// Findings listed per kind before the rest are only counted.
const MAX_FINDINGS: usize = 50;

/// Why verification could not run at all (a mismatch is not an error: it
/// is a finding in the [`Report`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The image file.
    #[error("{path}: {err}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        err: std::io::Error,
    },
    /// The image is invalid.
    #[error("{0}")]
    Image(#[from] kcr_image::parse::Error),
    /// The snapshot cannot be read.
    #[error(transparent)]
    Snapshot(#[from] store::Error),
    /// The image lacks what verification needs.
    #[error("{0}")]
    Unverifiable(String),
}

/// The snapshot's guest memory (a diff snapshot's on top of its base),
/// mapped privately from its memory file(s).
impl PhysMem for GuestMem {
    fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), String> {
        use vm_memory::Bytes;
        self.read_slice(buf, vm_memory::GuestAddress(pa))
            .map_err(|e| format!("guest physical {pa:#x}+{}: {e}", buf.len()))
    }
}

/// What verification found for one task.
#[derive(Debug, Default, Clone)]
pub struct TaskSummary {
    /// Pid (thread id for a thread).
    pub pid: i32,
    /// comm.
    pub comm: String,
    /// A thread of another task's process.
    pub thread: bool,
    /// Image pages compared.
    pub pages: u64,
    /// Of those, differing or unmapped.
    pub pages_bad: u64,
    /// Registers: "ok", "mismatch" or why they were not checked.
    pub regs: String,
    /// Writable private pages mapped in the snapshot but not in the image.
    pub missing: u64,
}

/// The outcome of [`verify`].
#[derive(Debug, Default)]
pub struct Report {
    /// One entry per task and thread, in image order.
    pub tasks: Vec<TaskSummary>,
    /// Every mismatch, naming task, address and field (the first
    /// [`MAX_FINDINGS`] of each kind).
    pub findings: Vec<String>,
    /// Findings not listed.
    pub unlisted: usize,
    /// vCPU checks done.
    pub vcpus: usize,
}

impl Report {
    /// Nothing wrong.
    pub fn ok(&self) -> bool {
        self.findings.is_empty() && self.unlisted == 0
    }

    fn finding(&mut self, listed: &mut usize, msg: String) {
        if *listed < MAX_FINDINGS {
            self.findings.push(msg);
        } else {
            self.unlisted += 1;
        }
        *listed += 1;
    }
}

/// struct pt_regs, x86_64: the user register frame on a kernel stack.
const FRAME_NAMES: [&str; 21] = [
    "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx", "si", "di",
    "orig_ax", "ip", "cs", "flags", "sp", "ss",
];

fn image_regs(r: &kcr_x86_regs) -> [u64; 21] {
    [
        r.r15, r.r14, r.r13, r.r12, r.bp, r.bx, r.r11, r.r10, r.r9, r.r8, r.ax, r.cx, r.dx, r.si,
        r.di, r.orig_ax, r.ip, r.cs, r.flags, r.sp, r.ss,
    ]
}

const ERESTARTSYS: i64 = -512;
const ERESTARTNOINTR: i64 = -513;
const ERESTARTNOHAND: i64 = -514;
const ERESTART_RESTARTBLOCK: i64 = -516;
const EINTR: i64 = -4;

/// Compares a task's image registers with its frame; returns the
/// mismatching fields as (name, image, expected).
pub fn compare_regs(
    img: &kcr_x86_regs,
    frame: &[u64; 21],
    restart: bool,
) -> Vec<(&'static str, u64, u64)> {
    let got = image_regs(img);
    let mut want = *frame;
    let (ax, orig_ax, ip) = (10, 15, 16);
    let fax = frame[ax] as i64;
    let in_syscall = (frame[orig_ax] as i64) >= 0;
    if restart {
        // checkpoint rewound a system call to be re-executed.
        want[ax] = frame[orig_ax];
        want[ip] = frame[ip].wrapping_sub(2);
    } else if in_syscall && fax == ERESTART_RESTARTBLOCK {
        want[ax] = EINTR as u64;
    }
    let mut bad = Vec::new();
    if restart && !matches!(fax, ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND) {
        bad.push(("ax (restart code)", img.ax, frame[ax]));
    }
    for i in 0..21 {
        // The image's orig_ax is always -1: nothing to re-execute on return.
        if i != orig_ax && got[i] != want[i] {
            bad.push((FRAME_NAMES[i], got[i], want[i]));
        }
    }
    bad
}

fn read_frame(mem: &dyn PhysMem, pa: u64) -> Result<[u64; 21], String> {
    let mut raw = [0u8; 21 * 8];
    mem.read(pa, &mut raw)?;
    let mut f = [0u64; 21];
    for (i, c) in raw.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        f[i] = u64::from_le_bytes(b);
    }
    Ok(f)
}

#[derive(Default)]
struct PageTally {
    pages: u64,
    bad: u64,
    addrs: HashSet<u64>,
}

/// Verifies `image` against the snapshot in `snap_dir`.
pub fn verify(image: &Path, snap_dir: &Path) -> Result<Report, Error> {
    let snap = store::read_state(snap_dir)?;
    let mem = store::map_memory(snap_dir, &snap)?;
    // The guest's paging mode, from its first vCPU.
    let levels = paging::levels(snap.vcpus.first().map_or(0, |v| v.sregs.cr4));
    let f = File::open(image).map_err(|err| Error::Open {
        path: image.to_owned(),
        err,
    })?;
    let mut report = Report::default();
    let mut listed_pages = 0;
    let mut tallies: BTreeMap<i32, PageTally> = BTreeMap::new();
    let mut page_findings = Vec::new();
    let img: Image = parse_visit(std::io::BufReader::new(f), &mut |p: PageRef<'_>| {
        let t = tallies.entry(p.pid).or_default();
        t.pages += 1;
        t.addrs.insert(p.addr);
        if p.pgd_phys == 0 {
            return;
        }
        let what = match paging::translate(&mem, p.pgd_phys, levels, p.addr) {
            Ok(None) => Some("is in the image but not mapped in the snapshot".to_string()),
            Err(e) => Some(format!("cannot be looked up: {e}")),
            Ok(Some(m)) => {
                let mut buf = vec![0u8; PAGE as usize];
                match mem.read(m.pa, &mut buf) {
                    Err(e) => Some(e),
                    Ok(()) => buf.iter().zip(p.data).position(|(a, b)| a != b).map(|off| {
                        format!(
                            "differs at +{off:#x} (guest physical {:#x}): image {:#04x}, snapshot {:#04x}",
                            m.pa + off as u64,
                            p.data[off],
                            buf[off]
                        )
                    }),
                }
            }
        };
        if let Some(w) = what {
            t.bad += 1;
            if listed_pages < MAX_FINDINGS {
                page_findings.push(format!("task {}: page {:#x} {w}", p.pid, p.addr));
            }
            listed_pages += 1;
        }
    })?;
    if img.header.flags & KCR_CHECKPOINT_HOSTINFO == 0 {
        return Err(Error::Unverifiable(
            "the image does not record where the tasks' state lives (checkpoint it with --hostinfo)"
                .into(),
        ));
    }
    report.unlisted += listed_pages.saturating_sub(MAX_FINDINGS);
    report.findings.extend(page_findings);

    let mut listed_regs = 0;
    let mut listed_missing = 0;
    for p in &img.tasks {
        let tally = tallies.remove(&p.pid).unwrap_or_default();
        let mut s = TaskSummary {
            pid: p.pid,
            comm: p.comm.clone(),
            pages: tally.pages,
            pages_bad: tally.bad,
            ..Default::default()
        };
        s.regs = check_regs(&mem, p, &mut report, &mut listed_regs);
        s.missing = check_missing(
            &mem,
            levels,
            p,
            &tally.addrs,
            &mut report,
            &mut listed_missing,
        );
        report.tasks.push(s);
        for th in &p.threads {
            let regs = check_regs(&mem, th, &mut report, &mut listed_regs);
            report.tasks.push(TaskSummary {
                pid: th.pid,
                comm: th.comm.clone(),
                thread: true,
                regs,
                ..Default::default()
            });
        }
    }
    check_vcpus(&snap, &img, &mut report);
    Ok(report)
}

fn check_regs(mem: &dyn PhysMem, t: &Task, report: &mut Report, listed: &mut usize) -> String {
    if t.flags.contains(&"self") {
        return "not checked: a self-checkpoint ran on".into();
    }
    let Some(regs) = &t.regs else {
        return "not checked: no CPU record".into();
    };
    if t.regs_phys == 0 {
        return "not checked: no frame address".into();
    }
    let frame = match read_frame(mem, t.regs_phys) {
        Ok(f) => f,
        Err(e) => {
            report.finding(listed, format!("task {}: register frame: {e}", t.pid));
            return "unreadable".into();
        }
    };
    let bad = compare_regs(regs, &frame, t.flags.contains(&"syscall-restart"));
    for (name, img, want) in &bad {
        report.finding(
            listed,
            format!(
                "task {}: register {name}: image {img:#x}, frame on its kernel stack says {want:#x}",
                t.pid
            ),
        );
    }
    if bad.is_empty() {
        "ok".into()
    } else {
        "mismatch".into()
    }
}

fn check_missing(
    mem: &dyn PhysMem,
    levels: u32,
    p: &Task,
    have: &HashSet<u64>,
    report: &mut Report,
    listed: &mut usize,
) -> u64 {
    let Some(mm) = &p.mm else {
        return 0;
    };
    let pgd = mm.fields.pgd_phys;
    if pgd == 0 {
        return 0;
    }
    let mut missing = Vec::new();
    let r = paging::user_pages(mem, pgd, levels, &mut |va, m| {
        if !m.writable || va >= paging::user_end(levels) || have.contains(&va) {
            return;
        }
        let vma = mm.vmas.iter().find(|v| v.start <= va && va < v.end);
        match vma {
            Some(v)
                if v.flags
                    .iter()
                    .any(|f| matches!(*f, "shared" | "vdso" | "vvar")) => {}
            Some(_) => missing.push(format!(
                "task {}: page {va:#x} is present and writable in a private mapping but not in the image",
                p.pid
            )),
            None => missing.push(format!(
                "task {}: page {va:#x} is mapped writable outside every mapping of the image",
                p.pid
            )),
        }
    });
    if let Err(e) = r {
        report.finding(listed, format!("task {}: page tables: {e}", p.pid));
    }
    let n = missing.len() as u64;
    for m in missing {
        report.finding(listed, m);
    }
    n
}

fn check_vcpus(snap: &VmSnapshot, img: &Image, report: &mut Report) {
    let pgds: HashSet<u64> = img
        .tasks
        .iter()
        .filter_map(|t| t.mm.as_ref().map(|m| m.fields.pgd_phys))
        .filter(|&p| p != 0)
        .collect();
    let mut listed = 0;
    for v in &snap.vcpus {
        report.vcpus += 1;
        let xcr0 = v
            .xcrs
            .xcrs
            .iter()
            .take(v.xcrs.nr_xcrs as usize)
            .find(|x| x.xcr == 0)
            .map_or(0, |x| x.value);
        let extra = img.header.xfeatures & !xcr0;
        if extra != 0 {
            report.finding(
                &mut listed,
                format!(
                    "vCPU {}: the image's xstate features {:#x} include {extra:#x}, not enabled in its XCR0 {xcr0:#x}",
                    v.index, img.header.xfeatures
                ),
            );
        }
        let user_mode = v.sregs.cs.dpl == 3;
        let cr3 = v.sregs.cr3 & 0x000f_ffff_ffff_f000;
        if user_mode && pgds.contains(&cr3) {
            report.finding(
                &mut listed,
                format!(
                    "vCPU {}: running a checkpointed address space (CR3 {cr3:#x}) in user mode at {:#x}: the tasks were not stopped",
                    v.index, v.regs.rip
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regs() -> kcr_x86_regs {
        kcr_x86_regs {
            r15: 1,
            ax: 7,
            orig_ax: u64::MAX,
            ip: 0x401000,
            cs: 0x33,
            flags: 0x246,
            sp: 0x7ffd_0000,
            ss: 0x2b,
            ..Default::default()
        }
    }

    fn frame_of(r: &kcr_x86_regs) -> [u64; 21] {
        image_regs(r)
    }

    #[test]
    fn registers_match_their_frame_with_the_documented_rewrites() {
        let r = regs();
        assert!(compare_regs(&r, &frame_of(&r), false).is_empty());
        // A wrong register is named.
        let mut bad = r;
        bad.r15 = 2;
        assert_eq!(compare_regs(&bad, &frame_of(&r), false), [("r15", 2, 1)]);
        // Frozen in a system call to re-execute: ip - 2, ax = orig_ax.
        let mut f = frame_of(&r);
        f[10] = ERESTARTSYS as u64;
        f[15] = 35; // nanosleep
        f[16] = 0x401002;
        let mut img = r;
        img.ax = 35;
        img.ip = 0x401000;
        assert!(compare_regs(&img, &f, true).is_empty());
        // The same image without the restart flag does not match.
        assert!(!compare_regs(&img, &f, false).is_empty());
        // A restart block becomes -EINTR.
        let mut f2 = frame_of(&r);
        f2[10] = ERESTART_RESTARTBLOCK as u64;
        f2[15] = 230;
        let mut img2 = r;
        img2.ax = EINTR as u64;
        assert!(compare_regs(&img2, &f2, false).is_empty());
        // Flagged as a restart without a restart code in the frame.
        assert!(compare_regs(&img, &frame_of(&img), true)
            .iter()
            .any(|(n, _, _)| *n == "ax (restart code)"));
    }
}
