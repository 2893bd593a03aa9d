//! The record table: for every record type, the structural rules the
//! parser applies before it looks at the record's own fields, in this
//! order:
//!
//! 1. where it may appear: among the records of a thread or not, and
//!    [`Place`] (the HEADER once, the TREE right after it);
//! 2. its size ([`Size`]): a fixed structure, or a structure plus a tail
//!    whose length a count field gives, the count bounded by a [`Limit`]
//!    (for a FILE, after its kind, which decides whether it has a path),
//!    and for some a [`Head`] before that tail, which another count field
//!    sizes;
//! 3. the object ids it refers to ([`Ref`]), each of which must be defined
//!    by an earlier record of the right type (and file kind);
//! 4. the object id it defines, which must be new.
//!
//! [`crate::parse`] interprets the table, then checks what is particular to
//! each record (value ranges, order within a task, and so on). A new
//! record type is one entry here plus its own checks there.

use std::mem::{offset_of, size_of};

use crate::format::*;

/// A `u32` field of a record, by its offset in the record (the 8-byte
/// record header included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field(pub usize);

impl Field {
    /// The field's value in the record `rec` (0 if `rec` is too short).
    pub fn get(self, rec: &[u8]) -> u32 {
        rec.get(self.0..self.0 + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// How long a record of a type is. Every length is its size rounded up to
/// a multiple of 8 (records are padded).
#[derive(Debug, Clone, Copy)]
pub enum Size {
    /// Its structure of this many bytes.
    Fixed(usize),
    /// Its structure of `base` bytes, then its `head` if it has one
    /// (padded to 8 on its own), then `count × unit` bytes, `count` being
    /// a field of the structure bounded by `limit`.
    Counted {
        /// The structure's size.
        base: usize,
        /// Elements between the structure and the counted tail (a
        /// UNIX_SKB's files in flight, before its data).
        head: Option<Head>,
        /// The field that counts the tail's elements.
        count: Field,
        /// Bytes per element.
        unit: usize,
        /// What bounds the count.
        limit: Limit,
        /// The error message for a count out of bounds (`count`, and the
        /// bound it broke where there is one).
        bad: fn(u64, u64) -> String,
    },
}

/// The elements of a [`Size::Counted`] record between its structure and
/// its counted tail: `count × unit` bytes (`count` a field of the
/// structure, at most `max`), zero-padded to 8. The tail's count is
/// checked first, then this one, then the record's length.
#[derive(Debug, Clone, Copy)]
pub struct Head {
    /// The field that counts them.
    pub count: Field,
    /// Bytes per element.
    pub unit: usize,
    /// Most elements.
    pub max: u64,
    /// The error message for more (`count` and `max`).
    pub bad: fn(u64, u64) -> String,
}

/// What bounds the count of a [`Size::Counted`] record.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// `min..=max`.
    Range(u64, u64),
    /// At most the value of another field of the record.
    AtMost(Field),
    /// Exactly the `xstate_size` of the image's HEADER.
    HeaderXstate,
    /// A NUL-terminated path of at most `max` bytes, empty exactly for a
    /// file of a kind without a path ([`file_kind::has_path`]).
    Path {
        /// Longest path.
        max: u64,
        /// The record's file kind field.
        kind: Field,
        /// The kind that has no path.
        has_path: fn(u32) -> bool,
    },
}

/// An object a reference may name: one defined by a record of type `rtype`
/// (and, for FILE, of one of `kinds`; empty: any kind).
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The defining record type.
    pub rtype: u32,
    /// Allowed file kinds; empty for any.
    pub kinds: &'static [u32],
    /// How an error names it ("PIPE", "directory", …).
    pub what: &'static str,
}

/// An object id field that must name an earlier object.
#[derive(Debug, Clone, Copy)]
pub struct Ref {
    /// How an error names the field ("cwd" gives "cwd reference 7 …").
    pub name: &'static str,
    /// The field.
    pub field: Field,
    /// What it must name.
    pub to: Target,
    /// 0 means "no object" (an anonymous mapping has no file).
    pub optional: bool,
    /// The reference only applies when this field has this value (a FILE's
    /// pipe reference, for a pipe end).
    pub only_if: Option<(Field, u32)>,
}

/// Where a record may appear (besides the thread rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Anywhere the record's own checks allow.
    Anywhere,
    /// Once (the HEADER; that it comes first is checked by the parser).
    Once,
    /// Right after the HEADER, and only in a `KCR_CHECKPOINT_TREE` image.
    AfterTreeHeader,
}

/// The rules of one record type.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The record type.
    pub rtype: u32,
    /// Its size.
    pub size: Size,
    /// It may be among the records of a thread.
    pub thread: bool,
    /// Where else it may appear.
    pub place: Place,
    /// Its file kind field (FILE), checked before the size, which it
    /// decides; objects it defines have this kind.
    pub kind: Option<Field>,
    /// Errors about its references start with this field (`fd 3: …`).
    pub subject: Option<(&'static str, Field)>,
    /// The object id field it defines (ids are unique in an image and
    /// never 0).
    pub defines: Option<Field>,
    /// The objects it refers to.
    pub refs: &'static [Ref],
}

const fn sized(rtype: u32, size: Size) -> Rule {
    Rule {
        rtype,
        size,
        thread: false,
        place: Place::Anywhere,
        kind: None,
        subject: None,
        defines: None,
        refs: &[],
    }
}

const fn fixed(rtype: u32, size: usize) -> Rule {
    sized(rtype, Size::Fixed(size))
}

/// A record of `base` bytes followed by `count` (the field at that
/// offset) elements of `unit` bytes.
const fn counted(
    rtype: u32,
    base: usize,
    count: usize,
    unit: usize,
    limit: Limit,
    bad: fn(u64, u64) -> String,
) -> Rule {
    sized(
        rtype,
        Size::Counted {
            base,
            head: None,
            count: Field(count),
            unit,
            limit,
            bad,
        },
    )
}

/// `r` (a [`counted`] record), with `head` between its structure and
/// its counted tail.
const fn headed(mut r: Rule, head: Head) -> Rule {
    if let Size::Counted {
        base,
        count,
        unit,
        limit,
        bad,
        ..
    } = r.size
    {
        r.size = Size::Counted {
            base,
            head: Some(head),
            count,
            unit,
            limit,
            bad,
        };
    }
    r
}

const fn defines(mut r: Rule, id: usize) -> Rule {
    r.defines = Some(Field(id));
    r
}

const fn placed(mut r: Rule, place: Place) -> Rule {
    r.place = place;
    r
}

const fn in_thread(mut r: Rule) -> Rule {
    r.thread = true;
    r
}

const fn refers(mut r: Rule, refs: &'static [Ref]) -> Rule {
    r.refs = refs;
    r
}

/// A required reference `name` in the field at offset `field`.
const fn to(name: &'static str, field: usize, to: Target) -> Ref {
    Ref {
        name,
        field: Field(field),
        to,
        optional: false,
        only_if: None,
    }
}

/// `r`, where 0 means "no object".
const fn optional(mut r: Ref) -> Ref {
    r.optional = true;
    r
}

const fn file_of(kinds: &'static [u32], what: &'static str) -> Target {
    Target {
        rtype: rec::FILE,
        kinds,
        what,
    }
}

const FILE_ANY: Target = file_of(&[], "FILE");
const PIPE: Target = Target {
    rtype: rec::PIPE,
    kinds: &[],
    what: "PIPE",
};
const DIRECTORY: Target = file_of(&[file_kind::DIR, file_kind::GHOST_DIR], "directory");

/// Every record type, in the order of `enum kcr_rec_type`.
pub const RULES: &[Rule] = &[
    placed(fixed(rec::HEADER, size_of::<kcr_rec_header>()), Place::Once),
    in_thread(defines(
        fixed(rec::TASK, size_of::<kcr_rec_task>()),
        offset_of!(kcr_rec_task, objid),
    )),
    in_thread(fixed(rec::CPU, size_of::<kcr_rec_cpu>())),
    in_thread(counted(
        rec::XSTATE,
        size_of::<kcr_rec_xstate>(),
        offset_of!(kcr_rec_xstate, size),
        1,
        Limit::HeaderXstate,
        |n, want| format!("xstate size {n} differs from the header's {want}"),
    )),
    defines(
        fixed(rec::MM, size_of::<kcr_rec_mm>()),
        offset_of!(kcr_rec_mm, objid),
    ),
    Rule {
        kind: Some(Field(offset_of!(kcr_rec_file, kind))),
        refs: &[
            Ref {
                only_if: Some((Field(offset_of!(kcr_rec_file, kind)), file_kind::PIPE)),
                ..to("pipe", offset_of!(kcr_rec_file, pipe_ref), PIPE)
            },
            // A FIFO's buffered data, if any.
            Ref {
                optional: true,
                only_if: Some((Field(offset_of!(kcr_rec_file, kind)), file_kind::FIFO)),
                ..to("pipe", offset_of!(kcr_rec_file, pipe_ref), PIPE)
            },
        ],
        ..defines(
            counted(
                rec::FILE,
                size_of::<kcr_rec_file>(),
                offset_of!(kcr_rec_file, path_len),
                1,
                Limit::Path {
                    max: KCR_PATH_MAX as u64,
                    kind: Field(offset_of!(kcr_rec_file, kind)),
                    has_path: file_kind::has_path,
                },
                |n, _| format!("path length {n}"),
            ),
            offset_of!(kcr_rec_file, objid),
        )
    },
    refers(
        fixed(rec::VMA, size_of::<kcr_rec_vma>()),
        &[optional(to(
            "file",
            offset_of!(kcr_rec_vma, file_ref),
            file_of(
                &[file_kind::REG, file_kind::SHMEM, file_kind::GHOST],
                "regular, shmem or ghost FILE",
            ),
        ))],
    ),
    counted(
        rec::PAGES,
        size_of::<kcr_rec_pages>(),
        offset_of!(kcr_rec_pages, nr_pages),
        4096,
        Limit::Range(1, KCR_PAGES_MAX as u64),
        |n, _| format!("{n} pages in one record"),
    ),
    counted(
        rec::GROUPS,
        size_of::<kcr_rec_groups>(),
        offset_of!(kcr_rec_groups, ngroups),
        4,
        Limit::Range(0, KCR_NGROUPS_MAX as u64),
        |n, _| format!("{n} groups"),
    ),
    fixed(rec::RLIMITS, size_of::<kcr_rec_rlimits>()),
    defines(
        fixed(rec::SIGHAND, size_of::<kcr_rec_sighand>()),
        offset_of!(kcr_rec_sighand, objid),
    ),
    in_thread(fixed(rec::SIGPENDING, size_of::<kcr_rec_sigpending>())),
    defines(
        counted(
            rec::PIPE,
            size_of::<kcr_rec_pipe>(),
            offset_of!(kcr_rec_pipe, nr_bytes),
            1,
            Limit::AtMost(Field(offset_of!(kcr_rec_pipe, size))),
            |n, size| format!("{n} bytes in a pipe of {size}"),
        ),
        offset_of!(kcr_rec_pipe, objid),
    ),
    refers(
        fixed(rec::FS, size_of::<kcr_rec_fs>()),
        &[
            to("root", offset_of!(kcr_rec_fs, root_ref), DIRECTORY),
            to("cwd", offset_of!(kcr_rec_fs, cwd_ref), DIRECTORY),
        ],
    ),
    defines(
        fixed(rec::FDTABLE, size_of::<kcr_rec_fdtable>()),
        offset_of!(kcr_rec_fdtable, objid),
    ),
    Rule {
        subject: Some(("fd", Field(offset_of!(kcr_rec_fd, fd)))),
        ..refers(
            fixed(rec::FD, size_of::<kcr_rec_fd>()),
            &[to("file", offset_of!(kcr_rec_fd, file_ref), FILE_ANY)],
        )
    },
    placed(
        counted(
            rec::TREE,
            size_of::<kcr_rec_tree>(),
            offset_of!(kcr_rec_tree, nr_tasks),
            size_of::<kcr_tree_task>(),
            Limit::Range(1, KCR_TREE_MAX as u64),
            |n, _| format!("{n} processes"),
        ),
        Place::AfterTreeHeader,
    ),
    in_thread(fixed(rec::DEBUGREGS, size_of::<kcr_rec_debugregs>())),
    // Its place (last of a process's own records, once) and the rest of
    // the vector's checks (pairs, AT_NULL last) are the parser's.
    refers(
        counted(
            rec::ATTRS,
            size_of::<kcr_rec_attrs>(),
            offset_of!(kcr_rec_attrs, auxv_len),
            1,
            Limit::Range(16, KCR_AUXV_MAX as u64),
            |n, _| format!("auxiliary vector of {n} bytes"),
        ),
        &[optional(to(
            "executable",
            offset_of!(kcr_rec_attrs, exe_ref),
            file_of(&[file_kind::REG, file_kind::GHOST], "regular or ghost FILE"),
        ))],
    ),
    // Right after its FILE (parse.rs checks the place).
    fixed(rec::EVENTFD, size_of::<kcr_rec_eventfd>()),
    fixed(rec::SIGNALFD, size_of::<kcr_rec_signalfd>()),
    fixed(rec::TIMERFD, size_of::<kcr_rec_timerfd>()),
    counted(
        rec::EPOLL,
        size_of::<kcr_rec_epoll>(),
        offset_of!(kcr_rec_epoll, nr_items),
        size_of::<kcr_epoll_item>(),
        Limit::Range(0, KCR_EPOLL_MAX as u64),
        |n, _| format!("{n} epoll items"),
    ),
    // Right after its process's ATTRS (parse.rs checks the place).
    fixed(rec::ITIMERS, size_of::<kcr_rec_itimers>()),
    // Right after its process's MM; in a COW mapping (parse.rs checks).
    fixed(rec::MM_FORK, size_of::<kcr_rec_mm_fork>()),
    fixed(rec::COW_PAGES, size_of::<kcr_rec_pages>()),
    // Right after its process's ATTRS or ITIMERS; then exactly as many
    // PTIMER records as it announces, and nowhere else (parse.rs checks
    // the places, the count and the timers).
    fixed(rec::PTIMERS, size_of::<kcr_rec_ptimers>()),
    fixed(rec::PTIMER, size_of::<kcr_rec_ptimer>()),
    // Right after its process's fd table (FDTABLE and FD records), before
    // its MM; its file is one of the process's descriptors' (parse.rs
    // checks the place, the file, the count and the lock).
    fixed(rec::LOCK, size_of::<kcr_rec_lock>()),
    // After its process's fd table and LOCK records, before its MM; its
    // file is one of the process's descriptors' (parse.rs checks the
    // place, the file, the count and the owner).
    fixed(rec::FOWN, size_of::<kcr_rec_fown>()),
    // Among its process's object records (before its FS), naming a shmem
    // FILE read before it (parse.rs checks the place, the file and the
    // seals, with restart(2)'s message for a file that is not one).
    fixed(rec::SEALS, size_of::<kcr_rec_seals>()),
    // Right after its inotify FILE; then exactly as many INOTIFY_WATCH
    // records as it announces, then as many INOTIFY_EVENT records, and
    // nowhere else (parse.rs checks the places, the counts, the watches
    // and the events).
    fixed(rec::INOTIFY, size_of::<kcr_rec_inotify>()),
    counted(
        rec::INOTIFY_WATCH,
        size_of::<kcr_rec_inotify_watch>(),
        offset_of!(kcr_rec_inotify_watch, path_len),
        1,
        Limit::Range(2, KCR_PATH_MAX as u64),
        |n, _| format!("watch path of {n} bytes"),
    ),
    counted(
        rec::INOTIFY_EVENT,
        size_of::<kcr_rec_inotify_event>(),
        offset_of!(kcr_rec_inotify_event, name_len),
        1,
        Limit::Range(0, NAME_MAX as u64),
        |n, _| format!("event name of {n} bytes"),
    ),
    // Right after the FILE of a terminal (a character device that
    // tty::is_tty), exactly one, and nowhere else (parse.rs checks the
    // place and the termios).
    fixed(rec::TTY, size_of::<kcr_rec_tty>()),
    // After its process's fd table, LOCK and FOWN records, before its MM,
    // at most one; naming an earlier FILE of a terminal, which no
    // descriptor need refer to (parse.rs checks the place, the count and
    // the fields, with restart(2)'s message for a file that is not one).
    fixed(rec::CTTY, size_of::<kcr_rec_ctty>()),
    // Right after its socket's FILE (a KCR_FILE_UNIX), exactly one, then
    // the path of its socket file padded to 8 (parse.rs checks the place,
    // the path and the socket's state and name).
    counted(
        rec::UNIX,
        size_of::<kcr_rec_unix>(),
        offset_of!(kcr_rec_unix, node_len),
        1,
        Limit::Range(0, KCR_PATH_MAX as u64),
        |n, _| format!("Unix socket file path of {n} bytes"),
    ),
    // Among its process's object records (before its FS), once for each
    // socket of the section, naming sockets read before it; then exactly
    // as many UNIX_SKB records as it announces, and nowhere else
    // (parse.rs checks the places, the sockets, the connection, the
    // counts and the buffers, with restart(2)'s messages for sockets that
    // are not ones). A listener's UNIX_QUEUE is followed by exactly as
    // many UNIX_EMBRYO records as it announces, each followed by as many
    // UNIX_SKB records as it announces, and nowhere else. A UNIX_SKB's
    // files in flight (object ids) come before its data, each padded to
    // 8 (parse.rs checks the padding and that each names a FILE read
    // before it, with restart(2)'s messages).
    fixed(rec::UNIX_QUEUE, size_of::<kcr_rec_unix_queue>()),
    fixed(rec::UNIX_EMBRYO, size_of::<kcr_rec_unix_embryo>()),
    headed(
        counted(
            rec::UNIX_SKB,
            size_of::<kcr_rec_unix_skb>(),
            offset_of!(kcr_rec_unix_skb, len),
            1,
            Limit::Range(0, KCR_UNIX_SKB_MAX as u64),
            |n, _| format!("Unix socket buffer of {n} bytes"),
        ),
        Head {
            count: Field(offset_of!(kcr_rec_unix_skb, nr_fds)),
            unit: 4,
            max: KCR_UNIX_SKB_FDS as u64,
            bad: |n, max| format!("Unix socket buffer with {n} files in flight, more than {max}"),
        },
    ),
    // Right after its socket's FILE (a KCR_FILE_INET), exactly one; or, a
    // TCP listener's connection not accepted yet (of no FILE), right after
    // the listener's INET record or the connection before it, as many as
    // it announces; and nowhere else (parse.rs checks the place and the
    // socket's state and options, as restart(2)'s kcr_inet_rec_ok(),
    // kcr_rst_inet_queue() and kcr_sock_check()).
    fixed(rec::INET, size_of::<kcr_rec_inet>()),
    // Right after a UDP socket's INET record, exactly as many as it
    // announces, then its data padded to 8, and nowhere else (parse.rs
    // checks the place, the count, the family, the addresses, the padding
    // and the byte count, as restart(2)'s kcr_udp_rst_queue()).
    counted(
        rec::INET_DGRAM,
        size_of::<kcr_rec_inet_dgram>(),
        offset_of!(kcr_rec_inet_dgram, len),
        1,
        Limit::Range(0, KCR_INET_DGRAM_MAX as u64),
        |n, max| format!("UDP datagram of {n} bytes, more than KCR_INET_DGRAM_MAX ({max})"),
    ),
    // Right after the INET record of a connected TCP socket (or of a
    // listener's connection not accepted yet), exactly one, and nowhere
    // else (parse.rs checks the place and the connection, as restart(2)'s
    // kcr_rst_inet(), kcr_rst_inet_queue() and kcr_tcp_conn_ok()).
    fixed(rec::TCP_CONN, size_of::<kcr_rec_tcp_conn>()),
    // Right after its connection's TCP_CONN record or the data before it,
    // 1 to KCR_TCP_DATA_MAX bytes padded to 8, as many as its queues hold
    // (parse.rs checks the place, the queue, what is left of it and the
    // padding, as restart(2)'s kcr_tcp_read_data()).
    counted(
        rec::TCP_DATA,
        size_of::<kcr_rec_tcp_data>(),
        offset_of!(kcr_rec_tcp_data, len),
        1,
        Limit::Range(1, KCR_TCP_DATA_MAX as u64),
        |n, max| format!("TCP data of {n} bytes, not 1 ..= KCR_TCP_DATA_MAX ({max})"),
    ),
    fixed(rec::TAIL, size_of::<kcr_rec_tail>()),
];

/// The rules of record type `t`; `None` for a type the format does not
/// have.
pub fn rule(t: u32) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.rtype == t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_per_record_type() {
        let mut seen = Vec::new();
        for r in RULES {
            assert_ne!(rec::name(r.rtype), "unknown", "{}", r.rtype);
            assert!(!seen.contains(&r.rtype), "{} twice", rec::name(r.rtype));
            seen.push(r.rtype);
        }
        for t in 0..=rec::TCP_DATA + 1 {
            assert_eq!(rule(t).is_some(), rec::name(t) != "unknown", "type {t}");
        }
        assert!(rule(rec::TAIL).is_some());
    }

    #[test]
    fn posix_timer_records_have_their_fixed_sizes() {
        for (t, want) in [(rec::PTIMERS, 16), (rec::PTIMER, 80)] {
            let size = rule(t).map(|r| r.size);
            assert!(
                matches!(size, Some(Size::Fixed(n)) if n == want),
                "{size:?}"
            );
        }
    }

    #[test]
    fn lock_records_have_their_fixed_size() {
        let size = rule(rec::LOCK).map(|r| r.size);
        assert!(matches!(size, Some(Size::Fixed(40))), "{size:?}");
    }

    #[test]
    fn fown_records_have_their_fixed_size() {
        let size = rule(rec::FOWN).map(|r| r.size);
        assert!(matches!(size, Some(Size::Fixed(32))), "{size:?}");
    }

    #[test]
    fn seals_records_have_their_fixed_size() {
        let size = rule(rec::SEALS).map(|r| r.size);
        assert!(matches!(size, Some(Size::Fixed(16))), "{size:?}");
    }

    #[test]
    fn inotify_records_have_their_sizes() {
        let size = rule(rec::INOTIFY).map(|r| r.size);
        assert!(matches!(size, Some(Size::Fixed(24))), "{size:?}");
        // A structure, then a path or a name padded to 8.
        for (t, want) in [(rec::INOTIFY_WATCH, 32), (rec::INOTIFY_EVENT, 24)] {
            let size = rule(t).map(|r| r.size);
            assert!(
                matches!(size, Some(Size::Counted { base, unit: 1, .. }) if base == want),
                "{size:?}"
            );
        }
    }

    #[test]
    fn terminal_records_have_their_sizes() {
        for (t, want) in [(rec::TTY, 64), (rec::CTTY, 24)] {
            let size = rule(t).map(|r| r.size);
            assert!(
                matches!(size, Some(Size::Fixed(n)) if n == want),
                "{size:?}"
            );
            assert!(rule(t).is_some_and(|r| !r.thread && r.refs.is_empty()));
        }
    }

    #[test]
    fn unix_socket_records_have_their_sizes() {
        for (t, want) in [(rec::UNIX_QUEUE, 152), (rec::UNIX_EMBRYO, 48)] {
            let size = rule(t).map(|r| r.size);
            assert!(
                matches!(size, Some(Size::Fixed(n)) if n == want),
                "{size:?}"
            );
        }
        // A structure, then the path of its socket file padded to 8.
        let size = rule(rec::UNIX).map(|r| r.size);
        assert!(
            matches!(
                size,
                Some(Size::Counted { base: 240, unit: 1, limit: Limit::Range(0, max), .. })
                    if max == u64::from(KCR_PATH_MAX)
            ),
            "{size:?}"
        );
        // A structure, then its files in flight (u32 object ids padded
        // to 8), then the buffer's bytes padded to 8.
        let size = rule(rec::UNIX_SKB).map(|r| r.size);
        assert!(
            matches!(
                size,
                Some(Size::Counted {
                    base: 40,
                    head: Some(Head { count: Field(28), unit: 4, max: 253, .. }),
                    unit: 1,
                    limit: Limit::Range(0, max),
                    ..
                }) if max == u64::from(KCR_UNIX_SKB_MAX)
            ),
            "{size:?}"
        );
        // No other record has a head.
        for r in RULES.iter().filter(|r| r.rtype != rec::UNIX_SKB) {
            assert!(
                !matches!(r.size, Size::Counted { head: Some(_), .. }),
                "{}",
                rec::name(r.rtype)
            );
        }
        for t in [rec::UNIX, rec::UNIX_QUEUE, rec::UNIX_EMBRYO, rec::UNIX_SKB] {
            assert!(rule(t).is_some_and(|r| !r.thread && r.refs.is_empty() && r.defines.is_none()));
        }
    }

    #[test]
    fn inet_socket_records_have_their_fixed_size() {
        let size = rule(rec::INET).map(|r| r.size);
        assert!(matches!(size, Some(Size::Fixed(208))), "{size:?}");
        assert!(
            rule(rec::INET).is_some_and(|r| !r.thread && r.refs.is_empty() && r.defines.is_none())
        );
        // A structure, then the datagram's bytes padded to 8.
        let size = rule(rec::INET_DGRAM).map(|r| r.size);
        assert!(
            matches!(
                size,
                Some(Size::Counted {
                    base: 48,
                    head: None,
                    count: Field(8),
                    unit: 1,
                    limit: Limit::Range(0, 65527),
                    ..
                })
            ),
            "{size:?}"
        );
        if let Some(Size::Counted { bad, .. }) = size {
            assert_eq!(
                bad(65528, 65527),
                "UDP datagram of 65528 bytes, more than KCR_INET_DGRAM_MAX (65527)"
            );
        }
        assert!(rule(rec::INET_DGRAM)
            .is_some_and(|r| !r.thread && r.refs.is_empty() && r.defines.is_none()));
    }

    #[test]
    fn tcp_connection_records_have_their_size() {
        let size = rule(rec::TCP_CONN).map(|r| r.size);
        assert!(matches!(size, Some(Size::Fixed(72))), "{size:?}");
        // A structure, then the queue's bytes padded to 8.
        let size = rule(rec::TCP_DATA).map(|r| r.size);
        assert!(
            matches!(
                size,
                Some(Size::Counted {
                    base: 16,
                    head: None,
                    count: Field(12),
                    unit: 1,
                    limit: Limit::Range(1, 65536),
                    ..
                })
            ),
            "{size:?}"
        );
        if let Some(Size::Counted { bad, .. }) = size {
            assert_eq!(
                bad(0, 65536),
                "TCP data of 0 bytes, not 1 ..= KCR_TCP_DATA_MAX (65536)"
            );
        }
        for t in [rec::TCP_CONN, rec::TCP_DATA] {
            assert!(rule(t).is_some_and(|r| !r.thread
                && r.place == Place::Anywhere
                && r.refs.is_empty()
                && r.defines.is_none()));
        }
    }

    #[test]
    fn thread_records_are_the_ones_the_message_names() {
        // parse.rs: "only CPU, XSTATE, DEBUGREGS and SIGPENDING records
        // belong to a thread".
        let mut t: Vec<u32> = RULES.iter().filter(|r| r.thread).map(|r| r.rtype).collect();
        t.sort();
        let mut want = vec![
            rec::TASK,
            rec::CPU,
            rec::XSTATE,
            rec::DEBUGREGS,
            rec::SIGPENDING,
        ];
        want.sort();
        assert_eq!(t, want);
    }
}
