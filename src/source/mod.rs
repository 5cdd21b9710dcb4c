//! Where fleet objects come from. `file` reads `kubectl get -o yaml|json` dumps; the live
//! cluster and the simulator feed the same [`crate::fleet::FleetObjects`].

pub mod decode;
pub mod event;
pub mod file;
pub mod live;
pub mod replay;
