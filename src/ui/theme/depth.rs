//! How many colours the terminal can show, and how theme colours are brought down to that.
//!
//! Themes are written in RGB. Over tmux, GNU screen or an old SSH client, RGB escapes either
//! show wrong or not at all, so each colour is mapped to the nearest one the terminal has.

use ratatui::style::{Color, Style};

/// The colours asked for (`--color`, or `color` in the settings file's `[dashboard]`): one
/// depth, or `auto` to detect it.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// From NO_COLOR, COLORTERM and TERM (GNU screen and tmux are capped at what they show).
    Auto,
    Truecolor,
    #[value(name = "256")]
    Ansi256,
    #[value(name = "16")]
    Ansi16,
    None,
}

impl ColorChoice {
    pub fn depth(self) -> ColorDepth {
        match self {
            ColorChoice::Auto => ColorDepth::from_env(),
            ColorChoice::Truecolor => ColorDepth::TrueColor,
            ColorChoice::Ansi256 => ColorDepth::Ansi256,
            ColorChoice::Ansi16 => ColorDepth::Ansi16,
            ColorChoice::None => ColorDepth::None,
        }
    }
}

/// The flag's words (`auto`, `truecolor`, `256`, `16`, `none`), as strings; anything else is
/// refused with the words it could have been.
impl<'de> serde::Deserialize<'de> for ColorChoice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use clap::ValueEnum;
        let word = String::deserialize(deserializer)?;
        ColorChoice::from_str(&word, false).map_err(|_| {
            let words: Vec<String> = ColorChoice::value_variants()
                .iter()
                .filter_map(|c| c.to_possible_value())
                .map(|v| format!("\"{}\"", v.get_name()))
                .collect();
            serde::de::Error::custom(format!(
                "no colour choice {word:?}: use one of {}",
                words.join(", ")
            ))
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    /// No colour at all (`NO_COLOR`, `--color none`): only bold, reverse and the like.
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// Detects the depth from the environment. `var` reads a variable (injectable for tests).
    ///
    /// Multiplexers decide first: GNU screen without `256color` in `TERM` shows 16 colours
    /// even when `COLORTERM=truecolor` leaked in from the outer terminal, and tmux is trusted
    /// for 256 colours only, since RGB passes through tmux only when it is configured to.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> ColorDepth {
        if var("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorDepth::None;
        }
        let term = var("TERM").unwrap_or_default();
        if term.is_empty() || term == "dumb" {
            return ColorDepth::Ansi16;
        }
        let multiplexed = term.starts_with("screen") || term.starts_with("tmux");
        if multiplexed {
            return if term.contains("256color") {
                ColorDepth::Ansi256
            } else {
                ColorDepth::Ansi16
            };
        }
        let colorterm = var("COLORTERM").unwrap_or_default();
        if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
            ColorDepth::TrueColor
        } else if term.contains("256color") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }

    pub fn from_env() -> ColorDepth {
        ColorDepth::detect(|k| std::env::var(k).ok())
    }

    /// The colour this terminal should be sent for `color`.
    pub fn adapt(self, color: Color) -> Color {
        match (self, color) {
            (_, Color::Reset) => Color::Reset,
            (ColorDepth::None, _) => Color::Reset,
            (ColorDepth::TrueColor, c) => c,
            (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(nearest_256(r, g, b)),
            (ColorDepth::Ansi256, c) => c,
            (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => nearest_16(r, g, b),
            (ColorDepth::Ansi16, Color::Indexed(i)) if i >= 16 => {
                let (r, g, b) = rgb_of_256(i);
                nearest_16(r, g, b)
            }
            (ColorDepth::Ansi16, Color::Indexed(i)) => ANSI16[usize::from(i)].0,
            (ColorDepth::Ansi16, c) => c,
        }
    }

    /// The style with its colours adapted, keeping its contrast: drawn on `ground` when it
    /// has no background, the nearest colours the terminal has whose contrast is at least
    /// `need` (or the theme's own, if that is lower). Plain [`ColorDepth::adapt_style`] when
    /// either colour is the terminal's own.
    pub fn adapt_style_keeping_contrast(
        self,
        style: Style,
        ground: Option<Color>,
        need: f64,
    ) -> Style {
        let plain = self.adapt_style(style);
        let (Some(fg), Some(bg)) = (style.fg, style.bg.or(ground)) else {
            return plain;
        };
        let palette = match self {
            ColorDepth::Ansi256 => palette_256(),
            ColorDepth::Ansi16 => ANSI16.iter().map(|(c, rgb)| (*c, *rgb)).collect(),
            ColorDepth::TrueColor | ColorDepth::None => return plain,
        };
        let (Some(fg_rgb), Some(bg_rgb)) = (rgb_of(fg), rgb_of(bg)) else {
            return plain;
        };
        let target = need.min(ratio(luminance(fg_rgb), luminance(bg_rgb)));
        let lum: Vec<f64> = palette.iter().map(|(_, rgb)| luminance(*rgb)).collect();
        let by_distance = |to: (u8, u8, u8)| {
            let mut order: Vec<usize> = (0..palette.len()).collect();
            order.sort_by_key(|&i| distance(to, palette[i].1));
            order
        };
        // The background is the ground when the style has none: it stays where it is.
        let bgs: Vec<usize> = match style.bg {
            Some(_) => by_distance(bg_rgb).into_iter().take(8).collect(),
            None => by_distance(bg_rgb).into_iter().take(1).collect(),
        };
        let fgs = by_distance(fg_rgb);
        let best = bgs
            .iter()
            .filter_map(|&b| {
                let f = fgs
                    .iter()
                    .copied()
                    .find(|&f| ratio(lum[f], lum[b]) >= target)?;
                Some((
                    distance(fg_rgb, palette[f].1) + distance(bg_rgb, palette[b].1),
                    f,
                    b,
                ))
            })
            .min_by_key(|(d, _, _)| *d);
        match best {
            Some((_, f, b)) => {
                let mut s = plain;
                s.fg = Some(palette[f].0);
                if style.bg.is_some() {
                    s.bg = Some(palette[b].0);
                }
                s
            }
            None => plain,
        }
    }

    /// The style with its colours adapted; modifiers are kept, so a theme still reads
    /// without colour.
    pub fn adapt_style(self, style: Style) -> Style {
        let mut s = style;
        s.fg = style.fg.map(|c| self.adapt(c));
        s.bg = style.bg.map(|c| self.adapt(c));
        s.underline_color = None;
        s
    }
}

/// The RGB a terminal shows for `color`: as written for RGB, xterm's defaults for the 16
/// ANSI colours and the 256-colour palette; `None` for the terminal's own default colour.
pub fn rgb_of(color: Color) -> Option<(u8, u8, u8)> {
    match color {
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i) => Some(rgb_of_256(i)),
        Color::Reset => None,
        named => ANSI16
            .iter()
            .find(|(c, _)| *c == named)
            .map(|(_, rgb)| *rgb),
    }
}

/// Relative luminance of an sRGB colour, 0 (black) to 1 (white).
///
/// Source: WCAG 2.2, "relative luminance" (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance).
pub fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// The contrast ratio of two colours, 1 to 21; `None` when either is the terminal's own.
///
/// Source: WCAG 2.2, "contrast ratio" (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio);
/// AA asks 4.5:1 for text, 3:1 for large text and for user interface components.
pub fn contrast(a: Color, b: Color) -> Option<f64> {
    Some(ratio(luminance(rgb_of(a)?), luminance(rgb_of(b)?)))
}

fn ratio(la: f64, lb: f64) -> f64 {
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// xterm's cube and greys (the 16 ANSI colours are whatever the user's palette says).
fn palette_256() -> Vec<(Color, (u8, u8, u8))> {
    (16..=255u8)
        .map(|i| (Color::Indexed(i), rgb_of_256(i)))
        .collect()
}

/// The 16 ANSI colours with xterm's default RGB values.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

/// Squared distance, weighted for the eye's sensitivity (green most, blue least).
fn distance((r1, g1, b1): (u8, u8, u8), (r2, g2, b2): (u8, u8, u8)) -> u32 {
    let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).unsigned_abs();
    let (dr, dg, db) = (d(r1, r2), d(g1, g2), d(b1, b2));
    2 * dr * dr + 4 * dg * dg + 3 * db * db
}

fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, rgb)| distance((r, g, b), *rgb))
        .map(|(c, _)| *c)
        .unwrap_or(Color::Reset)
}

const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn rgb_of_256(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)].1,
        16..=231 => {
            let n = i - 16;
            (
                CUBE_LEVELS[usize::from(n / 36)],
                CUBE_LEVELS[usize::from(n / 6 % 6)],
                CUBE_LEVELS[usize::from(n % 6)],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// The nearest of xterm's 6x6x6 cube and 24 greys. The first 16 are skipped: their RGB is
/// whatever the user's palette says.
fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    (16..=255u8)
        .min_by_key(|&i| distance((r, g, b), rgb_of_256(i)))
        .unwrap_or(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn depth_follows_term_and_colorterm() {
        use ColorDepth::*;
        let cases: &[(&[(&str, &str)], ColorDepth)] = &[
            (
                &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
                TrueColor,
            ),
            (
                &[("TERM", "xterm-kitty"), ("COLORTERM", "24bit")],
                TrueColor,
            ),
            (&[("TERM", "xterm-256color")], Ansi256),
            (&[("TERM", "xterm")], Ansi16),
            (&[("TERM", "vt100")], Ansi16),
            (&[("TERM", "xterm-direct")], TrueColor),
            // GNU screen: COLORTERM leaks from the outer terminal; screen still has 16.
            (&[("TERM", "screen"), ("COLORTERM", "truecolor")], Ansi16),
            (
                &[
                    ("TERM", "screen.xterm-256color"),
                    ("COLORTERM", "truecolor"),
                ],
                Ansi256,
            ),
            (&[("TERM", "screen-256color")], Ansi256),
            (
                &[("TERM", "tmux-256color"), ("COLORTERM", "truecolor")],
                Ansi256,
            ),
            (&[("TERM", "tmux")], Ansi16),
            (&[("TERM", "xterm-256color"), ("NO_COLOR", "1")], None),
            // An empty NO_COLOR does not count (no-color.org).
            (&[("TERM", "xterm-256color"), ("NO_COLOR", "")], Ansi256),
            (&[], Ansi16),
        ];
        for (vars, want) in cases {
            assert_eq!(ColorDepth::detect(env(vars)), *want, "{vars:?}");
        }
    }

    #[test]
    fn rgb_is_mapped_to_the_nearest_colour_the_terminal_has() {
        assert_eq!(
            ColorDepth::Ansi256.adapt(Color::Rgb(255, 0, 0)),
            Color::Indexed(196)
        );
        assert_eq!(
            ColorDepth::Ansi256.adapt(Color::Rgb(0, 0, 0)),
            Color::Indexed(16)
        );
        assert_eq!(
            ColorDepth::Ansi256.adapt(Color::Rgb(128, 128, 128)),
            Color::Indexed(244)
        );
        assert_eq!(
            ColorDepth::Ansi16.adapt(Color::Rgb(240, 60, 60)),
            Color::LightRed
        );
        assert_eq!(
            ColorDepth::Ansi16.adapt(Color::Rgb(20, 24, 30)),
            Color::Black
        );
        assert_eq!(
            ColorDepth::Ansi16.adapt(Color::Indexed(196)),
            Color::LightRed
        );
        assert_eq!(ColorDepth::Ansi16.adapt(Color::Indexed(2)), Color::Green);
        assert_eq!(ColorDepth::None.adapt(Color::Rgb(1, 2, 3)), Color::Reset);
        assert_eq!(
            ColorDepth::TrueColor.adapt(Color::Rgb(1, 2, 3)),
            Color::Rgb(1, 2, 3)
        );
    }

    #[test]
    fn no_colour_keeps_modifiers() {
        use ratatui::style::Modifier;
        let s = Style::new()
            .fg(Color::Red)
            .bg(Color::Rgb(1, 1, 1))
            .add_modifier(Modifier::BOLD);
        let a = ColorDepth::None.adapt_style(s);
        assert_eq!(a.fg, Some(Color::Reset));
        assert!(a.add_modifier.contains(Modifier::BOLD));
    }
}
