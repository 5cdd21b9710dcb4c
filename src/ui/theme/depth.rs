//! How many colours the terminal can show, and how theme colours are brought down to that.
//!
//! Themes are written in RGB. Over tmux, GNU screen or an old SSH client, RGB escapes either
//! show wrong or not at all, so each colour is mapped to the nearest one the terminal has.

use ratatui::style::{Color, Style};

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
