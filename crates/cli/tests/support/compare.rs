//! Comparing a replayed step (or a written file) with cfssl's record.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::case::{Case, Recorded};
use super::normalise::{json_skeleton, normalise_log, sort_tab_lists};
use super::pem::has_pem;
use super::replay::StepRun;
use super::summary::{self, Context, MINUTE_ALIGNED, NOT_MINUTE_ALIGNED};

/// One difference between cfssl's record and our run.
#[derive(Debug, Clone)]
pub(crate) struct Mismatch {
    /// Where: `rc`, `stdout`, `stderr`, `stdout:<json path>`, `file`, `names`.
    pub(crate) place: String,
    /// What differs, as a line diff (`-` cfssl, `+` ours) or a sentence.
    pub(crate) detail: String,
}

/// Everything a comparison needs besides the two outputs.
#[derive(Debug)]
pub(crate) struct Setting<'a> {
    /// Summary context of cfssl's folder (the golden case folder).
    pub(crate) expected: &'a Context,
    /// Summary context of our working folder.
    pub(crate) actual: &'a Context,
    /// Compare TAB-indented lists as sets (ledgered: cfssl prints them in random order).
    pub(crate) order_insensitive: bool,
    /// A step crossed a whole minute, so an unrounded notBefore of ours may
    /// fall on the minute by chance.
    pub(crate) alignment_ambiguous: bool,
}

/// JSON keys whose values differ on every run; they are compared by shape.
const VARIABLE_KEYS: &[&str] = &[
    "serial_number",
    "not_before",
    "not_after",
    "subject_key_id",
    "authority_key_id",
    "ocspResponse",
];

/// Compares one step: exit code, stderr, stdout.
pub(crate) fn compare_step(
    recorded: &Recorded,
    run: &StepRun,
    setting: &Setting<'_>,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if recorded.rc != run.rc {
        out.push(Mismatch {
            place: "rc".to_owned(),
            detail: format!("exit code: cfssl {}, ours {}", recorded.rc, run.rc),
        });
    }
    let expected = normalised_text(&recorded.stderr, setting.order_insensitive);
    let actual = normalised_text(&run.stderr, setting.order_insensitive);
    if expected != actual {
        out.push(Mismatch {
            place: "stderr".to_owned(),
            detail: diff_lines(&expected, &actual),
        });
    }
    compare_stdout(&recorded.stdout, &run.stdout, setting, &mut out);
    out
}

fn normalised_text(bytes: &[u8], order_insensitive: bool) -> String {
    let text = normalise_log(&String::from_utf8_lossy(bytes));
    if order_insensitive {
        sort_tab_lists(&text)
    } else {
        text
    }
}

fn compare_stdout(expected: &[u8], actual: &[u8], setting: &Setting<'_>, out: &mut Vec<Mismatch>) {
    let expected_text = String::from_utf8_lossy(expected);
    let actual_text = String::from_utf8_lossy(actual);
    // JSON only when cfssl printed JSON (an empty stdout is not JSON).
    let expected_json = serde_json::from_slice::<Value>(expected).ok();
    if let Some(expected_json) = expected_json {
        let Ok(actual_json) = serde_json::from_slice::<Value>(actual) else {
            out.push(Mismatch {
                place: "stdout".to_owned(),
                detail: format!(
                    "cfssl printed JSON shaped {}ours printed {}",
                    json_skeleton(&expected_text),
                    if actual.is_empty() {
                        "nothing".to_owned()
                    } else {
                        format!("text that is not JSON:\n{actual_text}")
                    }
                ),
            });
            return;
        };
        let (expected_frame, actual_frame) =
            (json_skeleton(&expected_text), json_skeleton(&actual_text));
        if expected_frame != actual_frame {
            out.push(Mismatch {
                place: "stdout:framing".to_owned(),
                detail: diff_lines(&expected_frame, &actual_frame),
            });
        }
        compare_json("", &expected_json, &actual_json, setting, out);
        return;
    }
    if let Ok(actual_json) = serde_json::from_slice::<Value>(actual) {
        out.push(Mismatch {
            place: "stdout".to_owned(),
            detail: format!(
                "cfssl printed {} bytes of text, ours printed JSON: {}",
                expected.len(),
                json_skeleton(&actual_json.to_string())
            ),
        });
        return;
    }
    let expected = text_summary(&expected_text, setting.expected, setting.order_insensitive);
    let actual = text_summary(&actual_text, setting.actual, setting.order_insensitive);
    let actual = reconcile_alignment(&expected, &actual, setting.alignment_ambiguous);
    if expected != actual {
        out.push(Mismatch {
            place: "stdout".to_owned(),
            detail: diff_lines(&expected, &actual),
        });
    }
}

/// Normalised text; PEM blocks in it are replaced by their summaries.
fn text_summary(text: &str, context: &Context, order_insensitive: bool) -> String {
    let text = normalise_log(text);
    let text = if order_insensitive {
        sort_tab_lists(&text)
    } else {
        text
    };
    if has_pem(&text) {
        summary::summarise_text(&text, context)
    } else {
        text
    }
}

/// Compares JSON values: same keys in the same order, values by kind.
fn compare_json(
    path: &str,
    expected: &Value,
    actual: &Value,
    setting: &Setting<'_>,
    out: &mut Vec<Mismatch>,
) {
    let place = if path.is_empty() {
        "stdout".to_owned()
    } else {
        format!("stdout:{path}")
    };
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            let expected_keys: Vec<&String> = expected.keys().collect();
            let actual_keys: Vec<&String> = actual.keys().collect();
            if expected_keys != actual_keys {
                out.push(Mismatch {
                    place,
                    detail: format!("keys: cfssl {expected_keys:?}, ours {actual_keys:?}"),
                });
            }
            for (key, expected_value) in expected {
                let Some(actual_value) = actual.get(key) else {
                    continue;
                };
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if VARIABLE_KEYS.contains(&key.as_str()) {
                    let (e, a) = (value_shape(expected_value), value_shape(actual_value));
                    if e != a {
                        out.push(Mismatch {
                            place: format!("stdout:{child}"),
                            detail: format!("shape: cfssl {e}, ours {a}"),
                        });
                    }
                } else {
                    compare_json(&child, expected_value, actual_value, setting, out);
                }
            }
        }
        (Value::Array(expected), Value::Array(actual)) => {
            if expected.len() != actual.len() {
                out.push(Mismatch {
                    place,
                    detail: format!("length: cfssl {}, ours {}", expected.len(), actual.len()),
                });
            }
            for (index, (e, a)) in expected.iter().zip(actual).enumerate() {
                compare_json(&format!("{path}[{index}]"), e, a, setting, out);
            }
        }
        (Value::String(e), Value::String(a)) if has_pem(e) => {
            let expected_summary = summary::summarise_text(e, setting.expected);
            let actual_summary = summary::summarise_text(a, setting.actual);
            let actual_summary = reconcile_alignment(
                &expected_summary,
                &actual_summary,
                setting.alignment_ambiguous,
            );
            if expected_summary != actual_summary {
                out.push(Mismatch {
                    place,
                    detail: diff_lines(&expected_summary, &actual_summary),
                });
            }
        }
        (e, a) if e != a => out.push(Mismatch {
            place,
            detail: format!("cfssl {e}, ours {a}"),
        }),
        _ => {}
    }
}

/// The shape of a value that changes from run to run.
fn value_shape(value: &Value) -> String {
    let Value::String(text) = value else {
        return format!("non-string {value}");
    };
    if text.is_empty() {
        "empty string".to_owned()
    } else if text.bytes().all(|b| b.is_ascii_digit()) {
        "decimal number".to_owned()
    } else if summary::parse_rfc3339(text).is_some() {
        "RFC 3339 time".to_owned()
    } else if text
        .split(':')
        .all(|byte| byte.len() == 2 && byte.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        let upper = if text == &text.to_ascii_uppercase() {
            "upper-case"
        } else {
            "lower-case"
        };
        format!(
            "{} bytes of {upper} hex with colons",
            text.split(':').count()
        )
    } else if super::pem::decode_base64(text).is_some() {
        "base64".to_owned()
    } else {
        format!("other text {text:?}")
    }
}

/// Accepts an aligned notBefore of ours where cfssl's is not aligned, when a
/// step crossed a whole minute (so the alignment may be chance, see
/// [`super::replay::Replay::crossed_a_minute`]).
pub(crate) fn reconcile_alignment(expected: &str, actual: &str, ambiguous: bool) -> String {
    if !ambiguous {
        return actual.to_owned();
    }
    let expected_lines: Vec<&str> = expected.lines().collect();
    let mut out = String::with_capacity(actual.len());
    for (index, line) in actual.lines().enumerate() {
        let unaligned = line.replace(MINUTE_ALIGNED, NOT_MINUTE_ALIGNED);
        if !line.contains(NOT_MINUTE_ALIGNED)
            && expected_lines.get(index) == Some(&unaligned.as_str())
        {
            out.push_str(&unaligned);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !actual.ends_with('\n') {
        out.pop();
    }
    out
}

/// Compares the files the steps wrote: same names, and the same content by
/// kind. Returns mismatches per file name (`names` for the set of names).
pub(crate) fn compare_files(
    case: &Case,
    workdir: &Path,
    setting: &Setting<'_>,
) -> Vec<(String, Mismatch)> {
    let mut out = Vec::new();
    let expected = case.written_files();
    let actual: Vec<String> = super::case::list_files(workdir)
        .into_iter()
        .filter(|name| !case.inputs.contains(name))
        .collect();
    let missing: Vec<&String> = expected.iter().filter(|n| !actual.contains(n)).collect();
    let extra: Vec<&String> = actual.iter().filter(|n| !expected.contains(n)).collect();
    if !missing.is_empty() || !extra.is_empty() {
        out.push((
            "files".to_owned(),
            Mismatch {
                place: "names".to_owned(),
                detail: format!(
                    "written by cfssl only: {missing:?}; written by ours only: {extra:?}"
                ),
            },
        ));
    }
    for name in expected.iter().filter(|n| actual.contains(n)) {
        let expected_bytes = fs::read(case.dir.join(name)).unwrap_or_default();
        let actual_bytes = fs::read(workdir.join(name)).unwrap_or_default();
        if let Some(detail) = compare_file(name, &expected_bytes, &actual_bytes, setting) {
            out.push((
                name.clone(),
                Mismatch {
                    place: "file".to_owned(),
                    detail,
                },
            ));
        }
    }
    out
}

/// `.pem` and `.csr` files (and any file holding PEM) are compared by summary,
/// everything else byte for byte.
fn compare_file(
    name: &str,
    expected: &[u8],
    actual: &[u8],
    setting: &Setting<'_>,
) -> Option<String> {
    let expected_text = String::from_utf8_lossy(expected);
    let by_summary = name.ends_with(".pem") || name.ends_with(".csr") || has_pem(&expected_text);
    if by_summary {
        let actual_text = String::from_utf8_lossy(actual);
        let e = summary::summarise_text(&expected_text, setting.expected);
        let a = summary::summarise_text(&actual_text, setting.actual);
        let a = reconcile_alignment(&e, &a, setting.alignment_ambiguous);
        return (e != a).then(|| diff_lines(&e, &a));
    }
    if expected == actual {
        return None;
    }
    match (std::str::from_utf8(expected), std::str::from_utf8(actual)) {
        (Ok(e), Ok(a)) => Some(diff_lines(e, a)),
        _ => Some(format!(
            "binary content differs ({} vs {} bytes)",
            expected.len(),
            actual.len()
        )),
    }
}

/// A line diff of two texts: `-` lines are cfssl's, `+` lines ours, with two
/// lines of context around each change.
pub(crate) fn diff_lines(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table, from the end.
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || table[i][j + 1] >= table[i + 1][j]) {
            ops.push(('+', b[j]));
            j += 1;
        } else {
            ops.push(('-', a[i]));
            i += 1;
        }
    }
    let changed: Vec<bool> = ops.iter().map(|(op, _)| *op != ' ').collect();
    let near_change = |index: usize| {
        let low = index.saturating_sub(2);
        let high = (index + 2).min(ops.len() - 1);
        changed[low..=high].iter().any(|&c| c)
    };
    let mut out = String::new();
    let mut skipped = false;
    for (index, (op, line)) in ops.iter().enumerate() {
        if near_change(index) {
            if skipped {
                out.push_str("  …\n");
                skipped = false;
            }
            out.push_str(&format!("{op} {line}\n"));
        } else {
            skipped = true;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str(&format!(
            "(final newline: cfssl {}, ours {})\n",
            expected.ends_with('\n'),
            actual.ends_with('\n')
        ));
    }
    if out.is_empty() {
        out.push_str("(texts differ only in line endings)\n");
    }
    out
}
