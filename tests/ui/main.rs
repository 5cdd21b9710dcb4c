//! The dashboard in one test binary: `screens` (every screen in `TestBackend`, insta
//! snapshots, colours of meaningful cells), `clusters` (a fleet whose host names repeat across
//! Metal3 clusters), `edit` (each dialog at 80x24 and 200x60, the
//! path to a write, conflicts, random keys), `event_loop` (the event loop), `bytes_sent`
//! (bytes per change) and `in_tmux` (the real binary in tmux).

#[path = "../support/mod.rs"]
mod support;

mod bytes_sent;
mod clusters;
mod edit;
mod event_loop;
mod in_tmux;
mod screens;
