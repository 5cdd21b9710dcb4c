//! A JSON value built under a budget, so a file cannot make gpufleet expand it without bound.
//!
//! YAML aliases let a few kilobytes describe gigabytes (the "billion laughs": each level
//! repeats the one below ten times), and any parser can be asked to nest without end. The
//! value a document parses to is therefore bounded relative to the document itself:
//! [`EXPANSION`] times its bytes plus [`ALLOWANCE`] (counting [`NODE_COST`] per node and the
//! bytes of every string), and [`MAX_DEPTH`] levels. A document over either bound is
//! refused as a whole, with [`Exceeded`] saying which.
//!
//! Ordinary Kubernetes objects stay far inside: `kubectl get -o yaml|json` output expands to
//! about 2 to 3 units per input byte, and nests about 15 levels.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::Cell;
use std::fmt;

/// Units of budget a document may use per byte of its own text. Generated 2,000-host dumps
/// use at most 2.6 per byte; compact JSON of empty mappings about 8.
pub const EXPANSION: usize = 16;
/// Budget every document has, however short.
pub const ALLOWANCE: usize = 64 * 1024;
/// What one node (scalar, list or mapping) costs, besides its text.
pub const NODE_COST: usize = 16;
/// Deepest nesting of lists and mappings (below serde_json's own limit of 128, so this one speaks first).
pub const MAX_DEPTH: usize = 100;

/// Which bound a document went over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    /// It would expand to more than its budget (YAML aliases, most likely).
    Size { input_bytes: usize },
    /// It nests deeper than [`MAX_DEPTH`].
    Depth,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exceeded::Size { input_bytes } => write!(
                f,
                "refused: this document of {input_bytes} bytes expands to more than {EXPANSION} times its size \
                 (YAML anchors and aliases repeating one another); gpufleet does not expand it"
            ),
            Exceeded::Depth => write!(
                f,
                "refused: lists and mappings nest deeper than {MAX_DEPTH} levels"
            ),
        }
    }
}

/// The budget of one document, shared by every node built from it.
pub struct Budget {
    left: Cell<usize>,
    input_bytes: usize,
    exceeded: Cell<Option<Exceeded>>,
}

impl Budget {
    /// The budget for a document of `input_bytes`.
    pub fn for_input(input_bytes: usize) -> Self {
        Budget {
            left: Cell::new(
                input_bytes
                    .saturating_mul(EXPANSION)
                    .saturating_add(ALLOWANCE),
            ),
            input_bytes,
            exceeded: Cell::new(None),
        }
    }

    /// The bound a parse went over, if that is why it failed.
    pub fn exceeded(&self) -> Option<Exceeded> {
        self.exceeded.get()
    }

    fn charge<E: de::Error>(&self, text_bytes: usize) -> Result<(), E> {
        let cost = NODE_COST.saturating_add(text_bytes);
        match self.left.get().checked_sub(cost) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => Err(self.fail(Exceeded::Size {
                input_bytes: self.input_bytes,
            })),
        }
    }

    fn fail<E: de::Error>(&self, why: Exceeded) -> E {
        self.exceeded.set(Some(why));
        E::custom(why)
    }

    /// The seed that deserializes one document's value under this budget.
    pub fn value(&self) -> Bounded<'_> {
        Bounded {
            budget: self,
            depth: 0,
        }
    }
}

/// Deserializes a [`Value`], charging its [`Budget`] for every node.
#[derive(Clone, Copy)]
pub struct Bounded<'b> {
    budget: &'b Budget,
    depth: usize,
}

impl Bounded<'_> {
    fn nested<E: de::Error>(self) -> Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.budget.fail(Exceeded::Depth));
        }
        Ok(Bounded {
            depth: self.depth + 1,
            ..self
        })
    }
}

impl<'de> DeserializeSeed<'de> for Bounded<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// A mapping key: a string, charged for its bytes. YAML's plain scalars (`8: x`) read as
/// their text; a null or a collection as a key is refused, as `serde_json::Value` does.
struct Key<'b>(&'b Budget);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        struct KeyText;
        impl Visitor<'_> for KeyText {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string as a mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
                Ok(v)
            }
        }
        let key = deserializer.deserialize_string(KeyText)?;
        self.0.charge(key.len())?;
        Ok(key)
    }
}

impl<'de> Visitor<'de> for Bounded<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.budget.charge(0)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.budget.charge(0)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.budget.charge(0)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.budget.charge(0)?;
        // NaN and infinities have no JSON form; as JSON's own parser does, they become null.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.budget.charge(v.len())?;
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.budget.charge(v.len())?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.budget.charge(0)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.budget.charge(0)?;
        let child = self.nested()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(child)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.budget.charge(0)?;
        let child = self.nested()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(Key(self.budget))? {
            let value = map.next_value_seed(child)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> (Result<Value, serde_json::Error>, Budget) {
        let budget = Budget::for_input(text.len());
        let mut de = serde_json::Deserializer::from_str(text);
        let value = budget.value().deserialize(&mut de);
        (value, budget)
    }

    #[test]
    fn ordinary_values_are_read_whole() {
        let (v, b) = json(r#"{"a": [1, -2, 3.5, true, null, "x"], "8": {}}"#);
        assert_eq!(
            v.unwrap(),
            serde_json::json!({"a": [1, -2, 3.5, true, null, "x"], "8": {}})
        );
        assert_eq!(b.exceeded(), None);
    }

    #[test]
    fn depth_and_size_are_bounded() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        let (v, b) = json(&deep);
        assert!(v.is_err());
        assert_eq!(b.exceeded(), Some(Exceeded::Depth));
        let budget = Budget::for_input(10);
        let big = "x".repeat(ALLOWANCE + 1000);
        let r: Result<Value, serde_json::Error> =
            budget
                .value()
                .deserialize(&mut serde_json::Deserializer::from_str(&format!(
                    "\"{big}\""
                )));
        assert!(r.is_err());
        assert_eq!(budget.exceeded(), Some(Exceeded::Size { input_bytes: 10 }));
    }
}
