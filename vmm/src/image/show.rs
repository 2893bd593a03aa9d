//! Printing an image: a summary (`cr-vmm image show`), the path tree of the
//! filesystem-view design (`--tree`: `task-PID/mm/vmas/N/start = …`), or
//! JSON (`--json`).

use std::fmt::Write;

use super::parse::{Image, Vma};

fn prot(p: u32) -> String {
    let b = |bit, c| if p & bit != 0 { c } else { '-' };
    [b(1, 'r'), b(2, 'w'), b(4, 'x')].iter().collect()
}

fn vma_line(img: &Image, v: &Vma) -> String {
    let file = v
        .file
        .and_then(|id| img.files.iter().find(|f| f.objid == id))
        .map(|f| format!(" {} +{:#x}", f.path, v.pgoff * 4096))
        .unwrap_or_default();
    let flags = if v.flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", v.flags.join(","))
    };
    format!(
        "{:012x}-{:012x} {}{file}{flags} pages {}",
        v.start,
        v.end,
        prot(v.prot),
        v.pages
    )
}

/// The human-readable summary.
pub fn summary(img: &Image) -> String {
    let h = &img.header;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "image: format v{}, {}, {} records, {} bytes, crc32 {:#010x} ok",
        h.version, h.arch, img.records, img.total_len, img.crc32
    );
    let _ = writeln!(
        s,
        "kernel: {} {} {} ({}), node {}",
        h.sysname, h.release, h.machine, h.version_str, h.nodename
    );
    let _ = writeln!(
        s,
        "taken: {} s since the epoch, page size {}, xstate {} bytes (features {:#x})",
        h.time, h.page_size, h.xstate_size, h.xfeatures
    );
    for f in &img.files {
        let _ = writeln!(
            s,
            "file #{}: {} (ino {}, {} bytes, flags {:#o})",
            f.objid, f.path, f.ino, f.size, f.f_flags
        );
    }
    for t in &img.tasks {
        let _ = writeln!(
            s,
            "task {} (tgid {}, ppid {}) '{}' uid {} gid {}{}",
            t.pid,
            t.tgid,
            t.ppid,
            t.comm,
            t.uids[1],
            t.gids[1],
            if t.flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", t.flags.join(","))
            }
        );
        if let Some(r) = &t.regs {
            let _ = writeln!(
                s,
                "  regs: ip {:#x} sp {:#x} ax {:#x} orig_ax {:#x} flags {:#x} fs_base {:#x}",
                r.ip, r.sp, r.ax, r.orig_ax as i64, r.flags, r.fs_base
            );
        }
        if let Some((feat, size)) = t.xstate {
            let _ = writeln!(s, "  xstate: {size} bytes, features {feat:#x}");
        }
        if let Some(mm) = &t.mm {
            let m = &mm.fields;
            let pages: u64 = mm.vmas.iter().map(|v| v.pages).sum();
            let _ = writeln!(
                s,
                "  mm: {} mappings, {} pages ({} KiB) of contents, brk {:#x}-{:#x}, stack {:#x}, vdso {:#x}",
                mm.vmas.len(),
                pages,
                pages * 4,
                m.start_brk,
                m.brk,
                m.start_stack,
                m.vdso
            );
            for v in &mm.vmas {
                let _ = writeln!(s, "    {}", vma_line(img, v));
            }
        }
    }
    s
}

/// The filesystem-view path tree: one `path = value` line per field.
pub fn tree(img: &Image) -> String {
    let mut s = String::new();
    let h = &img.header;
    let mut put = |k: String, v: String| {
        let _ = writeln!(s, "{k} = {v}");
    };
    put("header/version".into(), h.version.to_string());
    put("header/arch".into(), h.arch.into());
    put("header/release".into(), h.release.clone());
    put("header/nodename".into(), h.nodename.clone());
    put("header/time".into(), h.time.to_string());
    put("header/xstate_size".into(), h.xstate_size.to_string());
    for f in &img.files {
        let p = format!("files/{}", f.objid);
        put(format!("{p}/path"), f.path.clone());
        put(format!("{p}/ino"), f.ino.to_string());
        put(format!("{p}/flags"), format!("{:#o}", f.f_flags));
    }
    for t in &img.tasks {
        let p = format!("task-{}", t.pid);
        put(format!("{p}/comm"), t.comm.clone());
        put(format!("{p}/tgid"), t.tgid.to_string());
        put(format!("{p}/ppid"), t.ppid.to_string());
        put(format!("{p}/creds/uid"), format!("{:?}", t.uids));
        put(format!("{p}/creds/gid"), format!("{:?}", t.gids));
        put(format!("{p}/flags"), t.flags.join(","));
        put(
            format!("{p}/signals/blocked"),
            format!("{:#x}", t.sigblocked),
        );
        if let Some(r) = &t.regs {
            for (k, v) in [
                ("ip", r.ip),
                ("sp", r.sp),
                ("ax", r.ax),
                ("orig_ax", r.orig_ax),
                ("flags", r.flags),
                ("fs_base", r.fs_base),
                ("gs_base", r.gs_base),
            ] {
                put(format!("{p}/regs/{k}"), format!("{v:#x}"));
            }
        }
        if let Some((feat, size)) = t.xstate {
            put(format!("{p}/xstate/features"), format!("{feat:#x}"));
            put(format!("{p}/xstate/size"), size.to_string());
        }
        if let Some(mm) = &t.mm {
            put(
                format!("{p}/mm/brk"),
                format!("{:#x}-{:#x}", mm.fields.start_brk, mm.fields.brk),
            );
            put(format!("{p}/mm/vdso"), format!("{:#x}", mm.fields.vdso));
            for (i, v) in mm.vmas.iter().enumerate() {
                let q = format!("{p}/mm/vmas/{i}");
                put(format!("{q}/start"), format!("{:#x}", v.start));
                put(format!("{q}/end"), format!("{:#x}", v.end));
                put(format!("{q}/prot"), prot(v.prot));
                if let Some(id) = v.file {
                    put(format!("{q}/file"), format!("files/{id}"));
                }
                put(format!("{q}/pages"), v.pages.to_string());
            }
        }
    }
    s
}

/// JSON for scripts.
pub fn json(img: &Image) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(img)
}
