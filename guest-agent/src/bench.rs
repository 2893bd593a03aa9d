//! Guest-side benchmark workloads.
//!
//! - `hog MIB`: a process with MIB of dirty, incompressible anonymous
//!   memory that then sleeps (the thing to checkpoint).
//! - `ckpt-bench MIB RUNS`: checkpoint(2) of a hog into a pipe drained by
//!   this process, against writing the same number of bytes through the same
//!   kind of pipe from user space, alternating, RUNS times each; prints one
//!   line per run and the image size against the hog's resident memory.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::time::{Duration, Instant};

use crate::cr;

/// Bytes per pipe read/write.
const CHUNK: usize = 1 << 20;

/// Fills `mib` MiB with xorshift bytes and sleeps forever; writes one byte
/// to `ready` (if any) once every page is dirty.
pub fn hog(mib: usize, ready: Option<File>) -> ! {
    let mut mem = vec![0u8; mib << 20];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for chunk in mem.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = x.to_le_bytes();
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
    println!("hog: {mib} MiB dirty, pid {}", std::process::id());
    if let Some(mut r) = ready {
        let _ = r.write_all(b"r");
    }
    loop {
        std::thread::sleep(Duration::from_secs(3600));
        // Keep the buffer alive (and its pages resident).
        std::hint::black_box(&mem);
    }
}

fn pipe() -> io::Result<(File, File)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two fds into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds are new and ours.
    Ok(unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) })
}

/// Reads `r` to the end; returns the byte count.
fn drain(mut r: File) -> io::Result<u64> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => total += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn timed_checkpoint(pid: i32) -> io::Result<(Duration, u64)> {
    let group = cr::FreezeGroup::new(pid)?;
    group.set_frozen(true)?;
    let (r, w) = pipe()?;
    let start = Instant::now();
    let t = std::thread::spawn(move || {
        let res = cr::checkpoint_fd(pid, w.as_raw_fd(), -1, 0);
        drop(w);
        res
    });
    let bytes = drain(r)?;
    let elapsed = start.elapsed();
    t.join()
        .unwrap_or_else(|_| Err(io::Error::other("checkpoint thread panicked")))?;
    group.finish(cr::After::Run)?;
    Ok((elapsed, bytes))
}

fn timed_pipe(bytes: u64) -> io::Result<Duration> {
    let (r, mut w) = pipe()?;
    let buf = vec![0xa5u8; CHUNK];
    let start = Instant::now();
    let t = std::thread::spawn(move || -> io::Result<()> {
        let mut left = bytes;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            w.write_all(&buf[..n])?;
            left -= n as u64;
        }
        Ok(())
    });
    let got = drain(r)?;
    let elapsed = start.elapsed();
    t.join()
        .unwrap_or_else(|_| Err(io::Error::other("writer thread panicked")))?;
    if got != bytes {
        return Err(io::Error::other(format!(
            "pipe carried {got} of {bytes} bytes"
        )));
    }
    Ok(elapsed)
}

fn rss_kib(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs the checkpoint-vs-pipe benchmark; prints `ckpt-bench:` lines.
pub fn ckpt_bench(mib: usize, runs: u32) -> io::Result<()> {
    let (mut ready_r, ready_w) = pipe()?;
    // SAFETY: the child only runs `hog`, which never returns.
    let child = unsafe { libc::fork() };
    if child < 0 {
        return Err(io::Error::last_os_error());
    }
    if child == 0 {
        drop(ready_r);
        hog(mib, Some(ready_w));
    }
    drop(ready_w);
    let mut b = [0u8; 1];
    ready_r.read_exact(&mut b)?;
    let result = (|| -> io::Result<()> {
        let rss = rss_kib(child);
        let mut image = 0;
        for run in 0..runs {
            let (ckpt, bytes) = timed_checkpoint(child)?;
            let pipe = timed_pipe(bytes)?;
            image = bytes;
            println!(
                "ckpt-bench: mib={mib} run={run} bytes={bytes} ckpt_us={} pipe_us={} ratio={:.3}",
                ckpt.as_micros(),
                pipe.as_micros(),
                ckpt.as_secs_f64() / pipe.as_secs_f64()
            );
        }
        println!(
            "ckpt-bench: mib={mib} rss_kib={rss} image_bytes={image} size_ratio={:.4}",
            image as f64 / (rss as f64 * 1024.0)
        );
        Ok(())
    })();
    // SAFETY: kill and waitpid on our own child.
    unsafe {
        libc::kill(child, libc::SIGKILL);
        let mut st = 0;
        libc::waitpid(child, &mut st, 0);
    }
    result
}
