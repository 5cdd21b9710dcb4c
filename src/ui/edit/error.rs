//! Why an edit dialog has nothing to write, or could not start a write: a typed error in
//! place of strings, keeping the engine's own error as its source.

use crate::impact::ChangeError;

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
