//! Edit dialogs: label edits, pins and OS image rotations. Each shows a live preview from
//! `impact::impact` as the input changes, and takes the same path to a write
//! ([`flow`]): preview → server-side dry run → second confirmation → commit, on a tokio task
//! ([`writes`]). Nothing is written before that second confirmation.

pub mod complete;
pub mod draw;
#[warn(missing_docs)]
pub mod error;
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
use crate::ui::app::App;
use crate::ui::keymap::KeyMode;
use crossterm::event::KeyEvent;
pub use error::{EditError, UndoRefusal};
use flow::Flow;
use labels::LabelDialog;
use pin::PinDialog;
use ratatui::Frame;
use ratatui::layout::Rect;
use rotate::RotateDialog;
use std::sync::Arc;

/// What every edit dialog does; [`Dialog`] holds one and hands each call to it.
pub trait DialogKind {
    fn flow(&self) -> &Flow;
    fn flow_mut(&mut self) -> &mut Flow;
    /// Which bindings apply while editing.
    fn editing_key_mode(&self) -> KeyMode;
    fn title(&self) -> String;
    /// The change the inputs make, or why they make none.
    fn change(&self) -> Result<Change, EditError>;
    /// Previews again on `fleet`; `force` even when the change is the one shown.
    fn refresh(&mut self, fleet: Arc<Fleet>, force: bool);
    fn text_key(&mut self, fleet: Arc<Fleet>, key: KeyEvent);
    fn paste(&mut self, fleet: Arc<Fleet>, text: &str);
    /// Up and Down.
    fn move_in_list(&mut self, fleet: Arc<Fleet>, delta: isize);
    /// Tab and Shift-Tab: complete (labels) or move between fields.
    fn next(&mut self, fleet: Arc<Fleet>, step: isize);
    /// Rows the inputs want above the preview.
    fn inputs_height(&self) -> u16;
    /// Draws the inputs (fields, lists) in `area`.
    fn draw_inputs(&self, frame: &mut Frame, area: Rect, app: &App);
}

pub enum Dialog {
    Labels(Box<LabelDialog>),
    Pin(Box<PinDialog>),
    Rotate(Box<RotateDialog>),
}

impl Dialog {
    /// The dialog behind its trait: the one place that matches on the kind.
    pub fn kind(&self) -> &dyn DialogKind {
        match self {
            Dialog::Labels(d) => d.as_ref(),
            Dialog::Pin(d) => d.as_ref(),
            Dialog::Rotate(d) => d.as_ref(),
        }
    }

    pub fn kind_mut(&mut self) -> &mut dyn DialogKind {
        match self {
            Dialog::Labels(d) => d.as_mut(),
            Dialog::Pin(d) => d.as_mut(),
            Dialog::Rotate(d) => d.as_mut(),
        }
    }

    pub fn flow(&self) -> &Flow {
        self.kind().flow()
    }

    pub fn flow_mut(&mut self) -> &mut Flow {
        self.kind_mut().flow_mut()
    }

    /// Which bindings apply: the dialog's own while editing; only confirm, back and scroll
    /// while a write is reviewed or under way.
    pub fn key_mode(&self) -> KeyMode {
        if self.flow().is_editing() {
            self.kind().editing_key_mode()
        } else {
            KeyMode::Review
        }
    }

    pub fn title(&self) -> String {
        self.kind().title()
    }

    pub fn change(&self) -> Result<Change, EditError> {
        self.kind().change()
    }

    /// Previews again on `fleet` (a new snapshot, or after a conflict).
    pub fn recompute(&mut self, fleet: Arc<Fleet>) {
        self.kind_mut().refresh(fleet, true)
    }

    pub fn text_key(&mut self, fleet: Arc<Fleet>, key: KeyEvent) {
        self.kind_mut().text_key(fleet, key)
    }

    pub fn paste(&mut self, fleet: Arc<Fleet>, text: &str) {
        self.kind_mut().paste(fleet, text)
    }

    /// Up and Down.
    pub fn move_in_list(&mut self, fleet: Arc<Fleet>, delta: isize) {
        self.kind_mut().move_in_list(fleet, delta)
    }

    /// Tab and Shift-Tab: complete (labels) or move between fields.
    pub fn next(&mut self, fleet: Arc<Fleet>, step: isize) {
        self.kind_mut().next(fleet, step)
    }
}

/// Each dialog's trait implementation hands over to its own methods.
macro_rules! dialog_kind {
    ($ty:ty, key_mode: |$km:ident| $key_mode:expr, move_in_list: |$ml:ident, $mf:ident, $md:ident| $move_in_list:expr, next: |$nd:ident, $nf:ident, $ns:ident| $next:expr, height: $height:path, draw: $draw:path) => {
        impl DialogKind for $ty {
            fn flow(&self) -> &Flow {
                &self.flow
            }
            fn flow_mut(&mut self) -> &mut Flow {
                &mut self.flow
            }
            fn editing_key_mode(&self) -> KeyMode {
                let $km = self;
                $key_mode
            }
            fn title(&self) -> String {
                <$ty>::title(self)
            }
            fn change(&self) -> Result<Change, EditError> {
                <$ty>::change(self)
            }
            fn refresh(&mut self, fleet: Arc<Fleet>, force: bool) {
                <$ty>::refresh(self, fleet, force)
            }
            fn text_key(&mut self, fleet: Arc<Fleet>, key: KeyEvent) {
                <$ty>::text_key(self, fleet, key)
            }
            fn paste(&mut self, fleet: Arc<Fleet>, text: &str) {
                <$ty>::paste(self, fleet, text)
            }
            fn move_in_list(&mut self, fleet: Arc<Fleet>, delta: isize) {
                let ($ml, $mf, $md) = (self, fleet, delta);
                $move_in_list
            }
            fn next(&mut self, fleet: Arc<Fleet>, step: isize) {
                let ($nd, $nf, $ns) = (self, fleet, step);
                $next
            }
            fn inputs_height(&self) -> u16 {
                $height(self)
            }
            fn draw_inputs(&self, frame: &mut Frame, area: Rect, app: &App) {
                $draw(frame, area, app, self)
            }
        }
    };
}

dialog_kind!(LabelDialog,
    key_mode: |d| LabelDialog::key_mode(d),
    move_in_list: |d, _fleet, delta| d.move_choice(delta),
    next: |d, fleet, step| if step > 0 { d.complete(fleet) },
    height: draw::labels_height, draw: draw::draw_labels);
dialog_kind!(PinDialog,
    key_mode: |_d| KeyMode::Pin,
    move_in_list: |d, fleet, delta| PinDialog::move_in_list(d, fleet, delta),
    next: |d, _fleet, step| d.move_focus(step),
    height: draw::pin_height, draw: draw::draw_pin);
dialog_kind!(RotateDialog,
    key_mode: |_d| KeyMode::Rotate,
    move_in_list: |d, fleet, delta| RotateDialog::move_in_list(d, fleet, delta),
    next: |d, _fleet, step| d.move_focus(step),
    height: draw::rotate_height, draw: draw::draw_rotate);
