//! The dashboard: a ratatui app fed by any `Receiver<FleetEvent>`.
//!
//! Data flows one way: fleet events → [`app::App::apply`] → snapshot rebuilt at most every
//! [`run::REBUILD_GAP`] → [`data::FleetData`] derived once → panes draw from a
//! [`panes::DrawCtx`] the screen builds from `&App`. Keys map to one [`action::Action`] enum
//! through [`keymap`]; help and footer come from the same keymap. See ARCHITECTURE.md.

pub mod action;
pub mod app;
pub mod clock;
pub mod data;
pub mod edit;
pub mod filter;
pub mod host_class;
pub mod keymap;
pub mod marks;
pub mod message;
pub mod natural;
pub mod nav;
#[warn(missing_docs)]
pub mod panes;
pub mod run;
pub mod screen;
pub mod terminal;
pub mod theme;
pub mod widgets;
