//! Writes leave the UI loop: each runs on a tokio task and its answer comes back as a
//! [`Message`]. A commit is recorded in the audit log by the same task, whatever it returned.

use crate::fleet::Fleet;
use crate::impact::{Change, undo_of};
use crate::ui::edit::EditError;
use crate::ui::message::{Message, WriteOutcome};
use crate::write::audit::{AuditRecord, append};
use crate::write::{WriteMode, Writer};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Who writes, for the audit log.
#[derive(Clone, Debug)]
pub struct AuditTarget {
    pub path: PathBuf,
    pub user: String,
    pub context: String,
}

pub struct WriteJob {
    pub id: u64,
    pub mode: WriteMode,
    pub fleet: Arc<Fleet>,
    pub change: Change,
    pub writer: Arc<dyn Writer>,
    pub audit: Option<AuditTarget>,
}

impl WriteJob {
    pub async fn run(self) -> WriteOutcome {
        let result = self
            .writer
            .write(&self.fleet, &self.change, self.mode)
            .await;
        let audit = match (self.mode, &self.audit) {
            (WriteMode::Commit, Some(target)) => {
                let record =
                    AuditRecord::new(&target.user, &target.context, &self.change, result.as_ref())
                        .with_undo(undo_of(&self.fleet, &self.change).map_err(|e| e.to_string()));
                Some(
                    append(&target.path, &record)
                        .map(|()| target.path.clone())
                        .map_err(|e| format!("{}: {e}", target.path.display())),
                )
            }
            (WriteMode::Commit, None) => Some(Err(
                "no audit log: neither XDG_STATE_HOME nor HOME is set".into(),
            )),
            (WriteMode::DryRun, _) => None,
        };
        WriteOutcome {
            id: self.id,
            mode: self.mode,
            fleet: self.fleet,
            change: self.change,
            result,
            audit,
        }
    }

    /// Starts the write on the current tokio runtime; its answer goes to `inbox`.
    pub fn spawn(self, inbox: UnboundedSender<Message>) -> Result<(), EditError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| EditError::NoRuntime)?;
        handle.spawn(async move {
            let outcome = self.run().await;
            // The app may have quit meanwhile; the write stands either way.
            let _ = inbox.send(Message::Written(outcome));
        });
        Ok(())
    }
}
