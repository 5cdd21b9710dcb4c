//! The style syntax of theme files: `"#89b4fa"`, `"#0b0f14 on #89b4fa bold"`, `"reverse"`.
//! A foreground colour, then `on` and a background colour, then modifiers, in any order.

use ratatui::style::{Color, Modifier, Style};

pub fn parse_style(spec: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = spec.split_whitespace();
    while let Some(word) = words.next() {
        if word == "on" {
            let bg = words
                .next()
                .ok_or_else(|| format!("{spec:?}: \"on\" needs a colour after it"))?;
            style = style.bg(parse_color(bg).map_err(|e| format!("{spec:?}: {e}"))?);
        } else if let Some(m) = modifier(word) {
            style = style.add_modifier(m);
        } else {
            style = style.fg(parse_color(word).map_err(|e| format!("{spec:?}: {e}"))?);
        }
    }
    Ok(style)
}

fn modifier(word: &str) -> Option<Modifier> {
    Some(match word {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underline" => Modifier::UNDERLINED,
        "reverse" => Modifier::REVERSED,
        _ => return None,
    })
}

pub fn parse_color(word: &str) -> Result<Color, String> {
    if let Some(hex) = word.strip_prefix('#') {
        let byte = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        };
        return match (hex.len(), byte(0), byte(2), byte(4)) {
            (6, Some(r), Some(g), Some(b)) => Ok(Color::Rgb(r, g, b)),
            _ => Err(format!("{word:?} is not a #rrggbb colour")),
        };
    }
    Ok(match word {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark-gray" | "dark-grey" | "bright-black" => Color::DarkGray,
        "bright-red" => Color::LightRed,
        "bright-green" => Color::LightGreen,
        "bright-yellow" => Color::LightYellow,
        "bright-blue" => Color::LightBlue,
        "bright-magenta" => Color::LightMagenta,
        "bright-cyan" => Color::LightCyan,
        "white" => Color::White,
        other => {
            return Err(format!(
                "{other:?} is not a colour (#rrggbb, default, or an ANSI name such as bright-red) nor a modifier (bold, dim, italic, underline, reverse)"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_read_as_written() {
        let s = parse_style("#0b0f14 on #89b4fa bold").unwrap();
        assert_eq!(s.fg, Some(Color::Rgb(0x0b, 0x0f, 0x14)));
        assert_eq!(s.bg, Some(Color::Rgb(0x89, 0xb4, 0xfa)));
        assert!(s.add_modifier.contains(Modifier::BOLD));
        let r = parse_style("reverse bold").unwrap();
        assert_eq!(r.fg, None);
        assert!(r.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(parse_style("bright-red").unwrap().fg, Some(Color::LightRed));
        assert_eq!(parse_style("").unwrap(), Style::new());
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse_style("#12345").unwrap_err().contains("#rrggbb"));
        assert!(
            parse_style("bold on")
                .unwrap_err()
                .contains("needs a colour")
        );
        assert!(parse_style("blink").unwrap_err().contains("not a colour"));
        assert!(parse_style("#zzzzzz").is_err());
    }
}
