//! The fleet's rules, links, impact and figures on fixtures, real objects, generated fleets
//! and the simulator, in one test binary: `scenarios` (one rule per fixture, the expected
//! impact beside it), `selection` (type and server choice), `links` (claim ↔ host links),
//! `clusters` (a two-site fleet with repeated host names), `realworld` (every real object of
//! `../shared/realworld`), `properties` (proptest), `promises` (every preview comes true in
//! the simulated platform), `figures` (the panes and `summary -o json` agree) and `sim` (the
//! simulated platform).

#[path = "../support/mod.rs"]
mod support;

mod clusters;
mod figures;
mod going_away;
mod links;
mod promises;
mod properties;
mod realworld;
mod scenarios;
mod selection;
mod sim;
