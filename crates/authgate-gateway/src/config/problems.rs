//! Collects configuration problems, each with its path, so every one is reported at once.

use super::{ConfigErrors, Problem};

/// The problems found so far.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    list: Vec<Problem>,
    /// Values that came from `env:`/`file:` references or overrides: scrubbed from messages
    /// so a secret never reaches an error line.
    secrets: Vec<String>,
}

/// The shortest resolved value scrubbed from messages (shorter ones are not worth hiding and
/// would garble unrelated words).
const MIN_SCRUBBED_LEN: usize = 3;

impl Problems {
    /// Records that the value at `path` is wrong.
    pub(crate) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// Remembers a value that must never appear in a message.
    pub(crate) fn hide(&mut self, value: &str) {
        if value.len() >= MIN_SCRUBBED_LEN {
            self.secrets.push(value.to_owned());
        }
    }

    /// `Ok(value)` when nothing is wrong, otherwise every problem with secrets scrubbed.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, ConfigErrors> {
        if self.list.is_empty() {
            return Ok(value);
        }
        let scrub = |text: String| {
            self.secrets.iter().fold(text, |text, secret| {
                text.replace(secret.as_str(), "[redacted]")
            })
        };
        let list = self
            .list
            .into_iter()
            .map(|p| Problem {
                path: p.path,
                message: scrub(p.message),
            })
            .collect();
        Err(ConfigErrors(list))
    }
}

/// `prefix.field`, or `prefix[index]` when `field` starts with `[`.
pub(crate) fn join(prefix: &str, field: &str) -> String {
    match (prefix.is_empty(), field.is_empty() || field == ".") {
        (_, true) => prefix.to_owned(),
        (true, false) => field.to_owned(),
        (false, false) if field.starts_with('[') => format!("{prefix}{field}"),
        (false, false) => format!("{prefix}.{field}"),
    }
}
