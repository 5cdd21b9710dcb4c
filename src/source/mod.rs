//! Where fleet objects come from. `file` reads `kubectl get -o yaml|json` dumps; the live
//! cluster and the simulator (`sim`) feed the same [`crate::fleet::FleetObjects`].

pub mod bounded;
pub mod file;
pub mod replay;
pub mod sim;
