//! gpufleet: a live view and a careful editor for GPU bare-metal fleets run by vMetal.
//!
//! Data flows one way: sources → [`fleet::Fleet`] snapshot → pure rules, lints and
//! [`impact`] → output. See ARCHITECTURE.md.

pub mod cli;
pub mod clipboard;
pub mod decode;
pub mod event;
pub mod fleet;
pub mod format;
pub mod generate;
pub mod impact;
pub mod kube;
pub mod live;
pub mod model;
pub mod settings;
pub mod source;
pub mod stdio;
pub mod ui;
pub mod write;
