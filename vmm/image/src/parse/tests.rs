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
    // Zombies: any leaf but the root, with a status exit() or a signal
    // can leave; never a parent, never other flags.
    let mut z = good;
    z[3] = zombie(38, 37, 35, 34, 42 << 8);
    assert_eq!(check_tree(&z), Ok(()));
    z[3] = zombie(38, 37, 35, 34, 9 | 0x80);
    assert_eq!(check_tree(&z), Ok(()));
    bad(0, zombie(34, 33, 34, 34, 0), "zombie root");
    bad(3, zombie(38, 37, 35, 34, 0x7f), "bad exit status");
    bad(3, zombie(38, 37, 35, 34, 0x1_0000), "bad exit status");
    bad(3, zombie(38, 37, 35, 34, 0x180), "bad exit status");
    bad(2, zombie(37, 34, 34, 34, 0), "child of a zombie");
    let mut e = entry(38, 37, 35, 34);
    e.exit_status = 1;
    bad(3, e, "malformed");
    e = zombie(38, 37, 35, 34, 0);
    e.flags |= 2;
    bad(3, e, "malformed");
    e = dead_leader(38, 37, 34);
    e.flags |= 4;
    bad(3, e, "malformed");
}

#[test]
fn dead_leaders() {
    // Root 10 (a subreaper); the placeholder of dead session leader 20,
    // with the members 21 (adopted by 10, created by 20) and 22 (21's
    // child); dead group leader 30 in the root's session, joined by 31.
    let good = [
        entry(10, 1, 10, 10),
        dead_leader(20, 10, 20),
        entry(21, 10, 20, 20),
        entry(22, 21, 22, 20),
        entry(31, 10, 30, 10),
        dead_leader(30, 10, 10),
    ];
    assert_eq!(check_tree(&good), Ok(()));
    let creators: Vec<_> = (0..good.len()).map(|i| tree_creator(&good, i)).collect();
    assert_eq!(
        creators,
        [None, Some(0), Some(1), Some(2), Some(0), Some(0)]
    );
    let bad = |i: usize, e: kcr_tree_task, why: &str| {
        let mut tt = good;
        tt[i] = e;
        let err = check_tree(&tt).unwrap_err();
        assert!(err.contains(why), "entry {i}: {err}");
    };
    bad(0, dead_leader(10, 1, 10), "dead leader that is the root");
    bad(5, entry(30, 10, 31, 10), "cannot be joined");
    let mut e = dead_leader(20, 10, 20);
    e.pgid = 21;
    bad(1, e, "leads no group");
    e = dead_leader(30, 10, 10);
    e.exit_status = 9;
    bad(5, e, "malformed");
    e.exit_status = 0;
    e.flags |= KCR_TREE_ZOMBIE;
    bad(5, e, "malformed");
    // Nothing is the child of a placeholder.
    bad(
        3,
        entry(22, 20, 22, 20),
        "child of a zombie or of a dead leader",
    );
    // A member of the dead session that the placeholder does not share a
    // parent with cannot be created in that session.
    bad(2, entry(21, 1, 20, 20), "parent is not an earlier");
    let mut other = good;
    other[1].ppid = 22;
    assert!(check_tree(&other).is_err());
    // The placeholder after the member it creates.
    let mut late = good;
    late.swap(1, 2);
    let err = check_tree(&late).unwrap_err();
    assert!(err.contains("parent is not an earlier"), "{err}");
    // Placeholders have no section.
    let img = parse(&tree_sample(&[entry(42, 1, 42, 42), dead_leader(50, 42, 42)])[..]).unwrap();
    assert_eq!((img.tree.len(), img.tasks.len()), (2, 1));
}

#[test]
fn zombies_have_no_section() {
    // The sample's one process and two zombie children: one section.
    let tt = [
        entry(42, 1, 42, 42),
        zombie(50, 42, 42, 42, 42 << 8),
        zombie(51, 42, 51, 42, 15),
    ];
    let img = parse(&tree_sample(&tt)[..]).unwrap();
    assert_eq!((img.tree.len(), img.tasks.len()), (3, 1));
    // The same tree with the child alive announces a second section.
    let e = parse(&tree_sample(&[tt[0], entry(50, 42, 42, 42)])[..]).unwrap_err();
    assert!(e.msg.contains("1 tasks, the image announces 2"), "{e}");
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
    let o = rec_off(&img, rec::PAGES) + size_of::<kcr_rec_pages>() + 100;
    img[o] ^= 1;
    let e = parse(&img[..]).unwrap_err();
    assert_eq!(e.record, "TAIL");
    assert!(e.msg.contains("checksum mismatch"), "{e}");
}

#[test]
fn the_tail_is_xxh64_with_zero_padding() {
    let img = sample();
    let t = rec_off(&img, rec::TAIL);
    let sum = u64::from_le_bytes(img[t + 8..t + 16].try_into().unwrap());
    assert_eq!(sum, xxhash_rust::xxh64::xxh64(&img[..t], 0));
    assert_eq!(parse(&img[..]).unwrap().xxh64, sum);
    let mut bad = img.clone();
    bad[t + offset_of!(kcr_rec_tail, __pad)] = 1;
    let e = parse(&bad[..]).unwrap_err();
    assert_eq!(e.record, "TAIL");
    assert!(e.msg.contains("non-zero padding"), "{e}");
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
        e.msg
            .contains("names no earlier regular, shmem or ghost FILE"),
        "{e}"
    );
    let mut c = b.clone();
    c[vma_off + offset_of!(kcr_rec_vma, end) + 6] = 0xff;
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("bad range"), "{e}");
}

#[test]
fn proc_files() {
    let img = parse(&with_files(&proc_file(30, "/proc/self/maps", 0o100_444, 2), 1)[..]).unwrap();
    let f = img.files.iter().find(|f| f.objid == 30).unwrap();
    assert_eq!((f.kind, f.path.as_str()), ("proc", "/proc/self/maps"));
    let dir = proc_file(31, "/proc/self/fd", 0o040_500, 0);
    assert!(parse(&with_files(&dir, 1)[..]).is_ok());
    let bad = |rec: Vec<u8>, want: &str| {
        let e = parse(&with_files(&rec, 1)[..]).unwrap_err();
        assert!(e.msg.contains(want), "{e}");
    };
    // A symlink, a device; an inode number or a size.
    bad(
        proc_file(30, "/proc/self/exe", 0o120_777, 0),
        "file of /proc 30",
    );
    bad(
        proc_file(30, "/proc/self/x", 0o020_600, 0),
        "file of /proc 30",
    );
    let mut f = proc_file(30, "/proc/self/status", 0o100_444, 0);
    put(&mut f, offset_of!(kcr_rec_file, ino), &7u64.to_le_bytes());
    bad(f, "file of /proc 30");
    let mut f = proc_file(30, "/proc/self/status", 0o100_444, 0);
    put(&mut f, offset_of!(kcr_rec_file, size), &1u64.to_le_bytes());
    bad(f, "file of /proc 30");
    // It has a path.
    bad(proc_file(30, "", 0o100_444, 0), "path");
}

#[test]
fn eventfd_state_follows_its_file() {
    let img = parse(&with_files(&eventfd_records(u64::MAX - 1, 1), 2)[..]).unwrap();
    let f = img.files.iter().find(|f| f.objid == 30).unwrap();
    assert_eq!((f.kind, f.path.as_str()), ("eventfd", ""));
    assert_eq!(
        f.eventfd,
        Some(Eventfd {
            count: u64::MAX - 1,
            semaphore: true
        })
    );
    let bad = |img: Vec<u8>, want: &str| {
        let e = parse(&img[..]).unwrap_err();
        assert!(e.msg.contains(want), "{e}");
    };
    bad(
        with_files(&eventfd_records(u64::MAX, 0), 2),
        "eventfd count",
    );
    bad(with_files(&eventfd_records(1, 2), 2), "flags 0x2");
    // The FILE alone, or the EVENTFD alone.
    let v = eventfd_records(1, 0);
    let file_len = size_of::<kcr_rec_file>();
    bad(
        with_files(&v[..file_len], 1),
        "needs its EVENTFD record next",
    );
    bad(with_files(&v[file_len..], 1), "only right after the FILE");
    // Read-only, or with a path.
    let mut ro = v.clone();
    put(
        &mut ro,
        offset_of!(kcr_rec_file, f_flags),
        &0u32.to_le_bytes(),
    );
    bad(with_files(&ro, 2), "eventfd file 30 (flags 0x0)");
    let mut pos = v.clone();
    put(&mut pos, offset_of!(kcr_rec_file, pos), &1i64.to_le_bytes());
    bad(with_files(&pos, 2), "eventfd file 30");
    let mut named = v.clone();
    put(
        &mut named,
        offset_of!(kcr_rec_file, path_len),
        &8u32.to_le_bytes(),
    );
    bad(with_files(&named, 2), "path length 8");
}

#[test]
fn signalfd_masks_never_hold_sigkill_or_sigstop() {
    let img = parse(&with_files(&signalfd_records(1 << 9 | 1 << 16), 2)[..]).unwrap();
    let f = img.files.iter().find(|f| f.objid == 31).unwrap();
    assert_eq!((f.kind, f.signalfd), ("signalfd", Some(1 << 9 | 1 << 16)));
    for m in [1 << 8, 1 << 18] {
        let e = parse(&with_files(&signalfd_records(m), 2)[..]).unwrap_err();
        assert!(e.msg.contains("has SIGKILL or SIGSTOP"), "{e}");
    }
    // Another kind's state record after it.
    let mut v = signalfd_records(1);
    v.truncate(size_of::<kcr_rec_file>());
    v.extend(&eventfd_records(1, 0)[size_of::<kcr_rec_file>()..]);
    let e = parse(&with_files(&v, 2)[..]).unwrap_err();
    assert!(
        e.msg
            .contains("signalfd file 31 needs its SIGNALFD record next"),
        "{e}"
    );
}

#[test]
fn timerfd_states_are_checked_as_restart_does() {
    let img = parse(&with_files(&timerfd_records(1, 0, 3_000_000_000, 5, 2), 2)[..]).unwrap();
    let t = img
        .files
        .iter()
        .find(|f| f.objid == 32)
        .unwrap()
        .timerfd
        .unwrap();
    assert_eq!(
        (t.clock, t.value_ns, t.interval_ns, t.ticks),
        ("monotonic", 3_000_000_000, 5, 2)
    );
    // Absolute realtime with cancel-on-set is fine.
    parse(&with_files(&timerfd_records(0, 3, 1 << 60, 0, 0), 2)[..]).unwrap();
    for (clock, flags, value, interval) in [
        (8, 0, 1, 0),  // CLOCK_REALTIME_ALARM
        (1, 4, 1, 0),  // unknown flag
        (1, 3, 1, 0),  // cancel-on-set of a monotonic timer
        (0, 2, 1, 0),  // cancel-on-set of a relative timer
        (1, 0, -1, 0), // negative time left
        (1, 0, 1, -5), // negative interval
    ] {
        let img = with_files(&timerfd_records(clock, flags, value, interval, 0), 2);
        let e = parse(&img[..]).unwrap_err();
        assert!(e.msg.contains("timerfd clock"), "{clock} {flags}: {e}");
    }
}

#[test]
fn epoll_items_name_earlier_files() {
    let img = parse(&with_epoll()[..]).unwrap();
    let f = img.files.iter().find(|f| f.objid == 33).unwrap();
    let items = f.epoll.as_ref().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!((items[0].file, items[0].fd, items[0].ready), (30, 4, true));
    let bad = |items: &[(u32, i32, u32, u32, u64)], want: &str| {
        let mut v = eventfd_records(1, 0);
        v.extend(epoll_records(items));
        let e = parse(&with_files(&v, 4)[..]).unwrap_err();
        assert!(e.msg.contains(want), "{e}");
    };
    bad(&[(99, 4, 1, 0, 0)], "epoll item of file 99");
    bad(&[(8, 4, 1, 0, 0)], "epoll item of file 8"); // FDTABLE, not a FILE
    bad(&[(30, -1, 1, 0, 0)], "fd -1");
    bad(&[(30, 4, 1 << 29, 0, 0)], "events 0x20000000"); // EPOLLWAKEUP
    bad(&[(30, 4, 1, 2, 0)], "flags 0x2");
    bad(
        &[(30, 4, 1, 0, 0), (30, 4, 4, 0, 0)],
        "file 30 added twice as fd 4",
    );
    // The same file as two fds is fine.
    let mut v = eventfd_records(1, 0);
    v.extend(epoll_records(&[(30, 4, 1, 0, 0), (30, 5, 1, 0, 0)]));
    parse(&with_files(&v, 4)[..]).unwrap();
}

/// `sample()` with an inotify (object 34) of cursor 4 with `watches` and
/// `events` among its file objects.
fn inotify_img(watches: &[Vec<u8>], events: &[Vec<u8>]) -> Vec<u8> {
    let n = 2 + watches.len() + events.len();
    with_files(&inotify_records(4, watches, events), n as u32)
}

/// The inotify state of object 34 of `img`.
fn inotify_of(img: &Image) -> &Inotify {
    let f = img.files.iter().find(|f| f.objid == 34).unwrap();
    f.inotify.as_ref().unwrap()
}

/// An inotify FILE (object 34) whose INOTIFY record announces
/// `nr_watches` watches and `nr_events` events, followed by `rest`
/// (records); with the sample's records around them, and as many
/// records as there are.
fn inotify_announcing(nr_watches: u32, nr_events: u32, rest: &[Vec<u8>]) -> Vec<u8> {
    let mut v = inotify_records(4, &[], &[]);
    let o = size_of::<kcr_rec_file>();
    for (f, n) in [
        (offset_of!(kcr_rec_inotify, nr_watches), nr_watches),
        (offset_of!(kcr_rec_inotify, nr_events), nr_events),
    ] {
        put(&mut v, o + f, &n.to_le_bytes());
    }
    v.extend(rest.concat());
    with_files(&v, 2 + rest.len() as u32)
}

#[test]
fn inotify_state_follows_its_file() {
    use inotify_mask::*;
    let img = parse(&with_inotify()[..]).unwrap();
    assert_eq!(img.records, N + 10);
    let f = img.files.iter().find(|f| f.objid == 34).unwrap();
    assert_eq!(
        (f.kind, f.path.as_str(), f.f_flags),
        ("inotify", "", 0o4000)
    );
    let i = inotify_of(&img);
    assert_eq!(i.cursor, 4);
    assert_eq!(
        i.watches,
        [
            InotifyWatch {
                wd: 1,
                mask: 0x3c0,
                mask_names: vec!["moved-from", "moved-to", "create", "delete"],
                ino: 2,
                path: "/tmp".into(),
            },
            InotifyWatch {
                wd: 3,
                mask: 0x8400_000a,
                mask_names: vec!["modify", "close-write", "excl-unlink", "oneshot"],
                ino: 1234,
                path: "/etc/hosts".into(),
            },
        ]
    );
    let events: Vec<_> = i
        .events
        .iter()
        .map(|e| (e.wd, e.mask, e.cookie, e.name.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            (1, CREATE, 0, "a.txt"),
            (1, MOVED_FROM, 7, "a.txt"),
            (1, MOVED_TO, 7, "notes-2026.txt"),
            (1, CREATE | ISDIR, 0, "dir12345"),
            (2, IGNORED, 0, ""),
            (-1, Q_OVERFLOW, 0, ""),
        ]
    );
    assert_eq!(i.events[3].mask_names, ["create", "isdir"]);
    assert!(parse(&sample()[..])
        .unwrap()
        .files
        .iter()
        .all(|f| f.inotify.is_none()));
    // Nothing watched nor queued; events of watches removed since, and
    // no watch; watches and no event; the cursor's bounds.
    for (cursor, w, e) in [
        (0, vec![], vec![]),
        (i32::MAX, vec![], vec![]),
        (7, vec![], sample_inotify_events()),
        (1, sample_inotify_watches(), vec![]),
    ] {
        let img = with_files(
            &inotify_records(cursor, &w, &e),
            2 + (w.len() + e.len()) as u32,
        );
        let img = parse(&img[..]).unwrap();
        let i = inotify_of(&img);
        assert_eq!(
            (i.cursor, i.watches.len(), i.events.len()),
            (cursor, w.len(), e.len())
        );
    }
    // Read-only, O_NONBLOCK and O_LARGEFILE its only other flags, no
    // position or path.
    let bad = |img: Vec<u8>, want: &str| {
        let e = parse(&img[..]).unwrap_err();
        assert_eq!(e.record, "FILE", "{e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    };
    let file = |f_flags: u32| {
        let mut v = inotify_records(4, &[], &[]);
        put(
            &mut v,
            offset_of!(kcr_rec_file, f_flags),
            &f_flags.to_le_bytes(),
        );
        with_files(&v, 2)
    };
    for ok in [0, 0o4000, 0o100000, 0o104000] {
        parse(&file(ok)[..]).unwrap();
    }
    bad(file(0o2), "inotify file 34 (flags 0x2)");
    bad(file(0o1), "inotify file 34 (flags 0x1)");
    bad(file(0o4002), "inotify file 34 (flags 0x802)");
    bad(file(0o2000), "inotify file 34 (flags 0x400)"); // O_APPEND
    let mut v = inotify_records(4, &[], &[]);
    put(&mut v, offset_of!(kcr_rec_file, pos), &1i64.to_le_bytes());
    bad(with_files(&v, 2), "inotify file 34 (flags 0x800)");
    let mut v = inotify_records(4, &[], &[]);
    put(&mut v, offset_of!(kcr_rec_file, ino), &2u64.to_le_bytes());
    bad(with_files(&v, 2), "inotify file 34 (flags 0x800)");
    let mut v = inotify_records(4, &[], &[]);
    put(
        &mut v,
        offset_of!(kcr_rec_file, path_len),
        &8u32.to_le_bytes(),
    );
    bad(with_files(&v, 2), "path length 8");
    // The other kinds of no path stay read-write.
    let ro = pathless_file(30, file_kind::EVENTFD, 0);
    let v = [
        ro,
        eventfd_records(1, 0)[size_of::<kcr_rec_file>()..].to_vec(),
    ]
    .concat();
    bad(with_files(&v, 2), "eventfd file 30 (flags 0x0)");
    // The FILE alone, the INOTIFY alone, another kind's state record.
    let v = inotify_records(4, &[], &[]);
    let file_len = size_of::<kcr_rec_file>();
    let e = parse(&with_files(&v[..file_len], 1)[..]).unwrap_err();
    assert!(
        e.msg
            .contains("inotify file 34 needs its INOTIFY record next"),
        "{e}"
    );
    let e = parse(&with_files(&v[file_len..], 1)[..]).unwrap_err();
    assert_eq!(e.record, "INOTIFY", "{e}");
    assert!(e.msg.contains("only right after the FILE"), "{e}");
    let mut w = v[..file_len].to_vec();
    w.extend(&eventfd_records(1, 0)[file_len..]);
    let e = parse(&with_files(&w, 2)[..]).unwrap_err();
    assert!(
        e.msg
            .contains("inotify file 34 needs its INOTIFY record next"),
        "{e}"
    );
    let mut w = eventfd_records(1, 0)[..file_len].to_vec();
    w.extend(&v[file_len..]);
    let e = parse(&with_files(&w, 2)[..]).unwrap_err();
    assert!(
        e.msg
            .contains("eventfd file 30 needs its EVENTFD record next"),
        "{e}"
    );
    // In a process with threads: among the process's objects, before
    // its threads' records.
    let img = parse(&two_threads(&with_inotify(), 10)[..]).unwrap();
    assert_eq!(inotify_of(&img).watches.len(), 2);
    assert_eq!(img.tasks[0].threads.len(), 1);
    // An epoll may watch it, once read.
    let mut v = inotify_records(4, &sample_inotify_watches(), &[]);
    v.extend(epoll_records(&[(34, 5, 1, 0, 0)]));
    let img = parse(&with_files(&v, 6)[..]).unwrap();
    let ep = img.files.iter().find(|f| f.objid == 33).unwrap();
    assert_eq!(ep.epoll.as_ref().map(|i| i[0].file), Some(34));
}

#[test]
fn bad_inotify_records_are_refused_as_restart_does() {
    // nr_watches, nr_events, cursor, pad.
    let inotify = |fields: [u32; 4]| {
        let mut v = inotify_records(0, &[], &[]);
        let o = size_of::<kcr_rec_file>();
        for (f, x) in [
            offset_of!(kcr_rec_inotify, nr_watches),
            offset_of!(kcr_rec_inotify, nr_events),
            offset_of!(kcr_rec_inotify, cursor),
            offset_of!(kcr_rec_inotify, pad),
        ]
        .into_iter()
        .zip(fields)
        {
            put(&mut v, o + f, &x.to_le_bytes());
        }
        with_files(&v, 2)
    };
    let cases: [([u32; 4], &str); 6] = [
        (
            [65537, 0, 0, 0],
            "inotify 34: 65537 watches, 0 events, cursor 0",
        ),
        ([u32::MAX, 0, 0, 0], "inotify 34: 4294967295 watches"),
        (
            [0, 16386, 0, 0],
            "inotify 34: 0 watches, 16386 events, cursor 0",
        ),
        (
            [0, 0, -1i32 as u32, 0],
            "inotify 34: 0 watches, 0 events, cursor -1",
        ),
        ([0, 0, i32::MIN as u32, 0], "cursor -2147483648"),
        ([0, 0, 0, 1], "inotify 34: 0 watches, 0 events, cursor 0"),
    ];
    for (fields, want) in cases {
        let e = parse(&inotify(fields)[..]).unwrap_err();
        assert_eq!(e.record, "INOTIFY", "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // The wrong length, longer or shorter.
    for size in [size_of::<kcr_rec_inotify>() + 8, 16] {
        let mut v = inotify_records(0, &[], &[]);
        v.truncate(size_of::<kcr_rec_file>());
        v.extend(record(rec::INOTIFY, size, &[]));
        let e = parse(&with_files(&v, 2)[..]).unwrap_err();
        assert_eq!(e.record, "INOTIFY", "{e}");
        assert!(
            e.msg.contains(&format!("length {size}, expected 24")),
            "{e}"
        );
    }
    // At the bounds: as many watches and events as restart(2) takes (a
    // full queue of the default size and its overflow).
    let watches: Vec<Vec<u8>> = (1..=KCR_INOTIFY_WATCHES_MAX as i32)
        .map(|wd| {
            let path = format!("/w{wd}");
            inotify_watch_record(wd, inotify_mask::ACCESS, 9, path.as_bytes())
        })
        .collect();
    let mut events: Vec<Vec<u8>> = (1..KCR_INOTIFY_EVENTS_MAX)
        .map(|_| inotify_event_record(1, inotify_mask::ACCESS, 0, b""))
        .collect();
    events.push(inotify_event_record(-1, inotify_mask::Q_OVERFLOW, 0, b""));
    let img = parse(&inotify_img(&watches, &events)[..]).unwrap();
    let i = inotify_of(&img);
    assert_eq!((i.watches.len(), i.events.len()), (65536, 16385));
}

#[test]
fn bad_inotify_watches_are_refused_as_restart_does() {
    use inotify_mask::*;
    let w = |wd: i32, mask: u32| inotify_watch_record(wd, mask, 2, b"/tmp");
    let with = |mut r: Vec<u8>, off: usize, v: &[u8]| {
        put(&mut r, off, v);
        r
    };
    let path_len = offset_of!(kcr_rec_inotify_watch, path_len);
    let base = size_of::<kcr_rec_inotify_watch>();
    let mut cases: Vec<(Vec<u8>, &str)> = vec![
        // A watch descriptor > 0.
        (
            w(0, CREATE),
            "inotify 34: watch 0 (mask 0x100, path of 5 bytes)",
        ),
        (w(-1, CREATE), "inotify 34: watch -1 (mask 0x100"),
        (w(i32::MIN, CREATE), "inotify 34: watch -2147483648 (mask"),
        // An event at least, and no bit but the events, IN_EXCL_UNLINK and
        // IN_ONESHOT: no event-only bit, no bit inotify_add_watch() does
        // not keep, no unknown bit.
        (w(1, 0), "inotify 34: watch 1 (mask 0x0, path of 5 bytes)"),
        (w(1, EXCL_UNLINK | ONESHOT), "watch 1 (mask 0x84000000"),
        (w(1, CREATE | 0x1000), "watch 1 (mask 0x1100"),
        (w(1, CREATE | UNMOUNT), "watch 1 (mask 0x2100"),
        (w(1, CREATE | Q_OVERFLOW), "watch 1 (mask 0x4100"),
        (w(1, CREATE | IGNORED), "watch 1 (mask 0x8100"),
        (w(1, CREATE | ISDIR), "watch 1 (mask 0x40000100"),
        (w(1, CREATE | 0x0100_0000), "watch 1 (mask 0x1000100"), // IN_ONLYDIR
        (w(1, CREATE | 0x0200_0000), "watch 1 (mask 0x2000100"), // IN_DONT_FOLLOW
        (w(1, CREATE | 0x1000_0000), "watch 1 (mask 0x10000100"), // IN_MASK_CREATE
        (w(1, CREATE | 0x2000_0000), "watch 1 (mask 0x20000100"), // IN_MASK_ADD
        (w(1, CREATE | 0x10000), "watch 1 (mask 0x10100"),
        // No padding.
        (
            with(w(1, CREATE), offset_of!(kcr_rec_inotify_watch, pad), &[1]),
            "inotify 34: watch 1 (mask 0x100, path of 5 bytes)",
        ),
        // A path of 2 ..= 4096 bytes with its NUL.
        (
            {
                let mut r = record(rec::INOTIFY_WATCH, base, &[]);
                put(
                    &mut r,
                    offset_of!(kcr_rec_inotify_watch, wd),
                    &1i32.to_le_bytes(),
                );
                put(
                    &mut r,
                    offset_of!(kcr_rec_inotify_watch, mask),
                    &CREATE.to_le_bytes(),
                );
                r
            },
            "watch path of 0 bytes",
        ),
        (
            with(w(1, CREATE), path_len, &1u32.to_le_bytes()),
            "watch path of 1 bytes",
        ),
        (
            inotify_watch_record(1, CREATE, 2, &[b'/'; 4096]),
            "watch path of 4097 bytes",
        ),
        // Absolute, NUL-terminated where its length says and nowhere
        // before, zero-padded.
        (
            inotify_watch_record(1, CREATE, 2, b"tmp"),
            "inotify 34: malformed path of watch 1",
        ),
        (
            inotify_watch_record(1, CREATE, 2, b"/t\0mp"),
            "malformed path of watch 1",
        ),
        (
            inotify_watch_record(1, CREATE, 2, b"\0tmp"),
            "malformed path of watch 1",
        ),
        (
            with(w(1, CREATE), path_len, &4u32.to_le_bytes()),
            "malformed path of watch 1",
        ),
        (
            with(w(1, CREATE), base + 6, b"x"),
            "malformed path of watch 1",
        ),
        (
            with(w(1, CREATE), base + 7, &[1]),
            "malformed path of watch 1",
        ),
        // The length: the structure and the path, padded to 8.
        (
            with(
                inotify_watch_record(1, CREATE, 2, b"/tmp/long-path"),
                path_len,
                &5u32.to_le_bytes(),
            ),
            "length 48, expected 40",
        ),
        (
            with(w(1, CREATE), path_len, &9u32.to_le_bytes()),
            "length 40, expected 48",
        ),
    ];
    // The last byte of the path its NUL even when it fills the padding.
    let mut r = inotify_watch_record(1, CREATE, 2, b"/tmp/abcdefghij");
    put(&mut r, path_len, &16u32.to_le_bytes());
    put(&mut r, base + 15, b"k");
    cases.push((r, "malformed path of watch 1"));
    for (r, want) in cases {
        let img = inotify_img(&[r], &[]);
        let e = parse(&img[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("INOTIFY_WATCH", 14), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // Each descriptor once, each path once (restart would watch one
    // inode twice, or find another inode there): the second is refused.
    for (a, b, want) in [
        (
            w(2, CREATE),
            inotify_watch_record(2, DELETE, 7, b"/etc"),
            "inotify 34: watch descriptor 2 twice",
        ),
        (
            w(1, CREATE),
            inotify_watch_record(2, DELETE, 7, b"/tmp"),
            "inotify 34: /tmp watched twice",
        ),
        (w(1, CREATE), w(2, CREATE), "inotify 34: /tmp watched twice"),
    ] {
        let img = inotify_img(&[inotify_watch_record(5, ACCESS, 5, b"/srv"), a, b], &[]);
        let e = parse(&img[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("INOTIFY_WATCH", 16), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // At the bounds restart(2) takes: every event with both flags, the
    // largest descriptor, the shortest and the longest path, one inode
    // number twice (two filesystems), a path of 8 bytes with its NUL
    // (no padding).
    let long = [b"/".as_slice(), &[b'x'; 4094]].concat();
    let ok = [
        inotify_watch_record(i32::MAX, KCR_INOTIFY_WATCH_MASK, u64::MAX, b"/"),
        inotify_watch_record(1, ACCESS, 0, &long),
        inotify_watch_record(2, MOVE_SELF | ONESHOT, 2, b"/mnt"),
        inotify_watch_record(3, DELETE_SELF | EXCL_UNLINK, 2, b"/abcdef"),
    ];
    let img = parse(&inotify_img(&ok, &[])[..]).unwrap();
    let paths: Vec<_> = inotify_of(&img)
        .watches
        .iter()
        .map(|w| w.path.len())
        .collect();
    assert_eq!(paths, [1, 4095, 4, 7]);
    assert_eq!(inotify_of(&img).watches[0].mask_names.len(), 14);
    // Watches in the kernel's order, not by descriptor; one path that is
    // the other's directory is another inode.
    let img = inotify_img(
        &[w(3, CREATE), inotify_watch_record(1, CREATE, 3, b"/tmp/x")],
        &[],
    );
    let wds: Vec<_> = inotify_of(&parse(&img[..]).unwrap())
        .watches
        .iter()
        .map(|w| w.wd)
        .collect();
    assert_eq!(wds, [3, 1]);
}

#[test]
fn bad_inotify_events_are_refused_as_restart_does() {
    use inotify_mask::*;
    let ev =
        |wd: i32, mask: u32, cookie: u32, name: &[u8]| inotify_event_record(wd, mask, cookie, name);
    let base = size_of::<kcr_rec_inotify_event>();
    let name_len = offset_of!(kcr_rec_inotify_event, name_len);
    let with = |mut r: Vec<u8>, off: usize, v: &[u8]| {
        put(&mut r, off, v);
        r
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        // A mask, and no bit but the events, IN_UNMOUNT, IN_Q_OVERFLOW,
        // IN_IGNORED and IN_ISDIR.
        (
            ev(1, 0, 0, b""),
            "inotify 34: event of watch 1 (mask 0x0, name of 0 bytes)",
        ),
        (
            ev(1, CREATE | 0x1000, 0, b"a"),
            "event of watch 1 (mask 0x1100, name of 1 bytes)",
        ),
        (
            ev(1, CREATE | 0x10000, 0, b""),
            "event of watch 1 (mask 0x10100",
        ),
        (
            ev(1, MODIFY | ONESHOT, 0, b""),
            "event of watch 1 (mask 0x80000002",
        ),
        (
            ev(1, MODIFY | EXCL_UNLINK, 0, b""),
            "event of watch 1 (mask 0x4000002",
        ),
        (
            ev(1, CREATE | 0x0100_0000, 0, b""),
            "event of watch 1 (mask 0x1000100",
        ),
        // An overflow: IN_Q_OVERFLOW alone, of watch -1, no cookie, no
        // name.
        (
            ev(-1, Q_OVERFLOW | CREATE, 0, b""),
            "event of watch -1 (mask 0x4100",
        ),
        (
            ev(-1, Q_OVERFLOW | ISDIR, 0, b""),
            "event of watch -1 (mask 0x40004000",
        ),
        (
            ev(1, Q_OVERFLOW, 0, b""),
            "event of watch 1 (mask 0x4000, name of 0 bytes)",
        ),
        (ev(0, Q_OVERFLOW, 0, b""), "event of watch 0 (mask 0x4000"),
        (ev(-2, Q_OVERFLOW, 0, b""), "event of watch -2 (mask 0x4000"),
        (
            ev(-1, Q_OVERFLOW, 0, b"x"),
            "event of watch -1 (mask 0x4000, name of 1 bytes)",
        ),
        (
            ev(-1, Q_OVERFLOW, 1, b""),
            "event of watch -1 (mask 0x4000, name of 0 bytes)",
        ),
        // Any other event: of a watch descriptor > 0.
        (ev(0, CREATE, 0, b"a"), "event of watch 0 (mask 0x100"),
        (ev(-1, CREATE, 0, b"a"), "event of watch -1 (mask 0x100"),
        (ev(-1, IGNORED, 0, b""), "event of watch -1 (mask 0x8000"),
        (ev(i32::MIN, CREATE, 0, b""), "event of watch -2147483648"),
        // A name of at most NAME_MAX bytes, no NUL in it, zero-padded.
        (ev(1, CREATE, 0, &[b'n'; 256]), "event name of 256 bytes"),
        (
            with(ev(1, CREATE, 0, b""), name_len, &u32::MAX.to_le_bytes()),
            "event name of 4294967295 bytes",
        ),
        (
            ev(1, CREATE, 0, b"a\0b"),
            "inotify 34: malformed name in an event of watch 1",
        ),
        (
            ev(1, CREATE, 0, b"\0"),
            "malformed name in an event of watch 1",
        ),
        (
            with(ev(1, CREATE, 0, b"a.txt"), base + 5, b"x"),
            "malformed name in an event of watch 1",
        ),
        (
            with(ev(1, CREATE, 0, b"a.txt"), base + 7, &[1]),
            "malformed name in an event of watch 1",
        ),
        (
            with(ev(1, CREATE, 0, b"a.txt"), name_len, &3u32.to_le_bytes()),
            "malformed name in an event of watch 1",
        ),
        // The length: the structure and the name, padded to 8.
        (
            with(ev(1, CREATE, 0, b"a.txt"), name_len, &9u32.to_le_bytes()),
            "length 32, expected 40",
        ),
        (
            with(
                ev(1, CREATE, 0, b"notes-2026.txt"),
                name_len,
                &0u32.to_le_bytes(),
            ),
            "length 40, expected 24",
        ),
    ];
    for (r, want) in cases {
        let img = inotify_img(&[], &[r]);
        let e = parse(&img[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("INOTIFY_EVENT", 14), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // At the bounds restart(2) takes: every bit but IN_Q_OVERFLOW, the
    // largest descriptor and cookie, the longest name; a watch that is
    // not in the image (removed since); overflows twice.
    let ok = [
        ev(
            i32::MAX,
            KCR_INOTIFY_EVENT_MASK & !Q_OVERFLOW,
            u32::MAX,
            &[0xff; 255],
        ),
        ev(99, DELETE_SELF, 0, b""),
        ev(-1, Q_OVERFLOW, 0, b""),
        ev(-1, Q_OVERFLOW, 0, b""),
    ];
    let img = parse(&inotify_img(&[], &ok)[..]).unwrap();
    let e = &inotify_of(&img).events;
    assert_eq!(
        (e[0].wd, e[0].cookie, e[0].mask_names.len()),
        (i32::MAX, u32::MAX, 15)
    );
    assert_eq!(e[0].name.chars().count(), 255);
    assert_eq!(e.len(), 4);
}

#[test]
fn inotify_watches_and_events_are_exactly_the_ones_announced() {
    use inotify_mask::*;
    let w = |wd: i32| inotify_watch_record(wd, CREATE, 2, format!("/w{wd}").as_bytes());
    let ev = |wd: i32| inotify_event_record(wd, CREATE, 0, b"a");
    // Watches and events announced, the records after the INOTIFY, the
    // record refused and its index, why.
    type Case<'a> = (u32, u32, Vec<Vec<u8>>, (&'a str, u32), &'a str);
    let cases: Vec<Case> = vec![
        // Fewer than announced: the next record (the FS) where one
        // belongs.
        (
            2,
            0,
            vec![w(1)],
            ("FS", 15),
            "FS where watch 1 of 2 of inotify 34 belongs",
        ),
        (
            0,
            2,
            vec![ev(1)],
            ("FS", 15),
            "FS where event 1 of 2 of inotify 34 belongs",
        ),
        (
            1,
            1,
            vec![w(1)],
            ("FS", 15),
            "FS where event 0 of 1 of inotify 34 belongs",
        ),
        (
            1,
            0,
            vec![],
            ("FS", 14),
            "FS where watch 0 of 1 of inotify 34 belongs",
        ),
        // An event where a watch belongs: the watches come first.
        (
            1,
            1,
            vec![ev(1), w(1)],
            ("INOTIFY_EVENT", 14),
            "INOTIFY_EVENT where watch 0 of 1 of inotify 34 belongs",
        ),
        (
            2,
            1,
            vec![w(1), ev(1), w(2)],
            ("INOTIFY_EVENT", 15),
            "INOTIFY_EVENT where watch 1 of 2 of inotify 34 belongs",
        ),
        // More than announced, or a watch after the events.
        (
            1,
            0,
            vec![w(1), w(2)],
            ("INOTIFY_WATCH", 15),
            "only after its inotify's INOTIFY record, as many as it announces",
        ),
        (
            0,
            1,
            vec![ev(1), ev(1)],
            ("INOTIFY_EVENT", 15),
            "only after its inotify's INOTIFY record, as many as it announces",
        ),
        (
            1,
            1,
            vec![w(1), ev(1), w(2)],
            ("INOTIFY_WATCH", 16),
            "only after its inotify's INOTIFY record, as many as it announces",
        ),
        // Another object where one belongs.
        (
            1,
            0,
            vec![eventfd_records(1, 0)],
            ("FILE", 14),
            "FILE where watch 0 of 1 of inotify 34 belongs",
        ),
    ];
    for (nw, ne, rest, (record, index), want) in cases {
        let e = parse(&inotify_announcing(nw, ne, &rest)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // Without an INOTIFY record: after another file's state, among the
    // process's other records, after its ATTRS, in a thread.
    let stray = [w(1), ev(1)];
    for r in &stray {
        let mut v = eventfd_records(1, 0);
        v.extend(r);
        let e = parse(&with_files(&v, 3)[..]).unwrap_err();
        assert_eq!(e.index, 14, "{e}");
        assert!(
            e.msg.contains("only after its inotify's INOTIFY record"),
            "{e}"
        );
        for t in [rec::FDTABLE, rec::MM, rec::ATTRS] {
            let c = insert_before(&body(&sample()), t, r);
            let e = parse(&finish(c, N + 1)[..]).unwrap_err();
            assert!(
                e.msg.contains("only after its inotify's INOTIFY record"),
                "{e}"
            );
        }
        let mut c = body(&sample());
        c.extend(r);
        let e = parse(&finish(c, N + 1)[..]).unwrap_err();
        assert!(
            e.msg.contains("only after its inotify's INOTIFY record"),
            "{e}"
        );
        let (mut th, n) = thread_records(43, 50, &[]);
        th.extend(r);
        let e = parse(&threaded(2, &[(th, n + 1)])[..]).unwrap_err();
        assert!(
            e.msg.contains("only after its inotify's INOTIFY record"),
            "{e}"
        );
    }
}

#[test]
fn interval_timers_follow_their_process_s_attrs() {
    let img = parse(&with_itimers([(3, 1), (0, 0), (0, 0)])[..]).unwrap();
    assert_eq!(img.tasks[0].itimers, Some([(3, 1), (0, 0), (0, 0)]));
    let e = parse(&with_itimers([(-3, 1), (0, 0), (0, 0)])[..]).unwrap_err();
    assert!(e.msg.contains("negative time left"), "{e}");
    // Anywhere else: before the ATTRS record.
    let mut b = body(&with_itimers([(3, 1), (0, 0), (0, 0)]));
    let a = rec_off(&b, rec::ATTRS);
    let i = rec_off(&b, rec::ITIMERS);
    let it: Vec<u8> = b.drain(i..i + size_of::<kcr_rec_itimers>()).collect();
    b.splice(a..a, it);
    let e = parse(&finish(b, N + 1)[..]).unwrap_err();
    assert!(
        e.msg.contains("only right after its process's ATTRS"),
        "{e}"
    );
}

/// `b` (a body) with the `nr` of its PTIMERS record set to `nr`.
fn with_ptimers_nr(mut b: Vec<u8>, nr: u32) -> Vec<u8> {
    let o = rec_off(&b, rec::PTIMERS);
    put(
        &mut b,
        o + offset_of!(kcr_rec_ptimers, nr),
        &nr.to_le_bytes(),
    );
    b
}

/// [`with_ptimers`]`(7, timers)` as a process of 2 threads, its thread
/// 43's records after its timers.
/// `img`, `sample()` with `extra` more records, as a process of two
/// threads: its thread's records follow.
fn two_threads(img: &[u8], extra: u32) -> Vec<u8> {
    let mut b = body(img);
    let t = rec_off(&b, rec::TASK);
    put(
        &mut b,
        t + offset_of!(kcr_rec_task, flags),
        &0u32.to_le_bytes(),
    );
    put(
        &mut b,
        t + offset_of!(kcr_rec_task, nr_threads),
        &2u32.to_le_bytes(),
    );
    let (th, r) = thread_records(43, 50, &[]);
    b.extend(th);
    finish(b, N + extra + r)
}

fn threaded_ptimers(timers: &[kcr_rec_ptimer]) -> Vec<u8> {
    two_threads(&with_ptimers(7, timers), 1 + timers.len() as u32)
}

#[test]
fn posix_timers_follow_their_process_s_attrs_or_itimers() {
    let img = parse(&with_ptimers(6, &sample_ptimers())[..]).unwrap();
    assert_eq!(img.records, N + 6);
    let pt = img.tasks[0].ptimers.as_ref().unwrap();
    assert_eq!(pt.next_id, 6);
    let ids: Vec<i32> = pt.timers.iter().map(|t| t.id).collect();
    assert_eq!(ids, [0, 1, 3, 4, 5]);
    let t = &pt.timers[0];
    assert_eq!((t.clock, t.notify, t.signo), ("realtime", "signal", 14));
    assert_eq!(t.flags, ["abs", "active"]);
    assert_eq!((t.value_ns, t.overrun), (1_900_000_000_000_000_000, -1));
    let t = &pt.timers[1];
    assert_eq!(
        (t.clock, t.flags.as_slice()),
        ("monotonic", &["pending"][..])
    );
    assert_eq!(
        (t.sig_overrun, t.interval_ns, t.overrun, t.overrun_last),
        (2, 500_000_000, 3, 1)
    );
    assert_eq!(
        (pt.timers[2].clock, pt.timers[2].notify),
        ("boottime", "none")
    );
    assert_eq!(
        (pt.timers[3].notify, pt.timers[3].sigval),
        ("thread", 0x7f00_0000_1000)
    );
    let t = &pt.timers[4];
    assert_eq!(
        (t.clock, t.notify, t.tid, t.signo),
        ("tai", "thread-id", 42, 34)
    );
    // None left, but the next id is kept.
    let img = parse(&with_ptimers(3, &[])[..]).unwrap();
    let pt = img.tasks[0].ptimers.as_ref().unwrap();
    assert_eq!((pt.next_id, pt.timers.len()), (3, 0));
    assert!(parse(&sample()[..]).unwrap().tasks[0].ptimers.is_none());
    // Right after the ITIMERS record too.
    let mut b = body(&with_itimers([(3, 1), (0, 0), (0, 0)]));
    b.extend(ptimers_records(2, &[ptimer(1, 1, 0, 10)]));
    let img = parse(&finish(b, N + 3)[..]).unwrap();
    assert!(img.tasks[0].itimers.is_some());
    assert_eq!(img.tasks[0].ptimers.as_ref().unwrap().timers[0].id, 1);
    // At the bounds restart(2) takes.
    let edge = [
        kcr_rec_ptimer {
            overrun: -1,
            ..ptimer(0, 0, 0, 1)
        },
        ptimer(1, 1, 0, KCR_NSIG as i32),
        ptimer(2, 7, 1, 0),
        ptimer(3, 11, 1, 99), // no signal: its number does not matter
        kcr_rec_ptimer {
            tid: i32::MAX,
            ..ptimer(4, 0, 4, 10)
        },
        kcr_rec_ptimer {
            flags: ptimer_flags::PENDING,
            ..ptimer(i32::MAX, 0, 0, 10)
        },
    ];
    let img = parse(&with_ptimers(i32::MAX, &edge)[..]).unwrap();
    assert_eq!(img.tasks[0].ptimers.as_ref().unwrap().timers.len(), 6);
    // In a process with threads, before its threads' records, signalling
    // one of them.
    let th = kcr_rec_ptimer {
        tid: 43,
        ..ptimer(0, 1, 4, 10)
    };
    let img = parse(&threaded_ptimers(&[th])[..]).unwrap();
    let p = &img.tasks[0];
    assert_eq!(
        (p.ptimers.as_ref().unwrap().timers[0].tid, p.threads.len()),
        (43, 1)
    );
}

#[test]
fn bad_posix_timers_are_refused_as_restart_does() {
    let flags = |flags, value_ns, t: kcr_rec_ptimer| kcr_rec_ptimer {
        flags,
        value_ns,
        ..t
    };
    let sig = ptimer(0, 0, 0, 10);
    let cases: Vec<(Vec<kcr_rec_ptimer>, &str)> = vec![
        // Ids strictly increasing, from 0.
        (
            vec![ptimer(2, 0, 0, 10), ptimer(2, 0, 0, 10)],
            "POSIX timer id 2 after 2",
        ),
        (
            vec![ptimer(3, 0, 0, 10), ptimer(1, 0, 0, 10)],
            "POSIX timer id 1 after 3",
        ),
        (vec![ptimer(-1, 0, 0, 10)], "POSIX timer id -1 after -1"),
        // CPU-time and alarm clocks, unknown sigev_notify values.
        (
            vec![ptimer(0, 2, 0, 10)],
            "POSIX timer 0: clock 2, sigev_notify 0",
        ),
        (vec![ptimer(0, 3, 0, 10)], "clock 3, sigev_notify 0"),
        (vec![ptimer(0, 8, 0, 10)], "clock 8, sigev_notify 0"),
        (vec![ptimer(0, -6, 0, 10)], "clock -6, sigev_notify 0"),
        (vec![ptimer(0, 0, 3, 10)], "clock 0, sigev_notify 3"),
        (vec![ptimer(0, 0, 6, 10)], "clock 0, sigev_notify 6"),
        // Signals; a thread exactly for SIGEV_THREAD_ID.
        (
            vec![ptimer(0, 0, 0, 0)],
            "POSIX timer 0: signal 0, thread 0",
        ),
        (vec![ptimer(0, 0, 2, 65)], "signal 65, thread 0"),
        (
            vec![kcr_rec_ptimer { tid: 43, ..sig }],
            "POSIX timer 0: signal 10, thread 43",
        ),
        (
            vec![kcr_rec_ptimer {
                tid: 43,
                ..ptimer(0, 0, 1, 0)
            }],
            "signal 0, thread 43",
        ),
        (vec![ptimer(0, 0, 4, 10)], "signal 10, thread 0"),
        (
            vec![kcr_rec_ptimer {
                tid: -1,
                ..ptimer(0, 0, 4, 10)
            }],
            "signal 10, thread -1",
        ),
        // Flags, padding, times and overrun counts.
        (vec![flags(0x8, 0, sig)], "POSIX timer 0: flags 0x8,"),
        (
            vec![kcr_rec_ptimer { __pad: 1, ..sig }],
            "POSIX timer 0: flags 0x0, value 0, interval 0, overrun 0/0/0",
        ),
        (vec![flags(0, -1, sig)], "value -1,"),
        (
            vec![kcr_rec_ptimer {
                interval_ns: -1,
                ..sig
            }],
            "interval -1,",
        ),
        (
            vec![kcr_rec_ptimer { overrun: -2, ..sig }],
            "overrun -2/0/0",
        ),
        (
            vec![kcr_rec_ptimer {
                overrun_last: -1,
                ..sig
            }],
            "overrun 0/-1/0",
        ),
        (
            vec![kcr_rec_ptimer {
                flags: ptimer_flags::PENDING,
                sig_overrun: -1,
                ..sig
            }],
            "overrun 0/0/-1",
        ),
        (
            vec![kcr_rec_ptimer {
                sig_overrun: 1,
                ..sig
            }],
            "flags 0x0, value 0, interval 0, overrun 0/0/1",
        ),
        // Absolute: on CLOCK_REALTIME, with an expiry.
        (
            vec![flags(ptimer_flags::ABS, 5, ptimer(0, 1, 0, 10))],
            "flags 0x1, value 5,",
        ),
        (
            vec![flags(ptimer_flags::ABS, 0, sig)],
            "flags 0x1, value 0,",
        ),
        // Running: with a signal and time left.
        (
            vec![flags(ptimer_flags::ACTIVE, 5, ptimer(0, 0, 1, 0))],
            "flags 0x2, value 5,",
        ),
        (
            vec![flags(ptimer_flags::ACTIVE, 0, sig)],
            "flags 0x2, value 0,",
        ),
        // Pending: with a signal.
        (
            vec![flags(ptimer_flags::PENDING, 0, ptimer(0, 0, 1, 0))],
            "flags 0x4, value 0,",
        ),
    ];
    for (timers, want) in cases {
        let e = parse(&with_ptimers(9, &timers)[..]).unwrap_err();
        assert_eq!(e.record, "PTIMER", "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // The PTIMERS record's own fields.
    let e = parse(&with_ptimers(-1, &[])[..]).unwrap_err();
    assert_eq!(e.record, "PTIMERS", "{e}");
    assert!(e.msg.contains("0 POSIX timers, next id -1"), "{e}");
    let b = with_ptimers_nr(body(&with_ptimers(0, &[])), KCR_PTIMERS_MAX + 1);
    let e = parse(&finish(b, N + 1)[..]).unwrap_err();
    assert!(e.msg.contains("4097 POSIX timers, next id 0"), "{e}");
}

#[test]
fn posix_timers_are_exactly_the_ones_announced() {
    let timers = sample_ptimers();
    let n = N + 1 + timers.len() as u32;
    let b = body(&with_ptimers(6, &timers));
    // More announced than follow: the TAIL, or the next task, where the
    // next one belongs.
    let e = parse(&finish(with_ptimers_nr(b.clone(), 6), n)[..]).unwrap_err();
    assert_eq!(e.record, "TAIL", "{e}");
    assert!(
        e.msg
            .contains("TAIL where POSIX timer 5 of 6 of process 42 belongs"),
        "{e}"
    );
    let tb = with_ptimers_nr(body(&threaded_ptimers(&[ptimer(0, 0, 0, 10)])), 2);
    let e = parse(&finish(tb, N + 5)[..]).unwrap_err();
    assert!(e.msg.contains("TASK where POSIX timer 1 of 2"), "{e}");
    // Fewer announced than follow.
    let e = parse(&finish(with_ptimers_nr(b.clone(), 4), n)[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("PTIMER", n - 1), "{e}");
    assert!(
        e.msg
            .contains("only after its process's PTIMERS record, as many as it announces"),
        "{e}"
    );
    // A PTIMER record without its PTIMERS, or anywhere else.
    let (rest, _) = cut(&b, rec::PTIMERS);
    let e = parse(&finish(rest, n - 1)[..]).unwrap_err();
    assert_eq!(e.record, "PTIMER", "{e}");
    assert!(e.msg.contains("only after its process's PTIMERS"), "{e}");
    let stray = ptimer_record(&ptimer(0, 0, 0, 10));
    let c = insert_before(&body(&sample()), rec::FS, &stray);
    let e = parse(&finish(c, N + 1)[..]).unwrap_err();
    assert!(e.msg.contains("only after its process's PTIMERS"), "{e}");
    // A PTIMER of the wrong length.
    let (mut c, _) = cut(&body(&with_ptimers(1, &[ptimer(0, 0, 0, 10)])), rec::PTIMER);
    c.extend(record(rec::PTIMER, size_of::<kcr_rec_ptimer>() + 8, &[]));
    let e = parse(&finish(c, N + 2)[..]).unwrap_err();
    assert!(e.msg.contains("length 88, expected 80"), "{e}");
}

#[test]
fn posix_timers_are_a_process_s_after_its_attrs() {
    let pt = ptimers_records(1, &[ptimer(0, 0, 0, 10)]);
    // Before the ATTRS record.
    let c = insert_before(&body(&sample()), rec::ATTRS, &pt);
    let e = parse(&finish(c, N + 2)[..]).unwrap_err();
    assert_eq!(e.record, "PTIMERS", "{e}");
    assert!(
        e.msg
            .contains("only right after its process's ATTRS or ITIMERS"),
        "{e}"
    );
    // Twice.
    let mut b = body(&with_ptimers(1, &[ptimer(0, 0, 0, 10)]));
    b.extend(&pt);
    let e = parse(&finish(b, N + 4)[..]).unwrap_err();
    assert!(
        e.msg.contains("only right after its process's ATTRS"),
        "{e}"
    );
    // ITIMERS comes first.
    let mut b = body(&with_ptimers(1, &[]));
    let it = body(&with_itimers([(3, 1), (0, 0), (0, 0)]));
    let (_, itr) = cut(&it, rec::ITIMERS);
    b.extend(itr);
    let e = parse(&finish(b, N + 2)[..]).unwrap_err();
    assert_eq!(e.record, "ITIMERS", "{e}");
    // Among a thread's records.
    let (mut th, r) = thread_records(43, 50, &[]);
    th.extend(&pt);
    let e = parse(&threaded(2, &[(th, r + 2)])[..]).unwrap_err();
    assert_eq!(e.record, "PTIMERS", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
    // After the thread records of its process.
    let mut b = body(&threaded(2, &[thread_records(43, 50, &[])]));
    b.extend(&pt);
    let e = parse(&finish(b, N + 5)[..]).unwrap_err();
    assert_eq!(e.record, "PTIMERS", "{e}");
}

/// [`with_locks`]`(locks)` as a process of 2 threads, its thread 43's
/// records after its ATTRS.
fn threaded_locks(locks: &[kcr_rec_lock]) -> Vec<u8> {
    two_threads(&with_locks(locks), locks.len() as u32)
}

/// `b` with `r[i]` inserted before its `i`-th record of type `t`.
fn insert_before_each(b: &[u8], t: u32, r: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    for (off, ty, len) in records_of(b) {
        if ty == t && i < r.len() {
            out.extend_from_slice(&r[i]);
            i += 1;
        }
        out.extend_from_slice(&b[off..off + len]);
    }
    out
}

#[test]
fn file_locks_follow_their_process_s_fd_table() {
    let img = parse(&with_locks(&sample_locks())[..]).unwrap();
    assert_eq!(img.records, N + 3);
    let l = &img.tasks[0].locks;
    assert_eq!(
        l[0],
        Lock {
            file: 2,
            kind: "posix",
            type_: "read",
            start: 0,
            end: 4095
        }
    );
    assert_eq!((l[1].kind, l[1].start, l[1].end), ("ofd", 8192, i64::MAX));
    assert_eq!((l[2].kind, l[2].start, l[2].end), ("flock", 0, i64::MAX));
    assert_eq!(l.len(), 3);
    assert!(parse(&sample()[..]).unwrap().tasks[0].locks.is_empty());
    // At the bounds restart(2) takes, on the file of either descriptor.
    let edge = [
        lock(7, lock_kind::POSIX, F_WRLCK, 0, 0),
        lock(7, lock_kind::OFD, F_WRLCK, i64::MAX, i64::MAX),
        lock(2, lock_kind::FLOCK, F_WRLCK, 0, i64::MAX),
        lock(2, lock_kind::POSIX, F_RDLCK, 5, i64::MAX),
    ];
    let img = parse(&with_locks(&edge)[..]).unwrap();
    let l = &img.tasks[0].locks;
    assert_eq!(l.iter().map(|l| l.file).collect::<Vec<_>>(), [7, 7, 2, 2]);
    assert_eq!(
        l.iter().map(|l| l.type_).collect::<Vec<_>>(),
        ["write", "write", "write", "read"]
    );
    // KCR_LOCKS_MAX of them.
    let many = vec![lock(2, lock_kind::POSIX, F_RDLCK, 0, 0); KCR_LOCKS_MAX as usize];
    let img = parse(&with_locks(&many)[..]).unwrap();
    assert_eq!(img.tasks[0].locks.len(), 1024);
    // In a process with threads: the process's, before its threads.
    let img = parse(&threaded_locks(&sample_locks())[..]).unwrap();
    let p = &img.tasks[0];
    assert_eq!((p.locks.len(), p.threads.len()), (3, 1));
    assert!(p.threads[0].locks.is_empty());
    // In each process of a tree, on its own descriptors' files (the
    // child's ids are its parent's + 100), KCR_LOCKS_MAX per process.
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let parent = locks_records(&many);
    let child = locks_records(&[
        lock(102, lock_kind::OFD, F_RDLCK, 0, 9),
        lock(107, lock_kind::FLOCK, F_WRLCK, 0, i64::MAX),
    ]);
    let b = insert_before_each(&tree, rec::MM, &[parent, child]);
    let img = parse(&finish(b, n + 1024 + 2)[..]).unwrap();
    assert_eq!(img.tasks[0].locks.len(), 1024);
    let files: Vec<u32> = img.tasks[1].locks.iter().map(|l| l.file).collect();
    assert_eq!(files, [102, 107]);
    // A process with no descriptor: its fd table may be followed by a
    // LOCK record, which names no file it has open.
    let (b, _) = cut(&body(&sample()), rec::FD);
    let (mut b, _) = cut(&b, rec::FD);
    let o = rec_off(&b, rec::FDTABLE);
    put(
        &mut b,
        o + offset_of!(kcr_rec_fdtable, nr_fds),
        &0u32.to_le_bytes(),
    );
    assert!(parse(&finish(b.clone(), N - 2)[..]).unwrap().tasks[0]
        .fds
        .is_empty());
    let c = insert_before(&b, rec::MM, &lock_record(&sample_locks()[0]));
    let e = parse(&finish(c, N - 1)[..]).unwrap_err();
    assert_eq!(e.record, "LOCK", "{e}");
    assert!(
        e.msg.contains("lock on file object 2, open at no fd"),
        "{e}"
    );
}

#[test]
fn bad_file_locks_are_refused_as_restart_does() {
    use lock_kind::{FLOCK, OFD, POSIX};
    let ok = lock(2, POSIX, F_RDLCK, 0, 9);
    let cases: Vec<(kcr_rec_lock, &str)> = vec![
        // Kinds and types.
        (
            lock(2, 0, F_RDLCK, 0, 9),
            "lock of kind 0, type 0, bytes 0..9",
        ),
        (
            lock(2, 4, F_WRLCK, 0, 9),
            "lock of kind 4, type 1, bytes 0..9",
        ),
        // F_UNLCK.
        (
            lock(2, POSIX, 2, 0, 9),
            "lock of kind 1, type 2, bytes 0..9",
        ),
        (
            lock(2, OFD, u32::MAX, 0, 9),
            "lock of kind 2, type 4294967295, bytes 0..9",
        ),
        // Padding.
        (
            kcr_rec_lock { __pad: 1, ..ok },
            "lock of kind 1, type 0, bytes 0..9",
        ),
        // Ranges: from byte 0, end not before start.
        (
            lock(2, POSIX, F_RDLCK, -1, 9),
            "lock of kind 1, type 0, bytes -1..9",
        ),
        (
            lock(2, POSIX, F_RDLCK, i64::MIN, -1),
            "bytes -9223372036854775808..-1",
        ),
        (
            lock(2, OFD, F_WRLCK, 10, 9),
            "lock of kind 2, type 1, bytes 10..9",
        ),
        // A flock() lock is on the whole file.
        (
            lock(2, FLOCK, F_RDLCK, 1, i64::MAX),
            "lock of kind 3, type 0, bytes 1..9223372036854775807",
        ),
        (
            lock(2, FLOCK, F_WRLCK, 0, 4095),
            "lock of kind 3, type 1, bytes 0..4095",
        ),
        // Its file: one that a descriptor of the process refers to, not
        // the root directory (a FILE no fd refers to), the pipe (a PIPE
        // object), the task, or nothing.
        (
            lock(6, POSIX, F_RDLCK, 0, 9),
            "lock on file object 6, open at no fd",
        ),
        (
            lock(5, POSIX, F_RDLCK, 0, 9),
            "lock on file object 5, open at no fd",
        ),
        (
            lock(1, OFD, F_RDLCK, 0, 9),
            "lock on file object 1, open at no fd",
        ),
        (
            lock(0, FLOCK, F_RDLCK, 0, i64::MAX),
            "lock on file object 0, open at no fd",
        ),
        (
            lock(99, POSIX, F_RDLCK, 0, 9),
            "lock on file object 99, open at no fd",
        ),
        // The lock's own fields are checked first.
        (lock(99, 0, F_RDLCK, 0, 9), "lock of kind 0, type 0"),
    ];
    for (l, want) in cases {
        let e = parse(&with_locks(&[ok, l])[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("LOCK", 17), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // More than KCR_LOCKS_MAX, before the file of the one too many is
    // looked at, after its own fields are.
    let mut many = vec![ok; KCR_LOCKS_MAX as usize];
    for (last, want) in [
        (ok, "more than 1024 file locks"),
        (lock(99, POSIX, F_RDLCK, 0, 9), "more than 1024 file locks"),
        (
            lock(2, POSIX, 2, 0, 9),
            "lock of kind 1, type 2, bytes 0..9",
        ),
    ] {
        many.push(last);
        let e = parse(&with_locks(&many)[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("LOCK", 16 + 1024), "{e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
        many.pop();
    }
    // A LOCK of the wrong length.
    let c = insert_before(
        &body(&sample()),
        rec::MM,
        &record(rec::LOCK, size_of::<kcr_rec_lock>() + 8, &[]),
    );
    let e = parse(&finish(c, N + 1)[..]).unwrap_err();
    assert_eq!(e.record, "LOCK", "{e}");
    assert!(e.msg.contains("length 48, expected 40"), "{e}");
}

#[test]
fn file_locks_are_a_process_s_right_after_its_fd_table() {
    let l = lock_record(&lock(2, lock_kind::POSIX, F_RDLCK, 0, 9));
    let place = "only right after its process's fd table (FDTABLE and FD records), before its MM";
    let b = body(&sample());
    // Before its fd table, before its FD records, among them, after its
    // MM, among or after its mappings.
    let fd = rec_off(&b, rec::FD) + size_of::<kcr_rec_fd>();
    let mut among_fds = b[..fd].to_vec();
    among_fds.extend(&l);
    among_fds.extend_from_slice(&b[fd..]);
    let mut cases = vec![among_fds];
    for t in [
        rec::FS,
        rec::FDTABLE,
        rec::FD,
        rec::VMA,
        rec::PAGES,
        rec::ATTRS,
    ] {
        cases.push(insert_before(&b, t, &l));
    }
    for c in cases {
        let e = parse(&finish(c, N + 1)[..]).unwrap_err();
        assert_eq!(e.record, "LOCK", "{e}");
        assert!(e.msg.contains(place), "{e}");
    }
    // After the ATTRS record, which ends its process's records.
    let mut c = body(&with_locks(&sample_locks()));
    c.extend(&l);
    let e = parse(&finish(c, N + 4)[..]).unwrap_err();
    assert_eq!(e.record, "LOCK", "{e}");
    assert!(
        e.msg
            .contains("LOCK after the ATTRS record of process 42, which ends its records"),
        "{e}"
    );
    // Where a PTIMER belongs.
    let mut c = body(&with_ptimers(1, &[]));
    let o = rec_off(&c, rec::PTIMERS);
    put(
        &mut c,
        o + offset_of!(kcr_rec_ptimers, nr),
        &1u32.to_le_bytes(),
    );
    c.extend(&l);
    let e = parse(&finish(c, N + 2)[..]).unwrap_err();
    assert!(
        e.msg
            .contains("LOCK where POSIX timer 0 of 1 of process 42 belongs"),
        "{e}"
    );
    // Among a thread's records, and after them.
    let (mut th, r) = thread_records(43, 50, &[]);
    th.extend(&l);
    let e = parse(&threaded(2, &[(th, r + 1)])[..]).unwrap_err();
    assert_eq!(e.record, "LOCK", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
    let mut c = body(&threaded_locks(&sample_locks()));
    c.extend(&l);
    let e = parse(&finish(c, N + 3 + 3 + 1)[..]).unwrap_err();
    assert_eq!(e.record, "LOCK", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
    // In the next process's section, on a file of the process before.
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let c = insert_before_each(&tree, rec::MM, &[Vec::new(), l.clone()]);
    let e = parse(&finish(c, n + 1)[..]).unwrap_err();
    assert_eq!(e.record, "LOCK", "{e}");
    assert!(
        e.msg.contains("lock on file object 2, open at no fd"),
        "{e}"
    );
}

/// [`with_fowns`]`(fowns)` as a process of 2 threads, its thread 43's
/// records after its ATTRS.
fn threaded_fowns(fowns: &[kcr_rec_fown]) -> Vec<u8> {
    two_threads(&with_fowns(fowns), fowns.len() as u32)
}

#[test]
fn file_owners_follow_their_process_s_locks() {
    let img = parse(&with_fowns(&sample_fowns())[..]).unwrap();
    assert_eq!(img.records, N + 2);
    assert_eq!(
        img.tasks[0].fowns,
        [
            Fown {
                file: 7,
                async_: true,
                pid: 42,
                type_: Some("pid"),
                signum: 0
            },
            Fown {
                file: 2,
                async_: false,
                pid: 42,
                type_: Some("pgrp"),
                signum: 10
            }
        ]
    );
    assert!(parse(&sample()[..]).unwrap().tasks[0].fowns.is_empty());
    // At the bounds restart(2) takes: O_ASYNC alone, a signal alone, an
    // owner alone, of each type.
    for (edge, want) in [
        (
            [
                fown(2, KCR_FOWN_ASYNC, 0, 0, 0),
                fown(7, 0, i32::MAX, F_OWNER_TID, 64),
            ],
            [(true, 0, None, 0), (false, i32::MAX, Some("tid"), 64)],
        ),
        (
            [fown(7, 0, 0, 0, 1), fown(2, 0, 1, F_OWNER_PID, 0)],
            [(false, 0, None, 1), (false, 1, Some("pid"), 0)],
        ),
        (
            [
                fown(7, 0, 1, F_OWNER_PGRP, 0),
                fown(2, KCR_FOWN_ASYNC, 43, F_OWNER_TID, 29),
            ],
            [(false, 1, Some("pgrp"), 0), (true, 43, Some("tid"), 29)],
        ),
    ] {
        let img = parse(&with_fowns(&edge)[..]).unwrap();
        let got: Vec<_> = img.tasks[0]
            .fowns
            .iter()
            .map(|f| (f.async_, f.pid, f.type_, f.signum))
            .collect();
        assert_eq!(got, want);
    }
    // After the process's LOCK records.
    let b = body(&with_locks(&sample_locks()));
    let c = insert_before(&b, rec::MM, &fowns_records(&sample_fowns()));
    let img = parse(&finish(c, N + 3 + 2)[..]).unwrap();
    assert_eq!((img.tasks[0].locks.len(), img.tasks[0].fowns.len()), (3, 2));
    // In a process with threads: the process's, before its threads.
    let img = parse(&threaded_fowns(&sample_fowns())[..]).unwrap();
    let p = &img.tasks[0];
    assert_eq!((p.fowns.len(), p.threads.len()), (2, 1));
    assert!(p.threads[0].fowns.is_empty());
    // In each process of a tree, on its own descriptors' files (the
    // child's ids are its parent's + 100), as many as each has
    // descriptors; the child's after its LOCK records.
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let parent = fowns_records(&sample_fowns());
    let mut child = locks_records(&[lock(102, lock_kind::FLOCK, F_WRLCK, 0, i64::MAX)]);
    child.extend(fowns_records(&[
        fown(107, KCR_FOWN_ASYNC, 43, F_OWNER_PID, 0),
        fown(102, 0, 0, 0, 10),
    ]));
    let b = insert_before_each(&tree, rec::MM, &[parent, child]);
    let img = parse(&finish(b, n + 2 + 1 + 2)[..]).unwrap();
    assert_eq!(
        img.tasks[0].fowns,
        parse(&with_fowns(&sample_fowns())[..]).unwrap().tasks[0].fowns
    );
    let files: Vec<u32> = img.tasks[1].fowns.iter().map(|f| f.file).collect();
    assert_eq!(files, [107, 102]);
    assert_eq!(img.tasks[1].locks.len(), 1);
    // A process with no descriptor: its fd table may be followed by a
    // FOWN record, one more than its descriptors (which restart(2)
    // finds before it looks for the file).
    let (b, _) = cut(&body(&sample()), rec::FD);
    let (mut b, _) = cut(&b, rec::FD);
    let o = rec_off(&b, rec::FDTABLE);
    put(
        &mut b,
        o + offset_of!(kcr_rec_fdtable, nr_fds),
        &0u32.to_le_bytes(),
    );
    let c = insert_before(&b, rec::MM, &fown_record(&sample_fowns()[0]));
    let e = parse(&finish(c, N - 1)[..]).unwrap_err();
    assert_eq!(e.record, "FOWN", "{e}");
    assert!(
        e.msg.contains("more file owner records than descriptors"),
        "{e}"
    );
}

#[test]
fn bad_file_owners_are_refused_as_restart_does() {
    let ok = fown(2, 0, 42, F_OWNER_PID, 0);
    let cases: Vec<(kcr_rec_fown, &str)> = vec![
        // Flags: KCR_FOWN_ASYNC only.
        (
            fown(2, 0x2, 42, F_OWNER_PID, 0),
            "file owner: flags 0x2, owner 42 of type 1, signal 0",
        ),
        (
            fown(2, 0x3, 0, 0, 0),
            "file owner: flags 0x3, owner 0 of type 0, signal 0",
        ),
        (
            fown(2, u32::MAX, 42, F_OWNER_PID, 0),
            "file owner: flags 0xffffffff, owner 42 of type 1, signal 0",
        ),
        // Padding.
        (
            kcr_rec_fown { __pad: 1, ..ok },
            "file owner: flags 0x0, owner 42 of type 1, signal 0",
        ),
        // Owners: an id >= 0, of a known type, type 0 without one.
        (
            fown(2, 0, -1, F_OWNER_PID, 0),
            "file owner: flags 0x0, owner -1 of type 1, signal 0",
        ),
        (
            fown(2, KCR_FOWN_ASYNC, i32::MIN, F_OWNER_TID, 10),
            "file owner: flags 0x1, owner -2147483648 of type 0, signal 10",
        ),
        (
            fown(2, 0, 42, 3, 0),
            "file owner: flags 0x0, owner 42 of type 3, signal 0",
        ),
        (
            fown(2, 0, 42, u32::MAX, 0),
            "file owner: flags 0x0, owner 42 of type 4294967295, signal 0",
        ),
        (
            fown(2, KCR_FOWN_ASYNC, 0, F_OWNER_PID, 0),
            "file owner: flags 0x1, owner 0 of type 1, signal 0",
        ),
        (
            fown(2, 0, 0, F_OWNER_PGRP, 10),
            "file owner: flags 0x0, owner 0 of type 2, signal 10",
        ),
        // Signals: 0 ..= 64.
        (
            fown(2, 0, 42, F_OWNER_PID, 65),
            "file owner: flags 0x0, owner 42 of type 1, signal 65",
        ),
        (
            fown(2, KCR_FOWN_ASYNC, 0, 0, -1),
            "file owner: flags 0x1, owner 0 of type 0, signal -1",
        ),
        (
            fown(2, 0, 42, F_OWNER_TID, i32::MIN),
            "file owner: flags 0x0, owner 42 of type 0, signal -2147483648",
        ),
        // Nothing to set.
        (
            fown(2, 0, 0, 0, 0),
            "file owner: flags 0x0, owner 0 of type 0, signal 0",
        ),
        // Its file: one that a descriptor of the process refers to, not
        // the root directory (a FILE no fd refers to), the pipe (a PIPE
        // object), the task, or nothing.
        (
            fown(6, KCR_FOWN_ASYNC, 0, 0, 0),
            "file owner of file object 6, open at no fd",
        ),
        (
            fown(5, KCR_FOWN_ASYNC, 0, 0, 0),
            "file owner of file object 5, open at no fd",
        ),
        (
            fown(1, 0, 42, F_OWNER_PID, 0),
            "file owner of file object 1, open at no fd",
        ),
        (
            fown(0, 0, 0, 0, 10),
            "file owner of file object 0, open at no fd",
        ),
        (
            fown(99, 0, 42, F_OWNER_PGRP, 0),
            "file owner of file object 99, open at no fd",
        ),
        // The record's own fields are checked first.
        (
            fown(99, 0, 0, 0, 0),
            "file owner: flags 0x0, owner 0 of type 0",
        ),
    ];
    for (f, want) in cases {
        let e = parse(&with_fowns(&[ok, f])[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("FOWN", 17), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // More than the process's descriptors (2), before the file of the
    // one too many is looked at, after its own fields are.
    for (last, want) in [
        (ok, "more file owner records than descriptors"),
        (
            fown(99, 0, 42, F_OWNER_PID, 0),
            "more file owner records than descriptors",
        ),
        (
            fown(2, 0, 42, 3, 0),
            "file owner: flags 0x0, owner 42 of type 3, signal 0",
        ),
    ] {
        let other = fown(7, KCR_FOWN_ASYNC, 0, 0, 0);
        let e = parse(&with_fowns(&[ok, other, last])[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("FOWN", 18), "{e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // One record a file: a second one for the same file is refused.
    let e = parse(&with_fowns(&[ok, fown(2, KCR_FOWN_ASYNC, 0, 0, 0)])[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("FOWN", 17), "{e}");
    assert!(
        e.msg.contains("second file owner record of file object 2"),
        "{e}"
    );
    // A FOWN of the wrong length.
    let c = insert_before(
        &body(&sample()),
        rec::MM,
        &record(rec::FOWN, size_of::<kcr_rec_fown>() + 8, &[]),
    );
    let e = parse(&finish(c, N + 1)[..]).unwrap_err();
    assert_eq!(e.record, "FOWN", "{e}");
    assert!(e.msg.contains("length 40, expected 32"), "{e}");
}

#[test]
fn file_owners_are_a_process_s_after_its_fd_table_and_locks() {
    let f = fown_record(&fown(2, KCR_FOWN_ASYNC, 0, 0, 0));
    let place =
        "only after its process's fd table (FDTABLE and FD records) and LOCK records, before its MM";
    let b = body(&sample());
    // Before its fd table, before its FD records, among them, after its
    // MM, among or after its mappings.
    let fd = rec_off(&b, rec::FD) + size_of::<kcr_rec_fd>();
    let mut among_fds = b[..fd].to_vec();
    among_fds.extend(&f);
    among_fds.extend_from_slice(&b[fd..]);
    let mut cases = vec![among_fds];
    for t in [
        rec::FS,
        rec::FDTABLE,
        rec::FD,
        rec::VMA,
        rec::PAGES,
        rec::ATTRS,
    ] {
        cases.push(insert_before(&b, t, &f));
    }
    for c in cases {
        let e = parse(&finish(c, N + 1)[..]).unwrap_err();
        assert_eq!(e.record, "FOWN", "{e}");
        assert!(e.msg.contains(place), "{e}");
    }
    // Before a LOCK record: a LOCK after a FOWN is refused, first or
    // among other LOCK records.
    let lock_place =
        "only right after its process's fd table (FDTABLE and FD records), before its MM";
    let l = lock_record(&lock(2, lock_kind::POSIX, F_RDLCK, 0, 9));
    for locks_before in [0, 1] {
        let mut r = l.repeat(locks_before);
        r.extend(&f);
        r.extend(&l);
        let c = insert_before(&b, rec::MM, &r);
        let e = parse(&finish(c, N + 2 + locks_before as u32)[..]).unwrap_err();
        assert_eq!(e.record, "LOCK", "{e}");
        assert!(e.msg.contains(lock_place), "{e}");
    }
    // After the ATTRS record, which ends its process's records.
    let mut c = body(&with_fowns(&sample_fowns()));
    c.extend(&f);
    let e = parse(&finish(c, N + 3)[..]).unwrap_err();
    assert_eq!(e.record, "FOWN", "{e}");
    assert!(
        e.msg
            .contains("FOWN after the ATTRS record of process 42, which ends its records"),
        "{e}"
    );
    // Where a PTIMER belongs.
    let mut c = body(&with_ptimers(1, &[]));
    let o = rec_off(&c, rec::PTIMERS);
    put(
        &mut c,
        o + offset_of!(kcr_rec_ptimers, nr),
        &1u32.to_le_bytes(),
    );
    c.extend(&f);
    let e = parse(&finish(c, N + 2)[..]).unwrap_err();
    assert!(
        e.msg
            .contains("FOWN where POSIX timer 0 of 1 of process 42 belongs"),
        "{e}"
    );
    // Among a thread's records, and after them.
    let (mut th, r) = thread_records(43, 50, &[]);
    th.extend(&f);
    let e = parse(&threaded(2, &[(th, r + 1)])[..]).unwrap_err();
    assert_eq!(e.record, "FOWN", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
    let mut c = body(&threaded_fowns(&sample_fowns()));
    c.extend(&f);
    let e = parse(&finish(c, N + 2 + 3 + 1)[..]).unwrap_err();
    assert_eq!(e.record, "FOWN", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
    // In the next process's section, on a file of the process before.
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let c = insert_before_each(&tree, rec::MM, &[Vec::new(), f.clone()]);
    let e = parse(&finish(c, n + 1)[..]).unwrap_err();
    assert_eq!(e.record, "FOWN", "{e}");
    assert!(
        e.msg.contains("file owner of file object 2, open at no fd"),
        "{e}"
    );
}

/// `sample()` with the pty slave (object 40, [`pty_records`]) of
/// termios `t` among its file objects: its TTY record is record 13.
fn tty_img(t: &kcr_rec_tty) -> Vec<u8> {
    with_files(&pty_records(40, t), 2)
}

/// `sample()` with the pty slave (object 40) among its file objects,
/// which no descriptor refers to, and `r` (records) after its fd table,
/// before its MM (record 18 the first).
fn with_ctty(r: &[u8]) -> Vec<u8> {
    let b = body(&with_files(&pty_records(40, &sample_termios()), 2));
    let n = records_of(r).len() as u32;
    finish(insert_before(&b, rec::MM, r), N + 2 + n)
}

/// The termios of file object `id` of `img`.
fn tty_of(img: &Image, id: u32) -> Option<Tty> {
    img.files.iter().find(|f| f.objid == id).unwrap().tty
}

#[test]
fn terminals_carry_their_termios_and_a_process_its_terminal() {
    let img = parse(&with_tty()[..]).unwrap();
    assert_eq!(img.records, N + 4);
    let t = sample_termios();
    assert_eq!(
        tty_of(&img, 40),
        Some(Tty {
            c_iflag: 0x4000,
            c_oflag: 0x4,
            c_cflag: 0x4bf,
            c_lflag: 0xa30,
            c_line: 0,
            c_cc: t.c_cc,
            c_ispeed: 38400,
            c_ospeed: 38400,
            ws_row: 37,
            ws_col: 123,
            ws_xpixel: 984,
            ws_ypixel: 666,
        })
    );
    let p = &img.tasks[0];
    let fds: Vec<_> = p.fds.iter().map(|f| (f.fd, f.file)).collect();
    assert_eq!(fds, [(0, 40), (3, 2), (4, 7)]);
    assert_eq!(
        p.ctty,
        Some(Ctty {
            file: 40,
            sid: 42,
            fg_pgrp: 42
        })
    );
    let plain = parse(&sample()[..]).unwrap();
    assert!(plain.tasks[0].ctty.is_none());
    assert!(plain.files.iter().all(|f| f.tty.is_none()));
    // Every terminal has its TTY record: major 4, the pty slaves' (136
    // to 143), hvc's (229), /dev/console (5:1); no other character
    // device has one (/dev/null, ptmx, a pty master, the majors around
    // the slaves').
    for (maj, min, path) in [
        (4, 1, "/dev/tty1"),
        (4, 64, "/dev/ttyS0"),
        (136, 0, "/dev/pts/0"),
        (143, 0xf_ffff, "/dev/pts/8388607"),
        (229, 0, "/dev/hvc0"),
        (5, 1, "/dev/console"),
    ] {
        let mut v = chr_file(41, path, tty::rdev(maj, min));
        v.extend(tty_record(&t));
        let img = parse(&with_files(&v, 2)[..]).unwrap();
        assert_eq!(tty_of(&img, 41).map(|t| t.ws_col), Some(123), "{path}");
    }
    for (maj, min, path) in [
        (1, 3, "/dev/null"),
        (5, 2, "/dev/ptmx"),
        (128, 0, "/dev/ptm"),
        (135, 0, "/dev/x"),
        (144, 0, "/dev/y"),
        (228, 0, "/dev/z"),
    ] {
        let img = with_files(&chr_file(41, path, tty::rdev(maj, min)), 1);
        assert_eq!(tty_of(&parse(&img[..]).unwrap(), 41), None, "{path}");
    }
    // At the bounds restart(2) takes: every flag it defines, any control
    // modes, control characters, speeds and size.
    let edge = kcr_rec_tty {
        c_iflag: KCR_TTY_IFLAGS,
        c_oflag: KCR_TTY_OFLAGS,
        c_cflag: u32::MAX,
        c_lflag: KCR_TTY_LFLAGS,
        c_cc: [0xff; 19],
        c_ispeed: u32::MAX,
        c_ospeed: 0,
        ws_row: u16::MAX,
        ws_col: 0,
        ws_xpixel: u16::MAX,
        ws_ypixel: 1,
        ..t
    };
    let img = parse(&tty_img(&edge)[..]).unwrap();
    let got = tty_of(&img, 40).unwrap();
    assert_eq!(
        (got.c_iflag, got.c_oflag, got.c_cflag, got.c_lflag),
        (0x7fff, 0xffff, u32::MAX, 0x1_ffff)
    );
    assert_eq!(
        (got.c_cc, got.c_ispeed, got.ws_row, got.ws_ypixel),
        ([0xff; 19], u32::MAX, u16::MAX, 1)
    );
    // In a process with threads: the process's, before its threads.
    let img = parse(&two_threads(&with_tty(), 4)[..]).unwrap();
    let p = &img.tasks[0];
    assert_eq!((p.ctty.map(|c| c.file), p.threads.len()), (Some(40), 1));
    assert!(p.threads[0].ctty.is_none());
    assert!(tty_of(&img, 40).is_some());
}

#[test]
fn dev_tty_is_refused() {
    // /dev/tty (5:0), which checkpoint refuses: reopened by path, it
    // would be the restarter's terminal. Its neighbours are not.
    let img = with_files(&chr_file(41, "/dev/tty", tty::rdev(5, 0)), 1);
    let e = parse(&img[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("FILE", 12), "{e}");
    assert!(
        e.msg
            .contains("file 41: /dev/tty (5:0), which checkpoint never writes"),
        "{e}"
    );
    let mut v = chr_file(41, "/dev/tty", tty::rdev(5, 0));
    v.extend(tty_record(&sample_termios()));
    let e = parse(&with_files(&v, 2)[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("FILE", 12), "{e}");
    parse(&with_files(&chr_file(41, "/dev/ptmx", tty::rdev(5, 2)), 1)[..]).unwrap();
    // Of a character device only: another kind has no device number.
    let mut f = chr_file(41, "/tmp/x", tty::rdev(5, 0));
    put(
        &mut f,
        offset_of!(kcr_rec_file, kind),
        &file_kind::REG.to_le_bytes(),
    );
    let e = parse(&with_files(&f, 1)[..]).unwrap_err().to_string();
    assert!(
        e.contains("device number 0x500000 in a file of kind"),
        "{e}"
    );
}

#[test]
fn a_terminal_s_file_has_exactly_one_tty_record_right_after_it() {
    let t = sample_termios();
    let pty = chr_file(40, "/dev/pts/3", tty::rdev(136, 3));
    let tr = tty_record(&t);
    let needs = "chardev file 40 needs its TTY record next";
    let stray = "only right after the FILE of a terminal";
    let null = chr_file(41, "/dev/null", tty::rdev(1, 3));
    // The records among the objects, the record refused and its index,
    // why: the FILE alone (the FS where its TTY belongs), another FILE
    // or another kind's state where it belongs; two TTY records; a TTY
    // after another character device, after an eventfd's state, where
    // the eventfd's belongs, before the FILE.
    type Case<'a> = (Vec<Vec<u8>>, (&'a str, u32), &'a str);
    let cases: Vec<Case> = vec![
        (vec![pty.clone()], ("FS", 13), needs),
        (
            vec![pty.clone(), null.clone(), tr.clone()],
            ("FILE", 13),
            needs,
        ),
        (
            vec![
                pty.clone(),
                eventfd_records(1, 0)[size_of::<kcr_rec_file>()..].to_vec(),
            ],
            ("EVENTFD", 13),
            needs,
        ),
        (
            vec![pty.clone(), tr.clone(), tr.clone()],
            ("TTY", 14),
            stray,
        ),
        (vec![null.clone(), tr.clone()], ("TTY", 13), stray),
        (vec![eventfd_records(1, 0), tr.clone()], ("TTY", 14), stray),
        (
            vec![pathless_file(30, file_kind::EVENTFD, 0o4002), tr.clone()],
            ("TTY", 13),
            "eventfd file 30 needs its EVENTFD record next",
        ),
        (vec![tr.clone(), pty.clone()], ("TTY", 12), stray),
    ];
    for (recs, (record, index), want) in cases {
        let n = recs.len() as u32;
        let e = parse(&with_files(&recs.concat(), n)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // The FILE last: the TAIL where its TTY belongs.
    let b = body(&sample());
    let mut c = b[..rec_off(&b, rec::FS)].to_vec();
    c.extend(&pty);
    let e = parse(&finish(c, 13)[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("TAIL", 13), "{e}");
    assert!(e.msg.contains(needs), "{e}");
    // A TTY among the process's other records, after its ATTRS, in a
    // thread.
    for t in [rec::FS, rec::FDTABLE, rec::MM, rec::ATTRS] {
        let c = insert_before(&body(&sample()), t, &tr);
        let e = parse(&finish(c, N + 1)[..]).unwrap_err();
        assert_eq!(e.record, "TTY", "{e}");
        assert!(e.msg.contains(stray), "{e}");
    }
    let mut c = body(&sample());
    c.extend(&tr);
    let e = parse(&finish(c, N + 1)[..]).unwrap_err();
    assert!(e.msg.contains(stray), "{e}");
    let (mut th, n) = thread_records(43, 50, &[]);
    th.extend(&tr);
    let e = parse(&threaded(2, &[(th, n + 1)])[..]).unwrap_err();
    assert_eq!(e.record, "TTY", "{e}");
    assert!(e.msg.contains(stray), "{e}");
    // A terminal's device number in a file of another kind: no TTY
    // record, and none may follow.
    let mut reg = pty.clone();
    put(
        &mut reg,
        offset_of!(kcr_rec_file, kind),
        &file_kind::REG.to_le_bytes(),
    );
    put(
        &mut reg,
        offset_of!(kcr_rec_file, rdev),
        &0u32.to_le_bytes(),
    );
    let img = parse(&with_files(&reg, 1)[..]).unwrap();
    assert_eq!(tty_of(&img, 40), None);
    reg.extend(&tr);
    let e = parse(&with_files(&reg, 2)[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("TTY", 13), "{e}");
    assert!(e.msg.contains(stray), "{e}");
}

#[test]
fn bad_terminal_records_are_refused_as_restart_does() {
    let t = sample_termios();
    let cases: Vec<(kcr_rec_tty, &str)> = vec![
        // The line discipline: N_TTY.
        (
            kcr_rec_tty { c_line: 1, ..t },
            "terminal 40: line discipline 1, flags 0x4000 0x4 0xa30",
        ),
        (
            kcr_rec_tty { c_line: 0xff, ..t },
            "terminal 40: line discipline 255, flags",
        ),
        // No flag bit the kernel does not define (input, output, local;
        // the control modes are the driver's).
        (
            kcr_rec_tty {
                c_iflag: 0x8000,
                ..t
            },
            "terminal 40: line discipline 0, flags 0x8000 0x4 0xa30",
        ),
        (
            kcr_rec_tty {
                c_iflag: u32::MAX,
                ..t
            },
            "flags 0xffffffff 0x4 0xa30",
        ),
        (
            kcr_rec_tty {
                c_oflag: 0x1_0004,
                ..t
            },
            "terminal 40: line discipline 0, flags 0x4000 0x10004 0xa30",
        ),
        (
            kcr_rec_tty {
                c_lflag: 0x2_0a30,
                ..t
            },
            "terminal 40: line discipline 0, flags 0x4000 0x4 0x20a30",
        ),
        (
            kcr_rec_tty {
                c_lflag: 0x8000_0000,
                ..t
            },
            "flags 0x4000 0x4 0x80000000",
        ),
        // No padding.
        (
            kcr_rec_tty { pad: 1, ..t },
            "terminal 40: line discipline 0, flags 0x4000 0x4 0xa30",
        ),
    ];
    for (r, want) in cases {
        let e = parse(&tty_img(&r)[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("TTY", 13), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // The wrong length, longer or shorter.
    for size in [size_of::<kcr_rec_tty>() + 8, 56, 8] {
        let mut v = chr_file(40, "/dev/pts/3", tty::rdev(136, 3));
        v.extend(record(rec::TTY, size, &[]));
        let e = parse(&with_files(&v, 2)[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("TTY", 13), "{e}");
        assert!(
            e.msg.contains(&format!("length {size}, expected 64")),
            "{e}"
        );
    }
}

#[test]
fn controlling_terminals_name_an_earlier_terminal() {
    // A terminal no descriptor refers to (checkpoint writes one for the
    // controlling terminal if need be): object 40, fd 0 still the pipe.
    let img = parse(&with_ctty(&ctty_record(40, 42, 0))[..]).unwrap();
    let p = &img.tasks[0];
    assert!(p.fds.iter().all(|f| f.file != 40));
    assert_eq!(
        p.ctty,
        Some(Ctty {
            file: 40,
            sid: 42,
            fg_pgrp: 0
        })
    );
    // At the bounds restart(2) takes.
    let img = parse(&with_ctty(&ctty_record(40, i32::MAX, i32::MAX))[..]).unwrap();
    assert_eq!(
        img.tasks[0].ctty.map(|c| (c.sid, c.fg_pgrp)),
        Some((i32::MAX, i32::MAX))
    );
    let img = parse(&with_ctty(&ctty_record(40, 1, 0))[..]).unwrap();
    assert_eq!(img.tasks[0].ctty.map(|c| c.sid), Some(1));
    // Of every kind of terminal.
    for (maj, min) in [(4, 1), (5, 1), (143, 9), (229, 0)] {
        let mut v = chr_file(41, "/dev/t", tty::rdev(maj, min));
        v.extend(tty_record(&sample_termios()));
        let b = body(&with_files(&v, 2));
        let img = finish(insert_before(&b, rec::MM, &ctty_record(41, 42, 42)), N + 3);
        let img = parse(&img[..]).unwrap();
        assert_eq!(img.tasks[0].ctty.map(|c| c.file), Some(41), "{maj}:{min}");
    }
    // After the process's LOCK and FOWN records; right after its FDTABLE
    // when it has no descriptor.
    let mut r = locks_records(&sample_locks());
    r.extend(fowns_records(&sample_fowns()));
    r.extend(ctty_record(40, 42, 42));
    let img = parse(&with_ctty(&r)[..]).unwrap();
    let p = &img.tasks[0];
    assert_eq!((p.locks.len(), p.fowns.len()), (3, 2));
    assert_eq!(p.ctty.map(|c| c.file), Some(40));
    let b = body(&with_files(&pty_records(40, &sample_termios()), 2));
    let (b, _) = cut(&b, rec::FD);
    let (mut b, _) = cut(&b, rec::FD);
    let o = rec_off(&b, rec::FDTABLE);
    put(
        &mut b,
        o + offset_of!(kcr_rec_fdtable, nr_fds),
        &0u32.to_le_bytes(),
    );
    let c = insert_before(&b, rec::MM, &ctty_record(40, 42, 42));
    let img = parse(&finish(c, N + 1)[..]).unwrap();
    assert_eq!(img.tasks[0].ctty.map(|c| c.file), Some(40));
    // In each process of a tree: the child's names its parent's
    // terminal (objects are the image's), or its own.
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let tree = insert_before(&tree, rec::FS, &pty_records(40, &sample_termios()));
    for (child, want) in [(40, 40), (107, 0)] {
        let c = insert_before_each(
            &tree,
            rec::MM,
            &[ctty_record(40, 42, 42), ctty_record(child, 42, 43)],
        );
        let r = parse(&finish(c, n + 2 + 2)[..]);
        if want == 0 {
            // The child's pipe end (object 107) is not a terminal.
            let e = r.unwrap_err();
            assert_eq!(e.record, "CTTY", "{e}");
            assert!(
                e.msg
                    .contains("controlling terminal: file 107, session 42, foreground group 43"),
                "{e}"
            );
            continue;
        }
        let img = r.unwrap();
        let c: Vec<_> = img.tasks.iter().map(|t| t.ctty.map(|c| c.file)).collect();
        assert_eq!(c, [Some(want), Some(want)]);
        assert_eq!(img.tasks[1].ctty.map(|c| c.fg_pgrp), Some(43));
    }
}

#[test]
fn only_a_character_device_has_a_device_number() {
    let mut reg = chr_file(42, "/tmp/x", tty::rdev(136, 3));
    put(
        &mut reg,
        offset_of!(kcr_rec_file, kind),
        &file_kind::REG.to_le_bytes(),
    );
    let e = parse(&with_files(&reg, 1)[..]).unwrap_err().to_string();
    assert!(
        e.contains("device number 0x8800003 in a file of kind"),
        "{e}"
    );
    parse(&with_files(&chr_file(41, "/dev/null", tty::rdev(1, 3)), 1)[..]).unwrap();
}

#[test]
fn bad_controlling_terminals_are_refused_as_restart_does() {
    // The sample's objects: 1 its task, 5 its pipe, 6 /, 2 its program,
    // 7 its pipe end; 41 /dev/null; 42 a regular file; 99 none; 43 a
    // terminal defined after the record.
    let null = chr_file(41, "/dev/null", tty::rdev(1, 3));
    let mut reg = chr_file(42, "/tmp/x", 0);
    put(
        &mut reg,
        offset_of!(kcr_rec_file, kind),
        &file_kind::REG.to_le_bytes(),
    );
    let mut objs = pty_records(40, &sample_termios());
    objs.extend(&null);
    objs.extend(&reg);
    let b = body(&with_files(&objs, 4));
    let img = |r: &[u8]| finish(insert_before(&b, rec::MM, r), N + 5);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        // Its file: an earlier FILE of a terminal.
        (
            ctty_record(0, 42, 42),
            "controlling terminal: file 0, session 42, foreground group 42",
        ),
        (ctty_record(99, 42, 42), "controlling terminal: file 99,"),
        (ctty_record(1, 42, 42), "controlling terminal: file 1,"),
        (ctty_record(5, 42, 42), "controlling terminal: file 5,"),
        (ctty_record(6, 42, 42), "controlling terminal: file 6,"),
        (ctty_record(2, 42, 42), "controlling terminal: file 2,"),
        (ctty_record(7, 42, 42), "controlling terminal: file 7,"),
        (ctty_record(41, 42, 42), "controlling terminal: file 41,"),
        (ctty_record(42, 42, 42), "controlling terminal: file 42,"),
        // A session > 0, a foreground group >= 0.
        (
            ctty_record(40, 0, 42),
            "controlling terminal: file 40, session 0, foreground group 42",
        ),
        (
            ctty_record(40, -1, 0),
            "controlling terminal: file 40, session -1, foreground group 0",
        ),
        (
            ctty_record(40, i32::MIN, 42),
            "controlling terminal: file 40, session -2147483648",
        ),
        (
            ctty_record(40, 42, -1),
            "controlling terminal: file 40, session 42, foreground group -1",
        ),
        (
            ctty_record(40, 42, i32::MIN),
            "foreground group -2147483648",
        ),
        // No padding.
        (
            {
                let mut r = ctty_record(40, 42, 42);
                put(&mut r, offset_of!(kcr_rec_ctty, pad), &[1]);
                r
            },
            "controlling terminal: file 40, session 42, foreground group 42",
        ),
        // The length.
        (
            record(rec::CTTY, size_of::<kcr_rec_ctty>() + 8, &[]),
            "length 32, expected 24",
        ),
        (record(rec::CTTY, 16, &[]), "length 16, expected 24"),
    ];
    for (r, want) in cases {
        let e = parse(&img(&r)[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("CTTY", 20), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // A terminal of the next process, not an earlier one: the parent's
    // CTTY names the child's terminal (object 43).
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let c = insert_before_each(
        &tree,
        rec::FS,
        &[Vec::new(), pty_records(43, &sample_termios())],
    );
    let c = insert_before(&c, rec::MM, &ctty_record(43, 42, 42));
    let e = parse(&finish(c, n + 3)[..]).unwrap_err();
    assert_eq!(e.record, "CTTY", "{e}");
    assert!(e.msg.contains("controlling terminal: file 43,"), "{e}");
}

#[test]
fn a_controlling_terminal_is_once_a_process_s_after_its_fown_records() {
    let c = ctty_record(40, 42, 42);
    let place = "only after its process's fd table (FDTABLE and FD records), LOCK and FOWN \
                 records, before its MM";
    let b = body(&with_files(&pty_records(40, &sample_termios()), 2));
    let n = N + 2 + 1;
    // Before its FS, its fd table, among its FD records, after its MM,
    // among or after its mappings.
    let fd = rec_off(&b, rec::FD) + size_of::<kcr_rec_fd>();
    let mut among_fds = b[..fd].to_vec();
    among_fds.extend(&c);
    among_fds.extend_from_slice(&b[fd..]);
    let mut cases = vec![among_fds];
    for t in [
        rec::FS,
        rec::FDTABLE,
        rec::FD,
        rec::VMA,
        rec::PAGES,
        rec::ATTRS,
    ] {
        cases.push(insert_before(&b, t, &c));
    }
    for img in cases {
        let e = parse(&finish(img, n)[..]).unwrap_err();
        assert_eq!(e.record, "CTTY", "{e}");
        assert!(e.msg.contains(place), "{e}");
    }
    // Right after the fd table, its LOCK and FOWN records: not after
    // another record there (a file's TTY), nor after its MM, even with
    // its last FD record after the MM.
    let mut r = pty_records(41, &sample_termios());
    r.extend(&c);
    let mut after_mm = b.clone();
    let o = rec_off(&after_mm, rec::FDTABLE);
    put(
        &mut after_mm,
        o + offset_of!(kcr_rec_fdtable, nr_fds),
        &3u32.to_le_bytes(),
    );
    let mut fd_c = fd_record(4, 40, 0);
    fd_c.extend(&c);
    for img in [
        finish(insert_before(&b, rec::MM, &r), n + 2),
        finish(insert_before(&after_mm, rec::VMA, &fd_c), n + 1),
    ] {
        let e = parse(&img[..]).unwrap_err();
        assert_eq!(e.record, "CTTY", "{e}");
        assert!(e.msg.contains(place), "{e}");
    }
    // Before a LOCK or FOWN record: those after it are refused.
    let lock = lock_record(&lock(2, lock_kind::POSIX, F_RDLCK, 0, 9));
    let fown = fown_record(&fown(2, KCR_FOWN_ASYNC, 0, 0, 0));
    for (after, record, want) in [
        (
            &lock,
            "LOCK",
            "only right after its process's fd table (FDTABLE and FD records), before its MM",
        ),
        (
            &fown,
            "FOWN",
            "only after its process's fd table (FDTABLE and FD records) and LOCK records, \
             before its MM",
        ),
    ] {
        let mut r = c.clone();
        r.extend(after);
        let e = parse(&with_ctty(&r)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, 19), "{e}");
        assert!(e.msg.contains(want), "{e}");
    }
    // Once: a second one is refused, for the same terminal or another.
    for second in [40, 41] {
        let mut r = c.clone();
        r.extend(ctty_record(second, 42, 42));
        let mut objs = pty_records(40, &sample_termios());
        objs.extend(pty_records(41, &sample_termios()));
        let b = body(&with_files(&objs, 4));
        let e = parse(&finish(insert_before(&b, rec::MM, &r), N + 6)[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("CTTY", 21), "{e}");
        assert!(
            e.msg
                .contains("second controlling terminal record of process 42"),
            "{e}"
        );
    }
    // After the ATTRS record, which ends its process's records.
    let mut img = body(&with_ctty(&c));
    img.extend(&c);
    let e = parse(&finish(img, N + 4)[..]).unwrap_err();
    assert_eq!(e.record, "CTTY", "{e}");
    assert!(
        e.msg
            .contains("CTTY after the ATTRS record of process 42, which ends its records"),
        "{e}"
    );
    // Among a thread's records, and after them.
    let (mut th, r) = thread_records(43, 50, &[]);
    th.extend(&c);
    let mut img = body(&two_threads(&with_ctty(&c), 3));
    let e = parse(&threaded(2, &[(th, r + 1)])[..]).unwrap_err();
    assert_eq!(e.record, "CTTY", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
    img.extend(&c);
    let e = parse(&finish(img, N + 3 + 3 + 1)[..]).unwrap_err();
    assert_eq!(e.record, "CTTY", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
    parse(&two_threads(&with_ctty(&c), 3)[..]).unwrap();
}

/// [`with_memfd`]`(0)` (its memfd: object 20, then one page of it) with
/// the records `r` right before its FS, after the memfd's contents.
fn memfd_then(r: &[u8]) -> Vec<u8> {
    let b = body(&with_memfd(0));
    let n = records_of(r).len() as u32;
    finish(insert_before(&b, rec::FS, r), N + 2 + n)
}

/// The memfd's FILE and PAGES records of [`with_memfd`]`(0)`.
fn memfd_records() -> Vec<u8> {
    let b = body(&with_memfd(0));
    let recs = records_of(&b);
    let fs = recs.iter().position(|r| r.1 == rec::FS).unwrap();
    let (start, end) = (recs[fs - 2].0, recs[fs].0);
    assert_eq!((recs[fs - 2].1, recs[fs - 1].1), (rec::FILE, rec::PAGES));
    b[start..end].to_vec()
}

/// The seals of file object `id` in `img`.
fn seals_of(img: &Image, id: u32) -> Option<Vec<&'static str>> {
    img.files
        .iter()
        .find(|f| f.objid == id)
        .unwrap()
        .seals
        .clone()
}

#[test]
fn memfd_seals_follow_its_contents() {
    use seal_flags::*;
    let img = parse(&with_seals(SEAL | SHRINK | GROW | WRITE)[..]).unwrap();
    assert_eq!(img.records, N + 3);
    assert_eq!(
        seals_of(&img, 20),
        Some(vec!["seal", "shrink", "grow", "write"])
    );
    assert_eq!(img.files.iter().filter(|f| f.seals.is_some()).count(), 1);
    // Without a SEALS record: F_SEAL_SEAL alone, nothing to show.
    let img = parse(&with_memfd(8192)[..]).unwrap();
    assert!(img.files.iter().all(|f| f.seals.is_none()));
    assert!(parse(&sample()[..])
        .unwrap()
        .files
        .iter()
        .all(|f| f.seals.is_none()));
    // Every value restart(2) takes: none (sealable), each seal alone but
    // F_SEAL_SEAL, F_SEAL_SEAL with another, all of them.
    for (seals, want) in [
        (0, vec![]),
        (SHRINK, vec!["shrink"]),
        (GROW, vec!["grow"]),
        (WRITE, vec!["write"]),
        (FUTURE_WRITE, vec!["future-write"]),
        (EXEC, vec!["exec"]),
        (SEAL | WRITE, vec!["seal", "write"]),
        (
            ALL & !SEAL,
            vec!["shrink", "grow", "write", "future-write", "exec"],
        ),
        (
            ALL,
            vec!["seal", "shrink", "grow", "write", "future-write", "exec"],
        ),
    ] {
        let img = parse(&with_seals(seals)[..]).unwrap();
        assert_eq!(seals_of(&img, 20), Some(want), "seals {seals:#x}");
    }
    // An empty memfd has no contents: its SEALS record follows its FILE.
    let (b, _) = cut(&body(&with_seals(WRITE)), rec::PAGES);
    let img = parse(&finish(b, N + 2)[..]).unwrap();
    let m = img.files.iter().find(|f| f.objid == 20).unwrap();
    assert_eq!((m.pages, m.seals.clone()), (0, Some(vec!["write"])));
    // Anywhere after it among the process's object records, as restart(2)
    // takes it: after other objects.
    let mut r = eventfd_records(5, 0);
    r.extend(seals_record(20, GROW));
    let img = parse(&memfd_then(&r)[..]).unwrap();
    assert_eq!(seals_of(&img, 20), Some(vec!["grow"]));
    assert_eq!(img.files.iter().filter(|f| f.objid == 30).count(), 1);
    // In a tree: in the child's object records, the parent's memfd (the
    // objects are the image's).
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let mut parent = memfd_records();
    parent.extend(seals_record(20, SHRINK));
    let mut b = insert_before_each(&tree, rec::FS, &[memfd_records(), Vec::new()]);
    let img = parse(&finish(b.clone(), n + 2)[..]).unwrap();
    assert_eq!(seals_of(&img, 20), None);
    b = insert_before_each(&tree, rec::FS, &[memfd_records(), seals_record(20, EXEC)]);
    let img = parse(&finish(b, n + 3)[..]).unwrap();
    assert_eq!(seals_of(&img, 20), Some(vec!["exec"]));
    let b = insert_before_each(&tree, rec::FS, &[parent, Vec::new()]);
    let img = parse(&finish(b, n + 3)[..]).unwrap();
    assert_eq!(seals_of(&img, 20), Some(vec!["shrink"]));
}

#[test]
fn bad_memfd_seals_are_refused_as_restart_does() {
    use seal_flags::*;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        // Its file: a FILE of kind KCR_FILE_SHMEM, not the program (a
        // regular file), the root directory, the pipe end, the PIPE, the
        // task, or nothing.
        (seals_record(2, WRITE), "seals 0x8 of file object 2"),
        (seals_record(6, WRITE), "seals 0x8 of file object 6"),
        (seals_record(7, 0), "seals 0x0 of file object 7"),
        (seals_record(5, WRITE), "seals 0x8 of file object 5"),
        (seals_record(1, WRITE), "seals 0x8 of file object 1"),
        (seals_record(0, WRITE), "seals 0x8 of file object 0"),
        (seals_record(99, SHRINK), "seals 0x2 of file object 99"),
        // Known seals only.
        (seals_record(20, 0x40), "seals 0x40 of file object 20"),
        (seals_record(20, ALL | 0x40), "seals 0x7f of file object 20"),
        (
            seals_record(20, 0x8000_0000),
            "seals 0x80000000 of file object 20",
        ),
        (
            seals_record(20, u32::MAX),
            "seals 0xffffffff of file object 20",
        ),
        // Never F_SEAL_SEAL alone, the default.
        (seals_record(20, SEAL), "seals 0x1 of file object 20"),
        // Once a file, even with the same seals.
        (
            [seals_record(20, WRITE), seals_record(20, WRITE)].concat(),
            "second seals record of file object 20",
        ),
        (
            [seals_record(20, 0), seals_record(20, SEAL | GROW)].concat(),
            "second seals record of file object 20",
        ),
        // The wrong length, longer or shorter.
        (
            record(rec::SEALS, size_of::<kcr_rec_seals>() + 8, &[]),
            "length 24, expected 16",
        ),
        (record(rec::SEALS, 8, &[]), "length 8, expected 16"),
    ];
    for (r, want) in cases {
        let img = memfd_then(&r);
        let e = parse(&img[..]).unwrap_err();
        let last = records_of(&body(&img))
            .iter()
            .rposition(|r| r.1 == rec::SEALS)
            .unwrap();
        assert_eq!((e.record, e.index), ("SEALS", last as u32), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // A shmem FILE that comes after it, not before.
    let b = body(&with_memfd(0));
    let c = insert_before(&b, rec::PIPE, &seals_record(20, WRITE));
    let e = parse(&finish(c, N + 3)[..]).unwrap_err();
    assert_eq!(e.record, "SEALS", "{e}");
    assert!(e.msg.contains("seals 0x8 of file object 20"), "{e}");
    // Of a ghost file, which has contents too.
    let c = insert_before(&body(&with_ghost(0)), rec::FS, &seals_record(20, WRITE));
    let e = parse(&finish(c, N + 3)[..]).unwrap_err();
    assert_eq!(e.record, "SEALS", "{e}");
    assert!(e.msg.contains("seals 0x8 of file object 20"), "{e}");
}

#[test]
fn memfd_seals_are_among_a_process_s_object_records() {
    let s = seals_record(20, seal_flags::WRITE);
    let place = "only among its process's object records, before its FS";
    let b = body(&with_memfd(0));
    // After its FS: before or among its fd table, before its MM, among
    // or after its mappings.
    for t in [rec::FDTABLE, rec::FD, rec::MM, rec::VMA, rec::ATTRS] {
        let e = parse(&finish(insert_before(&b, t, &s), N + 3)[..]).unwrap_err();
        assert_eq!(e.record, "SEALS", "{e}");
        assert!(e.msg.contains(place), "{e}");
    }
    // After the ATTRS record, which ends its process's records.
    let mut c = body(&with_seals(seal_flags::WRITE));
    c.extend(&s);
    let e = parse(&finish(c, N + 4)[..]).unwrap_err();
    assert_eq!(e.record, "SEALS", "{e}");
    assert!(
        e.msg
            .contains("SEALS after the ATTRS record of process 42, which ends its records"),
        "{e}"
    );
    // Before the first TASK.
    let e = parse(&finish(insert_before(&b, rec::TASK, &s), N + 3)[..]).unwrap_err();
    assert_eq!(e.record, "SEALS", "{e}");
    assert!(e.msg.contains("no TASK record before it"), "{e}");
    // Among a thread's records.
    let (mut th, r) = thread_records(43, 50, &[]);
    th.extend(&s);
    let e = parse(&threaded(2, &[(th, r + 1)])[..]).unwrap_err();
    assert_eq!(e.record, "SEALS", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
    // Between the memfd's contents: the pages after it are no longer
    // the memfd's (restart(2) ends its objects there and wants an FS).
    let mut pages = cut(&b, rec::PAGES).1;
    put(
        &mut pages,
        offset_of!(kcr_rec_pages, addr),
        &4096u64.to_le_bytes(),
    );
    let img = parse(&memfd_then(&pages)[..]).unwrap();
    assert_eq!(img.files.iter().find(|f| f.objid == 20).unwrap().pages, 2);
    let e = parse(&memfd_then(&[s.clone(), pages].concat())[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("PAGES", 15), "{e}");
    assert!(e.msg.contains("no VMA record before it"), "{e}");
    // In the child's section after its FS, of the parent's memfd.
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let c = insert_before_each(&tree, rec::FS, &[memfd_records(), Vec::new()]);
    let c = insert_before_each(&c, rec::FDTABLE, &[Vec::new(), s.clone()]);
    let e = parse(&finish(c, n + 3)[..]).unwrap_err();
    assert_eq!(e.record, "SEALS", "{e}");
    assert!(e.msg.contains(place), "{e}");
}

#[test]
fn a_deleted_cwd_is_an_empty_directory() {
    let img = parse(&with_ghost_cwd(0o40_755, 0)[..]).unwrap();
    let f = img.files.iter().find(|f| f.objid == 6).unwrap();
    assert_eq!(f.kind, "ghost-directory");
    for (mode, size) in [(0o100_644, 0), (0o40_755, 4096)] {
        let e = parse(&with_ghost_cwd(mode, size)[..]).unwrap_err();
        assert!(e.msg.contains("deleted directory 6"), "{e}");
    }
}

#[test]
fn lock_and_droppable_flags_are_checked_as_restart_does() {
    let b = body(&sample());
    // The first VMA maps a file, the second is anonymous and private.
    let vmas: Vec<usize> = b
        .windows(8)
        .enumerate()
        .filter(|(_, w)| *w == [7, 0, 0, 0, size_of::<kcr_rec_vma>() as u8, 0, 0, 0])
        .map(|(i, _)| i)
        .collect();
    let with = |vma: usize, flags: u32| {
        let mut c = b.clone();
        let o = vma + offset_of!(kcr_rec_vma, flags);
        let old = u32::from_le_bytes(c[o..o + 4].try_into().unwrap());
        put(&mut c, o, &(old | flags).to_le_bytes());
        parse(&finish(c, N)[..])
    };
    let locked = vma_flags::LOCKED | vma_flags::LOCKONFAULT;
    let img = with(vmas[0], locked).unwrap();
    let names = &img.tasks[0].mm.as_ref().unwrap().vmas[0].flags;
    assert!(names.contains(&"lockonfault"), "{names:?}");
    let e = with(vmas[0], vma_flags::LOCKONFAULT).unwrap_err();
    assert!(
        e.msg.contains("lock-on-fault mapping that is not locked"),
        "{e}"
    );
    let e = with(vmas[0], vma_flags::DROPPABLE).unwrap_err();
    assert!(
        e.msg
            .contains("droppable mapping that is not private anonymous"),
        "{e}"
    );
    let anon = vmas
        .iter()
        .copied()
        .find(|&o| b[o + offset_of!(kcr_rec_vma, file_ref)] == 0)
        .unwrap();
    let img = with(anon, vma_flags::DROPPABLE).unwrap();
    assert!(img.tasks[0]
        .mm
        .as_ref()
        .unwrap()
        .vmas
        .iter()
        .any(|v| v.flags.contains(&"droppable")));
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
        &99u32.to_le_bytes(),
    );
    let e = parse(&finish(c, N)[..]).unwrap_err();
    assert!(e.msg.contains("unknown file kind 99"), "{e}");
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
    assert!(
        e.msg
            .contains("pages 0x3000+1 outside shmem file 20 (8292 bytes)"),
        "{e}"
    );
}

#[test]
fn ghost_files_carry_their_pages() {
    // 8292 bytes: three pages, the last one partly the file's.
    let img = parse(&with_ghost(8192)[..]).unwrap();
    let g = img.files.iter().find(|f| f.objid == 20).unwrap();
    assert_eq!(
        (g.kind, g.path.as_str(), g.pages, g.size, g.mode),
        ("ghost", GHOST_PATH, 1, 8292, 0o100_644)
    );
    // Without contents (a file of zeros, or empty) too.
    let b = body(&with_ghost(0));
    let (c, _) = cut(&b, rec::PAGES);
    let img = parse(&finish(c, N + 1)[..]).unwrap();
    assert_eq!(img.files.iter().find(|f| f.objid == 20).unwrap().pages, 0);
    // A page past the end of the file.
    let e = parse(&with_ghost(12288)[..]).unwrap_err();
    assert_eq!(e.record, "PAGES");
    assert!(
        e.msg
            .contains("pages 0x3000+1 outside ghost file 20 (8292 bytes)"),
        "{e}"
    );
    // Pages after a regular file that is not deleted: nowhere to go.
    let mut b = body(&with_ghost(0));
    let o = rec_off(&b, rec::PAGES) - ghost_record(20, 0o100_644, 8292).len();
    put(
        &mut b,
        o + offset_of!(kcr_rec_file, kind),
        &file_kind::REG.to_le_bytes(),
    );
    let e = parse(&finish(b, N + 2)[..]).unwrap_err();
    assert!(e.msg.contains("no VMA record before it"), "{e}");
}

#[test]
fn ghost_files_are_regular_files_of_at_most_64_mib() {
    let ghost = |mode: u32, size: u64| parse(&with_ghost_file(mode, size, 0)[..]);
    // The largest one.
    let max = u64::from(KCR_GHOST_MAX);
    assert_eq!(ghost(0o100_600, max).unwrap().files[3].size, max);
    // Not a regular file: a FIFO, a directory, no type at all.
    for mode in [0o010_600, 0o040_755, 0o644] {
        let e = ghost(mode, 8292).unwrap_err();
        assert_eq!(e.record, "FILE");
        assert!(
            e.msg.contains(&format!(
                "ghost file 20: mode {mode:#o} is not a regular file's"
            )),
            "{e}"
        );
    }
    let e = ghost(0o100_600, max + 1).unwrap_err();
    assert!(
        e.msg
            .contains("ghost file 20: size 67108865 above KCR_GHOST_MAX"),
        "{e}"
    );
    // No device number, and a path where it was, which is absolute.
    let mut b = body(&with_ghost(0));
    let o = rec_off(&b, rec::PAGES) - ghost_record(20, 0o100_644, 8292).len();
    let mut c = b.clone();
    put(
        &mut c,
        o + offset_of!(kcr_rec_file, rdev),
        &0x40_0001u32.to_le_bytes(),
    );
    let e = parse(&finish(c, N + 2)[..]).unwrap_err();
    assert!(
        e.msg.contains("device number 0x400001 in a file of kind"),
        "{e}"
    );
    put(&mut b, o + size_of::<kcr_rec_file>(), b"t");
    let e = parse(&finish(b, N + 2)[..]).unwrap_err();
    assert!(e.msg.contains("path is not an absolute"), "{e}");
}

#[test]
fn a_mapping_may_map_a_ghost_file() {
    let img = parse(&with_mapped_ghost()[..]).unwrap();
    let v = &img.tasks[0].mm.as_ref().unwrap().vmas[0];
    assert_eq!((v.file, v.flags.as_slice()), (Some(20), &["shared"][..]));
    // A shared mapping has no pages of its own, whatever it maps.
    let b = body(&with_mapped_ghost());
    let vma = rec_off(&b, rec::VMA);
    let len = u32::from_le_bytes([b[vma + 4], b[vma + 5], b[vma + 6], b[vma + 7]]) as usize;
    let mut p = record(rec::PAGES, size_of::<kcr_rec_pages>(), &[1u8; 4096]);
    put(
        &mut p,
        offset_of!(kcr_rec_pages, addr),
        &0x400000u64.to_le_bytes(),
    );
    put(
        &mut p,
        offset_of!(kcr_rec_pages, nr_pages),
        &1u32.to_le_bytes(),
    );
    let mut c = b[..vma + len].to_vec();
    c.extend_from_slice(&p);
    c.extend_from_slice(&b[vma + len..]);
    let e = parse(&finish(c, N + 3)[..]).unwrap_err();
    assert!(e.msg.contains("outside their mapping"), "{e}");
}

/// `b` without its first record of type `t`, and that record.
fn cut(b: &[u8], t: u32) -> (Vec<u8>, Vec<u8>) {
    let o = rec_off(b, t);
    let len = u32::from_le_bytes([b[o + 4], b[o + 5], b[o + 6], b[o + 7]]) as usize;
    let mut rest = b[..o].to_vec();
    rest.extend_from_slice(&b[o + len..]);
    (rest, b[o..o + len].to_vec())
}

/// `b` with `r` inserted before its first record of type `t`.
fn insert_before(b: &[u8], t: u32, r: &[u8]) -> Vec<u8> {
    let o = rec_off(b, t);
    let mut c = b[..o].to_vec();
    c.extend_from_slice(r);
    c.extend_from_slice(&b[o..]);
    c
}

/// `sample()` with the field at `off` of its ATTRS record set to `v`.
fn with_attrs_field(off: usize, v: &[u8]) -> Vec<u8> {
    let mut b = body(&sample());
    let o = rec_off(&b, rec::ATTRS);
    put(&mut b, o + off, v);
    finish(b, N)
}

#[test]
fn attributes_are_the_process_s() {
    let img = parse(&sample()[..]).unwrap();
    let a = img.tasks[0].attrs.as_ref().unwrap();
    assert_eq!(
        (a.nice, a.policy, a.oom_score_adj, a.pdeath_signal),
        (0, "normal", 0, 0)
    );
    assert_eq!((a.timer_slack_ns, a.exe), (50_000, Some(2)));
    assert!(a.flags.is_empty());
    assert_eq!(a.auxv, [(6, 4096), (0, 0)]);
    // Its threads share them.
    let img = parse(&threaded(2, &[thread_records(43, 50, &[])])[..]).unwrap();
    assert!(img.tasks[0].attrs.is_some());
    assert!(img.tasks[0].threads[0].attrs.is_none());
}

#[test]
fn attributes_at_their_bounds_are_accepted() {
    let f = |name: &str, off: usize, v: &[u8]| {
        let img = with_attrs_field(off, v);
        parse(&img[..]).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    f(
        "nice -20",
        offset_of!(kcr_rec_attrs, nice),
        &(-20i32).to_le_bytes(),
    );
    f(
        "nice 19",
        offset_of!(kcr_rec_attrs, nice),
        &19i32.to_le_bytes(),
    );
    let batch = f(
        "batch",
        offset_of!(kcr_rec_attrs, policy),
        &3u32.to_le_bytes(),
    );
    assert_eq!(batch.tasks[0].attrs.as_ref().unwrap().policy, "batch");
    f(
        "idle",
        offset_of!(kcr_rec_attrs, policy),
        &5u32.to_le_bytes(),
    );
    let oom = offset_of!(kcr_rec_attrs, oom_score_adj);
    f("oom -1000", oom, &(-1000i32).to_le_bytes());
    f("oom 1000", oom, &1000i32.to_le_bytes());
    let sig = offset_of!(kcr_rec_attrs, pdeath_signal);
    f("pdeathsig 64", sig, &64u32.to_le_bytes());
    let all = f(
        "flags",
        offset_of!(kcr_rec_attrs, flags),
        &0x1fu32.to_le_bytes(),
    );
    assert_eq!(
        all.tasks[0].attrs.as_ref().unwrap().flags,
        [
            "thp-disable",
            "subreaper",
            "reset-on-fork",
            "mlockall-future",
            "mlockall-onfault"
        ]
    );
    let none = f(
        "no exe",
        offset_of!(kcr_rec_attrs, exe_ref),
        &0u32.to_le_bytes(),
    );
    assert_eq!(none.tasks[0].attrs.as_ref().unwrap().exe, None);
    // The longest vector, KCR_AUXV_MAX bytes.
    let mut longest = vec![1u64; KCR_AUXV_MAX as usize / 8 - 2];
    longest.extend([0, 0]);
    let img = parse(&with_auxv(&longest)[..]).unwrap();
    assert_eq!(img.tasks[0].attrs.as_ref().unwrap().auxv.len(), 32);
}

#[test]
fn bad_attributes_are_refused_as_restart_does() {
    let field = |off: usize, v: [u8; 4]| with_attrs_field(off, &v);
    let nice = offset_of!(kcr_rec_attrs, nice);
    let policy = offset_of!(kcr_rec_attrs, policy);
    let oom = offset_of!(kcr_rec_attrs, oom_score_adj);
    let sig = offset_of!(kcr_rec_attrs, pdeath_signal);
    let flags = offset_of!(kcr_rec_attrs, flags);
    let exe = offset_of!(kcr_rec_attrs, exe_ref);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (field(nice, 20i32.to_le_bytes()), "attributes: nice 20 "),
        (field(nice, (-21i32).to_le_bytes()), "attributes: nice -21 "),
        // SCHED_FIFO, SCHED_RR, SCHED_DEADLINE; 4 is no policy.
        (field(policy, 1u32.to_le_bytes()), "policy 1 "),
        (field(policy, 2u32.to_le_bytes()), "policy 2 "),
        (field(policy, 4u32.to_le_bytes()), "policy 4 "),
        (field(policy, 6u32.to_le_bytes()), "policy 6 "),
        (field(oom, 1001i32.to_le_bytes()), "oom 1001 "),
        (field(oom, (-1001i32).to_le_bytes()), "oom -1001 "),
        (field(sig, 65u32.to_le_bytes()), "pdeathsig 65 "),
        (field(flags, 0x20u32.to_le_bytes()), "flags 0x20"),
        // MCL_ONFAULT only comes with MCL_FUTURE.
        (field(flags, 0x10u32.to_le_bytes()), "flags 0x10"),
        (
            field(offset_of!(kcr_rec_attrs, __pad), 1u32.to_le_bytes()),
            "attributes: nice 0 policy 0 oom 0 pdeathsig 0 flags 0",
        ),
        // Not a FILE, a directory, a pipe end.
        (
            field(exe, 99u32.to_le_bytes()),
            "executable reference 99 names no earlier regular or ghost FILE",
        ),
        (
            field(exe, 6u32.to_le_bytes()),
            "executable reference 6 names no earlier regular or ghost FILE",
        ),
        (
            field(exe, 7u32.to_le_bytes()),
            "executable reference 7 names no earlier regular or ghost FILE",
        ),
        // Vectors that are not whole pairs, empty, too long, or do not end
        // with AT_NULL.
        (with_auxv(&[6, 4096, 0]), "auxiliary vector of 24 bytes"),
        (with_auxv(&[0]), "auxiliary vector of 8 bytes"),
        (with_auxv(&[]), "auxiliary vector of 0 bytes"),
        (
            with_auxv(&[0; KCR_AUXV_MAX as usize / 8 + 2]),
            "auxiliary vector of 528 bytes",
        ),
        (with_auxv(&[6, 4096]), "without AT_NULL at its end"),
        (with_auxv(&[0, 0, 6, 4096]), "without AT_NULL at its end"),
        // auxv_len disagreeing with the record's length.
        (
            field(offset_of!(kcr_rec_attrs, auxv_len), 48u32.to_le_bytes()),
            "length 80, expected 96",
        ),
    ];
    for (img, want) in cases {
        let e = parse(&img[..]).unwrap_err();
        assert_eq!(e.record, "ATTRS", "{e}");
        assert!(e.to_string().contains(want), "{e} lacks {want:?}");
    }
}

#[test]
fn attributes_are_once_per_process_right_after_its_mappings() {
    let b = body(&sample());
    let (without, attrs) = cut(&b, rec::ATTRS);
    let refused = |img: Vec<u8>, record: &str, want: &str| {
        let e = parse(&img[..]).unwrap_err();
        assert_eq!(e.record, record, "{e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    };
    // Missing: before the TAIL, the process's threads, the next process.
    refused(
        finish(without.clone(), N - 1),
        "TAIL",
        "process 42 has no ATTRS record after its mappings",
    );
    let (th, r) = thread_records(43, 50, &[]);
    let (no_attrs, _) = cut(&body(&threaded(2, &[(th.clone(), r)])), rec::ATTRS);
    refused(
        finish(no_attrs, N - 1 + r),
        "TASK",
        "thread 43 before the ATTRS record of its process",
    );
    let tree = body(&tree_sample(&[entry(42, 1, 42, 42), entry(50, 42, 42, 42)]));
    let (mut tree, _) = cut(&tree, rec::ATTRS);
    let mut next = record(rec::TASK, size_of::<kcr_rec_task>(), &[]);
    put(
        &mut next,
        offset_of!(kcr_rec_task, objid),
        &60u32.to_le_bytes(),
    );
    for (o, v) in [
        (offset_of!(kcr_rec_task, pid), 50i32),
        (offset_of!(kcr_rec_task, tgid), 50),
        (offset_of!(kcr_rec_task, ppid), 42),
        (offset_of!(kcr_rec_task, nr_threads), 1),
    ] {
        put(&mut next, o, &v.to_le_bytes());
    }
    tree.extend(next);
    refused(
        finish(tree, N + 1),
        "TASK",
        "process 42 has no ATTRS record after its mappings",
    );
    // Twice.
    let mut twice = b.clone();
    twice.extend_from_slice(&attrs);
    refused(
        finish(twice, N + 1),
        "ATTRS",
        "second ATTRS record for process 42",
    );
    // Before the last mapping, before the MM, or followed by the last
    // mapping's pages.
    let vmas = rec_off(&without, rec::VMA);
    let second_vma = vmas + size_of::<kcr_rec_vma>();
    let mut early = without[..second_vma].to_vec();
    early.extend_from_slice(&attrs);
    early.extend_from_slice(&without[second_vma..]);
    refused(
        finish(early, N),
        "ATTRS",
        "ATTRS before the end of the mappings of process 42",
    );
    refused(
        finish(insert_before(&without, rec::MM, &attrs), N),
        "ATTRS",
        "ATTRS before the end of the mappings of process 42",
    );
    refused(
        finish(insert_before(&without, rec::PAGES, &attrs), N),
        "PAGES",
        "PAGES after the ATTRS record of process 42",
    );
    // After another record: a FILE (even the executable's) between the
    // memory records and it.
    let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), b"/bin/other\0");
    put(
        &mut f,
        offset_of!(kcr_rec_file, objid),
        &30u32.to_le_bytes(),
    );
    put(
        &mut f,
        offset_of!(kcr_rec_file, kind),
        &file_kind::REG.to_le_bytes(),
    );
    put(
        &mut f,
        offset_of!(kcr_rec_file, path_len),
        &11u32.to_le_bytes(),
    );
    let mut late = without.clone();
    late.extend(f);
    late.extend_from_slice(&attrs);
    refused(
        finish(late, N + 1),
        "ATTRS",
        "ATTRS not right after the memory records of process 42",
    );
    // Among the records of a thread.
    let mut th_attrs = th;
    th_attrs.extend_from_slice(&attrs);
    refused(
        threaded(2, &[(th_attrs, r + 1)]),
        "ATTRS",
        "belong to a thread",
    );
}

#[test]
fn a_fifo_may_carry_its_buffered_data() {
    // A FIFO file object after the sample's pipe #5: with a reference to
    // that PIPE (its data), without one, and a regular file with one.
    let b = body(&sample());
    let fs = rec_off(&b, rec::FS);
    let fifo = |kind: u32, mode: u32, pipe_ref: u32| {
        let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), b"/tmp/f\0");
        put(
            &mut f,
            offset_of!(kcr_rec_file, objid),
            &30u32.to_le_bytes(),
        );
        put(&mut f, offset_of!(kcr_rec_file, kind), &kind.to_le_bytes());
        put(&mut f, offset_of!(kcr_rec_file, mode), &mode.to_le_bytes());
        put(
            &mut f,
            offset_of!(kcr_rec_file, path_len),
            &7u32.to_le_bytes(),
        );
        put(
            &mut f,
            offset_of!(kcr_rec_file, pipe_ref),
            &pipe_ref.to_le_bytes(),
        );
        let mut c = b[..fs].to_vec();
        c.extend_from_slice(&f);
        c.extend_from_slice(&b[fs..]);
        parse(&finish(c, N + 1)[..])
    };
    let img = fifo(file_kind::FIFO, 0o10600, 5).unwrap();
    let f = img.files.iter().find(|f| f.objid == 30).unwrap();
    assert_eq!((f.kind, f.pipe), ("fifo", Some(5)));
    assert!(fifo(file_kind::FIFO, 0o10600, 0).is_ok());
    let e = fifo(file_kind::FIFO, 0o10600, 99).unwrap_err();
    assert!(e.msg.contains("pipe reference 99"), "{e}");
    let e = fifo(file_kind::REG, 0o100600, 5).unwrap_err();
    assert!(e.msg.contains("no pipe or FIFO"), "{e}");
}

#[test]
fn only_a_process_is_stopped() {
    // A process stopped by job control: fine, and shown.
    let mut b = body(&sample());
    let o = rec_off(&b, rec::TASK) + offset_of!(kcr_rec_task, flags);
    put(&mut b, o, &task_flags::STOPPED.to_le_bytes());
    let img = parse(&finish(b, N)[..]).unwrap();
    assert_eq!(img.tasks[0].flags, ["stopped"]);
    // A thread record cannot carry it.
    let (mut th, r) = thread_records(43, 50, &[]);
    let o = offset_of!(kcr_rec_task, flags);
    put(
        &mut th,
        o,
        &(task_flags::THREAD | task_flags::STOPPED).to_le_bytes(),
    );
    let e = parse(&threaded(2, &[(th, r)])[..]).unwrap_err();
    assert!(e.msg.contains("is not one of process 42"), "{e}");
}

#[test]
fn cow_pages_of_a_forked_child() {
    let img = parse(&cow_tree_sample(&[(0x600000, 1), (0x604000, 2)])[..]).unwrap();
    assert_eq!(img.tasks.len(), 2);
    let mm = img.tasks[1].mm.as_ref().unwrap();
    assert_eq!(mm.fork_of, Some(42));
    let v = mm.vmas.iter().find(|v| v.start == 0x600000).unwrap();
    assert_eq!((v.pages, v.cow_pages), (3, 3));
    assert!(v.flags.contains(&"cow"));
    assert_eq!(img.tasks[0].mm.as_ref().unwrap().fork_of, None);
    // Overlapping its own pages, or past the mapping.
    let bad = |img: Vec<u8>, want: &str| {
        let e = parse(&img[..]).unwrap_err();
        assert!(e.msg.contains(want), "{e}");
    };
    bad(cow_tree_sample(&[(0x600000, 2)]), "out of order");
    bad(
        cow_tree_sample(&[(0x60f000, 2)]),
        "outside a copied mapping",
    );
    bad(
        cow_tree_sample(&[(0x600000, 0)]),
        "outside a copied mapping",
    );
    // The fork record names another process, or comes late.
    let mut b = body(&cow_tree_sample(&[]));
    let recs = records_of(&b);
    let f = recs.iter().find(|r| r.1 == rec::MM_FORK).unwrap().0;
    let mut c = b.clone();
    put(
        &mut c,
        f + offset_of!(kcr_rec_mm_fork, ppid),
        &43i32.to_le_bytes(),
    );
    let n = recs.len() as u32;
    bad(finish(c, n), "not the parent");
    let fork = b[f..f + size_of::<kcr_rec_mm_fork>()].to_vec();
    b.drain(f..f + fork.len());
    // After the child's first mapping (its file mapping, not a copy).
    let v = f + size_of::<kcr_rec_vma>().next_multiple_of(8);
    let mut late = b.clone();
    late.splice(v..v, fork);
    bad(finish(late, n), "only right after its process's MM");
    // Without the fork record, a COW mapping is refused.
    bad(finish(b, n - 1), "copy-on-write mapping");
    // In the root's own section: no parent to copy.
    let mut one = body(&tree_sample(&[entry(42, 1, 42, 42)]));
    let m = rec_off(&one, rec::MM);
    let mut fr = record(rec::MM_FORK, size_of::<kcr_rec_mm_fork>(), &[]);
    put(
        &mut fr,
        offset_of!(kcr_rec_mm_fork, ppid),
        &1i32.to_le_bytes(),
    );
    let mlen = size_of::<kcr_rec_mm>().next_multiple_of(8);
    one.splice(m + mlen..m + mlen, fr);
    bad(finish(one, N + 2), "not the parent");
}

/// `sample()` with `recs` (each one or more records) among its file
/// objects, before its FS: the first of them is record 12.
fn unix_img(recs: &[Vec<u8>]) -> Vec<u8> {
    let v = recs.concat();
    with_files(&v, records_of(&v).len() as u32)
}

/// The socket of file object `id` of `img`.
fn unix_of(img: &Image, id: u32) -> &UnixSock {
    let f = img.files.iter().find(|f| f.objid == id).unwrap();
    f.unix.as_ref().unwrap()
}

/// An unconnected stream socket: its FILE (object `id`, read-write) and
/// UNIX records.
fn closed_stream(id: u32) -> Vec<u8> {
    unix_records(id, 2, &unix_sock(unix_sock::STREAM, unix_sock::CLOSE))
}

/// A datagram socket (object `id`, read-write), connected or not.
fn dgram(id: u32, state: u32) -> Vec<u8> {
    unix_records(id, 2, &unix_sock(unix_sock::DGRAM, state))
}

/// A stream socketpair (objects `a` and `b`, of type `type_`) and the
/// QUEUE of each, naming the other, with no buffer.
fn stream_pair(a: u32, b: u32, type_: u32) -> Vec<u8> {
    let u = unix_sock(type_, unix_sock::ESTABLISHED);
    let mut v = unix_records(a, 2, &u);
    v.extend(unix_records(b, 2, &u));
    v.extend(unix_queue_records(a, unix_peer::FILE, b, &[]));
    v.extend(unix_queue_records(b, unix_peer::FILE, a, &[]));
    v
}

/// The QUEUE of socket `id`, not connected, with no buffer.
fn no_queue(id: u32) -> Vec<u8> {
    unix_queue_records(id, unix_peer::NONE, 0, &[])
}

#[test]
fn unix_sockets_carry_their_state_and_queue() {
    let img = parse(&with_unix()[..]).unwrap();
    assert_eq!(img.records, N + 14);
    let creds = |pid, uid, gid| Some(UnixCreds { pid, uid, gid });
    let a = unix_of(&img, 50);
    assert_eq!(
        (a.type_, a.state, a.flags.clone()),
        ("stream", "established", vec!["peercred"])
    );
    assert_eq!(
        (a.sndbuf, a.rcvbuf, a.backlog, a.rcvlowat, a.peek_off),
        (212_992, 212_992, 10, 1, -1)
    );
    assert_eq!((a.ino_mode, a.ino_uid, a.ino_gid), (0o140_777, 0, 0));
    assert_eq!(a.peercred, creds(42, 0, 0));
    assert_eq!(
        a.queue,
        UnixQueue {
            peer: "file",
            peer_file: Some(51),
            peer_name: vec![],
            bytes: 11,
            buffers: vec![
                UnixBuf {
                    len: 7,
                    creds: creds(42, 0, 0),
                    sender: None,
                    fds: vec![],
                },
                UnixBuf {
                    len: 4,
                    creds: creds(42, 0, 0),
                    sender: None,
                    fds: vec![],
                },
            ],
        }
    );
    let b = unix_of(&img, 51);
    assert_eq!(b.flags, ["peercred", "keepalive", "linger"]);
    assert_eq!((b.linger, b.rcvtimeo_us, b.sndtimeo_us), (5, 1_500_000, 0));
    assert_eq!(
        (b.sndbuf, b.sndbuf_locked, b.rcvbuf_locked),
        (65536, true, false)
    );
    assert_eq!(
        (b.queue.peer_file, b.queue.bytes, b.queue.buffers.len()),
        (Some(50), 5, 1)
    );
    let f = img.files.iter().find(|f| f.objid == 51).unwrap();
    assert_eq!((f.kind, f.f_flags, f.path.as_str()), ("unix", 0o4002, ""));
    let d = unix_of(&img, 52);
    assert_eq!((d.type_, d.state, d.shutdown), ("dgram", "established", 2));
    assert_eq!((d.ino_mode, d.ino_uid, d.ino_gid), (0o140_755, 1000, 1000));
    assert_eq!(d.peercred, None);
    assert_eq!((d.queue.peer, d.queue.peer_file), ("dead", None));
    assert_eq!(
        d.queue.buffers,
        [
            UnixBuf {
                len: 12,
                creds: creds(0, 1000, 1000),
                sender: None,
                fds: vec![],
            },
            UnixBuf {
                len: 0,
                creds: None,
                sender: None,
                fds: vec![],
            },
        ]
    );
    assert!(parse(&sample()[..])
        .unwrap()
        .files
        .iter()
        .all(|f| f.unix.is_none()));
}

#[test]
fn unix_sockets_at_the_bounds_restart_takes() {
    use unix_sock::*;
    // Every field at its largest (the longest name, abstract: a path
    // would need its socket file), and the smallest where it matters.
    let mut longest = vec![0u8; (SOCKADDR_UN_LEN - SUN_PATH_OFF) as usize];
    longest[1..].fill(0xff);
    let edge = kcr_rec_unix {
        flags: unix_flags::ALL,
        shutdown: RCV_SHUTDOWN | SEND_SHUTDOWN,
        err: MAX_ERRNO,
        peek_off: i32::MAX,
        backlog: i32::MAX as u32,
        sndbuf: i32::MAX as u32,
        rcvbuf: i32::MAX as u32,
        userlocks: unix_flags::USERLOCKS,
        rcvlowat: i32::MAX as u32,
        linger: LINGER_MAX,
        rcvtimeo_us: TIMEO_MAX_US,
        sndtimeo_us: TIMEO_MAX_US,
        ino_mode: S_IFSOCK | 0o7777,
        ino_uid: u32::MAX,
        ino_gid: u32::MAX,
        peer_pid: i32::MAX,
        peer_uid: u32::MAX,
        peer_gid: u32::MAX,
        ..unix_named(unix_sock(STREAM, CLOSE), &longest, true)
    };
    let img = parse(&unix_img(&[unix_records(50, 0o104002, &edge), no_queue(50)])[..]).unwrap();
    let u = unix_of(&img, 50);
    assert_eq!(
        u.flags,
        [
            "bound",
            "passcred",
            "passpidfd",
            "peercred",
            "oobinline",
            "keepalive",
            "linger"
        ]
    );
    assert_eq!((u.name.len(), u.bound, &u.node), (108, true, &None));
    assert_eq!(
        (u.err, u.peek_off, u.linger, u.rcvtimeo_us, u.ino_mode),
        (4095, i32::MAX, 8_589_934, TIMEO_MAX_US, 0o147_777)
    );
    assert!(u.sndbuf_locked && u.rcvbuf_locked);
    assert_eq!(u.peercred.map(|c| c.pid), Some(i32::MAX));
    let low = kcr_rec_unix {
        flags: unix_flags::PEERCRED | unix_flags::LINGER,
        ino_mode: S_IFSOCK,
        ..unix_sock(DGRAM, CLOSE)
    };
    let img = parse(&unix_img(&[unix_records(50, 2, &low), no_queue(50)])[..]).unwrap();
    let u = unix_of(&img, 50);
    assert_eq!((u.linger, u.peercred.map(|c| c.pid)), (0, Some(0)));
    // A seqpacket pair, a datagram pair whose datagrams name their
    // sender, a datagram socket connected to itself, one not connected
    // with a datagram of a socket of the image.
    let img = parse(&unix_img(&[stream_pair(50, 51, SEQPACKET)])[..]).unwrap();
    assert_eq!(unix_of(&img, 51).type_, "seqpacket");
    assert_eq!(unix_of(&img, 51).queue.peer_file, Some(50));
    let recs = [
        dgram(50, ESTABLISHED),
        dgram(51, ESTABLISHED),
        unix_queue_records(
            50,
            unix_peer::FILE,
            51,
            &[unix_skb_record(b"to 50", Some((42, 0, 0)), 51)],
        ),
        unix_queue_records(
            51,
            unix_peer::FILE,
            50,
            &[
                unix_skb_record(b"to 51", Some((42, 0, 0)), 50),
                unix_skb_record(b"lost", None, 0),
            ],
        ),
        dgram(52, ESTABLISHED),
        unix_queue_records(52, unix_peer::FILE, 52, &[unix_skb_record(b"me", None, 52)]),
        dgram(53, CLOSE),
        unix_queue_records(53, unix_peer::NONE, 0, &[unix_skb_record(b"x", None, 51)]),
    ];
    let img = parse(&unix_img(&recs)[..]).unwrap();
    let q = &unix_of(&img, 51).queue;
    assert_eq!(
        (
            q.peer_file,
            q.bytes,
            q.buffers[0].sender,
            q.buffers[1].sender
        ),
        (Some(50), 9, Some(50), None)
    );
    assert_eq!(unix_of(&img, 52).queue.peer_file, Some(52));
    assert_eq!(unix_of(&img, 53).queue.buffers[0].sender, Some(51));
    // A datagram socket connected to a socket of its own state: CLOSE
    // with a peer, ESTABLISHED without one (only a stream socket's state
    // is its connection's).
    let recs = [
        dgram(50, CLOSE),
        dgram(51, ESTABLISHED),
        unix_queue_records(50, unix_peer::FILE, 51, &[]),
        no_queue(51),
    ];
    parse(&unix_img(&recs)[..]).unwrap();
    // The second of a pair's QUEUE records first; the queues after other
    // objects; a stream socket whose peer was closed, with data.
    let u = unix_sock(STREAM, ESTABLISHED);
    let recs = [
        unix_records(50, 2, &u),
        unix_records(51, 2, &u),
        eventfd_records(1, 0),
        unix_queue_records(51, unix_peer::FILE, 50, &[]),
        unix_queue_records(50, unix_peer::FILE, 51, &[]),
        unix_records(52, 2, &u),
        unix_queue_records(52, unix_peer::DEAD, 0, &[unix_skb_record(b"bye", None, 0)]),
    ];
    let img = parse(&unix_img(&recs)[..]).unwrap();
    assert_eq!(unix_of(&img, 52).queue.peer, "dead");
    // The longest buffer.
    let big = vec![7u8; KCR_UNIX_SKB_MAX as usize];
    let recs = [
        dgram(50, CLOSE),
        unix_queue_records(50, unix_peer::NONE, 0, &[unix_skb_record(&big, None, 0)]),
    ];
    let img = parse(&unix_img(&recs)[..]).unwrap();
    assert_eq!(unix_of(&img, 50).queue.bytes, u64::from(KCR_UNIX_SKB_MAX));
    // In a process with threads: the process's.
    let mut b = body(&with_unix());
    let t = rec_off(&b, rec::TASK);
    for (off, v) in [
        (offset_of!(kcr_rec_task, flags), 0u32),
        (offset_of!(kcr_rec_task, nr_threads), 2),
    ] {
        put(&mut b, t + off, &v.to_le_bytes());
    }
    let (th, r) = thread_records(43, 60, &[]);
    b.extend(th);
    let img = parse(&finish(b, N + 14 + r)[..]).unwrap();
    assert_eq!(img.tasks[0].threads.len(), 1);
    assert_eq!(unix_of(&img, 50).queue.buffers.len(), 2);
}

#[test]
fn unix_files_are_read_write_sockets_of_no_path() {
    let u = unix_sock(unix_sock::STREAM, unix_sock::CLOSE);
    // O_RDWR, with O_NONBLOCK and O_LARGEFILE and no other flag; no
    // position, inode number, size or time.
    for flags in [0o2, 0o4002, 0o100002, 0o104002] {
        parse(&unix_img(&[unix_records(50, flags, &u), no_queue(50)])[..]).unwrap();
    }
    let field = |off: usize, v: &[u8]| {
        let mut r = unix_records(50, 2, &u);
        put(&mut r, off, v);
        unix_img(&[r, no_queue(50)])
    };
    let flags = |f: u32| field(offset_of!(kcr_rec_file, f_flags), &f.to_le_bytes());
    for (img, want) in [
        (flags(0), "unix file 50 (flags 0x0)"),
        (flags(1), "unix file 50 (flags 0x1)"),
        (flags(0o2002), "unix file 50 (flags 0x402)"),
        (flags(0o10002), "unix file 50 (flags 0x1002)"),
        (
            field(offset_of!(kcr_rec_file, pos), &1i64.to_le_bytes()),
            "unix file 50 (flags 0x2)",
        ),
        (
            field(offset_of!(kcr_rec_file, ino), &9u64.to_le_bytes()),
            "unix file 50 (flags 0x2)",
        ),
        (
            field(offset_of!(kcr_rec_file, size), &1u64.to_le_bytes()),
            "unix file 50 (flags 0x2)",
        ),
        (
            field(offset_of!(kcr_rec_file, mtime_sec), &1i64.to_le_bytes()),
            "unix file 50 (flags 0x2)",
        ),
        (
            field(offset_of!(kcr_rec_file, mtime_nsec), &1u32.to_le_bytes()),
            "unix file 50 (flags 0x2)",
        ),
    ] {
        let e = parse(&img[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("FILE", 12), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // No path.
    let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), b"/tmp/s\0");
    for (off, v) in [
        (offset_of!(kcr_rec_file, objid), 50),
        (offset_of!(kcr_rec_file, kind), file_kind::UNIX),
        (offset_of!(kcr_rec_file, f_flags), 2),
        (offset_of!(kcr_rec_file, mode), 0o140_777),
        (offset_of!(kcr_rec_file, path_len), 7),
    ] {
        put(&mut f, off, &v.to_le_bytes());
    }
    f.extend(unix_record(&u));
    let e = parse(&unix_img(&[f, no_queue(50)])[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("FILE", 12), "{e}");
    assert!(e.msg.contains("path length 7"), "{e}");
    // Its UNIX record right after it, and nowhere else.
    let file = pathless_file(50, file_kind::UNIX, 2);
    let ur = unix_record(&u);
    let needs = "unix file 50 needs its UNIX record next";
    let stray = "only right after the FILE whose state it holds";
    type Case<'a> = (Vec<Vec<u8>>, (&'a str, u32), &'a str);
    let cases: Vec<Case> = vec![
        (vec![file.clone()], ("FS", 13), needs),
        (vec![file.clone(), no_queue(50)], ("UNIX_QUEUE", 13), needs),
        (
            vec![file.clone(), closed_stream(51), ur.clone()],
            ("FILE", 13),
            needs,
        ),
        (
            vec![
                file.clone(),
                eventfd_records(1, 0)[size_of::<kcr_rec_file>()..].to_vec(),
            ],
            ("EVENTFD", 13),
            needs,
        ),
        (
            vec![closed_stream(50), ur.clone(), no_queue(50)],
            ("UNIX", 14),
            stray,
        ),
        (vec![eventfd_records(1, 0), ur.clone()], ("UNIX", 14), stray),
        (vec![ur.clone(), file.clone()], ("UNIX", 12), stray),
        (
            vec![pathless_file(30, file_kind::EVENTFD, 0o4002), ur.clone()],
            ("UNIX", 13),
            "eventfd file 30 needs its EVENTFD record next",
        ),
    ];
    for (recs, (record, index), want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // The wrong length, longer (with no path of a socket file) or
    // shorter.
    for (size, want) in [
        (size_of::<kcr_rec_unix>() + 8, "length 248, expected 240"),
        (232, "record shorter than its structure"),
        (8, "record shorter than its structure"),
    ] {
        let mut v = file.clone();
        v.extend(record(rec::UNIX, size, &[]));
        let e = parse(&unix_img(&[v])[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("UNIX", 13), "{e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
}

#[test]
fn bad_unix_records_are_refused_as_restart_does() {
    use unix_sock::*;
    let u = unix_sock(STREAM, CLOSE);
    let mut addr = [0u8; 112];
    addr[111] = 1;
    let cases: Vec<kcr_rec_unix> = vec![
        // A type and state of a socket restart(2) makes.
        kcr_rec_unix { type_: 0, ..u },
        kcr_rec_unix { type_: 3, ..u },
        kcr_rec_unix { type_: 4, ..u },
        kcr_rec_unix { type_: 6, ..u },
        kcr_rec_unix { state: 0, ..u },
        kcr_rec_unix { state: 2, ..u },
        kcr_rec_unix { state: 10, ..u },
        // Known flags, shutdown bits and buffer locks.
        kcr_rec_unix { flags: 0x1, ..u },
        kcr_rec_unix { flags: 0x8, ..u },
        kcr_rec_unix { flags: 0x100, ..u },
        kcr_rec_unix {
            flags: 0x8000_0000,
            ..u
        },
        kcr_rec_unix { shutdown: 4, ..u },
        kcr_rec_unix { userlocks: 4, ..u },
        // An error, a peek offset, sizes and times setsockopt() takes.
        kcr_rec_unix { err: -1, ..u },
        kcr_rec_unix { err: 4096, ..u },
        kcr_rec_unix { peek_off: -2, ..u },
        kcr_rec_unix {
            peek_off: i32::MIN,
            ..u
        },
        kcr_rec_unix {
            sndbuf: 0x8000_0000,
            ..u
        },
        kcr_rec_unix {
            rcvbuf: u32::MAX,
            ..u
        },
        kcr_rec_unix {
            backlog: 0x8000_0000,
            ..u
        },
        kcr_rec_unix { rcvlowat: 0, ..u },
        kcr_rec_unix {
            rcvlowat: 0x8000_0000,
            ..u
        },
        kcr_rec_unix {
            flags: unix_flags::LINGER,
            linger: LINGER_MAX + 1,
            ..u
        },
        kcr_rec_unix { linger: 1, ..u },
        kcr_rec_unix {
            rcvtimeo_us: TIMEO_MAX_US + 1,
            ..u
        },
        kcr_rec_unix {
            sndtimeo_us: u64::MAX,
            ..u
        },
        // A socket's inode (the FILE's mode is the same).
        kcr_rec_unix {
            ino_mode: 0o100_777,
            ..u
        },
        kcr_rec_unix {
            ino_mode: 0o777,
            ..u
        },
        kcr_rec_unix {
            ino_mode: 0o1_140_777,
            ..u
        },
        // SO_PEERCRED with its flag only, of a pid >= 0.
        kcr_rec_unix { peer_pid: 42, ..u },
        kcr_rec_unix { peer_uid: 1, ..u },
        kcr_rec_unix { peer_gid: 1, ..u },
        kcr_rec_unix {
            flags: unix_flags::PEERCRED,
            peer_pid: -1,
            ..u
        },
        // What is not saved yet: 0.
        kcr_rec_unix {
            peer_ngroups: 1,
            ..u
        },
        // No name: no address, and no socket file.
        kcr_rec_unix { addr_len: 2, ..u },
        kcr_rec_unix { addr, ..u },
        kcr_rec_unix { node_ino: 1, ..u },
        kcr_rec_unix {
            node_mode: 0o140_777,
            ..u
        },
        kcr_rec_unix { node_uid: 1, ..u },
        kcr_rec_unix { node_gid: 1, ..u },
    ];
    for r in cases {
        let want = format!(
            "Unix socket 50: type {} state {} flags {:#x}",
            r.type_, r.state, r.flags
        );
        let e = parse(&unix_img(&[unix_records(50, 2, &r), no_queue(50)])[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("UNIX", 13), "{want}: {e}");
        assert!(e.msg.contains(&want), "{e} lacks {want:?}");
    }
    // The inode's mode is the FILE's.
    let mut f = unix_records(50, 2, &u);
    put(
        &mut f,
        offset_of!(kcr_rec_file, mode),
        &0o140_755u32.to_le_bytes(),
    );
    let e = parse(&unix_img(&[f, no_queue(50)])[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("UNIX", 13), "{e}");
    assert!(
        e.msg.contains("Unix socket 50: type 1 state 7 flags 0x0"),
        "{e}"
    );
}

#[test]
fn bad_unix_queues_are_refused_as_restart_does() {
    use unix_peer::{DEAD, EMBRYO, FILE, NONE};
    use unix_sock::*;
    let est = unix_sock(STREAM, ESTABLISHED);
    let queue_field = |off: usize, v: &[u8]| {
        let mut q = no_queue(50);
        put(&mut q, off, v);
        q
    };
    let mut q_addr = no_queue(50);
    q_addr[offset_of!(kcr_rec_unix_queue, peer_addr) + 111] = 1;
    let mut q_bytes = unix_queue_record(50, NONE, 0, KCR_UNIX_QUEUE_SKBS, 0);
    put(
        &mut q_bytes,
        offset_of!(kcr_rec_unix_queue, bytes),
        &(KCR_UNIX_QUEUE_BYTES + 1).to_le_bytes(),
    );
    // The records among the objects, the index of the refused QUEUE, what
    // the message says.
    type Case = (Vec<Vec<u8>>, u32, String);
    let queue_of = |id: u32, peer: u32| format!("Unix socket queue of object {id} (peer {peer})");
    let mut cases: Vec<Case> = vec![
        // Its socket: a socket read before it, not queued yet.
        (vec![no_queue(50)], 12, queue_of(50, 0)),
        (vec![no_queue(0)], 12, queue_of(0, 0)),
        (vec![closed_stream(51), no_queue(50)], 14, queue_of(50, 0)),
        (vec![no_queue(2)], 12, queue_of(2, 0)),
        (vec![no_queue(5)], 12, queue_of(5, 0)),
        (vec![no_queue(7)], 12, queue_of(7, 0)),
        (vec![no_queue(1)], 12, queue_of(1, 0)),
        (
            vec![eventfd_records(1, 0), no_queue(30)],
            14,
            queue_of(30, 0),
        ),
        (
            vec![closed_stream(50), no_queue(50), no_queue(50)],
            15,
            queue_of(50, 0),
        ),
        (vec![no_queue(50), closed_stream(50)], 12, queue_of(50, 0)),
        // A known peer kind, a peer object only with KCR_UNIX_PEER_FILE
        // and KCR_UNIX_PEER_EMBRYO.
        (
            vec![dgram(50, CLOSE), unix_queue_record(50, 5, 0, 0, 0)],
            14,
            queue_of(50, 5),
        ),
        (
            vec![closed_stream(50), unix_queue_record(50, u32::MAX, 0, 0, 0)],
            14,
            queue_of(50, u32::MAX),
        ),
        (
            vec![dgram(50, CLOSE), unix_queue_record(50, NONE, 50, 0, 0)],
            14,
            queue_of(50, 0),
        ),
        (
            vec![
                unix_records(50, 2, &est),
                unix_queue_record(50, DEAD, 50, 0, 0),
            ],
            14,
            queue_of(50, 3),
        ),
        // A peer's name only for one outside the checkpoint
        // (KCR_UNIX_PEER_EXTERNAL), and nr_embryos only for a listener:
        // 0.
        (
            vec![
                closed_stream(50),
                queue_field(offset_of!(kcr_rec_unix_queue, peer_addr_len), &[2]),
            ],
            14,
            queue_of(50, 0),
        ),
        (vec![closed_stream(50), q_addr], 14, queue_of(50, 0)),
        (
            vec![
                closed_stream(50),
                queue_field(offset_of!(kcr_rec_unix_queue, nr_embryos), &[1]),
            ],
            14,
            queue_of(50, 0),
        ),
        // The limits.
        (
            vec![
                dgram(50, CLOSE),
                unix_queue_record(50, NONE, 0, KCR_UNIX_QUEUE_SKBS + 1, 0),
            ],
            14,
            queue_of(50, 0),
        ),
        (vec![dgram(50, CLOSE), q_bytes], 14, queue_of(50, 0)),
        // A stream socket is ESTABLISHED exactly when it has a peer.
        (
            vec![unix_records(50, 2, &est), no_queue(50)],
            14,
            "Unix socket 50: state 1 with peer 0".into(),
        ),
        (
            vec![closed_stream(50), unix_queue_record(50, DEAD, 0, 0, 0)],
            14,
            "Unix socket 50: state 7 with peer 3".into(),
        ),
        (
            vec![closed_stream(50), unix_queue_record(50, EMBRYO, 0, 0, 0)],
            14,
            "Unix socket 50: state 7 with peer 2".into(),
        ),
        (
            vec![
                closed_stream(50),
                closed_stream(51),
                unix_queue_record(50, FILE, 51, 0, 0),
            ],
            16,
            "Unix socket 50: state 7 with peer 1".into(),
        ),
        // Bytes without buffers.
        (
            vec![dgram(50, CLOSE), unix_queue_record(50, NONE, 0, 0, 5)],
            14,
            "Unix socket 50: 0 bytes queued, not 5".into(),
        ),
    ];
    // Its peer: a socket read before it, of its type, not itself for a
    // stream or seqpacket socket.
    let peer = |p: u32| format!("Unix socket 50: peer {p}");
    for (recs, idx, p) in [
        (vec![unix_records(50, 2, &est)], 14, 0),
        (vec![unix_records(50, 2, &est)], 14, 99),
        (vec![unix_records(50, 2, &est)], 14, 50),
        (vec![unix_records(50, 2, &est)], 14, 2),
        (vec![unix_records(50, 2, &est)], 14, 5),
        (
            vec![unix_records(50, 2, &est), eventfd_records(1, 0)],
            16,
            30,
        ),
        (
            vec![unix_records(50, 2, &est), dgram(51, ESTABLISHED)],
            16,
            51,
        ),
        (
            vec![
                unix_records(50, 2, &est),
                unix_records(51, 2, &unix_sock(SEQPACKET, ESTABLISHED)),
            ],
            16,
            51,
        ),
        (vec![dgram(50, ESTABLISHED), closed_stream(51)], 16, 51),
    ] {
        let mut recs = recs;
        recs.push(unix_queue_record(50, FILE, p, 0, 0));
        cases.push((recs, idx, peer(p)));
    }
    // A peer defined after it.
    cases.push((
        vec![
            unix_records(50, 2, &est),
            unix_queue_record(50, FILE, 51, 0, 0),
            unix_records(51, 2, &est),
        ],
        14,
        peer(51),
    ));
    // The two QUEUE records of a stream pair name each other: the second
    // names the first, which joined it; the first names one that is in
    // no pair and not queued yet.
    let disagree = |id: u32| format!("Unix socket {id} and its peer disagree");
    let three = [
        unix_records(50, 2, &est),
        unix_records(51, 2, &est),
        unix_records(52, 2, &est),
        unix_queue_record(50, FILE, 51, 0, 0),
    ];
    for (q, id) in [
        (unix_queue_record(51, FILE, 52, 0, 0), 51),
        (unix_queue_record(51, DEAD, 0, 0, 0), 51),
        (unix_queue_record(52, FILE, 51, 0, 0), 52),
        (unix_queue_record(52, FILE, 50, 0, 0), 52),
    ] {
        let mut recs = three.to_vec();
        recs.push(q);
        cases.push((recs, 19, disagree(id)));
    }
    let mut recs = three[..3].to_vec();
    recs.push(unix_queue_record(52, DEAD, 0, 0, 0));
    recs.push(unix_queue_record(50, FILE, 52, 0, 0));
    cases.push((recs, 19, disagree(50)));
    // The closed peer of the first: the second is no more its peer.
    let recs = vec![
        unix_records(50, 2, &est),
        closed_stream(51),
        unix_queue_record(50, FILE, 51, 0, 0),
        no_queue(51),
    ];
    cases.push((recs, 17, disagree(51)));
    for (recs, index, want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("UNIX_QUEUE", index), "{want}: {e}");
        assert!(e.msg.contains(&want), "{e} lacks {want:?}");
    }
    // The wrong length, longer or shorter.
    for size in [size_of::<kcr_rec_unix_queue>() + 8, 144, 8] {
        let recs = [closed_stream(50), record(rec::UNIX_QUEUE, size, &[])];
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("UNIX_QUEUE", 14), "{e}");
        assert!(
            e.msg.contains(&format!("length {size}, expected 152")),
            "{e}"
        );
    }
}

#[test]
fn bad_unix_buffers_are_refused_as_restart_does() {
    use unix_peer::{DEAD, FILE, NONE};
    use unix_sock::*;
    let est = unix_sock(STREAM, ESTABLISHED);
    let skb_field = |data: &[u8], off: usize, v: u32| {
        let mut r = unix_skb_record(data, Some((42, 0, 0)), 0);
        put(&mut r, off, &v.to_le_bytes());
        r
    };
    let field = |off: usize, v: u32| skb_field(b"hello", off, v);
    // A stream socket whose peer was closed, with `skb` queued: the SKB
    // is record 15.
    let on_stream = |skb: Vec<u8>| {
        vec![
            unix_records(50, 2, &est),
            unix_queue_records(50, DEAD, 0, &[skb]),
        ]
    };
    let on_dgram = |skb: Vec<u8>| {
        vec![
            dgram(51, CLOSE),
            no_queue(51),
            dgram(50, ESTABLISHED),
            unix_queue_records(50, DEAD, 0, &[skb]),
        ]
    };
    let skb = |flags: u32| format!("Unix socket buffer of 5 bytes, flags {flags:#x}");
    type Case = (Vec<Vec<u8>>, u32, String);
    let mut cases: Vec<Case> = vec![
        // Known flags; no sender's name. (Files in flight: their ids
        // after the structure; without room for them, the length is
        // wrong.)
        (
            on_stream(field(offset_of!(kcr_rec_unix_skb, flags), 3)),
            15,
            skb(3),
        ),
        (
            on_stream(field(offset_of!(kcr_rec_unix_skb, flags), 0x8000_0001)),
            15,
            skb(0x8000_0001),
        ),
        (
            on_stream(field(offset_of!(kcr_rec_unix_skb, nr_fds), 1)),
            15,
            "length 48, expected 56".into(),
        ),
        (
            on_stream(field(offset_of!(kcr_rec_unix_skb, sender_addr_len), 3)),
            15,
            skb(1),
        ),
        // Credentials with their flag only, of a pid >= 0.
        (
            on_stream(field(offset_of!(kcr_rec_unix_skb, pid), u32::MAX)),
            15,
            skb(1),
        ),
        (
            on_stream(unix_skb_record(b"hello", Some((-1, 0, 0)), 0)),
            15,
            skb(1),
        ),
        (
            on_stream(skb_field(b"hello", offset_of!(kcr_rec_unix_skb, flags), 0)),
            15,
            skb(0),
        ),
        (
            on_stream({
                let mut r = unix_skb_record(b"hello", None, 0);
                put(&mut r, offset_of!(kcr_rec_unix_skb, gid), &[1]);
                r
            }),
            15,
            skb(0),
        ),
        // A sender for a datagram only.
        (on_stream(unix_skb_record(b"hello", None, 50)), 15, skb(0)),
        // A stream socket without a peer has nothing to read.
        (
            vec![
                closed_stream(50),
                unix_queue_records(50, NONE, 0, &[unix_skb_record(b"hello", None, 0)]),
            ],
            15,
            "data queued on an unconnected stream socket".into(),
        ),
        // Padding.
        (
            on_stream({
                let mut r = unix_skb_record(b"hello", None, 0);
                let n = r.len();
                r[n - 1] = 1;
                r
            }),
            15,
            "Unix socket buffer padding".into(),
        ),
        // The length of a buffer: at most KCR_UNIX_SKB_MAX, and the
        // record's.
        (
            on_stream(field(offset_of!(kcr_rec_unix_skb, len), 4)),
            15,
            "Unix socket buffer padding".into(),
        ),
        (
            on_stream(field(offset_of!(kcr_rec_unix_skb, len), 9)),
            15,
            "length 48, expected 56".into(),
        ),
        (
            on_stream(field(offset_of!(kcr_rec_unix_skb, len), 0)),
            15,
            "length 48, expected 40".into(),
        ),
        (
            on_stream(field(
                offset_of!(kcr_rec_unix_skb, len),
                KCR_UNIX_SKB_MAX + 1,
            )),
            15,
            format!("Unix socket buffer of {} bytes", KCR_UNIX_SKB_MAX + 1),
        ),
        (
            on_stream(record(rec::UNIX_SKB, 32, &[])),
            15,
            "record shorter than its structure".into(),
        ),
    ];
    // A datagram's sender: a datagram socket read before it.
    for (sender, idx) in [(99, 18), (2, 18), (7, 18), (51, 18), (50, 18)] {
        let mut recs = on_dgram(unix_skb_record(b"hello", None, sender));
        if sender == 51 {
            recs[0] = closed_stream(51);
        }
        if sender == 50 {
            // Itself, a datagram socket: taken.
            parse(&unix_img(&recs)[..]).unwrap();
            continue;
        }
        cases.push((recs, idx, format!("datagram from object {sender}")));
    }
    let recs = vec![
        dgram(50, CLOSE),
        unix_queue_records(50, NONE, 0, &[unix_skb_record(b"hello", None, 51)]),
        dgram(51, CLOSE),
    ];
    cases.push((recs, 15, "datagram from object 51".into()));
    // The bytes of the queue are its buffers'.
    let mut q = unix_queue_records(
        50,
        FILE,
        51,
        &[
            unix_skb_record(b"world!\n", None, 0),
            unix_skb_record(b"ping", None, 0),
        ],
    );
    put(
        &mut q,
        offset_of!(kcr_rec_unix_queue, bytes),
        &9u64.to_le_bytes(),
    );
    let pair = |q: Vec<u8>| {
        vec![
            unix_records(50, 2, &est),
            unix_records(51, 2, &est),
            q,
            unix_queue_records(51, FILE, 50, &[]),
        ]
    };
    cases.push((
        pair(q.clone()),
        18,
        "Unix socket 50: 11 bytes queued, not 9".into(),
    ));
    put(
        &mut q,
        offset_of!(kcr_rec_unix_queue, bytes),
        &12u64.to_le_bytes(),
    );
    cases.push((
        pair(q),
        18,
        "Unix socket 50: 11 bytes queued, not 12".into(),
    ));
    for (recs, index, want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("UNIX_SKB", index), "{want}: {e}");
        assert!(e.msg.contains(&want), "{e} lacks {want:?}");
    }
}

#[test]
fn unix_buffers_carry_their_files_in_flight() {
    use unix_peer::{DEAD, FILE};
    use unix_sock::*;
    let img = parse(&with_unix_fds()[..]).unwrap();
    assert_eq!(img.records, N + 12);
    assert_eq!(
        unix_of(&img, 50).queue.buffers,
        [UnixBuf {
            len: 4,
            creds: None,
            sender: None,
            fds: vec![2],
        }]
    );
    assert!(unix_of(&img, 51).queue.buffers.is_empty());
    let d = &unix_of(&img, 52).queue;
    assert_eq!((d.peer, d.bytes), ("none", 3));
    assert_eq!(
        d.buffers,
        [
            UnixBuf {
                len: 3,
                creds: Some(UnixCreds {
                    pid: 0,
                    uid: 1000,
                    gid: 1000
                }),
                sender: None,
                fds: vec![7, 52, 7],
            },
            UnixBuf {
                len: 0,
                creds: None,
                sender: None,
                fds: vec![],
            },
        ]
    );
    // Files of any kind (a directory, an eventfd, the peer, the socket
    // itself), on every socket type, an even number (no padding) or as
    // many as SCM_MAX_FD; on a connection not accepted yet, the
    // listener itself.
    let pair = |type_: u32, fds: &[u32]| {
        let u = unix_sock(type_, ESTABLISHED);
        vec![
            eventfd_records(1, 0),
            unix_records(50, 2, &u),
            unix_records(51, 2, &u),
            unix_queue_records(50, FILE, 51, &[unix_skb_fds_record(b"hello", None, 0, fds)]),
            unix_queue_records(51, FILE, 50, &[]),
        ]
    };
    let most: Vec<u32> = (0..KCR_UNIX_SKB_FDS as usize)
        .map(|i| [6, 2, 7, 30, 50, 51][i % 6])
        .collect();
    for (type_, fds) in [
        (STREAM, &[6, 30][..]),
        (SEQPACKET, &[51, 50, 6][..]),
        (DGRAM, &[7][..]),
        (STREAM, &most[..]),
    ] {
        let img = parse(&unix_img(&pair(type_, fds))[..]).unwrap();
        assert_eq!(unix_of(&img, 50).queue.buffers[0].fds, fds, "{type_}");
    }
    let recs = vec![
        listener(60, STREAM, 5),
        unix_listen_records(
            60,
            &[unix_embryo_records(
                DEAD,
                0,
                0,
                None,
                &[unix_skb_fds_record(b"x", None, 0, &[2, 60])],
            )],
        ),
    ];
    let img = parse(&unix_img(&recs)[..]).unwrap();
    assert_eq!(unix_of(&img, 60).embryos[0].buffers[0].fds, [2, 60]);
    // In a tree, a file of an earlier section.
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let child = [
        dgram(150, CLOSE),
        no_queue(150),
        dgram(151, CLOSE),
        unix_queue_records(
            151,
            unix_peer::NONE,
            0,
            &[unix_skb_fds_record(b"hi", None, 0, &[7, 2, 107])],
        ),
    ]
    .concat();
    let k = records_of(&child).len() as u32;
    let img = finish(insert_before_each(&tree, rec::FS, &[vec![], child]), n + k);
    let i = parse(&img[..]).unwrap();
    assert_eq!(unix_of(&i, 151).queue.buffers[0].fds, [7, 2, 107]);
}

#[test]
fn bad_unix_files_in_flight_are_refused_as_restart_does() {
    use unix_peer::{DEAD, NONE};
    use unix_sock::*;
    let base = size_of::<kcr_rec_unix_skb>();
    let nr_fds = offset_of!(kcr_rec_unix_skb, nr_fds);
    let fds = |ids: &[u32]| unix_skb_fds_record(b"hello", None, 0, ids);
    let with = |mut r: Vec<u8>, off: usize, v: u32| {
        put(&mut r, off, &v.to_le_bytes());
        r
    };
    // `skb` queued on a socket of each type and on a connection not
    // accepted yet: the socket's records, and `skb`'s index.
    type On = fn(Vec<u8>) -> (Vec<Vec<u8>>, u32);
    let ons: [On; 4] = [
        |skb| {
            let u = unix_sock(STREAM, ESTABLISHED);
            (
                vec![
                    unix_records(50, 2, &u),
                    unix_queue_records(50, DEAD, 0, &[skb]),
                ],
                15,
            )
        },
        |skb| {
            let u = unix_sock(SEQPACKET, ESTABLISHED);
            (
                vec![
                    unix_records(50, 2, &u),
                    unix_queue_records(50, DEAD, 0, &[skb]),
                ],
                15,
            )
        },
        |skb| {
            (
                vec![dgram(50, CLOSE), unix_queue_records(50, NONE, 0, &[skb])],
                15,
            )
        },
        |skb| {
            (
                vec![
                    listener(50, STREAM, 5),
                    unix_listen_records(50, &[unix_embryo_records(DEAD, 0, 0, None, &[skb])]),
                ],
                16,
            )
        },
    ];
    let in_flight = |id: u32| format!("Unix socket buffer: file in flight {id}");
    let padding = "Unix socket buffer: padding of its files".to_string();
    let cases: Vec<(Vec<u8>, String)> = vec![
        // At most KCR_UNIX_SKB_FDS (after the length of the data).
        (
            fds(&[7; 254]),
            "Unix socket buffer with 254 files in flight, more than 253".into(),
        ),
        (
            with(fds(&[7]), nr_fds, u32::MAX),
            "Unix socket buffer with 4294967295 files in flight, more than 253".into(),
        ),
        (
            with(
                with(
                    fds(&[7; 254]),
                    offset_of!(kcr_rec_unix_skb, len),
                    KCR_UNIX_SKB_MAX + 1,
                ),
                nr_fds,
                254,
            ),
            format!("Unix socket buffer of {} bytes", KCR_UNIX_SKB_MAX + 1),
        ),
        // The record's length: the structure, the ids padded to 8, the
        // data padded to 8.
        (with(fds(&[]), nr_fds, 1), "length 48, expected 56".into()),
        (with(fds(&[7]), nr_fds, 0), "length 56, expected 48".into()),
        (
            with(fds(&[7, 2]), nr_fds, 3),
            "length 56, expected 64".into(),
        ),
        (
            with(fds(&[7, 2, 7]), nr_fds, 2),
            "length 64, expected 56".into(),
        ),
        (
            with(fds(&[7; 253]), nr_fds, 252),
            "length 1064, expected 1056".into(),
        ),
        // The padding after an odd number of ids.
        (with(fds(&[7]), base + 4, 1), padding.clone()),
        (with(fds(&[7, 2, 7]), base + 12, 1 << 24), padding.clone()),
        // Each a FILE object read before: not another object, not 0,
        // not one of none, not one read only after.
        (fds(&[99]), in_flight(99)),
        (fds(&[0]), in_flight(0)),
        (fds(&[1]), in_flight(1)),
        (fds(&[3]), in_flight(3)),
        (fds(&[4]), in_flight(4)),
        (fds(&[5]), in_flight(5)),
        (fds(&[7, 2, 98, 99]), in_flight(98)),
        (fds(&[51]), in_flight(51)),
        // In restart's order: the buffer's fields, its files' padding,
        // then its files, then its data's padding.
        (
            with(fds(&[99]), offset_of!(kcr_rec_unix_skb, flags), 2),
            "Unix socket buffer of 5 bytes, flags 0x2".into(),
        ),
        (with(fds(&[99]), base + 4, 1), padding.clone()),
        (
            {
                let mut r = fds(&[99]);
                let n = r.len();
                r[n - 1] = 1;
                r
            },
            in_flight(99),
        ),
        (
            {
                let mut r = fds(&[7]);
                let n = r.len();
                r[n - 1] = 1;
                r
            },
            "Unix socket buffer padding".into(),
        ),
    ];
    for (skb, want) in cases {
        for (k, on) in ons.iter().enumerate() {
            let (mut recs, index) = on(skb.clone());
            // Socket 51, after the buffer that names it.
            recs.push(closed_stream(51));
            recs.push(no_queue(51));
            let e = parse(&unix_img(&recs)[..]).unwrap_err();
            assert_eq!((e.record, e.index), ("UNIX_SKB", index), "{k} {want}: {e}");
            assert!(e.msg.contains(&want), "{k}: {e} lacks {want:?}");
        }
    }
    // A datagram's sender, and a stream socket's peer, before its
    // files.
    let recs = vec![
        dgram(50, CLOSE),
        unix_queue_records(
            50,
            NONE,
            0,
            &[unix_skb_fds_record(b"hello", None, 98, &[99])],
        ),
    ];
    let e = parse(&unix_img(&recs)[..]).unwrap_err();
    assert!(e.msg.contains("datagram from object 98"), "{e}");
    let recs = vec![
        closed_stream(50),
        unix_queue_records(50, NONE, 0, &[fds(&[99])]),
    ];
    let e = parse(&unix_img(&recs)[..]).unwrap_err();
    assert!(
        e.msg
            .contains("data queued on an unconnected stream socket"),
        "{e}"
    );
    // In a tree, a file of a later section (the child's copy of the
    // sample's pipe end, 107).
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let parent = [
        dgram(50, CLOSE),
        unix_queue_records(50, NONE, 0, &[fds(&[7, 107])]),
    ]
    .concat();
    let k = records_of(&parent).len() as u32;
    let img = finish(insert_before_each(&tree, rec::FS, &[parent, vec![]]), n + k);
    let e = parse(&img[..]).unwrap_err();
    assert_eq!(e.record, "UNIX_SKB", "{e}");
    assert!(e.msg.contains(&in_flight(107)), "{e}");
}

#[test]
fn unix_buffers_are_exactly_the_ones_announced() {
    use unix_peer::{DEAD, NONE};
    let d = dgram(50, unix_sock::CLOSE);
    let one = unix_skb_record(b"abc", None, 0);
    let announcing = |n: u32, rest: &[Vec<u8>]| {
        let mut v = vec![d.clone(), unix_queue_record(50, NONE, 0, n, 6)];
        v.extend_from_slice(rest);
        v
    };
    let stray = "only after its socket's UNIX_QUEUE record (or its connection's UNIX_EMBRYO), \
                 as many as it announces";
    type Case<'a> = (Vec<Vec<u8>>, (&'a str, u32), String);
    let cases: Vec<Case> = vec![
        // Fewer: the record where the next belongs.
        (
            announcing(2, std::slice::from_ref(&one)),
            ("FS", 16),
            "FS where buffer 1 of 2 of Unix socket 50 belongs".into(),
        ),
        (
            announcing(2, &[one.clone(), closed_stream(51)]),
            ("FILE", 16),
            "FILE where buffer 1 of 2 of Unix socket 50 belongs".into(),
        ),
        (
            announcing(1, &[]),
            ("FS", 15),
            "FS where buffer 0 of 1 of Unix socket 50 belongs".into(),
        ),
        (
            announcing(2, &[one.clone(), no_queue(50)]),
            ("UNIX_QUEUE", 16),
            "UNIX_QUEUE where buffer 1 of 2 of Unix socket 50 belongs".into(),
        ),
        // More.
        (
            announcing(2, &[one.clone(), one.clone(), one.clone()]),
            ("UNIX_SKB", 17),
            stray.into(),
        ),
        (
            vec![d.clone(), no_queue(50), one.clone()],
            ("UNIX_SKB", 15),
            stray.into(),
        ),
        // Elsewhere.
        (vec![one.clone()], ("UNIX_SKB", 12), stray.into()),
        (
            vec![d.clone(), one.clone(), no_queue(50)],
            ("UNIX_SKB", 14),
            stray.into(),
        ),
        (
            vec![
                unix_records(50, 2, &unix_sock(unix_sock::STREAM, unix_sock::ESTABLISHED)),
                unix_queue_records(50, DEAD, 0, &[]),
                one.clone(),
            ],
            ("UNIX_SKB", 15),
            stray.into(),
        ),
    ];
    for (recs, (record, index), want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(&want), "{e} lacks {want:?}");
    }
    // Cut short by the end of the image: the TAIL where one belongs.
    let b = body(&sample());
    let mut c = b[..rec_off(&b, rec::FS)].to_vec();
    c.extend([d.clone(), unix_queue_record(50, NONE, 0, 1, 3)].concat());
    let e = parse(&finish(c, 15)[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("TAIL", 15), "{e}");
    assert!(
        e.msg
            .contains("TAIL where buffer 0 of 1 of Unix socket 50 belongs"),
        "{e}"
    );
    // After the process's ATTRS, in a thread.
    let mut c = body(&sample());
    c.extend(&one);
    let e = parse(&finish(c, N + 1)[..]).unwrap_err();
    assert_eq!(e.record, "UNIX_SKB", "{e}");
    assert!(e.msg.contains(stray), "{e}");
    let (mut th, n) = thread_records(43, 50, &[]);
    th.extend(&one);
    let e = parse(&threaded(2, &[(th, n + 1)])[..]).unwrap_err();
    assert_eq!(e.record, "UNIX_SKB", "{e}");
    assert!(e.msg.contains(stray), "{e}");
}

#[test]
fn every_unix_socket_has_its_queue_among_its_section_s_objects() {
    let missing = |n: usize, t: &str, ids: &str| {
        let s = if n == 1 { "" } else { "s" };
        format!("{n} Unix sockets without their queue record before {t} (socket{s} {ids})")
    };
    // The FS (or any record but an object's) where a socket of the
    // section has had no QUEUE record.
    type Case<'a> = (Vec<Vec<u8>>, (&'a str, u32), String);
    let cases: Vec<Case> = vec![
        (vec![closed_stream(50)], ("FS", 14), missing(1, "FS", "50")),
        (
            vec![closed_stream(50), closed_stream(51), no_queue(50)],
            ("FS", 17),
            missing(1, "FS", "51"),
        ),
        (
            vec![closed_stream(50), eventfd_records(1, 0), closed_stream(51)],
            ("FS", 18),
            missing(2, "FS", "50, 51"),
        ),
        // A stream pair's QUEUE records are one each.
        (
            {
                let u = unix_sock(unix_sock::STREAM, unix_sock::ESTABLISHED);
                vec![
                    unix_records(50, 2, &u),
                    unix_records(51, 2, &u),
                    unix_queue_records(50, unix_peer::FILE, 51, &[]),
                ]
            },
            ("FS", 17),
            missing(1, "FS", "51"),
        ),
    ];
    for (recs, (record, index), want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(&want), "{e} lacks {want:?}");
    }
    // Objects may follow it before the QUEUE: a pipe, a FILE and its
    // state, a shmem file's contents and seals, signals.
    let b = body(&with_memfd(0));
    let fs = rec_off(&b, rec::FS);
    let sig = rec_off(&b, rec::SIGPENDING);
    let mut c = b[..sig].to_vec();
    c.extend(closed_stream(50));
    c.extend_from_slice(&b[sig..fs]);
    c.extend(seals_record(20, 0));
    c.extend(eventfd_records(1, 0));
    c.extend(no_queue(50));
    c.extend_from_slice(&b[fs..]);
    let img = parse(&finish(c, N + 2 + 6)[..]).unwrap();
    assert_eq!(unix_of(&img, 50).queue.peer, "none");
    // The image ends among the objects: the TAIL.
    let b = body(&sample());
    let mut c = b[..rec_off(&b, rec::FS)].to_vec();
    c.extend(closed_stream(50));
    let e = parse(&finish(c, 14)[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("TAIL", 14), "{e}");
    assert!(e.msg.contains(&missing(1, "TAIL", "50")), "{e}");
    // The QUEUE after the FS: among or after the fd table, before the MM,
    // among the mappings (of a socket queued already, which comes first).
    let q = no_queue(50);
    let place = "only among its process's object records, before its FS";
    let b = body(&unix_img(&[closed_stream(50), q.clone()]));
    for t in [rec::FDTABLE, rec::FD, rec::MM, rec::VMA, rec::ATTRS] {
        let e = parse(&finish(insert_before(&b, t, &q), N + 4)[..]).unwrap_err();
        assert_eq!(e.record, "UNIX_QUEUE", "{e}");
        assert!(e.msg.contains(place), "{e}");
    }
    // After the ATTRS record, which ends its process's records; in a
    // thread; before the first TASK.
    let mut c = b.clone();
    c.extend(&q);
    let e = parse(&finish(c, N + 4)[..]).unwrap_err();
    assert!(
        e.msg
            .contains("UNIX_QUEUE after the ATTRS record of process 42, which ends its records"),
        "{e}"
    );
    let (mut th, n) = thread_records(43, 50, &[]);
    th.extend(&q);
    let e = parse(&threaded(2, &[(th, n + 1)])[..]).unwrap_err();
    assert_eq!(e.record, "UNIX_QUEUE", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
    let e = parse(&finish(insert_before(&b, rec::TASK, &q), N + 4)[..]).unwrap_err();
    assert_eq!(e.record, "UNIX_QUEUE", "{e}");
    assert!(e.msg.contains("no TASK record before it"), "{e}");
}

#[test]
fn unix_sockets_of_a_tree_are_queued_in_their_own_section() {
    use unix_peer::{DEAD, FILE, NONE};
    use unix_sock::*;
    let tree = body(&cow_tree_sample(&[]));
    let n = parse(&cow_tree_sample(&[])[..]).unwrap().records;
    let img = |parent: Vec<Vec<u8>>, child: Vec<Vec<u8>>| {
        let (p, c) = (parent.concat(), child.concat());
        let k = records_of(&p).len() + records_of(&c).len();
        finish(insert_before_each(&tree, rec::FS, &[p, c]), n + k as u32)
    };
    // The child's datagram socket connected to the parent's, with a
    // datagram from it; the child's socket queued in its section.
    let ok = img(
        vec![dgram(50, CLOSE), no_queue(50)],
        vec![
            dgram(150, ESTABLISHED),
            unix_queue_records(150, FILE, 50, &[unix_skb_record(b"hi", None, 50)]),
        ],
    );
    let i = parse(&ok[..]).unwrap();
    assert_eq!(unix_of(&i, 150).queue.buffers[0].sender, Some(50));
    // The parent's socket queued in the child's section: the parent's FS
    // refuses it, and the child may not queue it again.
    let e = parse(&img(vec![dgram(50, CLOSE)], vec![no_queue(50)])[..]).unwrap_err();
    assert_eq!(e.record, "FS", "{e}");
    assert!(
        e.msg
            .contains("1 Unix sockets without their queue record before FS (socket 50)"),
        "{e}"
    );
    let e = parse(
        &img(
            vec![dgram(50, CLOSE), no_queue(50)],
            vec![unix_queue_records(50, DEAD, 0, &[])],
        )[..],
    )
    .unwrap_err();
    assert_eq!(e.record, "UNIX_QUEUE", "{e}");
    assert!(
        e.msg.contains("Unix socket queue of object 50 (peer 3)"),
        "{e}"
    );
    // A stream socket of the child names the parent's, queued (and
    // unconnected) already.
    let e = parse(
        &img(
            vec![closed_stream(50), unix_queue_records(50, NONE, 0, &[])],
            vec![
                unix_records(150, 2, &unix_sock(STREAM, ESTABLISHED)),
                unix_queue_records(150, FILE, 50, &[]),
            ],
        )[..],
    )
    .unwrap_err();
    assert_eq!(e.record, "UNIX_QUEUE", "{e}");
    assert!(
        e.msg.contains("Unix socket 150 and its peer disagree"),
        "{e}"
    );
}

/// `unix_img(recs)` is refused at the first record of the last of
/// `recs`, a `record`, with a message that says `want`.
fn refused_last(recs: &[Vec<u8>], record: &str, want: &str) {
    let e = parse(&unix_img(recs)[..]).unwrap_err();
    let before = recs[..recs.len() - 1].concat();
    let index = 12 + records_of(&before).len() as u32;
    assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
    assert!(e.msg.contains(want), "{e} lacks {want:?}");
}

/// A listening socket of type `type_`, object `id`, bound to the
/// abstract name "\0l" and its id, with a backlog of `backlog`: its FILE
/// and UNIX records.
fn listener(id: u32, type_: u32, backlog: u32) -> Vec<u8> {
    let name = format!("\0l{id}");
    let u = kcr_rec_unix {
        backlog,
        ..unix_named(unix_sock(type_, unix_sock::LISTEN), name.as_bytes(), true)
    };
    unix_records(id, 2, &u)
}

/// A connected, unnamed stream socket, object `id`: its FILE and UNIX
/// records.
fn established(id: u32) -> Vec<u8> {
    unix_records(id, 2, &unix_sock(unix_sock::STREAM, unix_sock::ESTABLISHED))
}

/// The QUEUE of socket `id`, connecting to the listener `l`.
fn connecting(id: u32, l: u32) -> Vec<u8> {
    unix_queue_records(id, unix_peer::EMBRYO, l, &[])
}

/// A connection not accepted yet from the socket `c`, with nothing
/// queued.
fn embryo_from(c: u32) -> Vec<u8> {
    unix_embryo_records(unix_peer::FILE, c, 0, None, &[])
}

/// The records of `v`, one element each.
fn each_record(v: &[u8]) -> Vec<Vec<u8>> {
    records_of(v)
        .into_iter()
        .map(|(off, _, len)| v[off..off + len].to_vec())
        .collect()
}

/// The socket 50 of the UNIX record `u` followed by `node` is refused at
/// that record, saying `want`.
fn refused_unix_record(u: &kcr_rec_unix, node: &[u8], want: &str) {
    refused_last(
        &each_record(&unix_records_node(50, 2, u, node)),
        "UNIX",
        want,
    );
}

/// The UNIX record `u` followed by `node` is refused as restart(2)'s
/// kcr_unix_check() refuses it.
fn refused_unix(u: &kcr_rec_unix, node: &[u8]) {
    let want = format!(
        "Unix socket 50: type {} state {} flags {:#x}",
        u.type_, u.state, u.flags
    );
    refused_unix_record(u, node, &want);
}

#[test]
fn named_and_listening_unix_sockets_carry_their_names_and_connections() {
    use unix_sock::*;
    let creds = |pid, uid, gid| Some(UnixCreds { pid, uid, gid });
    let after = parse(&with_unix_listen(false)[..]).unwrap();
    let first = parse(&with_unix_listen(true)[..]).unwrap();
    assert_eq!(after.records, N + 22);
    // The order of the client's and the listener's QUEUE records makes
    // no difference.
    for id in 60..=65 {
        assert_eq!(unix_of(&after, id), unix_of(&first, id), "socket {id}");
    }
    let img = after;
    let d = unix_of(&img, 60);
    assert_eq!(d.name, unix_path_node(UNIX_DGRAM_PATH));
    assert!(d.bound);
    assert_eq!(
        d.node,
        Some(UnixNode {
            path: UNIX_DGRAM_PATH.into(),
            ino: 4242,
            mode: S_IFSOCK | 0o755,
            uid: 1000,
            gid: 1000,
        })
    );
    assert_eq!(d.flags, ["bound"]);
    assert_eq!(d.queue.buffers[0].sender, Some(61));
    let a = unix_of(&img, 61);
    assert_eq!(
        (&a.name[..], a.bound, &a.node),
        (UNIX_ABSTRACT, true, &None)
    );
    assert_eq!((a.queue.peer, a.queue.peer_file), ("file", Some(60)));
    let l = unix_of(&img, 62);
    assert_eq!((l.type_, l.state, l.backlog), ("stream", "listen", 5));
    assert_eq!(l.node.as_ref().map(|n| n.ino), Some(4343));
    assert_eq!(
        l.node.as_ref().map(|n| n.path.as_str()),
        Some(UNIX_LISTEN_PATH)
    );
    assert_eq!(
        l.queue,
        UnixQueue {
            peer: "none",
            peer_file: None,
            peer_name: vec![],
            bytes: 0,
            buffers: vec![]
        }
    );
    assert_eq!(
        l.embryos,
        [
            UnixEmbryo {
                peer: "file",
                peer_file: Some(63),
                shutdown: 0,
                peercred: creds(42, 0, 0),
                bytes: 0,
                buffers: vec![],
            },
            UnixEmbryo {
                peer: "dead",
                peer_file: None,
                shutdown: RCV_SHUTDOWN | SEND_SHUTDOWN,
                peercred: creds(0, 1000, 1000),
                bytes: 4,
                buffers: vec![UnixBuf {
                    len: 4,
                    creds: creds(0, 1000, 1000),
                    sender: None,
                    fds: vec![],
                }],
            },
        ]
    );
    let c = unix_of(&img, 63);
    assert_eq!((c.name.len(), c.bound, c.state), (0, false, "established"));
    assert_eq!((c.queue.peer, c.queue.peer_file), ("embryo", Some(62)));
    assert!(c.embryos.is_empty());
    let s = unix_of(&img, 64);
    assert_eq!(
        (&s.name, s.bound, &s.node),
        (&unix_path_node(UNIX_LISTEN_PATH), false, &None)
    );
    assert_eq!(s.flags, ["peercred"]);
    assert_eq!(s.queue.peer_file, Some(65));
    assert_eq!(unix_name_text(&s.name), UNIX_LISTEN_PATH);
    assert_eq!(unix_name_text(UNIX_ABSTRACT), "@cr-vmm\\x00x");
    assert_eq!(unix_name_text(&[]), "");
    // JSON names a name as text.
    let j: serde_json::Value = serde_json::to_value(&img.files).unwrap();
    let f = |id: u32| {
        j.as_array()
            .and_then(|v| v.iter().find(|f| f["objid"] == id))
            .map(|f| f["unix"].clone())
            .unwrap()
    };
    assert_eq!(f(61)["name"], "@cr-vmm\\x00x");
    assert_eq!(f(60)["node"]["path"], UNIX_DGRAM_PATH);
    assert!(f(63).get("name").is_none() && f(63).get("embryos").is_none());
    assert_eq!(f(62)["embryos"][1]["peer"], "dead");
}

#[test]
fn named_and_listening_unix_sockets_at_the_bounds_restart_takes() {
    use unix_peer::{DEAD, FILE};
    use unix_sock::*;
    // A path name that is not the socket file's (bind() of a relative
    // path), a socket file of the longest path, of any mode and owner.
    let long = format!("/{}", "p".repeat(KCR_PATH_MAX as usize - 2));
    let node = unix_path_node(&long);
    let u = kcr_rec_unix {
        node_ino: u64::MAX,
        node_mode: S_IFSOCK | 0o7777,
        node_uid: u32::MAX,
        node_gid: u32::MAX,
        node_len: node.len() as u32,
        ..unix_named(unix_sock(DGRAM, CLOSE), b"s.sock\0", true)
    };
    let img = parse(&unix_img(&[unix_records_node(50, 2, &u, &node), no_queue(50)])[..]).unwrap();
    let n = unix_of(&img, 50).node.clone().unwrap();
    assert_eq!((n.path.len(), n.mode), (4095, 0o147_777));
    assert_eq!(unix_name_text(&unix_of(&img, 50).name), "s.sock");
    // The shortest path; an abstract name of one byte (autobind makes
    // five), and one of nothing but NULs; a seqpacket socket accept()
    // made, showing an abstract name.
    let u = unix_bound_to(unix_sock(STREAM, CLOSE), "/", 1, S_IFSOCK, 0, 0);
    let recs = [
        unix_records_node(50, 2, &u, b"/\0"),
        no_queue(50),
        unix_records(51, 2, &unix_named(unix_sock(DGRAM, CLOSE), b"\0", true)),
        no_queue(51),
        unix_records(
            52,
            2,
            &unix_named(unix_sock(SEQPACKET, CLOSE), &[0; 108], true),
        ),
        no_queue(52),
        unix_records(
            53,
            2,
            &unix_named(unix_sock(SEQPACKET, ESTABLISHED), b"\0l", false),
        ),
        unix_queue_records(53, DEAD, 0, &[]),
    ];
    let img = parse(&unix_img(&recs)[..]).unwrap();
    assert_eq!(
        unix_of(&img, 50).node.as_ref().map(|n| n.path.as_str()),
        Some("/")
    );
    assert_eq!(unix_name_text(&unix_of(&img, 51).name), "@");
    assert_eq!(unix_of(&img, 52).name.len(), 108);
    assert!(!unix_of(&img, 53).bound);
    // A listener of backlog 0 takes one connection, and backlog + 1 in
    // all; a seqpacket listener; one with no connection; a connection
    // not accepted yet with data and every field set.
    let skb = |d: &[u8]| unix_skb_record(d, Some((7, 8, 9)), 0);
    let recs = [
        listener(50, STREAM, 0),
        established(51),
        unix_listen_records(50, &[embryo_from(51)]),
        connecting(51, 50),
        listener(52, SEQPACKET, 2),
        unix_records(53, 2, &unix_sock(SEQPACKET, ESTABLISHED)),
        connecting(53, 52),
        unix_listen_records(
            52,
            &[
                unix_embryo_records(DEAD, 0, 0, None, &[]),
                unix_embryo_records(FILE, 53, 3, Some((i32::MAX, 1, 2)), &[skb(b"ab"), skb(b"")]),
                unix_embryo_records(DEAD, 0, 1, Some((0, 0, 0)), &[skb(b"cde")]),
            ],
        ),
        listener(54, STREAM, 1),
        unix_listen_records(54, &[]),
    ];
    let img = parse(&unix_img(&recs)[..]).unwrap();
    assert_eq!(unix_of(&img, 50).embryos.len(), 1);
    let l = unix_of(&img, 52);
    assert_eq!((l.type_, l.embryos.len()), ("seqpacket", 3));
    assert_eq!(
        (
            l.embryos[1].bytes,
            l.embryos[1].buffers.len(),
            l.embryos[2].bytes
        ),
        (2, 2, 3)
    );
    assert_eq!(l.embryos[1].peercred.map(|c| c.pid), Some(i32::MAX));
    assert_eq!(unix_of(&img, 53).queue.peer_file, Some(52));
    assert!(unix_of(&img, 54).embryos.is_empty());
}

#[test]
fn bad_unix_names_are_refused_as_restart_does() {
    use unix_sock::*;
    let closed = unix_sock(STREAM, CLOSE);
    let est = unix_sock(STREAM, ESTABLISHED);
    let node = unix_path_node("/tmp/s");
    // A socket bound to the path /tmp/s with its socket file, whose name
    // is `name`.
    let at = |u: kcr_rec_unix, name: &[u8]| {
        unix_named(
            unix_bound_to(u, "/tmp/s", 7, S_IFSOCK | 0o755, 0, 0),
            name,
            true,
        )
    };
    let abs = unix_named(closed, b"\0abs", true);
    let with_addr = |u: kcr_rec_unix, i: usize, v: u8| {
        let mut a = u.addr;
        a[i] = v;
        kcr_rec_unix { addr: a, ..u }
    };
    // A path name, a path that its socket file is.
    parse(
        &unix_img(&[
            unix_records_node(50, 2, &at(closed, b"/tmp/s\0"), &node),
            no_queue(50),
        ])[..],
    )
    .unwrap();
    let cases: Vec<(kcr_rec_unix, &[u8])> = vec![
        // The family: AF_UNIX.
        (with_addr(abs, 0, 2), &[]),
        (with_addr(abs, 1, 1), &[]),
        (with_addr(at(closed, b"/tmp/s\0"), 0, 0), &node),
        // Longer than the family, at most a sockaddr_un, nothing after
        // it.
        (unix_named(closed, b"", true), &[]),
        (
            kcr_rec_unix {
                addr_len: SOCKADDR_UN_LEN + 1,
                ..unix_named(closed, &[0; 108], true)
            },
            &[],
        ),
        (with_addr(abs, 6, 1), &[]),
        (with_addr(abs, 111, 1), &[]),
        // A path with its NUL, one, last.
        (at(closed, b"/tmp/s"), &node),
        (at(closed, b"/tmp/s\0\0"), &node),
        (at(closed, b"/tm\0p/s\0"), &node),
        // No name, no KCR_UNIX_BOUND.
        (
            kcr_rec_unix {
                flags: unix_flags::BOUND,
                ..closed
            },
            &[],
        ),
        // A name that is not its own only on a connected stream or
        // seqpacket socket: one accept() made.
        (unix_named(closed, b"\0l", false), &[]),
        (
            unix_named(unix_sock(DGRAM, ESTABLISHED), b"\0l", false),
            &[],
        ),
        (unix_named(unix_sock(DGRAM, CLOSE), b"/l\0", false), &[]),
        // A listener: its name its own, a stream or seqpacket socket.
        (unix_sock(STREAM, LISTEN), &[]),
        (unix_named(unix_sock(STREAM, LISTEN), b"\0l", false), &[]),
        (unix_named(unix_sock(DGRAM, LISTEN), b"\0l", true), &[]),
        // A socket file for a path of its own only: not for an abstract
        // name, nor for its listener's, nor for none.
        (
            kcr_rec_unix {
                node_len: node.len() as u32,
                node_mode: S_IFSOCK | 0o755,
                ..abs
            },
            &node,
        ),
        (
            kcr_rec_unix {
                node_len: node.len() as u32,
                node_mode: S_IFSOCK | 0o755,
                ..unix_named(est, b"/tmp/s\0", false)
            },
            &node,
        ),
        (kcr_rec_unix { node_ino: 7, ..abs }, &[]),
        (kcr_rec_unix { node_uid: 7, ..abs }, &[]),
        (kcr_rec_unix { node_gid: 7, ..abs }, &[]),
        (
            kcr_rec_unix {
                node_mode: S_IFSOCK,
                ..abs
            },
            &[],
        ),
        (
            kcr_rec_unix {
                node_len: node.len() as u32,
                ..closed
            },
            &node,
        ),
        // Bound to a path: with its socket file's path.
        (
            kcr_rec_unix {
                node_len: 0,
                ..at(closed, b"/tmp/s\0")
            },
            &[],
        ),
        // Its mode: a socket's.
        (
            kcr_rec_unix {
                node_mode: 0o100_755,
                ..at(closed, b"/tmp/s\0")
            },
            &node,
        ),
        (
            kcr_rec_unix {
                node_mode: 0o1_140_755,
                ..at(closed, b"/tmp/s\0")
            },
            &node,
        ),
        (
            kcr_rec_unix {
                node_mode: 0,
                ..at(closed, b"/tmp/s\0")
            },
            &node,
        ),
    ];
    for (u, node) in cases {
        refused_unix(&u, node);
    }
}

#[test]
fn bad_unix_socket_file_paths_are_refused_as_restart_does() {
    use unix_sock::*;
    let u = unix_bound_to(unix_sock(DGRAM, CLOSE), "/tmp/s", 7, S_IFSOCK, 0, 0);
    // The socket bound to /tmp/s, whose record has `node` after it.
    let bound = |node: &[u8]| kcr_rec_unix {
        node_len: node.len() as u32,
        ..u
    };
    let malformed = "Unix socket 50: malformed path of its file";
    // An absolute path, its NUL last, nothing but NULs after it: not
    // relative, not empty, no NUL within, not without its NUL.
    for node in [
        &b"tmp/s\0"[..],
        b"\0tmp/s\0",
        b"\0",
        b"/tmp\0s\0",
        b"/tmp/s/",
        b"/tmp/s\0\0",
    ] {
        refused_unix_record(&bound(node), node, malformed);
    }
    let mut v = unix_records_node(50, 2, &bound(b"/tmp/s\0"), b"/tmp/s\0");
    let n = v.len();
    v[n - 1] = b'x';
    refused_last(&each_record(&v), "UNIX", malformed);
    // The length of the record is the structure's and node_len's, padded
    // to 8: more, fewer, none; at most KCR_PATH_MAX.
    let u = unix_bound_to(unix_sock(DGRAM, CLOSE), "/tmp/s", 7, S_IFSOCK, 0, 0);
    for (node_len, node, want) in [
        (7, &b"/tmp/s\0/tmp/s\0"[..], "length 256, expected 248"),
        (20, b"/tmp/s\0", "length 248, expected 264"),
        (7, b"", "length 240, expected 248"),
        (0, b"/tmp/s\0", "length 248, expected 240"),
        (
            KCR_PATH_MAX + 1,
            b"/tmp/s\0",
            "Unix socket file path of 4097 bytes",
        ),
        (
            u32::MAX,
            b"/tmp/s\0",
            "Unix socket file path of 4294967295 bytes",
        ),
    ] {
        refused_unix_record(&kcr_rec_unix { node_len, ..u }, node, want);
    }
}

#[test]
fn bad_listener_queues_are_refused_as_restart_does() {
    use unix_peer::{DEAD, FILE, NONE};
    use unix_sock::*;
    let queue_of = |id: u32, peer: u32| format!("Unix socket queue of object {id} (peer {peer})");
    let with_embryos = |mut q: Vec<u8>, n: u32| {
        put(
            &mut q,
            offset_of!(kcr_rec_unix_queue, nr_embryos),
            &n.to_le_bytes(),
        );
        q
    };
    // Connections not accepted yet only on a listener: not on an
    // unconnected, a connected or a datagram socket.
    for (recs, peer) in [
        (vec![closed_stream(50), with_embryos(no_queue(50), 1)], NONE),
        (
            vec![
                established(50),
                with_embryos(unix_queue_records(50, DEAD, 0, &[]), 1),
            ],
            DEAD,
        ),
        (vec![dgram(50, CLOSE), with_embryos(no_queue(50), 2)], NONE),
    ] {
        refused_last(&recs, "UNIX_QUEUE", &queue_of(50, peer));
    }
    // A listener: no buffers of its own, at most backlog + 1
    // connections, no peer.
    let l = listener(50, STREAM, 1);
    for (q, want) in [
        (
            unix_queue_records(50, NONE, 0, &[unix_skb_record(b"x", None, 0)]),
            queue_of(50, 0),
        ),
        (
            with_embryos(unix_queue_record(50, NONE, 0, 1, 1), 1),
            queue_of(50, 0),
        ),
        (with_embryos(no_queue(50), 3), queue_of(50, 0)),
        (with_embryos(no_queue(50), u32::MAX), queue_of(50, 0)),
        (
            unix_queue_records(50, DEAD, 0, &[]),
            "Unix socket 50: state 10 with peer 3".into(),
        ),
        (
            unix_queue_records(50, FILE, 51, &[]),
            "Unix socket 50: state 10 with peer 1".into(),
        ),
    ] {
        refused_last(&[l.clone(), established(51), q], "UNIX_QUEUE", &want);
    }
    // Backlog + 1 of them is the most.
    let recs = [
        l.clone(),
        unix_listen_records(
            50,
            &[
                unix_embryo_records(DEAD, 0, 0, None, &[]),
                unix_embryo_records(DEAD, 0, 0, None, &[]),
            ],
        ),
    ];
    parse(&unix_img(&recs)[..]).unwrap();
}

#[test]
fn bad_unix_connections_not_accepted_yet_are_refused_as_restart_does() {
    use unix_peer::{DEAD, EMBRYO, FILE, NONE};
    use unix_sock::*;
    let fields = |peer: u32, flags: u32| {
        format!("Unix socket connection not accepted yet: peer {peer}, flags {flags:#x}")
    };
    let from = |c: u32| format!("Unix socket connection not accepted yet: from {c}");
    // Listener 50 (backlog 5) and the records before its QUEUE, then its
    // QUEUE and `embryos` (the last refused).
    let l = listener(50, STREAM, 5);
    let on = |before: Vec<Vec<u8>>, embryos: Vec<Vec<u8>>| {
        let mut recs = vec![l.clone()];
        recs.extend(before);
        let n = embryos.len() as u32;
        let mut q = unix_queue_record(50, NONE, 0, 0, 0);
        put(
            &mut q,
            offset_of!(kcr_rec_unix_queue, nr_embryos),
            &n.to_le_bytes(),
        );
        recs.push(q);
        recs.extend(embryos);
        recs
    };
    let field = |off: usize, v: u32| {
        let mut e = unix_embryo_record(DEAD, 0, 0, Some((1, 2, 3)), 0, 0);
        put(&mut e, off, &v.to_le_bytes());
        e
    };
    let mut cases: Vec<(Vec<Vec<u8>>, String)> = vec![
        // A known peer kind: the connecting socket or a closed one, its
        // object with KCR_UNIX_PEER_FILE only.
        (
            on(vec![], vec![unix_embryo_record(NONE, 0, 0, None, 0, 0)]),
            fields(0, 0),
        ),
        (
            on(
                vec![established(51)],
                vec![unix_embryo_record(EMBRYO, 51, 0, None, 0, 0)],
            ),
            fields(2, 0),
        ),
        (
            on(vec![], vec![unix_embryo_record(4, 0, 0, None, 0, 0)]),
            fields(4, 0),
        ),
        (
            on(vec![], vec![unix_embryo_record(DEAD, 50, 0, None, 0, 0)]),
            fields(3, 0),
        ),
        // Shutdown bits, KCR_UNIX_PEERCRED only, with its credentials
        // only, of a pid >= 0.
        (
            on(
                vec![],
                vec![field(offset_of!(kcr_rec_unix_embryo, shutdown), 4)],
            ),
            fields(3, 0x10),
        ),
        (
            on(
                vec![],
                vec![field(offset_of!(kcr_rec_unix_embryo, flags), 0x11)],
            ),
            fields(3, 0x11),
        ),
        (
            on(
                vec![],
                vec![field(offset_of!(kcr_rec_unix_embryo, flags), 0x20)],
            ),
            fields(3, 0x20),
        ),
        (
            on(
                vec![],
                vec![field(offset_of!(kcr_rec_unix_embryo, peer_pid), u32::MAX)],
            ),
            fields(3, 0x10),
        ),
        (
            on(
                vec![],
                vec![field(offset_of!(kcr_rec_unix_embryo, flags), 0)],
            ),
            fields(3, 0),
        ),
        // The limits.
        (
            on(
                vec![],
                vec![unix_embryo_record(
                    DEAD,
                    0,
                    0,
                    None,
                    KCR_UNIX_QUEUE_SKBS + 1,
                    0,
                )],
            ),
            fields(3, 0),
        ),
        (
            on(
                vec![],
                vec![unix_embryo_record(
                    DEAD,
                    0,
                    0,
                    None,
                    1,
                    KCR_UNIX_QUEUE_BYTES + 1,
                )],
            ),
            fields(3, 0),
        ),
        // Bytes without buffers.
        (
            on(vec![], vec![unix_embryo_record(DEAD, 0, 0, None, 0, 5)]),
            "Unix socket connection: 0 bytes queued, not 5".into(),
        ),
    ];
    // The connecting socket: a socket of the image read before, of the
    // listener's type, not the listener, connected, to nothing yet.
    for (before, c) in [
        (vec![], 99),
        (vec![], 0),
        (vec![], 2),
        (vec![eventfd_records(1, 0)], 30),
        (vec![], 50),
        (vec![dgram(51, ESTABLISHED)], 51),
        (
            vec![unix_records(51, 2, &unix_sock(SEQPACKET, ESTABLISHED))],
            51,
        ),
        (vec![closed_stream(51)], 51),
        (vec![listener(51, STREAM, 5)], 51),
    ] {
        cases.push((on(before, vec![embryo_from(c)]), from(c)));
    }
    // A socket connected already: joined to its pair by its peer's QUEUE
    // (or its own), or by a QUEUE of a closed peer, or to another
    // connection of the listener, or one of another listener.
    let pair = vec![
        established(51),
        established(52),
        unix_queue_records(52, FILE, 51, &[]),
    ];
    cases.push((on(pair.clone(), vec![embryo_from(51)]), from(51)));
    cases.push((on(pair.clone(), vec![embryo_from(52)]), from(52)));
    cases.push((
        on(
            vec![established(51), unix_queue_records(51, DEAD, 0, &[])],
            vec![embryo_from(51)],
        ),
        from(51),
    ));
    // Two connections from one socket, its QUEUE after them or before.
    cases.push((
        on(
            vec![established(51)],
            vec![embryo_from(51), embryo_from(51)],
        ),
        from(51),
    ));
    cases.push((
        on(
            vec![established(51), connecting(51, 50)],
            vec![embryo_from(51), embryo_from(51)],
        ),
        from(51),
    ));
    // A socket whose QUEUE named another listener.
    cases.push((
        on(
            vec![listener(52, STREAM, 5), established(51), connecting(51, 52)],
            vec![embryo_from(51)],
        ),
        from(51),
    ));
    cases.push((
        on(
            vec![
                listener(52, STREAM, 5),
                established(51),
                unix_listen_records(52, &[embryo_from(51)]),
            ],
            vec![embryo_from(51)],
        ),
        from(51),
    ));
    for (recs, want) in cases {
        refused_last(&recs, "UNIX_EMBRYO", &want);
    }
    // Its buffers: of a stream socket, their bytes the record's.
    let skb = |d: &[u8], sender: u32| unix_skb_record(d, None, sender);
    let mut e = unix_embryo_records(DEAD, 0, 0, None, &[skb(b"abc", 0), skb(b"de", 0)]);
    put(
        &mut e,
        offset_of!(kcr_rec_unix_embryo, bytes),
        &4u64.to_le_bytes(),
    );
    let mut recs = on(vec![], vec![]);
    recs.pop();
    recs.push(unix_listen_records(50, &[e]));
    let err = parse(&unix_img(&recs)[..]).unwrap_err();
    assert_eq!((err.record, err.index), ("UNIX_SKB", 17), "{err}");
    assert!(
        err.msg
            .contains("Unix socket connection: 5 bytes queued, not 4"),
        "{err}"
    );
    let recs = [
        l.clone(),
        dgram(51, CLOSE),
        no_queue(51),
        unix_listen_records(
            50,
            &[unix_embryo_records(DEAD, 0, 0, None, &[skb(b"abc", 51)])],
        ),
    ];
    let err = parse(&unix_img(&recs)[..]).unwrap_err();
    assert_eq!((err.record, err.index), ("UNIX_SKB", 19), "{err}");
    assert!(
        err.msg.contains("Unix socket buffer of 3 bytes, flags 0x0"),
        "{err}"
    );
    // Its length, longer or shorter.
    for size in [size_of::<kcr_rec_unix_embryo>() + 8, 40, 8] {
        let recs = on(vec![], vec![record(rec::UNIX_EMBRYO, size, &[])]);
        refused_last(&recs, "UNIX_EMBRYO", &format!("length {size}, expected 48"));
    }
}

#[test]
fn bad_connecting_unix_sockets_are_refused_as_restart_does() {
    use unix_peer::{DEAD, EMBRYO, FILE};
    use unix_sock::*;
    let to = |c: u32, l: u32| format!("Unix socket {c}: connection to {l} not accepted yet");
    let disagree = |id: u32| format!("Unix socket {id} and its peer disagree");
    let l = listener(50, STREAM, 5);
    let mut cases: Vec<(Vec<Vec<u8>>, String)> = vec![
        // Nothing queued on it: no buffers, no bytes.
        (
            vec![
                l.clone(),
                established(51),
                unix_queue_records(51, EMBRYO, 50, &[unix_skb_record(b"x", None, 0)]),
            ],
            to(51, 50),
        ),
        (
            vec![
                l.clone(),
                established(51),
                unix_queue_records(51, EMBRYO, 50, &[unix_skb_record(b"", None, 0)]),
            ],
            to(51, 50),
        ),
        (
            vec![
                l.clone(),
                established(51),
                unix_queue_record(51, EMBRYO, 50, 0, 3),
            ],
            to(51, 50),
        ),
        // Connected to an embryo of another listener.
        (
            vec![
                l.clone(),
                listener(52, STREAM, 5),
                established(51),
                unix_listen_records(52, &[embryo_from(51)]),
                connecting(51, 50),
            ],
            to(51, 50),
        ),
        // Joined to a pair by its peer's QUEUE.
        (
            vec![
                l.clone(),
                established(51),
                established(52),
                unix_queue_records(52, FILE, 51, &[]),
                connecting(51, 50),
            ],
            to(51, 50),
        ),
        // A connection not accepted yet of a stream or seqpacket socket
        // that is connected.
        (
            vec![l.clone(), closed_stream(51), connecting(51, 50)],
            "Unix socket 51: state 7 with peer 2".into(),
        ),
        // Connected to an embryo, its QUEUE names another peer.
        (
            vec![
                l.clone(),
                established(51),
                established(52),
                unix_listen_records(50, &[embryo_from(51)]),
                unix_queue_records(51, FILE, 52, &[]),
            ],
            disagree(51),
        ),
        (
            vec![
                l.clone(),
                established(51),
                unix_listen_records(50, &[embryo_from(51)]),
                unix_queue_records(51, DEAD, 0, &[]),
            ],
            disagree(51),
        ),
        // Another socket names it as its peer, after its embryo or after
        // its own QUEUE.
        (
            vec![
                l.clone(),
                established(51),
                established(52),
                unix_listen_records(50, &[embryo_from(51)]),
                unix_queue_records(52, FILE, 51, &[]),
            ],
            disagree(52),
        ),
        (
            vec![
                l.clone(),
                established(51),
                established(52),
                connecting(51, 50),
                unix_queue_records(52, FILE, 51, &[]),
            ],
            disagree(52),
        ),
    ];
    // The listener: a listening socket of the image read before, of its
    // type.
    for (before, id) in [
        (vec![], 99),
        (vec![], 0),
        (vec![], 2),
        (vec![eventfd_records(1, 0)], 30),
        (vec![established(52)], 52),
        (vec![closed_stream(52)], 52),
        (vec![listener(52, SEQPACKET, 5)], 52),
        (vec![dgram(52, CLOSE)], 52),
    ] {
        let mut recs = before;
        recs.push(established(51));
        recs.push(connecting(51, id));
        cases.push((recs, to(51, id)));
    }
    // A datagram socket connects to no listener.
    cases.push((
        vec![
            l.clone(),
            dgram(51, ESTABLISHED),
            unix_queue_records(51, EMBRYO, 50, &[]),
        ],
        to(51, 50),
    ));
    // A listener defined after it.
    cases.push((
        vec![established(51), connecting(51, 50), l.clone()],
        to(51, 50),
    ));
    for (recs, want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!(e.record, "UNIX_QUEUE", "{want}: {e}");
        assert!(e.msg.contains(&want), "{e} lacks {want:?}");
    }
}

#[test]
fn every_connecting_unix_socket_is_named_by_its_listener() {
    let awaiting = |n: usize, t: &str, ids: &str| {
        let s = if n == 1 { "" } else { "s" };
        format!(
            "{n} Unix sockets connecting to a listener that does not list them, before {t} \
             (socket{s} {ids})"
        )
    };
    let l = listener(50, unix_sock::STREAM, 5);
    type Case<'a> = (Vec<Vec<u8>>, (&'a str, u32), String);
    let cases: Vec<Case> = vec![
        // Its QUEUE before the listener's, which names it not.
        (
            vec![
                l.clone(),
                established(51),
                connecting(51, 50),
                unix_listen_records(50, &[]),
            ],
            ("FS", 18),
            awaiting(1, "FS", "51"),
        ),
        // After it.
        (
            vec![
                l.clone(),
                established(51),
                unix_listen_records(50, &[unix_embryo_records(unix_peer::DEAD, 0, 0, None, &[])]),
                connecting(51, 50),
            ],
            ("FS", 19),
            awaiting(1, "FS", "51"),
        ),
        // Two, one of them named.
        (
            vec![
                l.clone(),
                established(51),
                established(52),
                established(53),
                connecting(51, 50),
                connecting(52, 50),
                connecting(53, 50),
                unix_listen_records(50, &[embryo_from(52)]),
            ],
            ("FS", 25),
            awaiting(2, "FS", "51, 53"),
        ),
        // A socket without its QUEUE is named first.
        (
            vec![
                l.clone(),
                established(51),
                established(52),
                connecting(51, 50),
                unix_listen_records(50, &[]),
            ],
            ("FS", 20),
            "1 Unix sockets without their queue record before FS (socket 52)".into(),
        ),
    ];
    for (recs, (record, index), want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(&want), "{e} lacks {want:?}");
    }
    // The image ends among the objects: the TAIL.
    let v = [
        l.clone(),
        established(51),
        connecting(51, 50),
        unix_listen_records(50, &[]),
    ]
    .concat();
    let b = body(&sample());
    let mut c = b[..rec_off(&b, rec::FS)].to_vec();
    c.extend(&v);
    let n = 12 + records_of(&v).len() as u32;
    let e = parse(&finish(c, n)[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("TAIL", n), "{e}");
    assert!(e.msg.contains(&awaiting(1, "TAIL", "51")), "{e}");
}

#[test]
fn unix_connections_not_accepted_yet_are_exactly_the_ones_announced() {
    use unix_peer::DEAD;
    let l = listener(50, unix_sock::STREAM, 5);
    let dead = |skbs: &[Vec<u8>]| unix_embryo_records(DEAD, 0, 0, None, skbs);
    let one = unix_skb_record(b"abc", None, 0);
    let announcing = |n: u32, rest: &[Vec<u8>]| {
        let mut q = unix_queue_record(50, unix_peer::NONE, 0, 0, 0);
        put(
            &mut q,
            offset_of!(kcr_rec_unix_queue, nr_embryos),
            &n.to_le_bytes(),
        );
        let mut v = vec![l.clone(), q];
        v.extend_from_slice(rest);
        v
    };
    let stray = "only after its listening socket's UNIX_QUEUE record (or the buffers of the \
                 connection before it), as many as it announces";
    type Case<'a> = (Vec<Vec<u8>>, (&'a str, u32), String);
    let cases: Vec<Case> = vec![
        // Fewer: the record where the next belongs.
        (
            announcing(2, &[dead(&[])]),
            ("FS", 16),
            "FS where connection 1 of 2 not accepted yet of Unix socket 50 belongs".into(),
        ),
        (
            announcing(1, &[]),
            ("FS", 15),
            "FS where connection 0 of 1 not accepted yet of Unix socket 50 belongs".into(),
        ),
        (
            announcing(2, &[dead(&[]), no_queue(50)]),
            ("UNIX_QUEUE", 16),
            "UNIX_QUEUE where connection 1 of 2 not accepted yet of Unix socket 50 belongs".into(),
        ),
        (
            announcing(1, std::slice::from_ref(&one)),
            ("UNIX_SKB", 15),
            "UNIX_SKB where connection 0 of 1 not accepted yet of Unix socket 50 belongs".into(),
        ),
        // Their buffers, all of them, before the next.
        (
            announcing(
                2,
                &[
                    unix_embryo_record(DEAD, 0, 0, None, 2, 6),
                    one.clone(),
                    dead(&[]),
                ],
            ),
            ("UNIX_EMBRYO", 17),
            "UNIX_EMBRYO where buffer 1 of 2 of connection 0 (not accepted yet) of Unix \
             socket 50 belongs"
                .into(),
        ),
        (
            announcing(1, &[unix_embryo_record(DEAD, 0, 0, None, 1, 3)]),
            ("FS", 16),
            "FS where buffer 0 of 1 of connection 0 (not accepted yet) of Unix socket 50 \
             belongs"
                .into(),
        ),
        // More.
        (
            announcing(1, &[dead(&[]), dead(&[])]),
            ("UNIX_EMBRYO", 16),
            stray.into(),
        ),
        (
            announcing(1, &[dead(std::slice::from_ref(&one)), one.clone()]),
            ("UNIX_SKB", 17),
            "only after its socket's UNIX_QUEUE record (or its connection's UNIX_EMBRYO)".into(),
        ),
        // Elsewhere: after no QUEUE, after a socket's QUEUE and its
        // buffers.
        (vec![dead(&[])], ("UNIX_EMBRYO", 12), stray.into()),
        (
            vec![
                dgram(51, unix_sock::CLOSE),
                unix_queue_records(51, unix_peer::NONE, 0, std::slice::from_ref(&one)),
                dead(&[]),
            ],
            ("UNIX_EMBRYO", 16),
            stray.into(),
        ),
    ];
    for (recs, (record, index), want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(&want), "{e} lacks {want:?}");
    }
    // Cut short by the end of the image: the TAIL where one belongs.
    let b = body(&sample());
    let mut c = b[..rec_off(&b, rec::FS)].to_vec();
    c.extend(announcing(1, &[]).concat());
    let e = parse(&finish(c, 15)[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("TAIL", 15), "{e}");
    assert!(
        e.msg
            .contains("TAIL where connection 0 of 1 not accepted yet of Unix socket 50 belongs"),
        "{e}"
    );
    // In a thread.
    let (mut th, n) = thread_records(43, 60, &[]);
    th.extend(dead(&[]));
    let e = parse(&threaded(2, &[(th, n + 1)])[..]).unwrap_err();
    assert_eq!(e.record, "UNIX_EMBRYO", "{e}");
    assert!(e.msg.contains(stray), "{e}");
}

#[test]
fn unix_sockets_connected_outside_carry_their_peer_s_name() {
    use unix_peer::{DEAD, EXTERNAL, FILE};
    use unix_sock::*;
    let img = parse(&with_unix_external()[..]).unwrap();
    assert_eq!(img.records, N + 8);
    assert_eq!(img.header.flags, KCR_CHECKPOINT_UNIX_EXTERNAL);
    let s = unix_of(&img, 70);
    assert_eq!((s.type_, s.state), ("stream", "established"));
    assert_eq!(
        s.peercred,
        Some(UnixCreds {
            pid: 1,
            uid: 0,
            gid: 0
        })
    );
    assert_eq!(
        s.queue,
        UnixQueue {
            peer: "external",
            peer_file: None,
            peer_name: unix_path_node(UNIX_EXTERNAL_PATH),
            bytes: 22,
            buffers: vec![UnixBuf {
                len: 22,
                creds: Some(UnixCreds {
                    pid: 0,
                    uid: 0,
                    gid: 0
                }),
                sender: None,
                fds: vec![],
            }],
        }
    );
    assert_eq!(unix_name_text(&s.queue.peer_name), UNIX_EXTERNAL_PATH);
    // Its own name is none: the name is its peer's.
    assert!(s.name.is_empty() && !s.bound);
    let d = unix_of(&img, 71);
    assert_eq!((d.type_, d.state), ("dgram", "established"));
    assert_eq!(
        (d.queue.peer, d.queue.peer_file, &d.queue.peer_name[..]),
        ("external", None, UNIX_EXTERNAL_ABSTRACT)
    );
    assert_eq!(unix_name_text(&d.queue.peer_name), "@cr-log");
    assert_eq!((d.queue.bytes, d.queue.buffers.len()), (4, 1));
    // JSON shows the name as text, and no name for any other peer.
    let j: serde_json::Value = serde_json::to_value(&img.files).unwrap();
    let q = |id: u32| {
        j.as_array()
            .and_then(|v| v.iter().find(|f| f["objid"] == id))
            .map(|f| f["unix"]["queue"].clone())
            .unwrap()
    };
    assert_eq!(q(70)["peer"], "external");
    assert_eq!(q(70)["peer_name"], UNIX_EXTERNAL_PATH);
    assert_eq!(q(71)["peer_name"], "@cr-log");
    assert!(q(70).get("peer_file").is_none());
    let j = serde_json::to_value(&parse(&with_unix()[..]).unwrap().files).unwrap();
    assert!(!j.to_string().contains("peer_name"), "{j}");
    // Restart does not ask for KCR_CHECKPOINT_UNIX_EXTERNAL: the same
    // sockets in an image without it.
    let v = sample_unix_external_records();
    let img = parse(&with_files(&v, 8)[..]).unwrap();
    assert_eq!(img.header.flags, 0);
    assert_eq!(unix_of(&img, 70).queue.peer, "external");
    // The longest names, a path (107 bytes and its NUL) and an abstract
    // one (108 bytes, NULs in it); the shortest, an abstract name of one
    // byte and a path of one; a seqpacket socket; a datagram socket not
    // connected any more (restart does not tie its state to its peer),
    // with datagrams of senders in the image and not; a stream socket
    // with nothing queued, shut down both ways.
    let long_path = unix_path_node(&"p".repeat(107));
    let mut long_abstract = vec![0u8; 108];
    long_abstract[2..].fill(b'a');
    let seq = unix_sock(SEQPACKET, ESTABLISHED);
    let shut = kcr_rec_unix {
        shutdown: RCV_SHUTDOWN | SEND_SHUTDOWN,
        ..unix_sock(STREAM, ESTABLISHED)
    };
    let recs = [
        established(50),
        unix_external_queue_records(50, &long_path, &[unix_skb_record(b"x", None, 0)]),
        unix_records(51, 2, &seq),
        unix_external_queue_records(
            51,
            &long_abstract,
            &[
                unix_skb_record(b"one", None, 0),
                unix_skb_record(b"", None, 0),
            ],
        ),
        dgram(52, CLOSE),
        dgram(53, CLOSE),
        no_queue(53),
        unix_external_queue_records(
            52,
            b"\0",
            &[
                unix_skb_record(b"from 53", None, 53),
                unix_skb_record(b"from outside", Some((0, 1, 2)), 0),
            ],
        ),
        unix_records(54, 2, &shut),
        unix_external_queue_records(54, b"/\0", &[]),
    ];
    let img = parse(&unix_img(&recs)[..]).unwrap();
    assert_eq!(unix_of(&img, 50).queue.peer_name, long_path);
    assert_eq!(unix_of(&img, 51).queue.peer_name, long_abstract);
    assert_eq!(unix_of(&img, 51).queue.buffers.len(), 2);
    let d = unix_of(&img, 52);
    assert_eq!((d.state, &d.queue.peer_name[..]), ("close", &b"\0"[..]));
    assert_eq!(d.queue.buffers[0].sender, Some(53));
    assert_eq!(unix_name_text(&unix_of(&img, 54).queue.peer_name), "/");
    // A stream socket connected outside is no peer for another: it is
    // queued already.
    let recs = [
        established(50),
        established(51),
        unix_external_queue_records(50, b"\0d", &[]),
        unix_queue_record(51, FILE, 50, 0, 0),
    ];
    refused_last(&recs, "UNIX_QUEUE", "Unix socket 51 and its peer disagree");
    // Nor is one joined by its peer's QUEUE connected outside.
    let recs = [
        established(50),
        established(51),
        unix_queue_record(51, FILE, 50, 0, 0),
        unix_external_queue_records(50, b"\0d", &[]),
    ];
    refused_last(&recs, "UNIX_QUEUE", "Unix socket 50 and its peer disagree");
    // A datagram socket connected outside can be the peer of another
    // (only a stream pair names each other).
    let recs = [
        dgram(50, ESTABLISHED),
        dgram(51, ESTABLISHED),
        unix_external_queue_records(50, b"\0d", &[]),
        unix_queue_records(51, FILE, 50, &[]),
        dgram(52, ESTABLISHED),
        unix_queue_records(52, DEAD, 0, &[]),
    ];
    let img = parse(&unix_img(&recs)[..]).unwrap();
    assert_eq!(unix_of(&img, 51).queue.peer_file, Some(50));
    assert!(unix_of(&img, 52).queue.peer_name.is_empty());
    assert_eq!(unix_peer::name(EXTERNAL), Some("external"));
}

#[test]
fn bad_unix_external_peers_are_refused_as_restart_does() {
    use unix_peer::{DEAD, EXTERNAL, FILE, NONE};
    use unix_sock::*;
    let queue_of = |id: u32, peer: u32| format!("Unix socket queue of object {id} (peer {peer})");
    let good = sockaddr_un(b"/run/d.sock\0");
    // `good` with byte `i` set to `v`, or of length `len`.
    let byte = |i: usize, v: u8| {
        let (mut a, len) = good;
        a[i] = v;
        (a, len)
    };
    let len = |len: u32| (good.0, len);
    // The QUEUE of socket 50, with `peer`, `peer_ref` and the name
    // `addr`, nothing queued.
    let q = |peer: u32, peer_ref: u32, addr: ([u8; 112], u32)| {
        unix_queue_addr_record(50, peer, peer_ref, addr, 0, 0)
    };
    // The name is fine: the cases below are refused for what they change.
    parse(&unix_img(&[established(50), q(EXTERNAL, 0, good)])[..]).unwrap();
    // A known peer kind: none past KCR_UNIX_PEER_EXTERNAL.
    for peer in [EXTERNAL + 1, u32::MAX] {
        let recs = [established(50), unix_queue_record(50, peer, 0, 0, 0)];
        refused_last(&recs, "UNIX_QUEUE", &queue_of(50, peer));
        let recs = [dgram(50, ESTABLISHED), unix_queue_record(50, peer, 0, 0, 0)];
        refused_last(&recs, "UNIX_QUEUE", &queue_of(50, peer));
    }
    // The peer's name, as kcr_unix_addr_ok() takes one: family AF_UNIX
    // (little-endian), longer than its family, at most a sockaddr_un,
    // nothing after it, a path with one NUL, last.
    let mut abs = sockaddr_un(b"\0abs");
    abs.0[8] = 1;
    let bad_names = [
        byte(0, 0),
        byte(0, 2),
        byte(1, 1),
        len(0),
        len(2),
        len(13),
        len(15),
        (sockaddr_un(&[0; 108]).0, SOCKADDR_UN_LEN + 1),
        (sockaddr_un(&[0; 108]).0, 112),
        (good.0, u32::MAX),
        byte(20, 1),
        byte(111, 1),
        abs,
        sockaddr_un(b"/run/d.sock"),
        sockaddr_un(b"/run/d.sock\0\0"),
        sockaddr_un(b"/run\0d.sock\0"),
        sockaddr_un(b""),
    ];
    for (i, addr) in bad_names.into_iter().enumerate() {
        let recs = [established(50), q(EXTERNAL, 0, addr)];
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("UNIX_QUEUE", 14), "name {i}: {e}");
        assert!(e.msg.contains(&queue_of(50, EXTERNAL)), "name {i}: {e}");
        // The same of a datagram socket.
        let recs = [dgram(50, ESTABLISHED), q(EXTERNAL, 0, addr)];
        refused_last(&recs, "UNIX_QUEUE", &queue_of(50, EXTERNAL));
    }
    // No name for any other peer: neither a length nor a byte.
    let only_len = |len: u32| ([0u8; 112], len);
    let only_bytes = (good.0, 0);
    for (peer, addr) in [
        (NONE, good),
        (NONE, only_len(2)),
        (NONE, only_bytes),
        (NONE, (byte(111, 1).0, 0)),
        (DEAD, good),
        (DEAD, only_len(14)),
        (DEAD, only_bytes),
        (FILE, good),
        (FILE, only_len(SOCKADDR_UN_LEN)),
        (FILE, only_bytes),
    ] {
        let sock = if peer == NONE {
            closed_stream(50)
        } else {
            established(50)
        };
        let peer_ref = if peer == FILE { 51 } else { 0 };
        let recs = [sock, established(51), q(peer, peer_ref, addr)];
        refused_last(&recs, "UNIX_QUEUE", &queue_of(50, peer));
    }
    // A connection not accepted yet names its listener, not a name.
    let l = kcr_rec_unix {
        backlog: 5,
        ..unix_named(unix_sock(STREAM, LISTEN), b"\0l", true)
    };
    let recs = [
        unix_records(60, 2, &l),
        established(50),
        unix_queue_addr_record(50, unix_peer::EMBRYO, 60, good, 0, 0),
    ];
    refused_last(&recs, "UNIX_QUEUE", &queue_of(50, unix_peer::EMBRYO));
    // No peer object: the peer is outside.
    for peer_ref in [51, 50, 2, 99] {
        let recs = [
            established(50),
            established(51),
            q(EXTERNAL, peer_ref, good),
        ];
        refused_last(&recs, "UNIX_QUEUE", &queue_of(50, EXTERNAL));
    }
    // A stream or seqpacket socket connected outside is ESTABLISHED: not
    // CLOSE, nor a listener.
    for u in [
        unix_sock(STREAM, CLOSE),
        unix_sock(SEQPACKET, CLOSE),
        kcr_rec_unix {
            backlog: 5,
            ..unix_named(unix_sock(STREAM, LISTEN), b"\0l", true)
        },
    ] {
        let recs = [unix_records(50, 2, &u), q(EXTERNAL, 0, good)];
        let want = format!("Unix socket 50: state {} with peer 4", u.state);
        refused_last(&recs, "UNIX_QUEUE", &want);
    }
    // A datagram's sender only on a datagram socket, even connected
    // outside.
    let recs = [
        established(50),
        dgram(51, CLOSE),
        no_queue(51),
        unix_external_queue_records(50, b"\0d", &[unix_skb_record(b"x", None, 51)]),
    ];
    let e = parse(&unix_img(&recs)[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("UNIX_SKB", 18), "{e}");
    assert!(e.msg.contains("Unix socket buffer of 1 bytes"), "{e}");
}

#[test]
fn the_header_takes_the_checkpoint_flags_restart_knows() {
    let flags = offset_of!(kcr_rec_header, flags);
    for (f, ok) in [
        (KCR_CHECKPOINT_UNIX_EXTERNAL, true),
        (KCR_CHECKPOINT_HOSTINFO | KCR_CHECKPOINT_UNIX_EXTERNAL, true),
        // restart(2) checks the HEADER's flags against the mask only,
        // though checkpoint(2) writes no image with KCR_CHECKPOINT_KILL.
        (KCR_CHECKPOINT_KILL, true),
        (KCR_CHECKPOINT_KILL | KCR_CHECKPOINT_UNIX_EXTERNAL, true),
        (KCR_CHECKPOINT_FLAGS_ALL & !KCR_CHECKPOINT_TREE, true),
        // An image written with KCR_CHECKPOINT_HOLD says so.
        (KCR_CHECKPOINT_HOLD, true),
        (1 << 6, false),
        (KCR_CHECKPOINT_KILL | 1 << 6, false),
        (KCR_CHECKPOINT_UNIX_EXTERNAL | 1 << 31, false),
    ] {
        let mut b = body(&with_unix_external());
        put(&mut b, flags, &f.to_le_bytes());
        match parse(&finish(b, N + 8)[..]) {
            Ok(_) => assert!(ok, "flags {f:#x} taken"),
            Err(e) => {
                assert!(!ok, "flags {f:#x}: {e}");
                assert_eq!(e.record, "HEADER", "{e}");
                assert!(e.msg.contains(&format!("unknown flags {f:#x}")), "{e}");
            }
        }
    }
}

#[test]
fn every_seed_image_parses() {
    let mut names = Vec::new();
    for (name, img) in crate::samples::seed_images() {
        if let Err(e) = crate::parse(&img[..]) {
            panic!("seed {name}: {e}");
        }
        assert!(img.len() <= 64 << 10, "seed {name} is too large");
        assert!(!names.contains(&name), "seed {name} twice");
        names.push(name);
    }
    assert!(names.contains(&"unix-fds"));
    assert!(names.contains(&"unix-external"));
    assert!(names.contains(&"inet"));
    assert!(names.contains(&"tcp-conn"));
    assert!(names.contains(&"tcp-backlog"));
}

/// The socket of file object `id` of `img`, a TCP or UDP one.
fn inet_of(img: &Image, id: u32) -> &InetSock {
    let f = img.files.iter().find(|f| f.objid == id).unwrap();
    f.inet.as_ref().unwrap()
}

/// `a` as an INET record's `saddr` or `daddr` holds it.
fn ip(a: &str) -> [u8; 16] {
    inet_addr(a.parse().unwrap())
}

/// A TCP listener on 127.0.0.1:8080 (both named by `bind()`), backlog 16.
fn tcp_listener() -> kcr_rec_inet {
    let mut r = inet_sock(
        inet_sock::AF_INET,
        inet_sock::IPPROTO_TCP,
        inet_state::LISTEN,
    );
    r.flags = inet_flags::BIND_ADDR | inet_flags::BIND_PORT;
    r.saddr = ip("127.0.0.1");
    r.sport = 8080;
    r.backlog = 16;
    r
}

/// An IPv4 UDP socket connected to 10.0.0.1:53 from port 40000 (its
/// address chosen by `connect()`, 10.0.0.2).
fn udp_connected() -> kcr_rec_inet {
    let mut r = inet_sock(
        inet_sock::AF_INET,
        inet_sock::IPPROTO_UDP,
        inet_state::CONNECTED,
    );
    r.saddr = ip("10.0.0.2");
    r.sport = 40000;
    r.daddr = ip("10.0.0.1");
    r.dport = 53;
    r
}

#[test]
fn inet_sockets_carry_their_state_and_options() {
    let img = parse(&with_inet()[..]).unwrap();
    assert_eq!(img.records, N + 8);
    let l = inet_of(&img, 80);
    assert_eq!(
        (l.family, l.protocol, l.state, l.flags.clone()),
        ("ipv4", "tcp", "listen", vec!["bind-addr", "bind-port"])
    );
    assert_eq!(
        (l.bound, l.local, l.peer, l.backlog),
        (true, "127.0.0.1:8080".parse().unwrap(), None, 16)
    );
    assert_eq!((l.tos, l.ttl, l.pmtudisc), (0, -1, "want"));
    assert_eq!(
        l.so,
        SockOpts {
            flags: vec!["reuseaddr"],
            shutdown: 0,
            err: 0,
            peek_off: -1,
            sndbuf: 0,
            rcvbuf: 0,
            rcvlowat: 1,
            linger: 0,
            rcvtimeo_us: 0,
            sndtimeo_us: 0,
            ino_mode: 0o140_777,
            ino_uid: 0,
            ino_gid: 0,
        }
    );
    assert_eq!(
        l.tcp,
        Some(TcpOpts {
            flags: vec![],
            maxseg: 0,
            keepidle: 0,
            keepintvl: 0,
            keepcnt: 0,
            user_timeout: 0,
            syncnt: 0,
            linger2: 0,
            window_clamp: 0,
            notsent_lowat: 0,
            congestion: "cubic".into(),
        })
    );
    let f = img.files.iter().find(|f| f.objid == 80).unwrap();
    assert_eq!((f.kind, f.f_flags, f.path.as_str()), ("inet", 0o4002, ""));
    assert!(f.unix.is_none());
    let u = inet_of(&img, 81);
    assert_eq!(
        (u.family, u.protocol, u.state),
        ("ipv6", "udp", "connected")
    );
    assert_eq!(
        (u.bound, u.local, u.peer),
        (
            true,
            "[::1]:40000".parse().unwrap(),
            Some("[::1]:9999".parse().unwrap())
        )
    );
    assert_eq!(u.flags, ["bind-port"]);
    assert!(u.tcp.is_none());
    // Its queue: an IPv4 datagram (v4-mapped, as recvfrom() shows it on
    // an IPv6 socket), then one of its peer's.
    assert_eq!(
        u.queue,
        Some(UdpQueue {
            bytes: 3009,
            datagrams: vec![
                UdpDgram {
                    family: "ipv4",
                    from: "[::ffff:127.0.0.1]:40001".parse().unwrap(),
                    to: "::ffff:127.0.0.1".parse().unwrap(),
                    len: 9,
                },
                UdpDgram {
                    family: "ipv6",
                    from: "[::1]:9999".parse().unwrap(),
                    to: "::1".parse().unwrap(),
                    len: 3000,
                },
            ],
        })
    );
    assert_eq!(inet_of(&img, 80).queue, None);
    let c = inet_of(&img, 82);
    assert_eq!(
        (c.state, c.bound, c.local),
        ("close", false, "0.0.0.0:0".parse().unwrap())
    );
    assert_eq!(
        (c.so.flags.clone(), c.so.sndbuf),
        (vec!["sndbuf-lock", "keepalive"], 65536)
    );
    let t = c.tcp.as_ref().unwrap();
    assert_eq!((t.flags.clone(), t.keepidle), (vec!["nodelay"], 60));
    assert!(parse(&sample()[..])
        .unwrap()
        .files
        .iter()
        .all(|f| f.inet.is_none()));
}

#[test]
fn inet_records_are_written_field_by_field() {
    use zerocopy::FromBytes;
    // Every field its own value: the record reads back as the structure.
    let mut r = tcp_listener();
    r.tos = 1;
    r.ttl = 2;
    r.pmtudisc = 3;
    r.daddr = [9; 16];
    r.dport = 4;
    r.so = kcr_sockopts {
        flags: 5,
        shutdown: 6,
        err: 7,
        peek_off: 8,
        sndbuf: 9,
        rcvbuf: 10,
        rcvlowat: 11,
        linger: 12,
        rcvtimeo_us: 13,
        sndtimeo_us: 14,
        ino_mode: 15,
        ino_uid: 16,
        ino_gid: 17,
        reserved: 18,
    };
    (r.tcp_flags, r.maxseg, r.keepidle, r.keepintvl) = (19, 20, 21, 22);
    (r.keepcnt, r.user_timeout, r.syncnt, r.linger2) = (23, 24, 25, -26);
    (r.window_clamp, r.notsent_lowat) = (27, 28);
    r.congestion = [29; 16];
    (r.nr_skbs, r.reserved, r.bytes) = (30, 31, 32);
    let b = inet_record(&r);
    assert_eq!(b.len(), 208);
    let back = kcr_rec_inet::read_from_bytes(&b[..]).unwrap();
    assert_eq!(format!("{back:?}"), format!("{r:?}"));
}

#[test]
fn inet_sockets_at_the_bounds_restart_takes() {
    use inet_sock::*;
    use inet_state::{CLOSE, CONNECTED, LISTEN};
    use unix_sock::{LINGER_MAX, MAX_ERRNO, S_IFSOCK, TIMEO_MAX_US};
    let ok = |r: &kcr_rec_inet| -> InetSock {
        let img = parse(&unix_img(&[inet_records(50, 0o2, r)])[..])
            .unwrap_or_else(|e| panic!("{r:?}: {e}"));
        inet_of(&img, 50).clone()
    };
    // Each state: new (not bound, or bound to an address, a port or
    // both), listening, connected; IPv4 and IPv6.
    for family in [AF_INET, AF_INET6] {
        let v6 = family == AF_INET6;
        let any = if v6 { "[::]" } else { "0.0.0.0" };
        for protocol in [IPPROTO_TCP, IPPROTO_UDP] {
            let new = inet_sock(family, protocol, CLOSE);
            let i = ok(&new);
            assert_eq!((i.state, i.bound), ("close", false));
            assert_eq!(i.tcp.is_some(), protocol == IPPROTO_TCP);
            let mut r = new;
            r.sport = 5000;
            let i = ok(&r);
            assert_eq!(
                (i.bound, i.local.to_string()),
                (true, format!("{any}:5000"))
            );
            r.flags = inet_flags::BIND_PORT;
            ok(&r);
            r.flags = inet_flags::BIND_ADDR;
            r.saddr = ip(if v6 { "fe80::1" } else { "192.168.1.5" });
            r.sport = 0;
            let i = ok(&r);
            assert_eq!((i.bound, i.local.port()), (true, 0));
        }
        let mut l = inet_sock(family, IPPROTO_TCP, LISTEN);
        l.sport = 80;
        let i = ok(&l);
        assert_eq!(
            (i.state, i.local.to_string()),
            ("listen", format!("{any}:80"))
        );
        l.backlog = BACKLOG_MAX;
        ok(&l);
        let mut c = inet_sock(family, IPPROTO_UDP, CONNECTED);
        c.sport = 1;
        c.dport = 65535;
        // A peer of the any address; an IPv6 socket's IPv4 peer, mapped.
        let i = ok(&c);
        assert_eq!(i.peer.map(|p| p.port()), Some(65535));
        if v6 {
            c.daddr = ip("::ffff:10.0.0.1");
            c.saddr = ip("::ffff:10.0.0.2");
            let i = ok(&c);
            assert_eq!(
                i.peer.map(|p| p.to_string()),
                Some("[::ffff:10.0.0.1]:65535".into())
            );
        }
    }
    // Every field at its largest, and the smallest where it matters.
    let mut r = inet_sock(AF_INET6, IPPROTO_TCP, CLOSE);
    r.flags = inet_flags::ALL;
    r.saddr = [0xff; 16];
    r.sport = 65535;
    r.tos = 255;
    r.ttl = 255;
    r.pmtudisc = IP_PMTUDISC_OMIT;
    r.so = kcr_sockopts {
        flags: so_flags::ALL,
        shutdown: 3,
        err: MAX_ERRNO,
        peek_off: i32::MAX,
        sndbuf: i32::MAX as u32,
        rcvbuf: i32::MAX as u32,
        rcvlowat: i32::MAX as u32,
        linger: LINGER_MAX,
        rcvtimeo_us: TIMEO_MAX_US,
        sndtimeo_us: TIMEO_MAX_US,
        ino_mode: S_IFSOCK | 0o7777,
        ino_uid: u32::MAX,
        ino_gid: u32::MAX,
        reserved: 0,
    };
    r.tcp_flags = tcp_flags::ALL;
    r.maxseg = MAX_TCP_WINDOW;
    r.keepidle = MAX_TCP_KEEPIDLE;
    r.keepintvl = MAX_TCP_KEEPINTVL;
    r.keepcnt = MAX_TCP_KEEPCNT;
    r.syncnt = MAX_TCP_SYNCNT;
    r.user_timeout = i32::MAX as u32;
    r.linger2 = LINGER2_MAX;
    r.window_clamp = i32::MAX as u32;
    r.notsent_lowat = i32::MAX as u32;
    // The longest name, its NUL last; bytes after the NUL do not count.
    r.congestion = *b"abcdefghijklmno\0";
    let i = ok(&r);
    assert_eq!(
        i.flags,
        [
            "bind-addr",
            "bind-port",
            "v6only",
            "freebind",
            "bind-no-port",
            "recverr"
        ]
    );
    assert_eq!((i.tos, i.ttl, i.pmtudisc), (255, 255, "omit"));
    assert_eq!(i.so.flags.len(), 8);
    assert_eq!(
        (i.so.err, i.so.linger, i.so.ino_mode),
        (4095, 8_589_934, 0o147_777)
    );
    let t = i.tcp.unwrap();
    assert_eq!(
        (t.flags.len(), t.linger2, t.congestion.as_str()),
        (2, 120, "abcdefghijklmno")
    );
    r.linger2 = -1;
    r.congestion = *b"\0xyz\0\0\0\0\0\0\0\0\0\0\0\0";
    r.ttl = 1;
    r.so.peek_off = -1;
    r.so.rcvlowat = 1;
    r.so.ino_mode = S_IFSOCK;
    let i = ok(&r);
    assert_eq!(
        (i.tcp.map(|t| (t.linger2, t.congestion)), i.ttl),
        (Some((-1, String::new())), 1)
    );
    // A locked buffer of 0 and a linger of 0 are what the kernel takes.
    let mut r = inet_sock(AF_INET, IPPROTO_UDP, CLOSE);
    r.so.flags = so_flags::SNDBUF_LOCK | so_flags::LINGER;
    assert_eq!(ok(&r).so.flags, ["sndbuf-lock", "linger"]);
    // The FILE's flags: O_RDWR, with O_NONBLOCK and O_LARGEFILE.
    for flags in [0o2, 0o4002, 0o100002, 0o104002] {
        let img = parse(&unix_img(&[inet_records(50, flags, &tcp_listener())])[..]).unwrap();
        assert_eq!(
            img.files.iter().find(|f| f.objid == 50).unwrap().f_flags,
            flags
        );
    }
}

#[test]
fn inet_files_are_read_write_sockets_of_no_path() {
    let r = tcp_listener();
    let field = |off: usize, v: &[u8]| {
        let mut f = inet_records(50, 2, &r);
        put(&mut f, off, v);
        unix_img(&[f])
    };
    let flags = |f: u32| field(offset_of!(kcr_rec_file, f_flags), &f.to_le_bytes());
    for (img, want) in [
        (flags(0), "inet file 50 (flags 0x0)"),
        (flags(1), "inet file 50 (flags 0x1)"),
        (flags(0o2002), "inet file 50 (flags 0x402)"),
        (flags(0o40002), "inet file 50 (flags 0x4002)"),
        (
            field(offset_of!(kcr_rec_file, pos), &1i64.to_le_bytes()),
            "inet file 50 (flags 0x2)",
        ),
        (
            field(offset_of!(kcr_rec_file, ino), &9u64.to_le_bytes()),
            "inet file 50 (flags 0x2)",
        ),
        (
            field(offset_of!(kcr_rec_file, size), &1u64.to_le_bytes()),
            "inet file 50 (flags 0x2)",
        ),
        (
            field(offset_of!(kcr_rec_file, mtime_sec), &1i64.to_le_bytes()),
            "inet file 50 (flags 0x2)",
        ),
        (
            field(offset_of!(kcr_rec_file, mtime_nsec), &1u32.to_le_bytes()),
            "inet file 50 (flags 0x2)",
        ),
        (
            field(offset_of!(kcr_rec_file, rdev), &1u32.to_le_bytes()),
            "device number 0x1 in a file of kind inet",
        ),
    ] {
        let e = parse(&img[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("FILE", 12), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // No path.
    let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), b"/tmp/s\0");
    for (off, v) in [
        (offset_of!(kcr_rec_file, objid), 50),
        (offset_of!(kcr_rec_file, kind), file_kind::INET),
        (offset_of!(kcr_rec_file, f_flags), 2),
        (offset_of!(kcr_rec_file, mode), 0o140_777),
        (offset_of!(kcr_rec_file, path_len), 7),
    ] {
        put(&mut f, off, &v.to_le_bytes());
    }
    f.extend(inet_record(&r));
    let e = parse(&unix_img(&[f])[..]).unwrap_err();
    assert_eq!((e.record, e.index), ("FILE", 12), "{e}");
    assert!(e.msg.contains("path length 7"), "{e}");
    // Its INET record right after it, exactly one, and nowhere else.
    let file = pathless_file(50, file_kind::INET, 2);
    let ir = inet_record(&r);
    let needs = "inet file 50 needs its INET record next";
    let stray = "only right after the FILE whose state it holds";
    type Case<'a> = (Vec<Vec<u8>>, (&'a str, u32), &'a str);
    let cases: Vec<Case> = vec![
        (vec![file.clone()], ("FS", 13), needs),
        (
            vec![file.clone(), inet_records(51, 2, &r)],
            ("FILE", 13),
            needs,
        ),
        (
            vec![
                file.clone(),
                unix_record(&unix_sock(unix_sock::STREAM, unix_sock::CLOSE)),
            ],
            ("UNIX", 13),
            needs,
        ),
        (
            vec![inet_records(50, 2, &r), ir.clone()],
            ("INET", 14),
            stray,
        ),
        (vec![eventfd_records(1, 0), ir.clone()], ("INET", 14), stray),
        (vec![ir.clone(), file.clone()], ("INET", 12), stray),
        (
            vec![pathless_file(51, file_kind::UNIX, 2), ir.clone()],
            ("INET", 13),
            "unix file 51 needs its UNIX record next",
        ),
    ];
    for (recs, (record, index), want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // Its fixed length.
    for (size, want) in [
        (size_of::<kcr_rec_inet>() + 8, "length 216, expected 208"),
        (200, "length 200, expected 208"),
        (8, "length 8, expected 208"),
    ] {
        let mut v = file.clone();
        v.extend(record(rec::INET, size, &[]));
        let e = parse(&unix_img(&[v])[..]).unwrap_err();
        assert_eq!((e.record, e.index), ("INET", 13), "{e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // Among the objects of a process, not of a thread.
    let mut b = body(&with_inet());
    let t = rec_off(&b, rec::TASK);
    for (off, v) in [
        (offset_of!(kcr_rec_task, flags), 0u32),
        (offset_of!(kcr_rec_task, nr_threads), 2),
    ] {
        put(&mut b, t + off, &v.to_le_bytes());
    }
    let (th, n) = thread_records(43, 60, &[]);
    b.extend(th);
    let img = parse(&finish(b.clone(), N + 8 + n)[..]).unwrap();
    assert_eq!(inet_of(&img, 81).state, "connected");
    b.extend(inet_records(90, 2, &r));
    let e = parse(&finish(b, N + 10 + n)[..]).unwrap_err();
    assert_eq!(e.record, "FILE", "{e}");
    assert!(e.msg.contains("belong to a thread"), "{e}");
}

#[test]
fn bad_inet_records_are_refused_as_restart_does() {
    use inet_sock::*;
    use inet_state::{CLOSE, CONNECTED, LISTEN};
    use unix_sock::{LINGER_MAX, TIMEO_MAX_US};
    let l = tcp_listener();
    let u = udp_connected();
    let v6 = inet_sock(AF_INET6, IPPROTO_UDP, CLOSE);
    let with = |r: &kcr_rec_inet, f: &dyn Fn(&mut kcr_rec_inet)| {
        let mut r = *r;
        f(&mut r);
        r
    };
    let mut tail4 = ip("127.0.0.1");
    tail4[4] = 1;
    let mut daddr_tail = [0u8; 16];
    daddr_tail[15] = 1;
    let cases: Vec<(kcr_rec_inet, &str)> = vec![
        // A family and protocol restart(2) makes.
        (
            with(&l, &|r| r.family = 3),
            "family 3 (not AF_INET 2 or AF_INET6 10)",
        ),
        (with(&l, &|r| r.family = 1), "family 1"),
        (
            with(&l, &|r| r.protocol = 99),
            "protocol 99 (not IPPROTO_TCP",
        ),
        (with(&u, &|r| r.protocol = 0), "protocol 0"),
        // Known flags; V6ONLY on IPv6 only.
        (
            with(&l, &|r| r.flags |= 0x40),
            "flags 0x43: unknown bits 0x40",
        ),
        (
            with(&l, &|r| r.flags = 0x8000_0000),
            "unknown bits 0x80000000",
        ),
        (
            with(&l, &|r| r.flags |= inet_flags::V6ONLY),
            "KCR_INET_V6ONLY on an AF_INET socket",
        ),
        // An IPv4 address is 4 bytes, the rest 0.
        (
            with(&l, &|r| r.saddr = tail4),
            "saddr: non-zero bytes after the 4",
        ),
        (
            with(&u, &|r| r.daddr[4] = 1),
            "daddr: non-zero bytes after the 4",
        ),
        (
            with(&l, &|r| r.daddr = daddr_tail),
            "daddr: non-zero bytes after the 4",
        ),
        // A port named by bind() is one; an address, only with its flag
        // (but the one connect() chose).
        (
            with(&l, &|r| {
                r.state = CLOSE;
                r.backlog = 0;
                r.sport = 0;
            }),
            "KCR_INET_BIND_PORT with sport 0",
        ),
        (
            with(&l, &|r| r.flags = inet_flags::BIND_PORT),
            "saddr 127.0.0.1 without KCR_INET_BIND_ADDR, not connected",
        ),
        (
            with(&v6, &|r| r.saddr = ip("::1")),
            "saddr ::1 without KCR_INET_BIND_ADDR",
        ),
        // IP options as setsockopt() takes them.
        (with(&l, &|r| r.tos = 256), "tos 256 above 255"),
        (
            with(&l, &|r| r.ttl = 0),
            "ttl 0 (1 ..= 255, or -1: the default)",
        ),
        (with(&u, &|r| r.ttl = 0), "ttl 0 (1 ..= 255"),
        (with(&l, &|r| r.ttl = 256), "ttl 256"),
        (with(&l, &|r| r.ttl = -2), "ttl -2"),
        (
            with(&v6, &|r| r.ttl = 256),
            "ttl 256 (0 ..= 255, or -1: the default)",
        ),
        (with(&v6, &|r| r.ttl = -2), "ttl -2 (0 ..= 255"),
        (
            with(&l, &|r| r.pmtudisc = 6),
            "pmtudisc 6 above IP_PMTUDISC_OMIT (5)",
        ),
        (with(&l, &|r| r.pmtudisc = u32::MAX), "pmtudisc 4294967295"),
        // Only a UDP socket has a queue of datagrams, within its bounds,
        // and only a TCP listener one of connections (see
        // bad_tcp_listener_queues_are_refused_as_restart_does); reserved 0.
        (
            with(&l, &|r| r.bytes = 1),
            "bytes 1 on a TCP socket (only a UDP socket's datagrams have bytes: 0)",
        ),
        (
            with(&l, &|r| {
                r.nr_skbs = 1;
                r.bytes = 1;
            }),
            "bytes 1 on a TCP socket",
        ),
        (
            with(&u, &|r| r.bytes = 1),
            "bytes 1 queued in no datagram (nr_skbs 0)",
        ),
        (
            with(&v6, &|r| r.bytes = KCR_INET_QUEUE_BYTES),
            "bytes 67108864 queued in no datagram",
        ),
        (
            with(&u, &|r| r.nr_skbs = KCR_INET_QUEUE_DGRAMS + 1),
            "nr_skbs 65537 above KCR_INET_QUEUE_DGRAMS (65536)",
        ),
        (
            with(&u, &|r| r.nr_skbs = u32::MAX),
            "nr_skbs 4294967295 above KCR_INET_QUEUE_DGRAMS",
        ),
        (
            with(&u, &|r| {
                r.nr_skbs = 1;
                r.bytes = KCR_INET_QUEUE_BYTES + 1;
            }),
            "bytes 67108865 above KCR_INET_QUEUE_BYTES (67108864)",
        ),
        (
            with(&v6, &|r| r.bytes = u64::MAX),
            "bytes 18446744073709551615 above KCR_INET_QUEUE_BYTES",
        ),
        (with(&l, &|r| r.reserved = 1), "reserved 1 (not 0)"),
        (with(&u, &|r| r.reserved = u32::MAX), "reserved 4294967295"),
        // The states: a listener is a TCP socket bound with a port, a
        // connected socket a UDP one with both ports; no peer but when
        // connected, no backlog but when listening.
        (with(&l, &|r| r.state = 2), "state 2 (not KCR_INET_CLOSE 7"),
        (with(&l, &|r| r.state = 0), "state 0"),
        (with(&v6, &|r| r.state = 8), "state 8"),
        (
            with(&l, &|r| r.protocol = IPPROTO_UDP),
            "state KCR_INET_LISTEN of a UDP socket",
        ),
        (
            with(&l, &|r| {
                r.flags = inet_flags::BIND_ADDR;
                r.sport = 0;
            }),
            "listening without a port (sport 0)",
        ),
        (
            with(&l, &|r| {
                r.flags = 0;
                r.saddr = [0; 16];
                r.sport = 0;
            }),
            "listening without a port (sport 0)",
        ),
        (
            with(&l, &|r| r.backlog = 0x8000_0000),
            "backlog 2147483648 above INT_MAX (2147483647)",
        ),
        (with(&l, &|r| r.backlog = u32::MAX), "backlog 4294967295"),
        (
            with(&l, &|r| r.dport = 1),
            "peer 0.0.0.0 port 1 of a socket not connected",
        ),
        (
            with(&l, &|r| r.daddr = ip("10.0.0.9")),
            "peer 10.0.0.9 port 0 of a socket not connected",
        ),
        // A TCP connection too (its TCP_CONN record follows).
        (
            with(&u, &|r| {
                r.protocol = IPPROTO_TCP;
                r.congestion[0] = b'x';
                r.dport = 0;
            }),
            "connected to 10.0.0.1 port 0 (dport)",
        ),
        (
            with(&u, &|r| {
                r.protocol = IPPROTO_TCP;
                r.congestion[0] = b'x';
                r.sport = 0;
            }),
            "connected without a local port (sport 0)",
        ),
        (
            with(&u, &|r| {
                r.protocol = IPPROTO_TCP;
                r.congestion[0] = b'x';
                r.backlog = 7;
            }),
            "backlog 7 of a socket not listening",
        ),
        (
            with(&u, &|r| r.dport = 0),
            "connected to 10.0.0.1 port 0 (dport)",
        ),
        (
            with(&u, &|r| r.sport = 0),
            "connected without a local port (sport 0)",
        ),
        (
            with(&u, &|r| r.backlog = 1),
            "backlog 1 of a socket not listening",
        ),
        (
            with(&u, &|r| {
                r.state = CLOSE;
                r.saddr = [0; 16];
            }),
            "peer 10.0.0.1 port 53 of a socket not connected",
        ),
        (
            with(&v6, &|r| r.backlog = 5),
            "backlog 5 of a socket not listening",
        ),
        (with(&v6, &|r| r.dport = 7), "peer :: port 7"),
        // No TCP option on a UDP socket.
        (
            with(&u, &|r| r.tcp_flags = tcp_flags::NODELAY),
            "TCP option tcp_flags 1 on a UDP socket",
        ),
        (with(&u, &|r| r.maxseg = 1), "TCP option maxseg 1"),
        (with(&u, &|r| r.keepidle = 1), "TCP option keepidle 1"),
        (with(&u, &|r| r.keepintvl = 1), "TCP option keepintvl 1"),
        (with(&u, &|r| r.keepcnt = 1), "TCP option keepcnt 1"),
        (
            with(&u, &|r| r.user_timeout = 1),
            "TCP option user_timeout 1",
        ),
        (with(&u, &|r| r.syncnt = 1), "TCP option syncnt 1"),
        (with(&u, &|r| r.linger2 = -1), "TCP option linger2 -1"),
        (
            with(&u, &|r| r.window_clamp = 1),
            "TCP option window_clamp 1",
        ),
        (
            with(&u, &|r| r.notsent_lowat = 1),
            "TCP option notsent_lowat 1",
        ),
        (
            with(&v6, &|r| r.congestion[15] = 1),
            "TCP option congestion on a UDP socket",
        ),
        // TCP options as setsockopt() bounds them.
        (
            with(&l, &|r| r.tcp_flags = 4),
            "tcp_flags 0x4: unknown bits 0x4",
        ),
        (
            with(&l, &|r| r.keepidle = 32768),
            "keepidle 32768 above MAX_TCP_KEEPIDLE (32767)",
        ),
        (
            with(&l, &|r| r.keepintvl = 32768),
            "keepintvl 32768 above MAX_TCP_KEEPINTVL",
        ),
        (
            with(&l, &|r| r.keepcnt = 128),
            "keepcnt 128 above MAX_TCP_KEEPCNT (127)",
        ),
        (
            with(&l, &|r| r.syncnt = 128),
            "syncnt 128 above MAX_TCP_SYNCNT (127)",
        ),
        (
            with(&l, &|r| r.user_timeout = 0x8000_0000),
            "user_timeout 2147483648 above INT_MAX",
        ),
        (
            with(&l, &|r| r.maxseg = 32768),
            "maxseg 32768 above MAX_TCP_WINDOW (32767)",
        ),
        (
            with(&l, &|r| r.window_clamp = 0x8000_0000),
            "window_clamp 2147483648 above INT_MAX",
        ),
        (
            with(&l, &|r| r.notsent_lowat = u32::MAX),
            "notsent_lowat 4294967295 above INT_MAX",
        ),
        (
            with(&l, &|r| r.linger2 = -2),
            "linger2 -2 (-1: none, or 0 ..= ",
        ),
        (with(&l, &|r| r.linger2 = 121), "linger2 121"),
        (
            with(&l, &|r| r.congestion = [b'c'; 16]),
            "congestion: no NUL in its 16 bytes",
        ),
        // SOL_SOCKET options (kcr_sock_check()).
        (
            with(&l, &|r| r.so.flags = 0x100),
            "so.flags 0x100: unknown bits 0x100",
        ),
        (with(&l, &|r| r.so.shutdown = 4), "so.shutdown 4"),
        (
            with(&l, &|r| r.so.err = -1),
            "so.err -1 (0 ..= MAX_ERRNO, 4095)",
        ),
        (with(&l, &|r| r.so.err = 4096), "so.err 4096"),
        (with(&l, &|r| r.so.peek_off = -2), "so.peek_off -2"),
        (
            with(&l, &|r| r.so.sndbuf = 4608),
            "so.sndbuf 4608 without KCR_SO_SNDBUF_LOCK",
        ),
        (
            with(&l, &|r| r.so.rcvbuf = 1),
            "so.rcvbuf 1 without KCR_SO_RCVBUF_LOCK",
        ),
        (
            with(&l, &|r| {
                r.so.flags = so_flags::SNDBUF_LOCK;
                r.so.sndbuf = 0x8000_0000;
            }),
            "so.sndbuf 2147483648 above INT_MAX",
        ),
        (
            with(&l, &|r| {
                r.so.flags = so_flags::RCVBUF_LOCK;
                r.so.rcvbuf = u32::MAX;
            }),
            "so.rcvbuf 4294967295 above INT_MAX",
        ),
        (
            with(&l, &|r| r.so.rcvlowat = 0),
            "so.rcvlowat 0 (1 ..= INT_MAX)",
        ),
        (
            with(&l, &|r| r.so.rcvlowat = 0x8000_0000),
            "so.rcvlowat 2147483648",
        ),
        (
            with(&l, &|r| {
                r.so.flags = so_flags::LINGER;
                r.so.linger = LINGER_MAX + 1;
            }),
            "so.linger 8589935 above INT_MAX / HZ (8589934)",
        ),
        (
            with(&l, &|r| r.so.linger = 1),
            "so.linger 1 without KCR_SO_LINGER",
        ),
        (
            with(&l, &|r| r.so.rcvtimeo_us = TIMEO_MAX_US + 1),
            "so.rcvtimeo_us 31536000000001 above 365 days",
        ),
        (
            with(&l, &|r| r.so.sndtimeo_us = u64::MAX),
            "so.sndtimeo_us 18446744073709551615",
        ),
        (
            with(&l, &|r| r.so.ino_mode = 0o100_777),
            "so.ino_mode 100777 is not a socket's",
        ),
        (
            with(&l, &|r| r.so.ino_mode = 0o777),
            "so.ino_mode 777 is not a socket's",
        ),
        (
            with(&l, &|r| r.so.ino_mode = 0o1_140_777),
            "so.ino_mode 1140777 is not a socket's",
        ),
        (with(&l, &|r| r.so.reserved = 1), "so.reserved 1 (not 0)"),
    ];
    for (r, want) in &cases {
        refused_last(&each_record(&inet_records(50, 2, r)), "INET", want);
        assert!(
            parse(&unix_img(&[inet_records(50, 2, r)])[..])
                .unwrap_err()
                .msg
                .starts_with("IP socket 50: "),
            "{want}"
        );
    }
    // Each case is refused for its own field: the records they start
    // from are good.
    for r in [l, u, v6] {
        parse(&unix_img(&[inet_records(50, 2, &r)])[..]).unwrap();
    }
    // The inode's mode is the FILE's.
    let mut f = inet_records(50, 2, &l);
    put(
        &mut f,
        offset_of!(kcr_rec_file, mode),
        &0o140_755u32.to_le_bytes(),
    );
    refused_last(
        &each_record(&f),
        "INET",
        "IP socket 50: so.ino_mode 140777 differs from its FILE's mode 140755",
    );
    // As kcr_inet_rec_ok() orders its tests: the fields first, then the
    // state, then the TCP options, then (kcr_sock_check()) the
    // SOL_SOCKET ones.
    let r = with(&l, &|r| {
        r.state = LISTEN;
        r.sport = 0;
        r.flags = inet_flags::BIND_ADDR;
        r.keepcnt = 128;
        r.so.rcvlowat = 0;
    });
    refused_last(
        &each_record(&inet_records(50, 2, &r)),
        "INET",
        "listening without a port",
    );
    let r = with(&u, &|r| {
        r.state = CONNECTED;
        r.ttl = 0;
        r.dport = 0;
    });
    refused_last(&each_record(&inet_records(50, 2, &r)), "INET", "ttl 0");
    let r = with(&l, &|r| {
        r.keepcnt = 128;
        r.so.rcvlowat = 0;
    });
    refused_last(
        &each_record(&inet_records(50, 2, &r)),
        "INET",
        "keepcnt 128",
    );
}

/// A datagram of `len` bytes from `from` (`addr:port`) to `to`, of the
/// family of `from`: its INET_DGRAM record.
fn udp_dgram(from: &str, to: &str, len: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..len).map(|i| (i % 7) as u8 + 1).collect();
    inet_dgram_record(from.parse().unwrap(), to.parse().unwrap(), &data)
}

/// An IPv6 UDP socket bound to port 5353 of every address, taking IPv4
/// too, or (`v6only`) not.
fn udp6(v6only: bool) -> kcr_rec_inet {
    let mut r = inet_sock(
        inet_sock::AF_INET6,
        inet_sock::IPPROTO_UDP,
        inet_state::CLOSE,
    );
    r.flags = inet_flags::BIND_PORT;
    if v6only {
        r.flags |= inet_flags::V6ONLY;
    }
    r.sport = 5353;
    r
}

/// `d` (an INET_DGRAM record) with `v` at offset `off`.
fn dgram_with(d: &[u8], off: usize, v: &[u8]) -> Vec<u8> {
    let mut d = d.to_vec();
    put(&mut d, off, v);
    d
}

#[test]
fn udp_sockets_carry_their_queued_datagrams() {
    // An IPv4 socket: its datagrams oldest first, one of 0 bytes, one of
    // the longest; the queue the sum of their lengths.
    let u = udp_connected();
    let ds = vec![
        udp_dgram("10.0.0.1:53", "10.0.0.2", 5),
        udp_dgram("10.0.0.1:53", "10.0.0.2", 0),
        udp_dgram(
            "192.168.7.9:1",
            "255.255.255.255",
            KCR_INET_DGRAM_MAX as usize,
        ),
    ];
    let img = parse(&unix_img(&[inet_records_queued(50, 2, &u, &ds)])[..]).unwrap();
    let i = inet_of(&img, 50);
    let q = i.queue.as_ref().unwrap();
    assert_eq!(q.bytes, 5 + 65527);
    let got: Vec<(&str, String, String, u32)> = q
        .datagrams
        .iter()
        .map(|d| (d.family, d.from.to_string(), d.to.to_string(), d.len))
        .collect();
    assert_eq!(
        got,
        [
            ("ipv4", "10.0.0.1:53".into(), "10.0.0.2".into(), 5),
            ("ipv4", "10.0.0.1:53".into(), "10.0.0.2".into(), 0),
            (
                "ipv4",
                "192.168.7.9:1".into(),
                "255.255.255.255".into(),
                65527
            ),
        ]
    );
    assert_eq!(img.records, N + 5);
    // Nothing queued: an empty queue; a TCP socket has none.
    let img = parse(&unix_img(&[inet_records(50, 2, &u)])[..]).unwrap();
    assert_eq!(
        inet_of(&img, 50).queue,
        Some(UdpQueue {
            bytes: 0,
            datagrams: vec![]
        })
    );
    let img = parse(&unix_img(&[inet_records(50, 2, &tcp_listener())])[..]).unwrap();
    assert_eq!(inet_of(&img, 50).queue, None);
    // An IPv6 socket: IPv6 datagrams, and IPv4 ones (shown v4-mapped, as
    // recvfrom() shows them) unless it is IPV6_V6ONLY.
    for v6only in [false, true] {
        let mut ds = vec![udp_dgram("[fe80::2]:9", "ff02::fb", 12)];
        if !v6only {
            ds.push(udp_dgram("10.1.2.3:5353", "224.0.0.251", 3));
        }
        let img = parse(&unix_img(&[inet_records_queued(50, 2, &udp6(v6only), &ds)])[..])
            .unwrap_or_else(|e| panic!("v6only {v6only}: {e}"));
        let q = inet_of(&img, 50).queue.clone().unwrap();
        assert_eq!(q.datagrams.len(), ds.len());
        assert_eq!(
            q.datagrams[0],
            UdpDgram {
                family: "ipv6",
                from: "[fe80::2]:9".parse().unwrap(),
                to: "ff02::fb".parse().unwrap(),
                len: 12,
            }
        );
        if !v6only {
            assert_eq!(
                q.datagrams[1],
                UdpDgram {
                    family: "ipv4",
                    from: "[::ffff:10.1.2.3]:5353".parse().unwrap(),
                    to: "::ffff:224.0.0.251".parse().unwrap(),
                    len: 3,
                }
            );
            assert_eq!(q.bytes, 15);
        }
    }
    // Two sockets, each with its own queue, one after the other.
    let mut v = inet_records_queued(50, 2, &u, &ds[..1]);
    v.extend(inet_records_queued(
        51,
        2,
        &udp6(false),
        &[udp_dgram("[::1]:7", "::1", 1)],
    ));
    let img = parse(&unix_img(&[v])[..]).unwrap();
    assert_eq!(inet_of(&img, 50).queue.as_ref().unwrap().bytes, 5);
    assert_eq!(inet_of(&img, 51).queue.as_ref().unwrap().datagrams.len(), 1);
}

#[test]
fn inet_changes_since_the_first_inet_records() {
    use inet_sock::*;
    // IPV6_UNICAST_HOPS takes 0; IP_TTL does not.
    let mut r = udp6(false);
    r.ttl = 0;
    let img = parse(&unix_img(&[inet_records(50, 2, &r)])[..]).unwrap();
    assert_eq!(inet_of(&img, 50).ttl, 0);
    let mut r = inet_sock(AF_INET6, IPPROTO_TCP, inet_state::CLOSE);
    r.ttl = 0;
    parse(&unix_img(&[inet_records(50, 2, &r)])[..]).unwrap();
    for protocol in [IPPROTO_TCP, IPPROTO_UDP] {
        let mut r = inet_sock(AF_INET, protocol, inet_state::CLOSE);
        r.ttl = 0;
        refused_last(
            &each_record(&inet_records(50, 2, &r)),
            "INET",
            "IP socket 50: ttl 0 (1 ..= 255, or -1: the default)",
        );
    }
    // A listener's backlog up to INT_MAX.
    for backlog in [65536, 100_000, i32::MAX as u32] {
        let mut l = tcp_listener();
        l.backlog = backlog;
        let img = parse(&unix_img(&[inet_records(50, 2, &l)])[..]).unwrap();
        assert_eq!(inet_of(&img, 50).backlog, backlog);
    }
}

#[test]
fn bad_udp_datagrams_are_refused_as_restart_does() {
    use inet_sock::{AF_INET, AF_INET6};
    let u = udp_connected();
    let v6 = udp6(false);
    let v6only = udp6(true);
    let d4 = udp_dgram("10.0.0.1:53", "10.0.0.2", 9);
    let d6 = udp_dgram("[::1]:53", "::1", 9);
    let family = offset_of!(kcr_rec_inet_dgram, family);
    let saddr = offset_of!(kcr_rec_inet_dgram, saddr);
    let daddr = offset_of!(kcr_rec_inet_dgram, daddr);
    // Each refused at the datagram, the second of its socket's two.
    let cases: Vec<(&kcr_rec_inet, Vec<u8>, &str)> = vec![
        (
            &u,
            dgram_with(&d4, family, &3u16.to_le_bytes()),
            "UDP socket 50: datagram 1 of 2: family 3 (not AF_INET 2 or AF_INET6 10)",
        ),
        (
            &v6,
            dgram_with(&d6, family, &0u16.to_le_bytes()),
            "family 0",
        ),
        (
            &u,
            dgram_with(&d4, family, &AF_INET6.to_le_bytes()),
            "datagram 1 of 2: family AF_INET6 on an AF_INET socket",
        ),
        (
            &v6only,
            dgram_with(&d6, family, &AF_INET.to_le_bytes()),
            "datagram 1 of 2: family AF_INET on a KCR_INET_V6ONLY socket",
        ),
        (
            &u,
            dgram_with(&d4, saddr + 4, &[1]),
            "datagram 1 of 2: saddr: non-zero bytes after the 4 of an IPv4 address",
        ),
        (
            &u,
            dgram_with(&d4, saddr + 15, &[0x80]),
            "saddr: non-zero bytes after the 4",
        ),
        (
            &v6,
            dgram_with(&udp_dgram("10.0.0.1:53", "10.0.0.2", 9), daddr + 4, &[1]),
            "daddr: non-zero bytes after the 4 of an IPv4 address",
        ),
        // Its padding: zeros.
        (
            &u,
            dgram_with(&d4, 48 + 9, &[1]),
            "UDP socket 50: datagram 1 of 2: non-zero padding after its 9 bytes",
        ),
        (
            &v6,
            dgram_with(&d6, 48 + 15, &[0xff]),
            "non-zero padding after its 9 bytes",
        ),
        // Its length: at most KCR_INET_DGRAM_MAX, the record's 48 + that
        // rounded up to 8.
        (
            &u,
            udp_dgram("10.0.0.1:53", "10.0.0.2", 65528),
            "UDP datagram of 65528 bytes, more than KCR_INET_DGRAM_MAX (65527)",
        ),
        (
            &u,
            dgram_with(&d4, 8, &u32::MAX.to_le_bytes()),
            "UDP datagram of 4294967295 bytes, more than KCR_INET_DGRAM_MAX",
        ),
        (
            &u,
            dgram_with(&d4, 8, &17u32.to_le_bytes()),
            "length 64, expected 72",
        ),
        (
            &u,
            dgram_with(&d4, 8, &8u32.to_le_bytes()),
            "length 64, expected 56",
        ),
        (
            &v6,
            dgram_with(&d6, 8, &0u32.to_le_bytes()),
            "length 64, expected 48",
        ),
    ];
    // Socket 50 of `r`, announcing 13 bytes in 2 datagrams: one of 4
    // bytes, then `d`.
    let queued = |r: &kcr_rec_inet, d: &[u8]| {
        let first = if r.flags & inet_flags::V6ONLY != 0 {
            udp_dgram("[::1]:53", "::1", 4)
        } else {
            udp_dgram("10.0.0.1:53", "10.0.0.2", 4)
        };
        let r = kcr_rec_inet {
            nr_skbs: 2,
            bytes: 4 + 9,
            ..*r
        };
        let mut v = inet_records(50, 2, &r);
        v.extend(first);
        v.extend(d);
        v
    };
    for (r, d, want) in &cases {
        refused_last(&each_record(&queued(r, d)), "INET_DGRAM", want);
    }
    // Each case is refused for its own field: the records they start
    // from are good.
    for (r, d) in [(&u, &d4), (&v6, &d4), (&v6, &d6), (&v6only, &d6)] {
        let img = parse(&unix_img(&[queued(r, d)])[..]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(inet_of(&img, 50).queue.as_ref().unwrap().bytes, 13);
    }
    // A record of the wrong length names the record's, not the field's,
    // error in the parser; check_inet_dgram() names it as the kernel's
    // test does.
    let mut d: kcr_rec_inet_dgram = zerocopy::FromBytes::read_from_prefix(&d4[..]).unwrap().0;
    d.len = 17;
    assert_eq!(
        check_inet_dgram(&d, AF_INET, 0),
        Err("record length 64, not 72 for len 17".into())
    );
    d.len = 9;
    assert!(check_inet_dgram(&d, AF_INET, 0).is_ok());
    assert_eq!(
        check_inet_dgram(&d, AF_INET6, inet_flags::V6ONLY),
        Err("family AF_INET on a KCR_INET_V6ONLY socket".into())
    );
    d.len = 65528;
    d.h.len = 48 + 65528;
    assert_eq!(
        check_inet_dgram(&d, AF_INET, 0),
        Err("len 65528 above KCR_INET_DGRAM_MAX (65527)".into())
    );
}

#[test]
fn udp_queues_are_exactly_the_datagrams_announced() {
    let u = udp_connected();
    let d = |n| udp_dgram("10.0.0.1:53", "10.0.0.2", n);
    let announcing = |nr: u32, bytes: u64| {
        inet_records(
            50,
            2,
            &kcr_rec_inet {
                nr_skbs: nr,
                bytes,
                ..u
            },
        )
    };
    // The sum of their lengths is the INET record's bytes: refused at
    // the last datagram.
    for (ds, bytes, want) in [
        (
            vec![d(5), d(4)],
            10,
            "UDP socket 50: its 2 datagrams have 9 bytes, not the 10 of its INET record's bytes",
        ),
        (vec![d(5), d(4)], 8, "have 9 bytes, not the 8"),
        (vec![d(0)], 1, "its 1 datagrams have 0 bytes, not the 1"),
    ] {
        let mut v = announcing(ds.len() as u32, bytes);
        v.extend(ds.concat());
        refused_last(&each_record(&v), "INET_DGRAM", want);
    }
    // Every datagram announced comes, right after the INET record: the
    // next record in the place of one is refused (FS ends the objects).
    let file = pathless_file(60, file_kind::EVENTFD, 2);
    let tcp = inet_records(60, 2, &tcp_listener());
    type Case<'a> = (Vec<Vec<u8>>, (&'a str, u32), &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![announcing(1, 5)],
            ("FS", 14),
            "FS where datagram 0 of 1 of UDP socket 50 belongs",
        ),
        (
            vec![announcing(3, 9), d(5), d(4)],
            ("FS", 16),
            "FS where datagram 2 of 3 of UDP socket 50 belongs",
        ),
        (
            vec![announcing(2, 9), d(5), tcp.clone()],
            ("FILE", 15),
            "FILE where datagram 1 of 2 of UDP socket 50 belongs",
        ),
        (
            vec![announcing(2, 9), d(5), file.clone()],
            ("FILE", 15),
            "FILE where datagram 1 of 2",
        ),
        (
            vec![announcing(2, 9), d(5), unix_skb_record(b"abcd", None, 0)],
            ("UNIX_SKB", 15),
            "UNIX_SKB where datagram 1 of 2 of UDP socket 50 belongs",
        ),
        (
            vec![announcing(1, 5), inet_record(&u)],
            ("INET", 14),
            "INET where datagram 0 of 1",
        ),
        // And none comes but those: none after a TCP socket, none after
        // the last, none elsewhere.
        (
            vec![tcp.clone(), d(5)],
            ("INET_DGRAM", 14),
            "only after its UDP socket's INET record (or the datagram before it), as many as \
             it announces",
        ),
        (
            vec![announcing(1, 5), d(5), d(4)],
            ("INET_DGRAM", 15),
            "only after its UDP socket's INET record",
        ),
        (
            vec![announcing(0, 0), d(5)],
            ("INET_DGRAM", 14),
            "only after its UDP socket's INET record",
        ),
        (
            vec![d(5), announcing(0, 0)],
            ("INET_DGRAM", 12),
            "only after its UDP socket's INET record",
        ),
        (
            vec![pathless_file(50, file_kind::INET, 2), d(5)],
            ("INET_DGRAM", 13),
            "inet file 50 needs its INET record next",
        ),
    ];
    for (recs, (record, index), want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // Before the TAIL, too.
    let mut b = body(&sample());
    let at = rec_off(&b, rec::FS);
    let mut v = announcing(2, 9);
    v.extend(d(5));
    b.splice(at..at, v);
    // The TAIL right after: no FS, no fd table, no MM.
    let b = b[..at
        + records_of(&b[at..])
            .iter()
            .take(3)
            .map(|r| r.2)
            .sum::<usize>()]
        .to_vec();
    let n = records_of(&b).len() as u32;
    let e = parse(&finish(b, n)[..]).unwrap_err();
    assert_eq!(e.record, "TAIL", "{e}");
    assert!(
        e.msg
            .contains("TAIL where datagram 1 of 2 of UDP socket 50 belongs"),
        "{e}"
    );
}

/// The connection of file object `id` of `img`, a connected TCP socket.
fn conn_of(img: &Image, id: u32) -> &TcpConn {
    inet_of(img, id).conn.as_ref().unwrap()
}

/// An IPv4 TCP socket connected from 10.0.0.2:40000 to 10.0.0.1:80.
fn tcp_client() -> kcr_rec_inet {
    tcp_sock(
        "10.0.0.2:40000".parse().unwrap(),
        "10.0.0.1:80".parse().unwrap(),
    )
}

/// Socket 50, [`tcp_client`] with the connection `c` and the TCP_DATA
/// records `data`, each record on its own.
fn tcp_recs(c: &kcr_rec_tcp_conn, data: &[Vec<u8>]) -> Vec<Vec<u8>> {
    each_record(&tcp_records(50, 2, &tcp_client(), c, data))
}

/// [`tcp_conn`]`(1000, 5000)` with a send queue of `send` bytes (`unsent`
/// of them not sent yet) and a receive queue of `recv` bytes.
fn conn_queued(send: u32, unsent: u32, recv: u32) -> kcr_rec_tcp_conn {
    kcr_rec_tcp_conn {
        snd_nxt: (1000 + send).wrapping_sub(unsent),
        write_seq: 1000 + send,
        copied_seq: 5000u32.wrapping_sub(recv),
        ..tcp_conn(1000, 5000)
    }
}

/// A TCP_DATA record of `n` bytes of queue `q`.
fn tcp_bytes(q: u32, n: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..n).map(|i| (i % 13) as u8 + 1).collect();
    tcp_data_record(q, &data)
}

#[test]
fn tcp_connections_carry_their_sequence_numbers_and_queues() {
    use tcp_conn::{RECV_QUEUE, SEND_QUEUE};
    // Both ends of the sample's connection.
    let img = parse(&with_tcp_conn()[..]).unwrap();
    assert_eq!(img.records, N + 10);
    let a = inet_of(&img, 83);
    assert_eq!(
        (a.protocol, a.state, a.local, a.peer),
        (
            "tcp",
            "connected",
            "127.0.0.1:40000".parse().unwrap(),
            Some("127.0.0.1:7461".parse().unwrap())
        )
    );
    assert_eq!((a.bound, a.queue.as_ref()), (true, None));
    assert_eq!(
        a.conn,
        Some(TcpConn {
            seqs: TcpSeqs {
                snd_una: 1000,
                snd_nxt: 1010,
                write_seq: 1016,
                rcv_nxt: 5000,
                copied_seq: 4995,
            },
            windows: TcpWindows {
                snd_wl1: 5000,
                snd_wnd: 65536,
                max_window: 65536,
                rcv_wnd: 65536,
                rcv_wup: 5000,
            },
            opts: vec!["sack", "timestamps", "wscale"],
            mss: 65483,
            wscales: TcpWscales { snd: 7, rcv: 7 },
            timestamp: 0x0012_d680,
            bufs: TcpBufs {
                sndbuf: 16384,
                rcvbuf: 131_072,
            },
            send_bytes: 16,
            unsent_bytes: 6,
            recv_bytes: 5,
        })
    );
    let b = conn_of(&img, 84);
    assert_eq!(
        (b.send_bytes, b.unsent_bytes, b.recv_bytes),
        (0, 0, 6),
        "{b:?}"
    );
    assert_eq!(inet_of(&img, 84).flags, ["bind-addr", "bind-port"]);
    // Other sockets have none.
    let img = parse(&with_inet()[..]).unwrap();
    assert!(img
        .files
        .iter()
        .filter_map(|f| f.inet.as_ref())
        .all(|i| i.conn.is_none()));
    let ok = |c: &kcr_rec_tcp_conn, data: &[Vec<u8>]| -> TcpConn {
        let img = parse(&unix_img(&tcp_recs(c, data))[..]).unwrap_or_else(|e| panic!("{c:?}: {e}"));
        conn_of(&img, 50).clone()
    };
    // Nothing queued: no TCP_DATA record.
    let c = ok(&tcp_conn(1, 2), &[]);
    assert_eq!((c.send_bytes, c.unsent_bytes, c.recv_bytes), (0, 0, 0));
    // Sequence numbers that wrap around 2^32: 20 bytes sent (12 before
    // 2^32, 8 after), 12 more not sent yet, 5 received (2 before 2^32);
    // the peer's window update from before the wrap.
    let c = kcr_rec_tcp_conn {
        snd_una: 0xffff_fff4,
        snd_nxt: 8,
        write_seq: 20,
        rcv_nxt: 3,
        copied_seq: 0xffff_fffe,
        rcv_wup: 0xffff_fff0,
        snd_wl1: 0xffff_ff00,
        ..tcp_conn(0, 0)
    };
    let data = [
        tcp_bytes(SEND_QUEUE, 12),
        tcp_bytes(SEND_QUEUE, 20),
        tcp_bytes(RECV_QUEUE, 2),
        tcp_bytes(RECV_QUEUE, 3),
    ];
    let got = ok(&c, &data);
    assert_eq!(
        (got.send_bytes, got.unsent_bytes, got.recv_bytes),
        (32, 12, 5)
    );
    assert_eq!((got.seqs.snd_una, got.seqs.write_seq), (0xffff_fff4, 20));
    // The records of a queue split anywhere, one byte to 65536 each; a
    // receive queue alone.
    let c = conn_queued(65536 + 1, 65536 + 1, 65536);
    let got = ok(
        &c,
        &[
            tcp_bytes(SEND_QUEUE, 1),
            tcp_bytes(SEND_QUEUE, 65536),
            tcp_bytes(RECV_QUEUE, 65536),
        ],
    );
    assert_eq!(
        (got.send_bytes, got.unsent_bytes, got.recv_bytes),
        (65537, 65537, 65536)
    );
    let got = ok(&conn_queued(0, 0, 7), &[tcp_bytes(RECV_QUEUE, 7)]);
    assert_eq!((got.send_bytes, got.recv_bytes), (0, 7));
    // An IPv6 connection (its peer the v4-mapped address of an IPv4 one
    // too), no option agreed on.
    for (local, peer) in [
        ("[fe80::1]:22", "[fe80::2]:50000"),
        ("[::ffff:10.0.0.2]:22", "[::ffff:10.0.0.1]:1"),
    ] {
        let r = tcp_sock(local.parse().unwrap(), peer.parse().unwrap());
        let c = kcr_rec_tcp_conn {
            opts: 0,
            snd_wscale: 0,
            rcv_wscale: 0,
            snd_wnd: 65535,
            max_window: 65535,
            rcv_wnd: 65535,
            ..tcp_conn(9, 9)
        };
        let img = parse(&unix_img(&[tcp_records(50, 2, &r, &c, &[])])[..])
            .unwrap_or_else(|e| panic!("{local}: {e}"));
        let i = inet_of(&img, 50);
        assert_eq!(i.peer, Some(peer.parse().unwrap()));
        assert_eq!(i.conn.as_ref().map(|c| c.opts.len()), Some(0));
    }
}

#[test]
fn tcp_connections_at_the_bounds_restart_takes() {
    use tcp_conn::{MAX_MSS, MAX_WINDOW, MAX_WSCALE, MIN_MSS};
    let good = |c: &kcr_rec_tcp_conn| {
        check_tcp_conn(c).unwrap_or_else(|e| panic!("{c:?}: {e}"));
    };
    let base = tcp_conn(1000, 5000);
    // Each queue up to KCR_TCP_QUEUE_BYTES (64 MiB), across 2^32 too.
    good(&kcr_rec_tcp_conn {
        snd_una: 0,
        snd_nxt: 0,
        write_seq: KCR_TCP_QUEUE_BYTES,
        copied_seq: 5000u32.wrapping_sub(KCR_TCP_QUEUE_BYTES),
        ..base
    });
    let c = check_tcp_conn(&kcr_rec_tcp_conn {
        snd_una: 0xffff_0000,
        snd_nxt: 0xffff_0000u32.wrapping_add(KCR_TCP_QUEUE_BYTES),
        write_seq: 0xffff_0000u32.wrapping_add(KCR_TCP_QUEUE_BYTES),
        ..base
    })
    .unwrap();
    assert_eq!((c.send_bytes, c.unsent_bytes), (KCR_TCP_QUEUE_BYTES, 0));
    // snd_wl1 up to rcv_nxt + rcv_wnd (mod 2^32), and anything before;
    // rcv_wup up to rcv_nxt.
    for (rcv_nxt, rcv_wnd, snd_wl1, rcv_wup) in [
        (5000, 65536, 5000 + 65536, 5000),
        (0xffff_ff00, 0x200, 0x100, 0xffff_ff00),
        (
            0xffff_ff00,
            0x200,
            0xffff_ff00u32.wrapping_sub(0x7fff_0000),
            0x8000_0000,
        ),
        (10, 0, 10, 10),
    ] {
        good(&kcr_rec_tcp_conn {
            rcv_nxt,
            copied_seq: rcv_nxt,
            rcv_wnd,
            snd_wl1,
            rcv_wup,
            ..base
        });
    }
    // The windows at their largest for their scales; snd_wnd up to
    // max_window.
    for ws in [0, 1, 7, MAX_WSCALE] {
        let max = MAX_WINDOW << ws;
        good(&kcr_rec_tcp_conn {
            opts: tcp_opts::ALL,
            snd_wscale: ws,
            rcv_wscale: ws,
            snd_wnd: max,
            max_window: max,
            rcv_wnd: max,
            ..base
        });
    }
    good(&kcr_rec_tcp_conn {
        opts: tcp_opts::WSCALE,
        snd_wscale: MAX_WSCALE,
        rcv_wscale: 0,
        max_window: MAX_WINDOW << MAX_WSCALE,
        rcv_wnd: MAX_WINDOW,
        ..base
    });
    // Every option alone, or none; the MSS, the buffers, the clock.
    for opts in [0, tcp_opts::SACK, tcp_opts::TSTAMP] {
        let c = check_tcp_conn(&kcr_rec_tcp_conn {
            opts,
            snd_wscale: 0,
            rcv_wscale: 0,
            snd_wnd: 0,
            max_window: 0,
            rcv_wnd: 0,
            ..base
        })
        .unwrap();
        assert_eq!(c.opts, tcp_opts::names(opts));
    }
    for mss in [MIN_MSS, 536, MAX_MSS] {
        assert_eq!(
            check_tcp_conn(&kcr_rec_tcp_conn {
                mss_clamp: mss,
                ..base
            })
            .map(|c| c.mss),
            Ok(mss)
        );
    }
    let c = check_tcp_conn(&kcr_rec_tcp_conn {
        sndbuf: i32::MAX as u32,
        rcvbuf: 0,
        timestamp: u32::MAX,
        ..base
    })
    .unwrap();
    assert_eq!(
        (c.bufs.sndbuf, c.bufs.rcvbuf, c.timestamp),
        (i32::MAX as u32, 0, u32::MAX)
    );
}

#[test]
fn bad_tcp_connections_are_refused_as_restart_does() {
    use tcp_conn::MAX_WINDOW;
    let base = tcp_conn(1000, 5000);
    let with = |f: &dyn Fn(&mut kcr_rec_tcp_conn)| {
        let mut c = base;
        f(&mut c);
        c
    };
    let q = KCR_TCP_QUEUE_BYTES;
    let cases: Vec<(kcr_rec_tcp_conn, &str)> = vec![
        // The sequence numbers in order, mod 2^32.
        (
            with(&|c| c.snd_una = 1001),
            "snd_una 1001 after snd_nxt 1000 (mod 2^32)",
        ),
        (
            with(&|c| {
                c.snd_una = 5;
                c.snd_nxt = 0xffff_ffff;
                c.write_seq = 0xffff_ffff;
            }),
            "snd_una 5 after snd_nxt 4294967295 (mod 2^32)",
        ),
        (
            with(&|c| c.write_seq = 999),
            "snd_nxt 1000 after write_seq 999 (mod 2^32)",
        ),
        (
            with(&|c| {
                c.snd_una = 0xffff_ffe0;
                c.snd_nxt = 2;
                c.write_seq = 0xffff_fff0;
            }),
            "snd_nxt 2 after write_seq 4294967280 (mod 2^32)",
        ),
        (
            with(&|c| c.copied_seq = 5001),
            "copied_seq 5001 after rcv_nxt 5000 (mod 2^32)",
        ),
        (
            with(&|c| c.copied_seq = 5000 + 0x7fff_ffff),
            "copied_seq 2147488647 after rcv_nxt 5000",
        ),
        // Each queue at most KCR_TCP_QUEUE_BYTES.
        (
            with(&|c| {
                c.snd_nxt = 1000 + q + 1;
                c.write_seq = 1000 + q + 1;
            }),
            "send queue (write_seq - snd_una) of 67108865 bytes, more than KCR_TCP_QUEUE_BYTES \
             (67108864)",
        ),
        (
            with(&|c| c.write_seq = 1000 + 0x7fff_ffff),
            "send queue (write_seq - snd_una) of 2147483647 bytes",
        ),
        (
            with(&|c| c.copied_seq = 5000u32.wrapping_sub(q + 1)),
            "receive queue (rcv_nxt - copied_seq) of 67108865 bytes, more than \
             KCR_TCP_QUEUE_BYTES (67108864)",
        ),
        // The windows (TCP_REPAIR_WINDOW's checks).
        (
            with(&|c| c.snd_wnd = 65537),
            "max_window 65536 below snd_wnd 65537",
        ),
        (
            with(&|c| c.snd_wl1 = 5000 + 65536 + 1),
            "snd_wl1 70537 after rcv_nxt + rcv_wnd 70536 (mod 2^32)",
        ),
        (
            with(&|c| {
                c.rcv_nxt = 0xffff_ff00;
                c.copied_seq = 0xffff_ff00;
                c.rcv_wup = 0xffff_ff00;
                c.rcv_wnd = 0x200;
                c.snd_wl1 = 0x101;
            }),
            "snd_wl1 257 after rcv_nxt + rcv_wnd 256 (mod 2^32)",
        ),
        (
            with(&|c| c.rcv_wup = 5001),
            "rcv_wup 5001 after rcv_nxt 5000 (mod 2^32)",
        ),
        // Known options, scales within TCP_MAX_WSCALE and only with their
        // option, windows within their scales.
        (with(&|c| c.opts = 0xf), "opts 0xf: unknown bits 0x8"),
        (
            with(&|c| c.opts = 0x8000_0000),
            "opts 0x80000000: unknown bits 0x80000000",
        ),
        (
            with(&|c| c.snd_wscale = 15),
            "snd_wscale 15 above TCP_MAX_WSCALE (14)",
        ),
        (
            with(&|c| c.rcv_wscale = 255),
            "rcv_wscale 255 above TCP_MAX_WSCALE (14)",
        ),
        (
            with(&|c| {
                c.opts = tcp_opts::SACK | tcp_opts::TSTAMP;
                c.rcv_wscale = 0;
                c.snd_wnd = 1;
                c.max_window = 1;
                c.rcv_wnd = 1;
            }),
            "window scales 7/0 without KCR_TCP_OPT_WSCALE",
        ),
        (
            with(&|c| {
                c.opts = 0;
                c.snd_wscale = 0;
                c.rcv_wscale = 1;
            }),
            "window scales 0/1 without KCR_TCP_OPT_WSCALE",
        ),
        (
            with(&|c| c.max_window = (MAX_WINDOW << 7) + 1),
            "max_window 8388481 above 65535 << snd_wscale 7 (8388480)",
        ),
        (
            with(&|c| c.rcv_wnd = (MAX_WINDOW << 7) + 1),
            "rcv_wnd 8388481 above 65535 << rcv_wscale 7 (8388480)",
        ),
        (
            with(&|c| {
                c.opts = tcp_opts::SACK;
                (c.snd_wscale, c.rcv_wscale) = (0, 0);
                c.snd_wnd = 0;
            }),
            "max_window 65536 above 65535 << snd_wscale 0 (65535)",
        ),
        (
            with(&|c| {
                c.opts = tcp_opts::WSCALE;
                (c.snd_wscale, c.rcv_wscale) = (14, 14);
                c.rcv_wnd = (MAX_WINDOW << 14) + 1;
            }),
            "rcv_wnd 1073725441 above 65535 << rcv_wscale 14 (1073725440)",
        ),
        // The peer's MSS, the buffers, reserved.
        (
            with(&|c| c.mss_clamp = 87),
            "mss_clamp 87 (TCP_MIN_MSS 88 ..= 65535)",
        ),
        (with(&|c| c.mss_clamp = 0), "mss_clamp 0 (TCP_MIN_MSS 88"),
        (with(&|c| c.mss_clamp = 65536), "mss_clamp 65536"),
        (
            with(&|c| c.sndbuf = 0x8000_0000),
            "sndbuf 2147483648 above INT_MAX",
        ),
        (
            with(&|c| c.rcvbuf = u32::MAX),
            "rcvbuf 4294967295 above INT_MAX",
        ),
        (with(&|c| c.reserved = 1), "reserved 1 (not 0)"),
        (with(&|c| c.reserved = 0x8000), "reserved 32768 (not 0)"),
    ];
    for (c, want) in &cases {
        refused_last(&tcp_recs(c, &[]), "TCP_CONN", want);
        assert_eq!(
            parse(&unix_img(&tcp_recs(c, &[]))[..])
                .map(|_| ())
                .map_err(|e| e.msg.starts_with("TCP socket 50: ")),
            Err(true),
            "{want}"
        );
    }
    // Each case is refused for its own field: the record they start
    // from is good.
    parse(&unix_img(&tcp_recs(&base, &[]))[..]).unwrap();
    // In the kernel's order: the sequence numbers, the queues, the
    // windows, the options, the MSS, the buffers.
    for (c, want) in [
        (
            with(&|c| {
                c.snd_una = 1001;
                c.snd_wnd = 65537;
                c.reserved = 1;
            }),
            "snd_una 1001 after snd_nxt",
        ),
        (
            with(&|c| {
                c.snd_wnd = 65537;
                c.opts = 8;
            }),
            "max_window 65536 below snd_wnd",
        ),
        (
            with(&|c| {
                c.opts = 8;
                c.mss_clamp = 1;
            }),
            "opts 0x8: unknown bits 0x8",
        ),
        (
            with(&|c| {
                c.mss_clamp = 1;
                c.sndbuf = u32::MAX;
                c.reserved = 1;
            }),
            "mss_clamp 1",
        ),
    ] {
        refused_last(&tcp_recs(&c, &[]), "TCP_CONN", want);
    }
    // A record of another length.
    for (size, want) in [
        (80, "length 80, expected 72"),
        (64, "length 64, expected 72"),
    ] {
        let mut v = inet_records(50, 2, &tcp_client());
        v.extend(record(rec::TCP_CONN, size, &[]));
        refused_last(&each_record(&v), "TCP_CONN", want);
    }
}

#[test]
fn tcp_queues_are_exactly_the_bytes_of_their_sequence_numbers() {
    use tcp_conn::{RECV_QUEUE, SEND_QUEUE};
    let c = conn_queued(10, 4, 5);
    // The data of a queue: its queue, 1 to 65536 bytes, no more than is
    // left of it, zero padding; each refused at that record.
    let mut padded = tcp_bytes(SEND_QUEUE, 5);
    padded[16 + 7] = 1;
    let mut long = tcp_bytes(SEND_QUEUE, 6);
    put(&mut long, 12, &9u32.to_le_bytes());
    let mut short = tcp_bytes(SEND_QUEUE, 9);
    put(&mut short, 12, &8u32.to_le_bytes());
    type Case<'a> = (kcr_rec_tcp_conn, Vec<Vec<u8>>, &'a str);
    let cases: Vec<Case> = vec![
        (
            c,
            vec![tcp_bytes(3, 10)],
            "TCP socket 50: data of queue 3 where TCP_DATA of its send queue \
             (KCR_TCP_SEND_QUEUE 1) belongs (10 of its 10 bytes still to come)",
        ),
        (c, vec![tcp_bytes(0, 10)], "data of queue 0 where"),
        (
            conn_queued(0, 0, 5),
            vec![tcp_bytes(3, 5)],
            "TCP socket 50: data of queue 3 where TCP_DATA of its receive queue \
             (KCR_TCP_RECV_QUEUE 2) belongs (5 of its 5 bytes still to come)",
        ),
        (
            c,
            vec![tcp_data_record(SEND_QUEUE, &[])],
            "TCP data of 0 bytes, not 1 ..= KCR_TCP_DATA_MAX (65536)",
        ),
        (
            conn_queued(70000, 0, 0),
            vec![tcp_bytes(SEND_QUEUE, 65537)],
            "TCP data of 65537 bytes, not 1 ..= KCR_TCP_DATA_MAX (65536)",
        ),
        (
            c,
            vec![tcp_bytes(SEND_QUEUE, 11)],
            "TCP socket 50: send queue data of 11 bytes, more than the 10 of its 10 bytes \
             still to come",
        ),
        (
            c,
            vec![tcp_bytes(SEND_QUEUE, 6), tcp_bytes(SEND_QUEUE, 5)],
            "send queue data of 5 bytes, more than the 4 of its 10 bytes still to come",
        ),
        (
            c,
            vec![tcp_bytes(SEND_QUEUE, 10), tcp_bytes(RECV_QUEUE, 6)],
            "TCP socket 50: receive queue data of 6 bytes, more than the 5 of its 5 bytes",
        ),
        // The receive queue only once the send queue is whole.
        (
            c,
            vec![tcp_bytes(SEND_QUEUE, 6), tcp_bytes(RECV_QUEUE, 4)],
            "TCP socket 50: data of queue 2 where TCP_DATA of its send queue \
             (KCR_TCP_SEND_QUEUE 1) belongs (4 of its 10 bytes still to come)",
        ),
        (
            c,
            vec![tcp_bytes(RECV_QUEUE, 5)],
            "data of queue 2 where TCP_DATA of its send queue",
        ),
        (
            c,
            vec![tcp_bytes(SEND_QUEUE, 10), tcp_bytes(SEND_QUEUE, 1)],
            "data of queue 1 where TCP_DATA of its receive queue (KCR_TCP_RECV_QUEUE 2) \
             belongs (5 of its 5 bytes still to come)",
        ),
        // The record's length: 16 + len rounded up to 8; zero padding.
        (c, vec![long], "length 24, expected 32"),
        (c, vec![short], "length 32, expected 24"),
        (
            c,
            vec![padded],
            "TCP socket 50: send queue data: non-zero padding after its 5 bytes",
        ),
    ];
    for (c, data, want) in &cases {
        refused_last(&tcp_recs(c, data), "TCP_DATA", want);
    }
    // Each case is refused for its own record: the same queues whole are
    // good.
    for data in [
        vec![tcp_bytes(SEND_QUEUE, 10), tcp_bytes(RECV_QUEUE, 5)],
        vec![
            tcp_bytes(SEND_QUEUE, 6),
            tcp_bytes(SEND_QUEUE, 4),
            tcp_bytes(RECV_QUEUE, 1),
            tcp_bytes(RECV_QUEUE, 4),
        ],
    ] {
        let img = parse(&unix_img(&tcp_recs(&c, &data))[..]).unwrap();
        assert_eq!(conn_of(&img, 50).send_bytes, 10);
    }
    // Its records in their place: a TCP_CONN right after the INET record
    // of a connected TCP socket, then the data of its queues, all of it,
    // and nothing else.
    let conn = tcp_conn_record(&c);
    let client = inet_records(50, 2, &tcp_client());
    let udp = inet_records(50, 2, &udp_connected());
    let listener = inet_records(50, 2, &tcp_listener());
    let new = inet_records(
        50,
        2,
        &inet_sock(
            inet_sock::AF_INET,
            inet_sock::IPPROTO_TCP,
            inet_state::CLOSE,
        ),
    );
    let other = inet_records(60, 2, &tcp_listener());
    let missing_conn = "where the TCP_CONN record of TCP socket 50 belongs (it is connected: \
                        KCR_INET_CONNECTED)";
    let stray_conn = "only right after the INET record of a connected TCP socket";
    let stray_data = "only after its connection's TCP_CONN record (or the data before it)";
    type Place<'a> = (Vec<Vec<u8>>, (&'a str, u32), &'a str);
    let cases: Vec<Place> =
        vec![
        // No TCP_CONN after a connected TCP socket's INET record.
        (vec![client.clone()], ("FS", 14), missing_conn),
        (
            vec![client.clone(), other.clone()],
            ("FILE", 14),
            "FILE where the TCP_CONN record of TCP socket 50 belongs",
        ),
        (
            vec![client.clone(), tcp_bytes(SEND_QUEUE, 10)],
            ("TCP_DATA", 14),
            "TCP_DATA where the TCP_CONN record of TCP socket 50 belongs",
        ),
        (
            vec![client.clone(), inet_dgram_record(
                "10.0.0.1:80".parse().unwrap(),
                "10.0.0.2".parse().unwrap(),
                b"x",
            )],
            ("INET_DGRAM", 14),
            "INET_DGRAM where the TCP_CONN record",
        ),
        // A TCP_CONN after any other socket, or a second one.
        (vec![udp.clone(), conn.clone()], ("TCP_CONN", 14), stray_conn),
        (
            vec![listener.clone(), conn.clone()],
            ("TCP_CONN", 14),
            stray_conn,
        ),
        (vec![new.clone(), conn.clone()], ("TCP_CONN", 14), stray_conn),
        (
            vec![
                tcp_records(50, 2, &tcp_client(), &tcp_conn(1, 1), &[]),
                conn.clone(),
            ],
            ("TCP_CONN", 15),
            stray_conn,
        ),
        (vec![conn.clone()], ("TCP_CONN", 12), stray_conn),
        (
            vec![pathless_file(50, file_kind::INET, 2), conn.clone()],
            ("TCP_CONN", 13),
            "inet file 50 needs its INET record next",
        ),
        (
            vec![
                inet_records(
                    50,
                    2,
                    &kcr_rec_inet {
                        nr_skbs: 1,
                        bytes: 1,
                        ..udp_connected()
                    },
                ),
                conn.clone(),
            ],
            ("TCP_CONN", 14),
            "TCP_CONN where datagram 0 of 1 of UDP socket 50 belongs",
        ),
        // Data after no connection, or after its queues are whole.
        (
            vec![listener.clone(), tcp_bytes(SEND_QUEUE, 1)],
            ("TCP_DATA", 14),
            stray_data,
        ),
        (vec![tcp_bytes(RECV_QUEUE, 1)], ("TCP_DATA", 12), stray_data),
        (
            vec![
                tcp_records(50, 2, &tcp_client(), &tcp_conn(1, 1), &[]),
                tcp_bytes(SEND_QUEUE, 1),
            ],
            ("TCP_DATA", 15),
            stray_data,
        ),
        (
            vec![
                tcp_records(
                    50,
                    2,
                    &tcp_client(),
                    &c,
                    &[tcp_bytes(SEND_QUEUE, 10), tcp_bytes(RECV_QUEUE, 5)],
                ),
                tcp_bytes(RECV_QUEUE, 1),
            ],
            ("TCP_DATA", 17),
            stray_data,
        ),
        // A queue short of its sequence numbers: the next record is not
        // its data.
        (
            vec![tcp_records(50, 2, &tcp_client(), &c, &[])],
            ("FS", 15),
            "FS where TCP_DATA of the send queue (KCR_TCP_SEND_QUEUE 1) of TCP socket 50 \
             belongs (10 of its 10 bytes still to come)",
        ),
        (
            vec![
                tcp_records(50, 2, &tcp_client(), &c, &[tcp_bytes(SEND_QUEUE, 6)]),
                other.clone(),
            ],
            ("FILE", 16),
            "FILE where TCP_DATA of the send queue (KCR_TCP_SEND_QUEUE 1) of TCP socket 50 \
             belongs (4 of its 10 bytes still to come)",
        ),
        (
            vec![tcp_records(
                50,
                2,
                &tcp_client(),
                &c,
                &[tcp_bytes(SEND_QUEUE, 10), tcp_bytes(RECV_QUEUE, 2)],
            )],
            ("FS", 17),
            "FS where TCP_DATA of the receive queue (KCR_TCP_RECV_QUEUE 2) of TCP socket 50 \
             belongs (3 of its 5 bytes still to come)",
        ),
        (
            vec![
                tcp_records(50, 2, &tcp_client(), &c, &[tcp_bytes(SEND_QUEUE, 10)]),
                conn.clone(),
            ],
            ("TCP_CONN", 16),
            "TCP_CONN where TCP_DATA of the receive queue",
        ),
        (
            vec![
                tcp_records(
                    50,
                    2,
                    &tcp_client(),
                    &conn_queued(0, 0, 5),
                    &[],
                ),
                unix_skb_record(b"abcd", None, 0),
            ],
            ("UNIX_SKB", 15),
            "UNIX_SKB where TCP_DATA of the receive queue (KCR_TCP_RECV_QUEUE 2) of TCP socket \
             50 belongs (5 of its 5 bytes still to come)",
        ),
    ];
    for (recs, (record, index), want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // Two connections, one after the other, each with its own queues.
    let mut v = tcp_records(
        50,
        2,
        &tcp_client(),
        &c,
        &[tcp_bytes(SEND_QUEUE, 10), tcp_bytes(RECV_QUEUE, 5)],
    );
    v.extend(tcp_records(
        51,
        2,
        &tcp_client(),
        &conn_queued(1, 1, 0),
        &[tcp_bytes(SEND_QUEUE, 1)],
    ));
    let img = parse(&unix_img(&[v])[..]).unwrap();
    assert_eq!(conn_of(&img, 50).recv_bytes, 5);
    assert_eq!(conn_of(&img, 51).unsent_bytes, 1);
    // Before the TAIL, too.
    let mut b = body(&sample());
    let at = rec_off(&b, rec::FS);
    b.truncate(at);
    b.extend(tcp_records(
        50,
        2,
        &tcp_client(),
        &c,
        &[tcp_bytes(SEND_QUEUE, 10)],
    ));
    let n = records_of(&b).len() as u32;
    let e = parse(&finish(b, n)[..]).unwrap_err();
    assert_eq!(e.record, "TAIL", "{e}");
    assert!(
        e.msg.contains(
            "TAIL where TCP_DATA of the receive queue (KCR_TCP_RECV_QUEUE 2) of TCP socket 50 \
             belongs (5 of its 5 bytes still to come)"
        ),
        "{e}"
    );
}

/// The INET record of a connection not accepted yet of [`tcp_listener`]
/// (127.0.0.1:8080), from 127.0.0.1:`port`, as checkpoint writes it.
fn queued_sock(port: u16) -> kcr_rec_inet {
    tcp_queued_sock(
        &tcp_listener(),
        "127.0.0.1".parse().unwrap(),
        ([127, 0, 0, 1], port).into(),
    )
}

/// A connection not accepted yet: its INET record of `r`, its TCP_CONN
/// record of `c`, then the TCP_DATA records `data`.
fn queued_recs(r: &kcr_rec_inet, c: &kcr_rec_tcp_conn, data: &[Vec<u8>]) -> Vec<u8> {
    let mut v = inet_record(r);
    v.extend(tcp_conn_record(c));
    v.extend(data.concat());
    v
}

/// Socket 50, [`tcp_listener`] with the connections `conns` not accepted
/// yet (the records of each), each record on its own.
fn listener_recs(conns: &[Vec<u8>]) -> Vec<Vec<u8>> {
    each_record(&tcp_listener_records(50, 2, &tcp_listener(), conns))
}

#[test]
fn tcp_listeners_carry_their_connections_not_accepted_yet() {
    use tcp_conn::RECV_QUEUE;
    // The sample's listener and its two connections, in accept() order.
    let img = parse(&with_tcp_backlog()[..]).unwrap();
    assert_eq!(img.records, N + 7);
    let l = inet_of(&img, 85);
    assert_eq!(
        (l.state, l.backlog, l.local),
        ("listen", 4, "0.0.0.0:7462".parse().unwrap())
    );
    assert_eq!(l.tcp.as_ref().unwrap().flags, ["nodelay"]);
    assert_eq!((l.conn.as_ref(), l.queue.as_ref()), (None, None));
    let q = l.accept_queue.as_ref().unwrap();
    assert_eq!(q.len(), 2);
    for (c, port, recv) in [(&q[0], 40001, 6), (&q[1], 40002, 0)] {
        assert_eq!(
            (c.family, c.protocol, c.state),
            ("ipv4", "tcp", "connected")
        );
        assert_eq!(c.local, "127.0.0.1:7462".parse().unwrap());
        assert_eq!(c.peer, Some(([127, 0, 0, 1], port).into()));
        assert_eq!((c.backlog, &c.flags[..]), (0, &["bind-port"][..]));
        assert_eq!(c.so.flags, ["reuseaddr"]);
        assert_eq!(c.tcp.as_ref().unwrap().flags, ["nodelay"]);
        assert_eq!((c.queue.as_ref(), c.accept_queue.as_ref()), (None, None));
        let conn = c.conn.as_ref().unwrap();
        assert_eq!(
            (conn.send_bytes, conn.unsent_bytes, conn.recv_bytes),
            (0, 0, recv)
        );
    }
    assert_eq!(q[0].conn.as_ref().unwrap().seqs.copied_seq, 7000);
    // Any other listener's queue is empty; other sockets have none.
    let img = parse(&with_inet()[..]).unwrap();
    assert_eq!(inet_of(&img, 80).accept_queue, Some(vec![]));
    for id in [81, 82] {
        assert_eq!(inet_of(&img, id).accept_queue, None);
    }
    let img = parse(&with_tcp_conn()[..]).unwrap();
    assert_eq!(inet_of(&img, 83).accept_queue, None);
    // Connections with data to read (a queue in two records), then
    // another socket.
    let conns = [
        queued_recs(
            &queued_sock(40001),
            &conn_queued(0, 0, 10),
            &[tcp_bytes(RECV_QUEUE, 4), tcp_bytes(RECV_QUEUE, 6)],
        ),
        queued_recs(
            &queued_sock(40002),
            &conn_queued(0, 0, 3),
            &[tcp_bytes(RECV_QUEUE, 3)],
        ),
    ];
    let mut v = tcp_listener_records(50, 2, &tcp_listener(), &conns);
    v.extend(inet_records(51, 2, &udp_connected()));
    let img = parse(&unix_img(&[v])[..]).unwrap();
    let q = inet_of(&img, 50).accept_queue.as_ref().unwrap();
    let got: Vec<_> = q
        .iter()
        .map(|c| (c.peer.unwrap().port(), c.conn.as_ref().unwrap().recv_bytes))
        .collect();
    assert_eq!(got, [(40001, 10), (40002, 3)]);
    assert_eq!(inet_of(&img, 51).protocol, "udp");
    // As many as backlog + 1 (what the kernel lets a listener hold).
    for backlog in [0u16, 1, 3] {
        let l = kcr_rec_inet {
            backlog: backlog.into(),
            ..tcp_listener()
        };
        let conns: Vec<Vec<u8>> = (0..=backlog)
            .map(|k| {
                let r = tcp_queued_sock(
                    &l,
                    "127.0.0.1".parse().unwrap(),
                    ([127, 0, 0, 1], 40001 + k).into(),
                );
                queued_recs(&r, &tcp_conn(1, 1), &[])
            })
            .collect();
        let img = parse(&unix_img(&[tcp_listener_records(50, 2, &l, &conns)])[..])
            .unwrap_or_else(|e| panic!("backlog {backlog}: {e}"));
        let q = inet_of(&img, 50).accept_queue.as_ref().unwrap();
        assert_eq!(q.len(), usize::from(backlog) + 1);
    }
    // An IPv6 listener's, an IPv4 peer v4-mapped.
    let mut l6 = inet_sock(
        inet_sock::AF_INET6,
        inet_sock::IPPROTO_TCP,
        inet_state::LISTEN,
    );
    l6.flags = inet_flags::BIND_PORT;
    l6.sport = 443;
    l6.backlog = 128;
    let conns = [
        queued_recs(
            &tcp_queued_sock(
                &l6,
                "::ffff:10.0.0.2".parse().unwrap(),
                "[::ffff:10.0.0.1]:50000".parse().unwrap(),
            ),
            &tcp_conn(1, 1),
            &[],
        ),
        queued_recs(
            &tcp_queued_sock(
                &l6,
                "fe80::1".parse().unwrap(),
                "[fe80::2]:50001".parse().unwrap(),
            ),
            &tcp_conn(1, 1),
            &[],
        ),
    ];
    let img = parse(&unix_img(&[tcp_listener_records(50, 2, &l6, &conns)])[..]).unwrap();
    let q = inet_of(&img, 50).accept_queue.as_ref().unwrap();
    assert_eq!(q[0].peer, Some("[::ffff:10.0.0.1]:50000".parse().unwrap()));
    assert_eq!(q[1].local, "[fe80::1]:443".parse().unwrap());
    assert_eq!(q[1].family, "ipv6");
    // At the bounds restart takes: KCR_INET_QUEUE_CONNS, backlog + 1
    // (in 64 bits: the largest backlog does not wrap).
    let mode = tcp_listener().so.ino_mode;
    for (backlog, nr) in [
        (KCR_INET_QUEUE_CONNS - 1, KCR_INET_QUEUE_CONNS),
        (inet_sock::BACKLOG_MAX, KCR_INET_QUEUE_CONNS),
        (16, 17),
        (0, 1),
    ] {
        let r = kcr_rec_inet {
            backlog,
            nr_skbs: nr,
            ..tcp_listener()
        };
        let sock = check_inet(&r, mode).unwrap_or_else(|e| panic!("{backlog} {nr}: {e}"));
        assert_eq!(sock.accept_queue, Some(vec![]));
    }
}

#[test]
fn bad_tcp_listener_queues_are_refused_as_restart_does() {
    use inet_sock::*;
    use inet_state::{CLOSE, LISTEN};
    use tcp_conn::{RECV_QUEUE, SEND_QUEUE};
    let l = tcp_listener();
    let with = |r: &kcr_rec_inet, f: &dyn Fn(&mut kcr_rec_inet)| {
        let mut r = *r;
        f(&mut r);
        r
    };
    // The listener's record: connections queued on a TCP listener only,
    // at most KCR_INET_QUEUE_CONNS and backlog + 1 (in 64 bits), no
    // bytes.
    let cases: Vec<(kcr_rec_inet, &str)> = vec![
        (
            with(&inet_sock(AF_INET, IPPROTO_TCP, CLOSE), &|r| r.nr_skbs = 1),
            "IP socket 50: nr_skbs 1 on a TCP socket not listening (only a listener's \
             connections not accepted yet are queued: 0)",
        ),
        (
            with(&tcp_client(), &|r| r.nr_skbs = 2),
            "nr_skbs 2 on a TCP socket not listening",
        ),
        (
            with(&l, &|r| r.nr_skbs = 18),
            "IP socket 50: nr_skbs 18 above backlog 16 + 1",
        ),
        (
            with(&l, &|r| {
                r.backlog = 0;
                r.nr_skbs = 2;
            }),
            "nr_skbs 2 above backlog 0 + 1",
        ),
        (
            with(&l, &|r| {
                r.backlog = 5000;
                r.nr_skbs = KCR_INET_QUEUE_CONNS + 1;
            }),
            "IP socket 50: nr_skbs 4097 above KCR_INET_QUEUE_CONNS (4096)",
        ),
        (
            with(&l, &|r| {
                r.backlog = BACKLOG_MAX;
                r.nr_skbs = u32::MAX;
            }),
            "nr_skbs 4294967295 above KCR_INET_QUEUE_CONNS",
        ),
        // backlog + 1 does not wrap to 0: the backlog's own bound refuses
        // this one.
        (
            with(&l, &|r| {
                r.backlog = u32::MAX;
                r.nr_skbs = 1;
            }),
            "backlog 4294967295 above INT_MAX",
        ),
        (
            with(&l, &|r| {
                r.nr_skbs = 1;
                r.bytes = 6;
            }),
            "bytes 6 on a TCP socket",
        ),
    ];
    for (r, want) in &cases {
        refused_last(&each_record(&inet_records(50, 2, r)), "INET", want);
    }
    // A connection's INET record: the checks of any (against its
    // listener's FILE), then a TCP connection, KCR_INET_CONNECTED, of its
    // listener's family and port.
    let good = queued_sock(40001);
    let c = tcp_conn(1, 1);
    let cases: Vec<(kcr_rec_inet, &str)> = vec![
        (
            with(&good, &|r| r.family = AF_INET6),
            "IP socket 50: queued connection 0: family 10, not its listener's 2",
        ),
        (
            with(&good, &|r| r.sport = 8081),
            "IP socket 50: queued connection 0: sport 8081, not its listener's 8080",
        ),
        (
            with(&good, &|r| {
                r.protocol = IPPROTO_UDP;
                r.congestion = [0; 16];
            }),
            "IP socket 50: queued connection 0: protocol 17 of a listener's connection (not \
             IPPROTO_TCP 6)",
        ),
        (
            with(&good, &|r| {
                r.state = CLOSE;
                r.daddr = [0; 16];
                r.dport = 0;
            }),
            "IP socket 50: queued connection 0: state 7 of a listener's connection (not \
             KCR_INET_CONNECTED 1)",
        ),
        (
            with(&good, &|r| {
                r.state = LISTEN;
                r.daddr = [0; 16];
                r.dport = 0;
            }),
            "queued connection 0: state 10 of a listener's connection",
        ),
        (
            with(&good, &|r| r.ttl = 0),
            "IP socket 50: queued connection 0: ttl 0 (1 ..= 255",
        ),
        (
            with(&good, &|r| r.nr_skbs = 1),
            "queued connection 0: nr_skbs 1 on a TCP socket not listening",
        ),
        (
            with(&good, &|r| r.backlog = 1),
            "queued connection 0: backlog 1 of a socket not listening",
        ),
        (
            with(&good, &|r| r.dport = 0),
            "queued connection 0: connected to 127.0.0.1 port 0 (dport)",
        ),
        (
            with(&good, &|r| r.so.ino_mode = 0o140_755),
            "queued connection 0: so.ino_mode 140755 differs from its FILE's mode 140777",
        ),
        // In kcr_rst_inet_queue()'s order: kcr_inet_rec_ok(), then the
        // listener's family and port, then kcr_sock_check().
        (
            with(&good, &|r| {
                r.tos = 256;
                r.family = AF_INET6;
            }),
            "queued connection 0: tos 256 above 255",
        ),
        (
            with(&good, &|r| {
                r.sport = 1;
                r.so.rcvlowat = 0;
            }),
            "queued connection 0: sport 1, not its listener's 8080",
        ),
    ];
    for (r, want) in &cases {
        refused_last(&listener_recs(&[inet_record(r)]), "INET", want);
    }
    // The second connection is named by its index.
    refused_last(
        &listener_recs(&[
            queued_recs(&good, &c, &[]),
            inet_record(&with(&good, &|r| r.sport = 9)),
        ]),
        "INET",
        "IP socket 50: queued connection 1: sport 9, not its listener's 8080",
    );
    // Each case is refused for its own field: the records they start
    // from are good.
    parse(&unix_img(&listener_recs(&[queued_recs(&good, &c, &[])]))[..]).unwrap();
    // Its TCP_CONN: the checks of any, then nothing sent before accept()
    // (write_seq is snd_una).
    for (c, want) in [
        (
            conn_queued(10, 0, 0),
            "TCP socket 50: queued connection 0 sent data: write_seq 1010 is not snd_una 1000 \
             (nothing is written to a connection before accept())",
        ),
        (
            conn_queued(4, 4, 0),
            "queued connection 0 sent data: write_seq 1004 is not snd_una 1000",
        ),
        (
            kcr_rec_tcp_conn {
                snd_una: 1001,
                ..tcp_conn(1000, 5000)
            },
            "TCP socket 50: queued connection 0: snd_una 1001 after snd_nxt 1000 (mod 2^32)",
        ),
        (
            kcr_rec_tcp_conn {
                mss_clamp: 1,
                ..conn_queued(10, 0, 0)
            },
            "TCP socket 50: queued connection 0: mss_clamp 1",
        ),
    ] {
        refused_last(
            &listener_recs(&[queued_recs(&good, &c, &[])]),
            "TCP_CONN",
            want,
        );
    }
    // Its data, as any connection's.
    refused_last(
        &listener_recs(&[queued_recs(
            &good,
            &conn_queued(0, 0, 5),
            &[tcp_bytes(SEND_QUEUE, 5)],
        )]),
        "TCP_DATA",
        "TCP socket 50: queued connection 0: data of queue 1 where TCP_DATA of its receive \
         queue (KCR_TCP_RECV_QUEUE 2) belongs (5 of its 5 bytes still to come)",
    );
    refused_last(
        &listener_recs(&[queued_recs(
            &good,
            &conn_queued(0, 0, 5),
            &[tcp_bytes(RECV_QUEUE, 6)],
        )]),
        "TCP_DATA",
        "TCP socket 50: queued connection 0: receive queue data of 6 bytes, more than the 5",
    );
    // The records in their place: right after the listener's INET record
    // its nr_skbs connections, each an INET record once the TCP_CONN and
    // data of the one before it are whole, and nothing else.
    let lrec = |n: u32| {
        inet_records(
            50,
            2,
            &kcr_rec_inet {
                nr_skbs: n,
                ..tcp_listener()
            },
        )
    };
    let one = queued_recs(&good, &tcp_conn(1, 1), &[]);
    let with_data = queued_recs(&good, &conn_queued(0, 0, 5), &[tcp_bytes(RECV_QUEUE, 5)]);
    let other = inet_records(60, 2, &udp_connected());
    let missing0 = "where the INET record of connection 0 of 1 not accepted yet of TCP socket 50 \
                    belongs";
    let stray = "only right after the FILE whose state it holds";
    type Place<'a> = (Vec<Vec<u8>>, (&'a str, u32), &'a str);
    let cases: Vec<Place> = vec![
        // No connection, or fewer than announced.
        (vec![lrec(1)], ("FS", 14), missing0),
        (
            vec![lrec(2), one.clone()],
            ("FS", 16),
            "FS where the INET record of connection 1 of 2 not accepted yet of TCP socket 50 \
             belongs",
        ),
        (
            vec![lrec(2), with_data.clone(), other.clone()],
            ("FILE", 17),
            "FILE where the INET record of connection 1 of 2",
        ),
        // Another record where a connection's INET record belongs.
        (vec![lrec(1), other.clone()], ("FILE", 14), missing0),
        (
            vec![lrec(1), tcp_conn_record(&tcp_conn(1, 1))],
            ("TCP_CONN", 14),
            missing0,
        ),
        (
            vec![lrec(1), tcp_bytes(RECV_QUEUE, 1)],
            ("TCP_DATA", 14),
            missing0,
        ),
        (
            vec![lrec(1), udp_dgram("10.0.0.1:53", "10.0.0.2", 1)],
            ("INET_DGRAM", 14),
            missing0,
        ),
        (
            vec![lrec(1), unix_skb_record(b"abcd", None, 0)],
            ("UNIX_SKB", 14),
            missing0,
        ),
        // A connection's INET record without its TCP_CONN, or its data.
        (
            vec![lrec(2), inet_record(&good), inet_record(&good)],
            ("INET", 15),
            "INET where the TCP_CONN record of queued connection 0 of TCP socket 50 belongs \
             (it is connected: KCR_INET_CONNECTED)",
        ),
        (
            vec![lrec(1), inet_record(&good)],
            ("FS", 15),
            "FS where the TCP_CONN record of queued connection 0 of TCP socket 50 belongs",
        ),
        (
            vec![lrec(1), queued_recs(&good, &conn_queued(0, 0, 5), &[])],
            ("FS", 16),
            "FS where TCP_DATA of the receive queue (KCR_TCP_RECV_QUEUE 2) of queued \
             connection 0 of TCP socket 50 belongs (5 of its 5 bytes still to come)",
        ),
        (
            vec![
                lrec(2),
                queued_recs(&good, &conn_queued(0, 0, 5), &[tcp_bytes(RECV_QUEUE, 2)]),
                one.clone(),
            ],
            ("INET", 17),
            "INET where TCP_DATA of the receive queue (KCR_TCP_RECV_QUEUE 2) of queued \
             connection 0 of TCP socket 50 belongs (3 of its 5 bytes still to come)",
        ),
        // More connections than announced, or after another socket: an
        // INET record of no FILE.
        (vec![lrec(1), one.clone(), one.clone()], ("INET", 16), stray),
        (vec![lrec(0), one.clone()], ("INET", 14), stray),
        (
            vec![
                tcp_records(50, 2, &tcp_client(), &tcp_conn(1, 1), &[]),
                one.clone(),
            ],
            ("INET", 15),
            stray,
        ),
        (
            vec![
                inet_records(
                    60,
                    2,
                    &kcr_rec_inet {
                        nr_skbs: 1,
                        bytes: 1,
                        ..udp_connected()
                    },
                ),
                one.clone(),
            ],
            ("INET", 14),
            "INET where datagram 0 of 1 of UDP socket 60 belongs",
        ),
    ];
    for (recs, (record, index), want) in cases {
        let e = parse(&unix_img(&recs)[..]).unwrap_err();
        assert_eq!((e.record, e.index), (record, index), "{want}: {e}");
        assert!(e.msg.contains(want), "{e} lacks {want:?}");
    }
    // Before the TAIL, too.
    let mut b = body(&sample());
    let at = rec_off(&b, rec::FS);
    b.truncate(at);
    b.extend(lrec(2));
    b.extend(with_data);
    let n = records_of(&b).len() as u32;
    let e = parse(&finish(b, n)[..]).unwrap_err();
    assert_eq!(e.record, "TAIL", "{e}");
    assert!(
        e.msg.contains(
            "TAIL where the INET record of connection 1 of 2 not accepted yet of TCP socket 50 \
             belongs"
        ),
        "{e}"
    );
}
