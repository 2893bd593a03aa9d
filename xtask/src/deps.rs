//! Installing what the builds and tests need on a fresh Debian machine.

use anyhow::{bail, Context};

use crate::paths;

/// Runs `images/install-deps.sh` (idempotent; quick when all is present).
pub fn ensure() -> anyhow::Result<()> {
    let script = paths::root().join("images/install-deps.sh");
    let st = std::process::Command::new("bash")
        .arg(&script)
        .status()
        .with_context(|| format!("running {}", script.display()))?;
    if !st.success() {
        bail!("{} failed ({st})", script.display());
    }
    Ok(())
}
