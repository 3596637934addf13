//! The raw phase: TOML text → table (syntax errors with line and column) → overrides and
//! references applied → the [`raw`](super::raw) structs, one section and one list entry at a
//! time so that a mistake in one entry does not hide the mistakes in the others.

use super::decode::decode;
use super::problems::{Problems, join};
use super::raw::{
    RawForwardAuth, RawRateLimit, RawRoute, RawSecrets, RawServer, RawStore, RawTelemetry,
};
use super::{Sources, overrides, secret_ref};
use authgate::ProviderConfig;
use authgate::login::LoginConfig;
use authgate::session::SessionConfig;
use authgate_core::PolicySpec;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use toml::{Table, Value};

/// The top-level keys of the file, as in [`super::raw::RawConfig`].
const TOP_LEVEL_KEYS: [&str; 12] = [
    "version",
    "server",
    "telemetry",
    "rate_limit",
    "forward_auth",
    "providers",
    "policies",
    "routes",
    "store",
    "secrets",
    "login",
    "session",
];

/// The file after the raw phase. A section or entry that did not deserialize is `None` (its
/// problems are recorded); list entries keep their index for paths.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) version: Option<u32>,
    pub(crate) server: Option<RawServer>,
    pub(crate) telemetry: Option<RawTelemetry>,
    pub(crate) rate_limit: Option<RawRateLimit>,
    pub(crate) forward_auth: Option<RawForwardAuth>,
    pub(crate) providers: Vec<Option<ProviderConfig>>,
    /// Every `id` written under `[[providers]]`, even of entries with other mistakes.
    pub(crate) provider_ids: Vec<String>,
    pub(crate) policies: BTreeMap<String, Option<PolicySpec>>,
    pub(crate) routes: Vec<Option<RawRoute>>,
    pub(crate) store: Option<RawStore>,
    pub(crate) secrets: Option<RawSecrets>,
    pub(crate) login: Option<LoginConfig>,
    pub(crate) session: Option<SessionConfig>,
    /// Paths of `insecure_*` settings that are on.
    pub(crate) insecure: Vec<String>,
}

/// Runs the raw phase over `text`.
pub(crate) fn parse(text: &str, sources: &Sources<'_>, problems: &mut Problems) -> Parsed {
    let mut table = match toml::from_str::<Table>(text) {
        Ok(table) => table,
        Err(e) => {
            problems.push(
                syntax_location(text, &e),
                format!("TOML syntax error: {}", e.message().trim()),
            );
            return Parsed::default();
        }
    };
    overrides::apply(&mut table, &sources.overrides, problems);
    secret_ref::resolve(&mut table, sources, problems);
    sections(table, problems)
}

/// `line L, column C` of a syntax error (1-based).
fn syntax_location(text: &str, e: &toml::de::Error) -> String {
    let Some(offset) = e.span().map(|s| s.start.min(text.len())) else {
        return "file".to_owned();
    };
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}

fn sections(mut table: Table, problems: &mut Problems) -> Parsed {
    for key in table
        .keys()
        .filter(|k| !TOP_LEVEL_KEYS.contains(&k.as_str()))
    {
        let expected = TOP_LEVEL_KEYS.join(", ");
        problems.push(
            key.as_str(),
            format!("unknown key (expected one of {expected})"),
        );
    }
    let insecure = insecure_settings(&table);
    let providers = table.remove("providers");
    let provider_ids = ids(providers.as_ref());
    Parsed {
        version: required(&mut table, "version", problems),
        server: required(&mut table, "server", problems),
        telemetry: optional(&mut table, "telemetry", problems),
        rate_limit: optional(&mut table, "rate_limit", problems),
        forward_auth: optional(&mut table, "forward_auth", problems),
        providers: list(providers, "providers", problems),
        provider_ids,
        policies: map(table.remove("policies"), "policies", problems),
        routes: list(table.remove("routes"), "routes", problems),
        store: optional(&mut table, "store", problems),
        secrets: optional(&mut table, "secrets", problems),
        login: optional(&mut table, "login", problems),
        session: optional(&mut table, "session", problems),
        insecure,
    }
}

fn required<T: DeserializeOwned>(
    table: &mut Table,
    key: &str,
    problems: &mut Problems,
) -> Option<T> {
    match table.remove(key) {
        Some(value) => decode(value, key, problems),
        None => {
            problems.push(key, "required");
            None
        }
    }
}

fn optional<T: DeserializeOwned + Default>(
    table: &mut Table,
    key: &str,
    problems: &mut Problems,
) -> Option<T> {
    match table.remove(key) {
        Some(value) => decode(value, key, problems),
        None => Some(T::default()),
    }
}

/// An array of tables, each entry decoded on its own.
fn list<T: DeserializeOwned>(
    value: Option<Value>,
    key: &str,
    problems: &mut Problems,
) -> Vec<Option<T>> {
    match value {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| decode(item, &format!("{key}[{i}]"), problems))
            .collect(),
        Some(_) => {
            problems.push(key, format!("must be a list of tables ([[{key}]])"));
            Vec::new()
        }
    }
}

/// A table of named tables, each decoded on its own.
fn map<T: DeserializeOwned>(
    value: Option<Value>,
    key: &str,
    problems: &mut Problems,
) -> BTreeMap<String, Option<T>> {
    match value {
        None => BTreeMap::new(),
        Some(Value::Table(entries)) => entries
            .into_iter()
            .map(|(name, item)| {
                let decoded = decode(item, &format!("{key}.{name}"), problems);
                (name, decoded)
            })
            .collect(),
        Some(_) => {
            problems.push(
                key,
                format!("must be a table of named tables ([{key}.NAME])"),
            );
            BTreeMap::new()
        }
    }
}

/// The `id` of every `[[providers]]` entry that has a string one.
fn ids(providers: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = providers else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|p| p.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// Paths of every `insecure_*` key set to anything but `false`, anywhere in the file.
fn insecure_settings(table: &Table) -> Vec<String> {
    let mut found = Vec::new();
    walk_insecure(table, "", &mut found);
    found
}

fn walk_insecure(table: &Table, prefix: &str, found: &mut Vec<String>) {
    for (key, value) in table {
        let path = join(prefix, key);
        match value {
            Value::Table(inner) => walk_insecure(inner, &path, found),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Table(inner) = item {
                        walk_insecure(inner, &format!("{path}[{i}]"), found);
                    }
                }
            }
            Value::Boolean(false) => {}
            _ if key.starts_with("insecure_") => found.push(path),
            _ => {}
        }
    }
}
