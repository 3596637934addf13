//! `env:NAME` and `file:/path` references: any string value of the file may name where its
//! real value lives, so secrets never sit in the configuration itself.
//!
//! A missing variable or an unreadable file is a problem reported with the value's path; the
//! resolved value is never printed. A value read from a file loses one trailing newline
//! (`\n` or `\r\n`), as written by `echo` or a secrets mount. Relative file paths are relative
//! to the configuration file's directory.

use super::Sources;
use super::problems::{Problems, join};
use toml::{Table, Value};

/// Replaces every reference in `table` with the value it names.
pub(crate) fn resolve(table: &mut Table, sources: &Sources<'_>, problems: &mut Problems) {
    for (key, value) in table.iter_mut() {
        resolve_value(value, &join("", key), sources, problems);
    }
}

fn resolve_value(value: &mut Value, path: &str, sources: &Sources<'_>, problems: &mut Problems) {
    match value {
        Value::String(text) => {
            if let Some(resolved) = lookup(text, path, sources, problems) {
                problems.hide(&resolved);
                *text = resolved;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                resolve_value(item, &format!("{path}[{i}]"), sources, problems);
            }
        }
        Value::Table(table) => {
            for (key, item) in table.iter_mut() {
                resolve_value(item, &join(path, key), sources, problems);
            }
        }
        _ => {}
    }
}

/// The value `text` refers to; `None` when it is no reference or cannot be resolved (then
/// the problem is recorded and the text left as is).
fn lookup(
    text: &str,
    path: &str,
    sources: &Sources<'_>,
    problems: &mut Problems,
) -> Option<String> {
    if let Some(name) = text.strip_prefix("env:") {
        let value = (sources.env)(name);
        if value.is_none() {
            problems.push(path, format!("environment variable {name} is not set"));
        }
        return value;
    }
    let file = text.strip_prefix("file:")?;
    let full = sources.resolve_path(file);
    match std::fs::read_to_string(&full) {
        Ok(contents) => Some(trim_one_newline(contents)),
        Err(e) => {
            problems.push(
                path,
                format!("cannot read {}: {}", full.display(), e.kind()),
            );
            None
        }
    }
}

fn trim_one_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_trimmed() {
        assert_eq!(trim_one_newline("s3cret\n".into()), "s3cret");
        assert_eq!(trim_one_newline("s3cret\r\n".into()), "s3cret");
        assert_eq!(trim_one_newline("s3cret\n\n".into()), "s3cret\n");
        assert_eq!(trim_one_newline("s3cret".into()), "s3cret");
    }
}
