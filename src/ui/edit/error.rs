//! Why an edit dialog has nothing to write, or could not start a write: a typed error in
//! place of strings, keeping the engine's own error as its source.

use crate::impact::ChangeError;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a dialog's inputs make no change to write, or why a write could not start.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The inputs are not complete yet; the text says what is missing (`choose the hosts to
    /// edit`, `type the vCluster and the project of the new claim`).
    #[error("{0}")]
    Incomplete(String),
    /// A word of the label text breaks a rule of Kubernetes label syntax (1-based line).
    #[error("line {line}: {message}")]
    Text {
        /// The line of the text, from 1.
        line: usize,
        /// The rule it breaks.
        message: String,
    },
    /// The change the inputs make is refused by the engine (a label rule, an unknown name,
    /// a pin that cannot hold).
    #[error(transparent)]
    Invalid(#[from] ChangeError),
    /// A write needs an async runtime, and there was none.
    #[error("no async runtime to write from")]
    NoRuntime,
}

impl EditError {
    /// Inputs not complete yet, with what to do.
    pub fn incomplete(what: impl Into<String>) -> EditError {
        EditError::Incomplete(what.into())
    }
}

/// Why `u` has no undo to offer from the audit log, or refuses the one it has: the text the
/// footer or the dialog shows. An audit log that cannot be read gives its I/O error as
/// `source()`.
#[derive(Clone, Debug, thiserror::Error)]
pub enum UndoRefusal {
    /// The audit log records no edit in this context.
    #[error(
        "nothing to undo: the audit log ({}) records no edit in context {context}",
        log.display()
    )]
    NothingLogged {
        /// The audit log.
        log: PathBuf,
        /// The kube context.
        context: String,
    },
    /// The audit log cannot be read.
    #[error("cannot read the audit log {}: {source}", log.display())]
    UnreadableLog {
        /// The audit log.
        log: PathBuf,
        /// Why (shared, so the refusal can be cloned).
        source: Arc<std::io::Error>,
    },
    /// The last edit records no undo (`what`: its summary, time and user).
    #[error("cannot undo the last edit, {what}: {why}")]
    NoUndo {
        /// The edit: summary, time and user.
        what: String,
        /// Why it has no undo, as the log records it.
        why: String,
    },
    /// An object the edit wrote is still at its version before: the watch has not caught up.
    #[error(
        "the fleet does not show the last edit yet ({kind} {name} is still at resourceVersion {resource_version}): try u again in a moment"
    )]
    NotSeenYet {
        /// The object's kind.
        kind: String,
        /// The object's name, with its cluster and namespace.
        name: String,
        /// Its resourceVersion, the one before the edit.
        resource_version: String,
    },
    /// An object the edit wrote changed since: an undo would overwrite that change.
    #[error(
        "undo refused: {kind} {name} changed since the last edit, {what} (resourceVersion {after} is now {now}); undoing would overwrite that change"
    )]
    ChangedSince {
        /// The object's kind.
        kind: String,
        /// The object's name, with its cluster and namespace.
        name: String,
        /// The edit: summary, time and user.
        what: String,
        /// The resourceVersion the edit left, or `(none)`.
        after: String,
        /// The resourceVersion now, or `(none)`.
        now: String,
    },
    /// An object the edit wrote is gone.
    #[error("undo refused: {kind} {name}, written by the last edit, {what}, is gone")]
    Gone {
        /// The object's kind.
        kind: String,
        /// The object's name, with its cluster and namespace.
        name: String,
        /// The edit: summary, time and user.
        what: String,
    },
}
