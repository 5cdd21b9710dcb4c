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

    /// The seed that deserializes one document under this budget, handing each element of a
    /// top-level mapping's `items` sequence to `item` as soon as it is read, instead of
    /// keeping it: a `List` of 25,000 hosts is never whole in memory, each item only until
    /// `item` has decoded it. The document comes back without what was handed over
    /// ([`Streamed`]). Every node still counts against the budget.
    pub fn document<F: FnMut(Value)>(&self, item: F) -> Document<'_, F> {
        Document {
            value: self.value(),
            item,
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

/// A document read by [`Budget::document`].
#[derive(Debug)]
pub struct Streamed {
    /// The document, without the elements of its top-level `items` sequence when they were
    /// handed over (`items` itself is then absent).
    pub value: Value,
    /// How many `items` were handed over; `None` when the document has no top-level `items`
    /// sequence (a single object, or `items` that is not a sequence, kept in `value`).
    pub items: Option<usize>,
}

/// The seed of [`Budget::document`].
pub struct Document<'b, F> {
    value: Bounded<'b>,
    item: F,
}

impl<'de, F: FnMut(Value)> DeserializeSeed<'de> for Document<'_, F> {
    type Value = Streamed;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Streamed, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Scalars are read as [`Bounded`] reads them, then wrapped by `$wrap`.
macro_rules! as_bounded {
    ($wrap:expr; $($visit:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $visit<E: de::Error>(self, $($arg: $ty),*) -> Result<Self::Value, E> {
            self.value.$visit($($arg),*).map($wrap)
        })*
    };
}

impl From<Value> for Streamed {
    fn from(value: Value) -> Self {
        Streamed { value, items: None }
    }
}

impl<'de, F: FnMut(Value)> Visitor<'de> for Document<'_, F> {
    type Value = Streamed;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }

    as_bounded! {
        Streamed::from;
        visit_bool(v: bool);
        visit_i64(v: i64);
        visit_u64(v: u64);
        visit_f64(v: f64);
        visit_str(v: &str);
        visit_string(v: String);
        visit_unit();
        visit_none();
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Streamed, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Streamed, A::Error> {
        self.value.visit_seq(seq).map(Streamed::from)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Streamed, A::Error> {
        self.value.budget.charge(0)?;
        let child = self.value.nested()?;
        let mut out = Map::new();
        let mut items = None;
        while let Some(key) = map.next_key_seed(Key(self.value.budget))? {
            if key == "items" && items.is_none() {
                let seed = Items {
                    value: child,
                    item: &mut self.item,
                };
                match map.next_value_seed(seed)? {
                    Ok(count) => items = Some(count),
                    Err(value) => {
                        out.insert(key, value);
                    }
                }
                continue;
            }
            let value = map.next_value_seed(child)?;
            out.insert(key, value);
        }
        Ok(Streamed {
            value: Value::Object(out),
            items,
        })
    }
}

/// A document's `items`: a sequence is handed over element by element (`Ok` with how many);
/// anything else is read whole (`Err` with it).
struct Items<'b, 'f, F> {
    value: Bounded<'b>,
    item: &'f mut F,
}

impl<'de, F: FnMut(Value)> DeserializeSeed<'de> for Items<'_, '_, F> {
    type Value = Result<usize, Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F: FnMut(Value)> Visitor<'de> for Items<'_, '_, F> {
    type Value = Result<usize, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }

    as_bounded! {
        Err;
        visit_bool(v: bool);
        visit_i64(v: i64);
        visit_u64(v: u64);
        visit_f64(v: f64);
        visit_str(v: &str);
        visit_string(v: String);
        visit_unit();
        visit_none();
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.value.visit_map(map).map(Err)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        self.value.budget.charge(0)?;
        let child = self.value.nested()?;
        let mut count = 0;
        while let Some(element) = seq.next_element_seed(child)? {
            (self.item)(element);
            count += 1;
        }
        Ok(Ok(count))
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
    fn a_documents_items_are_handed_over_one_by_one_and_still_counted() {
        let text = r#"{"apiVersion": "v1", "items": [{"a": 1}, 2, {"b": [3]}], "kind": "List"}"#;
        let budget = Budget::for_input(text.len());
        let mut seen = Vec::new();
        let streamed = budget
            .document(|v| seen.push(v))
            .deserialize(&mut serde_json::Deserializer::from_str(text))
            .unwrap();
        assert_eq!(
            seen,
            [
                serde_json::json!({"a": 1}),
                serde_json::json!(2),
                serde_json::json!({"b": [3]})
            ]
        );
        assert_eq!(streamed.items, Some(3));
        assert_eq!(
            streamed.value,
            serde_json::json!({"apiVersion": "v1", "kind": "List"})
        );
        // `items` that is not a sequence stays in the document; a scalar document is itself.
        for (text, expected) in [
            (
                r#"{"items": {"x": 1}}"#,
                serde_json::json!({"items": {"x": 1}}),
            ),
            ("[1, 2]", serde_json::json!([1, 2])),
            ("7", serde_json::json!(7)),
        ] {
            let budget = Budget::for_input(text.len());
            let streamed = budget
                .document(|_| panic!("nothing is handed over"))
                .deserialize(&mut serde_json::Deserializer::from_str(text))
                .unwrap();
            assert_eq!((streamed.value, streamed.items), (expected, None), "{text}");
        }
        // Items handed over still count: a list of many small items over the budget fails.
        let items = vec!["{}"; 10_000].join(",");
        let text = format!(r#"{{"items": [{items}]}}"#);
        let budget = Budget::for_input(0);
        let r = budget
            .document(|_| {})
            .deserialize(&mut serde_json::Deserializer::from_str(&text));
        assert!(r.is_err());
        assert_eq!(budget.exceeded(), Some(Exceeded::Size { input_bytes: 0 }));
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
