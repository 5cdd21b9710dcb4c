//! The dialogs inside the app: opening them from the selection, routing their keys, starting
//! writes, and taking the writes' answers. The state stays in [`App`]; this file is its edit
//! half.

use super::Dialog;
use super::flow::{Problem, ProblemKind, Stage};
use super::labels::{FieldStyles, LabelDialog};
use super::pin::PinDialog;
use super::rotate::RotateDialog;
use super::targets::{TargetOption, options};
use super::writes::{AuditTarget, WriteJob};
use crate::clipboard;
use crate::fleet::{ClaimId, ClaimStage, Fleet, HostId, HostKey, NodeTypeId};
use crate::impact::label::undo_labels;
use crate::impact::{Change, LabelEdit};
use crate::ui::action::{Action, EditKind, PaneId};
use crate::ui::app::{App, LastLabelEdit, Mode, Popup, Severity};
use crate::ui::edit::{EditError, UndoRefusal};
use crate::ui::message::{Message, WriteOutcome};
use crate::ui::nav::Screen;
use crate::write::{WriteMode, audit};
use tokio::sync::mpsc::UnboundedReceiver;

impl App {
    fn field_styles(&self) -> FieldStyles {
        FieldStyles {
            text: self.theme.ui.text,
            placeholder: self.theme.ui.muted,
        }
    }

    /// The host under the cursor: a row of the hosts table, or an open host.
    pub fn selected_host(&self) -> Option<HostId> {
        let view = self.nav.view();
        match &view.screen {
            Screen::Pane(p) if *p == PaneId::Hosts => view.selected_row().map(HostId),
            Screen::HostDetail(key) => self.data.fleet.host_by_key(key),
            _ => None,
        }
    }

    /// A host as an edit names it: its [`HostKey`] spelling, which resolves back to it.
    fn host_key(&self, h: HostId) -> String {
        self.data.fleet.host(h).key().to_string()
    }

    /// The machine (claim) under the cursor in the machines pane, or the one whose details
    /// are open.
    pub fn selected_claim(&self) -> Option<ClaimId> {
        let view = self.nav.view();
        match &view.screen {
            Screen::Pane(p) if *p == PaneId::Machines => view.selected_row().map(ClaimId),
            Screen::ClaimDetail { namespace, name } => {
                self.data.fleet.claim_by_key(namespace, name)
            }
            _ => None,
        }
    }

    /// The node type under the cursor in the node types pane.
    fn selected_type(&self) -> Option<NodeTypeId> {
        let view = self.nav.view();
        match view.screen {
            Screen::Pane(p) if p == PaneId::Types => view
                .selected_row()
                .and_then(|r| self.data.types.get(r as usize))
                .map(|row| row.id),
            _ => None,
        }
    }

    /// What `e` may edit: the selected host, the marked hosts, the hosts a filter or
    /// drill-down shows.
    pub fn label_targets(&self) -> Vec<TargetOption> {
        let fleet = &self.data.fleet;
        let selected = self.selected_host().map(|h| self.host_key(h));
        let marked: Vec<String> = self
            .marked
            .iter()
            .filter(|k| fleet.host_by_key(k).is_some())
            .map(HostKey::to_string)
            .collect();
        let view = self.nav.view();
        let narrowed = view.scope.is_some() || !view.filter.is_none();
        let shown = (view.pane() == Some(PaneId::Hosts) && narrowed).then(|| {
            let why: Vec<String> = view
                .scope
                .iter()
                .map(|s| s.describe())
                .chain(view.filter.describe())
                .collect();
            let hosts = view
                .rows
                .iter()
                .map(|&r| self.host_key(HostId(r)))
                .collect();
            (hosts, why.join(" "))
        });
        options(selected, marked, shown, fleet.hosts_span_clusters())
    }

    pub(in crate::ui) fn open_edit(&mut self, kind: EditKind) {
        if self.settings.mode == Mode::Watch || self.writer.is_none() {
            self.refuse_edit(kind);
            return;
        }
        let fleet = self.data.fleet.clone();
        let styles = self.field_styles();
        let dialog = match kind {
            EditKind::Labels => {
                let options = self.label_targets();
                if options.is_empty() {
                    self.notify(
                        "edit labels: select a host in the hosts pane (5), mark hosts with Space, or filter them",
                        Severity::Error,
                    );
                    return;
                }
                Dialog::Labels(Box::new(LabelDialog::open(fleet, options, styles)))
            }
            EditKind::Pin => match (self.selected_host(), self.selected_claim()) {
                (Some(h), _) => Dialog::Pin(Box::new(PinDialog::open(fleet, h, styles))),
                (None, Some(c)) => {
                    let claim = fleet.claim(c);
                    if let Some(h) = claim.host {
                        let text = format!(
                            "pin: machine {} holds {} already; a pin applies only when its Machine is re-created",
                            claim.key(),
                            fleet.shown_name(h)
                        );
                        self.notify(text, Severity::Error);
                        return;
                    }
                    if claim.stage != ClaimStage::Pending {
                        let text = format!(
                            "pin: machine {} is {}; the platform places only pending claims",
                            claim.key(),
                            claim.stage.as_str()
                        );
                        self.notify(text, Severity::Error);
                        return;
                    }
                    Dialog::Pin(Box::new(PinDialog::open_claim(fleet, c, styles)))
                }
                (None, None) => {
                    self.notify(
                        "pin: select a server (hosts pane, 5) or a pending machine (machines pane, 6), then press p",
                        Severity::Error,
                    );
                    return;
                }
            },
            EditKind::Rotate => match self.selected_type() {
                Some(t) => Dialog::Rotate(Box::new(RotateDialog::open(fleet, t, styles))),
                None => {
                    self.notify(
                        "rotate: select a node type in the node types pane (4), then press r",
                        Severity::Error,
                    );
                    return;
                }
            },
            EditKind::Undo => match self.undo_from_audit_log(&fleet) {
                Some(Ok(change)) => Dialog::Labels(Box::new(LabelDialog::undo(fleet, change))),
                Some(Err(why)) => {
                    self.notify(why.to_string(), Severity::Error);
                    return;
                }
                // No audit log to read: this session's own last label edit.
                None => {
                    let Some(last) = &self.last_applied else {
                        self.notify(
                            "nothing to undo: no label edit was applied since gpufleet started, and there is no audit log to read",
                            Severity::Error,
                        );
                        return;
                    };
                    match undo_labels(&last.before, &last.edits) {
                        Ok(change) => Dialog::Labels(Box::new(LabelDialog::undo(fleet, change))),
                        Err(e) => {
                            self.notify(format!("cannot undo: {e}"), Severity::Error);
                            return;
                        }
                    }
                }
            },
        };
        self.open_dialog(dialog);
    }

    /// The undo of the last edit the audit log records as applied in this context: its
    /// change, or why `u` refuses (none undoable, or the objects changed since: an undo then
    /// would overwrite what someone else wrote). `None` when there is no audit log to read.
    ///
    /// Checked against `fleet` when the dialog opens and again before its dry run and its
    /// commit, on the data the write would carry as its preconditions: a change made by
    /// someone else while the dialog is open refuses the undo too.
    fn undo_from_audit_log(&self, fleet: &Fleet) -> Option<Result<Change, UndoRefusal>> {
        let path = self.settings.audit_log.as_ref()?;
        let context = &self.settings.context;
        let last = match audit::last_applied(path, context) {
            Ok(Some(last)) => last,
            Ok(None) if self.last_applied.is_some() => return None,
            Ok(None) => {
                return Some(Err(UndoRefusal::NothingLogged {
                    log: path.clone(),
                    context: context.clone(),
                }));
            }
            Err(e) => {
                return Some(Err(UndoRefusal::UnreadableLog {
                    log: path.clone(),
                    source: std::sync::Arc::new(e),
                }));
            }
        };
        let what = format!("{} ({}, {})", last.summary, last.time, last.user);
        let Some(undo) = last.undo else {
            let why = last
                .no_undo
                .unwrap_or_else(|| "the record says nothing of how to undo it".into());
            return Some(Err(UndoRefusal::NoUndo { what, why }));
        };
        // Every object it wrote must be as the write left it.
        let objects = fleet.objects();
        for o in last.report.iter().flat_map(|r| r.objects.iter()) {
            let name = match (&o.cluster, &o.namespace) {
                (Some(c), Some(ns)) => format!("{c}/{ns}/{}", o.name),
                (None, Some(ns)) => format!("{ns}/{}", o.name),
                _ => o.name.clone(),
            };
            let now = objects.resource_version(
                &o.kind,
                o.cluster.as_deref(),
                o.namespace.as_deref(),
                &o.name,
            );
            let after = o.resource_version_after.as_deref();
            match now {
                Some(now) if now == after => {}
                Some(now) if now.is_some() && now == o.resource_version_before.as_deref() => {
                    return Some(Err(UndoRefusal::NotSeenYet {
                        kind: o.kind.to_string(),
                        name,
                        resource_version: now.unwrap_or_default().to_owned(),
                    }));
                }
                Some(now) => {
                    return Some(Err(UndoRefusal::ChangedSince {
                        kind: o.kind.to_string(),
                        name,
                        what,
                        after: after.unwrap_or("(none)").to_owned(),
                        now: now.unwrap_or("(none)").to_owned(),
                    }));
                }
                None => {
                    return Some(Err(UndoRefusal::Gone {
                        kind: o.kind.to_string(),
                        name,
                        what,
                    }));
                }
            }
        }
        Some(Ok(undo))
    }

    /// An action while a dialog is open.
    pub(in crate::ui) fn dialog_action(&mut self, action: Action) {
        let fleet = self.data.fleet.clone();
        let page = self.page_rows() as isize;
        let Some(dialog) = self.modal.dialog_mut() else {
            return;
        };
        let editing = dialog.flow().is_editing();
        match action {
            Action::DialogConfirm => self.confirm(),
            Action::DialogCancel => self.cancel_dialog(),
            Action::PageDown => dialog.flow_mut().scroll_by(page / 2),
            Action::PageUp => dialog.flow_mut().scroll_by(-page / 2),
            _ if !editing => {}
            Action::DialogNext => dialog.next(fleet, 1),
            Action::DialogPrev => dialog.next(fleet, -1),
            Action::DialogNewline => {
                if let Dialog::Labels(d) = dialog {
                    d.newline(fleet)
                }
            }
            Action::TextKey(key) => dialog.text_key(fleet, key),
            Action::Down => dialog.move_in_list(fleet, 1),
            Action::Up => dialog.move_in_list(fleet, -1),
            Action::CopySnippet => self.copy_snippet(),
            _ => {}
        }
    }

    /// Enter or Ctrl-s: pick the hosts, then dry-run, then commit.
    fn confirm(&mut self) {
        let fleet = self.data.fleet.clone();
        let styles = self.field_styles();
        let Some(dialog) = self.modal.dialog_mut() else {
            return;
        };
        if let Dialog::Labels(d) = dialog
            && d.pick(fleet, styles)
        {
            return;
        }
        let flow = dialog.flow();
        match &flow.stage {
            Stage::Editing if !flow.proposal.ready => {
                let why = flow
                    .proposal
                    .change
                    .as_ref()
                    .err()
                    .map(EditError::to_string);
                self.notify(
                    format!(
                        "nothing to write yet: {}",
                        why.unwrap_or_else(|| "the preview refuses this change".into())
                    ),
                    Severity::Error,
                );
            }
            Stage::Editing => self.start_write(WriteMode::DryRun),
            Stage::Confirming { .. } => self.start_write(WriteMode::Commit),
            Stage::DryRunning { .. } | Stage::Committing { .. } => {
                self.notify("waiting for the server's answer", Severity::Info)
            }
        }
    }

    fn audit_target(&self) -> Option<AuditTarget> {
        Some(AuditTarget {
            path: self.settings.audit_log.clone()?,
            user: self.settings.user.clone(),
            context: self.settings.context.clone(),
        })
    }

    fn start_write(&mut self, mode: WriteMode) {
        let (Some(writer), audit) = (self.writer.clone(), self.audit_target()) else {
            return;
        };
        if let Some(Dialog::Labels(d)) = self.dialog()
            && d.is_undo()
            && let Some(Err(why)) = self.undo_from_audit_log(&d.flow.proposal.fleet)
        {
            if let Some(dialog) = self.modal.dialog_mut() {
                let flow = dialog.flow_mut();
                flow.stage = Stage::Editing;
                flow.problem = Some(Problem {
                    text: why.to_string(),
                    kind: ProblemKind::Conflict,
                });
            }
            self.notify(why.to_string(), Severity::Error);
            return;
        }
        self.next_write += 1;
        let id = self.next_write;
        let inbox = self.inbox_sender();
        let Some(dialog) = self.modal.dialog_mut() else {
            return;
        };
        let flow = dialog.flow_mut();
        let Ok(change) = flow.proposal.change.clone() else {
            return;
        };
        let job = WriteJob {
            id,
            mode,
            fleet: flow.proposal.fleet.clone(),
            change,
            writer,
            audit,
        };
        match job.spawn(inbox) {
            Ok(()) => {
                flow.problem = None;
                flow.scroll = 0;
                flow.stage = match mode {
                    WriteMode::DryRun => Stage::DryRunning { id },
                    WriteMode::Commit => Stage::Committing { id },
                };
            }
            Err(e) => flow.problem = Some(Problem::refused(e.to_string())),
        }
    }

    /// Esc: from the confirmation back to editing; otherwise close. A write under way goes
    /// on, and its answer shows as a notice.
    fn cancel_dialog(&mut self) {
        let Some(dialog) = self.modal.dialog_mut() else {
            return;
        };
        let flow = dialog.flow_mut();
        match flow.stage {
            Stage::Confirming { .. } => flow.stage = Stage::Editing,
            Stage::DryRunning { .. } | Stage::Committing { .. } => {
                self.close_dialog();
                self.notify(
                    "closed; the write under way will report here",
                    Severity::Info,
                );
            }
            Stage::Editing => self.close_dialog(),
        }
    }

    fn copy_snippet(&mut self) {
        let Some(Dialog::Pin(d)) = self.modal.dialog_mut() else {
            return;
        };
        let Some(snippet) = d.snippet.clone() else {
            self.notify("no snippet yet: complete the pin first", Severity::Error);
            return;
        };
        let what = "the vcluster.yaml snippet";
        let copy = match &self.settings.clipboard {
            Some(route) => clipboard::plan(&snippet, what, route),
            None => clipboard::plan_for_this_terminal(&snippet, what),
        };
        if let Some(bytes) = copy.bytes {
            self.output.push(bytes);
        }
        d.copy_note = Some(copy.note.clone());
        if copy.show_text {
            self.set_popup(Some(Popup::CopyText {
                text: snippet,
                note: copy.note,
            }));
        }
    }

    /// Pasted text goes to the focused field of a dialog, or to the prompt.
    pub fn paste(&mut self, text: &str) -> bool {
        let fleet = self.data.fleet.clone();
        if let Some(dialog) = self.modal.dialog_mut() {
            if dialog.flow().is_editing() {
                dialog.paste(fleet, text);
            }
            return true;
        }
        if self.prompt().is_some() {
            for c in super::field::clean_paste(text, false).chars() {
                self.update(Action::InputChar(c));
            }
            return true;
        }
        false
    }

    /// A new snapshot: a dialog being edited previews on it.
    pub(in crate::ui) fn refresh_dialog(&mut self) {
        let fleet = self.data.fleet.clone();
        if let Some(dialog) = self.modal.dialog_mut()
            && dialog.flow().is_editing()
        {
            dialog.recompute(fleet);
        }
    }

    /// Escape sequences for the terminal itself (OSC 52), written by the loop after a frame.
    pub fn take_output(&mut self) -> Vec<String> {
        std::mem::take(&mut self.output)
    }

    /// The receiving end of the app's messages, for the loop (once).
    pub fn take_inbox(&mut self) -> Option<UnboundedReceiver<Message>> {
        self.inbox.take()
    }

    /// A background task's answer; returns whether the screen changes.
    pub fn receive(&mut self, message: Message) -> bool {
        match message {
            Message::Written(outcome) => self.written(outcome),
        }
        true
    }

    fn written(&mut self, outcome: WriteOutcome) {
        let target = self.writer_target().unwrap_or_default();
        let ours = self
            .dialog()
            .is_some_and(|d| d.flow().busy_id() == Some(outcome.id));
        let audit = match &outcome.audit {
            Some(Ok(_)) => "; recorded in the audit log (:ctx shows where)".to_string(),
            Some(Err(e)) => format!("; NOT in the audit log: {e}"),
            None => String::new(),
        };
        match (&outcome.result, outcome.mode) {
            (Ok(report), WriteMode::DryRun) => {
                if ours && let Some(d) = self.modal.dialog_mut() {
                    let flow = d.flow_mut();
                    flow.stage = Stage::Confirming {
                        report: report.clone(),
                    };
                    flow.scroll = 0;
                }
            }
            (Ok(report), WriteMode::Commit) => {
                let edits: Option<Vec<LabelEdit>> = match &outcome.change {
                    Change::Label(e) => Some(vec![e.clone()]),
                    Change::Labels(es) => Some(es.clone()),
                    _ => None,
                };
                let undo = if let Some(edits) = edits {
                    self.last_applied = Some(LastLabelEdit {
                        before: outcome.fleet.clone(),
                        edits,
                    });
                    "; u undoes it"
                } else {
                    ""
                };
                if ours {
                    self.close_dialog();
                }
                let n = report.objects.len();
                self.notify(
                    format!(
                        "written to {}: {} ({n} object{}){undo}{audit}",
                        report.written_to(&target),
                        outcome.change,
                        if n == 1 { "" } else { "s" }
                    ),
                    Severity::Info,
                );
            }
            (Err(error), mode) => {
                let problem = Problem::of(error);
                let failed = match mode {
                    WriteMode::DryRun => "dry run refused",
                    WriteMode::Commit => "write failed",
                };
                if ours && let Some(d) = self.modal.dialog_mut() {
                    d.flow_mut().stage = Stage::Editing;
                    // Never retried: the preview is recomputed on the newest snapshot and
                    // waits for the operator.
                    d.recompute(self.data.fleet.clone());
                    d.flow_mut().problem = Some(problem);
                    if !audit.is_empty() {
                        self.notify(format!("{failed}{audit}"), Severity::Error);
                    }
                } else {
                    self.notify(
                        format!("{failed}: {}{audit}", problem.text),
                        Severity::Error,
                    );
                }
            }
        }
    }

    /// The label edits `u` would undo.
    pub fn last_applied_edits(&self) -> Option<&[LabelEdit]> {
        self.last_applied.as_ref().map(|l| l.edits.as_slice())
    }

    /// Space in the hosts table: mark or unmark the host and move on.
    pub(in crate::ui) fn toggle_mark(&mut self) {
        let view = self.nav.view();
        let (true, Some(row)) = (view.pane() == Some(PaneId::Hosts), view.selected_row()) else {
            let how = match PaneId::Hosts.key() {
                Some(key) => format!("press {key} for the hosts table"),
                None => format!(":{} for the hosts table", PaneId::Hosts.command()),
            };
            self.notify(format!("marks are for hosts: {how}"), Severity::Error);
            return;
        };
        let Some(key) = self.data.fleet.hosts().get(row as usize).map(|h| h.key()) else {
            return;
        };
        if !self.marked.remove(&key) {
            self.marked.insert(key);
        }
        self.move_by(1);
    }

    pub(in crate::ui) fn clear_marks(&mut self) {
        let n = self.marked.len();
        self.marked.clear();
        self.notify(format!("{n} marks cleared"), Severity::Info);
    }
}
