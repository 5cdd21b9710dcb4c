//! Where the user is: one view per pane, kept while they Tab around, and a stack of
//! drill-downs on top (rack → its hosts → one host). Selections are kept by key, so a new
//! snapshot never moves the cursor to another row.

use super::action::PaneId;
use super::data::FleetData;
use super::filter::Filter;
use super::panes::PANES;
use crate::fleet::{DomainKey, HostKey, RackKey};

/// What a drill-down narrows a table to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Rack(RackKey),
    NvlinkDomain(DomainKey),
    /// Hosts a node type could claim now.
    EligibleFor(String),
    /// Machines (claims) of a tenant.
    Tenant(String),
}

impl Scope {
    pub fn describe(&self) -> String {
        match self {
            Scope::Rack(r) => format!("rack {r}"),
            Scope::NvlinkDomain(d) => format!("NVLink domain {d}"),
            Scope::EligibleFor(t) => format!("eligible for {t}"),
            Scope::Tenant(t) => format!("tenant {t}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    Pane(PaneId),
    HostDetail(HostKey),
    ClaimDetail { namespace: String, name: String },
}

/// How a table is sorted: by its `column`-th sortable column (counting only the columns
/// with a sort, in the pane's column order; 0 is the pane's own order), maybe reversed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub reverse: bool,
}

#[derive(Clone, Debug)]
pub struct View {
    pub screen: Screen,
    pub scope: Option<Scope>,
    pub filter: Filter,
    pub sort: Sort,
    /// The rows shown, after scope, filter and sort: indices whose meaning the pane knows.
    pub rows: Vec<u32>,
    /// Index into `rows` (or the scroll line of a detail screen).
    pub selected: usize,
    /// The key of the selected row, to find it again in the next snapshot.
    pub selected_key: Option<String>,
    /// Whether the user moved the selection. Until then it is the first row whatever
    /// arrives, so rows that sort first and arrive later (another Metal3 cluster's hosts)
    /// do not leave the cursor mid-table; after, it stays on the row it is on.
    pub moved: bool,
}

impl View {
    pub fn new(screen: Screen, scope: Option<Scope>) -> View {
        View {
            screen,
            scope,
            filter: Filter::None,
            sort: Sort::default(),
            rows: Vec::new(),
            selected: 0,
            selected_key: None,
            moved: false,
        }
    }

    pub fn pane(&self) -> Option<PaneId> {
        match self.screen {
            Screen::Pane(p) => Some(p),
            _ => None,
        }
    }

    pub fn selected_row(&self) -> Option<u32> {
        self.rows.get(self.selected).copied()
    }

    /// Recomputes rows for a snapshot, keeping the selection on the same key when it exists
    /// (and the user put it there; otherwise on the first row).
    pub fn refresh(&mut self, data: &FleetData) {
        let Some(pane) = self.pane() else {
            return;
        };
        let pane = pane.pane();
        self.rows = pane.rows(data, self);
        if !self.moved {
            self.selected = 0;
            self.remember(data);
            return;
        }
        let found = self
            .selected_key
            .as_deref()
            .and_then(|key| self.rows.iter().position(|&r| pane.key(data, r) == key));
        self.selected = found.unwrap_or(self.selected.min(self.rows.len().saturating_sub(1)));
        self.remember(data);
    }

    /// Moves the selection by `delta` rows (or lines of a detail screen), within `len`.
    pub fn move_by(&mut self, delta: isize, len: usize, data: &FleetData) {
        let last = len.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        self.moved = true;
        self.remember(data);
    }

    fn remember(&mut self, data: &FleetData) {
        self.selected_key = match (self.pane(), self.selected_row()) {
            (Some(pane), Some(row)) => Some(pane.pane().key(data, row)),
            _ => None,
        };
    }
}

/// Drill-downs deeper than this drop their oldest level (host → claim → host → ... loops).
const MAX_DEPTH: usize = 16;

pub struct Nav {
    /// One view per pane, in [`PANES`] order.
    panes: Vec<View>,
    current: PaneId,
    stack: Vec<View>,
}

impl Default for Nav {
    fn default() -> Self {
        Nav {
            panes: PANES
                .iter()
                .map(|&p| View::new(Screen::Pane(p), None))
                .collect(),
            current: PANES[0],
            stack: Vec::new(),
        }
    }
}

impl Nav {
    pub fn current_pane(&self) -> PaneId {
        self.current
    }

    pub fn view(&self) -> &View {
        self.stack
            .last()
            .unwrap_or(&self.panes[self.current.index()])
    }

    pub fn view_mut(&mut self) -> &mut View {
        match self.stack.last_mut() {
            Some(v) => v,
            None => &mut self.panes[self.current.index()],
        }
    }

    /// The drill-down path, for the title: `Racks › rack dc1/r07 › dc1-r07-u03`. A host is
    /// named `cluster/name` when `with_cluster` ([`crate::fleet::Fleet::hosts_span_clusters`]).
    pub fn breadcrumbs(&self, with_cluster: bool) -> Vec<String> {
        let mut out = vec![self.current.title().to_string()];
        for v in &self.stack {
            out.push(match (&v.screen, &v.scope) {
                (Screen::Pane(p), Some(scope)) => format!("{} of {}", p.title(), scope.describe()),
                (Screen::Pane(p), None) => p.title().to_string(),
                (Screen::HostDetail(key), _) => {
                    format!("host {}", key.shown_name(with_cluster))
                }
                (Screen::ClaimDetail { namespace, name }, _) => {
                    format!("machine {namespace}/{name}")
                }
            });
        }
        out
    }

    pub fn show(&mut self, pane: PaneId) {
        self.current = pane;
        self.stack.clear();
    }

    pub fn push(&mut self, mut view: View, data: &FleetData) {
        view.refresh(data);
        if self.stack.len() >= MAX_DEPTH {
            self.stack.remove(0);
        }
        self.stack.push(view);
    }

    /// Leaves the innermost drill-down; false at the top.
    pub fn pop(&mut self) -> bool {
        self.stack.pop().is_some()
    }

    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    pub fn refresh_all(&mut self, data: &FleetData) {
        for v in self.panes.iter_mut().chain(self.stack.iter_mut()) {
            v.refresh(data);
        }
    }
}
