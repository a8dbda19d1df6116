//! The divergence ledger, `fixtures/golden/divergences.json`.
//!
//! It maps `<case>/<step>` (or `<case>/<file name>`, or `<case>/files` for the
//! set of written file names) to `{ "what": …, "reason": … }` plus optionally:
//!
//! - `"places"`: the only places where the difference is expected (`stdout`,
//!   `stderr`, `rc`, `stdout:<json path>`; a place covers its sub-places).
//!   Differences anywhere else in that step still fail.
//! - `"order_insensitive": true`: cfssl prints TAB-indented lists of this step
//!   in random order, so they are compared as sets. Such an entry changes how
//!   the step is compared rather than excusing a difference, so it may match.
//!
//! Any other entry must see a difference: one that no longer differs fails,
//! asking for the entry to be removed.

use std::collections::BTreeMap;
use std::fs;

use serde_json::Value;

use super::case::fixtures_dir;
use super::compare::Mismatch;

/// One ledger entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) what: String,
    pub(crate) reason: String,
    pub(crate) places: Option<Vec<String>>,
    pub(crate) order_insensitive: bool,
}

/// The whole ledger, keyed by `<case>/<step or file>`.
#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    pub(crate) entries: BTreeMap<String, Entry>,
}

/// What became of a step's (or file's) differences.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    /// Differences that fail the case.
    pub(crate) failures: Vec<Mismatch>,
    /// Differences the ledger expects.
    pub(crate) known: Vec<Mismatch>,
    /// Set when a ledgered divergence did not occur.
    pub(crate) stale_entry: Option<String>,
}

impl Ledger {
    /// Reads and checks the ledger file.
    pub(crate) fn load() -> Result<Self, String> {
        let path = fixtures_dir().join("divergences.json");
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let Value::Object(map) = value else {
            return Err("divergences.json must hold one JSON object".to_owned());
        };
        let mut entries = BTreeMap::new();
        for (key, value) in map {
            entries.insert(key.clone(), parse_entry(&key, &value)?);
        }
        Ok(Self { entries })
    }

    /// The entry for `key`, if any.
    pub(crate) fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// Entries for the case `case`.
    pub(crate) fn keys_for_case<'a>(
        &'a self,
        case: &'a str,
    ) -> impl Iterator<Item = &'a String> + 'a {
        self.entries
            .keys()
            .filter(move |key| key.split_once('/').is_some_and(|(c, _)| c == case))
    }

    /// Applies the entry for `key` (if any) to that key's differences.
    pub(crate) fn judge(&self, key: &str, mismatches: Vec<Mismatch>) -> Verdict {
        let Some(entry) = self.get(key) else {
            return Verdict {
                failures: mismatches,
                ..Verdict::default()
            };
        };
        if entry.order_insensitive {
            return Verdict {
                failures: mismatches,
                ..Verdict::default()
            };
        }
        let (known, failures): (Vec<Mismatch>, Vec<Mismatch>) =
            mismatches.into_iter().partition(|m| match &entry.places {
                None => true,
                Some(places) => places.iter().any(|place| covers(place, &m.place)),
            });
        // Reported only when the step (or file) otherwise matches: while it
        // fails for other reasons, the entry's own difference may be hidden.
        let stale_entry = (known.is_empty() && failures.is_empty()).then(|| {
            format!(
                "`{key}` is in fixtures/golden/divergences.json ({}) but now matches cfssl there: \
                 remove the entry",
                entry.what
            )
        });
        Verdict {
            failures,
            known,
            stale_entry,
        }
    }
}

/// Whether the ledger place `place` covers the mismatch place `actual`.
fn covers(place: &str, actual: &str) -> bool {
    actual == place
        || actual.strip_prefix(place).is_some_and(|rest| {
            rest.starts_with(':') || rest.starts_with('.') || rest.starts_with('[')
        })
}

fn parse_entry(key: &str, value: &Value) -> Result<Entry, String> {
    let Value::Object(map) = value else {
        return Err(format!("divergences.json: `{key}` must be an object"));
    };
    if !key.contains('/') {
        return Err(format!(
            "divergences.json: `{key}` must be `<case>/<step or file>`"
        ));
    }
    for field in map.keys() {
        if !["what", "reason", "places", "order_insensitive"].contains(&field.as_str()) {
            return Err(format!(
                "divergences.json: `{key}` has unknown field `{field}`"
            ));
        }
    }
    let text = |field: &str| -> Result<String, String> {
        match map.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(format!(
                "divergences.json: `{key}` needs a non-empty `{field}`"
            )),
        }
    };
    let places = match map.get("places") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<String>>>()
                .ok_or(format!("divergences.json: `{key}`.places must be strings"))?,
        ),
        Some(_) => return Err(format!("divergences.json: `{key}`.places must be an array")),
    };
    let order_insensitive = match map.get("order_insensitive") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(format!(
                "divergences.json: `{key}`.order_insensitive must be a boolean"
            ));
        }
    };
    Ok(Entry {
        what: text("what")?,
        reason: text("reason")?,
        places,
        order_insensitive,
    })
}
