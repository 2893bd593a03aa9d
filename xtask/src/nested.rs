//! The nested-KVM CI host: a small Linux VM under `qemu-system-x86_64`
//! (TCG with `-cpu max`, whose emulated AMD SVM gives it a working
//! `/dev/kvm`; real KVM where this host has VMX/SVM) that runs one shell
//! command with cr-vmm and the guest images inside, streams the output and
//! returns the command's exit status.
//!
//! The command and any extra files travel as a second cpio archive appended
//! to the CI host's initramfs (the kernel unpacks concatenated archives).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::cpio::Archive;
use crate::kvm_probe;
use crate::paths;

const EXIT_MARKER: &str = "crvmm-nested: exit=";

/// What the error of a run whose CI host went silent starts with. A CI host
/// under TCG that stops printing for this long has stalled (seen here a few
/// times per hundred runs under load: even its shell's `sleep 0.5` loops
/// stop, so it is not the VMM under test); `cargo xtask test` runs such a
/// job once more and reports it.
pub const STALL_MARKER: &str = "crvmm-nested: the CI host stalled";

/// How long the end-to-end tests let a CI host print nothing before it
/// counts as stalled (their scripts print at least every minute or two).
pub const STALL_SECS: u64 = 240;

/// Options for one nested run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Host files to put into the CI host: (host path, path inside).
    pub files: Vec<(PathBuf, String)>,
    /// Disk images the CI host gets as drives (`/dev/vda`, `/dev/vdb`, ...
    /// in this order; the script finds them in `$DRIVE0`, `$DRIVE1`, ...).
    /// Too large for the initramfs (root filesystems). What the script
    /// writes to them is thrown away when it ends (QEMU `snapshot=on`;
    /// on this host, a copy).
    pub drives: Vec<PathBuf>,
    /// Give up (and kill QEMU) after this long.
    pub timeout: Duration,
    /// Echo the output to stderr as it streams.
    pub echo: bool,
    /// CI host memory in MiB.
    pub mem_mib: u32,
    /// Give up when the CI host prints nothing for this long (see
    /// [`STALL_MARKER`]); `None`: only `timeout` applies.
    pub stall_after: Option<Duration>,
    /// CI host CPUs. One by default: tests run several CI hosts at once on
    /// a 2-core machine. Benchmarks whose VMM threads should run in
    /// parallel (as on a real host) ask for 2.
    pub cpus: u32,
    /// Extra words for the CI host kernel's command line (soak variants).
    pub host_append: String,
    /// QEMU `-accel` value in place of the default TCG one (soak
    /// variants); ignored where the CI host runs on KVM.
    pub accel: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            files: Vec::new(),
            drives: Vec::new(),
            timeout: Duration::from_secs(600),
            echo: true,
            mem_mib: 3072,
            cpus: 1,
            stall_after: None,
            host_append: String::new(),
            accel: None,
        }
    }
}

/// A line of output and when it arrived.
#[derive(Debug, Clone)]
pub struct Line {
    /// Time since QEMU started.
    pub at: Duration,
    /// The text, without CR/LF.
    pub text: String,
}

/// The result of a nested run.
#[derive(Debug, Clone)]
pub struct Output {
    /// The command's exit status inside the CI host.
    pub status: i32,
    /// Every line the CI host printed (the marker line excluded).
    pub lines: Vec<Line>,
}

impl Output {
    /// All output as one string.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.text);
            s.push('\n');
        }
        s
    }
}

/// The host TSC frequency in kHz, to pin the CI host's TSC (its calibration
/// under a busy TCG fails otherwise, and nested guests then stall).
pub fn host_tsc_khz() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let mhz: f64 = info
        .lines()
        .find(|l| l.starts_with("cpu MHz"))?
        .split(':')
        .nth(1)?
        .trim()
        .parse()
        .ok()?;
    Some((mhz * 1000.0) as u64)
}

/// The QEMU accelerator arguments: real KVM when this host has usable
/// hardware virtualization, TCG with an SVM-capable CPU model otherwise.
pub fn accel_args() -> (Vec<String>, &'static str) {
    let hw = kvm_probe::detect().0 == kvm_probe::Mode::Host;
    if hw {
        (
            ["-enable-kvm", "-cpu", "host"].map(String::from).to_vec(),
            "KVM",
        )
    } else {
        (
            ["-accel", "tcg", "-cpu", "max"].map(String::from).to_vec(),
            "TCG",
        )
    }
}

/// The CI host kernel's command line, for a CI host under `how` ("TCG" or
/// "KVM"), `khz` the host's TSC frequency, then `extra` (later words win).
///
/// Under TCG the CI host's local APIC timer runs in periodic mode
/// (`highres=off`): QEMU up to 10.1 can lose the wakeup of a halted vCPU.
/// helper_vmrun() (target/i386/tcg/system/svm_helper.c, nested SVM) sets
/// CPU_INTERRUPT_VIRQ in `interrupt_request` without the BQL while the
/// main loop sets CPU_INTERRUPT_POLL for the APIC timer, and one write can
/// undo the other; fixed upstream in 10.2.0 by 87511341c3 and 27e76d0101
/// ("cpu-common: use atomic access for interrupt_request"). A one-shot
/// timer is then never armed again and the idle CI host sleeps for good;
/// a periodic one fires again a tick later (docs/ci.md).
pub fn host_cmdline(how: &str, khz: Option<u64>, extra: &str) -> String {
    let mut append = String::from("console=ttyS0 reboot=t panic=-1 quiet");
    if let Some(khz) = khz {
        append.push_str(&format!(" tsc_early_khz={khz} tsc=reliable"));
    }
    if how == "TCG" {
        append.push_str(" highres=off");
    }
    if !extra.is_empty() {
        append.push(' ');
        append.push_str(extra);
    }
    append
}

fn check_images() -> anyhow::Result<()> {
    for p in [paths::host_kernel(), paths::host_initramfs()] {
        if !p.exists() {
            bail!("{} is missing: run `cargo xtask images` first", p.display());
        }
    }
    Ok(())
}

/// Runs `script` (a `sh` script) inside the CI host.
pub fn run(script: &str, opts: &Options) -> anyhow::Result<Output> {
    check_images()?;
    let mut extra = Archive::default();
    extra.file("run.sh", 0o755, script.as_bytes().to_vec());
    for (src, dst) in &opts.files {
        let data = std::fs::read(src).with_context(|| format!("reading {}", src.display()))?;
        extra.file(dst, 0o755, data);
    }
    let initrd = tempfile_path("initramfs.cpio")?;
    {
        let mut f = std::fs::File::create(&initrd.0)?;
        f.write_all(&std::fs::read(paths::host_initramfs())?)?;
        extra.write(&mut f, crate::images::SOURCE_DATE_EPOCH)?;
    }
    run_qemu(&initrd.0, opts)
}

struct TempPath(PathBuf);
impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn tempfile_path(tag: &str) -> anyhow::Result<TempPath> {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir();
    Ok(TempPath(dir.join(format!(
        "crvmm-nested-{}-{}-{tag}",
        std::process::id(),
        n
    ))))
}

fn run_qemu(initrd: &Path, opts: &Options) -> anyhow::Result<Output> {
    let (mut accel, how) = accel_args();
    if let (Some(a), "TCG") = (&opts.accel, how) {
        accel[1] = a.clone();
    }
    // Every CI host has a monitor: what a stalled one was doing is read
    // through it before it is killed.
    let monitor = tempfile_path("monitor.sock")?;
    let _ = std::fs::remove_file(&monitor.0);
    let append = host_cmdline(how, host_tsc_khz(), &opts.host_append);
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.args(["-M", "q35", "-smp", &opts.cpus.max(1).to_string()])
        .args(["-nodefaults", "-no-reboot"])
        .args(&accel)
        .arg("-m")
        .arg(opts.mem_mib.to_string())
        .arg("-kernel")
        .arg(paths::host_kernel())
        .arg("-initrd")
        .arg(initrd)
        .arg("-append")
        .arg(&append)
        .args(opts.drives.iter().flat_map(|d| {
            [
                "-drive".to_string(),
                format!(
                    "file={},format=raw,if=virtio,snapshot=on",
                    d.display().to_string().replace(',', ",,")
                ),
            ]
        }))
        .args(["-display", "none", "-serial", "stdio", "-monitor"])
        .arg(format!("unix:{},server=on,wait=off", monitor.0.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .context("starting qemu-system-x86_64 (run images/install-deps.sh)")?;
    let stdout = child.stdout.take().context("qemu stdout")?;
    let stderr = child.stderr.take().context("qemu stderr")?;
    let (tx, rx) = mpsc::channel::<Option<String>>();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let s = String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .replace('\r', "");
                    if tx.send(Some(s)).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = tx.send(None);
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut s);
        s
    });

    let mut lines: Vec<Line> = Vec::new();
    let mut status = None;
    let deadline = start + opts.timeout;
    loop {
        let now = Instant::now();
        let quiet = lines
            .last()
            .map_or(start.elapsed(), |l| start.elapsed().saturating_sub(l.at));
        if let Some(stall) = opts.stall_after.filter(|s| quiet >= *s) {
            let mut what = diagnose(child.id(), &monitor.0);
            // Does an NMI wake the CI host's vCPU? Linux answers one it did
            // not expect with a line on the console.
            what.push_str("monitor: nmi; the CI host's output in the next 10 s:\n");
            if let Err(e) = monitor_command(&monitor.0, "nmi") {
                what.push_str(&format!("  (no answer: {e})\n"));
            }
            let poke = Instant::now();
            while poke.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(text)) = rx.recv_timeout(Duration::from_millis(500)) {
                    what.push_str(&format!("  {text}\n"));
                }
            }
            what.push_str(&monitor_command(&monitor.0, "info cpus").unwrap_or_default());
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{STALL_MARKER}: it printed nothing for {} s; last output:\n{}\n{what}",
                stall.as_secs(),
                tail(&lines)
            );
        }
        if now >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "nested run timed out after {} s; last output:\n{}",
                opts.timeout.as_secs(),
                tail(&lines)
            );
        }
        match rx.recv_timeout((deadline - now).min(Duration::from_secs(1))) {
            Ok(Some(text)) => {
                if let Some(code) = text.strip_prefix(EXIT_MARKER) {
                    status = code.trim().parse::<i32>().ok();
                    continue;
                }
                if opts.echo {
                    eprintln!("{text}");
                }
                lines.push(Line {
                    at: start.elapsed(),
                    text,
                });
            }
            Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
        }
    }
    let qemu_status = child.wait().context("waiting for qemu")?;
    let qemu_err = err_thread.join().unwrap_or_default();
    match status {
        Some(status) => Ok(Output { status, lines }),
        None => bail!(
            "the CI host ended without reporting an exit status (qemu {qemu_status}); stderr: {}; last output:\n{}",
            qemu_err.trim(),
            tail(&lines)
        ),
    }
}

/// What a QEMU (`pid`) that went silent is doing: each of its threads'
/// state, wait channel and system call (from /proc), and the CI host's
/// vCPUs, registers and local APIC (its timer), asked through its
/// monitor socket.
pub fn diagnose(pid: u32, monitor: &Path) -> String {
    let mut s = format!("QEMU {pid}: threads (tid, name, state, wait channel, syscall):\n");
    let mut tids: Vec<u32> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    tids.sort_unstable();
    for tid in tids {
        let read = |f: &str| {
            std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/{f}"))
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        let stat = read("stat");
        let state = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split(' ').next())
            .unwrap_or("?")
            .to_string();
        let syscall = read("syscall");
        s.push_str(&format!(
            "  {tid} {} {state} {} {}{}\n",
            read("comm"),
            read("wchan"),
            syscall.split(' ').take(3).collect::<Vec<_>>().join(" "),
            ppoll_timeout(pid, &syscall)
        ));
    }
    // The LAPIC twice, 2 s apart: is its timer still counting down?
    for cmd in [
        "info status",
        "info cpus",
        "info registers",
        "info lapic",
        "info lapic",
    ] {
        s.push_str(&format!("monitor: {cmd}\n"));
        match monitor_command(monitor, cmd) {
            Ok(out) => s.push_str(&out),
            Err(e) => s.push_str(&format!("  (no answer: {e})\n")),
        }
        if cmd == "info lapic" {
            std::thread::sleep(Duration::from_secs(2));
        }
    }
    s
}

/// For a thread blocked in ppoll(2) (`syscall` is its /proc `syscall`
/// line), the timeout it passed, read from QEMU's memory: none means QEMU
/// has no timer armed at all (its main loop waits for file descriptors
/// only), so the CI host's timer interrupt cannot come.
fn ppoll_timeout(pid: u32, syscall: &str) -> String {
    const PPOLL: &str = "271";
    let mut f = syscall.split(' ');
    if f.next() != Some(PPOLL) {
        return String::new();
    }
    let Some(addr) = f
        .nth(2)
        .and_then(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok())
    else {
        return String::new();
    };
    if addr == 0 {
        return " (ppoll timeout: none)".into();
    }
    let mut ts = [0u8; 16];
    let read = std::fs::File::open(format!("/proc/{pid}/mem")).and_then(|f| {
        use std::os::unix::fs::FileExt;
        f.read_exact_at(&mut ts, addr)
    });
    match read {
        Ok(()) => {
            let (sec, nsec) = ts.split_at(8);
            let sec = i64::from_ne_bytes(sec.try_into().unwrap_or_default());
            let nsec = i64::from_ne_bytes(nsec.try_into().unwrap_or_default());
            format!(" (ppoll timeout: {sec}.{nsec:09} s)")
        }
        Err(e) => format!(" (ppoll timeout unreadable: {e})"),
    }
}

/// One HMP command over the monitor socket at `path`: its output.
pub fn monitor_command(path: &Path, cmd: &str) -> std::io::Result<String> {
    const PROMPT: &[u8] = b"(qemu) ";
    let mut sock = UnixStream::connect(path)?;
    sock.set_read_timeout(Some(Duration::from_secs(5)))?;
    let until_prompt = |sock: &mut UnixStream| -> std::io::Result<Vec<u8>> {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !got.ends_with(PROMPT) {
            let n = sock.read(&mut buf)?;
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        Ok(got)
    };
    until_prompt(&mut sock)?;
    sock.write_all(format!("{cmd}\n").as_bytes())?;
    let out = until_prompt(&mut sock)?;
    Ok(clean_monitor_output(&out, cmd))
}

/// The monitor's answer without its echo of the command, its prompt and
/// the terminal escapes of its line editor.
fn clean_monitor_output(raw: &[u8], cmd: &str) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::new();
    for line in text.split('\n') {
        let mut l = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                // CSI: ESC [ params final-byte.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for f in chars.by_ref() {
                        if f.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            } else if c != '\r' {
                l.push(c);
            }
        }
        let t = l.trim_end();
        if t.is_empty() || t.ends_with(cmd) || t == "(qemu)" {
            continue;
        }
        out.push_str("  ");
        out.push_str(t);
        out.push('\n');
    }
    out
}

fn tail(lines: &[Line]) -> String {
    let start = lines.len().saturating_sub(30);
    lines[start..]
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Quotes `s` for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("abc/d"), "abc/d");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn monitor_output_loses_echo_prompt_and_escapes() {
        let raw = b"info cpus\r\n\x1b[K* CPU #0: thread_id=4242 (halted)\r\n(qemu) ";
        assert_eq!(
            clean_monitor_output(raw, "info cpus"),
            "  * CPU #0: thread_id=4242 (halted)\n"
        );
    }

    #[test]
    fn the_monitor_of_a_real_qemu_answers() {
        let sock = tempfile_path("test-monitor.sock").expect("path");
        let mut q = Command::new("qemu-system-x86_64")
            .args(["-M", "none", "-nodefaults", "-display", "none", "-monitor"])
            .arg(format!("unix:{},server=on,wait=off", sock.0.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("qemu-system-x86_64 (images/install-deps.sh installs it)");
        let t = Instant::now();
        while !sock.0.exists() && t.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let got = monitor_command(&sock.0, "info version");
        let _ = q.kill();
        let _ = q.wait();
        let got = got.expect("an answer");
        assert!(
            got.trim().starts_with(|c: char| c.is_ascii_digit()),
            "{got:?}"
        );
        let d = diagnose(std::process::id(), &sock.0);
        assert!(d.contains("no answer"), "{d}");
    }

    #[test]
    fn a_process_is_diagnosed_from_proc() {
        let d = diagnose(std::process::id(), Path::new("/nonexistent/monitor.sock"));
        assert!(d.contains(&format!("  {} ", std::process::id())), "{d}");
        assert!(d.contains("(no answer:"), "{d}");
    }

    #[test]
    fn a_tcg_ci_host_runs_a_periodic_apic_timer() {
        let tcg = host_cmdline("TCG", Some(2_445_430), "");
        assert!(tcg.contains(" tsc_early_khz=2445430 tsc=reliable"));
        assert!(tcg.ends_with(" highres=off"));
        assert!(!host_cmdline("KVM", None, "").contains("highres"));
        // A soak can try the old setting: later words win.
        assert!(host_cmdline("TCG", None, "highres=on").ends_with("highres=off highres=on"));
    }

    #[test]
    fn a_ppoll_timeout_is_read_from_the_process_memory() {
        assert_eq!(ppoll_timeout(1, "7 0x1 0x2 0x0"), "");
        assert_eq!(
            ppoll_timeout(1, "271 0x5 0x3 0x0 0x0 0x8"),
            " (ppoll timeout: none)"
        );
        let ts: [i64; 2] = [3, 250_000_000];
        let line = format!("271 0x5 0x3 {:#x} 0x0 0x8", ts.as_ptr() as u64);
        assert_eq!(
            ppoll_timeout(std::process::id(), &line),
            " (ppoll timeout: 3.250000000 s)"
        );
    }

    #[test]
    fn tsc_is_read() {
        assert!(host_tsc_khz().unwrap_or(0) > 100_000);
    }
}
