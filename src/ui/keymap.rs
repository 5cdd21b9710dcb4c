//! The one keymap: which key does what in which mode. Key handling, the help overlay and
//! the footer hints all read this table, so they cannot disagree. The panes' number keys and
//! the `:` command list are made from the list of panes ([`PANES`]).

use super::action::{Action, EditKind};
use super::panes::PANES;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::sync::LazyLock;

/// Which set of bindings applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    /// The interactive dashboard.
    Browse,
    /// Typing a filter or a `:` command.
    Input,
    /// The help or context overlay is open.
    Overlay,
    /// The read-only wall display: only quit and pause act; edit keys say why not.
    Watch,
    /// An edit dialog asks which hosts: the selected one, the marked ones, or the filtered ones.
    Choose,
    /// Typing label edits.
    Labels,
    /// The pin dialog.
    Pin,
    /// The rotation dialog.
    Rotate,
    /// Reading a preview before it is written: an undo, a dry run's answer, a write under way.
    Review,
}

impl KeyMode {
    pub const ALL: [KeyMode; 9] = [
        KeyMode::Browse,
        KeyMode::Input,
        KeyMode::Overlay,
        KeyMode::Watch,
        KeyMode::Choose,
        KeyMode::Labels,
        KeyMode::Pin,
        KeyMode::Rotate,
        KeyMode::Review,
    ];

    /// Modes where keys type text into a dialog field.
    pub const TYPING_DIALOGS: [KeyMode; 3] = [KeyMode::Labels, KeyMode::Pin, KeyMode::Rotate];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}
const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    /// How help and footer write the key.
    pub fn label(&self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{name}")
        } else {
            name
        }
    }

    fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let same_code = match (self.code, event.code) {
            // Terminals differ in whether a capital arrives with SHIFT; the letter says it.
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (a, b) => a == b,
        };
        // No binding uses Alt: an Alt-chord is Esc and a key read together (see `App::on_key`).
        same_code && ctrl == self.ctrl && !event.modifiers.contains(KeyModifiers::ALT)
    }
}

/// Where a binding is listed in the help overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Panes,
    Move,
    Find,
    Edit,
    Typing,
    Dialog,
    General,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Panes => "Panes",
            Section::Move => "Move",
            Section::Find => "Filter and sort",
            Section::Edit => "Edit (not in read-only mode)",
            Section::Typing => "Typing a filter or command",
            Section::Dialog => "In an edit dialog (other keys edit the focused field)",
            Section::General => "General",
        }
    }
}

#[derive(Clone, Copy)]
pub struct Binding {
    pub modes: &'static [KeyMode],
    pub keys: &'static [Key],
    pub action: Action,
    pub section: Section,
    pub help: &'static str,
    /// Short label in the footer, for the bindings worth a reminder.
    pub footer: Option<&'static str>,
}

use KeyMode::{Browse, Choose, Input, Labels, Overlay, Pin, Review, Rotate, Watch};

/// A row of the keymap as written: a binding, or where the panes' number keys go.
enum Row {
    Bind(Binding),
    /// `1` to `9`: the panes in [`PANES`] order, each with its help line.
    PaneKeys,
}

const fn bind(
    modes: &'static [KeyMode],
    keys: &'static [Key],
    action: Action,
    section: Section,
    help: &'static str,
    footer: Option<&'static str>,
) -> Row {
    Row::Bind(Binding {
        modes,
        keys,
        action,
        section,
        help,
        footer,
    })
}

/// The keymap as written. Order is the order of help and footer; `{panes}` in a help line
/// stands for the panes' `:` commands.
#[rustfmt::skip]
const TABLE: &[Row] = &[
    bind(&[Browse], &[key(':')], Action::OpenPalette, Section::Panes, "commands: {panes} ctx", Some("command")),
    bind(&[Browse], &[code(KeyCode::Tab)], Action::NextPane, Section::Panes, "next pane", Some("pane")),
    bind(&[Browse], &[code(KeyCode::BackTab)], Action::PrevPane, Section::Panes, "previous pane", None),
    Row::PaneKeys,
    bind(&[Browse], &[code(KeyCode::Enter)], Action::Drill, Section::Panes, "drill down: rack → hosts, type → eligible hosts, row → details", Some("open")),
    bind(&[Browse, Overlay], &[code(KeyCode::Esc)], Action::Back, Section::Panes, "back: close, clear the filter, or leave the drill-down", Some("back")),
    bind(&[Browse, Overlay], &[key('j'), code(KeyCode::Down)], Action::Down, Section::Move, "down", None),
    bind(&[Browse, Overlay], &[key('k'), code(KeyCode::Up)], Action::Up, Section::Move, "up", None),
    bind(&[Browse, Overlay], &[code(KeyCode::PageDown), ctrl('f')], Action::PageDown, Section::Move, "page down", None),
    bind(&[Browse, Overlay], &[code(KeyCode::PageUp), ctrl('b')], Action::PageUp, Section::Move, "page up", None),
    bind(&[Browse, Overlay], &[code(KeyCode::Home), key('g')], Action::Top, Section::Move, "first", None),
    bind(&[Browse, Overlay], &[code(KeyCode::End), key('G')], Action::Bottom, Section::Move, "last", None),
    bind(&[Browse], &[key('/')], Action::OpenFilter, Section::Find, "filter: text, or -l SELECTOR (kubectl syntax)", Some("filter")),
    bind(&[Browse], &[key('s')], Action::SortNext, Section::Find, "sort by the next column", None),
    bind(&[Browse], &[key('S')], Action::SortReverse, Section::Find, "reverse the sort", None),
    bind(&[Browse], &[key('m')], Action::ToggleMarks, Section::Find, "racks: mark hosts by tenant or by GPU model", None),
    bind(&[Browse], &[key('e')], Action::Edit(EditKind::Labels), Section::Edit, "edit labels of the selected, marked or filtered hosts", Some("edit")),
    bind(&[Watch], &[key('e')], Action::Edit(EditKind::Labels), Section::Edit, "edit labels", None),
    bind(&[Browse, Watch], &[key('p')], Action::Edit(EditKind::Pin), Section::Edit, "pin: from the selected server or pending machine", None),
    bind(&[Browse, Watch], &[key('r')], Action::Edit(EditKind::Rotate), Section::Edit, "node types: rotate the selected type's OS image", None),
    bind(&[Browse, Watch], &[key('u')], Action::Edit(EditKind::Undo), Section::Edit, "undo the last edit in the audit log (previewed first)", None),
    bind(&[Browse], &[key(' ')], Action::ToggleMark, Section::Edit, "hosts: mark or unmark a host (marks survive filters)", None),
    bind(&[Browse], &[key('X')], Action::ClearMarks, Section::Edit, "hosts: clear every mark", None),
    bind(&[Input], &[code(KeyCode::Enter)], Action::InputSubmit, Section::Typing, "apply", Some("apply")),
    bind(&[Input], &[code(KeyCode::Esc)], Action::InputCancel, Section::Typing, "cancel", Some("cancel")),
    bind(&[Input], &[code(KeyCode::Tab)], Action::InputComplete, Section::Typing, "complete the command", Some("complete")),
    bind(&[Input], &[code(KeyCode::Backspace)], Action::InputBackspace, Section::Typing, "delete a character", None),
    bind(&[Input], &[ctrl('u')], Action::InputClear, Section::Typing, "clear the line", None),
    bind(&[Choose, Labels, Pin, Rotate, Review], &[code(KeyCode::Enter), ctrl('s')], Action::DialogConfirm, Section::Dialog, "choose; preview → dry run → write (each needs its own Enter)", Some("confirm")),
    bind(&[Choose, Labels, Pin, Rotate, Review], &[code(KeyCode::Esc)], Action::DialogCancel, Section::Dialog, "back from the confirmation, else close (nothing is written)", Some("back")),
    bind(&[Labels], &[code(KeyCode::Tab)], Action::DialogNext, Section::Dialog, "labels: complete a key or value from the fleet", Some("complete")),
    bind(&[Labels], &[ctrl('j')], Action::DialogNewline, Section::Dialog, "labels: new line", Some("new line")),
    bind(&[Pin, Rotate], &[code(KeyCode::Tab)], Action::DialogNext, Section::Dialog, "next field", Some("field")),
    bind(&[Pin, Rotate], &[code(KeyCode::BackTab)], Action::DialogPrev, Section::Dialog, "previous field", None),
    bind(&[Choose, Pin, Rotate], &[code(KeyCode::Down)], Action::Down, Section::Dialog, "next item of a list; pin: new claim or existing", None),
    bind(&[Choose, Pin, Rotate], &[code(KeyCode::Up)], Action::Up, Section::Dialog, "previous item of a list", None),
    bind(&[Labels, Pin, Rotate, Review], &[code(KeyCode::PageDown)], Action::PageDown, Section::Dialog, "scroll the preview", Some("preview")),
    bind(&[Labels, Pin, Rotate, Review], &[code(KeyCode::PageUp)], Action::PageUp, Section::Dialog, "scroll the preview back", None),
    bind(&[Pin], &[ctrl('y')], Action::CopySnippet, Section::Dialog, "pin: copy the tenant's vcluster.yaml snippet (OSC 52)", Some("copy snippet")),
    bind(&[Browse, Overlay], &[key('?')], Action::ToggleHelp, Section::General, "help", Some("help")),
    bind(&[Watch], &[key(' ')], Action::TogglePause, Section::General, "watch mode: pause or resume cycling", Some("pause")),
    bind(&[Browse], &[ctrl('l')], Action::Redraw, Section::General, "repaint the screen", None),
    bind(&[Browse], &[key('C')], Action::ToggleOutage, Section::General, "demo (chaos): take a Metal3 cluster down or bring it back", None),
    bind(&[Browse, Overlay], &[key('q')], Action::Leave, Section::General, "leave a drill-down or details like Esc; quit from the top", Some("quit")),
    bind(&[Watch], &[key('q')], Action::Quit, Section::General, "quit", Some("quit")),
    bind(&[Browse, Input, Overlay, Watch, Choose, Labels, Pin, Rotate, Review], &[ctrl('z')], Action::Suspend, Section::General, "suspend: back to the shell (fg returns)", None),
    bind(&[Browse, Input, Overlay, Watch, Choose, Labels, Pin, Rotate, Review], &[ctrl('c')], Action::Quit, Section::General, "quit", None),
];

/// The number keys, `1` to `9`.
static DIGITS: [Key; 9] = [
    key('1'),
    key('2'),
    key('3'),
    key('4'),
    key('5'),
    key('6'),
    key('7'),
    key('8'),
    key('9'),
];

/// Every binding, in the order of help and footer: [`TABLE`] with the panes' number keys and
/// `:` commands filled in from [`PANES`].
pub static KEYMAP: LazyLock<Vec<Binding>> = LazyLock::new(|| {
    let commands: Vec<&str> = PANES.iter().map(|p| p.command()).collect();
    let commands = commands.join(" ");
    let mut out = Vec::new();
    for row in TABLE {
        match row {
            // Made once for the life of the process, as the rest of the table is.
            Row::Bind(b) if b.help.contains("{panes}") => out.push(Binding {
                help: b.help.replace("{panes}", &commands).leak(),
                ..*b
            }),
            Row::Bind(b) => out.push(*b),
            Row::PaneKeys => out.extend(PANES.iter().zip(&DIGITS).map(|(&p, k)| Binding {
                modes: &[Browse],
                keys: std::slice::from_ref(k),
                action: Action::ShowPane(p),
                section: Section::Panes,
                help: p.help(),
                footer: None,
            })),
        }
    }
    out
});

/// The action a key asks for in a mode, if any. While typing, an unbound printable
/// character is typed.
pub fn action_for(mode: KeyMode, event: &KeyEvent) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let bound = KEYMAP
        .iter()
        .filter(|b| b.modes.contains(&mode))
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action);
    if bound.is_some() {
        return bound;
    }
    match (mode, event.code) {
        (KeyMode::Input, KeyCode::Char(c))
            if !event
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(Action::InputChar(c))
        }
        // In a dialog every other key edits the focused field (the editor's own keys:
        // arrows, Home/End, Backspace, Ctrl-a/e/k/u/w).
        // An Alt-chord is Esc and a key read together over a slow link (`App::on_key`).
        (m, _)
            if KeyMode::TYPING_DIALOGS.contains(&m)
                && !event.modifiers.contains(KeyModifiers::ALT) =>
        {
            Some(Action::TextKey(*event))
        }
        _ => None,
    }
}

/// The bindings of a mode, in keymap order.
pub fn bindings(mode: KeyMode) -> impl Iterator<Item = &'static Binding> {
    KEYMAP.iter().filter(move |b| b.modes.contains(&mode))
}

/// `"j/Down"`: every key of a binding.
pub fn keys_label(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(Key::label)
        .collect::<Vec<_>>()
        .join("/")
}

/// The footer's reminders for a mode: (first key, short label).
pub fn footer_hints(mode: KeyMode) -> Vec<(String, &'static str)> {
    let mut seen: Vec<&str> = Vec::new();
    bindings(mode)
        .filter_map(|b| {
            let label = b.footer?;
            if seen.contains(&label) {
                return None;
            }
            seen.push(label);
            Some((b.keys.first()?.label(), label))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn keys_map_to_actions_by_mode() {
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        // q leaves a sub-view like Esc and quits only from the top (App::update decides).
        assert_eq!(action_for(KeyMode::Browse, &q), Some(Action::Leave));
        assert_eq!(action_for(KeyMode::Watch, &q), Some(Action::Quit));
        assert_eq!(action_for(KeyMode::Input, &q), Some(Action::InputChar('q')));
        let c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in KeyMode::ALL {
            assert_eq!(action_for(mode, &c), Some(Action::Quit), "{mode:?}");
        }
        let big_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(action_for(KeyMode::Browse, &big_g), Some(Action::Bottom));
        let down = press(KeyCode::Down, KeyModifiers::NONE);
        assert_eq!(action_for(KeyMode::Browse, &down), Some(Action::Down));
    }

    #[test]
    fn watch_mode_binds_only_quit_pause_and_the_refused_edits() {
        let actions: Vec<Action> = bindings(KeyMode::Watch).map(|b| b.action).collect();
        for a in &actions {
            assert!(
                matches!(
                    a,
                    Action::Quit | Action::Suspend | Action::TogglePause | Action::Edit(_)
                ),
                "{a:?} must not act on a wall display"
            );
        }
        for c in ['j', 'k', '/', ':', 'x', '\t'] {
            let e = press(KeyCode::Char(c), KeyModifiers::NONE);
            assert_eq!(action_for(KeyMode::Watch, &e), None, "{c:?}");
        }
        let e = press(KeyCode::Char('e'), KeyModifiers::NONE);
        assert_eq!(
            action_for(KeyMode::Watch, &e),
            Some(Action::Edit(EditKind::Labels))
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_a_mode() {
        for mode in KeyMode::ALL {
            let mut seen: Vec<Key> = Vec::new();
            for b in bindings(mode) {
                for k in b.keys {
                    assert!(!seen.contains(k), "{} bound twice in {mode:?}", k.label());
                    seen.push(*k);
                }
            }
        }
    }

    #[test]
    fn dialogs_pass_other_keys_to_the_field_and_confirm_only_on_enter_or_ctrl_s() {
        let a = press(KeyCode::Char('a'), KeyModifiers::NONE);
        assert_eq!(action_for(KeyMode::Labels, &a), Some(Action::TextKey(a)));
        assert_eq!(action_for(KeyMode::Review, &a), None);
        let s = press(KeyCode::Char('s'), KeyModifiers::CONTROL);
        let enter = press(KeyCode::Enter, KeyModifiers::NONE);
        for mode in [
            KeyMode::Labels,
            KeyMode::Pin,
            KeyMode::Rotate,
            KeyMode::Review,
        ] {
            assert_eq!(action_for(mode, &s), Some(Action::DialogConfirm));
            assert_eq!(action_for(mode, &enter), Some(Action::DialogConfirm));
        }
        let tab = press(KeyCode::Tab, KeyModifiers::NONE);
        assert_eq!(action_for(KeyMode::Labels, &tab), Some(Action::DialogNext));
    }

    #[test]
    fn number_keys_and_commands_come_from_the_list_of_panes() {
        for (i, &pane) in PANES.iter().enumerate().take(9) {
            let digit = char::from_digit(i as u32 + 1, 10).unwrap();
            let e = press(KeyCode::Char(digit), KeyModifiers::NONE);
            assert_eq!(
                action_for(KeyMode::Browse, &e),
                Some(Action::ShowPane(pane))
            );
            assert_eq!(pane.key(), Some(digit));
            assert!(bindings(KeyMode::Browse).any(|b| b.help == pane.help()));
        }
        let palette = bindings(KeyMode::Browse)
            .find(|b| b.action == Action::OpenPalette)
            .unwrap();
        assert_eq!(
            palette.help,
            "commands: racks nvlink tenants types hosts machines ctx"
        );
    }

    #[test]
    fn the_footer_comes_from_the_keymap() {
        let hints = footer_hints(KeyMode::Browse);
        assert!(hints.contains(&(":".to_string(), "command")));
        assert!(hints.contains(&("q".to_string(), "quit")));
        let watch = footer_hints(KeyMode::Watch);
        assert_eq!(
            watch,
            vec![("Space".to_string(), "pause"), ("q".to_string(), "quit")]
        );
    }
}
