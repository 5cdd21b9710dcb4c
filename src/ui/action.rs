//! Everything a user can ask of the dashboard. Keys become actions only through the keymap
//! (`keymap.rs`); the help overlay and the footer are generated from that same keymap.

pub use super::panes::PaneId;

/// What an edit action would change. Each opens a dialog with a live preview; read-only
/// mode refuses them by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EditKind {
    Labels,
    Pin,
    Rotate,
    /// Restore the labels the last applied label edit changed.
    Undo,
}

impl EditKind {
    pub fn verb(self) -> &'static str {
        match self {
            EditKind::Labels => "edit labels",
            EditKind::Pin => "pin a machine",
            EditKind::Rotate => "rotate an OS image",
            EditKind::Undo => "undo a label edit",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    /// `q`: close an overlay or leave a drill-down or detail, as Esc does; quit only from
    /// the top (k9s users press it by reflex to go back).
    Leave,
    ShowPane(PaneId),
    NextPane,
    PrevPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Enter: rack → its hosts, type → its eligible hosts, row → its details.
    Drill,
    /// Esc: close what is open, clear the filter, or go back one drill-down.
    Back,
    OpenFilter,
    OpenPalette,
    ToggleHelp,
    SortNext,
    SortReverse,
    /// Racks: mark host cells by tenant or by GPU model.
    ToggleMarks,
    /// Repaint the whole screen (after line noise on a flaky link).
    Redraw,
    /// Ctrl-z: give the terminal back and stop, as a shell job does (SIGTSTP); `fg` brings
    /// the dashboard back, repainted.
    Suspend,
    /// Watch mode: stop or resume cycling panes.
    TogglePause,
    /// The demo's chaos key: take a simulated Metal3 cluster down, or bring it back.
    ToggleOutage,
    Edit(EditKind),
    /// Hosts table: mark or unmark the selected host (marks survive filters).
    ToggleMark,
    ClearMarks,
    // In a dialog.
    /// Enter or Ctrl-s: pick, dry-run, then write.
    DialogConfirm,
    /// Esc: back from the confirmation, else close.
    DialogCancel,
    /// Tab: complete a label (label editor) or go to the next field.
    DialogNext,
    DialogPrev,
    /// A new line in the label editor.
    DialogNewline,
    /// Pin: copy the tenant's vcluster.yaml snippet through the terminal (OSC 52).
    CopySnippet,
    /// Any other key, for the dialog's focused text field.
    TextKey(crossterm::event::KeyEvent),
    // Typing into the filter or palette line.
    InputChar(char),
    InputBackspace,
    InputClear,
    InputComplete,
    InputSubmit,
    InputCancel,
}
