//! The dashboard's state and the one place it changes: [`App::update`] for actions,
//! [`App::apply`] for fleet events, [`App::rebuild`] for a new snapshot. Drawing reads `&App`.

use super::action::{Action, EditKind, PaneId};
use super::clock;
use super::data::FleetData;
use super::edit::Dialog;
use super::filter::Filter;
use super::keymap::{self, KeyMode};
pub use super::marks::MarkBy;
use super::message::Message;
use super::nav::{Nav, Screen, Sort};
use super::panes::{self, PANES};
use super::theme::Theme;
use crate::event::{FleetEvent, WatchState};
use crate::fleet::Fleet;
use crate::fleet::HostKey;
use crate::impact::LabelEdit;
use crate::live::LiveFleet;
use crate::model::ProjectNamespaces;
use crate::write::Writer;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Interactive,
    /// The wall display: read-only, cycling panes, big figures.
    Watch,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// The status line's first word: a kube context, "demo", or a file.
    pub context: String,
    /// What feeds the dashboard, for `:ctx`.
    pub source: String,
    pub mode: Mode,
    /// Watch mode: how long each pane shows.
    pub cycle: Duration,
    /// A watch failing for this long raises the stale banner.
    pub stale_after: Duration,
    /// Who writes, for the audit log: the kube user, or "demo".
    pub user: String,
    /// Where every committed write is recorded; `None` records nothing (and says so).
    pub audit_log: Option<PathBuf>,
    /// How project namespaces are named (the settings file or `--project-namespace-prefix`).
    pub projects: ProjectNamespaces,
    /// How clipboard requests reach the terminal; `None` finds out from the environment
    /// (and tmux's settings) at each copy.
    pub clipboard: Option<crate::clipboard::ClipboardRoute>,
}

impl Settings {
    /// The simulator's settings, with no audit log (tests and benchmarks set one if they
    /// want it).
    pub fn demo(mode: Mode) -> Settings {
        Settings {
            context: "demo".into(),
            source: "generated fleet".into(),
            mode,
            cycle: Duration::from_secs(20),
            stale_after: Duration::from_secs(30),
            user: "demo".into(),
            audit_log: None,
            projects: ProjectNamespaces::default(),
            clipboard: None,
        }
    }
}

/// The last label edit written, and the snapshot it was previewed on: what `u` restores.
#[derive(Clone, Debug)]
pub struct LastLabelEdit {
    pub before: Arc<Fleet>,
    pub edits: Vec<LabelEdit>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Command,
}

#[derive(Clone, Debug)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// The filter before typing began, restored on Esc.
    before: Filter,
}

/// A popup over the panes (or over a dialog): it takes the keys until Esc closes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Popup {
    /// The keys, scrolled by `scroll` lines.
    Help {
        scroll: u16,
    },
    Context,
    /// Text shown on its own, for a mouse copy, when the clipboard request could not be
    /// sent or may not arrive, with what the copy said.
    CopyText {
        text: String,
        note: String,
    },
}

/// What holds the keys besides the panes: at most one of a prompt, a popup or a dialog
/// (which a popup may cover, as the text of a copy covers the pin dialog it came from).
pub enum Modal {
    None,
    Prompt(Prompt),
    Popup(Popup),
    Dialog(Dialog, Option<Popup>),
}

impl Modal {
    /// The open dialog, to change.
    pub fn dialog_mut(&mut self) -> Option<&mut Dialog> {
        match self {
            Modal::Dialog(d, _) => Some(d),
            _ => None,
        }
    }
}

/// How a notice reads: information, or an error (drawn in the error style). gpufleet's own
/// distinction for its footer line, not an API value; a fleet lint's severity is
/// [`lints::Severity`](crate::fleet::lints::Severity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Something done or worth knowing (`3 marks cleared`).
    Info,
    /// Something refused or failed (`cannot undo: ...`).
    Error,
}

/// A line for the footer until the next action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub severity: Severity,
}

impl Notice {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `:` commands besides the panes'.
pub const EXTRA_COMMANDS: &[(&str, &str)] = &[
    ("ctx", "the context: source, writer, each watch's state"),
    ("help", "keys"),
    ("quit", "quit"),
];

/// Whether the figures on screen are current (see [`App::freshness`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The first sync has not finished: there is nothing true to count yet.
    NoData,
    /// A watch has been failing for `age`, longer than the stale threshold: the figures are
    /// as old as that.
    Stale {
        age: Duration,
    },
    Current,
}

/// The demo's chaos key (`C`) as the dashboard sees it: a request to take the next simulated
/// Metal3 cluster down or to bring the down one back, and the stale reason such a cluster's watch
/// shows. `cli/dash.rs` makes one from the simulator's switch; a live cluster has none.
pub struct ChaosKey {
    /// Asks for the toggle without waiting; false when the backend is not taking requests.
    pub toggle: Box<dyn Fn() -> bool + Send + Sync>,
    /// The reason a cluster taken down by this key shows in its watch state.
    pub reason: &'static str,
}

pub struct App {
    pub settings: Settings,
    pub theme: Theme,
    live: LiveFleet,
    pub data: FleetData,
    pub(super) writer: Option<Arc<dyn Writer>>,
    /// The demo's chaos key (`C`): only the simulator has one.
    outage: Option<ChaosKey>,
    pub nav: Nav,
    /// The prompt, popup or dialog open, if any.
    pub(in crate::ui) modal: Modal,
    /// Marked hosts (`namespace/name`): kept by name, so filters and new snapshots keep them.
    pub marked: BTreeSet<HostKey>,
    pub(super) last_applied: Option<LastLabelEdit>,
    /// Background tasks (writes) answer here.
    inbox_tx: UnboundedSender<Message>,
    pub(super) inbox: Option<UnboundedReceiver<Message>>,
    pub(super) next_write: u64,
    /// Bytes for the terminal itself (OSC 52 copies), taken by the loop.
    pub(super) output: Vec<String>,
    pub notice: Option<Notice>,
    pub marks: MarkBy,
    pub paused: bool,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// The wall clock as of the last tick: ages are computed from it, so a frame depends
    /// only on the state.
    pub now: SystemTime,
    pub first_sync_done: bool,
    pub source_ended: bool,
    quit: bool,
    repaint: bool,
    suspend: bool,
}

impl App {
    /// A dashboard with no data yet. In watch mode pass no writer: read-only is a property of
    /// what exists, not of each key.
    pub fn new(settings: Settings, theme: Theme, writer: Option<Arc<dyn Writer>>) -> App {
        let writer = match settings.mode {
            Mode::Watch => None,
            Mode::Interactive => writer,
        };
        let (inbox_tx, inbox) = unbounded_channel();
        App {
            live: LiveFleet::default().with_projects(settings.projects.clone()),
            settings,
            theme,
            data: FleetData::empty(),
            writer,
            outage: None,
            nav: Nav::default(),
            modal: Modal::None,
            marked: BTreeSet::new(),
            last_applied: None,
            inbox_tx,
            inbox: Some(inbox),
            next_write: 0,
            output: Vec::new(),
            notice: None,
            marks: MarkBy::Tenant,
            paused: false,
            size: (80, 24),
            now: SystemTime::now(),
            first_sync_done: false,
            source_ended: false,
            quit: false,
            repaint: false,
            suspend: false,
        }
    }

    /// The demo's chaos key acts through `switch` (the simulator's); without one the key
    /// says it works only in the demo.
    pub fn with_chaos_key(mut self, switch: Option<ChaosKey>) -> App {
        self.outage = switch;
        self
    }

    pub fn live(&self) -> &LiveFleet {
        &self.live
    }

    pub fn writer_target(&self) -> Option<String> {
        self.writer.as_ref().map(|w| w.target())
    }

    pub fn is_read_only(&self) -> bool {
        self.writer.is_none()
    }

    /// What the panes draw from: the data, the theme, the marks, the selection's visibility
    /// and the drill-down path.
    pub fn draw_ctx(&self) -> panes::DrawCtx<'_> {
        panes::DrawCtx {
            data: &self.data,
            theme: &self.theme,
            marked: &self.marked,
            marks: self.marks,
            highlight: self.shows_selection(),
            crumbs: self.nav.breadcrumbs(self.data.fleet.hosts_span_clusters()),
            stale_clusters: self.stale_cluster_words(),
            now: self.now,
        }
    }

    /// The Metal3 clusters with a stale host or HardwareData watch (one down leaves the others
    /// live; its hosts keep their last known state).
    pub fn stale_clusters(&self) -> BTreeSet<String> {
        self.live
            .cluster_watches()
            .iter()
            .filter(|(_, state)| matches!(state, WatchState::Stale { .. }))
            .map(|((cluster, _), _)| cluster.clone())
            .collect()
    }

    /// [`App::stale_clusters`], each with a few words of why: `cluster unreachable` for a
    /// server that does not answer, else its answer (`relisting (410)`, `forbidden (403)`).
    pub fn stale_cluster_words(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for ((cluster, _), state) in self.live.cluster_watches() {
            if let WatchState::Stale { trouble, .. } = state {
                let words = if trouble.is_answer() {
                    trouble.words()
                } else {
                    "cluster unreachable".to_string()
                };
                out.entry(cluster.clone()).or_insert(words);
            }
        }
        out
    }

    /// Whether a cursor is drawn: not on a wall display, where nobody moves it.
    pub fn shows_selection(&self) -> bool {
        self.settings.mode == Mode::Interactive
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Whether the whole screen must be repainted (Ctrl-L); clears the request.
    pub fn take_repaint(&mut self) -> bool {
        std::mem::take(&mut self.repaint)
    }

    /// Whether the dashboard was asked to suspend (Ctrl-z); clears the request. The loop
    /// gives the terminal back, stops, and repaints once continued.
    pub fn take_suspend(&mut self) -> bool {
        std::mem::take(&mut self.suspend)
    }

    pub fn key_mode(&self) -> KeyMode {
        match (self.settings.mode, &self.modal) {
            (Mode::Watch, _) => KeyMode::Watch,
            (_, Modal::Prompt(_)) => KeyMode::Input,
            (_, Modal::Popup(_) | Modal::Dialog(_, Some(_))) => KeyMode::Overlay,
            (_, Modal::Dialog(d, None)) => d.key_mode(),
            (_, Modal::None) => KeyMode::Browse,
        }
    }

    /// The open prompt.
    pub fn prompt(&self) -> Option<&Prompt> {
        match &self.modal {
            Modal::Prompt(p) => Some(p),
            _ => None,
        }
    }

    /// The open popup (over the panes or over a dialog).
    pub fn popup(&self) -> Option<&Popup> {
        match &self.modal {
            Modal::Popup(p) | Modal::Dialog(_, Some(p)) => Some(p),
            _ => None,
        }
    }

    /// How far the help is scrolled (lines); 0 when it is closed.
    pub fn help_scroll(&self) -> u16 {
        match self.popup() {
            Some(Popup::Help { scroll }) => *scroll,
            _ => 0,
        }
    }

    /// The open edit dialog.
    pub fn dialog(&self) -> Option<&Dialog> {
        match &self.modal {
            Modal::Dialog(d, _) => Some(d),
            _ => None,
        }
    }

    /// Opens a dialog in place of whatever was open.
    pub fn open_dialog(&mut self, dialog: Dialog) {
        self.modal = Modal::Dialog(dialog, None);
    }

    /// Closes the dialog (and a popup over it).
    pub(super) fn close_dialog(&mut self) {
        if matches!(self.modal, Modal::Dialog(..)) {
            self.modal = Modal::None;
        }
    }

    /// Opens a popup, over the dialog if one is open; returns whether one was closed when
    /// `popup` is `None`.
    pub(super) fn set_popup(&mut self, popup: Option<Popup>) -> bool {
        match (&mut self.modal, popup) {
            (Modal::Dialog(_, slot), popup) => {
                let closed = slot.is_some() && popup.is_none();
                *slot = popup;
                closed
            }
            (Modal::Popup(_), None) => {
                self.modal = Modal::None;
                true
            }
            (_, None) => false,
            (_, Some(p)) => {
                self.modal = Modal::Popup(p);
                false
            }
        }
    }

    fn prompt_mut(&mut self) -> Option<&mut Prompt> {
        match &mut self.modal {
            Modal::Prompt(p) => Some(p),
            _ => None,
        }
    }

    fn take_prompt(&mut self) -> Option<Prompt> {
        if !matches!(self.modal, Modal::Prompt(_)) {
            return None;
        }
        match std::mem::replace(&mut self.modal, Modal::None) {
            Modal::Prompt(p) => Some(p),
            _ => None,
        }
    }

    pub(super) fn inbox_sender(&self) -> UnboundedSender<Message> {
        self.inbox_tx.clone()
    }

    /// A key press; returns whether it meant anything (and so whether to redraw).
    ///
    /// An Alt-chord that nothing binds is read as Esc and then the key: over a slow link
    /// Esc and the next key reach the terminal in one read, and the terminal's parser
    /// gives them as one Alt-chord (gpufleet binds no Alt key outside the text editor).
    pub fn on_key(&mut self, key: &KeyEvent) -> bool {
        if let Some(action) = keymap::action_for(self.key_mode(), key) {
            self.update(action);
            return true;
        }
        if !key.modifiers.contains(KeyModifiers::ALT) {
            return false;
        }
        let escaped = self.on_key(&KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        let plain = KeyEvent {
            modifiers: key.modifiers - KeyModifiers::ALT,
            ..*key
        };
        self.on_key(&plain) || escaped
    }

    pub fn resize(&mut self, columns: u16, rows: u16) {
        self.size = (columns, rows);
    }

    /// Sets the clock; returns whether anything shown depends on the change: the data's
    /// age, a failing watch's age (the status line, `:ctx`, the stale banner) or the banner
    /// appearing.
    pub fn tick(&mut self, now: SystemTime) -> bool {
        let before = (self.clock_text(), self.stale_ages(), self.failure_texts());
        let stale_before = self.stale_for().is_some();
        self.now = now;
        before != (self.clock_text(), self.stale_ages(), self.failure_texts())
            || stale_before != self.stale_for().is_some()
    }

    /// The failing watches' answers as shown, countdowns included (`throttled (429),
    /// retrying in 12s`).
    fn failure_texts(&self) -> Vec<String> {
        self.live
            .all_watches()
            .filter_map(|(_, _, s)| s.failure_text(self.now))
            .collect()
    }

    /// When the next countdown shown changes (`retrying in 12s` → `11s`, then
    /// `retrying`): each failing watch's next attempt, to the second.
    fn next_countdown(&self) -> Option<SystemTime> {
        self.live
            .all_watches()
            .filter_map(|(_, _, s)| match s {
                WatchState::Stale {
                    retry_at: Some(at), ..
                } if s.failure_text(self.now).is_some() => {
                    let left = at.duration_since(self.now).ok()?;
                    let into_second = Duration::from_nanos(u64::from(left.subsec_nanos()));
                    let step = if into_second.is_zero() {
                        Duration::from_secs(1)
                    } else {
                        into_second
                    };
                    Some(self.now + step.min(left))
                }
                _ => None,
            })
            .min()
    }

    /// The failing watches' ages as shown (`56s`), each once.
    fn stale_ages(&self) -> Vec<String> {
        self.live
            .stale_sinces()
            .into_iter()
            .map(|since| clock::age(self.now.duration_since(since).unwrap_or_default()))
            .collect()
    }

    /// The data age as shown, e.g. `4s`; `None` before any data.
    pub fn clock_text(&self) -> Option<String> {
        let newest = self.live.newest_data()?;
        Some(clock::age(
            self.now.duration_since(newest).unwrap_or_default(),
        ))
    }

    /// Whether the fleet's figures can be shown as current: not before the first sync (they
    /// would count a fleet half listed, or nothing), and with their age once a watch has been
    /// failing for longer than the stale threshold.
    pub fn freshness(&self) -> Freshness {
        if !self.first_sync_done {
            return Freshness::NoData;
        }
        match self.stale_for() {
            Some(age) => Freshness::Stale { age },
            None => Freshness::Current,
        }
    }

    /// How long a watch has been failing, once that passes the stale threshold.
    pub fn stale_for(&self) -> Option<Duration> {
        let since = self.live.stale_since()?;
        let failing = self.now.duration_since(since).unwrap_or_default();
        (failing >= self.settings.stale_after).then_some(failing)
    }

    /// When something time-dependent on screen next changes: the age text, a failing
    /// watch's age or countdown, or the stale banner appearing.
    pub fn next_wake(&self) -> Option<SystemTime> {
        let ages = self
            .live
            .newest_data()
            .into_iter()
            .chain(self.live.stale_sinces());
        let age = ages
            .map(|t| self.now + clock::until_change(self.now.duration_since(t).unwrap_or_default()))
            .min();
        let stale = self
            .live
            .stale_since()
            .and_then(|s| s.checked_add(self.settings.stale_after))
            .filter(|t| *t > self.now);
        age.into_iter()
            .chain(stale)
            .chain(self.next_countdown())
            .min()
    }

    /// Applies one fleet event; returns whether the status shown changed. Objects are only
    /// recorded here: the snapshot is rebuilt by [`App::rebuild`], once per burst.
    pub fn apply(&mut self, event: FleetEvent) -> bool {
        self.live.apply(event);
        if !self.first_sync_done && self.live.all_listed() && !self.live.is_dirty() {
            self.first_sync_done = true;
        }
        true
    }

    pub fn needs_rebuild(&self) -> bool {
        self.live.is_dirty()
    }

    /// Rebuilds the snapshot and everything derived from it, keeping selections by key.
    pub fn rebuild(&mut self) -> bool {
        if !self.live.refresh() {
            return false;
        }
        let data = FleetData::build(self.live.fleet().clone());
        self.install_data(data);
        true
    }

    /// The work of a rebuild, to run off the UI thread: `None` when nothing changed.
    pub fn rebuild_job(&mut self) -> Option<impl FnOnce() -> FleetData + Send + 'static> {
        let objects = self.live.take_changed_objects()?;
        let projects = self.live.projects().clone();
        Some(move || FleetData::build(Arc::new(crate::fleet::Fleet::build_with(objects, projects))))
    }

    /// Installs what a [`App::rebuild_job`] built, keeping selections by key.
    pub fn install(&mut self, data: FleetData) {
        self.live.install(data.fleet.clone());
        self.install_data(data);
    }

    fn install_data(&mut self, data: FleetData) {
        self.data = data;
        self.nav.refresh_all(&self.data);
        self.refresh_dialog();
        if self.live.all_listed() {
            self.first_sync_done = true;
        }
    }

    /// Watch mode: the next overview pane, unless paused.
    pub fn cycle(&mut self) -> bool {
        if self.paused || self.settings.mode != Mode::Watch {
            return false;
        }
        let wall: Vec<PaneId> = PANES.iter().copied().filter(|p| p.on_wall()).collect();
        let at = wall
            .iter()
            .position(|&p| p == self.nav.current_pane())
            .map_or(0, |i| (i + 1) % wall.len());
        if let Some(&next) = wall.get(at) {
            self.nav.show(next);
        }
        true
    }

    /// Rows in a page of the current table, for PgUp/PgDn.
    pub(super) fn page_rows(&self) -> usize {
        usize::from(self.size.1.saturating_sub(6)).max(1)
    }

    /// Rows (or detail lines) the current view can move through.
    fn current_len(&self) -> usize {
        let view = self.nav.view();
        match view.screen {
            Screen::Pane(_) => view.rows.len(),
            _ => panes::detail::lines(&self.draw_ctx(), &view.screen).map_or(0, |l| l.len()),
        }
    }

    /// The chaos key: asks the simulator to take its next Metal3 cluster down or bring the
    /// down one back; the watch states that follow show which. Elsewhere it says why not.
    fn toggle_outage(&mut self) {
        let Some(switch) = &self.outage else {
            self.notify(
                "C (chaos) takes a simulated Metal3 cluster down: only in gpufleet demo",
                Severity::Info,
            );
            return;
        };
        let down = self
            .live
            .cluster_watches()
            .iter()
            .find(|(_, state)| {
                matches!(state, WatchState::Stale { reason, .. } if reason == switch.reason)
            })
            .map(|((cluster, _), _)| cluster.clone());
        let asked = (switch.toggle)();
        match (asked, down) {
            (false, _) => self.notify(
                "the simulator is not taking requests: try again",
                Severity::Error,
            ),
            (true, Some(c)) => self.notify(
                format!("chaos: bringing Metal3 cluster {c} back (it relists)"),
                Severity::Info,
            ),
            (true, None) => self.notify(
                "chaos: taking a Metal3 cluster down; its hosts keep their last state, marked \
                 stale (C brings it back)",
                Severity::Info,
            ),
        }
    }

    pub(super) fn notify(&mut self, text: impl Into<String>, severity: Severity) {
        self.notice = Some(Notice {
            text: text.into(),
            severity,
        });
    }

    pub(super) fn move_by(&mut self, delta: isize) {
        let len = self.current_len();
        self.nav.view_mut().move_by(delta, len, &self.data);
    }

    /// Does what an action asks. A notice lasts until the next action.
    pub fn update(&mut self, action: Action) {
        self.notice = None;
        // A popup takes its keys first, even over a dialog.
        if self.popup().is_some() && matches!(action, Action::Back | Action::Leave) {
            self.set_popup(None);
            return;
        }
        // Quitting and suspending are the terminal's, never a dialog's: a dialog stays open
        // across a suspension.
        if matches!(self.modal, Modal::Dialog(_, None))
            && !matches!(action, Action::Quit | Action::Suspend)
        {
            self.dialog_action(action);
            return;
        }
        let page = self.page_rows() as isize;
        if self.popup().is_some() {
            let step = match action {
                Action::Down => Some(1),
                Action::Up => Some(-1),
                Action::PageDown => Some(page),
                Action::PageUp => Some(-page),
                Action::Top => Some(isize::MIN / 2),
                Action::Bottom => Some(isize::MAX / 2),
                _ => None,
            };
            if let Some(step) = step {
                // The help scrolls; the context fits and the table under it stays put.
                if matches!(self.popup(), Some(Popup::Help { .. })) {
                    self.scroll_help(step);
                }
                return;
            }
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Leave => {
                if !self.set_popup(None) && !self.nav.pop() {
                    self.quit = true;
                }
            }
            Action::ShowPane(p) => self.nav.show(p),
            Action::NextPane => self.nav.show(self.nav.current_pane().step(1)),
            Action::PrevPane => self.nav.show(self.nav.current_pane().step(-1)),
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(page),
            Action::PageUp => self.move_by(-page),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::Drill => self.drill(),
            Action::Back => self.back(),
            Action::OpenFilter => self.open_prompt(PromptKind::Filter),
            Action::OpenPalette => self.open_prompt(PromptKind::Command),
            Action::ToggleHelp => {
                let help = match self.popup() {
                    Some(Popup::Help { .. }) => None,
                    _ => Some(Popup::Help { scroll: 0 }),
                };
                self.set_popup(help);
            }
            Action::SortNext | Action::SortReverse => self.sort(action == Action::SortReverse),
            Action::ToggleMarks => {
                self.marks = match self.marks {
                    MarkBy::Tenant => MarkBy::Model,
                    MarkBy::Model => MarkBy::Tenant,
                }
            }
            Action::Redraw => self.repaint = true,
            Action::Suspend => self.suspend = true,
            Action::TogglePause => self.paused = !self.paused,
            Action::ToggleOutage => self.toggle_outage(),
            Action::Edit(kind) => self.open_edit(kind),
            Action::ToggleMark => self.toggle_mark(),
            Action::ClearMarks => self.clear_marks(),
            // Only a dialog acts on these.
            Action::DialogConfirm
            | Action::DialogCancel
            | Action::DialogNext
            | Action::DialogPrev
            | Action::DialogNewline
            | Action::CopySnippet
            | Action::TextKey(_) => {}
            Action::InputChar(c) => self.edit_prompt(|t| t.push(c)),
            Action::InputBackspace => self.edit_prompt(|t| {
                t.pop();
            }),
            Action::InputClear => self.edit_prompt(String::clear),
            Action::InputComplete => self.complete(),
            Action::InputSubmit => self.submit(),
            Action::InputCancel => {
                if let Some(p) = self.take_prompt()
                    && p.kind == PromptKind::Filter
                {
                    self.set_filter(p.before);
                }
            }
        }
    }

    /// Scrolls the help by `step` lines, within what the screen leaves to show.
    fn scroll_help(&mut self, step: isize) {
        let (width, height) = self.size;
        let lines = crate::ui::widgets::overlays::help_lines(&self.theme);
        let layout = crate::ui::widgets::overlays::HelpLayout::of(
            ratatui::layout::Rect::new(0, 0, width, height),
            &lines,
        );
        let max = layout.max_scroll() as isize;
        if let Modal::Popup(Popup::Help { scroll })
        | Modal::Dialog(_, Some(Popup::Help { scroll })) = &mut self.modal
        {
            *scroll = (*scroll as isize + step).clamp(0, max) as u16;
        }
    }

    fn drill(&mut self) {
        let view = self.nav.view();
        let next = match (&view.screen, view.selected_row()) {
            (Screen::Pane(p), Some(row)) => p.pane().drill(&self.data, row),
            (Screen::Pane(_), None) => None,
            (screen, _) => panes::detail::drill(&self.data, screen),
        };
        if let Some(v) = next {
            self.nav.push(v, &self.data);
        }
    }

    fn back(&mut self) {
        if self.set_popup(None) {
            return;
        }
        if !self.nav.view().filter.is_none() {
            self.set_filter(Filter::None);
            return;
        }
        self.nav.pop();
    }

    fn sort(&mut self, reverse: bool) {
        let Some(pane) = self.nav.view().pane() else {
            return;
        };
        let columns = pane.pane().sort_names().len();
        if columns == 0 {
            self.notify(pane.pane().fixed_order(), Severity::Info);
            return;
        }
        let view = self.nav.view_mut();
        view.sort = if reverse {
            Sort {
                reverse: !view.sort.reverse,
                ..view.sort
            }
        } else {
            Sort {
                column: (view.sort.column + 1) % columns,
                reverse: false,
            }
        };
        view.refresh(&self.data);
    }

    pub(super) fn refuse_edit(&mut self, kind: EditKind) {
        let verb = kind.verb();
        let text = match &self.settings.mode {
            Mode::Watch => format!("read-only: watch mode cannot {verb}"),
            Mode::Interactive => format!(
                "read-only: {} cannot be written, so gpufleet will not {verb}",
                self.settings.source
            ),
        };
        self.notify(text, Severity::Error);
    }

    fn open_prompt(&mut self, kind: PromptKind) {
        let before = self.nav.view().filter.clone();
        self.modal = Modal::Prompt(Prompt {
            kind,
            text: String::new(),
            before,
        });
    }

    fn edit_prompt(&mut self, edit: impl FnOnce(&mut String)) {
        let Some(p) = self.prompt_mut() else {
            return;
        };
        edit(&mut p.text);
        // Text filters apply as they are typed; a selector waits for Enter, since a half-typed
        // one is not valid.
        if p.kind == PromptKind::Filter
            && let Ok(f @ (Filter::Text(_) | Filter::None)) = Filter::parse(&p.text)
        {
            self.set_filter(f);
        }
    }

    fn set_filter(&mut self, filter: Filter) {
        let view = self.nav.view_mut();
        view.filter = filter;
        view.selected = 0;
        view.selected_key = None;
        view.moved = false;
        view.refresh(&self.data);
    }

    /// Every `:` command: the panes', then the others.
    pub fn commands() -> impl Iterator<Item = (&'static str, &'static str)> {
        PANES
            .iter()
            .map(|p| (p.command(), p.title()))
            .chain(EXTRA_COMMANDS.iter().copied())
    }

    /// Commands that start with what was typed.
    pub fn completions(typed: &str) -> Vec<&'static str> {
        let word = typed.trim_start();
        App::commands()
            .map(|(c, _)| c)
            .filter(|c| c.starts_with(word) && !word.contains(' '))
            .collect()
    }

    fn complete(&mut self) {
        let Some(p) = self.prompt_mut() else {
            return;
        };
        if p.kind != PromptKind::Command {
            return;
        }
        let options = App::completions(&p.text);
        let Some(first) = options.first() else {
            return;
        };
        let common = options.iter().fold(first.to_string(), |acc, o| {
            acc.chars()
                .zip(o.chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect()
        });
        p.text = if options.len() == 1 {
            format!("{common} ")
        } else {
            common
        };
    }

    fn submit(&mut self) {
        let Some(p) = self.take_prompt() else {
            return;
        };
        match p.kind {
            PromptKind::Filter => match Filter::parse(&p.text) {
                Ok(f) => match self.refuses(&f) {
                    Some(why) => {
                        self.set_filter(p.before);
                        self.notify(why, Severity::Error);
                    }
                    None => self.set_filter(f),
                },
                Err(e) => {
                    self.notify(e, Severity::Error);
                    self.modal = Modal::Prompt(p);
                }
            },
            PromptKind::Command => self.run_command(&p.text),
        }
    }

    /// Why the shown pane refuses a filter: a `-l` selector where host labels mean nothing.
    fn refuses(&self, filter: &Filter) -> Option<String> {
        let takes = |p: PaneId| p.pane().takes_label_filter();
        (matches!(filter, Filter::Labels(_)) && !self.nav.view().pane().is_some_and(takes)).then(
            || {
                format!(
                    "-l filters hosts by their labels: use it on {}",
                    PaneId::taking_selectors()
                )
            },
        )
    }

    fn run_command(&mut self, line: &str) {
        let line = line.trim();
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        if let Some(pane) = PaneId::from_command(word) {
            self.nav.show(pane);
            if !rest.trim().is_empty() {
                match Filter::parse(rest) {
                    // `:PANE -l …` is refused where `/` refuses it.
                    Ok(f) => match self.refuses(&f) {
                        Some(why) => self.notify(why, Severity::Error),
                        None => self.set_filter(f),
                    },
                    Err(e) => self.notify(e, Severity::Error),
                }
            }
            return;
        }
        match word {
            "" => {}
            "ctx" | "context" => {
                self.set_popup(Some(Popup::Context));
            }
            "help" => {
                self.set_popup(Some(Popup::Help { scroll: 0 }));
            }
            "q" | "quit" => self.quit = true,
            other => {
                let known: Vec<&str> = App::commands().map(|(c, _)| c).collect();
                self.notify(
                    format!("no command :{other}; try :{}", known.join(" :")),
                    Severity::Error,
                );
            }
        }
    }
}
