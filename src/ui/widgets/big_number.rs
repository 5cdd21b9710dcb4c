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

pub const HEIGHT: u16 = 3;

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
        let glyph = &DIGITS[ch.to_digit(10).unwrap_or(0) as usize];
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
}
