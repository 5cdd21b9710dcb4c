//! What background tasks tell the app: a write's answer. Like fleet events, messages only
//! report; the app alone changes its state ([`crate::ui::app::App::receive`]).

use crate::fleet::Fleet;
use crate::impact::Change;
use crate::write::{WriteError, WriteMode, WriteReport};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug)]
pub enum Message {
    Written(WriteOutcome),
}

/// The answer to one write (a dry run or a commit).
#[derive(Debug)]
pub struct WriteOutcome {
    pub id: u64,
    pub mode: WriteMode,
    /// The snapshot the preview, and so the write's preconditions, came from.
    pub fleet: Arc<Fleet>,
    pub change: Change,
    pub result: Result<WriteReport, WriteError>,
    /// After a commit: where its audit record went, or why it could not be written.
    pub audit: Option<Result<PathBuf, String>>,
}
