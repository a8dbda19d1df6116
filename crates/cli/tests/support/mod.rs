//! Golden replay: runs our `cfssl` and `cfssljson` on the command lines that
//! were recorded with cfssl (see `fixtures/golden/README.md`) and compares the
//! results through normalised summaries.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

pub(crate) mod case;
pub(crate) mod compare;
pub(crate) mod der;
pub(crate) mod ledger;
pub(crate) mod normalise;
pub(crate) mod openssl;
pub(crate) mod oracle;
pub(crate) mod pem;
pub(crate) mod pg;
pub(crate) mod pki;
pub(crate) mod replay;
pub(crate) mod serve;
pub(crate) mod sha1;
pub(crate) mod summary;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use self::case::Case;
use self::compare::{Mismatch, Setting};
use self::ledger::{Ledger, Verdict};
use self::replay::Tools;
use self::summary::Context;

/// Log lines without their date and time (`2006/01/02 15:04:05 `), as the
/// recordings keep them, each ending in a newline.
pub(crate) fn undated(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .map(|l| {
            let b = l.as_bytes();
            let dated = b.len() > 20
                && b[4] == b'/'
                && b[7] == b'/'
                && b[10] == b' '
                && b[13] == b':'
                && b[16] == b':'
                && b[19] == b' ';
            if dated { &l[20..] } else { l }
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Replays the golden case `name` with our binaries and panics with a readable
/// report if it differs from cfssl's record in a way the ledger does not list.
///
/// `cfssl` and `cfssljson` are the binaries under test.
pub(crate) fn check_case(name: &str, cfssl: &Path, cfssljson: &Path) {
    let case = Case::load(name).unwrap_or_else(|error| panic!("{error}"));
    let ledger = Ledger::load().unwrap_or_else(|error| panic!("{error}"));
    let tools = Tools::new(cfssl, cfssljson);
    let replay = replay::replay(&case, &tools);

    let expected = Context::for_folder(&case.dir);
    let actual = Context::for_folder(replay.dir.path());
    let alignment_ambiguous = replay.crossed_a_minute();
    let setting = |key: &str| Setting {
        expected: &expected,
        actual: &actual,
        order_insensitive: ledger.get(key).is_some_and(|entry| entry.order_insensitive),
        alignment_ambiguous,
    };

    let mut report = Report::default();
    let mut judged = BTreeSet::new();
    for (index, (recorded, run)) in case.recorded.iter().zip(&replay.steps).enumerate() {
        let key = format!("{name}/{}", index + 1);
        let mismatches = compare::compare_step(recorded, run, &setting(&key));
        let title = format!("step {} `{}`", index + 1, first_line(&case.steps[index]));
        report.add(&title, ledger.judge(&key, mismatches));
        judged.insert(key);
    }

    let mut by_file: Vec<(String, Vec<Mismatch>)> = Vec::new();
    for (file, mismatch) in compare::compare_files(&case, replay.dir.path(), &setting("")) {
        match by_file.iter_mut().find(|(f, _)| *f == file) {
            Some((_, list)) => list.push(mismatch),
            None => by_file.push((file, vec![mismatch])),
        }
    }
    for (file, mismatches) in by_file {
        let key = format!("{name}/{file}");
        let title = if file == "files" {
            "written files".to_owned()
        } else {
            format!("file {file}")
        };
        report.add(&title, ledger.judge(&key, mismatches));
        judged.insert(key);
    }

    // Ledger entries for this case that saw no difference at all.
    let written = case.written_files();
    let ours_written = case::list_files(replay.dir.path());
    for key in ledger.keys_for_case(name) {
        if judged.contains(key) {
            continue;
        }
        let target = key.split_once('/').map_or("", |(_, target)| target);
        let exists = target == "files"
            || written.iter().any(|file| file == target)
            || target
                .parse::<usize>()
                .is_ok_and(|step| (1..=case.steps.len()).contains(&step));
        if !exists {
            report.failures.push(format!(
                "`{key}` in fixtures/golden/divergences.json names no step or written file of this case"
            ));
        } else if target.parse::<usize>().is_ok() || ours_written.iter().any(|f| f == target) {
            // (A file we did not write is already reported under `written files`.)
            report.add(&format!("`{key}`"), ledger.judge(key, Vec::new()));
        }
    }

    let findings = oracle::check(&case, &replay, &tools);
    for failure in findings.failures {
        report
            .failures
            .push(format!("independent check: {failure}"));
    }
    report.notes.extend(findings.notes);

    for line in report.known.iter().chain(&report.notes) {
        eprintln!("{name}: {line}");
    }
    if !report.failures.is_empty() {
        panic!(
            "golden case `{name}` (fixtures/golden/{name}) differs from cfssl's record \
             (`-` cfssl, `+` ours):\n\n{}",
            report.failures.join("\n")
        );
    }
}

/// Failures and known divergences of one case, as text.
#[derive(Debug, Default)]
struct Report {
    failures: Vec<String>,
    known: Vec<String>,
    notes: Vec<String>,
}

impl Report {
    fn add(&mut self, title: &str, verdict: Verdict) {
        if !verdict.failures.is_empty() {
            let mut text = format!("{title}:\n");
            for mismatch in &verdict.failures {
                let _ = writeln!(text, "  [{}]", mismatch.place);
                for line in mismatch.detail.lines() {
                    let _ = writeln!(text, "    {line}");
                }
            }
            self.failures.push(text);
        }
        if let Some(stale) = verdict.stale_entry {
            self.failures.push(format!("{title}: {stale}\n"));
        }
        for mismatch in verdict.known {
            self.known
                .push(format!("{title}: known divergence at {}", mismatch.place));
        }
    }
}

fn first_line(text: &str) -> String {
    let first = text
        .lines()
        .find(|line| !line.trim().is_empty() && line.trim() != "{");
    let first = first.unwrap_or_default().trim();
    if text.lines().count() > 1 {
        format!("{first} …")
    } else {
        first.to_owned()
    }
}
