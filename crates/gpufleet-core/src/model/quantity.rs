//! Kubernetes resource quantities (`96`, `500m`, `768Gi`, `2Ti`, `1.5G`, `1e3`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A quantity as written in a manifest. The text is kept verbatim (it round-trips);
/// [`Quantity::value`] gives the number in base units.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity(pub String);

/// Why a quantity string is not a Kubernetes quantity.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a Kubernetes quantity: {reason} (examples: 96, 500m, 768Gi, 1.5G)")]
pub struct QuantityError {
    /// The text as given.
    pub input: String,
    /// What is wrong with it ("it is empty").
    pub reason: &'static str,
}

impl Quantity {
    /// A quantity of this text, kept as written; not checked until [`Quantity::value`].
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

/// What a quantity counts, which decides how it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// CPUs: `1500m` is 1.5.
    Cores,
    /// Memory: binary units, as Kubernetes writes them (`768Gi`).
    Bytes,
    /// Devices (GPUs) and anything else counted.
    Count,
}

/// Values at or above this are shown in scientific notation (`1e30`), never as a long or
/// saturated integer.
const SCIENTIFIC_FROM: f64 = 1e12;

fn number(v: f64) -> String {
    if v.abs() >= SCIENTIFIC_FROM {
        return format!("{v:e}");
    }
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Quantity {
    /// The quantity as an operator reads it: `1500m` CPUs as `1.5`, `824633720832` bytes as
    /// `768Gi`, `8` GPUs as `8`, `1e30` as `1e30` (not a saturated integer). A quantity that
    /// does not parse is shown as written.
    pub fn display(&self, measure: Measure) -> String {
        let Ok(v) = self.value() else {
            return self.0.clone();
        };
        if !v.is_finite() {
            return self.0.trim().to_string();
        }
        match measure {
            Measure::Cores | Measure::Count => number(v),
            Measure::Bytes => {
                const UNITS: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
                let (mut scaled, mut unit) = (v, "");
                for u in UNITS {
                    if scaled.abs() < 1024.0 {
                        break;
                    }
                    scaled /= 1024.0;
                    unit = u;
                }
                format!("{}{unit}", number((scaled * 10.0).round() / 10.0))
            }
        }
    }
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
    fn displays_as_quantities_not_as_cut_or_saturated_integers() {
        let q = |t: &str, m: Measure| Quantity::new(t).display(m);
        assert_eq!(q("1500m", Measure::Cores), "1.5");
        assert_eq!(q("250m", Measure::Cores), "0.25");
        assert_eq!(q("96", Measure::Cores), "96");
        assert_eq!(q("768Gi", Measure::Bytes), "768Gi");
        assert_eq!(q("824633720832", Measure::Bytes), "768Gi");
        assert_eq!(q("1.5Ti", Measure::Bytes), "1.5Ti");
        assert_eq!(q("500", Measure::Bytes), "500");
        assert_eq!(q("8", Measure::Count), "8");
        assert_eq!(q("1e30", Measure::Count), "1e30");
        assert_eq!(q("5E", Measure::Count), "5e18");
        assert_eq!(q("1e400", Measure::Count), "1e400");
        assert_eq!(q("100Ei", Measure::Bytes), "100Ei");
        assert_eq!(q("lots", Measure::Cores), "lots");
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
