//! The claims set of a token: a strictly parsed JSON object with typed accessors.

use serde_json::{Map, Value};
use std::sync::Arc;

/// A JWT claims set. Cheap to clone (shared).
#[derive(Debug, Clone, PartialEq)]
pub struct Claims(Arc<Map<String, Value>>);

impl Claims {
    /// Wraps an already strictly parsed JSON object.
    pub fn new(map: Map<String, Value>) -> Self {
        Claims(Arc::new(map))
    }

    /// The raw JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// A claim's raw value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A claim that is a JSON string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }
}
