//! The zdtm-style cases (tests/zdtm/*.c, one small program per behaviour
//! an issue names), run in the real guest under cr-vmm by
//! tests/guest/zdtm-run: each left alone, then checkpointed with
//! `guest-agent checkpoint --kill` and restarted with `guest-agent restart`.
//!
//! Every case must pass when left alone. After checkpoint/restart every
//! case must pass except those listed in tests/zdtm/xfail (known failures,
//! each with the issue point it belongs to): those must still fail, so
//! that a fix removes its line. Every count is printed.

use e2e::{crvmm_line, run_script_for};
use std::collections::BTreeMap;
use xtask::nested::shell_quote;

/// `tests/zdtm/xfail`: case name -> why (the rest of its line).
fn xfail() -> BTreeMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/zdtm/xfail");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, why) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (name.to_string(), why.trim().to_string())
        })
        .collect()
}

/// The cases: tests/zdtm/*.c.
fn cases() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/zdtm");
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "c" {
                return None;
            }
            Some(p.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn zdtm_cases_survive_checkpoint_and_restart() {
    let cases = cases();
    let known = xfail();
    for name in known.keys() {
        assert!(
            cases.contains(name),
            "tests/zdtm/xfail names {name}, which is not a case"
        );
    }
    let script = crvmm_line(&format!(
        "--mem-mib 256 --append {}",
        shell_quote("-- zdtm-run")
    ));
    let out = run_script_for(&script, vec![], 3);
    let text = out.text();
    assert!(
        out.lines.iter().any(|l| l.text == "zdtm-done"),
        "zdtm-run did not finish:\n{text}"
    );
    // "zdtm NAME MODE PASS" or "zdtm NAME MODE FAIL: why".
    let mut results: BTreeMap<(String, String), String> = BTreeMap::new();
    for l in &out.lines {
        let mut w = l.text.splitn(4, ' ');
        if let (Some("zdtm"), Some(name), Some(mode), Some(res)) =
            (w.next(), w.next(), w.next(), w.next())
        {
            results.insert((name.to_string(), mode.to_string()), res.to_string());
        }
    }
    let mut problems = Vec::new();
    let (mut pass, mut xfailed) = (0, 0);
    for name in &cases {
        for mode in ["plain", "cr"] {
            let res = results.get(&(name.clone(), mode.to_string()));
            let passed = res.is_some_and(|r| r == "PASS");
            let expected_fail = mode == "cr" && known.contains_key(name);
            match (res, passed, expected_fail) {
                (None, _, _) => problems.push(format!("{name} {mode}: no result")),
                (Some(_), true, false) => pass += 1,
                (Some(r), false, false) => problems.push(format!("{name} {mode}: {r}")),
                (Some(_), true, true) => problems.push(format!(
                    "{name} {mode}: passes now; remove it from tests/zdtm/xfail"
                )),
                (Some(r), false, true) => {
                    xfailed += 1;
                    eprintln!("XFAIL {name} ({}): {r}", known[name]);
                }
            }
        }
    }
    eprintln!(
        "zdtm: {} cases, {pass} runs passed, {xfailed} known failures (tests/zdtm/xfail), {} problems",
        cases.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{}\n\n{text}", problems.join("\n"));
}
