//! Tests of the golden replay's own machinery, which need no binary of ours:
//! the normaliser must find cfssl 1.4.1 and 1.6.5 equal where they behave the
//! same (the etcd lab, plain CAs and leaves) and different where
//! `spec/cfssl-cli.md` §7 says they differ.

mod support;

use std::collections::BTreeMap;
use std::fs;

use support::case::{Case, Recorded, is_record_file, split_steps};
use support::compare::{Mismatch, Setting, compare_files, compare_step, reconcile_alignment};
use support::ledger::{Entry, Ledger};
use support::normalise::{json_skeleton, normalise_log, sort_tab_lists};
use support::replay::StepRun;
use support::sha1::sha1;
use support::summary::{Context, summarise_text};

/// The same case as recorded by cfssl 1.6.5 and by cfssl 1.4.1, with the
/// summary context of each folder.
struct Pair {
    new: Case,
    old: Case,
    new_context: Context,
    old_context: Context,
}

impl Pair {
    /// `case` from `fixtures/golden/<case>` (1.6.5) and `old` from
    /// `fixtures/golden/<old>` (1.4.1).
    fn load(case: &str, old: &str) -> Self {
        let new = Case::load(case).unwrap_or_else(|e| panic!("{e}"));
        let old = Case::load(old).unwrap_or_else(|e| panic!("{e}"));
        let new_context = Context::for_folder(&new.dir);
        let old_context = Context::for_folder(&old.dir);
        Self {
            new,
            old,
            new_context,
            old_context,
        }
    }

    /// Compares step `step` of 1.4.1's record with 1.6.5's, as the replay
    /// compares ours with cfssl's.
    fn compare_step(&self, step: usize) -> Vec<Mismatch> {
        let setting = Setting {
            expected: &self.new_context,
            actual: &self.old_context,
            order_insensitive: false,
            alignment_ambiguous: false,
        };
        compare_step(
            &self.new.recorded[step - 1],
            &as_run(&self.old.recorded[step - 1]),
            &setting,
        )
    }
}

fn as_run(recorded: &Recorded) -> StepRun {
    StepRun {
        stdout: recorded.stdout.clone(),
        stderr: recorded.stderr.clone(),
        rc: recorded.rc,
        started: 0,
        finished: 0,
    }
}

/// The summary of the PEM in a step's stdout JSON field.
fn field_summary(case: &Case, context: &Context, step: usize, field: &str) -> String {
    let json: serde_json::Value =
        serde_json::from_slice(&case.recorded[step - 1].stdout).expect("stdout is JSON");
    let pem = json[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in step {step}"));
    summarise_text(pem, context)
}

fn places(mismatches: &[Mismatch]) -> Vec<&str> {
    mismatches.iter().map(|m| m.place.as_str()).collect()
}

#[test]
fn sha1_matches_the_fips_180_examples() {
    let hex = |d: [u8; 20]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_eq!(
        hex(sha1(b"abc")),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    assert_eq!(
        hex(sha1(
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        )),
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
    );
    assert_eq!(
        hex(sha1(&[b'a'; 1_000_000])),
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
    );
}

#[test]
fn log_normalisation_drops_times_serials_and_panic_traces() {
    let log = "2026/11/27 21:51:44 [INFO] signed certificate with serial number 4674590199\n\
               {\"code\":2400,\"message\":\"invalid curve\"}\n\
               panic: interface conversion\n\
               \n\
               goroutine 1 [running]:\n\
               main.main()\n\
               \t/src/main.go:10 +0x1d\n";
    assert_eq!(
        normalise_log(log),
        "[INFO] signed certificate with serial number <serial>\n\
         {\"code\":2400,\"message\":\"invalid curve\"}\n\
         panic: interface conversion\n"
    );
    // A date that is not a log prefix stays.
    assert_eq!(
        normalise_log("2026/11/27 is a date\n"),
        "2026/11/27 is a date\n"
    );
}

#[test]
fn random_lists_and_json_framing() {
    assert_eq!(
        sort_tab_lists("Available commands:\n\tsign\n\tbundle\nTop-level flags:\n"),
        "Available commands:\n\tbundle\n\tsign\nTop-level flags:\n"
    );
    assert_eq!(
        json_skeleton("{\"cert\":\"a\\\"b\",\"n\":[1, \"x\"]}\n"),
        "{\"…\":\"…\",\"…\":[1, \"…\"]}\n"
    );
}

#[test]
fn cmd_files_split_into_the_recorded_steps() {
    // Case::load fails when the split disagrees with the N.rc files.
    let lab = Case::load("etcd-lab").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lab.steps.len(), 6);
    assert!(lab.steps[0].starts_with("{\ncat > etcd-ca-peer-config.json <<EOF"));
    assert!(lab.steps[0].ends_with("cfssljson -bare etcd-ca-peer\n}"));
    assert_eq!(
        lab.steps[5],
        "for f in *.pem *.csr; do echo \"$f $(stat -c %a $f)\"; done"
    );
    assert_eq!(
        split_steps("a\n\nb <<'X'\n{\n}\nX\nc\n"),
        ["a", "b <<'X'\n{\n}\nX", "c"]
    );

    assert!(is_record_file("12.stdout") && is_record_file("3.cert.txt") && is_record_file("cmd"));
    assert!(!is_record_file("ca.pem") && !is_record_file("1.json") && !is_record_file("a.rc"));
}

#[test]
fn etcd_lab_is_the_same_under_cfssl_1_4_1_and_1_6_5() {
    let lab = Pair::load("etcd-lab", "etcd-lab-1.4.1");
    for step in 1..=lab.new.steps.len() {
        let mismatches = lab.compare_step(step);
        assert!(
            mismatches.is_empty(),
            "etcd-lab step {step}: {mismatches:#?}"
        );
    }

    // Every written file, compared as the replay compares ours (1.4.1 standing in).
    let written = tempfile::TempDir::new().expect("temp dir");
    for name in lab.old.written_files() {
        fs::copy(lab.old.dir.join(&name), written.path().join(&name)).expect("copy");
    }
    let written_context = Context::for_folder(written.path());
    let setting = Setting {
        expected: &lab.new_context,
        actual: &written_context,
        order_insensitive: false,
        alignment_ambiguous: false,
    };
    let files = compare_files(&lab.new, written.path(), &setting);
    assert!(files.is_empty(), "{files:#?}");

    // What the summary of the peer certificate records.
    let text = fs::read_to_string(lab.new.dir.join("etcd-peer.pem")).expect("etcd-peer.pem");
    let summary = summarise_text(&text, &lab.new_context);
    eprintln!("summary of etcd-lab/etcd-peer.pem:\n{summary}");
    for expected in [
        "  version: 3",
        "  serial: positive, at most 159 bits",
        "  signature: 1.2.840.113549.1.1.11 (sha256WithRSAEncryption), parameters NULL",
        "    - 2.5.4.11 (OU) PrintableString \"Kubernetes The Hard Way\"",
        "  validity: 31536000 s",
        "  notBefore: UTCTime, on a whole minute",
        "  public key: 1.2.840.113549.1.1.1 (rsaEncryption), parameters NULL, 2048-bit modulus, exponent 65537",
        "        digitalSignature, keyEncipherment",
        "        DER 030205a0",
        "        1.3.6.1.5.5.7.3.1 (serverAuth)",
        "        CA:FALSE",
        "        DER 3000",
        "        sha1(subjectPublicKey)",
        "        keyid(20), equals the SKI of etcd-ca-peer.pem",
        "        IP 127.0.0.1 (4 bytes)",
        "  signature check: verifies with the key of etcd-ca-peer.pem",
    ] {
        assert!(
            summary.lines().any(|line| line == expected),
            "no {expected:?} in\n{summary}"
        );
    }
}

#[test]
fn plain_cas_and_leaves_are_the_same_under_both_versions() {
    for (case, step) in [
        ("initca-rsa2048", 1),
        ("leaf-www-mixed-hosts", 2),
        ("leaf-peer-hostname-flag", 2),
    ] {
        let pair = Pair::load(case, &format!("cfssl-1.4.1/{case}"));
        let mismatches = pair.compare_step(step);
        assert!(mismatches.is_empty(), "{case} step {step}: {mismatches:#?}");
    }
}

#[test]
fn summaries_differ_where_the_versions_differ() {
    // 1.4.1 ignores the `OID` and `E` names (spec §7: "CSR JSON E, OID").
    let names = Pair::load(
        "initca-email-oid-names",
        "cfssl-1.4.1/initca-email-oid-names",
    );
    let mismatches = names.compare_step(1);
    assert_eq!(
        places(&mismatches),
        ["stdout:cert", "stdout:csr"],
        "{mismatches:#?}"
    );
    assert!(
        mismatches[0]
            .detail
            .contains("-     - 1.2.840.113549.1.9.1 (emailAddress) UTF8String \"pki@pki.test\"")
    );
    assert!(
        mismatches[0]
            .detail
            .contains("-     - 1.3.6.1.4.1.99999.7 PrintableString \"custom\"")
    );

    // 1.4.1 drops non-standard subject attributes in `sign`.
    let sign = Pair::load("sign-openssl-csr", "cfssl-1.4.1/sign-openssl-csr");
    let mismatches = sign.compare_step(3);
    assert_eq!(places(&mismatches), ["stdout:cert"], "{mismatches:#?}");
    assert!(
        mismatches[0]
            .detail
            .contains("(emailAddress) UTF8String \"x@pki.test\"")
    );

    // 1.4.1 ignores `crl_url` in the CSR JSON.
    let crl = Pair::load(
        "initca-hosts-crlurl-backdate",
        "cfssl-1.4.1/initca-hosts-crlurl-backdate",
    );
    let mismatches = crl.compare_step(1);
    assert_eq!(places(&mismatches), ["stdout:cert"], "{mismatches:#?}");
    assert!(
        mismatches[0]
            .detail
            .contains("-     - 2.5.29.31 (cRLDistributionPoints)")
    );

    // 1.4.1 ignores `copy_extensions`.
    let copy = Pair::load("sign-copy-extensions", "cfssl-1.4.1/sign-copy-extensions");
    let mismatches = copy.compare_step(3);
    assert_eq!(places(&mismatches), ["stdout:cert"], "{mismatches:#?}");
    assert!(
        mismatches[0]
            .detail
            .contains("-     - 2.5.29.15 (keyUsage) critical")
    );
}

#[test]
fn summaries_tell_different_certificates_apart() {
    let rsa2048 = Case::load("initca-rsa2048").unwrap_or_else(|e| panic!("{e}"));
    let rsa3072 = Case::load("initca-rsa3072").unwrap_or_else(|e| panic!("{e}"));
    let context = Context::default();
    let a = field_summary(&rsa2048, &context, 1, "cert");
    let b = field_summary(&rsa3072, &context, 1, "cert");
    assert_ne!(a, b);
    assert!(b.contains("sha384WithRSAEncryption") && b.contains("3072-bit modulus"));

    // Keys: label, container and size.
    let key = field_summary(&rsa2048, &context, 1, "key");
    assert!(
        key.starts_with("PEM \"RSA PRIVATE KEY\", 64-column base64\n"),
        "{key}"
    );
    assert!(
        key.contains("PKCS#1 RSA, version 00, 2048-bit modulus, exponent 65537"),
        "{key}"
    );
    let ed = Case::load("initca-ed25519").unwrap_or_else(|e| panic!("{e}"));
    let key = field_summary(&ed, &context, 1, "key");
    assert!(key.starts_with("PEM \"Ed25519 PRIVATE KEY\""), "{key}");
    assert!(
        key.contains("PKCS#8 version 00, Ed25519, 32-byte seed"),
        "{key}"
    );
}

#[test]
fn profile_fixed_dates_are_compared_and_other_dates_are_not() {
    let case = Case::load("leaf-fixed-validity").unwrap_or_else(|e| panic!("{e}"));
    let context = Context::for_folder(&case.dir);
    let leaf = field_summary(&case, &context, 2, "cert");
    assert!(
        leaf.contains("notBefore: UTCTime, fixed by the signing profile: 2030-01-02T03:04:05Z")
    );
    assert!(leaf.contains("notAfter: UTCTime, fixed by the signing profile: 2031-06-07T08:09:10Z"));
    // The CA of the same case was made at run time: only its alignment shows.
    let ca = fs::read_to_string(case.dir.join("ca.pem")).expect("ca.pem");
    assert!(summarise_text(&ca, &context).contains("notBefore: UTCTime, on a whole minute"));

    // selfsign does not round; a run that crossed a minute may land on one.
    let expected = "x\n  notBefore: UTCTime, not on a whole minute\n";
    let actual = "x\n  notBefore: UTCTime, on a whole minute\n";
    assert_eq!(reconcile_alignment(expected, actual, true), expected);
    assert_eq!(reconcile_alignment(expected, actual, false), actual);
}

#[test]
fn ledger_entries_must_see_their_difference() {
    let strict = Entry {
        what: "w".to_owned(),
        reason: "r".to_owned(),
        places: Some(vec!["stdout:key".to_owned()]),
        order_insensitive: false,
    };
    let ledger = Ledger {
        entries: BTreeMap::from([("c/1".to_owned(), strict)]),
    };
    let at = |place: &str| Mismatch {
        place: place.to_owned(),
        detail: String::new(),
    };

    let verdict = ledger.judge("c/1", vec![at("stdout:key")]);
    assert!(verdict.failures.is_empty() && verdict.stale_entry.is_none());
    assert_eq!(verdict.known.len(), 1);

    let verdict = ledger.judge("c/1", vec![at("stdout:key"), at("stderr")]);
    assert_eq!(places(&verdict.failures), ["stderr"]);

    let verdict = ledger.judge("c/1", Vec::new());
    assert!(
        verdict
            .stale_entry
            .is_some_and(|m| m.contains("remove the entry"))
    );

    let verdict = ledger.judge("c/2", vec![at("rc")]);
    assert_eq!(places(&verdict.failures), ["rc"]);

    // The shipped ledger is well formed.
    Ledger::load().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn every_record_matches_itself() {
    // Summarising is deterministic and copes with every recorded output.
    let dirs = fs::read_dir(support::case::fixtures_dir()).expect("read fixtures/golden");
    let mut count = 0;
    for entry in dirs {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.path().is_dir() || name == "cfssl-1.4.1" {
            continue;
        }
        let case = Case::load(&name).unwrap_or_else(|e| panic!("{e}"));
        let context = Context::for_folder(&case.dir);
        let setting = Setting {
            expected: &context,
            actual: &context,
            order_insensitive: false,
            alignment_ambiguous: false,
        };
        for (step, recorded) in case.recorded.iter().enumerate() {
            let mismatches = compare_step(recorded, &as_run(recorded), &setting);
            assert!(
                mismatches.is_empty(),
                "{name} step {}: {mismatches:#?}",
                step + 1
            );
        }
        let files = compare_files(&case, &case.dir, &setting);
        let unexpected: Vec<_> = files.iter().filter(|(file, _)| file != "files").collect();
        assert!(unexpected.is_empty(), "{name}: {unexpected:#?}");
        count += 1;
    }
    assert!(count > 80, "only {count} cases found");
}
