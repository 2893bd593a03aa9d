//! Saving and restoring a device: the [`Persist`] trait, below the devices
//! (as Firecracker's `snapshot` crate sits below its devices). Each device
//! implements it with a state type of its own; [`crate::snapshot`] collects
//! those states into a snapshot and depends on the devices, never the
//! reverse.

use serde::{de::DeserializeOwned, Serialize};

/// A device whose state goes into a snapshot and comes back from it.
pub trait Persist: Sized {
    /// What is saved.
    type State: Serialize + DeserializeOwned;
    /// What a restored device needs besides its state (its host
    /// resources: eventfds, sockets, guest memory).
    type Args;
    /// Saves the state; the VM is paused.
    fn save(&self) -> Self::State;
    /// A device like the saved one, built with `args`.
    fn restore(args: Self::Args, state: &Self::State) -> Result<Self, PersistError>;
}

/// A device state that cannot be restored.
#[derive(Debug, thiserror::Error)]
#[error("{device}: {msg}")]
pub struct PersistError {
    /// Which device.
    pub device: &'static str,
    /// Why.
    pub msg: String,
}
