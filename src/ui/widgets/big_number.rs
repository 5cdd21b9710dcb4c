//! Numbers three rows tall, for a wall display read from across a room. A 3x5 pixel font
//! drawn with half blocks, which every UTF-8 terminal font has.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Rows of 3 pixels, top to bottom, for 0-9.
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b001, 0b001, 0b001],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// Rows of 3 pixels for the letters and signs of [`big_text`].
const LETTERS: [(char, [u8; 5]); 29] = [
    ('A', [0b010, 0b101, 0b111, 0b101, 0b101]),
    ('B', [0b110, 0b101, 0b110, 0b101, 0b110]),
    ('C', [0b011, 0b100, 0b100, 0b100, 0b011]),
    ('D', [0b110, 0b101, 0b101, 0b101, 0b110]),
    ('E', [0b111, 0b100, 0b110, 0b100, 0b111]),
    ('F', [0b111, 0b100, 0b110, 0b100, 0b100]),
    ('G', [0b011, 0b100, 0b101, 0b101, 0b011]),
    ('H', [0b101, 0b101, 0b111, 0b101, 0b101]),
    ('I', [0b111, 0b010, 0b010, 0b010, 0b111]),
    ('J', [0b001, 0b001, 0b001, 0b101, 0b010]),
    ('K', [0b101, 0b101, 0b110, 0b101, 0b101]),
    ('L', [0b100, 0b100, 0b100, 0b100, 0b111]),
    ('M', [0b101, 0b111, 0b111, 0b101, 0b101]),
    ('N', [0b110, 0b101, 0b101, 0b101, 0b101]),
    ('O', [0b010, 0b101, 0b101, 0b101, 0b010]),
    ('P', [0b110, 0b101, 0b110, 0b100, 0b100]),
    ('Q', [0b010, 0b101, 0b101, 0b110, 0b011]),
    ('R', [0b110, 0b101, 0b110, 0b101, 0b101]),
    ('S', [0b011, 0b100, 0b010, 0b001, 0b110]),
    ('T', [0b111, 0b010, 0b010, 0b010, 0b010]),
    ('U', [0b101, 0b101, 0b101, 0b101, 0b111]),
    ('V', [0b101, 0b101, 0b101, 0b101, 0b010]),
    ('W', [0b101, 0b101, 0b111, 0b111, 0b101]),
    ('X', [0b101, 0b101, 0b010, 0b101, 0b101]),
    ('Y', [0b101, 0b101, 0b010, 0b010, 0b010]),
    ('Z', [0b111, 0b001, 0b010, 0b100, 0b111]),
    (' ', [0, 0, 0, 0, 0]),
    ('-', [0, 0, 0b111, 0, 0]),
    (':', [0, 0b010, 0, 0b010, 0]),
];

pub const HEIGHT: u16 = 3;

fn glyph(ch: char) -> Option<&'static [u8; 5]> {
    match ch.to_digit(10) {
        Some(d) => DIGITS.get(d as usize),
        None => LETTERS
            .iter()
            .find(|(c, _)| *c == ch.to_ascii_uppercase())
            .map(|(_, g)| g),
    }
}

/// Columns `big_text(text)` takes: 4 per character (3 and a gap), less the last gap.
pub fn text_width(text: &str) -> usize {
    (text.chars().count() * 4).saturating_sub(1)
}

/// Three lines spelling `text` (letters, digits, space, `-`, `:`; anything else as a space),
/// in the font of [`big`]: for the wall display's words that must read as far as its
/// figures ("NO DATA", "STALE 5M").
pub fn big_text(text: &str, style: Style) -> Vec<Line<'static>> {
    let mut lines = vec![String::new(), String::new(), String::new()];
    for ch in text.chars() {
        let blank = [0u8; 5];
        let g = glyph(ch).unwrap_or(&blank);
        draw_glyph(g, &mut lines);
    }
    lines
        .into_iter()
        .map(|l| Line::from(Span::styled(l.trim_end().to_string(), style)))
        .collect()
}

fn draw_glyph(glyph: &[u8; 5], lines: &mut [String]) {
    for (row, line) in lines.iter_mut().enumerate() {
        for col in 0..3 {
            let top = pixel(glyph, row * 2, col);
            let bottom = pixel(glyph, row * 2 + 1, col);
            line.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        line.push(' ');
    }
}

/// Columns `big(n)` takes: 4 per digit (3 and a gap), 1 per thousands gap.
pub fn width(n: u64) -> usize {
    let digits = n.to_string().len();
    digits * 4 + (digits - 1) / 3
}

fn pixel(rows: &[u8; 5], row: usize, col: u8) -> bool {
    rows.get(row).is_some_and(|r| r & (0b100 >> col) != 0)
}

/// Three lines spelling `n`, groups of three digits set apart.
pub fn big(n: u64, style: Style) -> Vec<Line<'static>> {
    let text = n.to_string();
    let mut lines = vec![String::new(), String::new(), String::new()];
    for (i, ch) in text.chars().enumerate() {
        if i > 0 && (text.len() - i).is_multiple_of(3) {
            lines.iter_mut().for_each(|l| l.push(' '));
        }
        draw_glyph(&DIGITS[ch.to_digit(10).unwrap_or(0) as usize], &mut lines);
    }
    lines
        .into_iter()
        .map(|l| Line::from(Span::styled(l.trim_end().to_string(), style)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_drawn_three_rows_tall() {
        let lines: Vec<String> = big(1_204, Style::new())
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(
            lines,
            vec![
                "▄█   ▀▀█ █▀█ █ █".to_string(),
                " █   █▀▀ █ █ ▀▀█".to_string(),
                "▀▀▀  ▀▀▀ ▀▀▀   ▀".to_string(),
            ]
        );
        assert_eq!(width(1_204), 4 * 4 + 1);
        assert_eq!(width(7), 4);
    }

    #[test]
    fn words_are_drawn_in_the_same_font() {
        let lines: Vec<String> = big_text("No data", Style::new())
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(
            lines,
            vec![
                "█▀▄ ▄▀▄     █▀▄ ▄▀▄ ▀█▀ ▄▀▄".to_string(),
                "█ █ █ █     █ █ █▀█  █  █▀█".to_string(),
                "▀ ▀  ▀      ▀▀  ▀ ▀  ▀  ▀ ▀".to_string(),
            ]
        );
        assert_eq!(text_width("NO DATA"), 7 * 4 - 1);
        assert_eq!(big_text("12", Style::new()), big(12, Style::new()));
    }
}
