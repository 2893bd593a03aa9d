//! Valid sample images and the pieces to build more, for tests: this
//! crate's own, the fuzz targets' seed corpus and other crates' tests
//! (feature `test-util`). Not part of the image format.

use std::mem::{offset_of, size_of};

use zerocopy::FromZeros;

use crate::format::*;

/// Writes `v` into `b` at `off`.
pub fn put(b: &mut [u8], off: usize, v: &[u8]) {
    b[off..off + v.len()].copy_from_slice(v);
}

/// A zeroed record of type `t`: `size` bytes of fixed part, then `extra`,
/// padded to 8 bytes, with its type and length set.
pub fn record(t: u32, size: usize, extra: &[u8]) -> Vec<u8> {
    let len = (size + extra.len()).next_multiple_of(8);
    let mut b = vec![0u8; len];
    put(&mut b, 0, &t.to_le_bytes());
    put(&mut b, 4, &(len as u32).to_le_bytes());
    put(&mut b, size, extra);
    b
}

/// Records before the tail in `sample()`.
pub const N: u32 = 21;

/// The auxiliary vector of `sample()`: `AT_PAGESZ` 4096, then `AT_NULL`.
pub const AUXV: [u64; 4] = [6, 4096, 0, 0];

/// An ATTRS record with the executable `exe_ref` and the auxiliary vector
/// `auxv` (its `u64` words, `auxv_len` = 8 × their number), nice 0,
/// `SCHED_NORMAL`, oom_score_adj 0, no parent-death signal, the default
/// timer slack (50 µs) and no flags.
pub fn attrs_record(exe_ref: u32, auxv: &[u64]) -> Vec<u8> {
    let words: Vec<u8> = auxv.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut a = record(rec::ATTRS, size_of::<kcr_rec_attrs>(), &words);
    put(
        &mut a,
        offset_of!(kcr_rec_attrs, timer_slack_ns),
        &50_000u64.to_le_bytes(),
    );
    put(
        &mut a,
        offset_of!(kcr_rec_attrs, exe_ref),
        &exe_ref.to_le_bytes(),
    );
    put(
        &mut a,
        offset_of!(kcr_rec_attrs, auxv_len),
        &(words.len() as u32).to_le_bytes(),
    );
    a
}

/// A small valid image: one task with groups, limits, a signal handler
/// and a pending signal, a pipe, three files (the root directory, a
/// program, a pipe end), two descriptors, a file mapping and an
/// anonymous mapping with 3 pages, and its attributes (the program as
/// its executable, [`AUXV`]).
pub fn sample() -> Vec<u8> {
    let mut img = Vec::new();
    let mut h = record(rec::HEADER, size_of::<kcr_rec_header>(), &[]);
    put(
        &mut h,
        offset_of!(kcr_rec_header, magic),
        &KCR_MAGIC.to_le_bytes(),
    );
    put(
        &mut h,
        offset_of!(kcr_rec_header, version),
        &KCR_VERSION.to_le_bytes(),
    );
    put(
        &mut h,
        offset_of!(kcr_rec_header, arch),
        &KCR_ARCH_X86_64.to_le_bytes(),
    );
    put(
        &mut h,
        offset_of!(kcr_rec_header, page_size),
        &4096u32.to_le_bytes(),
    );
    put(
        &mut h,
        offset_of!(kcr_rec_header, xstate_size),
        &576u32.to_le_bytes(),
    );
    put(&mut h, offset_of!(kcr_rec_header, sysname), b"Linux\0");
    put(&mut h, offset_of!(kcr_rec_header, release), b"6.12.117\0");
    img.extend(h);
    let mut t = record(rec::TASK, size_of::<kcr_rec_task>(), &[]);
    put(&mut t, offset_of!(kcr_rec_task, objid), &1u32.to_le_bytes());
    put(&mut t, offset_of!(kcr_rec_task, pid), &42i32.to_le_bytes());
    put(&mut t, offset_of!(kcr_rec_task, tgid), &42i32.to_le_bytes());
    put(&mut t, offset_of!(kcr_rec_task, ppid), &1i32.to_le_bytes());
    put(
        &mut t,
        offset_of!(kcr_rec_task, flags),
        &task_flags::SELF.to_le_bytes(),
    );
    put(&mut t, offset_of!(kcr_rec_task, comm), b"counter\0");
    put(
        &mut t,
        offset_of!(kcr_rec_task, nr_threads),
        &1u32.to_le_bytes(),
    );
    img.extend(t);
    let mut c = record(rec::CPU, size_of::<kcr_rec_cpu>(), &[]);
    put(
        &mut c,
        offset_of!(kcr_rec_cpu, regs) + offset_of!(kcr_x86_regs, ip),
        &0x401000u64.to_le_bytes(),
    );
    put(
        &mut c,
        offset_of!(kcr_rec_cpu, regs) + offset_of!(kcr_x86_regs, sp),
        &0x7ffd0000u64.to_le_bytes(),
    );
    img.extend(c);
    let mut x = record(rec::XSTATE, size_of::<kcr_rec_xstate>(), &[0u8; 576]);
    put(
        &mut x,
        offset_of!(kcr_rec_xstate, size),
        &576u32.to_le_bytes(),
    );
    img.extend(x);
    let mut g = record(
        rec::GROUPS,
        size_of::<kcr_rec_groups>(),
        &[5, 0, 0, 0, 6, 0, 0, 0],
    );
    put(
        &mut g,
        offset_of!(kcr_rec_groups, ngroups),
        &2u32.to_le_bytes(),
    );
    img.extend(g);
    let mut r = record(rec::RLIMITS, size_of::<kcr_rec_rlimits>(), &[]);
    put(
        &mut r,
        offset_of!(kcr_rec_rlimits, nr),
        &16u32.to_le_bytes(),
    );
    for i in 0..KCR_RLIM_NLIMITS {
        let o = offset_of!(kcr_rec_rlimits, rlim) + i * size_of::<kcr_rlimit>();
        put(&mut r, o, &1024u64.to_le_bytes());
        put(&mut r, o + 8, &u64::MAX.to_le_bytes());
    }
    img.extend(r);
    let mut sh = record(rec::SIGHAND, size_of::<kcr_rec_sighand>(), &[]);
    put(
        &mut sh,
        offset_of!(kcr_rec_sighand, objid),
        &4u32.to_le_bytes(),
    );
    put(
        &mut sh,
        offset_of!(kcr_rec_sighand, nr),
        &64u32.to_le_bytes(),
    );
    // SIGUSR1 (10): a handler with SA_SIGINFO | SA_RESTORER.
    let a = offset_of!(kcr_rec_sighand, action) + 9 * size_of::<kcr_sigaction>();
    put(&mut sh, a, &0x401100u64.to_le_bytes());
    put(&mut sh, a + 8, &0x0400_0004u64.to_le_bytes());
    img.extend(sh);
    let mut sp = record(rec::SIGPENDING, size_of::<kcr_rec_sigpending>(), &[]);
    put(
        &mut sp,
        offset_of!(kcr_rec_sigpending, signo),
        &10i32.to_le_bytes(),
    );
    put(
        &mut sp,
        offset_of!(kcr_rec_sigpending, code),
        &(-1i32).to_le_bytes(),
    );
    put(
        &mut sp,
        offset_of!(kcr_rec_sigpending, siginfo),
        &10i32.to_le_bytes(),
    );
    put(
        &mut sp,
        offset_of!(kcr_rec_sigpending, siginfo) + 8,
        &(-1i32).to_le_bytes(),
    );
    img.extend(sp);
    let mut pi = record(rec::PIPE, size_of::<kcr_rec_pipe>(), b"hello");
    put(
        &mut pi,
        offset_of!(kcr_rec_pipe, objid),
        &5u32.to_le_bytes(),
    );
    put(
        &mut pi,
        offset_of!(kcr_rec_pipe, size),
        &65536u32.to_le_bytes(),
    );
    put(
        &mut pi,
        offset_of!(kcr_rec_pipe, nr_bytes),
        &5u32.to_le_bytes(),
    );
    img.extend(pi);
    let file = |id: u32, kind: u32, path: &[u8]| {
        let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), path);
        put(&mut f, offset_of!(kcr_rec_file, objid), &id.to_le_bytes());
        put(&mut f, offset_of!(kcr_rec_file, kind), &kind.to_le_bytes());
        put(
            &mut f,
            offset_of!(kcr_rec_file, path_len),
            &(path.len() as u32).to_le_bytes(),
        );
        f
    };
    img.extend(file(6, file_kind::DIR, b"/\0"));
    img.extend(file(2, file_kind::REG, b"/bin/counter\0"));
    let mut f = file(7, file_kind::PIPE, b"");
    put(
        &mut f,
        offset_of!(kcr_rec_file, pipe_ref),
        &5u32.to_le_bytes(),
    );
    img.extend(f);
    let mut fs = record(rec::FS, size_of::<kcr_rec_fs>(), &[]);
    put(
        &mut fs,
        offset_of!(kcr_rec_fs, umask),
        &0o22u32.to_le_bytes(),
    );
    put(
        &mut fs,
        offset_of!(kcr_rec_fs, root_ref),
        &6u32.to_le_bytes(),
    );
    put(
        &mut fs,
        offset_of!(kcr_rec_fs, cwd_ref),
        &6u32.to_le_bytes(),
    );
    img.extend(fs);
    let mut ft = record(rec::FDTABLE, size_of::<kcr_rec_fdtable>(), &[]);
    put(
        &mut ft,
        offset_of!(kcr_rec_fdtable, objid),
        &8u32.to_le_bytes(),
    );
    put(
        &mut ft,
        offset_of!(kcr_rec_fdtable, nr_fds),
        &2u32.to_le_bytes(),
    );
    img.extend(ft);
    for (fd, obj, flags) in [(0u32, 7u32, 0u32), (3, 2, KCR_FD_CLOEXEC)] {
        let mut d = record(rec::FD, size_of::<kcr_rec_fd>(), &[]);
        put(&mut d, offset_of!(kcr_rec_fd, fd), &fd.to_le_bytes());
        put(&mut d, offset_of!(kcr_rec_fd, flags), &flags.to_le_bytes());
        put(&mut d, offset_of!(kcr_rec_fd, file_ref), &obj.to_le_bytes());
        img.extend(d);
    }
    let mut m = record(rec::MM, size_of::<kcr_rec_mm>(), &[]);
    put(&mut m, offset_of!(kcr_rec_mm, objid), &3u32.to_le_bytes());
    put(&mut m, offset_of!(kcr_rec_mm, nr_vmas), &2u32.to_le_bytes());
    img.extend(m);
    let vma = |start: u64, end: u64, file: u32, prot: u32| {
        let mut v = record(rec::VMA, size_of::<kcr_rec_vma>(), &[]);
        put(&mut v, offset_of!(kcr_rec_vma, start), &start.to_le_bytes());
        put(&mut v, offset_of!(kcr_rec_vma, end), &end.to_le_bytes());
        put(&mut v, offset_of!(kcr_rec_vma, prot), &prot.to_le_bytes());
        put(
            &mut v,
            offset_of!(kcr_rec_vma, file_ref),
            &file.to_le_bytes(),
        );
        v
    };
    img.extend(vma(0x400000, 0x402000, 2, 5));
    img.extend(vma(0x600000, 0x610000, 0, 3));
    let mut p = record(rec::PAGES, size_of::<kcr_rec_pages>(), &[0xab; 3 * 4096]);
    put(
        &mut p,
        offset_of!(kcr_rec_pages, addr),
        &0x601000u64.to_le_bytes(),
    );
    put(
        &mut p,
        offset_of!(kcr_rec_pages, nr_pages),
        &3u32.to_le_bytes(),
    );
    img.extend(p);
    img.extend(attrs_record(2, &AUXV));
    finish(img, N)
}

/// Appends a correct TAIL to `body` of `records` records.
pub fn finish(mut body: Vec<u8>, records: u32) -> Vec<u8> {
    let mut t = record(rec::TAIL, size_of::<kcr_rec_tail>(), &[]);
    put(
        &mut t,
        offset_of!(kcr_rec_tail, xxh64),
        &xxhash_rust::xxh64::xxh64(&body, 0).to_le_bytes(),
    );
    put(
        &mut t,
        offset_of!(kcr_rec_tail, nr_records),
        &records.to_le_bytes(),
    );
    put(
        &mut t,
        offset_of!(kcr_rec_tail, total_len),
        &(body.len() as u64).to_le_bytes(),
    );
    body.extend(t);
    body
}

/// `img` without its TAIL record.
pub fn body(img: &[u8]) -> Vec<u8> {
    img[..img.len() - size_of::<kcr_rec_tail>()].to_vec()
}

/// A TREE entry.
pub fn entry(pid: i32, ppid: i32, pgid: i32, sid: i32) -> kcr_tree_task {
    kcr_tree_task {
        pid,
        ppid,
        pgid,
        sid,
        flags: 0,
        exit_status: 0,
    }
}

/// A TREE entry of a zombie that exited with wait status `status`.
pub fn zombie(pid: i32, ppid: i32, pgid: i32, sid: i32, status: u32) -> kcr_tree_task {
    kcr_tree_task {
        flags: KCR_TREE_ZOMBIE,
        exit_status: status,
        ..entry(pid, ppid, pgid, sid)
    }
}

/// A TREE entry of the placeholder of a dead session (`sid == pid`) or
/// group leader, created by `ppid`.
pub fn dead_leader(pid: i32, ppid: i32, sid: i32) -> kcr_tree_task {
    kcr_tree_task {
        flags: KCR_TREE_DEAD,
        ..entry(pid, ppid, pid, sid)
    }
}

/// `sample()` turned into a tree image of its one process, with `tt`
/// as the TREE record.
pub fn tree_sample(tt: &[kcr_tree_task]) -> Vec<u8> {
    let img = body(&sample());
    let hlen = size_of::<kcr_rec_header>();
    let mut out = img[..hlen].to_vec();
    put(
        &mut out,
        offset_of!(kcr_rec_header, flags),
        &KCR_CHECKPOINT_TREE.to_le_bytes(),
    );
    let mut extra = Vec::new();
    for e in tt {
        for v in [
            e.pid,
            e.ppid,
            e.pgid,
            e.sid,
            e.flags as i32,
            e.exit_status as i32,
        ] {
            extra.extend_from_slice(&v.to_le_bytes());
        }
    }
    let mut r = record(rec::TREE, size_of::<kcr_rec_tree>(), &extra);
    put(
        &mut r,
        offset_of!(kcr_rec_tree, nr_tasks),
        &(tt.len() as u32).to_le_bytes(),
    );
    out.extend(r);
    out.extend_from_slice(&img[hlen..]);
    finish(out, N + 1)
}

/// The records of thread `tid` of process 42 (object id `objid`), with
/// `sigs` pending signals (signal number, queue).
pub fn thread_records(tid: i32, objid: u32, sigs: &[(i32, u32)]) -> (Vec<u8>, u32) {
    let mut out = record(rec::TASK, size_of::<kcr_rec_task>(), &[]);
    put(
        &mut out,
        offset_of!(kcr_rec_task, objid),
        &objid.to_le_bytes(),
    );
    put(&mut out, offset_of!(kcr_rec_task, pid), &tid.to_le_bytes());
    put(
        &mut out,
        offset_of!(kcr_rec_task, tgid),
        &42i32.to_le_bytes(),
    );
    put(
        &mut out,
        offset_of!(kcr_rec_task, ppid),
        &1i32.to_le_bytes(),
    );
    put(
        &mut out,
        offset_of!(kcr_rec_task, flags),
        &task_flags::THREAD.to_le_bytes(),
    );
    put(&mut out, offset_of!(kcr_rec_task, comm), b"worker\0");
    let mut c = record(rec::CPU, size_of::<kcr_rec_cpu>(), &[]);
    put(
        &mut c,
        offset_of!(kcr_rec_cpu, regs) + offset_of!(kcr_x86_regs, ip),
        &0x401234u64.to_le_bytes(),
    );
    out.extend(c);
    let mut x = record(rec::XSTATE, size_of::<kcr_rec_xstate>(), &[0u8; 576]);
    put(
        &mut x,
        offset_of!(kcr_rec_xstate, size),
        &576u32.to_le_bytes(),
    );
    out.extend(x);
    for &(sig, queue) in sigs {
        let mut p = record(rec::SIGPENDING, size_of::<kcr_rec_sigpending>(), &[]);
        put(
            &mut p,
            offset_of!(kcr_rec_sigpending, queue),
            &queue.to_le_bytes(),
        );
        put(
            &mut p,
            offset_of!(kcr_rec_sigpending, signo),
            &sig.to_le_bytes(),
        );
        put(
            &mut p,
            offset_of!(kcr_rec_sigpending, siginfo),
            &sig.to_le_bytes(),
        );
        out.extend(p);
    }
    (out, 3 + sigs.len() as u32)
}

/// `sample()` as a process of `nr` threads (not self-checkpointed),
/// followed by `sections`.
pub fn threaded(nr: u32, sections: &[(Vec<u8>, u32)]) -> Vec<u8> {
    let mut img = body(&sample());
    let t = rec_off(&img, rec::TASK);
    put(
        &mut img,
        t + offset_of!(kcr_rec_task, flags),
        &0u32.to_le_bytes(),
    );
    put(
        &mut img,
        t + offset_of!(kcr_rec_task, nr_threads),
        &nr.to_le_bytes(),
    );
    let mut n = N;
    for (b, r) in sections {
        img.extend(b);
        n += r;
    }
    finish(img, n)
}

/// `sample()` with a DEBUGREGS record (watch address `addr`, `dr7`) after
/// its XSTATE record.
pub fn with_debugregs(addr: u64, dr7: u64) -> Vec<u8> {
    let img = body(&sample());
    let x = rec_off(&img, rec::XSTATE);
    let end = x + u32::from_le_bytes([img[x + 4], img[x + 5], img[x + 6], img[x + 7]]) as usize;
    let mut d = record(rec::DEBUGREGS, size_of::<kcr_rec_debugregs>(), &[]);
    put(
        &mut d,
        offset_of!(kcr_rec_debugregs, addr),
        &addr.to_le_bytes(),
    );
    put(
        &mut d,
        offset_of!(kcr_rec_debugregs, dr7),
        &dr7.to_le_bytes(),
    );
    let mut b = img[..end].to_vec();
    b.extend(&d);
    b.extend_from_slice(&img[end..]);
    finish(b, N + 1)
}

/// `sample()` with its file mapping (the first VMA) at page offset `pgoff`
/// of its file.
pub fn with_file_pgoff(pgoff: u64) -> Vec<u8> {
    let mut b = body(&sample());
    let vma = rec_off(&b, rec::VMA);
    put(
        &mut b,
        vma + offset_of!(kcr_rec_vma, pgoff),
        &pgoff.to_le_bytes(),
    );
    finish(b, N)
}

/// `sample()` with a shared-memory file (objid 20, `memfd:x`, 8292 bytes)
/// and one page of it (all 7s) at offset `page_addr`.
pub fn with_memfd(page_addr: u64) -> Vec<u8> {
    let b = body(&sample());
    let fs = rec_off(&b, rec::FS);
    let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), b"memfd:x\0");
    put(
        &mut f,
        offset_of!(kcr_rec_file, objid),
        &20u32.to_le_bytes(),
    );
    put(
        &mut f,
        offset_of!(kcr_rec_file, kind),
        &file_kind::SHMEM.to_le_bytes(),
    );
    put(
        &mut f,
        offset_of!(kcr_rec_file, f_flags),
        &2u32.to_le_bytes(),
    );
    put(
        &mut f,
        offset_of!(kcr_rec_file, size),
        &8292u64.to_le_bytes(),
    );
    put(
        &mut f,
        offset_of!(kcr_rec_file, path_len),
        &8u32.to_le_bytes(),
    );
    let mut p = record(rec::PAGES, size_of::<kcr_rec_pages>(), &[7u8; 4096]);
    put(
        &mut p,
        offset_of!(kcr_rec_pages, addr),
        &page_addr.to_le_bytes(),
    );
    put(
        &mut p,
        offset_of!(kcr_rec_pages, nr_pages),
        &1u32.to_le_bytes(),
    );
    let mut c = b[..fs].to_vec();
    c.extend_from_slice(&f);
    c.extend_from_slice(&p);
    c.extend_from_slice(&b[fs..]);
    finish(c, N + 2)
}

/// A SEALS record: the seals `seals` (`F_SEAL_*`, [`seal_flags`]) of
/// file object `file_ref`.
pub fn seals_record(file_ref: u32, seals: u32) -> Vec<u8> {
    let mut r = record(rec::SEALS, size_of::<kcr_rec_seals>(), &[]);
    put(
        &mut r,
        offset_of!(kcr_rec_seals, file_ref),
        &file_ref.to_le_bytes(),
    );
    put(
        &mut r,
        offset_of!(kcr_rec_seals, seals),
        &seals.to_le_bytes(),
    );
    r
}

/// [`with_memfd`]`(0)` (its memfd: object 20) with a SEALS record of
/// `seals` right after the memfd's contents, as checkpoint writes it.
pub fn with_seals(seals: u32) -> Vec<u8> {
    let mut b = body(&with_memfd(0));
    let o = rec_off(&b, rec::FS);
    b.splice(o..o, seals_record(20, seals));
    finish(b, N + 3)
}

/// A ghost file's path in the samples (where it was before it was
/// deleted).
pub const GHOST_PATH: &str = "/tmp/data.log";

/// A FILE record of a ghost file (a regular file deleted while open):
/// object id `objid`, [`GHOST_PATH`], open `O_RDWR` at position 100,
/// inode 77, `mode` and `size`.
pub fn ghost_record(objid: u32, mode: u32, size: u64) -> Vec<u8> {
    let path = format!("{GHOST_PATH}\0");
    let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), path.as_bytes());
    put(
        &mut f,
        offset_of!(kcr_rec_file, objid),
        &objid.to_le_bytes(),
    );
    put(
        &mut f,
        offset_of!(kcr_rec_file, kind),
        &file_kind::GHOST.to_le_bytes(),
    );
    put(
        &mut f,
        offset_of!(kcr_rec_file, f_flags),
        &2u32.to_le_bytes(),
    );
    put(&mut f, offset_of!(kcr_rec_file, ino), &77u64.to_le_bytes());
    put(&mut f, offset_of!(kcr_rec_file, size), &size.to_le_bytes());
    put(&mut f, offset_of!(kcr_rec_file, mode), &mode.to_le_bytes());
    put(&mut f, offset_of!(kcr_rec_file, pos), &100i64.to_le_bytes());
    put(
        &mut f,
        offset_of!(kcr_rec_file, path_len),
        &(path.len() as u32).to_le_bytes(),
    );
    f
}

/// `sample()` with a ghost file (objid 20, [`GHOST_PATH`], `mode`, `size`
/// bytes) and one page of it (all 9s) at offset `page_addr`.
pub fn with_ghost_file(mode: u32, size: u64, page_addr: u64) -> Vec<u8> {
    let b = body(&sample());
    let fs = rec_off(&b, rec::FS);
    let mut p = record(rec::PAGES, size_of::<kcr_rec_pages>(), &[9u8; 4096]);
    put(
        &mut p,
        offset_of!(kcr_rec_pages, addr),
        &page_addr.to_le_bytes(),
    );
    put(
        &mut p,
        offset_of!(kcr_rec_pages, nr_pages),
        &1u32.to_le_bytes(),
    );
    let mut c = b[..fs].to_vec();
    c.extend_from_slice(&ghost_record(20, mode, size));
    c.extend_from_slice(&p);
    c.extend_from_slice(&b[fs..]);
    finish(c, N + 2)
}

/// `sample()` with a ghost file of mode 0644 and 8292 bytes (objid 20,
/// [`GHOST_PATH`]) and one page of it (all 9s) at offset `page_addr`.
pub fn with_ghost(page_addr: u64) -> Vec<u8> {
    with_ghost_file(0o100_644, 8292, page_addr)
}

/// [`with_ghost`]`(0)` whose first mapping (two pages at 0x400000, the
/// program's in `sample()`) maps the ghost file, `MAP_SHARED`.
pub fn with_mapped_ghost() -> Vec<u8> {
    let mut b = body(&with_ghost(0));
    let vma = rec_off(&b, rec::VMA);
    put(
        &mut b,
        vma + offset_of!(kcr_rec_vma, file_ref),
        &20u32.to_le_bytes(),
    );
    put(
        &mut b,
        vma + offset_of!(kcr_rec_vma, prot),
        &3u32.to_le_bytes(),
    );
    put(
        &mut b,
        vma + offset_of!(kcr_rec_vma, flags),
        &vma_flags::SHARED.to_le_bytes(),
    );
    finish(b, N + 2)
}

/// `sample()` with `auxv` (`u64` words) as its auxiliary vector (in a
/// new ATTRS record, which is the last record of `sample()`'s body).
pub fn with_auxv(auxv: &[u64]) -> Vec<u8> {
    let b = body(&sample());
    let a = rec_off(&b, rec::ATTRS);
    let mut c = b[..a].to_vec();
    c.extend(attrs_record(2, auxv));
    finish(c, N)
}

/// Valid images of every shape the tests build (one process, a tree,
/// a process with threads), as seeds for the `image_parse` fuzz target.
pub fn seed_images() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("process", sample()),
        ("tree", tree_sample(&[entry(42, 1, 42, 42)])),
        (
            "zombie",
            tree_sample(&[entry(42, 1, 42, 42), zombie(50, 42, 42, 42, 42 << 8)]),
        ),
        (
            "dead-leader",
            tree_sample(&[entry(42, 1, 42, 42), dead_leader(50, 42, 50)]),
        ),
        (
            "eventfd",
            with_files(&eventfd_records(5, KCR_EFD_SEMAPHORE), 2),
        ),
        (
            "signalfd",
            with_files(&signalfd_records(1 << 9 | 1 << 16), 2),
        ),
        (
            "timerfd",
            with_files(&timerfd_records(1, 0, 3_000_000_000, 500_000_000, 2), 2),
        ),
        ("epoll", with_epoll()),
        ("inotify", with_inotify()),
        ("cow", cow_tree_sample(&[(0x600000, 1), (0x604000, 2)])),
        (
            "proc",
            with_files(&proc_file(30, "/proc/self/maps", 0o100_444, 0), 1),
        ),
        (
            "itimers",
            with_itimers([(3_000_000_000, 0), (0, 0), (1_000_000, 1_000_000)]),
        ),
        ("ptimers", with_ptimers(6, &sample_ptimers())),
        ("locks", with_locks(&sample_locks())),
        ("fown", with_fowns(&sample_fowns())),
        ("tty", with_tty()),
        ("unix", with_unix()),
        ("unix-listen", with_unix_listen(false)),
        ("unix-listen-client-first", with_unix_listen(true)),
        ("unix-fds", with_unix_fds()),
        ("unix-external", with_unix_external()),
        ("inet", with_inet()),
        ("tcp-conn", with_tcp_conn()),
        ("tcp-backlog", with_tcp_backlog()),
        (
            "seals",
            with_seals(
                seal_flags::SEAL | seal_flags::SHRINK | seal_flags::GROW | seal_flags::WRITE,
            ),
        ),
        ("ghost-cwd", with_ghost_cwd(0o40_755, 0)),
        (
            "threads",
            threaded(
                3,
                &[
                    thread_records(43, 50, &[(10, 0)]),
                    thread_records(44, 51, &[]),
                ],
            ),
        ),
    ]
}

/// `sample()` with its root and cwd (object 6, "/") a deleted directory
/// (`KCR_FILE_GHOST_DIR`) of mode `mode` and size `size`.
pub fn with_ghost_cwd(mode: u32, size: u64) -> Vec<u8> {
    let mut b = body(&sample());
    let o = rec_off(&b, rec::FILE);
    put(
        &mut b,
        o + offset_of!(kcr_rec_file, kind),
        &file_kind::GHOST_DIR.to_le_bytes(),
    );
    put(
        &mut b,
        o + offset_of!(kcr_rec_file, mode),
        &mode.to_le_bytes(),
    );
    put(
        &mut b,
        o + offset_of!(kcr_rec_file, size),
        &size.to_le_bytes(),
    );
    finish(b, N)
}

/// A FILE record of kind `kind` with no path (object `objid`, open()
/// flags `f_flags`).
pub fn pathless_file(objid: u32, kind: u32, f_flags: u32) -> Vec<u8> {
    let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), &[]);
    put(
        &mut f,
        offset_of!(kcr_rec_file, objid),
        &objid.to_le_bytes(),
    );
    put(&mut f, offset_of!(kcr_rec_file, kind), &kind.to_le_bytes());
    put(
        &mut f,
        offset_of!(kcr_rec_file, f_flags),
        &f_flags.to_le_bytes(),
    );
    f
}

/// A FILE record of /proc (`KCR_FILE_PROC`, object `objid`) at `path`,
/// of mode `mode`, opened with `f_flags`.
pub fn proc_file(objid: u32, path: &str, mode: u32, f_flags: u32) -> Vec<u8> {
    let mut p = path.as_bytes().to_vec();
    p.push(0);
    let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), &p);
    for (off, v) in [
        (offset_of!(kcr_rec_file, objid), objid),
        (offset_of!(kcr_rec_file, kind), file_kind::PROC),
        (offset_of!(kcr_rec_file, f_flags), f_flags),
        (offset_of!(kcr_rec_file, mode), mode),
        (offset_of!(kcr_rec_file, path_len), p.len() as u32),
    ] {
        put(&mut f, off, &v.to_le_bytes());
    }
    f
}

/// The records of `b` (a body without HEADER handling): offset, type and
/// length of each.
pub fn records_of(b: &[u8]) -> Vec<(usize, u32, usize)> {
    let mut v = Vec::new();
    let mut off = 0;
    while off + 8 <= b.len() {
        let word = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let (t, len) = (word(off), word(off + 4) as usize);
        v.push((off, t, len));
        off += len.max(8);
    }
    v
}

/// Adds `by` to every object id a record of `b` defines or refers to.
fn offset_ids(b: &mut [u8], by: u32) {
    let word = |b: &[u8], o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    for (off, t, _) in records_of(b) {
        // A buffer's files in flight, after its structure.
        let fds: Vec<usize> = if t == rec::UNIX_SKB {
            let nr = word(b, off + offset_of!(kcr_rec_unix_skb, nr_fds)) as usize;
            (0..nr)
                .map(|i| size_of::<kcr_rec_unix_skb>() + 4 * i)
                .collect()
        } else {
            Vec::new()
        };
        let fields: &[usize] = match t {
            rec::TASK => &[offset_of!(kcr_rec_task, objid)],
            rec::SIGHAND => &[offset_of!(kcr_rec_sighand, objid)],
            rec::PIPE => &[offset_of!(kcr_rec_pipe, objid)],
            rec::FILE => &[
                offset_of!(kcr_rec_file, objid),
                offset_of!(kcr_rec_file, pipe_ref),
            ],
            rec::FS => &[
                offset_of!(kcr_rec_fs, root_ref),
                offset_of!(kcr_rec_fs, cwd_ref),
            ],
            rec::FDTABLE => &[offset_of!(kcr_rec_fdtable, objid)],
            rec::FD => &[offset_of!(kcr_rec_fd, file_ref)],
            rec::MM => &[offset_of!(kcr_rec_mm, objid)],
            rec::VMA => &[offset_of!(kcr_rec_vma, file_ref)],
            rec::ATTRS => &[offset_of!(kcr_rec_attrs, exe_ref)],
            rec::LOCK => &[offset_of!(kcr_rec_lock, file_ref)],
            rec::FOWN => &[offset_of!(kcr_rec_fown, file_ref)],
            rec::SEALS => &[offset_of!(kcr_rec_seals, file_ref)],
            rec::CTTY => &[offset_of!(kcr_rec_ctty, file_ref)],
            rec::UNIX_QUEUE => &[
                offset_of!(kcr_rec_unix_queue, file_ref),
                offset_of!(kcr_rec_unix_queue, peer_ref),
            ],
            rec::UNIX_EMBRYO => &[offset_of!(kcr_rec_unix_embryo, peer_ref)],
            rec::UNIX_SKB => &[offset_of!(kcr_rec_unix_skb, sender_ref)],
            _ => &[],
        };
        for &f in fields.iter().chain(&fds) {
            let o = off + f;
            let v = word(b, o);
            if v != 0 {
                put(b, o, &(v + by).to_le_bytes());
            }
        }
    }
}

/// A tree of process 42 and its child 43, whose address space is a copy
/// of 42's (`KCR_REC_MM_FORK`): the child's anonymous mapping at 0x600000
/// is a `KCR_VMA_COW` one, with `cow` runs of pages still the parent's
/// (address, number) around its own 3 pages at 0x601000. The child's
/// section is the parent's with its own object ids.
pub fn cow_tree_sample(cow: &[(u64, u32)]) -> Vec<u8> {
    let parent = tree_sample(&[entry(42, 1, 42, 42), entry(43, 42, 42, 42)]);
    let mut b = body(&parent);
    let mut child = b[rec_off(&b, rec::TASK)..].to_vec();
    offset_ids(&mut child, 100);
    for (f, v) in [
        (offset_of!(kcr_rec_task, pid), 43i32),
        (offset_of!(kcr_rec_task, tgid), 43),
        (offset_of!(kcr_rec_task, ppid), 42),
    ] {
        put(&mut child, f, &v.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut n = 0u32;
    for (off, t, len) in records_of(&child) {
        let mut r = child[off..off + len].to_vec();
        if t == rec::VMA && r[offset_of!(kcr_rec_vma, file_ref)] == 0 {
            put(
                &mut r,
                offset_of!(kcr_rec_vma, flags),
                &vma_flags::COW.to_le_bytes(),
            );
        }
        let is_pages = t == rec::PAGES;
        if is_pages {
            for &(addr, nr) in cow.iter().filter(|c| c.0 < 0x601000) {
                out.extend(cow_pages_record(addr, nr));
                n += 1;
            }
        }
        out.extend(r);
        n += 1;
        if t == rec::MM {
            let mut f = record(rec::MM_FORK, size_of::<kcr_rec_mm_fork>(), &[]);
            put(
                &mut f,
                offset_of!(kcr_rec_mm_fork, ppid),
                &42i32.to_le_bytes(),
            );
            out.extend(f);
            n += 1;
        }
        if is_pages {
            for &(addr, nr) in cow.iter().filter(|c| c.0 >= 0x601000) {
                out.extend(cow_pages_record(addr, nr));
                n += 1;
            }
        }
    }
    b.extend(out);
    finish(b, N + 1 + n)
}

/// A COW_PAGES record of `nr` pages at `addr`.
pub fn cow_pages_record(addr: u64, nr: u32) -> Vec<u8> {
    let mut r = record(rec::COW_PAGES, size_of::<kcr_rec_pages>(), &[]);
    put(&mut r, offset_of!(kcr_rec_pages, addr), &addr.to_le_bytes());
    put(
        &mut r,
        offset_of!(kcr_rec_pages, nr_pages),
        &nr.to_le_bytes(),
    );
    r
}

/// `sample()` with `extra` (records, `n` of them) inserted before its FS
/// record, where a process's file objects end.
pub fn with_files(extra: &[u8], n: u32) -> Vec<u8> {
    let mut b = body(&sample());
    let o = rec_off(&b, rec::FS);
    b.splice(o..o, extra.iter().copied());
    finish(b, N + n)
}

/// An eventfd FILE (object 30, read-write, non-blocking) and its EVENTFD
/// record with `count` and `flags`.
pub fn eventfd_records(count: u64, flags: u32) -> Vec<u8> {
    let mut v = pathless_file(30, file_kind::EVENTFD, 0o4002);
    let mut e = record(rec::EVENTFD, size_of::<kcr_rec_eventfd>(), &[]);
    put(
        &mut e,
        offset_of!(kcr_rec_eventfd, count),
        &count.to_le_bytes(),
    );
    put(
        &mut e,
        offset_of!(kcr_rec_eventfd, flags),
        &flags.to_le_bytes(),
    );
    v.extend(e);
    v
}

/// A signalfd FILE (object 31, read-write) and its SIGNALFD record with
/// `mask`.
pub fn signalfd_records(mask: u64) -> Vec<u8> {
    let mut v = pathless_file(31, file_kind::SIGNALFD, 0o2);
    let mut r = record(rec::SIGNALFD, size_of::<kcr_rec_signalfd>(), &[]);
    put(
        &mut r,
        offset_of!(kcr_rec_signalfd, mask),
        &mask.to_le_bytes(),
    );
    v.extend(r);
    v
}

/// A timerfd FILE (object 32, read-write) and its TIMERFD record.
pub fn timerfd_records(
    clockid: u32,
    flags: u32,
    value_ns: i64,
    interval_ns: i64,
    ticks: u64,
) -> Vec<u8> {
    let mut v = pathless_file(32, file_kind::TIMERFD, 0o2);
    let mut r = record(rec::TIMERFD, size_of::<kcr_rec_timerfd>(), &[]);
    put(
        &mut r,
        offset_of!(kcr_rec_timerfd, clockid),
        &clockid.to_le_bytes(),
    );
    put(
        &mut r,
        offset_of!(kcr_rec_timerfd, flags),
        &flags.to_le_bytes(),
    );
    put(
        &mut r,
        offset_of!(kcr_rec_timerfd, value_ns),
        &value_ns.to_le_bytes(),
    );
    put(
        &mut r,
        offset_of!(kcr_rec_timerfd, interval_ns),
        &interval_ns.to_le_bytes(),
    );
    put(
        &mut r,
        offset_of!(kcr_rec_timerfd, ticks),
        &ticks.to_le_bytes(),
    );
    v.extend(r);
    v
}

/// An epoll FILE (object 33, read-write) and its EPOLL record with
/// `items` (file_ref, fd, events, flags, data).
pub fn epoll_records(items: &[(u32, i32, u32, u32, u64)]) -> Vec<u8> {
    let mut v = pathless_file(33, file_kind::EPOLL, 0o2);
    let mut tail = Vec::new();
    for &(file_ref, fd, events, flags, data) in items {
        tail.extend_from_slice(&file_ref.to_le_bytes());
        tail.extend_from_slice(&fd.to_le_bytes());
        tail.extend_from_slice(&events.to_le_bytes());
        tail.extend_from_slice(&flags.to_le_bytes());
        tail.extend_from_slice(&data.to_le_bytes());
    }
    let mut r = record(rec::EPOLL, size_of::<kcr_rec_epoll>(), &tail);
    put(
        &mut r,
        offset_of!(kcr_rec_epoll, nr_items),
        &(items.len() as u32).to_le_bytes(),
    );
    v.extend(r);
    v
}

/// `sample()` with an eventfd (object 30) and an epoll (object 33)
/// watching it (edge-triggered, ready) and the sample's pipe end (object
/// 7, level-triggered).
pub fn with_epoll() -> Vec<u8> {
    let mut v = eventfd_records(1, 0);
    v.extend(epoll_records(&[
        (30, 4, 0x8000_0019, KCR_EPOLL_READY, 7),
        (7, 3, 0x19, 0, 0x99),
    ]));
    with_files(&v, 4)
}

/// `sample()` with an ITIMERS record (ns left, interval of ITIMER_REAL,
/// VIRTUAL, PROF) right after its ATTRS.
pub fn with_itimers(it: [(i64, i64); 3]) -> Vec<u8> {
    let mut b = body(&sample());
    let o = rec_off(&b, rec::ATTRS);
    let len = u32::from_le_bytes([b[o + 4], b[o + 5], b[o + 6], b[o + 7]]) as usize;
    let mut r = record(rec::ITIMERS, size_of::<kcr_rec_itimers>(), &[]);
    for (i, (left, every)) in it.iter().enumerate() {
        let off = offset_of!(kcr_rec_itimers, it) + i * size_of::<kcr_itimer>();
        put(&mut r, off, &left.to_le_bytes());
        put(&mut r, off + 8, &every.to_le_bytes());
    }
    b.splice(o + len..o + len, r);
    finish(b, N + 1)
}

/// A PTIMER record's fields: timer `id` on clock `clock` (`CLOCK_*`),
/// notifying as `notify` (`SIGEV_*`) with signal `signo`; disarmed, no
/// thread, no flags, every other field 0.
pub fn ptimer(id: i32, clock: i32, notify: i32, signo: i32) -> kcr_rec_ptimer {
    let mut p = kcr_rec_ptimer::new_zeroed();
    p.h = kcr_hdr {
        type_: rec::PTIMER,
        len: size_of::<kcr_rec_ptimer>() as u32,
    };
    kcr_rec_ptimer {
        id,
        clock,
        notify,
        signo,
        ..p
    }
}

/// The PTIMER record of `p` (its header as [`record`] makes it).
pub fn ptimer_record(p: &kcr_rec_ptimer) -> Vec<u8> {
    let mut r = record(rec::PTIMER, size_of::<kcr_rec_ptimer>(), &[]);
    for (off, v) in [
        (offset_of!(kcr_rec_ptimer, id), p.id),
        (offset_of!(kcr_rec_ptimer, clock), p.clock),
        (offset_of!(kcr_rec_ptimer, notify), p.notify),
        (offset_of!(kcr_rec_ptimer, signo), p.signo),
        (offset_of!(kcr_rec_ptimer, tid), p.tid),
        (offset_of!(kcr_rec_ptimer, sig_overrun), p.sig_overrun),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    for (off, v) in [
        (offset_of!(kcr_rec_ptimer, flags), p.flags),
        (offset_of!(kcr_rec_ptimer, __pad), p.__pad),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    for (off, v) in [
        (offset_of!(kcr_rec_ptimer, value_ns), p.value_ns),
        (offset_of!(kcr_rec_ptimer, interval_ns), p.interval_ns),
        (offset_of!(kcr_rec_ptimer, overrun), p.overrun),
        (offset_of!(kcr_rec_ptimer, overrun_last), p.overrun_last),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    put(
        &mut r,
        offset_of!(kcr_rec_ptimer, sigval),
        &p.sigval.to_le_bytes(),
    );
    r
}

/// A PTIMERS record (`nr` = the number of `timers`, `next_id`) and the
/// PTIMER record of each of `timers`.
pub fn ptimers_records(next_id: i32, timers: &[kcr_rec_ptimer]) -> Vec<u8> {
    let mut v = record(rec::PTIMERS, size_of::<kcr_rec_ptimers>(), &[]);
    put(
        &mut v,
        offset_of!(kcr_rec_ptimers, nr),
        &(timers.len() as u32).to_le_bytes(),
    );
    put(
        &mut v,
        offset_of!(kcr_rec_ptimers, next_id),
        &next_id.to_le_bytes(),
    );
    for p in timers {
        v.extend(ptimer_record(p));
    }
    v
}

/// `sample()` with a PTIMERS record (`next_id`) and the PTIMER records of
/// `timers` right after its ATTRS.
pub fn with_ptimers(next_id: i32, timers: &[kcr_rec_ptimer]) -> Vec<u8> {
    let mut b = body(&sample());
    let o = rec_off(&b, rec::ATTRS);
    let len = u32::from_le_bytes([b[o + 4], b[o + 5], b[o + 6], b[o + 7]]) as usize;
    b.splice(o + len..o + len, ptimers_records(next_id, timers));
    finish(b, N + 1 + timers.len() as u32)
}

/// Timers of every kind restart(2) takes, for [`with_ptimers`]: 0, an
/// absolute `CLOCK_REALTIME` one with `SIGALRM`; 1, a `CLOCK_MONOTONIC`
/// interval timer whose `SIGUSR1` is queued; 3, a `CLOCK_BOOTTIME` one
/// with `SIGEV_NONE` (5 s left, never `KCR_PTIMER_ACTIVE`); 4, a disarmed `SIGEV_THREAD` one; 5, a `CLOCK_TAI`
/// interval timer signalling thread 42 (`SIGEV_THREAD_ID`, signal 34).
pub fn sample_ptimers() -> Vec<kcr_rec_ptimer> {
    vec![
        kcr_rec_ptimer {
            flags: ptimer_flags::ABS | ptimer_flags::ACTIVE,
            value_ns: 1_900_000_000_000_000_000,
            overrun: -1,
            ..ptimer(0, 0, 0, 14)
        },
        kcr_rec_ptimer {
            flags: ptimer_flags::PENDING,
            sig_overrun: 2,
            value_ns: 500_000_000,
            interval_ns: 500_000_000,
            overrun: 3,
            overrun_last: 1,
            ..ptimer(1, 1, 0, 10)
        },
        kcr_rec_ptimer {
            value_ns: 5_000_000_000,
            ..ptimer(3, 7, 1, 0)
        },
        kcr_rec_ptimer {
            sigval: 0x7f00_0000_1000,
            ..ptimer(4, 0, 2, 10)
        },
        kcr_rec_ptimer {
            flags: ptimer_flags::ACTIVE,
            tid: 42,
            sigval: 0xdead,
            value_ns: 1_000_000,
            interval_ns: 1_000_000,
            overrun: -1,
            ..ptimer(5, 11, 4, 34)
        },
    ]
}

/// `F_RDLCK`: the type of a read (shared) lock.
pub const F_RDLCK: u32 = 0;
/// `F_WRLCK`: the type of a write (exclusive) lock.
pub const F_WRLCK: u32 = 1;

/// A LOCK record's fields: a lock of kind `kind` (`KCR_LOCK_*`) and type
/// `type_` ([`F_RDLCK`], [`F_WRLCK`]) on file object `file_ref`, bytes
/// `start ..= end`; no padding.
pub fn lock(file_ref: u32, kind: u32, type_: u32, start: i64, end: i64) -> kcr_rec_lock {
    let mut l = kcr_rec_lock::new_zeroed();
    l.h = kcr_hdr {
        type_: rec::LOCK,
        len: size_of::<kcr_rec_lock>() as u32,
    };
    kcr_rec_lock {
        file_ref,
        kind,
        type_,
        start,
        end,
        ..l
    }
}

/// The LOCK record of `l` (its header as [`record`] makes it).
pub fn lock_record(l: &kcr_rec_lock) -> Vec<u8> {
    let mut r = record(rec::LOCK, size_of::<kcr_rec_lock>(), &[]);
    for (off, v) in [
        (offset_of!(kcr_rec_lock, file_ref), l.file_ref),
        (offset_of!(kcr_rec_lock, kind), l.kind),
        (offset_of!(kcr_rec_lock, type_), l.type_),
        (offset_of!(kcr_rec_lock, __pad), l.__pad),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    for (off, v) in [
        (offset_of!(kcr_rec_lock, start), l.start),
        (offset_of!(kcr_rec_lock, end), l.end),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    r
}

/// The LOCK records of `locks`, in order.
pub fn locks_records(locks: &[kcr_rec_lock]) -> Vec<u8> {
    locks.iter().flat_map(lock_record).collect()
}

/// `sample()` with the LOCK records of `locks` right after its fd table
/// (its last FD record), before its MM.
pub fn with_locks(locks: &[kcr_rec_lock]) -> Vec<u8> {
    let mut b = body(&sample());
    let o = rec_off(&b, rec::MM);
    b.splice(o..o, locks_records(locks));
    finish(b, N + locks.len() as u32)
}

/// Locks of every kind restart(2) takes, for [`with_locks`], all on the
/// sample's program (object 2, fd 3, open read-only): a POSIX read lock
/// of bytes 0 ..= 4095, an OFD read lock from byte 8192 to the end of the
/// file (`OFFSET_MAX`) and a `flock()` read (shared) lock.
pub fn sample_locks() -> Vec<kcr_rec_lock> {
    vec![
        lock(2, lock_kind::POSIX, F_RDLCK, 0, 4095),
        lock(2, lock_kind::OFD, F_RDLCK, 8192, i64::MAX),
        lock(2, lock_kind::FLOCK, F_RDLCK, 0, i64::MAX),
    ]
}

/// `F_OWNER_TID`: a FOWN record's owner is a thread.
pub const F_OWNER_TID: u32 = 0;
/// `F_OWNER_PID`: a FOWN record's owner is a process.
pub const F_OWNER_PID: u32 = 1;
/// `F_OWNER_PGRP`: a FOWN record's owner is a process group.
pub const F_OWNER_PGRP: u32 = 2;

/// A FOWN record's fields: on file object `file_ref`, flags `flags`
/// ([`KCR_FOWN_ASYNC`]), owner `pid` of type `type_` ([`F_OWNER_TID`],
/// [`F_OWNER_PID`], [`F_OWNER_PGRP`]) and signal `signum`; no padding.
pub fn fown(file_ref: u32, flags: u32, pid: i32, type_: u32, signum: i32) -> kcr_rec_fown {
    let mut f = kcr_rec_fown::new_zeroed();
    f.h = kcr_hdr {
        type_: rec::FOWN,
        len: size_of::<kcr_rec_fown>() as u32,
    };
    kcr_rec_fown {
        file_ref,
        flags,
        pid,
        type_,
        signum,
        ..f
    }
}

/// The FOWN record of `f` (its header as [`record`] makes it).
pub fn fown_record(f: &kcr_rec_fown) -> Vec<u8> {
    let mut r = record(rec::FOWN, size_of::<kcr_rec_fown>(), &[]);
    for (off, v) in [
        (offset_of!(kcr_rec_fown, file_ref), f.file_ref),
        (offset_of!(kcr_rec_fown, flags), f.flags),
        (offset_of!(kcr_rec_fown, pid), f.pid as u32),
        (offset_of!(kcr_rec_fown, type_), f.type_),
        (offset_of!(kcr_rec_fown, signum), f.signum as u32),
        (offset_of!(kcr_rec_fown, __pad), f.__pad),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    r
}

/// The FOWN records of `fowns`, in order.
pub fn fowns_records(fowns: &[kcr_rec_fown]) -> Vec<u8> {
    fowns.iter().flat_map(fown_record).collect()
}

/// `sample()` with the FOWN records of `fowns` after its fd table (and
/// its LOCK records, of which it has none), before its MM.
pub fn with_fowns(fowns: &[kcr_rec_fown]) -> Vec<u8> {
    let mut b = body(&sample());
    let o = rec_off(&b, rec::MM);
    b.splice(o..o, fowns_records(fowns));
    finish(b, N + fowns.len() as u32)
}

/// The owners of both of the sample's open files (as many FOWN records
/// as it has descriptors), for [`with_fowns`]: O_ASYNC on the pipe
/// (object 7, fd 0), its `SIGIO` (signal 0) for process 42; the program
/// (object 2, fd 3) without O_ASYNC, owned by process group 42, with
/// signal `SIGUSR1` (10).
pub fn sample_fowns() -> Vec<kcr_rec_fown> {
    vec![
        fown(7, KCR_FOWN_ASYNC, 42, F_OWNER_PID, 0),
        fown(2, 0, 42, F_OWNER_PGRP, 10),
    ]
}

/// An INOTIFY_WATCH record: watch descriptor `wd`, `mask`, inode `ino`
/// and `path` (without its NUL, which the record adds: `path_len` is its
/// length + 1), zero-padded; no padding in the structure.
pub fn inotify_watch_record(wd: i32, mask: u32, ino: u64, path: &[u8]) -> Vec<u8> {
    let mut p = path.to_vec();
    p.push(0);
    let mut r = record(rec::INOTIFY_WATCH, size_of::<kcr_rec_inotify_watch>(), &p);
    put(
        &mut r,
        offset_of!(kcr_rec_inotify_watch, wd),
        &wd.to_le_bytes(),
    );
    for (off, v) in [
        (offset_of!(kcr_rec_inotify_watch, mask), mask),
        (offset_of!(kcr_rec_inotify_watch, path_len), p.len() as u32),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    put(
        &mut r,
        offset_of!(kcr_rec_inotify_watch, ino),
        &ino.to_le_bytes(),
    );
    r
}

/// An INOTIFY_EVENT record: watch descriptor `wd`, `mask`, `cookie` and
/// `name` (`name_len` is its length, no NUL), zero-padded.
pub fn inotify_event_record(wd: i32, mask: u32, cookie: u32, name: &[u8]) -> Vec<u8> {
    let mut r = record(rec::INOTIFY_EVENT, size_of::<kcr_rec_inotify_event>(), name);
    put(
        &mut r,
        offset_of!(kcr_rec_inotify_event, wd),
        &wd.to_le_bytes(),
    );
    for (off, v) in [
        (offset_of!(kcr_rec_inotify_event, mask), mask),
        (offset_of!(kcr_rec_inotify_event, cookie), cookie),
        (
            offset_of!(kcr_rec_inotify_event, name_len),
            name.len() as u32,
        ),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    r
}

/// An inotify FILE (object 34, read-only, non-blocking) and its INOTIFY
/// record (`cursor`; `nr_watches` and `nr_events` the numbers of
/// `watches` and `events`), then `watches` and `events` (INOTIFY_WATCH and
/// INOTIFY_EVENT records, as [`inotify_watch_record`] and
/// [`inotify_event_record`] make them): `2 + watches.len() +
/// events.len()` records.
pub fn inotify_records(cursor: i32, watches: &[Vec<u8>], events: &[Vec<u8>]) -> Vec<u8> {
    let mut v = pathless_file(34, file_kind::INOTIFY, 0o4000);
    let mut r = record(rec::INOTIFY, size_of::<kcr_rec_inotify>(), &[]);
    for (off, n) in [
        (offset_of!(kcr_rec_inotify, nr_watches), watches.len()),
        (offset_of!(kcr_rec_inotify, nr_events), events.len()),
    ] {
        put(&mut r, off, &(n as u32).to_le_bytes());
    }
    put(
        &mut r,
        offset_of!(kcr_rec_inotify, cursor),
        &cursor.to_le_bytes(),
    );
    v.extend(r);
    v.extend(watches.concat());
    v.extend(events.concat());
    v
}

/// The watches of [`with_inotify`]: descriptor 1 on `/tmp` (inode 2) for
/// names created, deleted and moved in it; descriptor 3 on `/etc/hosts`
/// (inode 1234) for one write or close after writing, without events of
/// unlinked children (`IN_EXCL_UNLINK`, `IN_ONESHOT`).
pub fn sample_inotify_watches() -> Vec<Vec<u8>> {
    use inotify_mask::*;
    vec![
        inotify_watch_record(1, MOVED_FROM | MOVED_TO | CREATE | DELETE, 2, b"/tmp"),
        inotify_watch_record(
            3,
            MODIFY | CLOSE_WRITE | EXCL_UNLINK | ONESHOT,
            1234,
            b"/etc/hosts",
        ),
    ]
}

/// The queued events of [`with_inotify`], oldest first: in `/tmp`
/// (descriptor 1), `a.txt` created, then renamed to `notes-2026.txt`
/// (cookie 7), a directory `dir12345` created (a name of 8 bytes, no
/// padding); watch 2 (removed since) `IN_IGNORED`; a queue overflow.
pub fn sample_inotify_events() -> Vec<Vec<u8>> {
    use inotify_mask::*;
    vec![
        inotify_event_record(1, CREATE, 0, b"a.txt"),
        inotify_event_record(1, MOVED_FROM, 7, b"a.txt"),
        inotify_event_record(1, MOVED_TO, 7, b"notes-2026.txt"),
        inotify_event_record(1, CREATE | ISDIR, 0, b"dir12345"),
        inotify_event_record(2, IGNORED, 0, b""),
        inotify_event_record(-1, Q_OVERFLOW, 0, b""),
    ]
}

/// `sample()` with an inotify (object 34, [`inotify_records`]) of cursor 4
/// with [`sample_inotify_watches`] and [`sample_inotify_events`] among
/// its file objects: 10 more records.
pub fn with_inotify() -> Vec<u8> {
    let (w, e) = (sample_inotify_watches(), sample_inotify_events());
    let n = 2 + w.len() + e.len();
    with_files(&inotify_records(4, &w, &e), n as u32)
}

/// An FD record: descriptor `fd` of file object `file_ref`, with `flags`
/// ([`KCR_FD_CLOEXEC`]).
pub fn fd_record(fd: u32, file_ref: u32, flags: u32) -> Vec<u8> {
    let mut d = record(rec::FD, size_of::<kcr_rec_fd>(), &[]);
    for (off, v) in [
        (offset_of!(kcr_rec_fd, fd), fd),
        (offset_of!(kcr_rec_fd, flags), flags),
        (offset_of!(kcr_rec_fd, file_ref), file_ref),
    ] {
        put(&mut d, off, &v.to_le_bytes());
    }
    d
}

/// A FILE record of a character device (`KCR_FILE_CHR`): object `objid`
/// at `path`, device `rdev` ([`tty::rdev`]), open read-write (`O_RDWR`),
/// inode 6, mode `S_IFCHR | 0620`.
pub fn chr_file(objid: u32, path: &str, rdev: u32) -> Vec<u8> {
    let mut p = path.as_bytes().to_vec();
    p.push(0);
    let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), &p);
    for (off, v) in [
        (offset_of!(kcr_rec_file, objid), objid),
        (offset_of!(kcr_rec_file, kind), file_kind::CHR),
        (offset_of!(kcr_rec_file, f_flags), 2),
        (offset_of!(kcr_rec_file, mode), 0o20_620),
        (offset_of!(kcr_rec_file, rdev), rdev),
        (offset_of!(kcr_rec_file, path_len), p.len() as u32),
    ] {
        put(&mut f, off, &v.to_le_bytes());
    }
    put(&mut f, offset_of!(kcr_rec_file, ino), &6u64.to_le_bytes());
    f
}

/// The terminal of the samples' pty, as an editor leaves it: raw
/// (`cfmakeraw()` of the kernel's default termios: `IUTF8` in, `ONLCR`
/// out, `B38400 | CS8 | CREAD | HUPCL`, `ECHOE | ECHOK | ECHOCTL |
/// ECHOKE`; the default control characters with `VMIN` 1), 38400 baud,
/// a window of 37 rows and 123 columns, 984 x 666 pixels.
pub fn sample_termios() -> kcr_rec_tty {
    let mut t = kcr_rec_tty::new_zeroed();
    t.h = kcr_hdr {
        type_: rec::TTY,
        len: size_of::<kcr_rec_tty>() as u32,
    };
    kcr_rec_tty {
        c_iflag: 0x4000,
        c_oflag: 0x4,
        c_cflag: 0x4bf,
        c_lflag: 0xa30,
        c_cc: [
            3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0,
        ],
        c_ispeed: 38400,
        c_ospeed: 38400,
        ws_row: 37,
        ws_col: 123,
        ws_xpixel: 984,
        ws_ypixel: 666,
        ..t
    }
}

/// The TTY record of `t` (its header as [`record`] makes it).
pub fn tty_record(t: &kcr_rec_tty) -> Vec<u8> {
    let mut r = record(rec::TTY, size_of::<kcr_rec_tty>(), &[]);
    for (off, v) in [
        (offset_of!(kcr_rec_tty, c_iflag), t.c_iflag),
        (offset_of!(kcr_rec_tty, c_oflag), t.c_oflag),
        (offset_of!(kcr_rec_tty, c_cflag), t.c_cflag),
        (offset_of!(kcr_rec_tty, c_lflag), t.c_lflag),
        (offset_of!(kcr_rec_tty, c_ispeed), t.c_ispeed),
        (offset_of!(kcr_rec_tty, c_ospeed), t.c_ospeed),
        (offset_of!(kcr_rec_tty, pad), t.pad),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    put(&mut r, offset_of!(kcr_rec_tty, c_line), &[t.c_line]);
    put(&mut r, offset_of!(kcr_rec_tty, c_cc), &t.c_cc);
    for (off, v) in [
        (offset_of!(kcr_rec_tty, ws_row), t.ws_row),
        (offset_of!(kcr_rec_tty, ws_col), t.ws_col),
        (offset_of!(kcr_rec_tty, ws_xpixel), t.ws_xpixel),
        (offset_of!(kcr_rec_tty, ws_ypixel), t.ws_ypixel),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    r
}

/// The pty slave of the samples: the FILE of `/dev/pts/3` (136:3, object
/// `objid`, [`chr_file`]) and its TTY record of `t`: 2 records.
pub fn pty_records(objid: u32, t: &kcr_rec_tty) -> Vec<u8> {
    let mut v = chr_file(objid, "/dev/pts/3", tty::rdev(136, 3));
    v.extend(tty_record(t));
    v
}

/// A CTTY record: the terminal of file object `file_ref`, of session
/// `sid`, with foreground process group `fg_pgrp`; no padding.
pub fn ctty_record(file_ref: u32, sid: i32, fg_pgrp: i32) -> Vec<u8> {
    let mut r = record(rec::CTTY, size_of::<kcr_rec_ctty>(), &[]);
    put(
        &mut r,
        offset_of!(kcr_rec_ctty, file_ref),
        &file_ref.to_le_bytes(),
    );
    for (off, v) in [
        (offset_of!(kcr_rec_ctty, sid), sid),
        (offset_of!(kcr_rec_ctty, fg_pgrp), fg_pgrp),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    r
}

/// `sample()` as a program on a terminal: the pty slave `/dev/pts/3`
/// (object 40, [`pty_records`] with [`sample_termios`]) among its file
/// objects, open at fd 0 (the sample's pipe end, object 7, moves to fd
/// 4: three descriptors), and a CTTY record naming it, of session 42
/// with process group 42 in the foreground, after the fd table: 4 more
/// records.
pub fn with_tty() -> Vec<u8> {
    let mut b = body(&sample());
    let fs = rec_off(&b, rec::FS);
    b.splice(fs..fs, pty_records(40, &sample_termios()));
    let ft = rec_off(&b, rec::FDTABLE);
    put(
        &mut b,
        ft + offset_of!(kcr_rec_fdtable, nr_fds),
        &3u32.to_le_bytes(),
    );
    let fd0 = rec_off(&b, rec::FD);
    put(
        &mut b,
        fd0 + offset_of!(kcr_rec_fd, file_ref),
        &40u32.to_le_bytes(),
    );
    let mm = rec_off(&b, rec::MM);
    let mut r = fd_record(4, 7, 0);
    r.extend(ctty_record(40, 42, 42));
    b.splice(mm..mm, r);
    finish(b, N + 4)
}

/// A UNIX record's fields: a socket of type `type_` ([`unix_sock`]) in
/// state `state`, of inode mode `S_IFSOCK | 0777` owned by 0:0, as
/// `socket()` makes it: no flags, buffers of 212992 bytes (the default
/// `net.core.wmem_default`/`rmem_default`), `backlog` 10 (the default
/// `net.unix.max_dgram_qlen`), `rcvlowat` 1, `peek_off` -1; every other
/// field 0.
pub fn unix_sock(type_: u32, state: u32) -> kcr_rec_unix {
    let mut u = kcr_rec_unix::new_zeroed();
    u.h = kcr_hdr {
        type_: rec::UNIX,
        len: size_of::<kcr_rec_unix>() as u32,
    };
    kcr_rec_unix {
        type_,
        state,
        peek_off: -1,
        backlog: 10,
        sndbuf: 212_992,
        rcvbuf: 212_992,
        rcvlowat: 1,
        ino_mode: 0o140_777,
        ..u
    }
}

/// The UNIX record of `u` (its header as [`record`] makes it), with no
/// path after it.
pub fn unix_record(u: &kcr_rec_unix) -> Vec<u8> {
    unix_record_node(u, &[])
}

/// The UNIX record of `u` followed by `node` (the path of its socket
/// file, with its NUL, as `node_len` should count it), padded to 8; its
/// header as [`record`] makes it.
pub fn unix_record_node(u: &kcr_rec_unix, node: &[u8]) -> Vec<u8> {
    let mut r = record(rec::UNIX, size_of::<kcr_rec_unix>(), node);
    for (off, v) in [
        (offset_of!(kcr_rec_unix, type_), u.type_),
        (offset_of!(kcr_rec_unix, state), u.state),
        (offset_of!(kcr_rec_unix, flags), u.flags),
        (offset_of!(kcr_rec_unix, shutdown), u.shutdown),
        (offset_of!(kcr_rec_unix, err), u.err as u32),
        (offset_of!(kcr_rec_unix, peek_off), u.peek_off as u32),
        (offset_of!(kcr_rec_unix, backlog), u.backlog),
        (offset_of!(kcr_rec_unix, sndbuf), u.sndbuf),
        (offset_of!(kcr_rec_unix, rcvbuf), u.rcvbuf),
        (offset_of!(kcr_rec_unix, userlocks), u.userlocks),
        (offset_of!(kcr_rec_unix, rcvlowat), u.rcvlowat),
        (offset_of!(kcr_rec_unix, linger), u.linger),
        (offset_of!(kcr_rec_unix, ino_mode), u.ino_mode),
        (offset_of!(kcr_rec_unix, ino_uid), u.ino_uid),
        (offset_of!(kcr_rec_unix, ino_gid), u.ino_gid),
        (offset_of!(kcr_rec_unix, peer_pid), u.peer_pid as u32),
        (offset_of!(kcr_rec_unix, peer_uid), u.peer_uid),
        (offset_of!(kcr_rec_unix, peer_gid), u.peer_gid),
        (offset_of!(kcr_rec_unix, peer_ngroups), u.peer_ngroups),
        (offset_of!(kcr_rec_unix, addr_len), u.addr_len),
        (offset_of!(kcr_rec_unix, node_mode), u.node_mode),
        (offset_of!(kcr_rec_unix, node_uid), u.node_uid),
        (offset_of!(kcr_rec_unix, node_gid), u.node_gid),
        (offset_of!(kcr_rec_unix, node_len), u.node_len),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    for (off, v) in [
        (offset_of!(kcr_rec_unix, rcvtimeo_us), u.rcvtimeo_us),
        (offset_of!(kcr_rec_unix, sndtimeo_us), u.sndtimeo_us),
        (offset_of!(kcr_rec_unix, node_ino), u.node_ino),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    put(&mut r, offset_of!(kcr_rec_unix, addr), &u.addr);
    r
}

/// A socket's FILE (object `objid`, `KCR_FILE_UNIX`, open()
/// flags `f_flags`, mode `u.ino_mode`) and its UNIX record of `u`: 2
/// records.
pub fn unix_records(objid: u32, f_flags: u32, u: &kcr_rec_unix) -> Vec<u8> {
    unix_records_node(objid, f_flags, u, &[])
}

/// [`unix_records`] with `node` after the UNIX record
/// ([`unix_record_node`]).
pub fn unix_records_node(objid: u32, f_flags: u32, u: &kcr_rec_unix, node: &[u8]) -> Vec<u8> {
    let mut v = pathless_file(objid, file_kind::UNIX, f_flags);
    put(
        &mut v,
        offset_of!(kcr_rec_file, mode),
        &u.ino_mode.to_le_bytes(),
    );
    v.extend(unix_record_node(u, node));
    v
}

/// `u` with the name `sun_path` (the bytes of a `struct sockaddr_un`
/// after its family, `AF_UNIX`: a path with its NUL, or an abstract name,
/// which starts with a NUL), its own with `bound` (`KCR_UNIX_BOUND`),
/// else its listener's.
pub fn unix_named(u: kcr_rec_unix, sun_path: &[u8], bound: bool) -> kcr_rec_unix {
    let (addr, addr_len) = sockaddr_un(sun_path);
    let bound = if bound { unix_flags::BOUND } else { 0 };
    kcr_rec_unix {
        flags: u.flags | bound,
        addr_len,
        addr,
        ..u
    }
}

/// The `struct sockaddr_un` of the name `sun_path` (family `AF_UNIX`,
/// then those bytes: a path with its NUL, or an abstract name, which
/// starts with a NUL; zero after them), as a UNIX record's `addr` and a
/// UNIX_QUEUE record's `peer_addr` hold it, and its length.
pub fn sockaddr_un(sun_path: &[u8]) -> ([u8; 112], u32) {
    let off = unix_sock::SUN_PATH_OFF as usize;
    let mut addr = [0u8; 112];
    addr[..off].copy_from_slice(&unix_sock::AF_UNIX.to_le_bytes());
    addr[off..off + sun_path.len()].copy_from_slice(sun_path);
    (addr, (off + sun_path.len()) as u32)
}

/// `u` bound to `path` (its own name), its socket file at the same path,
/// of inode `ino`, mode `mode` and owner `uid`:`gid`. Its UNIX record
/// needs the path after it: [`unix_path_node`] of `path`.
pub fn unix_bound_to(
    u: kcr_rec_unix,
    path: &str,
    ino: u64,
    mode: u32,
    uid: u32,
    gid: u32,
) -> kcr_rec_unix {
    let node = unix_path_node(path);
    kcr_rec_unix {
        node_ino: ino,
        node_mode: mode,
        node_uid: uid,
        node_gid: gid,
        node_len: node.len() as u32,
        ..unix_named(u, &node, true)
    }
}

/// `path` with its NUL: a path name's `sun_path`, or the bytes after the
/// UNIX record of a socket bound to it.
pub fn unix_path_node(path: &str) -> Vec<u8> {
    let mut v = path.as_bytes().to_vec();
    v.push(0);
    v
}

/// A UNIX_SKB record of `data`: with `creds` (pid, uid, gid) and the
/// `KCR_UNIX_SKB_CREDS` flag, or none; from the socket `sender_ref` (0:
/// none); no files in flight.
pub fn unix_skb_record(data: &[u8], creds: Option<(i32, u32, u32)>, sender_ref: u32) -> Vec<u8> {
    unix_skb_fds_record(data, creds, sender_ref, &[])
}

/// A UNIX_SKB record as [`unix_skb_record`] makes it, carrying the files
/// in flight `fds` (FILE object ids, in the order the receiver gets them:
/// `nr_fds` of them after the structure, zero-padded to 8, before
/// `data`).
pub fn unix_skb_fds_record(
    data: &[u8],
    creds: Option<(i32, u32, u32)>,
    sender_ref: u32,
    fds: &[u32],
) -> Vec<u8> {
    let mut tail: Vec<u8> = fds.iter().flat_map(|id| id.to_le_bytes()).collect();
    tail.resize(tail.len().next_multiple_of(8), 0);
    tail.extend_from_slice(data);
    let mut r = record(rec::UNIX_SKB, size_of::<kcr_rec_unix_skb>(), &tail);
    let (flags, (pid, uid, gid)) = match creds {
        Some(c) => (KCR_UNIX_SKB_CREDS, c),
        None => (0, (0, 0, 0)),
    };
    for (off, v) in [
        (offset_of!(kcr_rec_unix_skb, len), data.len() as u32),
        (offset_of!(kcr_rec_unix_skb, flags), flags),
        (offset_of!(kcr_rec_unix_skb, pid), pid as u32),
        (offset_of!(kcr_rec_unix_skb, uid), uid),
        (offset_of!(kcr_rec_unix_skb, gid), gid),
        (offset_of!(kcr_rec_unix_skb, nr_fds), fds.len() as u32),
        (offset_of!(kcr_rec_unix_skb, sender_ref), sender_ref),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    r
}

/// A UNIX_QUEUE record of socket `file_ref`: `peer` ([`unix_peer`]),
/// `peer_ref`, `nr_skbs` buffers of `bytes` in all.
pub fn unix_queue_record(
    file_ref: u32,
    peer: u32,
    peer_ref: u32,
    nr_skbs: u32,
    bytes: u64,
) -> Vec<u8> {
    let mut r = record(rec::UNIX_QUEUE, size_of::<kcr_rec_unix_queue>(), &[]);
    for (off, v) in [
        (offset_of!(kcr_rec_unix_queue, file_ref), file_ref),
        (offset_of!(kcr_rec_unix_queue, peer), peer),
        (offset_of!(kcr_rec_unix_queue, peer_ref), peer_ref),
        (offset_of!(kcr_rec_unix_queue, nr_skbs), nr_skbs),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    put(
        &mut r,
        offset_of!(kcr_rec_unix_queue, bytes),
        &bytes.to_le_bytes(),
    );
    r
}

/// A UNIX_QUEUE record as [`unix_queue_record`] makes it, with
/// `peer_addr_len` bytes of `peer_addr` (a `struct sockaddr_un`; see
/// [`sockaddr_un`]): the name of a peer outside the checkpoint with
/// [`unix_peer::EXTERNAL`].
pub fn unix_queue_addr_record(
    file_ref: u32,
    peer: u32,
    peer_ref: u32,
    (peer_addr, peer_addr_len): ([u8; 112], u32),
    nr_skbs: u32,
    bytes: u64,
) -> Vec<u8> {
    let mut r = unix_queue_record(file_ref, peer, peer_ref, nr_skbs, bytes);
    put(
        &mut r,
        offset_of!(kcr_rec_unix_queue, peer_addr_len),
        &peer_addr_len.to_le_bytes(),
    );
    put(
        &mut r,
        offset_of!(kcr_rec_unix_queue, peer_addr),
        &peer_addr,
    );
    r
}

/// The UNIX_QUEUE record of socket `file_ref` connected to the socket
/// named `sun_path` outside the checkpoint ([`unix_peer::EXTERNAL`], its
/// `peer_addr` as [`sockaddr_un`] makes it; its count and bytes those of
/// `skbs`), then `skbs`: `1 + skbs.len()` records.
pub fn unix_external_queue_records(file_ref: u32, sun_path: &[u8], skbs: &[Vec<u8>]) -> Vec<u8> {
    let mut v = unix_queue_addr_record(
        file_ref,
        unix_peer::EXTERNAL,
        0,
        sockaddr_un(sun_path),
        skbs.len() as u32,
        skb_bytes(skbs),
    );
    v.extend(skbs.concat());
    v
}

/// The bytes of `skbs` (UNIX_SKB records), the sum of their lengths.
fn skb_bytes(skbs: &[Vec<u8>]) -> u64 {
    let len = offset_of!(kcr_rec_unix_skb, len);
    skbs.iter()
        .map(|r| {
            u64::from(u32::from_le_bytes([
                r[len],
                r[len + 1],
                r[len + 2],
                r[len + 3],
            ]))
        })
        .sum()
}

/// The UNIX_QUEUE record of socket `file_ref` (`peer`, `peer_ref`; its
/// count and bytes those of `skbs`), then `skbs` (UNIX_SKB records, as
/// [`unix_skb_record`] makes them): `1 + skbs.len()` records.
pub fn unix_queue_records(file_ref: u32, peer: u32, peer_ref: u32, skbs: &[Vec<u8>]) -> Vec<u8> {
    let mut v = unix_queue_record(file_ref, peer, peer_ref, skbs.len() as u32, skb_bytes(skbs));
    v.extend(skbs.concat());
    v
}

/// The UNIX_QUEUE record of the listening socket `file_ref` (no peer, no
/// buffers) announcing `embryos.len()` connections not accepted yet, then
/// `embryos`, the records of each ([`unix_embryo_records`]).
pub fn unix_listen_records(file_ref: u32, embryos: &[Vec<u8>]) -> Vec<u8> {
    let mut v = unix_queue_record(file_ref, unix_peer::NONE, 0, 0, 0);
    put(
        &mut v,
        offset_of!(kcr_rec_unix_queue, nr_embryos),
        &(embryos.len() as u32).to_le_bytes(),
    );
    v.extend(embryos.concat());
    v
}

/// A UNIX_EMBRYO record: a connection from `peer` ([`unix_peer::FILE`],
/// the socket `peer_ref`, or [`unix_peer::DEAD`]), with `shutdown`, the
/// `SO_PEERCRED` `creds` (pid, uid, gid; with `KCR_UNIX_PEERCRED`) or
/// none, `nr_skbs` buffers of `bytes` in all.
pub fn unix_embryo_record(
    peer: u32,
    peer_ref: u32,
    shutdown: u32,
    creds: Option<(i32, u32, u32)>,
    nr_skbs: u32,
    bytes: u64,
) -> Vec<u8> {
    let mut r = record(rec::UNIX_EMBRYO, size_of::<kcr_rec_unix_embryo>(), &[]);
    let (flags, (pid, uid, gid)) = match creds {
        Some(c) => (unix_flags::PEERCRED, c),
        None => (0, (0, 0, 0)),
    };
    for (off, v) in [
        (offset_of!(kcr_rec_unix_embryo, peer), peer),
        (offset_of!(kcr_rec_unix_embryo, peer_ref), peer_ref),
        (offset_of!(kcr_rec_unix_embryo, shutdown), shutdown),
        (offset_of!(kcr_rec_unix_embryo, flags), flags),
        (offset_of!(kcr_rec_unix_embryo, peer_pid), pid as u32),
        (offset_of!(kcr_rec_unix_embryo, peer_uid), uid),
        (offset_of!(kcr_rec_unix_embryo, peer_gid), gid),
        (offset_of!(kcr_rec_unix_embryo, nr_skbs), nr_skbs),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    put(
        &mut r,
        offset_of!(kcr_rec_unix_embryo, bytes),
        &bytes.to_le_bytes(),
    );
    r
}

/// A UNIX_EMBRYO record (as [`unix_embryo_record`] makes it, its count
/// and bytes those of `skbs`), then `skbs`: `1 + skbs.len()` records.
pub fn unix_embryo_records(
    peer: u32,
    peer_ref: u32,
    shutdown: u32,
    creds: Option<(i32, u32, u32)>,
    skbs: &[Vec<u8>],
) -> Vec<u8> {
    let mut v = unix_embryo_record(
        peer,
        peer_ref,
        shutdown,
        creds,
        skbs.len() as u32,
        skb_bytes(skbs),
    );
    v.extend(skbs.concat());
    v
}

/// The sockets of [`with_unix`], as checkpoint writes them among the
/// objects of process 42: a stream socketpair, object 50 (read-write,
/// `SO_PEERCRED` of process 42) and object 51 (non-blocking, with
/// `SO_KEEPALIVE`, a linger of 5 s, a receive timeout of 1.5 s, a send
/// buffer set to 65536 bytes, its peer's `SO_PEERCRED`), and a datagram
/// socket, object 52, connected to one that was closed since (its inode
/// of mode 0755, owned by 1000:1000, its send side shut down); their
/// FILE and UNIX records, then the QUEUE of each with its buffers: 50
/// has "world!\n" and "ping" from 51 (11 bytes), 51 "hello" from 50
/// (each with the credentials of process 42, as `SCM_CREDENTIALS` shows
/// them), 52 a datagram of 12 bytes of a process outside the image (pid
/// 0, 1000:1000) and an empty one without credentials: 14 records.
pub fn sample_unix_records() -> Vec<u8> {
    use unix_sock::*;
    let cred = Some((42, 0, 0));
    let pair = kcr_rec_unix {
        flags: unix_flags::PEERCRED,
        peer_pid: 42,
        ..unix_sock(STREAM, ESTABLISHED)
    };
    let other = kcr_rec_unix {
        flags: unix_flags::PEERCRED | unix_flags::KEEPALIVE | unix_flags::LINGER,
        linger: 5,
        rcvtimeo_us: 1_500_000,
        sndbuf: 65536,
        userlocks: unix_flags::SNDBUF_LOCK,
        ..pair
    };
    let dgram = kcr_rec_unix {
        shutdown: SEND_SHUTDOWN,
        ino_mode: 0o140_755,
        ino_uid: 1000,
        ino_gid: 1000,
        ..unix_sock(DGRAM, ESTABLISHED)
    };
    let mut v = unix_records(50, 0o2, &pair);
    v.extend(unix_records(51, 0o4002, &other));
    v.extend(unix_records(52, 0o2, &dgram));
    v.extend(unix_queue_records(
        50,
        unix_peer::FILE,
        51,
        &[
            unix_skb_record(b"world!\n", cred, 0),
            unix_skb_record(b"ping", cred, 0),
        ],
    ));
    v.extend(unix_queue_records(
        51,
        unix_peer::FILE,
        50,
        &[unix_skb_record(b"hello", cred, 0)],
    ));
    v.extend(unix_queue_records(
        52,
        unix_peer::DEAD,
        0,
        &[
            unix_skb_record(b"datagram one", Some((0, 1000, 1000)), 0),
            unix_skb_record(b"", None, 0),
        ],
    ));
    v
}

/// `sample()` with the sockets of [`sample_unix_records`] among its file
/// objects: 14 more records.
pub fn with_unix() -> Vec<u8> {
    with_files(&sample_unix_records(), 14)
}

/// Sockets with files in flight (`SCM_RIGHTS`), as checkpoint writes them
/// among the objects of process 42: a stream socketpair, objects 50 and
/// 51, and a datagram socket, object 52, not connected; their FILE and
/// UNIX records, then the QUEUE of each with its buffers: 50 has "file"
/// from 51 carrying the sample's program (object 2, a regular file), 52 a
/// datagram "abc" (credentials pid 0, 1000:1000) carrying the sample's
/// pipe end (object 7), 52 itself and the pipe end again, then an empty
/// datagram without files: 12 records.
pub fn sample_unix_fds_records() -> Vec<u8> {
    use unix_sock::*;
    let pair = unix_sock(STREAM, ESTABLISHED);
    let mut v = unix_records(50, 0o2, &pair);
    v.extend(unix_records(51, 0o2, &pair));
    v.extend(unix_records(52, 0o2, &unix_sock(DGRAM, CLOSE)));
    v.extend(unix_queue_records(
        50,
        unix_peer::FILE,
        51,
        &[unix_skb_fds_record(b"file", None, 0, &[2])],
    ));
    v.extend(unix_queue_records(51, unix_peer::FILE, 50, &[]));
    v.extend(unix_queue_records(
        52,
        unix_peer::NONE,
        0,
        &[
            unix_skb_fds_record(b"abc", Some((0, 1000, 1000)), 0, &[7, 52, 7]),
            unix_skb_record(b"", None, 0),
        ],
    ));
    v
}

/// `sample()` with the sockets of [`sample_unix_fds_records`] among its
/// file objects: 12 more records.
pub fn with_unix_fds() -> Vec<u8> {
    with_files(&sample_unix_fds_records(), 12)
}

/// The path of the socket outside the checkpoint that the stream socket
/// 70 of [`sample_unix_external_records`] is connected to (a local
/// daemon's listener).
pub const UNIX_EXTERNAL_PATH: &str = "/run/daemon.sock";
/// The abstract name of the socket outside the checkpoint that the
/// datagram socket 71 of [`sample_unix_external_records`] is connected
/// to (its `sun_path`: a NUL, then the name).
pub const UNIX_EXTERNAL_ABSTRACT: &[u8] = b"\0cr-log";

/// Sockets connected to sockets outside the checkpoint
/// (`KCR_CHECKPOINT_UNIX_EXTERNAL`), as checkpoint writes them among the
/// objects of process 42: a stream socket, object 70, connected to a
/// daemon's listener at [`UNIX_EXTERNAL_PATH`] (`SO_PEERCRED` of the
/// daemon, pid 1, 0:0), with "hello from the daemon\n" it sent
/// (credentials pid 0, not in the image, 0:0); a datagram socket, object
/// 71, connected to the socket of abstract name
/// [`UNIX_EXTERNAL_ABSTRACT`], with a datagram "log?" from a sender
/// outside the image, without credentials. Their FILE and UNIX records,
/// then the QUEUE of each (peer `KCR_UNIX_PEER_EXTERNAL` and its name)
/// with its buffer: 8 records.
pub fn sample_unix_external_records() -> Vec<u8> {
    use unix_sock::*;
    let stream = kcr_rec_unix {
        flags: unix_flags::PEERCRED,
        peer_pid: 1,
        ..unix_sock(STREAM, ESTABLISHED)
    };
    let mut v = unix_records(70, 0o2, &stream);
    v.extend(unix_records(71, 0o2, &unix_sock(DGRAM, ESTABLISHED)));
    v.extend(unix_external_queue_records(
        70,
        &unix_path_node(UNIX_EXTERNAL_PATH),
        &[unix_skb_record(
            b"hello from the daemon\n",
            Some((0, 0, 0)),
            0,
        )],
    ));
    v.extend(unix_external_queue_records(
        71,
        UNIX_EXTERNAL_ABSTRACT,
        &[unix_skb_record(b"log?", None, 0)],
    ));
    v
}

/// `sample()` with the sockets of [`sample_unix_external_records`] among
/// its file objects (8 more records), written with
/// `KCR_CHECKPOINT_UNIX_EXTERNAL`.
pub fn with_unix_external() -> Vec<u8> {
    let n = records_of(&sample_unix_external_records()).len() as u32;
    let mut b = body(&with_files(&sample_unix_external_records(), n));
    put(
        &mut b,
        offset_of!(kcr_rec_header, flags),
        &KCR_CHECKPOINT_UNIX_EXTERNAL.to_le_bytes(),
    );
    finish(b, N + n)
}

/// The path the datagram socket 60 of [`sample_unix_listen_records`] is
/// bound to.
pub const UNIX_DGRAM_PATH: &str = "/tmp/cr-dgram.sock";
/// The path the listener 62 of [`sample_unix_listen_records`] is bound
/// to, which the socket 64 it accepted shows.
pub const UNIX_LISTEN_PATH: &str = "/tmp/cr-listen.sock";
/// The abstract name of the socket 61 of [`sample_unix_listen_records`]
/// (its `sun_path`: a NUL, then bytes that hold a NUL too).
pub const UNIX_ABSTRACT: &[u8] = b"\0cr-vmm\0x";

/// Named and listening sockets, as checkpoint writes them among the
/// objects of process 42: a datagram socket, object 60, bound to
/// [`UNIX_DGRAM_PATH`] (its socket file inode 4242, mode 0755, owned by
/// 1000:1000), with a datagram of 61; a datagram socket, object 61, bound
/// to the abstract name [`UNIX_ABSTRACT`] and connected to 60; a stream
/// socket, object 62, listening on [`UNIX_LISTEN_PATH`] (inode 4343,
/// mode 0777, 0:0) with a backlog of 5 and two connections not accepted
/// yet: one from the stream socket 63 of the image (unnamed, its QUEUE
/// naming the listener with `KCR_UNIX_PEER_EMBRYO`; the embryo shows
/// `SO_PEERCRED` of process 42), one from a socket closed since, which
/// sent "bye!" (credentials pid 0, 1000:1000) and shut the embryo down
/// both ways; and a stream pair, 64 (as `accept()` made it: the
/// listener's name, not its own) and 65. Their FILE and UNIX records,
/// then the QUEUE of each, the client's (63) before the listener's with
/// `client_first`, else after: 22 records.
pub fn sample_unix_listen_records(client_first: bool) -> Vec<u8> {
    use unix_peer::{DEAD, EMBRYO, FILE};
    use unix_sock::*;
    let cred = Some((42, 0, 0));
    let path_dgram = unix_bound_to(
        unix_sock(DGRAM, CLOSE),
        UNIX_DGRAM_PATH,
        4242,
        S_IFSOCK | 0o755,
        1000,
        1000,
    );
    let abstract_dgram = unix_named(unix_sock(DGRAM, ESTABLISHED), UNIX_ABSTRACT, true);
    let listener = kcr_rec_unix {
        backlog: 5,
        ..unix_bound_to(
            unix_sock(STREAM, LISTEN),
            UNIX_LISTEN_PATH,
            4343,
            S_IFSOCK | 0o777,
            0,
            0,
        )
    };
    let client = kcr_rec_unix {
        flags: unix_flags::PEERCRED,
        peer_pid: 42,
        ..unix_sock(STREAM, ESTABLISHED)
    };
    let accepted = unix_named(client, &unix_path_node(UNIX_LISTEN_PATH), false);
    let mut v = unix_records_node(60, 0o2, &path_dgram, &unix_path_node(UNIX_DGRAM_PATH));
    v.extend(unix_records(61, 0o2, &abstract_dgram));
    v.extend(unix_records_node(
        62,
        0o4002,
        &listener,
        &unix_path_node(UNIX_LISTEN_PATH),
    ));
    v.extend(unix_records(63, 0o2, &client));
    v.extend(unix_records(64, 0o2, &accepted));
    v.extend(unix_records(65, 0o2, &client));
    v.extend(unix_queue_records(
        60,
        unix_peer::NONE,
        0,
        &[unix_skb_record(b"to the path", cred, 61)],
    ));
    v.extend(unix_queue_records(61, FILE, 60, &[]));
    let client_queue = unix_queue_records(63, EMBRYO, 62, &[]);
    if client_first {
        v.extend(&client_queue);
    }
    v.extend(unix_listen_records(
        62,
        &[
            unix_embryo_records(FILE, 63, 0, cred, &[]),
            unix_embryo_records(
                DEAD,
                0,
                RCV_SHUTDOWN | SEND_SHUTDOWN,
                Some((0, 1000, 1000)),
                &[unix_skb_record(b"bye!", Some((0, 1000, 1000)), 0)],
            ),
        ],
    ));
    if !client_first {
        v.extend(&client_queue);
    }
    v.extend(unix_queue_records(64, FILE, 65, &[]));
    v.extend(unix_queue_records(65, FILE, 64, &[]));
    v
}

/// `sample()` with the sockets of [`sample_unix_listen_records`] among
/// its file objects: 22 more records.
pub fn with_unix_listen(client_first: bool) -> Vec<u8> {
    with_files(&sample_unix_listen_records(client_first), 22)
}

/// An INET record's fields: a socket of `family` and `protocol`
/// ([`inet_sock`](mod@crate::format::inet_sock)) in state `state`
/// ([`inet_state`]), as `socket()` makes
/// it: not bound, `ttl` -1 (the default), `pmtudisc` `IP_PMTUDISC_WANT`,
/// `rcvlowat` 1, `peek_off` -1, its inode of mode `S_IFSOCK | 0777` owned
/// by 0:0, and for TCP the congestion control "cubic"; every other field
/// 0.
pub fn inet_sock(family: u16, protocol: u16, state: u32) -> kcr_rec_inet {
    let mut r = kcr_rec_inet::new_zeroed();
    r.h = kcr_hdr {
        type_: rec::INET,
        len: size_of::<kcr_rec_inet>() as u32,
    };
    let mut so = kcr_sockopts::new_zeroed();
    so.peek_off = -1;
    so.rcvlowat = 1;
    so.ino_mode = unix_sock::S_IFSOCK | 0o777;
    if protocol == inet_sock::IPPROTO_TCP {
        r.congestion[..5].copy_from_slice(b"cubic");
    }
    kcr_rec_inet {
        family,
        protocol,
        state,
        ttl: -1,
        pmtudisc: inet_sock::IP_PMTUDISC_WANT,
        so,
        ..r
    }
}

/// An address as an INET record's `saddr` or `daddr` holds it: IPv6
/// its 16 bytes, IPv4 its 4 then zeros.
pub fn inet_addr(ip: std::net::IpAddr) -> [u8; 16] {
    match ip {
        std::net::IpAddr::V6(a) => a.octets(),
        std::net::IpAddr::V4(a) => {
            let mut b = [0u8; 16];
            b[..4].copy_from_slice(&a.octets());
            b
        }
    }
}

/// The INET record of `r` (its header as [`record`] makes it).
pub fn inet_record(r: &kcr_rec_inet) -> Vec<u8> {
    let mut b = record(rec::INET, size_of::<kcr_rec_inet>(), &[]);
    for (off, v) in [
        (offset_of!(kcr_rec_inet, family), r.family),
        (offset_of!(kcr_rec_inet, protocol), r.protocol),
        (offset_of!(kcr_rec_inet, sport), r.sport),
        (offset_of!(kcr_rec_inet, dport), r.dport),
    ] {
        put(&mut b, off, &v.to_le_bytes());
    }
    let so = offset_of!(kcr_rec_inet, so);
    for (off, v) in [
        (offset_of!(kcr_rec_inet, state), r.state),
        (offset_of!(kcr_rec_inet, flags), r.flags),
        (offset_of!(kcr_rec_inet, backlog), r.backlog),
        (offset_of!(kcr_rec_inet, tos), r.tos),
        (offset_of!(kcr_rec_inet, ttl), r.ttl as u32),
        (offset_of!(kcr_rec_inet, pmtudisc), r.pmtudisc),
        (so + offset_of!(kcr_sockopts, flags), r.so.flags),
        (so + offset_of!(kcr_sockopts, shutdown), r.so.shutdown),
        (so + offset_of!(kcr_sockopts, err), r.so.err as u32),
        (
            so + offset_of!(kcr_sockopts, peek_off),
            r.so.peek_off as u32,
        ),
        (so + offset_of!(kcr_sockopts, sndbuf), r.so.sndbuf),
        (so + offset_of!(kcr_sockopts, rcvbuf), r.so.rcvbuf),
        (so + offset_of!(kcr_sockopts, rcvlowat), r.so.rcvlowat),
        (so + offset_of!(kcr_sockopts, linger), r.so.linger),
        (so + offset_of!(kcr_sockopts, ino_mode), r.so.ino_mode),
        (so + offset_of!(kcr_sockopts, ino_uid), r.so.ino_uid),
        (so + offset_of!(kcr_sockopts, ino_gid), r.so.ino_gid),
        (so + offset_of!(kcr_sockopts, reserved), r.so.reserved),
        (offset_of!(kcr_rec_inet, tcp_flags), r.tcp_flags),
        (offset_of!(kcr_rec_inet, maxseg), r.maxseg),
        (offset_of!(kcr_rec_inet, keepidle), r.keepidle),
        (offset_of!(kcr_rec_inet, keepintvl), r.keepintvl),
        (offset_of!(kcr_rec_inet, keepcnt), r.keepcnt),
        (offset_of!(kcr_rec_inet, user_timeout), r.user_timeout),
        (offset_of!(kcr_rec_inet, syncnt), r.syncnt),
        (offset_of!(kcr_rec_inet, linger2), r.linger2 as u32),
        (offset_of!(kcr_rec_inet, window_clamp), r.window_clamp),
        (offset_of!(kcr_rec_inet, notsent_lowat), r.notsent_lowat),
        (offset_of!(kcr_rec_inet, nr_skbs), r.nr_skbs),
        (offset_of!(kcr_rec_inet, reserved), r.reserved),
    ] {
        put(&mut b, off, &v.to_le_bytes());
    }
    for (off, v) in [
        (so + offset_of!(kcr_sockopts, rcvtimeo_us), r.so.rcvtimeo_us),
        (so + offset_of!(kcr_sockopts, sndtimeo_us), r.so.sndtimeo_us),
        (offset_of!(kcr_rec_inet, bytes), r.bytes),
    ] {
        put(&mut b, off, &v.to_le_bytes());
    }
    put(&mut b, offset_of!(kcr_rec_inet, saddr), &r.saddr);
    put(&mut b, offset_of!(kcr_rec_inet, daddr), &r.daddr);
    put(&mut b, offset_of!(kcr_rec_inet, congestion), &r.congestion);
    b
}

/// A socket's FILE (object `objid`, `KCR_FILE_INET`, open() flags
/// `f_flags`, mode `r.so.ino_mode`) and its INET record of `r`: 2
/// records.
pub fn inet_records(objid: u32, f_flags: u32, r: &kcr_rec_inet) -> Vec<u8> {
    let mut v = pathless_file(objid, file_kind::INET, f_flags);
    put(
        &mut v,
        offset_of!(kcr_rec_file, mode),
        &r.so.ino_mode.to_le_bytes(),
    );
    v.extend(inet_record(r));
    v
}

/// An INET_DGRAM record of `data` (padded to 8), sent from `from` to
/// `to`, of the family of `from` (an IPv4 sender: `AF_INET`, its
/// addresses 4 bytes then zeros, as checkpoint writes one that came to an
/// IPv4 socket or to an IPv6 socket that takes IPv4).
pub fn inet_dgram_record(from: std::net::SocketAddr, to: std::net::IpAddr, data: &[u8]) -> Vec<u8> {
    let mut r = record(rec::INET_DGRAM, size_of::<kcr_rec_inet_dgram>(), data);
    let family = if from.is_ipv4() {
        inet_sock::AF_INET
    } else {
        inet_sock::AF_INET6
    };
    put(
        &mut r,
        offset_of!(kcr_rec_inet_dgram, len),
        &(data.len() as u32).to_le_bytes(),
    );
    for (off, v) in [
        (offset_of!(kcr_rec_inet_dgram, family), family),
        (offset_of!(kcr_rec_inet_dgram, sport), from.port()),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    put(
        &mut r,
        offset_of!(kcr_rec_inet_dgram, saddr),
        &inet_addr(from.ip()),
    );
    put(
        &mut r,
        offset_of!(kcr_rec_inet_dgram, daddr),
        &inet_addr(to),
    );
    r
}

/// The bytes of `dgrams` (INET_DGRAM records), the sum of their lengths.
fn dgram_bytes(dgrams: &[Vec<u8>]) -> u64 {
    let len = offset_of!(kcr_rec_inet_dgram, len);
    dgrams
        .iter()
        .map(|r| {
            u64::from(u32::from_le_bytes([
                r[len],
                r[len + 1],
                r[len + 2],
                r[len + 3],
            ]))
        })
        .sum()
}

/// A UDP socket's FILE and INET records as [`inet_records`] makes them,
/// its `nr_skbs` and `bytes` those of `dgrams` (INET_DGRAM records, as
/// [`inet_dgram_record`] makes them, oldest first), then `dgrams`:
/// `2 + dgrams.len()` records.
pub fn inet_records_queued(
    objid: u32,
    f_flags: u32,
    r: &kcr_rec_inet,
    dgrams: &[Vec<u8>],
) -> Vec<u8> {
    let r = kcr_rec_inet {
        nr_skbs: dgrams.len() as u32,
        bytes: dgram_bytes(dgrams),
        ..*r
    };
    let mut v = inet_records(objid, f_flags, &r);
    v.extend(dgrams.concat());
    v
}

/// The datagrams queued on the UDP socket of [`with_inet`], oldest
/// first: 9 bytes from 127.0.0.1:40001 to 127.0.0.1 (IPv4: it came before
/// `connect()`, to the socket bound to port 40000 of every address), then
/// 3000 bytes from its peer [::1]:9999 to ::1.
pub fn sample_inet_dgrams() -> Vec<Vec<u8>> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
    let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    vec![
        inet_dgram_record(SocketAddr::new(v4, 40001), v4, b"ping 4 v4"),
        inet_dgram_record(SocketAddr::new(v6, 9999), v6, &data),
    ]
}

/// The sockets of [`with_inet`], as checkpoint writes them among the
/// objects of process 42: a TCP socket, object 80 (non-blocking),
/// listening on 127.0.0.1:8080 (both named by `bind()`) with a backlog
/// of 16 and `SO_REUSEADDR`; an IPv6 UDP socket, object 81, that takes
/// IPv4 too, bound to port 40000 (`bind()` named the port, not the
/// address) then connected to [::1]:9999 (which chose the address ::1),
/// with the two datagrams of [`sample_inet_dgrams`] queued, 3009 bytes;
/// and an IPv4 TCP socket, object 82, not bound, with `SO_KEEPALIVE`,
/// `TCP_NODELAY`, `TCP_KEEPIDLE` 60 and a send buffer set to 65536
/// bytes: their FILE and INET records, and the INET_DGRAM records, 8
/// records.
pub fn sample_inet_records() -> Vec<u8> {
    use inet_sock::*;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let mut listener = inet_sock(AF_INET, IPPROTO_TCP, inet_state::LISTEN);
    listener.flags = inet_flags::BIND_ADDR | inet_flags::BIND_PORT;
    listener.saddr = inet_addr(IpAddr::V4(Ipv4Addr::LOCALHOST));
    listener.sport = 8080;
    listener.backlog = 16;
    listener.so.flags = so_flags::REUSEADDR;
    let mut udp = inet_sock(AF_INET6, IPPROTO_UDP, inet_state::CONNECTED);
    udp.flags = inet_flags::BIND_PORT;
    udp.saddr = inet_addr(IpAddr::V6(Ipv6Addr::LOCALHOST));
    udp.sport = 40000;
    udp.daddr = inet_addr(IpAddr::V6(Ipv6Addr::LOCALHOST));
    udp.dport = 9999;
    let mut idle = inet_sock(AF_INET, IPPROTO_TCP, inet_state::CLOSE);
    idle.so.flags = so_flags::KEEPALIVE | so_flags::SNDBUF_LOCK;
    idle.so.sndbuf = 65536;
    idle.tcp_flags = tcp_flags::NODELAY;
    idle.keepidle = 60;
    let mut v = inet_records(80, 0o4002, &listener);
    v.extend(inet_records_queued(81, 0o2, &udp, &sample_inet_dgrams()));
    v.extend(inet_records(82, 0o2, &idle));
    v
}

/// `sample()` with the sockets of [`sample_inet_records`] among its file
/// objects: 8 more records.
pub fn with_inet() -> Vec<u8> {
    with_files(&sample_inet_records(), 8)
}

/// A connected TCP socket's INET record as [`inet_sock`] makes one, from
/// `local` to `peer` (of their family), not bound by `bind()` (its port
/// chosen by `connect()`).
pub fn tcp_sock(local: std::net::SocketAddr, peer: std::net::SocketAddr) -> kcr_rec_inet {
    let family = if local.is_ipv4() {
        inet_sock::AF_INET
    } else {
        inet_sock::AF_INET6
    };
    let mut r = inet_sock(family, inet_sock::IPPROTO_TCP, inet_state::CONNECTED);
    r.saddr = inet_addr(local.ip());
    r.sport = local.port();
    r.daddr = inet_addr(peer.ip());
    r.dport = peer.port();
    r
}

/// A TCP_CONN record's fields: a connection over loopback with nothing
/// queued, its send sequence numbers (`snd_una`, `snd_nxt`, `write_seq`)
/// all `snd`, its receive ones (`rcv_nxt`, `copied_seq`, `rcv_wup`, and
/// `snd_wl1`) all `rcv`; windows of 65536 bytes, the peer's MSS 65483,
/// every option (SACK, timestamps, window scales 7 and 7), a timestamp
/// clock in milliseconds, the buffers autotuning gives a new loopback
/// connection (16384 and 131072 bytes).
pub fn tcp_conn(snd: u32, rcv: u32) -> kcr_rec_tcp_conn {
    let mut c = kcr_rec_tcp_conn::new_zeroed();
    c.h = kcr_hdr {
        type_: rec::TCP_CONN,
        len: size_of::<kcr_rec_tcp_conn>() as u32,
    };
    kcr_rec_tcp_conn {
        snd_una: snd,
        snd_nxt: snd,
        write_seq: snd,
        rcv_nxt: rcv,
        copied_seq: rcv,
        snd_wl1: rcv,
        snd_wnd: 65536,
        max_window: 65536,
        rcv_wnd: 65536,
        rcv_wup: rcv,
        mss_clamp: 65483,
        opts: tcp_opts::ALL,
        snd_wscale: 7,
        rcv_wscale: 7,
        timestamp: 0x0012_d680,
        sndbuf: 16384,
        rcvbuf: 131_072,
        ..c
    }
}

/// The TCP_CONN record of `c` (its header as [`record`] makes it).
pub fn tcp_conn_record(c: &kcr_rec_tcp_conn) -> Vec<u8> {
    let mut b = record(rec::TCP_CONN, size_of::<kcr_rec_tcp_conn>(), &[]);
    for (off, v) in [
        (offset_of!(kcr_rec_tcp_conn, snd_una), c.snd_una),
        (offset_of!(kcr_rec_tcp_conn, snd_nxt), c.snd_nxt),
        (offset_of!(kcr_rec_tcp_conn, write_seq), c.write_seq),
        (offset_of!(kcr_rec_tcp_conn, rcv_nxt), c.rcv_nxt),
        (offset_of!(kcr_rec_tcp_conn, copied_seq), c.copied_seq),
        (offset_of!(kcr_rec_tcp_conn, snd_wl1), c.snd_wl1),
        (offset_of!(kcr_rec_tcp_conn, snd_wnd), c.snd_wnd),
        (offset_of!(kcr_rec_tcp_conn, max_window), c.max_window),
        (offset_of!(kcr_rec_tcp_conn, rcv_wnd), c.rcv_wnd),
        (offset_of!(kcr_rec_tcp_conn, rcv_wup), c.rcv_wup),
        (offset_of!(kcr_rec_tcp_conn, mss_clamp), c.mss_clamp),
        (offset_of!(kcr_rec_tcp_conn, opts), c.opts),
        (offset_of!(kcr_rec_tcp_conn, timestamp), c.timestamp),
        (offset_of!(kcr_rec_tcp_conn, sndbuf), c.sndbuf),
        (offset_of!(kcr_rec_tcp_conn, rcvbuf), c.rcvbuf),
    ] {
        put(&mut b, off, &v.to_le_bytes());
    }
    b[offset_of!(kcr_rec_tcp_conn, snd_wscale)] = c.snd_wscale;
    b[offset_of!(kcr_rec_tcp_conn, rcv_wscale)] = c.rcv_wscale;
    put(
        &mut b,
        offset_of!(kcr_rec_tcp_conn, reserved),
        &c.reserved.to_le_bytes(),
    );
    b
}

/// A TCP_DATA record of `data` (padded to 8), bytes of queue `queue`
/// ([`tcp_conn::SEND_QUEUE`] or [`tcp_conn::RECV_QUEUE`]).
pub fn tcp_data_record(queue: u32, data: &[u8]) -> Vec<u8> {
    let mut r = record(rec::TCP_DATA, size_of::<kcr_rec_tcp_data>(), data);
    for (off, v) in [
        (offset_of!(kcr_rec_tcp_data, queue), queue),
        (offset_of!(kcr_rec_tcp_data, len), data.len() as u32),
    ] {
        put(&mut r, off, &v.to_le_bytes());
    }
    r
}

/// A connected TCP socket's FILE and INET records as [`inet_records`]
/// makes them, its TCP_CONN record of `c`, then `data` (TCP_DATA records,
/// as [`tcp_data_record`] makes them): `3 + data.len()` records.
pub fn tcp_records(
    objid: u32,
    f_flags: u32,
    r: &kcr_rec_inet,
    c: &kcr_rec_tcp_conn,
    data: &[Vec<u8>],
) -> Vec<u8> {
    let mut v = inet_records(objid, f_flags, r);
    v.extend(tcp_conn_record(c));
    v.extend(data.concat());
    v
}

/// The two ends of the TCP connection of [`with_tcp_conn`], as checkpoint
/// writes them among the objects of process 42 (which connected to its
/// own listener, since closed, and accepted): object 83, the end that
/// connected, from 127.0.0.1:40000 (the port `connect()` chose) to
/// 127.0.0.1:7461, which sent "GET / HTTP" (bytes 1000 .. 1010, not
/// acknowledged yet) and has "/1.0\r\n" not sent yet (its send queue, 16
/// bytes in two records as its two buffers), and has "pong\n" to read
/// (bytes 4995 .. 5000, its receive queue); object 84, the end accepted
/// (non-blocking), from 127.0.0.1:7461 (the listener's address and port,
/// both named by `bind()`) to 127.0.0.1:40000, which read "GET " and has
/// "/ HTTP" to read (bytes 1004 .. 1010), nothing to send: their FILE,
/// INET, TCP_CONN and TCP_DATA records, 10 records.
pub fn sample_tcp_records() -> Vec<u8> {
    use std::net::SocketAddr;
    use tcp_conn::{RECV_QUEUE, SEND_QUEUE};
    let a: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 40000));
    let b: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 7461));
    let client = tcp_sock(a, b);
    let c = kcr_rec_tcp_conn {
        snd_una: 1000,
        snd_nxt: 1010,
        write_seq: 1016,
        copied_seq: 4995,
        ..tcp_conn(1000, 5000)
    };
    let mut v = tcp_records(
        83,
        0o2,
        &client,
        &c,
        &[
            tcp_data_record(SEND_QUEUE, b"GET / HTTP"),
            tcp_data_record(SEND_QUEUE, b"/1.0\r\n"),
            tcp_data_record(RECV_QUEUE, b"pong\n"),
        ],
    );
    let mut server = tcp_sock(b, a);
    server.flags = inet_flags::BIND_ADDR | inet_flags::BIND_PORT;
    let c = kcr_rec_tcp_conn {
        copied_seq: 1004,
        ..tcp_conn(5000, 1010)
    };
    v.extend(tcp_records(
        84,
        0o4002,
        &server,
        &c,
        &[tcp_data_record(RECV_QUEUE, b"/ HTTP")],
    ));
    v
}

/// `sample()` with the connection of [`sample_tcp_records`] among its
/// file objects: 10 more records.
pub fn with_tcp_conn() -> Vec<u8> {
    with_files(&sample_tcp_records(), 10)
}

/// The INET record's fields of a connection not accepted yet of the TCP
/// listener whose INET record is `listener`, to `local` (the listener's
/// port) from `peer`, as checkpoint writes them: the listener's but for
/// what is the connection's own (`KCR_INET_CONNECTED`, `saddr` `local`,
/// which the listener's `bind()` may have left any, the peer; `backlog`
/// and `nr_skbs` 0; its IP and TCP options, here the listener's, as a
/// connection inherits them).
pub fn tcp_queued_sock(
    listener: &kcr_rec_inet,
    local: std::net::IpAddr,
    peer: std::net::SocketAddr,
) -> kcr_rec_inet {
    kcr_rec_inet {
        state: inet_state::CONNECTED,
        saddr: inet_addr(local),
        daddr: inet_addr(peer.ip()),
        dport: peer.port(),
        backlog: 0,
        nr_skbs: 0,
        ..*listener
    }
}

/// A connection not accepted yet of the TCP listener whose INET record is
/// `listener`, to `local` from `peer`: its INET record as
/// [`tcp_queued_sock`] makes it, its TCP_CONN record of `c`, then `data`
/// (TCP_DATA records, as [`tcp_data_record`] makes them): `2 +
/// data.len()` records, of no FILE.
pub fn tcp_queued_records(
    listener: &kcr_rec_inet,
    local: std::net::IpAddr,
    peer: std::net::SocketAddr,
    c: &kcr_rec_tcp_conn,
    data: &[Vec<u8>],
) -> Vec<u8> {
    let mut v = inet_record(&tcp_queued_sock(listener, local, peer));
    v.extend(tcp_conn_record(c));
    v.extend(data.concat());
    v
}

/// A TCP listener's FILE and INET records as [`inet_records`] makes them,
/// its `nr_skbs` the number of `conns` (each the records of a connection
/// not accepted yet, as [`tcp_queued_records`] makes them, in `accept()`
/// order), then `conns`.
pub fn tcp_listener_records(
    objid: u32,
    f_flags: u32,
    r: &kcr_rec_inet,
    conns: &[Vec<u8>],
) -> Vec<u8> {
    let r = kcr_rec_inet {
        nr_skbs: conns.len() as u32,
        ..*r
    };
    let mut v = inet_records(objid, f_flags, &r);
    v.extend(conns.concat());
    v
}

/// The listener of [`with_tcp_backlog`], as checkpoint writes it among
/// the objects of process 42 (whose clients, outside, connected to it
/// before it called `accept()`): object 85 (non-blocking), an IPv4 TCP
/// socket listening on port 7462 of every address (`bind()` named the
/// port), backlog 4, with `SO_REUSEADDR` and `TCP_NODELAY` (which its
/// connections have too); then its two connections not accepted yet, in
/// `accept()` order: from
/// 127.0.0.1:40001 to 127.0.0.1, which sent "hello\n" (bytes 7000 ..
/// 7006, not read yet), and from 127.0.0.1:40002, nothing sent; nothing
/// is sent on either before `accept()` (`write_seq` is `snd_una`): its
/// FILE and INET records, then each connection's INET, TCP_CONN and
/// TCP_DATA records, 7 records.
pub fn sample_tcp_backlog_records() -> Vec<u8> {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    let mut l = inet_sock(
        inet_sock::AF_INET,
        inet_sock::IPPROTO_TCP,
        inet_state::LISTEN,
    );
    l.flags = inet_flags::BIND_PORT;
    l.sport = 7462;
    l.backlog = 4;
    l.so.flags = so_flags::REUSEADDR;
    l.tcp_flags = tcp_flags::NODELAY;
    let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let c = kcr_rec_tcp_conn {
        copied_seq: 7000,
        ..tcp_conn(3000, 7006)
    };
    let first = tcp_queued_records(
        &l,
        lo,
        SocketAddr::new(lo, 40001),
        &c,
        &[tcp_data_record(tcp_conn::RECV_QUEUE, b"hello\n")],
    );
    let second = tcp_queued_records(
        &l,
        lo,
        SocketAddr::new(lo, 40002),
        &tcp_conn(9000, 8000),
        &[],
    );
    tcp_listener_records(85, 0o4002, &l, &[first, second])
}

/// `sample()` with the listener of [`sample_tcp_backlog_records`] among
/// its file objects: 7 more records.
pub fn with_tcp_backlog() -> Vec<u8> {
    with_files(&sample_tcp_backlog_records(), 7)
}

/// The offset of the first record of type `t` in `b`.
///
/// # Panics
///
/// If `b` has no record of type `t`.
pub fn rec_off(b: &[u8], t: u32) -> usize {
    let mut off = 0;
    while off + 8 <= b.len() {
        let ty = u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]]);
        if ty == t {
            return off;
        }
        off += u32::from_le_bytes([b[off + 4], b[off + 5], b[off + 6], b[off + 7]]) as usize;
    }
    panic!("no record of type {t}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_ids_moves_the_references_of_socket_records() {
        let d = unix_sock(unix_sock::DGRAM, unix_sock::CLOSE);
        let mut v = unix_records(50, 2, &d);
        v.extend(unix_queue_records(
            50,
            unix_peer::FILE,
            50,
            &[
                unix_skb_record(b"x", None, 50),
                unix_skb_fds_record(b"y", None, 0, &[7, 50, 2]),
            ],
        ));
        offset_ids(&mut v, 100);
        let word = |o: usize| u32::from_le_bytes([v[o], v[o + 1], v[o + 2], v[o + 3]]);
        let recs = records_of(&v);
        let fds = recs[4].0 + size_of::<kcr_rec_unix_skb>();
        let got: Vec<u32> = [
            recs[0].0 + offset_of!(kcr_rec_file, objid),
            recs[2].0 + offset_of!(kcr_rec_unix_queue, file_ref),
            recs[2].0 + offset_of!(kcr_rec_unix_queue, peer_ref),
            recs[3].0 + offset_of!(kcr_rec_unix_skb, sender_ref),
            recs[4].0 + offset_of!(kcr_rec_unix_skb, sender_ref),
            fds,
            fds + 4,
            fds + 8,
            // The padding after the ids, the data after it.
            fds + 12,
            fds + 16,
        ]
        .iter()
        .map(|&o| word(o))
        .collect();
        assert_eq!(
            got,
            [150, 150, 150, 150, 0, 107, 150, 102, 0, u32::from(b'y')]
        );
        let mut v = unix_listen_records(
            50,
            &[
                unix_embryo_records(unix_peer::FILE, 51, 0, None, &[]),
                unix_embryo_records(unix_peer::DEAD, 0, 0, None, &[]),
            ],
        );
        offset_ids(&mut v, 100);
        let got: Vec<u32> = records_of(&v)[1..]
            .iter()
            .map(|&(o, _, _)| {
                let o = o + offset_of!(kcr_rec_unix_embryo, peer_ref);
                u32::from_le_bytes([v[o], v[o + 1], v[o + 2], v[o + 3]])
            })
            .collect();
        assert_eq!(got, [151, 0]);
    }

    #[test]
    fn unix_buffers_carry_their_files_in_flight_before_their_data() {
        let word = |r: &[u8], o: usize| u32::from_le_bytes([r[o], r[o + 1], r[o + 2], r[o + 3]]);
        let base = size_of::<kcr_rec_unix_skb>();
        let nr_fds = offset_of!(kcr_rec_unix_skb, nr_fds);
        // Without files, as before; an odd number of ids is padded to 8,
        // an even one is not; the data follows.
        assert_eq!(
            unix_skb_fds_record(b"abc", Some((1, 2, 3)), 5, &[]),
            unix_skb_record(b"abc", Some((1, 2, 3)), 5)
        );
        for (fds, len) in [
            (&[][..], 48),
            (&[7][..], 56),
            (&[7, 52][..], 56),
            (&[7, 52, 7][..], 64),
        ] {
            let r = unix_skb_fds_record(b"abc", None, 0, fds);
            assert_eq!((r.len(), word(&r, 4) as usize), (len, len), "{fds:?}");
            assert_eq!(word(&r, nr_fds) as usize, fds.len());
            let ids: Vec<u32> = (0..fds.len()).map(|i| word(&r, base + 4 * i)).collect();
            assert_eq!(ids, fds);
            let data = base + (4 * fds.len()).next_multiple_of(8);
            assert!(r[base + 4 * fds.len()..data].iter().all(|&b| b == 0));
            assert_eq!(&r[data..data + 3], b"abc");
            assert!(r[data + 3..].iter().all(|&b| b == 0));
        }
        assert_eq!(records_of(&sample_unix_fds_records()).len(), 12);
    }

    #[test]
    fn the_unix_external_sample_names_its_peers_in_its_queues() {
        let v = sample_unix_external_records();
        let word = |o: usize| u32::from_le_bytes([v[o], v[o + 1], v[o + 2], v[o + 3]]);
        let recs = records_of(&v);
        assert_eq!(recs.len(), 8);
        let queues: Vec<usize> = recs
            .iter()
            .filter(|r| r.1 == rec::UNIX_QUEUE)
            .map(|r| r.0)
            .collect();
        assert_eq!(queues.len(), 2);
        let path = unix_path_node(UNIX_EXTERNAL_PATH);
        for (o, name) in queues.into_iter().zip([&path[..], UNIX_EXTERNAL_ABSTRACT]) {
            let peer = word(o + offset_of!(kcr_rec_unix_queue, peer));
            let peer_ref = word(o + offset_of!(kcr_rec_unix_queue, peer_ref));
            assert_eq!((peer, peer_ref), (unix_peer::EXTERNAL, 0));
            let len = word(o + offset_of!(kcr_rec_unix_queue, peer_addr_len)) as usize;
            assert_eq!(len, 2 + name.len());
            let addr = &v[o + offset_of!(kcr_rec_unix_queue, peer_addr)..][..112];
            assert_eq!(addr[..2], unix_sock::AF_UNIX.to_le_bytes());
            assert_eq!(&addr[2..len], name);
            assert!(addr[len..].iter().all(|&b| b == 0));
        }
        // The image says it was written with KCR_CHECKPOINT_UNIX_EXTERNAL.
        let img = with_unix_external();
        let f = offset_of!(kcr_rec_header, flags);
        assert_eq!(
            u32::from_le_bytes([img[f], img[f + 1], img[f + 2], img[f + 3]]),
            KCR_CHECKPOINT_UNIX_EXTERNAL
        );
    }

    #[test]
    fn the_inet_sample_is_its_records() {
        let v = sample_inet_records();
        let recs = records_of(&v);
        let types: Vec<u32> = recs.iter().map(|r| r.1).collect();
        assert_eq!(
            types,
            [
                rec::FILE,
                rec::INET,
                rec::FILE,
                rec::INET,
                rec::INET_DGRAM,
                rec::INET_DGRAM,
                rec::FILE,
                rec::INET
            ]
        );
        // Each FILE is an INET one of the mode of its socket's inode.
        for &(o, t, len) in &recs {
            let word =
                |f: usize| u32::from_le_bytes([v[o + f], v[o + f + 1], v[o + f + 2], v[o + f + 3]]);
            if t == rec::FILE {
                assert_eq!(word(offset_of!(kcr_rec_file, kind)), file_kind::INET);
                assert_eq!(word(offset_of!(kcr_rec_file, mode)), 0o140_777);
            } else if t == rec::INET_DGRAM {
                let n = word(offset_of!(kcr_rec_inet_dgram, len)) as usize;
                assert_eq!(len, 48 + n.next_multiple_of(8));
            } else {
                assert_eq!(len, size_of::<kcr_rec_inet>());
                let so = offset_of!(kcr_rec_inet, so);
                assert_eq!(word(so + offset_of!(kcr_sockopts, ino_mode)), 0o140_777);
            }
        }
        let l = &v[recs[1].0..];
        assert_eq!(
            &l[offset_of!(kcr_rec_inet, saddr)..][..16],
            &[127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            u16::from_le_bytes([
                l[offset_of!(kcr_rec_inet, sport)],
                l[offset_of!(kcr_rec_inet, sport) + 1]
            ]),
            8080
        );
        assert_eq!(&l[offset_of!(kcr_rec_inet, congestion)..][..6], b"cubic\0");
        let u = &v[recs[3].0..];
        assert_eq!(
            &u[offset_of!(kcr_rec_inet, daddr)..][..16],
            &std::net::Ipv6Addr::LOCALHOST.octets()
        );
        assert!(u[offset_of!(kcr_rec_inet, congestion)..][..16]
            .iter()
            .all(|&b| b == 0));
        // The UDP socket announces its two datagrams, 9 + 3000 bytes.
        let word = |b: &[u8], f: usize| u32::from_le_bytes([b[f], b[f + 1], b[f + 2], b[f + 3]]);
        assert_eq!(word(u, offset_of!(kcr_rec_inet, nr_skbs)), 2);
        assert_eq!(word(u, offset_of!(kcr_rec_inet, bytes)), 3009);
        let d4 = &v[recs[4].0..recs[4].0 + recs[4].2];
        assert_eq!(recs[4].2, 48 + 16);
        assert_eq!(
            u16::from_le_bytes([d4[12], d4[13]]),
            inet_sock::AF_INET,
            "family"
        );
        assert_eq!(u16::from_le_bytes([d4[14], d4[15]]), 40001, "sport");
        assert_eq!(&d4[16..32], &inet_addr("127.0.0.1".parse().unwrap()));
        assert_eq!(&d4[48..57], b"ping 4 v4");
        assert!(d4[57..].iter().all(|&b| b == 0), "padding");
        let d6 = &v[recs[5].0..recs[5].0 + recs[5].2];
        assert_eq!(recs[5].2, 48 + 3000);
        assert_eq!(u16::from_le_bytes([d6[12], d6[13]]), inet_sock::AF_INET6);
        assert_eq!(&d6[32..48], &std::net::Ipv6Addr::LOCALHOST.octets());
    }

    #[test]
    fn the_tcp_sample_is_its_records() {
        let v = sample_tcp_records();
        let recs = records_of(&v);
        let types: Vec<u32> = recs.iter().map(|r| r.1).collect();
        let (file, inet, conn, data) = (rec::FILE, rec::INET, rec::TCP_CONN, rec::TCP_DATA);
        assert_eq!(
            types,
            [file, inet, conn, data, data, data, file, inet, conn, data]
        );
        let word = |o: usize| u32::from_le_bytes([v[o], v[o + 1], v[o + 2], v[o + 3]]);
        let half = |o: usize| u16::from_le_bytes([v[o], v[o + 1]]);
        // Two connected TCP sockets, each the other's peer.
        let (a, b) = (recs[1].0, recs[7].0);
        for (me, other) in [(a, b), (b, a)] {
            assert_eq!(
                word(me + offset_of!(kcr_rec_inet, state)),
                inet_state::CONNECTED
            );
            assert_eq!(
                half(me + offset_of!(kcr_rec_inet, protocol)),
                inet_sock::IPPROTO_TCP
            );
            assert_eq!(
                half(me + offset_of!(kcr_rec_inet, sport)),
                half(other + offset_of!(kcr_rec_inet, dport))
            );
            let saddr = offset_of!(kcr_rec_inet, saddr);
            let daddr = offset_of!(kcr_rec_inet, daddr);
            assert_eq!(v[me + saddr..][..16], v[other + daddr..][..16]);
        }
        assert_eq!(half(a + offset_of!(kcr_rec_inet, sport)), 40000);
        // The connection record, field by field.
        let c = recs[2].0;
        assert_eq!(recs[2].2, 72);
        let f = |o: usize| word(c + o);
        assert_eq!(
            (
                f(offset_of!(kcr_rec_tcp_conn, snd_una)),
                f(offset_of!(kcr_rec_tcp_conn, snd_nxt)),
                f(offset_of!(kcr_rec_tcp_conn, write_seq)),
                f(offset_of!(kcr_rec_tcp_conn, rcv_nxt)),
                f(offset_of!(kcr_rec_tcp_conn, copied_seq)),
                f(offset_of!(kcr_rec_tcp_conn, mss_clamp)),
                f(offset_of!(kcr_rec_tcp_conn, opts)),
                f(offset_of!(kcr_rec_tcp_conn, rcvbuf)),
            ),
            (1000, 1010, 1016, 5000, 4995, 65483, 7, 131_072)
        );
        assert_eq!(
            (
                v[c + offset_of!(kcr_rec_tcp_conn, snd_wscale)],
                v[c + offset_of!(kcr_rec_tcp_conn, rcv_wscale)]
            ),
            (7, 7)
        );
        // Its data: queue, length, bytes, zero padding.
        let d = recs[4].0;
        assert_eq!(recs[4].2, 16 + 8);
        assert_eq!(word(d + 8), tcp_conn::SEND_QUEUE);
        assert_eq!(word(d + 12), 6);
        assert_eq!(&v[d + 16..d + 22], b"/1.0\r\n");
        assert_eq!(&v[d + 22..d + 24], &[0, 0]);
        let d = recs[5].0;
        assert_eq!((word(d + 8), word(d + 12)), (tcp_conn::RECV_QUEUE, 5));
        assert_eq!(&v[recs[9].0 + 16..][..6], b"/ HTTP");
    }

    #[test]
    fn the_tcp_backlog_sample_is_its_records() {
        let v = sample_tcp_backlog_records();
        let recs = records_of(&v);
        let types: Vec<u32> = recs.iter().map(|r| r.1).collect();
        let (file, inet, conn, data) = (rec::FILE, rec::INET, rec::TCP_CONN, rec::TCP_DATA);
        assert_eq!(types, [file, inet, inet, conn, data, inet, conn]);
        let word = |o: usize| u32::from_le_bytes([v[o], v[o + 1], v[o + 2], v[o + 3]]);
        let half = |o: usize| u16::from_le_bytes([v[o], v[o + 1]]);
        // The listener announces its two connections, within its backlog.
        let l = recs[1].0;
        assert_eq!(
            word(l + offset_of!(kcr_rec_inet, state)),
            inet_state::LISTEN
        );
        assert_eq!(word(l + offset_of!(kcr_rec_inet, nr_skbs)), 2);
        assert_eq!(word(l + offset_of!(kcr_rec_inet, backlog)), 4);
        assert_eq!(
            word(l + offset_of!(kcr_rec_inet, tcp_flags)),
            tcp_flags::NODELAY
        );
        // Each connection: connected, the listener's family and port, its
        // own peer and address, its listener's options.
        for (i, port) in [(2, 40001), (5, 40002)] {
            let o = recs[i].0;
            assert_eq!(
                word(o + offset_of!(kcr_rec_inet, state)),
                inet_state::CONNECTED
            );
            assert_eq!(
                half(o + offset_of!(kcr_rec_inet, family)),
                inet_sock::AF_INET
            );
            assert_eq!(half(o + offset_of!(kcr_rec_inet, sport)), 7462);
            assert_eq!(half(o + offset_of!(kcr_rec_inet, dport)), port);
            assert_eq!(
                &v[o + offset_of!(kcr_rec_inet, saddr)..][..4],
                &[127, 0, 0, 1]
            );
            for f in [
                offset_of!(kcr_rec_inet, backlog),
                offset_of!(kcr_rec_inet, nr_skbs),
            ] {
                assert_eq!(word(o + f), 0);
            }
            assert_eq!(
                word(o + offset_of!(kcr_rec_inet, tcp_flags)),
                tcp_flags::NODELAY
            );
            let so = offset_of!(kcr_rec_inet, so);
            assert_eq!(word(o + so), so_flags::REUSEADDR);
        }
        // Nothing sent before accept(); the first has data to read.
        for i in [3, 6] {
            let c = recs[i].0;
            assert_eq!(
                word(c + offset_of!(kcr_rec_tcp_conn, write_seq)),
                word(c + offset_of!(kcr_rec_tcp_conn, snd_una))
            );
        }
        let d = recs[4].0;
        assert_eq!((word(d + 8), word(d + 12)), (tcp_conn::RECV_QUEUE, 6));
        assert_eq!(&v[d + 16..d + 22], b"hello\n");
    }

    /// Writes the `image_parse` seeds ([`seed_images`]) into
    /// `fuzz/corpus/image_parse/seed-*`, as the fuzz crate's
    /// `write_seed_corpus` does (for when only this crate is built).
    #[test]
    #[ignore = "writes fuzz/corpus/image_parse; run by hand after a format change"]
    fn write_image_parse_seeds() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/image_parse");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, img) in seed_images() {
            std::fs::write(dir.join(format!("seed-{name}")), &img).unwrap();
        }
    }

    #[test]
    fn the_unix_listen_samples_are_their_records() {
        for first in [false, true] {
            let v = sample_unix_listen_records(first);
            let recs = records_of(&v);
            assert_eq!(recs.len(), 22);
            let types: Vec<u32> = recs.iter().map(|r| r.1).collect();
            let listener = types.iter().position(|&t| t == rec::UNIX_EMBRYO).unwrap() - 1;
            let client = recs
                .iter()
                .position(|&(o, t, _)| {
                    t == rec::UNIX_QUEUE
                        && v[o + offset_of!(kcr_rec_unix_queue, peer)] == unix_peer::EMBRYO as u8
                })
                .unwrap();
            assert_eq!(client < listener, first);
            // The UNIX records of the sockets bound to a path carry it.
            let mut with_path = 0;
            for &(o, _, len) in recs.iter().filter(|r| r.1 == rec::UNIX) {
                let node_len = v[o + offset_of!(kcr_rec_unix, node_len)] as usize;
                assert_eq!(
                    len,
                    size_of::<kcr_rec_unix>() + node_len.next_multiple_of(8)
                );
                with_path += usize::from(node_len > 0);
            }
            assert_eq!(with_path, 2);
        }
    }
}
