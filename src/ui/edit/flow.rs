//! The one path every dialog takes to a write: editing with a live preview → a server-side
//! dry run → a second confirmation → the commit. A refusal or a conflict brings the dialog
//! back to editing with the reason shown, and the preview recomputed on the newest
//! snapshot: nothing is ever retried or overwritten on its own.

use super::preview::{PLine, Tone, impact_lines, refused_lines};
use crate::fleet::Fleet;
use crate::format::{counted, thousands};
use crate::impact::{Change, Impact, impact};
use crate::ui::edit::EditError;
use crate::write::{WriteError, WriteReport};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    Editing,
    /// The dry run is under way.
    DryRunning {
        id: u64,
    },
    /// The dry run passed: the next confirmation commits.
    Confirming {
        report: WriteReport,
    },
    Committing {
        id: u64,
    },
}

/// A change and its preview, computed on one snapshot (whose resourceVersions a write of it
/// carries as preconditions).
#[derive(Clone, Debug)]
pub struct Proposal {
    pub fleet: Arc<Fleet>,
    /// The change the input makes, or why it makes none.
    pub change: Result<Change, EditError>,
    pub lines: Vec<PLine>,
    /// Whether the preview succeeded, so the change may be written.
    pub ready: bool,
}

impl Proposal {
    pub fn empty(fleet: Arc<Fleet>, why: &str) -> Proposal {
        Proposal {
            fleet,
            change: Err(EditError::incomplete(why)),
            lines: vec![PLine::one(Tone::Muted, why)],
            ready: false,
        }
    }

    /// Previews `change` on `fleet`; `extra` adds the dialog's own lines around the impact's.
    pub fn compute(
        fleet: Arc<Fleet>,
        change: Result<Change, EditError>,
        extra: impl FnOnce(&Fleet, &Change, &Impact) -> (Vec<PLine>, Vec<PLine>),
    ) -> Proposal {
        let outcome = change
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|c| impact(&fleet, c).map_err(EditError::from).map(|i| (c, i)));
        let (lines, ready) = match outcome {
            Ok((c, i)) => {
                let (before, after) = extra(&fleet, c, &i);
                // A pin the preview says fails leaves a claim the platform never retries:
                // not written (as `apply` refuses it).
                let failing = i.failing_pin();
                let mut lines = match &failing {
                    Some(why) => refused_lines(&format!("not writable: {why}")),
                    None => Vec::new(),
                };
                lines.extend(before);
                lines.extend(impact_lines(&i));
                lines.extend(after);
                (lines, failing.is_none())
            }
            Err(why) => (refused_lines(&why.to_string()), false),
        };
        Proposal {
            fleet,
            change,
            lines,
            ready,
        }
    }
}

/// Why a write did not happen: the objects changed since the preview, or the write was
/// refused. A conflict is the API server's optimistic concurrency at work: a write whose
/// `resourceVersion` precondition (or JSON patch `test`) no longer holds is answered `409
/// Conflict` (Kubernetes docs, "API Concepts", "Resource versions",
/// <https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions>), and the
/// dialog previews again on the newest data; anything else is a refusal, shown as it is.
/// Read from a [`WriteError`] with [`WriteError::is_conflict`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The objects changed since the preview ([`WriteError::Conflict`]); preview again.
    Conflict,
    /// Invalid, forbidden, rejected, read-only or unreachable: the write cannot land as it is.
    Refused,
}

/// What the last write said, shown until the input changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub text: String,
    pub kind: ProblemKind,
}

impl Problem {
    pub fn of(error: &WriteError) -> Problem {
        if error.is_conflict() {
            Problem {
                text: format!("{error}. The preview below is recomputed on the newest data."),
                kind: ProblemKind::Conflict,
            }
        } else {
            Problem::refused(error.to_string())
        }
    }

    /// A refusal with its reason.
    pub fn refused(text: impl Into<String>) -> Problem {
        Problem {
            text: text.into(),
            kind: ProblemKind::Refused,
        }
    }

    pub fn is_conflict(&self) -> bool {
        self.kind == ProblemKind::Conflict
    }
}

#[derive(Clone, Debug)]
pub struct Flow {
    pub stage: Stage,
    pub proposal: Proposal,
    pub problem: Option<Problem>,
    /// First preview line shown.
    pub scroll: usize,
}

impl Flow {
    pub fn new(proposal: Proposal) -> Flow {
        Flow {
            stage: Stage::Editing,
            proposal,
            problem: None,
            scroll: 0,
        }
    }

    pub fn is_editing(&self) -> bool {
        self.stage == Stage::Editing
    }

    pub fn busy_id(&self) -> Option<u64> {
        match self.stage {
            Stage::DryRunning { id } | Stage::Committing { id } => Some(id),
            _ => None,
        }
    }

    pub fn scroll_by(&mut self, delta: isize) {
        let last = self.proposal.lines.len().saturating_sub(1) as isize;
        self.scroll = (self.scroll as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// Whether `change` needs a new preview: it differs from the previewed one (which also
    /// ends a write's complaint, kept until the input changes), or `force` (a new snapshot).
    pub fn wants_preview(&mut self, change: &Result<Change, EditError>, force: bool) -> bool {
        if *change != self.proposal.change {
            self.problem = None;
            return true;
        }
        force
    }

    /// A new proposal while editing; the scroll stays where it was when it still fits.
    pub fn set_proposal(&mut self, proposal: Proposal) {
        self.proposal = proposal;
        self.scroll = self.scroll.min(self.proposal.lines.len().saturating_sub(1));
    }
}

/// What a dry run or a commit answered, as lines heading the preview. `with_cluster`: the
/// fleet spans Metal3 clusters, so each BareMetalHost is named with its cluster
/// ([`crate::impact::object_name`]).
pub fn report_lines(
    report: &WriteReport,
    target: &str,
    committed: bool,
    with_cluster: bool,
) -> Vec<PLine> {
    let n = report.objects.len();
    let objects = counted(n as u64, "object", "objects");
    // The contexts the objects went through, where the writer names them: a write to one
    // site's hosts names that site's context, not the platform's.
    let target = report.written_to(target);
    let head = if committed {
        format!("Written to {target}: {objects}")
    } else {
        format!("Dry run on {target}: the server accepts {objects}. Enter writes; Esc goes back.")
    };
    let mut lines = vec![PLine::one(Tone::Good, head)];
    for o in report.objects.iter().take(6) {
        let name = o.shown_name(with_cluster);
        let version = match &o.resource_version_before {
            Some(rv) => format!(" (resourceVersion {rv} as previewed)"),
            None => String::new(),
        };
        lines.push(
            PLine::one(Tone::Text, format!("  {} {name}", o.kind)).push(Tone::Muted, version),
        );
    }
    if n > 6 {
        lines.push(PLine::one(
            Tone::Muted,
            format!("  … and {} more", thousands((n - 6) as u64)),
        ));
    }
    lines
}
