//! KVM state: the `/dev/kvm` handle, guest memory, the VM and its vCPUs.

pub mod kvm;
pub mod memory;
pub mod pause;
pub mod vcpu;
pub mod vcpu_state;
pub mod vm;
