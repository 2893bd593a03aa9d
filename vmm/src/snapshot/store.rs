//! Writing a snapshot directory atomically and reading it back.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::memory::GuestMem;

use super::{format, VmSnapshot, MEMORY_FILE, STATE_FILE};
use crate::memory;

/// Errors writing or reading a snapshot directory.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The target exists already.
    #[error("{0} exists already: choose a new snapshot directory")]
    Exists(PathBuf),
    /// A file operation.
    #[error("{path}: {err}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        err: std::io::Error,
    },
    /// Guest memory.
    #[error(transparent)]
    Memory(#[from] memory::FileError),
    /// The state file is damaged or foreign.
    #[error("{path}: {err}")]
    Format {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        err: format::Error,
    },
    /// The state file's body does not parse.
    #[error("{path}: bad snapshot state: {err}")]
    Body {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        err: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |err| Error::Io {
        path: path.to_owned(),
        err,
    }
}

/// What [`write`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Bytes of guest memory.
    pub memory_bytes: u64,
    /// Bytes of the state file.
    pub state_bytes: u64,
}

/// Writes `snap` and the guest memory (all of it, or for a diff snapshot
/// the pages of `snap.diff`) into `dir` (which must not exist): into
/// `dir.partial` first, every file and the directory fsynced, then
/// renamed. On failure nothing named `dir` is left.
pub fn write(dir: &Path, snap: &VmSnapshot, mem: &GuestMem) -> Result<Written, Error> {
    if dir.exists() {
        return Err(Error::Exists(dir.to_owned()));
    }
    let mut tmp = dir.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    let r = write_into(&tmp, snap, mem).and_then(|w| {
        fs::rename(&tmp, dir).map_err(io(dir))?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            File::open(parent)
                .and_then(|d| d.sync_all())
                .map_err(io(parent))?;
        }
        Ok(w)
    });
    if r.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    r
}

fn write_into(tmp: &Path, snap: &VmSnapshot, mem: &GuestMem) -> Result<Written, Error> {
    fs::create_dir(tmp).map_err(io(tmp))?;
    let mpath = tmp.join(MEMORY_FILE);
    let mut mf = File::create(&mpath).map_err(io(&mpath))?;
    let memory_bytes = match &snap.diff {
        None => memory::save(mem, &mut mf, &mpath)?,
        Some(d) => memory::save_pages(mem, &d.runs, &snap.memory, &mut mf, &mpath)?,
    };
    let body = serde_json::to_vec(snap).map_err(|e| Error::Body {
        path: tmp.join(STATE_FILE),
        err: e.to_string(),
    })?;
    let bytes = format::encode(&body);
    let spath = tmp.join(STATE_FILE);
    let mut sf = File::create(&spath).map_err(io(&spath))?;
    sf.write_all(&bytes).map_err(io(&spath))?;
    sf.sync_all().map_err(io(&spath))?;
    File::open(tmp)
        .and_then(|d| d.sync_all())
        .map_err(io(tmp))?;
    Ok(Written {
        memory_bytes,
        state_bytes: bytes.len() as u64,
    })
}

/// Why the bytes of a state file are not a snapshot ([`parse_state`]).
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The header or the checksum.
    #[error(transparent)]
    Format(#[from] format::Error),
    /// The body does not decode, or describes no machine.
    #[error("bad snapshot state: {0}")]
    Body(String),
}

/// Checks the header and checksum of the bytes of a state file and decodes
/// its body. Touches no file: [`read_state`] reads the file and calls it.
pub fn parse_state(bytes: &[u8]) -> Result<VmSnapshot, StateError> {
    let body = format::decode(bytes)?;
    let snap: VmSnapshot =
        serde_json::from_slice(body).map_err(|e| StateError::Body(e.to_string()))?;
    if snap.vcpus.is_empty() || snap.memory.is_empty() {
        return Err(StateError::Body("no vCPU or no memory region".into()));
    }
    Ok(snap)
}

/// Reads and checks the state file of `dir`.
pub fn read_state(dir: &Path) -> Result<VmSnapshot, Error> {
    let spath = dir.join(STATE_FILE);
    let bytes = fs::read(&spath).map_err(io(&spath))?;
    parse_state(&bytes).map_err(|e| match e {
        StateError::Format(err) => Error::Format { path: spath, err },
        StateError::Body(err) => Error::Body { path: spath, err },
    })
}

/// The guest memory of the snapshot in `dir`: its memory file mapped
/// privately, or for a diff snapshot its base's memory (recursively) with
/// its own pages copied on top.
pub fn map_memory(dir: &Path, snap: &VmSnapshot) -> Result<GuestMem, Error> {
    map_chain(dir, snap, 0)
}

fn map_chain(dir: &Path, snap: &VmSnapshot, depth: usize) -> Result<GuestMem, Error> {
    let Some(d) = &snap.diff else {
        return Ok(memory::map_file(&dir.join(MEMORY_FILE), &snap.memory)?);
    };
    let body = |err: String| Error::Body {
        path: dir.join(STATE_FILE),
        err,
    };
    if depth >= super::MAX_DIFF_CHAIN {
        return Err(body(format!(
            "more than {} diff snapshots on top of each other (a loop?)",
            super::MAX_DIFF_CHAIN
        )));
    }
    let base = read_state(&d.base)?;
    if base.memory != snap.memory {
        return Err(body(format!(
            "its base {} has another memory layout",
            d.base.display()
        )));
    }
    let mem = map_chain(&d.base, &base, depth + 1)?;
    memory::load_pages(&mem, &d.runs, &snap.memory, &dir.join(MEMORY_FILE))?;
    Ok(mem)
}
