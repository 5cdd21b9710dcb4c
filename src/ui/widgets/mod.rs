//! Pieces of the screen around the panes.

pub mod big_number;
pub mod footer;
pub mod overlays;
pub mod safe;
pub mod status;
pub mod table;
pub mod watch_header;
