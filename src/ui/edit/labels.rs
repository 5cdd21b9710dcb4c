//! The label editor: which hosts (chosen first when there is a choice), kubectl label words
//! typed with validation and Tab completion, and the live preview of their impact. An undo
//! is the same dialog with its change ready made and nothing to type.

use super::complete::{Completion, LabelIndex};
use super::field::Field;
use super::flow::{Flow, Proposal};
use super::label_text::{ParsedText, parse};
use super::targets::{TargetOption, list_names};
use crate::fleet::Fleet;
use crate::impact::{Change, HostTargets};
use crate::ui::edit::EditError;
use crate::ui::keymap::KeyMode;
use crossterm::event::KeyEvent;
use ratatui::style::Style;
use std::sync::Arc;

pub struct LabelEditor {
    pub targets: TargetOption,
    pub field: Field,
    index: LabelIndex,
    pub parsed: ParsedText,
    pub completion: Completion,
}

pub enum LabelStep {
    Choose {
        options: Vec<TargetOption>,
        selected: usize,
    },
    Edit(Box<LabelEditor>),
    /// Restores what the last applied edit changed.
    Undo {
        change: Change,
        describe: String,
    },
}

pub struct LabelDialog {
    pub step: LabelStep,
    pub flow: Flow,
}

/// Styles the editor's text is typed in.
#[derive(Clone, Copy, Debug)]
pub struct FieldStyles {
    pub text: Style,
    pub placeholder: Style,
}

const PLACEHOLDER: &str =
    "tenant=acme maintenance-   (key=value sets, key- removes; Tab completes)";

impl LabelDialog {
    /// A dialog for these choices of hosts; with one choice it starts typing at once.
    pub fn open(fleet: Arc<Fleet>, mut options: Vec<TargetOption>, styles: FieldStyles) -> Self {
        if options.len() == 1 {
            let targets = options.remove(0);
            return LabelDialog::editing(fleet, targets, styles);
        }
        LabelDialog {
            step: LabelStep::Choose {
                options,
                selected: 0,
            },
            flow: Flow::new(Proposal::empty(fleet, "choose the hosts to edit")),
        }
    }

    fn editing(fleet: Arc<Fleet>, targets: TargetOption, styles: FieldStyles) -> Self {
        let mut field = Field::multi("labels", styles.text);
        field.set_placeholder(PLACEHOLDER, styles.placeholder);
        let editor = LabelEditor {
            index: LabelIndex::build(&fleet),
            targets,
            field,
            parsed: ParsedText::default(),
            completion: Completion::default(),
        };
        let mut dialog = LabelDialog {
            step: LabelStep::Edit(Box::new(editor)),
            flow: Flow::new(Proposal::empty(fleet.clone(), "")),
        };
        dialog.refresh(fleet, true);
        dialog
    }

    pub fn undo(fleet: Arc<Fleet>, change: Change) -> Self {
        let describe = change.to_string();
        let proposal = Proposal::compute(fleet, Ok(change.clone()), |_, _, _| {
            (Vec::new(), Vec::new())
        });
        LabelDialog {
            step: LabelStep::Undo { change, describe },
            flow: Flow::new(proposal),
        }
    }

    /// Whether this dialog undoes the last edit.
    pub fn is_undo(&self) -> bool {
        matches!(self.step, LabelStep::Undo { .. })
    }

    pub fn key_mode(&self) -> KeyMode {
        match &self.step {
            LabelStep::Choose { .. } => KeyMode::Choose,
            LabelStep::Edit(_) => KeyMode::Labels,
            LabelStep::Undo { .. } => KeyMode::Review,
        }
    }

    pub fn title(&self) -> String {
        match &self.step {
            LabelStep::Choose { .. } => "Edit labels: on which hosts?".into(),
            LabelStep::Edit(e) => {
                let n = e.targets.hosts.len();
                let names = super::targets::display_names(&e.targets.hosts, e.targets.with_cluster);
                let names = list_names(names.iter().map(String::as_str), 3);
                match n {
                    1 => format!("Edit labels of {names}"),
                    _ => format!("Edit labels of {n} hosts: {names}"),
                }
            }
            LabelStep::Undo { describe, .. } => format!("Undo the last edit: {describe}"),
        }
    }

    /// The change the dialog would write.
    pub fn change(&self) -> Result<Change, EditError> {
        match &self.step {
            LabelStep::Choose { .. } => Err(EditError::incomplete("choose the hosts to edit")),
            LabelStep::Edit(e) => e
                .parsed
                .edit(HostTargets::Names(e.targets.hosts.clone()))
                .map(Change::Label),
            LabelStep::Undo { change, .. } => Ok(change.clone()),
        }
    }

    /// Re-reads the text; previews again when the change it makes is new, or when `force`d
    /// (a new snapshot).
    pub fn refresh(&mut self, fleet: Arc<Fleet>, force: bool) {
        if let LabelStep::Edit(e) = &mut self.step {
            e.parsed = parse(e.field.editor.lines(), e.field.cursor());
            e.completion = e.index.complete(e.field.before_cursor());
        }
        let change = self.change();
        if !self.flow.wants_preview(&change, force) {
            return;
        }
        let proposal = Proposal::compute(fleet, change, |_, _, _| (Vec::new(), Vec::new()));
        self.flow.set_proposal(proposal);
    }

    fn editor(&mut self) -> Option<&mut LabelEditor> {
        match &mut self.step {
            LabelStep::Edit(e) => Some(e),
            _ => None,
        }
    }

    /// A key for the text; the preview follows.
    pub fn text_key(&mut self, fleet: Arc<Fleet>, key: KeyEvent) {
        if let Some(e) = self.editor() {
            e.field.key(key);
            self.refresh(fleet, false);
        }
    }

    pub fn paste(&mut self, fleet: Arc<Fleet>, text: &str) {
        if let Some(e) = self.editor() {
            e.field.paste(text);
            self.refresh(fleet, false);
        }
    }

    pub fn newline(&mut self, fleet: Arc<Fleet>) {
        if let Some(e) = self.editor() {
            e.field.newline();
            self.refresh(fleet, false);
        }
    }

    /// Tab: completes the word at the cursor from the fleet's labels.
    pub fn complete(&mut self, fleet: Arc<Fleet>) {
        if let Some(e) = self.editor()
            && let Some(text) = e.completion.insertion()
        {
            e.field.insert(&text);
            self.refresh(fleet, false);
        }
    }

    pub fn move_choice(&mut self, delta: isize) {
        if let LabelStep::Choose { options, selected } = &mut self.step {
            let last = options.len().saturating_sub(1) as isize;
            *selected = (*selected as isize + delta).clamp(0, last) as usize;
        }
    }

    /// Enter while choosing: start typing for the chosen hosts. Returns false when not
    /// choosing.
    pub fn pick(&mut self, fleet: Arc<Fleet>, styles: FieldStyles) -> bool {
        let LabelStep::Choose { options, selected } = &mut self.step else {
            return false;
        };
        if options.is_empty() {
            return false;
        }
        let targets = options.swap_remove((*selected).min(options.len() - 1));
        *self = LabelDialog::editing(fleet, targets, styles);
        true
    }
}
