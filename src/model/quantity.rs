//! Kubernetes resource quantities (`96`, `500m`, `768Gi`, `2Ti`, `1.5G`, `1e3`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A quantity as written in a manifest. The text is kept verbatim (it round-trips);
/// [`Quantity::value`] gives the number in base units.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity(pub String);

/// Why a quantity string is not a Kubernetes quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityError {
    pub input: String,
    pub reason: &'static str,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a Kubernetes quantity: {} (examples: 96, 500m, 768Gi, 1.5G)",
            self.input, self.reason
        )
    }
}

impl std::error::Error for QuantityError {}

impl Quantity {
    pub fn new(text: impl Into<String>) -> Self {
        Quantity(text.into())
    }

    /// The value in base units (cores, bytes, GPUs), as a float.
    pub fn value(&self) -> Result<f64, QuantityError> {
        parse_quantity(&self.0)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a quantity into base units. Grammar from apimachinery's `resource.Quantity`:
/// a signed decimal number, then either a binary suffix (Ki..Ei), a decimal suffix
/// (n, u, m, "", k, M, G, T, P, E) or a decimal exponent (`e3`, `E-2`).
pub fn parse_quantity(text: &str) -> Result<f64, QuantityError> {
    let err = |reason| QuantityError {
        input: text.to_string(),
        reason,
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    let number_end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '+' || c == '-') && i == 0)))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(number_end);
    let digits = number.trim_start_matches(['+', '-']);
    if digits.is_empty() || digits == "." || digits.matches('.').count() > 1 {
        return Err(err("it does not start with a number"));
    }
    let base: f64 = number.parse().map_err(|_| err("the number is malformed"))?;
    let multiplier = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        exp if exp.starts_with(['e', 'E']) => {
            let power: i32 = exp[1..]
                .parse()
                .map_err(|_| err("the exponent is malformed"))?;
            10f64.powi(power)
        }
        _ => return Err(err("the unit suffix is unknown")),
    };
    Ok(base * multiplier)
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Accepts a string or a bare number: hand-written YAML often says `cpu: 96`.
impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
            Float(f64),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Text(t) => t,
            Raw::Int(i) => i.to_string(),
            Raw::Float(f) => f.to_string(),
        };
        parse_quantity(&text).map_err(serde::de::Error::custom)?;
        Ok(Quantity(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_manifests_use() {
        assert_eq!(parse_quantity("96").unwrap(), 96.0);
        assert_eq!(parse_quantity("500m").unwrap(), 0.5);
        assert_eq!(parse_quantity("768Gi").unwrap(), 768.0 * 1024f64.powi(3));
        assert_eq!(parse_quantity("2Ti").unwrap(), 2.0 * 1024f64.powi(4));
        assert_eq!(parse_quantity("1.5G").unwrap(), 1.5e9);
        assert_eq!(parse_quantity("1e3").unwrap(), 1000.0);
        assert_eq!(parse_quantity("2E").unwrap(), 2e18);
        assert_eq!(parse_quantity("+8").unwrap(), 8.0);
        assert_eq!(parse_quantity(".5").unwrap(), 0.5);
    }

    #[test]
    fn rejects_garbage_with_a_reason() {
        for bad in ["", "Gi", "12GB", "1..2", "abc", "1e", "--1"] {
            let e = parse_quantity(bad).unwrap_err();
            assert!(e.to_string().contains("not a Kubernetes quantity"), "{bad}");
        }
    }

    #[test]
    fn deserializes_numbers_and_strings() {
        let q: Quantity = serde_json::from_str("96").unwrap();
        assert_eq!(q.0, "96");
        let q: Quantity = serde_json::from_str("\"768Gi\"").unwrap();
        assert_eq!(q.value().unwrap(), 768.0 * 1024f64.powi(3));
        assert!(serde_json::from_str::<Quantity>("\"12GB\"").is_err());
    }
}
