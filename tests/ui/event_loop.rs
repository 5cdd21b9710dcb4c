//! The event loop, driven with TestBackend: bursts of fleet events coalesce into few
//! rebuilds, keys act, and the loop ends on quit, on shutdown and when input ends.

use crate::support;
use crate::support::load;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::Stream;
use gpufleet::event::{FleetEvent, Kind};
use gpufleet::fleet::{FleetObject, FleetObjects};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::source::replay::send_complete;
use gpufleet::ui::action::PaneId;
use gpufleet::ui::app::{App, Mode, Settings};
use gpufleet::ui::run::{Console, LoopStats, Outside, REBUILD_GAP, run, run_in};
use load::LoadComplete;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Duration;
use tokio::sync::mpsc;

fn keys() -> (
    mpsc::UnboundedSender<Event>,
    impl Stream<Item = std::io::Result<Event>> + Unpin,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let stream =
        futures::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    (tx, Box::pin(stream))
}

fn char_key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn objects() -> FleetObjects {
    generate(&GenerateConfig::new(200, 1)).objects
}

async fn run_app(
    app: &mut App,
    input: impl Stream<Item = std::io::Result<Event>> + Unpin,
    fleet: mpsc::Receiver<FleetEvent>,
    shutdown: impl std::future::Future<Output = ()>,
) -> LoopStats {
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    run(&mut terminal, app, input, fleet, shutdown)
        .await
        .expect("the loop runs")
}

/// Runs the loop for `millis` with no keys and no fleet events.
async fn run_quietly(app: &mut App, millis: u64) -> LoopStats {
    let (_key_tx, input) = keys();
    let (_fleet_tx, fleet_rx) = mpsc::channel(8);
    run_app(
        app,
        input,
        fleet_rx,
        tokio::time::sleep(Duration::from_millis(millis)),
    )
    .await
}

#[tokio::test]
async fn a_burst_of_events_costs_few_rebuilds_and_the_last_state_wins() {
    let objects = objects();
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), None);
    let (key_tx, input) = keys();
    let (fleet_tx, fleet_rx) = mpsc::channel(1024);
    let hosts: Vec<_> = objects.hosts.values().take(300).cloned().collect();
    let last_changed = hosts.last().unwrap().metadata.name.clone().unwrap();
    let driver = async {
        send_complete(&objects, &fleet_tx).await.unwrap();
        // The same hosts changing again and again, as a flapping BMC would make them.
        for round in 0..3 {
            for h in &hosts {
                let mut h = (**h).clone();
                let status = h.status.get_or_insert_with(Default::default);
                status.operational_status = Some(if round == 2 { "error" } else { "OK" }.into());
                fleet_tx
                    .send(FleetEvent::Applied(FleetObject::from(h)))
                    .await
                    .unwrap();
            }
        }
        tokio::time::sleep(REBUILD_GAP * 3).await;
        key_tx.send(char_key('5')).unwrap();
        key_tx.send(char_key('q')).unwrap();
    };
    let (stats, ()) = tokio::join!(
        run_app(&mut app, input, fleet_rx, std::future::pending()),
        driver
    );
    // Each kind listed and synced, then the 600 changes.
    assert_eq!(stats.fleet_events, 2 * Kind::ALL.len() as u64 + 600);
    assert!(
        stats.rebuilds <= 4,
        "600 events in a burst took {} rebuilds",
        stats.rebuilds
    );
    assert!(app.should_quit());
    assert_eq!(app.nav.current_pane(), PaneId::Hosts);
    let fleet = &app.data.fleet;
    let h = fleet.hosts_named(&last_changed)[0];
    assert!(fleet.host(h).state.is_error(), "the last event is shown");
}

#[tokio::test]
async fn the_loop_ends_on_shutdown_and_when_input_ends() {
    let mut app = support::dashboard(Settings::demo(Mode::Watch), None);
    let stats = run_quietly(&mut app, 50).await;
    assert_eq!(stats.frames, 1, "nothing changed, so one frame");

    let mut app = support::dashboard(Settings::demo(Mode::Interactive), None);
    let (key_tx, input) = keys();
    let (_fleet_tx, fleet_rx) = mpsc::channel(8);
    drop(key_tx);
    run_app(&mut app, input, fleet_rx, std::future::pending()).await;
}

/// A console that counts what the loop asks of it.
#[derive(Default)]
struct Counting {
    suspended: usize,
    retaken: usize,
}

impl Console for Counting {
    fn suspend(&mut self) -> std::io::Result<()> {
        self.suspended += 1;
        Ok(())
    }
    fn retake(&mut self) -> std::io::Result<()> {
        self.retaken += 1;
        Ok(())
    }
}

/// Ctrl-z (a key: raw mode sends no SIGTSTP) and SIGTSTP suspend through the console, even
/// with a dialog open; SIGCONT takes the terminal again; each repaints every cell. A signal
/// that ends the process, and a hang-up of the terminal, end the loop saying which.
#[tokio::test]
async fn signals_and_ctrl_z_reach_the_console_and_end_the_loop_saying_why() {
    for end in [Outside::End(15), Outside::HangUp] {
        let mut app = support::dashboard(Settings::demo(Mode::Interactive), None);
        let (key_tx, input) = keys();
        let (_fleet_tx, fleet_rx) = mpsc::channel(8);
        let (outside_tx, outside_rx) = mpsc::unbounded_channel();
        let outside = futures::stream::unfold(outside_rx, |mut rx| async move {
            rx.recv().await.map(|o| (o, rx))
        });
        let mut console = Counting::default();
        let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
        let driver = async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            key_tx
                .send(Event::Key(KeyEvent::new(
                    KeyCode::Char('z'),
                    KeyModifiers::CONTROL,
                )))
                .unwrap();
            tokio::time::sleep(Duration::from_millis(30)).await;
            outside_tx.send(Outside::Stop).unwrap();
            outside_tx.send(Outside::Continued).unwrap();
            tokio::time::sleep(Duration::from_millis(30)).await;
            outside_tx.send(end).unwrap();
        };
        let (stats, ()) = tokio::join!(
            async {
                run_in(
                    &mut terminal,
                    &mut app,
                    input,
                    fleet_rx,
                    outside,
                    &mut console,
                )
                .await
                .expect("the loop runs")
            },
            driver
        );
        assert_eq!((console.suspended, console.retaken), (2, 1), "{end:?}");
        assert_eq!(stats.ended_by, Some(end));
        assert!(!app.should_quit(), "ended from outside, not quit");
        assert!(stats.frames >= 4, "each way back repaints: {stats:?}");
    }
}

#[tokio::test]
async fn a_source_that_ends_is_shown_as_ended() {
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), None);
    let (key_tx, input) = keys();
    let (fleet_tx, fleet_rx) = mpsc::channel(8);
    drop(fleet_tx);
    let driver = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        key_tx.send(char_key('q')).unwrap();
    };
    tokio::join!(
        run_app(&mut app, input, fleet_rx, std::future::pending()),
        driver
    );
    assert!(app.source_ended);
}

#[tokio::test]
async fn watch_mode_cycles_panes_on_its_timer_and_pause_stops_it() {
    let mut settings = Settings::demo(Mode::Watch);
    settings.cycle = Duration::from_secs(1);
    let mut app = support::dashboard(settings, None);
    run_quietly(&mut app, 1_400).await;
    assert_eq!(app.nav.current_pane(), PaneId::Nvlink);

    let (key_tx, input) = keys();
    let (_fleet_tx, fleet_rx) = mpsc::channel(8);
    key_tx.send(char_key(' ')).unwrap();
    run_app(
        &mut app,
        input,
        fleet_rx,
        tokio::time::sleep(Duration::from_millis(1_400)),
    )
    .await;
    assert!(app.paused);
    assert_eq!(app.nav.current_pane(), PaneId::Nvlink, "paused: no cycling");
}

#[tokio::test]
async fn an_idle_dashboard_redraws_only_when_the_age_it_shows_changes() {
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), None);
    app.load_complete(&objects());
    let stats = run_quietly(&mut app, 2_500).await;
    // The first frame, then one a second as "data 0s old" becomes 1s, 2s.
    assert!(
        (2..=4).contains(&stats.frames),
        "{} frames in 2.5 s of idling",
        stats.frames
    );
}

/// A key stream that, like crossterm's `EventStream`, remembers only the first waker it is
/// handed while nothing is ready, and wakes that one when a key arrives.
#[derive(Clone, Default)]
struct FirstWakerKeys {
    shared: std::sync::Arc<
        std::sync::Mutex<(std::collections::VecDeque<Event>, Option<std::task::Waker>)>,
    >,
}

impl FirstWakerKeys {
    fn press(&self, event: Event) {
        let mut shared = self.shared.lock().unwrap();
        shared.0.push_back(event);
        if let Some(waker) = shared.1.take() {
            waker.wake();
        }
    }
}

impl Stream for FirstWakerKeys {
    type Item = std::io::Result<Event>;
    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let mut shared = self.shared.lock().unwrap();
        match shared.0.pop_front() {
            Some(e) => std::task::Poll::Ready(Some(Ok(e))),
            None => {
                if shared.1.is_none() {
                    shared.1 = Some(cx.waker().clone());
                }
                std::task::Poll::Pending
            }
        }
    }
}

/// Every key wakes the loop at once, however the terminal's reader hands out wake-ups: a key
/// must never wait for the next timer (a second on an idle dashboard).
#[tokio::test]
async fn each_key_is_handled_when_it_arrives() {
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), None);
    let keys = FirstWakerKeys::default();
    let presser = keys.clone();
    tokio::spawn(async move {
        for c in ['2', '3', '4'] {
            tokio::time::sleep(Duration::from_millis(100)).await;
            presser.press(char_key(c));
        }
    });
    let (_fleet_tx, fleet_rx) = mpsc::channel(8);
    // Shorter than the age clock's one-second tick, which would otherwise wake the loop.
    run_app(
        &mut app,
        keys,
        fleet_rx,
        tokio::time::sleep(Duration::from_millis(600)),
    )
    .await;
    assert_eq!(
        app.nav.current_pane(),
        PaneId::Types,
        "every key was seen without waiting"
    );
}

/// Finding: while a site's watch kept failing, its age (`stale 56s` in the status line,
/// "failing for 34s" in the banner) stood still between reconnect attempts when the data's
/// own age read in minutes: only the data age woke the loop. Each shown age wakes it.
#[test]
fn a_failing_watchs_age_wakes_the_loop_as_it_grows() {
    use gpufleet::event::WatchState;
    let mut app = support::loaded(
        support::dashboard(Settings::demo(Mode::Watch), None),
        &objects(),
    );
    // The data is five minutes old: its age reads `5m` for another minute.
    app.now += Duration::from_secs(300);
    let since = app.now - Duration::from_secs(30);
    app.apply(FleetEvent::Watch {
        kind: Kind::BareMetalHost,
        cluster: Some("dc2-infra".into()),
        state: WatchState::stale(since, "connection refused"),
    });
    let wake = app.next_wake().expect("something on screen ages");
    assert!(
        wake <= app.now + Duration::from_secs(1),
        "the failing watch's age changes within a second, woken after {:?}",
        wake.duration_since(app.now)
    );
    assert!(app.tick(app.now + Duration::from_secs(1)), "30s became 31s");
}
