//! Themes: TOML files of named styles. The default theme is embedded in the binary, as are
//! the other themes in `themes/`; a user's file overrides only the styles it names, on top of
//! the default or of the built-in theme its `base` names. Colours are then brought down to
//! the terminal's depth ([`ColorDepth`]).

mod depth;
mod style_spec;

pub use depth::{ColorChoice, ColorDepth, contrast, rgb_of};
pub use style_spec::{parse_color, parse_style};

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use ratatui::style::{Color, Style};
use serde::Deserialize;
use std::path::Path;

/// The themes shipped in `themes/`, embedded so that `--theme NAME` works wherever the binary is.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../../themes/default.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../../themes/high-contrast.toml"),
    ),
    (
        "monochrome",
        include_str!("../../../themes/monochrome.toml"),
    ),
];

/// Styles of the screen's furniture.
#[derive(Clone, Debug, PartialEq)]
pub struct UiStyles {
    pub text: Style,
    pub muted: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub header: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub status: Style,
    pub key: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub stale_banner: Style,
    pub big_number: Style,
}

/// Styles of host states, in the rack grid and wherever a state is shown.
#[derive(Clone, Debug, PartialEq)]
pub struct HostStyles {
    /// Free for a new claim.
    pub free: Style,
    pub claimed: Style,
    /// Registering, inspecting, preparing, provisioning, deprovisioning.
    pub busy: Style,
    pub error: Style,
    /// Detached, servicing or delayed.
    pub maintenance: Style,
    /// Available but held back (no usable status) or unknown states.
    pub other: Style,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub depth: ColorDepth,
    /// The background the theme is made for (the terminal's own, which gpufleet does not
    /// paint): styles without a background are read against it. `None` when the theme does
    /// not say (monochrome, or no colour).
    pub ground: Option<Color>,
    pub ui: UiStyles,
    pub host: HostStyles,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    #[allow(dead_code)] // read before deserialising, kept so the field is allowed
    base: Option<String>,
    /// The background colour the theme is made for.
    #[serde(default)]
    ground: Option<String>,
    ui: UiFile,
    host: HostFile,
}

macro_rules! style_file {
    ($file:ident => $styles:ident { $($field:ident),* $(,)? }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $file { $($field: String),* }
        impl $file {
            fn resolve(&self, depth: ColorDepth, ground: Option<Color>) -> Result<$styles> {
                Ok($styles { $($field: depth.adapt_style_keeping_contrast(
                    parse_style(&self.$field).map_err(|e| eyre!("{}: {e}", stringify!($field)))?,
                    ground,
                    contrast_needed(stringify!($field)),
                )),* })
            }
        }
        impl $styles {
            /// Every style with its name in the theme file.
            pub fn named(&self) -> Vec<(&'static str, Style)> {
                vec![$((stringify!($field), self.$field)),*]
            }
        }
    };
}

style_file!(UiFile => UiStyles {
    text, muted, title, border, border_focus, selected, header, tab, tab_active, status, key,
    ok, warn, error, stale_banner, big_number,
});
style_file!(HostFile => HostStyles { free, claimed, busy, error, maintenance, other });

/// The contrast WCAG AA asks of a style: 3:1 for borders (user interface components,
/// success criterion 1.4.11), 4.5:1 for everything that is text (1.4.3).
fn contrast_needed(style: &str) -> f64 {
    if style.starts_with("border") {
        3.0
    } else {
        4.5
    }
}

fn built_in(name: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Whether `name` is one of [`BUILT_IN`].
pub fn is_built_in(name: &str) -> bool {
    built_in(name).is_some()
}

/// What to say of a theme that is neither built in nor a file.
pub fn unknown(name_or_path: &str) -> String {
    let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
    format!(
        "no theme {name_or_path:?}: use one of {} or the path of a TOML file",
        names.join(", ")
    )
}

/// Merges `over` into `base`, table by table: a key `over` names replaces the base's.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

fn parse_table(text: &str, what: &str) -> Result<toml::Table> {
    toml::from_str(text).wrap_err_with(|| format!("theme {what} is not valid TOML"))
}

impl Theme {
    /// A built-in theme by name, or a theme file by path (`--theme NAME|PATH`).
    pub fn load(name_or_path: &str, depth: ColorDepth) -> Result<Theme> {
        if let Some(text) = built_in(name_or_path) {
            return Theme::from_layers(name_or_path, &[text], depth);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            bail!(unknown(name_or_path));
        }
        let text = std::fs::read_to_string(path)
            .wrap_err_with(|| format!("cannot read theme {}", path.display()))?;
        Theme::from_user_file(&path.display().to_string(), &text, depth)
    }

    /// A user's theme: its `base` (a built-in name, default `default`) with its styles on top.
    pub fn from_user_file(name: &str, text: &str, depth: ColorDepth) -> Result<Theme> {
        let user = parse_table(text, name)?;
        let base_name = match user.get("base") {
            None => "default",
            Some(toml::Value::String(s)) => s.as_str(),
            Some(_) => bail!("theme {name}: base must be the name of a built-in theme"),
        };
        let base = built_in(base_name)
            .ok_or_else(|| eyre!("theme {name}: no built-in theme {base_name:?} to base it on"))?;
        Theme::from_layers(name, &[base, text], depth)
    }

    /// The default theme under each layer in turn. Without colour a theme that tells states
    /// apart by colour alone would show them all alike, so every theme then becomes the
    /// monochrome one, unless it already starts from it.
    fn from_layers(name: &str, layers: &[&str], depth: ColorDepth) -> Result<Theme> {
        let monochrome = built_in("monochrome").unwrap_or_default();
        if depth == ColorDepth::None && !layers.contains(&monochrome) {
            // Still read the asked-for theme, so mistakes in it are reported.
            Theme::from_layers(name, layers, ColorDepth::TrueColor)?;
            return Theme::from_layers(name, &[monochrome], depth);
        }
        let mut table = parse_table(BUILT_IN[0].1, "default")?;
        for layer in layers {
            merge(&mut table, parse_table(layer, name)?);
        }
        let file: ThemeFile = toml::Value::Table(table)
            .try_into()
            .wrap_err_with(|| format!("theme {name}"))?;
        let ground = match &file.ground {
            Some(text) => Some(parse_color(text).map_err(|e| eyre!("theme {name}, ground: {e}"))?),
            None => None,
        };
        Ok(Theme {
            name: name.to_string(),
            depth,
            ground: ground
                .map(|g| depth.adapt(g))
                .filter(|c| *c != Color::Reset),
            ui: file
                .ui
                .resolve(depth, ground)
                .wrap_err_with(|| format!("theme {name}, [ui]"))?,
            host: file
                .host
                .resolve(depth, ground)
                .wrap_err_with(|| format!("theme {name}, [host]"))?,
        })
    }

    /// Every pair of text colour and background the screen draws with this theme, with the
    /// contrast WCAG AA asks of it: 4.5:1 for text, 3:1 for borders (user interface
    /// components) and the wall display's big figures (large text). A style without a
    /// background is drawn on the theme's ground; accents on the status bar on the bar's
    /// background. Pairs with the terminal's own colours are left out (the user chose them).
    ///
    /// Source: WCAG 2.2, success criteria 1.4.3 "Contrast (Minimum)" and 1.4.11 "Non-text
    /// Contrast".
    pub fn text_pairs(&self) -> Vec<(String, Color, Color, f64)> {
        let mut out = Vec::new();
        let ground = self.ground;
        let mut add = |what: String, fg: Option<Color>, bg: Option<Color>, need: f64| {
            if let (Some(fg), Some(bg)) = (fg, bg.or(ground)) {
                out.push((what, fg, bg, need));
            }
        };
        for (group, styles) in [("ui", self.ui.named()), ("host", self.host.named())] {
            for (name, s) in styles {
                add(format!("{group}.{name}"), s.fg, s.bg, contrast_needed(name));
            }
        }
        let bar = self.ui.status;
        for (name, accent) in [
            ("ui.title", self.ui.title),
            ("ui.ok", self.ui.ok),
            ("ui.warn", self.ui.warn),
            ("ui.error", self.ui.error),
            ("host.free", self.host.free),
        ] {
            let s = self.on_bar(accent);
            add(
                format!("{name} on the status bar"),
                s.fg,
                s.bg.or(bar.bg),
                4.5,
            );
        }
        for (name, big) in [
            ("ui.big_number", self.ui.big_number),
            ("host.free", self.host.free),
            ("ui.error", self.ui.error),
            ("ui.warn", self.ui.warn),
            ("ui.muted", self.ui.muted),
        ] {
            add(format!("{name} as a big figure"), big.fg, big.bg, 3.0);
        }
        out
    }

    /// `accent`'s colour and emphasis on the status bar's own background (a style that
    /// carries a background must not punch a hole in the bar). Where the accent's colour
    /// would be hard to read on the bar (below 4.5:1), the bar's own text colour is kept and
    /// only the emphasis (bold, underline) marks it.
    pub fn on_bar(&self, accent: Style) -> Style {
        let base = self.ui.status;
        let mut s = base.add_modifier(accent.add_modifier);
        let readable = |fg: Color| match (base.bg.or(self.ground), fg) {
            (Some(bg), fg) => contrast(fg, bg).is_none_or(|r| r >= 4.5),
            (None, _) => true,
        };
        s.fg = accent.fg.filter(|&fg| readable(fg)).or(base.fg);
        s
    }

    /// The default theme at full colour: what tests and benchmarks draw with.
    pub fn default_truecolor() -> Theme {
        Theme::load("default", ColorDepth::TrueColor).expect("the embedded default theme is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    #[test]
    fn every_built_in_theme_loads_at_every_depth() {
        for (name, _) in BUILT_IN {
            for depth in [
                ColorDepth::TrueColor,
                ColorDepth::Ansi256,
                ColorDepth::Ansi16,
                ColorDepth::None,
            ] {
                let t = Theme::load(name, depth).unwrap();
                assert_ne!(
                    t.host.error, t.host.free,
                    "{name}: error must not look free"
                );
            }
        }
    }

    #[test]
    fn a_user_file_overrides_only_what_it_names() {
        let t = Theme::from_user_file(
            "mine",
            "[host]\nerror = \"#ffffff on #ff0000\"\n",
            ColorDepth::TrueColor,
        )
        .unwrap();
        let d = Theme::default_truecolor();
        assert_eq!(t.host.error.bg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.host.free, d.host.free);
        assert_eq!(t.ui, d.ui);
    }

    #[test]
    fn a_user_file_can_start_from_another_built_in() {
        let t = Theme::from_user_file(
            "mine",
            "base = \"monochrome\"\n[ui]\ntitle = \"underline\"\n",
            ColorDepth::TrueColor,
        )
        .unwrap();
        let mono = Theme::load("monochrome", ColorDepth::TrueColor).unwrap();
        assert_eq!(t.host, mono.host);
        assert!(t.ui.title.add_modifier.contains(Modifier::UNDERLINED));
    }

    #[test]
    fn mistakes_in_a_theme_file_are_named() {
        let unknown = Theme::from_user_file("mine", "[ui]\ntitel = \"bold\"\n", ColorDepth::None)
            .unwrap_err();
        assert!(format!("{unknown:#}").contains("titel"), "{unknown:#}");
        let bad = Theme::from_user_file("mine", "[host]\nfree = \"#12\"\n", ColorDepth::None)
            .unwrap_err();
        assert!(format!("{bad:#}").contains("free"), "{bad:#}");
        assert!(Theme::load("no-such-theme", ColorDepth::None).is_err());
    }

    #[test]
    fn every_theme_meets_wcag_aa_contrast_at_every_depth() {
        let mut failures = Vec::new();
        let mut checked = 0;
        for (name, _) in BUILT_IN {
            for depth in [
                ColorDepth::TrueColor,
                ColorDepth::Ansi256,
                ColorDepth::Ansi16,
            ] {
                let t = Theme::load(name, depth).unwrap();
                for (what, fg, bg, need) in t.text_pairs() {
                    let Some(ratio) = contrast(fg, bg) else {
                        continue;
                    };
                    checked += 1;
                    if ratio < need {
                        failures.push(format!(
                            "{name} at {depth:?}: {what} {fg:?} on {bg:?} is {ratio:.2}:1, needs {need}:1"
                        ));
                    }
                }
            }
            // Without colour nothing is coloured: the terminal's own pair is all there is.
            let none = Theme::load(name, ColorDepth::None).unwrap();
            for (what, s) in none.ui.named().into_iter().chain(none.host.named()) {
                for c in s.fg.into_iter().chain(s.bg) {
                    assert_eq!(c, Color::Reset, "{name} without colour: {what}");
                }
            }
        }
        assert!(checked > 200, "only {checked} pairs checked");
        // At full colour every built-in theme's accents read on its own status bar, so the
        // bar keeps their colour rather than falling back to its text colour.
        for name in ["default", "light", "high-contrast"] {
            let t = Theme::load(name, ColorDepth::TrueColor).unwrap();
            for accent in [t.ui.ok, t.ui.warn, t.ui.error, t.ui.title, t.host.free] {
                assert_eq!(
                    t.on_bar(accent).fg,
                    accent.fg,
                    "{name}: {accent:?} on the bar"
                );
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn contrast_follows_wcag() {
        let white = Color::Rgb(255, 255, 255);
        let black = Color::Rgb(0, 0, 0);
        assert!((contrast(white, black).unwrap() - 21.0).abs() < 1e-9);
        assert!((contrast(white, white).unwrap() - 1.0).abs() < 1e-9);
        // WCAG's own example threshold: #767676 on white is the lightest grey that passes AA.
        let grey = Color::Rgb(0x76, 0x76, 0x76);
        assert!(contrast(grey, white).unwrap() >= 4.5);
        assert!(contrast(Color::Rgb(0x77, 0x77, 0x77), white).unwrap() < 4.5);
        assert_eq!(contrast(Color::Reset, white), None);
    }

    #[test]
    fn colours_are_adapted_to_the_terminal() {
        let t = Theme::load("default", ColorDepth::Ansi16).unwrap();
        for s in [t.host.error, t.host.free, t.ui.selected, t.ui.stale_banner] {
            for c in s.fg.into_iter().chain(s.bg) {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
    }
}
