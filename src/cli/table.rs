//! Plain aligned text tables for people (`--output table`).

/// A table with a header row; columns are as wide as their widest cell.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row. Cells hold text from objects, so each is escaped for the terminal
    /// ([`crate::format::escape`]).
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| {
                    let c: String = c.into();
                    crate::format::escape(&c).into_owned()
                })
                .collect(),
        );
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(self.rows.iter()) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate().take(columns) {
                if i + 1 == columns {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}   ", w = widths[i]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// "a, b, c" or "-" for nothing.
pub fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(["NAME", "N"]);
        t.row(["a", "1"]);
        t.row(["longer", "22"]);
        assert_eq!(t.render(), "NAME     N\na        1\nlonger   22\n");
    }

    #[test]
    fn cells_are_escaped_and_aligned_as_shown() {
        let mut t = Table::new(["NAME", "N"]);
        t.row(["a\u{1b}]0;x\u{7}", "1"]);
        t.row(["b", "2"]);
        assert_eq!(
            t.render(),
            "NAME            N\na\\x1b]0;x\\x07   1\nb               2\n"
        );
    }
}
