//! The pure core of gpufleet: what a GPU bare-metal fleet run by vMetal is, and what a change
//! would do to it. No I/O, no terminal, no async runtime, no kube client: sources feed it
//! objects and events, and the CLI and the dashboard read what it derives.
//!
//! Data flows one way: typed objects ([`model`]) → [`event::FleetEvent`]s applied by
//! [`live::LiveFleet`] → one immutable [`fleet::Fleet`] snapshot → pure rules, lints and
//! [`impact`]. The `gpufleet` crate re-exports every module here under the same name.

#![deny(missing_docs)]

pub mod decode;
pub mod event;
pub mod fleet;
pub mod format;
pub mod generate;
pub mod impact;
pub mod live;
pub mod model;
