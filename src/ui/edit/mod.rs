//! Edit dialogs: label edits, pins and OS image rotations. Each shows a live preview from
//! `impact::impact` as the input changes, and takes the same path to a write
//! ([`flow`]): preview → server-side dry run → second confirmation → commit, on a tokio task
//! ([`writes`]). Nothing is written before that second confirmation.

pub mod complete;
pub mod draw;
pub mod field;
pub mod flow;
pub mod label_text;
pub mod labels;
pub mod pin;
pub mod preview;
pub mod rotate;
pub mod session;
pub mod targets;
pub mod writes;

use crate::fleet::Fleet;
use crate::impact::Change;
use crate::ui::keymap::KeyMode;
use crossterm::event::KeyEvent;
use flow::Flow;
use labels::LabelDialog;
use pin::PinDialog;
use rotate::RotateDialog;
use std::sync::Arc;

pub enum Dialog {
    Labels(Box<LabelDialog>),
    Pin(Box<PinDialog>),
    Rotate(Box<RotateDialog>),
}

impl Dialog {
    pub fn flow(&self) -> &Flow {
        match self {
            Dialog::Labels(d) => &d.flow,
            Dialog::Pin(d) => &d.flow,
            Dialog::Rotate(d) => &d.flow,
        }
    }

    pub fn flow_mut(&mut self) -> &mut Flow {
        match self {
            Dialog::Labels(d) => &mut d.flow,
            Dialog::Pin(d) => &mut d.flow,
            Dialog::Rotate(d) => &mut d.flow,
        }
    }

    /// Which bindings apply: the dialog's own while editing; only confirm, back and scroll
    /// while a write is reviewed or under way.
    pub fn key_mode(&self) -> KeyMode {
        if !self.flow().is_editing() {
            return KeyMode::Review;
        }
        match self {
            Dialog::Labels(d) => d.key_mode(),
            Dialog::Pin(_) => KeyMode::Pin,
            Dialog::Rotate(_) => KeyMode::Rotate,
        }
    }

    pub fn title(&self) -> String {
        match self {
            Dialog::Labels(d) => d.title(),
            Dialog::Pin(d) => d.title(),
            Dialog::Rotate(d) => d.title(),
        }
    }

    pub fn change(&self) -> Result<Change, String> {
        match self {
            Dialog::Labels(d) => d.change(),
            Dialog::Pin(d) => d.change(),
            Dialog::Rotate(d) => d.change(),
        }
    }

    /// Previews again on `fleet` (a new snapshot, or after a conflict).
    pub fn recompute(&mut self, fleet: Arc<Fleet>) {
        match self {
            Dialog::Labels(d) => d.refresh(fleet, true),
            Dialog::Pin(d) => d.refresh(fleet, true),
            Dialog::Rotate(d) => d.refresh(fleet, true),
        }
    }

    pub fn text_key(&mut self, fleet: Arc<Fleet>, key: KeyEvent) {
        match self {
            Dialog::Labels(d) => d.text_key(fleet, key),
            Dialog::Pin(d) => d.text_key(fleet, key),
            Dialog::Rotate(d) => d.text_key(fleet, key),
        }
    }

    pub fn paste(&mut self, fleet: Arc<Fleet>, text: &str) {
        match self {
            Dialog::Labels(d) => d.paste(fleet, text),
            Dialog::Pin(d) => d.paste(fleet, text),
            Dialog::Rotate(d) => d.paste(fleet, text),
        }
    }

    /// Up and Down.
    pub fn move_in_list(&mut self, fleet: Arc<Fleet>, delta: isize) {
        match self {
            Dialog::Labels(d) => d.move_choice(delta),
            Dialog::Pin(d) => d.move_in_list(fleet, delta),
            Dialog::Rotate(d) => d.move_in_list(fleet, delta),
        }
    }

    /// Tab and Shift-Tab: complete (labels) or move between fields.
    pub fn next(&mut self, fleet: Arc<Fleet>, step: isize) {
        match self {
            Dialog::Labels(d) => {
                if step > 0 {
                    d.complete(fleet)
                }
            }
            Dialog::Pin(d) => d.move_focus(step),
            Dialog::Rotate(d) => d.move_focus(step),
        }
    }
}
