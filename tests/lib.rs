//! Helpers for the end-to-end tests: run a script that uses `$CRVMM` and
//! `$IMAGES` where guests can run (this host's /dev/kvm, or the nested CI
//! host), as chosen by `cargo xtask test` through `CRVMM_MODE`.

use xtask::kvm_probe::{self, Mode};
use xtask::nested::{Options, Output};
use xtask::{paths, run};

/// The mode the tests run guests in, with a loud failure when images are
/// missing.
pub fn mode() -> Mode {
    for p in [
        paths::guest_kernel(),
        paths::guest_initramfs(),
        paths::static_bin("cr-vmm"),
    ] {
        assert!(
            p.exists(),
            "{} is missing: run the tests through `cargo xtask test` (or `cargo xtask images` first)",
            p.display()
        );
    }
    let (mode, why) = kvm_probe::from_env_or_detect().expect("CRVMM_MODE");
    eprintln!("e2e: guests run {mode}: {why}");
    mode
}

/// Runs `script` and returns its output; `extra` are extra files for the
/// nested CI host.
pub fn run_script(script: &str, extra: Vec<(std::path::PathBuf, String)>) -> Output {
    run_script_for(script, extra, 1)
}

/// [`run_script`] for scripts that run `boots` times as long as one boot
/// (long in-guest suites).
pub fn run_script_for(
    script: &str,
    extra: Vec<(std::path::PathBuf, String)>,
    boots: u32,
) -> Output {
    let mode = mode();
    let opts = Options {
        files: extra,
        timeout: script_timeout(mode, script, boots),
        stall_after: Some(std::time::Duration::from_secs(xtask::nested::STALL_SECS)),
        echo: true,
        ..Default::default()
    };
    run::script(mode, script, &opts).expect("running the script")
}

/// [`run_script_for`] with disk images given to the CI host as drives:
/// the script finds them as `$DRIVE0`, `$DRIVE1`, ... (block devices in
/// the CI host; what it writes to them is thrown away).
pub fn run_script_with_drives(script: &str, drives: Vec<std::path::PathBuf>, boots: u32) -> Output {
    let mode = mode();
    let opts = Options {
        drives,
        timeout: script_timeout(mode, script, boots),
        stall_after: Some(std::time::Duration::from_secs(xtask::nested::STALL_SECS)),
        echo: true,
        ..Default::default()
    };
    run::script(mode, script, &opts).expect("running the script")
}

/// A small ext4 root filesystem of `size_mib` MiB in `dir`: the guest
/// initramfs's files (busybox, the test programs, the agent, which is
/// also `/bin/init`, the program the kernel starts from a root
/// filesystem), made with `mkfs.ext4 -d`. Panics with the tool's error if
/// it cannot be built.
pub fn mini_rootfs(dir: &std::path::Path, size_mib: u32) -> std::path::PathBuf {
    use std::process::{Command, Stdio};
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).expect("rootfs tree");
    let cpio = std::fs::File::open(paths::guest_initramfs()).expect("guest initramfs");
    let st = Command::new("cpio")
        .args(["-idm", "--quiet"])
        .current_dir(&tree)
        .stdin(Stdio::from(cpio))
        .status()
        .expect("running cpio (images/install-deps.sh installs it)");
    assert!(st.success(), "cpio -i of the guest initramfs: {st}");
    std::os::unix::fs::symlink("guest-agent", tree.join("bin/init")).expect("bin/init");
    let img = dir.join("rootfs.ext4");
    let f = std::fs::File::create(&img).expect("rootfs image");
    f.set_len(u64::from(size_mib) << 20).expect("rootfs size");
    let out = Command::new("mkfs.ext4")
        .args(["-q", "-F", "-d"])
        .arg(&tree)
        .arg(&img)
        .output()
        .expect("running mkfs.ext4 (e2fsprogs)");
    assert!(
        out.status.success(),
        "mkfs.ext4: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    img
}

/// How long `script` may run: one boot's time for each VM it starts
/// (`"$CRVMM" run` or `restore` lines) or `boots`, whichever is more, times
/// the slowdown `cargo xtask test` announces in `CRVMM_TEST_SLOWDOWN` when
/// it runs more test jobs at once than there are CPUs. The timeout only
/// catches hangs: a test that passes never comes near it.
pub fn script_timeout(mode: Mode, script: &str, boots: u32) -> std::time::Duration {
    let slowdown: u32 = std::env::var("CRVMM_TEST_SLOWDOWN")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    timeout_for(run::boot_timeout(mode), script, boots, slowdown)
}

/// [`script_timeout`] with the boot time and the slowdown given.
pub fn timeout_for(
    one_boot: std::time::Duration,
    script: &str,
    boots: u32,
    slowdown: u32,
) -> std::time::Duration {
    let vms =
        script.matches("\"$CRVMM\" run ").count() + script.matches("\"$CRVMM\" restore ").count();
    let boots = boots.max(u32::try_from(vms).unwrap_or(u32::MAX)).max(1);
    one_boot * boots * slowdown.clamp(1, 8)
}

/// The shell line that boots the guest kernel and initramfs under cr-vmm
/// with `args` added, printing cr-vmm's exit status afterwards.
pub fn crvmm_line(args: &str) -> String {
    format!(
        "\"$CRVMM\" run --kernel \"$IMAGES/bzImage\" --initrd \"$IMAGES/initramfs.cpio\" {args}\n\
         echo \"cr-vmm-status=$?\"\n"
    )
}

/// cr-vmm's exit status as printed by [`crvmm_line`].
pub fn crvmm_status(out: &Output) -> i32 {
    out.lines
        .iter()
        .rev()
        .find_map(|l| l.text.strip_prefix("cr-vmm-status="))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no cr-vmm status in the output:\n{}", out.text()))
}

/// True when some output line contains `needle`.
pub fn has_line(out: &Output, needle: &str) -> bool {
    out.lines.iter().any(|l| l.text.contains(needle))
}

/// The text after `KEY=` on the first line that starts with it; panics
/// with the whole output when there is none.
pub fn value<'a>(out: &'a Output, key: &str) -> &'a str {
    let prefix = format!("{key}=");
    out.lines
        .iter()
        .find_map(|l| l.text.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no '{key}=' line in:\n{}", out.text()))
        .trim()
}

/// Script lines that start a guest with the agent on vsock (`$V`) and the
/// control API (`$A`), console in /tmp/vm.log, and wait for the agent:
/// `c CMD ARGS` runs `cr-vmm CMD --vsock-uds $V ARGS`, `$vm` is the VMM.
/// `run_args` go to `cr-vmm run`. Prints `t-boot-failed` if the agent
/// never answers.
pub fn agent_vm(run_args: &str) -> String {
    format!(
        r#"V=/tmp/v.sock
A=/tmp/api.sock
c() {{ sub=$1; shift; "$CRVMM" "$sub" --vsock-uds $V "$@"; }}
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --mem-mib 256 \
    --vsock-uds $V --api-sock $A {run_args} --append '-- sleep 100000' > /tmp/vm.log 2>&1 &
vm=$!
c version > /dev/null || echo t-boot-failed
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_counts_the_vms_a_script_starts() {
        let one = std::time::Duration::from_secs(150);
        assert_eq!(timeout_for(one, "echo hi", 1, 1), one);
        let three = format!(
            "{}{}\"$CRVMM\" restore --snapshot /s\n",
            crvmm_line(""),
            agent_vm("")
        );
        assert_eq!(timeout_for(one, &three, 1, 1), one * 3);
        assert_eq!(timeout_for(one, &three, 4, 1), one * 4);
        assert_eq!(timeout_for(one, &three, 1, 2), one * 6);
        assert_eq!(timeout_for(one, "", 0, 0), one);
    }
}
