//! The doctor's report: decoded header and claims, a checklist, and the verdict.

use std::fmt;

/// The outcome of one step of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The step passed.
    Pass,
    /// The step failed: the token is refused because of it.
    Fail,
    /// Not a failure, but worth knowing.
    Warn,
    /// Not checked (an earlier step made it impossible or pointless).
    Skip,
}

impl Mark {
    fn symbol(self) -> &'static str {
        match self {
            Mark::Pass => "✔",
            Mark::Fail => "✘",
            Mark::Warn => "!",
            Mark::Skip => "-",
        }
    }
}

/// One step of the checklist: what was checked, the outcome, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The outcome.
    pub mark: Mark,
    /// The step (`format`, `issuer`, `audience`, ...).
    pub step: &'static str,
    /// One line saying what was found.
    pub summary: String,
    /// Further explanation and advice, one line each.
    pub notes: Vec<String>,
}

impl Check {
    /// A step with `mark` and `summary`.
    pub(super) fn new(mark: Mark, step: &'static str, summary: impl Into<String>) -> Self {
        Check {
            mark,
            step,
            summary: summary.into(),
            notes: Vec::new(),
        }
    }

    /// A passed step.
    pub(super) fn pass(step: &'static str, summary: impl Into<String>) -> Self {
        Self::new(Mark::Pass, step, summary)
    }

    /// A failed step.
    pub(super) fn fail(step: &'static str, summary: impl Into<String>) -> Self {
        Self::new(Mark::Fail, step, summary)
    }

    /// A skipped step.
    pub(super) fn skip(step: &'static str, summary: impl Into<String>) -> Self {
        Self::new(Mark::Skip, step, summary)
    }

    /// Adds a line of explanation or advice.
    pub(super) fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds several lines.
    pub(super) fn notes(mut self, notes: impl IntoIterator<Item = String>) -> Self {
        self.notes.extend(notes);
        self
    }
}

/// What `authgate doctor` found out about one token. `Display` renders the plain-text report;
/// it shows the decoded header and claims but never the token or its signature.
#[derive(Debug, Clone)]
pub struct Report {
    pub(super) token_bytes: usize,
    pub(super) header: Option<String>,
    pub(super) claims: Option<String>,
    pub(super) checks: Vec<Check>,
    pub(super) accepted: bool,
    pub(super) verdict: String,
}

impl Report {
    /// Whether the token would be accepted (on the route, when one was given; otherwise by
    /// some configured provider).
    pub fn ok(&self) -> bool {
        self.accepted
    }

    /// The checklist, in verification order.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// The step named `step`, if it was reported.
    pub fn check(&self, step: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.step == step)
    }

    /// The one-line verdict.
    pub fn verdict(&self) -> &str {
        &self.verdict
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "authgate doctor: a {}-byte token, decoded WITHOUT verification.",
            self.token_bytes
        )?;
        writeln!(
            f,
            "The token itself and its signature are not printed; header and claims are shown."
        )?;
        for (title, json) in [("Header", &self.header), ("Claims", &self.claims)] {
            if let Some(json) = json {
                writeln!(f, "\n{title}:")?;
                for line in json.lines() {
                    writeln!(f, "  {line}")?;
                }
            }
        }
        writeln!(f, "\nChecks:")?;
        for check in &self.checks {
            write_check(f, check)?;
        }
        writeln!(f, "\nVerdict: {}", self.verdict)
    }
}

fn write_check(f: &mut fmt::Formatter<'_>, check: &Check) -> fmt::Result {
    writeln!(
        f,
        "  {} {:<11} {}",
        check.mark.symbol(),
        check.step,
        check.summary
    )?;
    for note in &check.notes {
        writeln!(f, "      → {note}")?;
    }
    Ok(())
}
