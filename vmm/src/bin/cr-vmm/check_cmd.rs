//! `cr-vmm verify` and `cr-vmm compare-snapshots`: printing the core's
//! cross-checks of images and snapshots.

use std::process::ExitCode;

/// `cr-vmm verify`: a checkpoint image against a VM snapshot.
pub fn verify(
    image: &std::path::Path,
    snapshot: &std::path::Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let r = cr_vmm::verify::verify(image, snapshot)?;
    if json {
        let tasks: Vec<_> = r
            .tasks
            .iter()
            .map(|t| {
                serde_json::json!({
                    "pid": t.pid, "comm": t.comm, "thread": t.thread, "pages": t.pages,
                    "pages_bad": t.pages_bad, "regs": t.regs, "missing": t.missing,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "ok": r.ok(), "tasks": tasks, "findings": r.findings,
                "unlisted": r.unlisted, "vcpus": r.vcpus,
            })
        );
    } else {
        for t in &r.tasks {
            if t.thread {
                println!("  thread {} '{}': registers {}", t.pid, t.comm, t.regs);
            } else {
                println!(
                    "task {} '{}': {} pages compared, {} bad; registers {}; {} writable private pages missing",
                    t.pid, t.comm, t.pages, t.pages_bad, t.regs, t.missing
                );
            }
        }
        println!("vCPUs checked: {}", r.vcpus);
        for f in &r.findings {
            println!("MISMATCH {f}");
        }
        if r.unlisted > 0 {
            println!("... and {} more", r.unlisted);
        }
        println!(
            "verify: {}",
            if r.ok() {
                "OK: the image matches the snapshot"
            } else {
                "FAILED"
            }
        );
    }
    Ok(if r.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `cr-vmm compare-snapshots`.
pub fn compare_snapshots(a: &std::path::Path, b: &std::path::Path) -> anyhow::Result<ExitCode> {
    use cr_vmm::snapshot::compare;
    let r = compare::compare_dirs(a, b)?;
    println!("left out (they drift with host time):");
    for (field, why) in compare::DRIFT {
        println!("  {field}: {why}");
    }
    println!(
        "state: {} differing field(s); memory: {} of {} pages differ",
        r.nr_fields, r.nr_pages, r.pages_compared
    );
    for f in &r.fields {
        println!("  field {f}");
    }
    for p in &r.pages {
        println!("  page {p:#x}");
    }
    if r.equal() {
        println!("snapshots are equal");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("snapshots differ");
        Ok(ExitCode::FAILURE)
    }
}
