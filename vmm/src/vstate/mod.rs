//! KVM state: the `/dev/kvm` handle, the VM and its vCPUs (guest memory is
//! [`crate::memory`], below both this and the devices).

pub mod kvm;
pub mod pause;
pub mod vcpu;
pub mod vcpu_state;
pub mod vm;
