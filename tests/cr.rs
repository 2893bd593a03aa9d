//! In-kernel checkpoint/restart, inside the real guest under cr-vmm: the
//! guest-side test program (guest-kernel-cfg/tests/cr-selftest.c) builds
//! state, checkpoints itself or a frozen child, restarts from the image and
//! checks its state; then restart is fuzzed with mutated images. Every step
//! must pass and the kernel must log no oops, BUG or warning. The steps are
//! in tests/guest/cr-suite.

use e2e::{crvmm_line, crvmm_status, has_line, run_script, run_script_for};
use xtask::nested::shell_quote;

const FUZZ_CASES: u32 = 2000;

/// Every step of tests/guest/cr-suite: each must report `crtest-NAME-exit=0`.
const STEPS: [&str; 16] = [
    "errors",
    "security",
    "save",
    "restore",
    "restore-again",
    "restore-pipe",
    "frozen",
    "signals",
    "creds",
    "files",
    "shm",
    "debugregs",
    "threads",
    "tree",
    "tree-agent",
    "fuzz",
];

fn guest_script() -> String {
    // tests/guest/cr-suite, installed in the guest's /bin by the image build.
    format!("-- cr-suite {FUZZ_CASES} 1")
}

#[test]
fn selftest_checkpoint_restart_and_fuzz_in_the_guest() {
    let script = crvmm_line(&format!(
        "--mem-mib 256 --append {}",
        shell_quote(&guest_script())
    ));
    // The fuzzer restarts tree images too, each in its own pid namespace.
    let out = run_script_for(&script, vec![], 4);
    let text = out.text();
    assert!(
        out.lines.iter().any(|l| l.text == "crtest-done"),
        "suite did not finish:\n{text}"
    );
    let mut summary = Vec::new();
    for l in &out.lines {
        if let Some(rest) = l.text.strip_prefix("crtest-") {
            if let Some((name, code)) = rest.split_once("-exit=") {
                summary.push(format!(
                    "{name}: {}",
                    if code == "0" { "PASS" } else { "FAIL" }
                ));
                assert_eq!(code, "0", "step {name} failed:\n{text}");
            }
        }
    }
    eprintln!("c/r suite: {}", summary.join(", "));
    for step in STEPS {
        assert!(
            has_line(&out, &format!("crtest-{step}-exit=0")),
            "step {step} did not pass:\n{text}"
        );
    }
    let fails: Vec<_> = out
        .lines
        .iter()
        .filter(|l| l.text.starts_with("FAIL"))
        .collect();
    assert!(fails.is_empty(), "failures: {fails:?}\n{text}");
    assert!(
        !out.lines
            .iter()
            .any(|l| l.text == "crtest-kernel-complained"),
        "the kernel logged an oops/BUG/warning:\n{text}"
    );
    assert_eq!(crvmm_status(&out), 0, "{text}");
}

#[test]
fn guest_agent_checkpoints_a_counter_and_restarts_it() {
    let out = run_script(&crvmm_line("--append '-- cr-demo 2'"), vec![]);
    let text = out.text();
    assert!(
        out.lines
            .iter()
            .any(|l| l.text.starts_with("cr-demo: PASS: the counter continued")),
        "{text}"
    );
    assert!(
        has_line(&out, "crvmm-init: command exited with status 0"),
        "{text}"
    );
    assert_eq!(crvmm_status(&out), 0, "{text}");
}

#[test]
fn guest_agent_reports_bad_checkpoint_and_restart_requests() {
    let guest = "-- guest-agent checkpoint --pid 99999 -o /tmp/x.img; echo ckpt-exit=$?; \
                 test -e /tmp/x.img || echo no-image-left; \
                 echo garbage > /tmp/bad.img; guest-agent restart /tmp/bad.img; echo restart-exit=$?";
    let out = run_script(
        &crvmm_line(&format!("--append {}", shell_quote(guest))),
        vec![],
    );
    let text = out.text();
    for want in [
        "ckpt-exit=1",
        "no-image-left",
        "restart-exit=1",
        "guest-agent: restart from /tmp/bad.img failed",
    ] {
        assert!(has_line(&out, want), "missing '{want}':\n{text}");
    }
    assert_eq!(crvmm_status(&out), 0, "{text}");
}
