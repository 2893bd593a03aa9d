//! Tests of the parser: the sample images of [`crate::samples`], valid and
//! damaged one field at a time (what `show` prints of them is tested
//! there).

use super::*;
use crate::samples::*;
use std::mem::{offset_of, size_of};

#[test]
fn threads_follow_their_process() {
    let img = threaded(
        3,
        &[
            thread_records(43, 50, &[(10, 0)]),
            thread_records(44, 51, &[]),
        ],
    );
    let im = parse(&img[..]).unwrap();
    let p = &im.tasks[0];
    assert_eq!((p.nr_threads, p.threads.len()), (3, 2));
    let th = &p.threads[0];
    assert_eq!((th.pid, th.tgid, th.comm.as_str()), (43, 42, "worker"));
    assert_eq!(th.flags, ["thread"]);
    assert_eq!(th.regs.map(|r| r.ip), Some(0x401234));
    assert_eq!(th.sigpending.len(), 1);
    assert_eq!(th.sigpending[0].signo, 10);
    let alone = parse(&sample()[..]).unwrap();
    assert_eq!(p.sigpending.len(), alone.tasks[0].sigpending.len());
    assert!(p.mm.is_some() && th.mm.is_none());
}

#[test]
fn bad_thread_records_are_named() {
    let cases: [(Vec<u8>, &str); 7] = [
        (
            threaded(3, &[thread_records(43, 50, &[])]),
            "process 42 has 3 threads, the image holds 2",
        ),
        (
            threaded(
                2,
                &[thread_records(43, 50, &[]), thread_records(44, 51, &[])],
            ),
            "more thread records than the 2 threads",
        ),
        (
            threaded(2, &[thread_records(42, 50, &[])]),
            "is not one of process 42",
        ),
        (
            threaded(
                3,
                &[thread_records(43, 50, &[]), thread_records(43, 51, &[])],
            ),
            "thread 43 twice",
        ),
        (
            threaded(2, &[thread_records(43, 50, &[(10, 1)])]),
            "pending signal 10 (queue 1",
        ),
        (threaded(0, &[]), "with 0 threads is not a process"),
        (
            threaded(1, &[thread_records(43, 50, &[])]),
            "more thread records than the 1 threads",
        ),
    ];
    for (img, want) in cases {
        let e = parse(&img[..]).unwrap_err().to_string();
        assert!(e.contains(want), "{e} lacks {want:?}");
    }
    // A thread's records may not carry process state.
    let (mut th, r) = thread_records(43, 50, &[]);
    th.extend(record(rec::FS, size_of::<kcr_rec_fs>(), &[]));
    let e = parse(&threaded(2, &[(th, r + 1)])[..])
        .unwrap_err()
        .to_string();
    assert!(e.contains("belong to a thread"), "{e}");
}

#[test]
fn debug_registers() {
    let p = parse(&with_debugregs(0x601000, 0xd0001)[..]).unwrap();
    assert_eq!(p.tasks[0].debugregs.map(|d| d.2), Some(0xd0001));
    let e = parse(&with_debugregs(0xffff_8000_0000_0000, 0xd0001)[..]).unwrap_err();
    assert!(e.msg.contains("outside user space"), "{e}");
}

#[test]
fn tree_images() {
    let img = parse(&tree_sample(&[entry(42, 1, 42, 42)])[..]).unwrap();
    assert_eq!(img.tree.len(), 1);
    // The tree must match the task records, and announce all of them.
    let e = parse(&tree_sample(&[entry(43, 1, 43, 43)])[..]).unwrap_err();
    assert!(e.msg.contains("does not match tree entry"), "{e}");
    let e = parse(&tree_sample(&[entry(42, 1, 42, 42), entry(50, 42, 42, 42)])[..]).unwrap_err();
    assert!(e.msg.contains("1 tasks, the image announces 2"), "{e}");
    // A TREE record in an image without the flag.
    let mut b = body(&tree_sample(&[entry(42, 1, 42, 42)]));
    b[offset_of!(kcr_rec_header, flags)] = 0;
    let e = parse(&finish(b, N + 1)[..]).unwrap_err();
    assert!(e.msg.contains("TREE only right after the HEADER"), "{e}");
}

#[test]
fn tree_relations() {
    // The selftest's tree: a session leader, a child in its group, a
    // group leader, and a grandchild in that group.
    let good = [
        entry(34, 33, 34, 34),
        entry(35, 34, 35, 34),
        entry(37, 34, 34, 34),
        entry(38, 37, 35, 34),
    ];
    assert_eq!(check_tree(&good), Ok(()));
    let bad = |i: usize, e: kcr_tree_task, what: &str| {
        let mut t = good;
        t[i] = e;
        let m = check_tree(&t).unwrap_err();
        assert!(m.contains(what), "{m}");
    };
    bad(1, entry(34, 34, 34, 34), "twice");
    bad(3, entry(38, 99, 35, 34), "parent is not an earlier");
    bad(1, entry(35, 38, 35, 34), "parent is not an earlier");
    bad(3, entry(38, 37, 37, 34), "cannot be joined");
    bad(3, entry(38, 37, 35, 35), "neither its own nor its parent");
    bad(2, entry(37, 34, 34, 37), "session leader outside");
    bad(
        0,
        entry(34, 33, 35, 33),
        "root with a parent, session or group",
    );
    bad(1, entry(35, 34, 0, 34), "malformed");
}

#[test]
fn sample_parses() {
    let img = parse(&sample()[..]).unwrap();
    assert_eq!(img.records, N);
    assert_eq!(img.header.release, "6.12.117");
    let t = &img.tasks[0];
    assert_eq!((t.pid, t.comm.as_str()), (42, "counter"));
    let mm = t.mm.as_ref().unwrap();
    assert_eq!(mm.vmas.len(), 2);
    assert_eq!(mm.vmas[1].pages, 3);
    assert_eq!(mm.vmas[0].file, Some(2));
    assert_eq!(img.files[1].path, "/bin/counter");
    assert_eq!(t.groups, [5, 6]);
    assert_eq!(t.rlimits[0], (1024, u64::MAX));
    assert_eq!(t.sigactions.len(), 1);
    assert_eq!(t.sigactions[0].signo, 10);
    assert_eq!((t.sigpending[0].signo, t.sigpending[0].code), (10, -1));
    assert_eq!(t.fds.len(), 2);
    assert!(t.fds[1].cloexec);
    assert_eq!(img.files[2].pipe, Some(5));
    assert_eq!(img.pipes[0].nr_bytes, 5);
}

#[test]
fn a_flipped_page_byte_breaks_the_checksum() {
    let mut img = sample();
    let n = img.len();
    img[n - 100] ^= 1;
    let e = parse(&img[..]).unwrap_err();
    assert_eq!(e.record, "TAIL");
    assert!(e.msg.contains("checksum mismatch"), "{e}");
}

#[test]
fn truncation_is_named() {
    let img = sample();
    let e = parse(&img[..img.len() - 5]).unwrap_err();
    assert!(e.msg.starts_with("truncated"), "{e}");
    let e = parse(&body(&img)[..]).unwrap_err();
    assert!(e.msg.contains("without a TAIL"), "{e}");
    assert!(parse(&[][..]).is_err());
}

#[test]
fn bad_lengths_and_types() {
    let img = sample();
    let task_off = size_of::<kcr_rec_header>();
    let mut b = body(&img);
    b[task_off + 4] = 7; // length not a multiple of 8
    let e = parse(&finish(b, N)[..]).unwrap_err();
    assert_eq!((e.offset, e.index), (task_off as u64, 1));
    assert!(e.msg.contains("bad length"), "{e}");
    let mut b = body(&img);
    b[task_off] = 0x55;
    let e = parse(&finish(b, N)[..]).unwrap_err();
    assert!(e.msg.contains("unknown record type 0x55"), "{e}");
    let mut b = body(&img);
    b[task_off + 4..task_off + 8].copy_from_slice(&(KCR_REC_MAX_LEN + 8).to_le_bytes());
    assert!(parse(&finish(b, N)[..])
        .unwrap_err()
        .msg
        .contains("bad length"));
}

#[test]
fn dangling_reference_and_bad_ranges() {
    let img = sample();
    let b = body(&img);
    // The first VMA's file_ref is 2; point it at 9.
    let vma_off = b
        .windows(8)
        .position(|w| w == [7, 0, 0, 0, size_of::<kcr_rec_vma>() as u8, 0, 0, 0])
        .unwrap();
    let mut c = b.clone();
    c[vma_off + offset_of!(kcr_rec_vma, file_ref)] = 9;
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(
        e.msg.contains("names no earlier regular or shmem FILE"),
        "{e}"
    );
    let mut c = b.clone();
    c[vma_off + offset_of!(kcr_rec_vma, end) + 6] = 0xff;
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("bad range"), "{e}");
}

#[test]
fn file_offsets_are_checked_as_restart_does() {
    // Found by the image_parse fuzz target: `image show` multiplied a
    // huge pgoff by the page size.
    // The file mapping (2 pages): the largest offset is fine...
    parse(&with_file_pgoff((u64::MAX >> 12) - 2)[..]).unwrap();
    // ...one more overflows.
    let e = parse(&with_file_pgoff((u64::MAX >> 12) - 1)[..]).unwrap_err();
    assert!(e.msg.contains("file offset"), "{e}");
    let b = body(&sample());
    let first = rec_off(&b, rec::VMA);
    let len = u32::from_le_bytes([b[first + 4], b[first + 5], b[first + 6], b[first + 7]]);
    let next = first + len as usize;
    let second = next + rec_off(&b[next..], rec::VMA);
    let pgoff = |o: usize| o + offset_of!(kcr_rec_vma, pgoff);
    // An anonymous mapping has none.
    let mut c = b.clone();
    put(&mut c, pgoff(second), &1u64.to_le_bytes());
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("file offset 0x1"), "{e}");
}

#[test]
fn foreign_images_are_refused() {
    let mut b = body(&sample());
    b[offset_of!(kcr_rec_header, magic)] ^= 0xff;
    assert!(parse(&finish(b, N)[..])
        .unwrap_err()
        .msg
        .contains("bad magic"));
    let mut b = body(&sample());
    b[offset_of!(kcr_rec_header, version)] = 9;
    assert!(parse(&finish(b, N)[..])
        .unwrap_err()
        .msg
        .contains("format version 9"));
}

#[test]
fn wrong_tail_counts_and_trailing_bytes() {
    let b = body(&sample());
    assert!(parse(&finish(b.clone(), N - 1)[..])
        .unwrap_err()
        .msg
        .contains("tail counts"));
    let mut img = finish(b, N);
    img.push(0);
    assert!(parse(&img[..]).unwrap_err().msg.contains("after the TAIL"));
}

#[test]
fn bad_signal_and_file_records() {
    let b = body(&sample());
    // A pending SIGKILL.
    let mut c = b.clone();
    let o = rec_off(&c, rec::SIGPENDING);
    put(
        &mut c,
        o + offset_of!(kcr_rec_sigpending, signo),
        &9i32.to_le_bytes(),
    );
    put(
        &mut c,
        o + offset_of!(kcr_rec_sigpending, siginfo),
        &9i32.to_le_bytes(),
    );
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("pending signal 9"), "{e}");
    // A siginfo that disagrees with its record.
    let mut c = b.clone();
    let o = rec_off(&c, rec::SIGPENDING);
    put(
        &mut c,
        o + offset_of!(kcr_rec_sigpending, code),
        &1i32.to_le_bytes(),
    );
    assert!(parse(&finish(c, N)[..]).is_err());
    // A kernel address as a handler.
    let mut c = b.clone();
    let o = rec_off(&c, rec::SIGHAND) + offset_of!(kcr_rec_sighand, action);
    put(&mut c, o, &0xffff_ffff_8100_0000u64.to_le_bytes());
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("outside user space"), "{e}");
    // A soft limit above the hard one.
    let mut c = b.clone();
    let o = rec_off(&c, rec::RLIMITS) + offset_of!(kcr_rec_rlimits, rlim);
    put(&mut c, o + 8, &1u64.to_le_bytes());
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("above hard"), "{e}");
    // An fd naming no file, and fds out of order.
    let mut c = b.clone();
    let o = rec_off(&c, rec::FD);
    put(
        &mut c,
        o + offset_of!(kcr_rec_fd, file_ref),
        &99u32.to_le_bytes(),
    );
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("names no earlier FILE"), "{e}");
    let mut c = b.clone();
    let o = rec_off(&c, rec::FD);
    put(&mut c, o + offset_of!(kcr_rec_fd, fd), &7u32.to_le_bytes());
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("out of order"), "{e}");
    // A pipe end naming no pipe; a file of unknown kind.
    let mut c = b.clone();
    let o = rec_off(&c, rec::PIPE);
    put(
        &mut c,
        o + offset_of!(kcr_rec_pipe, objid),
        &55u32.to_le_bytes(),
    );
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("names no earlier PIPE"), "{e}");
    let mut c = b.clone();
    let o = rec_off(&c, rec::FILE);
    put(
        &mut c,
        o + offset_of!(kcr_rec_file, kind),
        &9u32.to_le_bytes(),
    );
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("unknown file kind 9"), "{e}");
    // The cwd must be a directory.
    let mut c = b.clone();
    let o = rec_off(&c, rec::FS);
    put(
        &mut c,
        o + offset_of!(kcr_rec_fs, cwd_ref),
        &2u32.to_le_bytes(),
    );
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("cwd reference 2"), "{e}");
}

#[test]
fn shared_memory_objects_carry_their_pages() {
    let img = parse(&with_memfd(8192)[..]).unwrap();
    let m = img.files.iter().find(|f| f.objid == 20).unwrap();
    assert_eq!((m.kind, m.path.as_str(), m.pages), ("shmem", "memfd:x", 1));
    // A page past the end of the object.
    let e = parse(&with_memfd(12288)[..]).unwrap_err();
    assert!(e.msg.contains("outside their mapping"), "{e}");
}
