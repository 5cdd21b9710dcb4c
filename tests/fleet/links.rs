//! Which claim holds which host, on the two fixtures of `tests/fixtures/links/`: a platform
//! serving inventory Machines, and one linking by the host label only. Expected values are
//! written from the fixtures' objects (see the comments in each file).

use crate::support::load;
use gpufleet::fleet::links::{LinkProblem, LinkSource};
use gpufleet::fleet::lints::{LintId, all_lints};
use gpufleet::fleet::{Fleet, FleetView, Holder, HostId};
use gpufleet::source::file::load_paths;
use load::LoadComplete;
use std::path::Path;

fn fleet(file: &str) -> Fleet {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/links")
        .join(file);
    let report = load_paths(&[path]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    Fleet::build(report.objects)
}

fn host(fleet: &Fleet, name: &str) -> HostId {
    fleet.resolve_host(name).unwrap()
}

fn holder(fleet: &Fleet, name: &str) -> Option<String> {
    fleet.holder(host(fleet, name)).map(|h| h.describe(fleet))
}

fn problems(fleet: &Fleet, name: &str) -> Vec<String> {
    fleet
        .host(host(fleet, name))
        .link
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn inventory_machines_link_claims_and_disagreements_are_shown() {
    let f = fleet("inventory.yaml");
    assert!(f.has_machines());
    let source = |n: &str| f.host(host(&f, n)).link.source;
    assert_eq!(holder(&f, "linked").as_deref(), Some("p-acme/train-1"));
    assert_eq!(source("linked"), Some(LinkSource::Machine));
    // The Machine is followed; the label's claim holds nothing.
    assert_eq!(holder(&f, "disagree").as_deref(), Some("p-acme/train-2"));
    let infer = f.resolve_claim("p-bluefin/infer-1").unwrap();
    assert_eq!(f.claim(infer).host, None);
    assert_eq!(
        problems(&f, "disagree"),
        [
            "the inventory Machine says p-acme/train-2 but the host label says p-bluefin/infer-1; \
          gpufleet follows the Machine"
        ]
    );
    assert_eq!(
        f.host(host(&f, "dangling")).holder,
        Some(Holder::Unknown("p-acme/gone".into()))
    );
    assert_eq!(
        f.host(host(&f, "dangling"))
            .holder
            .as_ref()
            .unwrap()
            .tenant(&f),
        "acme"
    );
    assert_eq!(
        f.host(host(&f, "dangling")).link.problems,
        [LinkProblem::Dangling {
            source: LinkSource::Machine,
            named: "p-acme/gone".into()
        }]
    );
    assert_eq!(holder(&f, "malformed"), None);
    assert_eq!(
        problems(&f, "malformed"),
        [
            "the inventory Machine's annotation machines.vcluster.com/node-claim is \"train-3\", \
          not <namespace>/<name>"
        ]
    );
    // No Machine mirrors it: the host label links it.
    assert_eq!(holder(&f, "unmirrored").as_deref(), Some("p-acme/train-4"));
    assert_eq!(source("unmirrored"), Some(LinkSource::HostLabel));
    assert!(f.host(host(&f, "unmirrored")).machine.is_none());
    // The claim's own annotation (unconfirmed) names another host: told, not followed.
    assert_eq!(
        problems(&f, "linked"),
        [
            "claim p-acme/train-1's annotation metal3.vcluster.com/claimed-node (unconfirmed) \
          names somewhere-else, not this host"
        ]
    );
    // Free by its Machine (no annotation) and its state; 8 GPUs from the inventory, not
    // the 4 its node type claims.
    let free = host(&f, "free");
    assert!(f.is_free(free));
    assert_eq!(f.host(free).derived.gpus, 8);
    assert_eq!(f.host(host(&f, "linked")).derived.gpus, 8);
    let t = f.resolve_node_type("h100").unwrap();
    assert_eq!(f.available(t), 1);

    let lints: Vec<(LintId, String)> = all_lints(&f)
        .into_iter()
        .map(|l| (l.id, l.subject))
        .collect();
    assert_eq!(
        lints,
        [
            (LintId::HostClaimLinkUnclear, "dangling".into()),
            (LintId::HostClaimLinkUnclear, "disagree".into()),
            (LintId::HostClaimLinkUnclear, "linked".into()),
            (LintId::HostClaimLinkUnclear, "malformed".into()),
            (LintId::DriftVerdictsDiffer, "p-acme/train-1".into()),
        ]
    );
    let drift = all_lints(&f)
        .into_iter()
        .find(|l| l.id == LintId::DriftVerdictsDiffer)
        .unwrap();
    assert_eq!(
        drift.message,
        "the platform says drifted (NotDrifted False (ImageChanged)); gpufleet finds the server \
         running its node type's image"
    );
}

#[test]
fn host_labels_link_with_the_project_only_telling_names_apart() {
    let f = fleet("labels.yaml");
    assert!(!f.has_machines());
    assert_eq!(
        holder(&f, "picked").as_deref(),
        Some("loft-p-bluefin/worker")
    );
    assert!(problems(&f, "picked").is_empty());
    assert_eq!(holder(&f, "unique").as_deref(), Some("loft-p-acme/solo"));
    // Held, but by which `worker` is not known: neither claim gets the host.
    let ambiguous = host(&f, "ambiguous");
    assert!(matches!(
        f.host(ambiguous).holder,
        Some(Holder::Ambiguous(ref cs)) if cs.len() == 2
    ));
    assert!(!f.is_free(ambiguous));
    assert_eq!(
        f.host(ambiguous).holder.as_ref().unwrap().tenant(&f),
        "(unknown)"
    );
    assert_eq!(
        problems(&f, "ambiguous"),
        [
            "the host label names claim worker, which 2 claims are called (loft-p-acme/worker, \
          loft-p-bluefin/worker); no project label tells them apart"
        ]
    );
    let acme_worker = f.resolve_claim("loft-p-acme/worker").unwrap();
    assert_eq!(f.claim(acme_worker).host, None);
    // A dangling label keeps its project for the tenant it shows.
    assert_eq!(
        problems(&f, "orphan"),
        [
            "the host label metal3.vcluster.com/node-claim names claim p-acme/deleted, which is \
          not in the fleet"
        ]
    );
    assert_eq!(
        f.host(host(&f, "orphan"))
            .holder
            .as_ref()
            .unwrap()
            .tenant(&f),
        "acme"
    );
}

/// The text of a detail screen, one line per row.
fn detail(app: &gpufleet::ui::app::App, screen: gpufleet::ui::nav::Screen) -> String {
    gpufleet::ui::panes::detail::lines(&app.draw_ctx(), &screen)
        .expect("the object exists")
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_dashboard_shows_doubtful_links_instead_of_guessing() {
    use gpufleet::fleet::HostKey;
    use gpufleet::ui::app::{App, Mode, Settings};
    use gpufleet::ui::nav::Screen;
    use gpufleet::ui::theme::Theme;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/links/inventory.yaml");
    let objects = load_paths(&[path]).unwrap().objects;
    let mut app = App::new(
        Settings::demo(Mode::Interactive),
        Theme::default_truecolor(),
        None,
    );
    app.load_complete(&objects);
    let host = detail(
        &app,
        Screen::HostDetail(HostKey::new("dc1-infra", "metal3-system", "disagree")),
    );
    for line in [
        "Inventory     Machine dc1.disagree: phase Provisioned, power On, 8 GPUs",
        "Claim         p-acme/train-2 (tenant acme, available) (by inventory Machine annotation \
         machines.vcluster.com/node-claim) — Enter opens it",
        "Link          the inventory Machine says p-acme/train-2 but the host label says \
         p-bluefin/infer-1; gpufleet follows the Machine",
    ] {
        assert!(host.lines().any(|l| l == line), "{line:?} not in\n{host}");
    }
    let unmirrored = detail(
        &app,
        Screen::HostDetail(HostKey::new("dc1-infra", "metal3-system", "unmirrored")),
    );
    assert!(
        unmirrored.contains("Inventory     no Machine dc1.unmirrored in the inventory"),
        "{unmirrored}"
    );
    let claim = detail(
        &app,
        Screen::ClaimDetail {
            namespace: "p-acme".into(),
            name: "train-1".into(),
        },
    );
    assert!(
        claim.contains(
            "Drift verdict the platform says drifted (NotDrifted False (ImageChanged)); gpufleet \
             finds the server running its node type's image"
        ),
        "{claim}"
    );
    assert!(
        claim.contains("Condition     NotDrifted False (ImageChanged)"),
        "{claim}"
    );
    // The machines pane: a linked host with a doubtful link is marked, and the claim whose
    // drift verdicts differ says so.
    app.resize(200, 20);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 20)).unwrap();
    app.update(gpufleet::ui::action::Action::ShowPane(
        gpufleet::ui::action::PaneId::Machines,
    ));
    terminal
        .draw(|f| gpufleet::ui::screen::draw(f, &app))
        .unwrap();
    let screen = terminal.backend().to_string();
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no row {name} in\n{screen}"))
            .to_string()
    };
    assert!(row("train-2").contains("disagree !"), "{}", row("train-2"));
    assert!(row("train-1").contains("differs"), "{}", row("train-1"));
    assert!(row("train-4").contains("unmirrored"), "{}", row("train-4"));
}
