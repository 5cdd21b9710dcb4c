//! Natural order for names people number: `r2` before `r10`, `u9` before `u10`. Rack and
//! host names are numbered without fixed widths often enough that plain string order reads
//! as shuffled.

/// A key whose string order is the natural order of `name`: every run of digits is padded
/// to 20 digits, more than a u64 has.
pub fn natural_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() + 20);
    let mut digits = String::new();
    for c in name.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        flush(&mut key, &mut digits);
        key.push(c);
    }
    flush(&mut key, &mut digits);
    key
}

fn flush(key: &mut String, digits: &mut String) {
    if digits.is_empty() {
        return;
    }
    let trimmed = digits.trim_start_matches('0');
    for _ in trimmed.len()..20 {
        key.push('0');
    }
    key.push_str(trimmed);
    digits.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_sort_by_value() {
        let mut names = vec!["r100", "r10", "r9", "r01", "ra", "r"];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(names, vec!["r", "r01", "r9", "r10", "r100", "ra"]);
        assert!(natural_key("dc1-r2-u10") > natural_key("dc1-r2-u9"));
        assert!(natural_key("dc1-r10-u01") > natural_key("dc1-r2-u99"));
    }
}
