//! Themes: TOML files of named styles. The default theme is embedded in the binary, as are
//! the other themes in `themes/`; a user's file overrides only the styles it names, on top of
//! the default or of the built-in theme its `base` names. Colours are then brought down to
//! the terminal's depth ([`ColorDepth`]).

mod depth;
mod style_spec;

pub use depth::ColorDepth;
pub use style_spec::{parse_color, parse_style};

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use ratatui::style::Style;
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
    pub ui: UiStyles,
    pub host: HostStyles,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    #[allow(dead_code)] // read before deserialising, kept so the field is allowed
    base: Option<String>,
    ui: UiFile,
    host: HostFile,
}

macro_rules! style_file {
    ($file:ident => $styles:ident { $($field:ident),* $(,)? }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $file { $($field: String),* }
        impl $file {
            fn resolve(&self, depth: ColorDepth) -> Result<$styles> {
                Ok($styles { $($field: depth.adapt_style(
                    parse_style(&self.$field).map_err(|e| eyre!("{}: {e}", stringify!($field)))?,
                )),* })
            }
        }
    };
}

style_file!(UiFile => UiStyles {
    text, muted, title, border, border_focus, selected, header, tab, tab_active, status, key,
    ok, warn, error, stale_banner, big_number,
});
style_file!(HostFile => HostStyles { free, claimed, busy, error, maintenance, other });

fn built_in(name: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
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
            let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
            bail!(
                "no theme {name_or_path:?}: use one of {} or the path of a TOML file",
                names.join(", ")
            );
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
        Ok(Theme {
            name: name.to_string(),
            depth,
            ui: file
                .ui
                .resolve(depth)
                .wrap_err_with(|| format!("theme {name}, [ui]"))?,
            host: file
                .host
                .resolve(depth)
                .wrap_err_with(|| format!("theme {name}, [host]"))?,
        })
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
    fn colours_are_adapted_to_the_terminal() {
        let t = Theme::load("default", ColorDepth::Ansi16).unwrap();
        for s in [t.host.error, t.host.free, t.ui.selected, t.ui.stale_banner] {
            for c in s.fg.into_iter().chain(s.bg) {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
    }
}
