//! gpufleet: a live view and a careful editor for GPU bare-metal fleets run by vMetal.
//!
//! Data flows one way: sources → [`fleet::Fleet`] snapshot → pure rules, lints and
//! [`impact`] → output. See ARCHITECTURE.md.
//!
//! The pure core (the objects, the fleet and its rules, impact, the generator, the events and
//! the live fleet, the formatting helpers) is the `gpufleet-core` crate, re-exported here
//! under the same paths; it cannot depend on anything below.

pub use gpufleet_core::{decode, event, fleet, format, generate, impact, live, model};

pub mod children;
pub mod cli;
pub mod clipboard;
pub mod kube;
pub mod settings;
pub mod source;
pub mod stdio;
pub mod ui;
pub mod write;
