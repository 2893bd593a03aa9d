//! The vsock benchmark: a checkpoint image of a process with 64 and 256 MiB
//! of dirty memory streamed to a host file over the agent RPC
//! (`cr-vmm checkpoint`), against a raw byte stream of the same size over
//! the same kind of vsock connection (`stream` request), alternating.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::bail;
use xtask::kvm_probe::Mode;
use xtask::{nested, run};

use crate::stats::{list, median};

fn json_f64(line: &str, key: &str) -> Option<f64> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v.get(key)?.as_f64()
}

pub fn vsock(mode: Mode, runs: u32) -> anyhow::Result<()> {
    if runs < 3 {
        bail!("--runs must be at least 3");
    }
    let script = format!(
        r#"V=/tmp/bench.sock
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --mem-mib 1024 \
    --vsock-uds $V --append '-- sleep 100000' > /tmp/vm.log 2>&1 &
c() {{ sub=$1; shift; "$CRVMM" "$sub" --vsock-uds $V "$@"; }}
for mib in 64 256; do
    pid=$(c spawn -- /bin/guest-agent hog $mib)
    while ! grep -q "hog: $mib MiB dirty, pid $pid" /tmp/vm.log; do sleep 0.2; done
    for i in $(seq 1 {runs}); do
        echo "bench-rpc $mib $(c checkpoint --json --pid $pid -o /tmp/b.img)"
        size=$(stat -c %s /tmp/b.img); rm -f /tmp/b.img
        echo "bench-raw $mib $(c stream-test --bytes $size)"
    done
    c kill --pid $pid
done
c spawn -- /bin/sh -c 'sleep 0.3; reboot -f' > /dev/null
wait
"#
    );
    // Two CI-host CPUs: the guest's vCPU, the VMM's event loop and the host
    // client run in parallel, as they would on a real host.
    let opts = nested::Options {
        timeout: Duration::from_secs(120 * u64::from(runs) + 300),
        echo: false,
        cpus: 2,
        ..Default::default()
    };
    eprintln!("bench vsock: 64 and 256 MiB images, {runs} runs each, alternating, guests {mode}");
    let out = run::script(mode, &script, &opts)?;
    let mut rpc: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    let mut raw: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for l in &out.lines {
        let mut parts = l.text.splitn(3, ' ');
        let (Some(kind), Some(mib), Some(json)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Ok(mib) = mib.parse::<u64>() else {
            continue;
        };
        let (Some(bytes), Some(secs)) = (json_f64(json, "bytes"), json_f64(json, "seconds")) else {
            continue;
        };
        let mibps = bytes / (1 << 20) as f64 / secs;
        match kind {
            "bench-rpc" => rpc.entry(mib).or_default().push(mibps),
            "bench-raw" => raw.entry(mib).or_default().push(mibps),
            _ => {}
        }
    }
    for mib in [64, 256] {
        let (Some(r), Some(b)) = (rpc.get_mut(&mib), raw.get_mut(&mib)) else {
            bail!("no results for {mib} MiB:\n{}", out.text());
        };
        if r.len() != runs as usize || b.len() != runs as usize {
            bail!("expected {runs} runs for {mib} MiB:\n{}", out.text());
        }
        println!("{mib} MiB: checkpoint RPC runs (MiB/s): {}", list(r, 1));
        println!("{mib} MiB: raw stream runs (MiB/s):     {}", list(b, 1));
        let (mr, mb) = (median(r), median(b));
        println!(
            "{mib} MiB ({mode}): checkpoint RPC median {mr:.1} MiB/s, raw vsock stream median {mb:.1} MiB/s, \
             ratio RPC/raw = {:.2} (target >= 0.8)",
            mr / mb
        );
    }
    Ok(())
}
