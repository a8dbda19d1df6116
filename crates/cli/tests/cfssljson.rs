//! End-to-end tests of the `cfssljson` binary: the recorded cfssl 1.6.5 cases
//! (`fixtures/cfssljson/`, see its README), flag handling, bad input, and the deliberate
//! divergences (atomic all-or-nothing writes, key files always 0600).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::json;

const USAGE: &str = "Usage of cfssljson:
  -bare
    \tthe response from CFSSL is not wrapped in the API standard response
  -f string
    \tJSON input (default \"-\")
  -stdout
    \toutput the response instead of saving to a file
  -version
    \tprint version and exit
";

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    /// Asserts exit status and standard error, and that nothing was printed on standard output.
    fn assert_failure(&self, code: i32, stderr: &str) {
        assert_eq!(self.stderr, stderr, "stderr of {self:?}");
        assert_eq!(self.code, code, "exit status of {self:?}");
        assert!(self.stdout.is_empty(), "stdout of {self:?}");
    }

    fn assert_silent_success(&self) {
        self.assert_failure(0, "");
    }
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cfssljson")
        .join(rel)
}

fn read_fixture(rel: &str) -> String {
    fs::read_to_string(fixture(rel)).expect("fixture readable")
}

/// Runs cfssljson in `dir` under `umask`, as the goldens were recorded (through `sh`), feeding
/// `stdin` (`None`: /dev/null).
fn run_with_umask(umask: &str, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_cfssljson"))
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cfssljson");
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // The program may exit without reading (flag errors): ignore a broken pipe.
        let _ = pipe.write_all(data);
    }
    let output = child.wait_with_output().expect("wait for cfssljson");
    Run {
        code: output.status.code().expect("exited normally"),
        stdout: output.stdout,
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

fn run(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    run_with_umask("022", dir, args, Some(stdin))
}

fn json_bytes(value: &serde_json::Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(value).expect("serialise");
    bytes.push(b'\n');
    bytes
}

/// File name → (mode, contents) for every entry of `dir`.
fn listing(dir: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
    fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| {
            let entry = entry.expect("dir entry");
            let meta = entry.metadata().expect("metadata");
            let contents = if meta.is_file() {
                fs::read(entry.path()).expect("read file")
            } else {
                Vec::new()
            };
            (
                entry.file_name().to_string_lossy().into_owned(),
                (meta.permissions().mode() & 0o7777, contents),
            )
        })
        .collect()
}

fn entry(name: &str, mode: u32, contents: &[u8]) -> (String, (u32, Vec<u8>)) {
    (name.to_owned(), (mode, contents.to_vec()))
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// What `cfssl gencert -initca` prints (Go sorts the keys: cert, csr, key).
fn gencert_json(cert: &str, csr: &str, key: &str) -> Vec<u8> {
    json_bytes(&json!({ "cert": cert, "csr": csr, "key": key }))
}

// ---- The recorded cfssl 1.6.5 cases -------------------------------------------------------

#[test]
fn golden_bad_input_truncated_json() {
    let dir = tempdir();
    let input = fs::read(fixture("bad-input/bad.json")).expect("fixture");
    run(dir.path(), &["-bare", "x"], &input).assert_failure(1, &read_fixture("bad-input/1.stderr"));
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn golden_bad_input_empty_stdin() {
    let dir = tempdir();
    run_with_umask("022", dir.path(), &["-bare", "x"], None)
        .assert_failure(1, &read_fixture("bad-input/2.stderr"));
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn golden_bad_input_missing_file() {
    let dir = tempdir();
    run(dir.path(), &["-f", "missing.json", "-bare", "x"], b"")
        .assert_failure(1, &read_fixture("bad-input/3.stderr"));
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn golden_envelope_writes_certificate_and_private_key() {
    let dir = tempdir();
    let env = fs::read(fixture("envelope/env.json")).expect("fixture");
    fs::write(dir.path().join("env.json"), &env).expect("write input");
    run(dir.path(), &["-f", "env.json", "named"], b"").assert_silent_success();
    let want = BTreeMap::from([
        entry("env.json", 0o644, &env),
        entry(
            "named.pem",
            0o644,
            read_fixture("envelope/named.pem").as_bytes(),
        ),
        entry(
            "named-key.pem",
            0o600,
            read_fixture("envelope/named-key.pem").as_bytes(),
        ),
    ]);
    assert_eq!(listing(dir.path()), want);
}

#[test]
fn golden_envelope_failure() {
    let dir = tempdir();
    fs::copy(
        fixture("envelope-failure/env.json"),
        dir.path().join("env.json"),
    )
    .expect("copy input");
    run(dir.path(), &["-f", "env.json", "x"], b"")
        .assert_failure(1, &read_fixture("envelope-failure/1.stderr"));
    assert_eq!(listing(dir.path()).len(), 1, "only the input");
}

#[test]
fn golden_file_modes() {
    let dir = tempdir();
    let (cert, csr, key) = (
        read_fixture("file-modes/m.pem"),
        read_fixture("file-modes/m.csr"),
        read_fixture("file-modes/m-key.pem"),
    );
    run(
        dir.path(),
        &["-bare", "m"],
        &gencert_json(&cert, &csr, &key),
    )
    .assert_silent_success();
    let want = BTreeMap::from([
        entry("m.pem", 0o644, cert.as_bytes()),
        entry("m-key.pem", 0o600, key.as_bytes()),
        entry("m.csr", 0o644, csr.as_bytes()),
    ]);
    assert_eq!(listing(dir.path()), want);
}

#[test]
fn golden_plain_output_without_bare_is_a_failed_request() {
    let dir = tempdir();
    let input = gencert_json(
        &read_fixture("file-modes/m.pem"),
        &read_fixture("file-modes/m.csr"),
        &read_fixture("file-modes/m-key.pem"),
    );
    run(dir.path(), &["x"], &input).assert_failure(1, "Request failed:\n");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn golden_stdout() {
    let dir = tempdir();
    let expected = read_fixture("stdout/1.stdout");
    // The golden output is cert, key and csr, each followed by a newline.
    let pems: Vec<String> = expected
        .split("\n\n")
        .filter(|pem| !pem.is_empty())
        .map(|pem| format!("{pem}\n"))
        .collect();
    let [cert, key, csr] = pems.as_slice() else {
        panic!("three PEM blocks expected, got {}", pems.len());
    };
    let r = run(
        dir.path(),
        &["-bare", "-stdout"],
        &gencert_json(cert, csr, key),
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(String::from_utf8(r.stdout).expect("utf-8"), expected);
    assert!(listing(dir.path()).is_empty(), "-stdout writes no file");
}

// ---- Command line ------------------------------------------------------------------------

#[test]
fn help_prints_go_usage_and_exits_zero() {
    let dir = tempdir();
    for flag in ["-h", "-help", "--help"] {
        run(dir.path(), &[flag], b"").assert_failure(0, USAGE);
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let dir = tempdir();
    run(dir.path(), &["-x"], b"")
        .assert_failure(2, &format!("flag provided but not defined: -x\n{USAGE}"));
    run(dir.path(), &["-bare=maybe"], b"").assert_failure(
        2,
        &format!("invalid boolean value \"maybe\" for -bare: parse error\n{USAGE}"),
    );
    run(dir.path(), &["-f"], b"")
        .assert_failure(2, &format!("flag needs an argument: -f\n{USAGE}"));
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn version_prints_version_and_runtime() {
    let dir = tempdir();
    let r = run(dir.path(), &["-version"], b"");
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(
        String::from_utf8(r.stdout).expect("utf-8"),
        cfssl_cli::version_text(),
        "the same two lines as `cfssl version`"
    );
}

#[test]
fn go_flag_forms_are_accepted() {
    let dir = tempdir();
    fs::write(dir.path().join("in.json"), br#"{"cert":"C"}"#).expect("write input");
    run(dir.path(), &["--bare=true", "--f=in.json", "a"], b"").assert_silent_success();
    run(dir.path(), &["-bare", "-f", "in.json", "b", "ignored"], b"").assert_silent_success();
    // Parsing stops at the first non-flag: "-stdout" is an ignored positional here.
    run(dir.path(), &["-bare", "c", "-stdout"], br#"{"cert":"C"}"#).assert_silent_success();
    // No name: "cert".
    run(dir.path(), &["-bare"], br#"{"cert":"C"}"#).assert_silent_success();
    // -bare=false means the envelope is expected.
    run(dir.path(), &["-bare=false", "-f", "in.json"], b"").assert_failure(1, "Request failed:\n");
    let names: Vec<String> = listing(dir.path()).into_keys().collect();
    assert_eq!(names, ["a.pem", "b.pem", "c.pem", "cert.pem", "in.json"]);
}

// ---- Input handling -------------------------------------------------------------------------

#[test]
fn go_json_errors() {
    let dir = tempdir();
    let p = "Failed to parse input:";
    let cases: &[(&[&str], &str, String)] = &[
        (
            &["-bare"],
            "[]",
            format!(
                "{p} json: cannot unmarshal array into Go value of type map[string]interface {{}}\n"
            ),
        ),
        (
            &["-bare"],
            "\"cert\"",
            format!(
                "{p} json: cannot unmarshal string into Go value of type map[string]interface {{}}\n"
            ),
        ),
        (
            &[],
            "[]",
            format!("{p} json: cannot unmarshal array into Go value of type main.Response\n"),
        ),
        (
            &[],
            r#"{"success":"true"}"#,
            format!(
                "{p} json: cannot unmarshal string into Go struct field Response.success of type bool\n"
            ),
        ),
        (
            &["-bare"],
            r#"{"cert": x}"#,
            format!("{p} invalid character 'x' looking for beginning of value\n"),
        ),
        (
            &["-bare"],
            r#"{"cert": "x"} y"#,
            format!("{p} invalid character 'y' after top-level value\n"),
        ),
        (
            &["-bare"],
            r#"{"cert": "x",}"#,
            format!("{p} invalid character '}}' looking for beginning of object key string\n"),
        ),
        (
            &["-bare"],
            "{\"cert\": \"a\nb\"}",
            format!("{p} invalid character '\\n' in string literal\n"),
        ),
    ];
    for (args, input, stderr) in cases {
        let mut args = args.to_vec();
        args.push("x");
        run(dir.path(), &args, input.as_bytes()).assert_failure(1, stderr);
    }
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn null_and_empty_inputs_write_nothing() {
    let dir = tempdir();
    run(dir.path(), &["-bare", "x"], b"null").assert_silent_success();
    run(dir.path(), &["-bare", "x"], b" {} ").assert_silent_success();
    run(
        dir.path(),
        &["-bare", "x"],
        br#"{"crl":"c","certs":["a"],"bundle":"b","root":"r"}"#,
    )
    .assert_silent_success();
    run(dir.path(), &["x"], br#"{"success":true,"result":null}"#).assert_silent_success();
    run(dir.path(), &["x"], br#"{"success":true}"#).assert_silent_success();
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn request_failed_lists_every_error_message() {
    let dir = tempdir();
    let input = json!({
        "success": false,
        "result": {"cert": "C"},
        "errors": [{"code": 1, "message": "first"}, {"code": 2, "message": "second"}],
        "messages": [],
    });
    run(dir.path(), &["x"], &json_bytes(&input))
        .assert_failure(1, "Request failed:\n\tfirst\n\tsecond\n");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn non_string_values_are_reported_and_nothing_is_written() {
    let dir = tempdir();
    let keys = [
        "cert",
        "certificate",
        "key",
        "private_key",
        "encrypted_key",
        "csr",
        "certificate_request",
        "ocspResponse",
    ];
    let values = [
        (json!(1), "number"),
        (json!(null), "null"),
        (json!({"a": "b"}), "object"),
        (json!(["a"]), "array"),
        (json!(true), "boolean"),
    ];
    for key in keys {
        for (value, kind) in &values {
            // Another, valid, output is present: it must not be written either.
            let mut input = match key {
                "csr" | "certificate_request" | "ocspResponse" => json!({ "cert": "C" }),
                _ => json!({ "csr": "R" }),
            };
            input[key] = value.clone();
            run(dir.path(), &["-bare", "x"], &json_bytes(&input)).assert_failure(
                1,
                &format!("Failed to parse input: \"{key}\" must be a string, found {kind}\n"),
            );
        }
    }
    // Also inside the envelope.
    let input = json!({"success": true, "result": {"cert": "C", "key": 5}});
    run(dir.path(), &["x"], &json_bytes(&input)).assert_failure(
        1,
        "Failed to parse input: \"key\" must be a string, found number\n",
    );
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn first_key_present_wins_even_when_empty() {
    let dir = tempdir();
    // "cert": "" skips the certificate and "certificate" is not consulted (not even its type).
    let input = json!({"cert": "", "certificate": 5, "key": "", "private_key": [], "csr": "R"});
    run(dir.path(), &["-bare", "x"], &json_bytes(&input)).assert_silent_success();
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([entry("x.csr", 0o644, b"R")])
    );
}

#[test]
fn alternative_key_names() {
    let dir = tempdir();
    let input = json!({
        "success": true,
        "result": {"certificate": "C", "private_key": "K", "certificate_request": "R"},
    });
    run(dir.path(), &["y"], &json_bytes(&input)).assert_silent_success();
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([
            entry("y.pem", 0o644, b"C"),
            entry("y-key.pem", 0o600, b"K"),
            entry("y.csr", 0o644, b"R"),
        ])
    );
}

#[test]
fn every_output_in_cfssl_order() {
    let dir = tempdir();
    let input = json!({
        "ocspResponse": "AAEC/w==",
        "result": {"bundle": {"bundle": "B", "root": "ROOT"}},
        "csr": "R",
        "encrypted_key": "E",
        "key": "K",
        "cert": "C",
    });
    let input = json_bytes(&input);
    let r = run(dir.path(), &["-bare", "-stdout", "x"], &input);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(
        String::from_utf8(r.stdout).expect("utf-8"),
        "C\nK\nRQ==\nR\nB\nROOT\nROOT\nAAEC/w==\n",
        "binary outputs are base64-encoded on -stdout"
    );
    assert!(listing(dir.path()).is_empty());

    run(dir.path(), &["-bare", "x"], &input).assert_silent_success();
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([
            entry("x.pem", 0o644, b"C"),
            entry("x-key.pem", 0o600, b"K"),
            entry("x-key.enc", 0o600, b"E"),
            entry("x.csr", 0o644, b"R"),
            entry("x-bundle.pem", 0o644, b"B\nROOT"),
            entry("x-root.pem", 0o644, b"ROOT"),
            entry("x-response.der", 0o644, &[0, 1, 2, 255]),
        ])
    );
}

#[test]
fn empty_encrypted_key_and_ocsp_response_are_still_written() {
    let dir = tempdir();
    run(
        dir.path(),
        &["-bare", "x"],
        br#"{"encrypted_key":"","ocspResponse":""}"#,
    )
    .assert_silent_success();
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([
            entry("x-key.enc", 0o600, b""),
            entry("x-response.der", 0o644, b""),
        ])
    );
}

#[test]
fn bundle_errors() {
    let dir = tempdir();
    let cases = [
        (
            json!({"bundle": {"root": "R"}}),
            "inner bundle parsing failed!\n",
        ),
        (
            json!({"bundle": {"bundle": 1, "root": "R"}}),
            "inner bundle parsing failed!\n",
        ),
        (json!({"bundle": {"bundle": "B"}}), "root parsing failed!\n"),
        (
            json!({"bundle": {"bundle": "B", "root": null}}),
            "root parsing failed!\n",
        ),
    ];
    for (result, stderr) in cases {
        let input = json!({"cert": "C", "result": result});
        run(dir.path(), &["-bare", "x"], &json_bytes(&input)).assert_failure(1, stderr);
    }
    // Not objects all the way down: ignored, as cfssl's checked type assertions do.
    for result in [json!("r"), json!({"bundle": "b"}), json!({"bundle": ["b"]})] {
        let input = json!({"result": result});
        run(dir.path(), &["-bare", "x"], &json_bytes(&input)).assert_silent_success();
    }
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn bad_ocsp_response() {
    let dir = tempdir();
    let cases = [("!!!!", 0), ("AAE", 0), ("AAEC/w=", 7), ("AAEC/w==AA", 8)];
    for (data, offset) in cases {
        let input = json!({"cert": "C", "ocspResponse": data});
        run(dir.path(), &["-bare", "x"], &json_bytes(&input)).assert_failure(
            1,
            &format!("Failed to parse ocspResponse: illegal base64 data at input byte {offset}\n"),
        );
    }
    assert!(listing(dir.path()).is_empty());
}

// ---- Writing files ----------------------------------------------------------------------------

#[test]
fn missing_directory_writes_nothing() {
    let dir = tempdir();
    let input = json!({"cert": "C", "key": "K"});
    run(dir.path(), &["-bare", "nodir/x"], &json_bytes(&input))
        .assert_failure(1, "open nodir/x.pem: no such file or directory\n");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_later_failure_leaves_earlier_files_untouched() {
    let dir = tempdir();
    fs::write(dir.path().join("x.pem"), "old cert").expect("write");
    fs::create_dir(dir.path().join("x.csr")).expect("mkdir");
    let before = listing(dir.path());
    let input = json!({"cert": "C", "key": "K", "csr": "R"});
    run(dir.path(), &["-bare", "x"], &json_bytes(&input))
        .assert_failure(1, "open x.csr: is a directory\n");
    assert_eq!(
        listing(dir.path()),
        before,
        "no file written, no temporary file left"
    );
}

#[test]
fn a_path_through_a_file_is_not_a_directory() {
    let dir = tempdir();
    fs::write(dir.path().join("plain"), "").expect("write");
    run(dir.path(), &["-bare", "plain/x"], br#"{"cert":"C"}"#)
        .assert_failure(1, "open plain/x.pem: not a directory\n");
}

#[test]
fn existing_key_file_becomes_0600() {
    let dir = tempdir();
    let key = dir.path().join("x-key.pem");
    fs::write(&key, "old key").expect("write");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).expect("chmod");
    let enc = dir.path().join("x-key.enc");
    fs::write(&enc, "old").expect("write");
    fs::set_permissions(&enc, fs::Permissions::from_mode(0o666)).expect("chmod");
    run(
        dir.path(),
        &["-bare", "x"],
        br#"{"key":"new key","encrypted_key":"E"}"#,
    )
    .assert_silent_success();
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([
            entry("x-key.pem", 0o600, b"new key"),
            entry("x-key.enc", 0o600, b"E"),
        ])
    );
}

#[test]
fn key_files_are_0600_whatever_the_umask() {
    let dir = tempdir();
    let input = br#"{"cert":"C","key":"K","csr":"R"}"#;
    let r = run_with_umask("0277", dir.path(), &["-bare", "x"], Some(input));
    r.assert_silent_success();
    assert_eq!(mode_of(&dir.path().join("x-key.pem")), 0o600);
    assert_eq!(mode_of(&dir.path().join("x.pem")), 0o400);
    assert_eq!(mode_of(&dir.path().join("x.csr")), 0o400);
}

#[test]
fn new_files_follow_the_umask() {
    let dir = tempdir();
    let input = br#"{"cert":"C","key":"K","csr":"R"}"#;
    run_with_umask("002", dir.path(), &["-bare", "x"], Some(input)).assert_silent_success();
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([
            entry("x.pem", 0o664, b"C"),
            entry("x-key.pem", 0o600, b"K"),
            entry("x.csr", 0o644, b"R"),
        ])
    );
}

#[test]
fn existing_files_are_replaced_atomically_and_keep_their_mode() {
    let dir = tempdir();
    let cert = dir.path().join("x.pem");
    let csr = dir.path().join("x.csr");
    fs::write(&cert, "a much longer old certificate than the new one").expect("write");
    fs::set_permissions(&cert, fs::Permissions::from_mode(0o600)).expect("chmod");
    fs::write(&csr, "old csr").expect("write");
    fs::set_permissions(&csr, fs::Permissions::from_mode(0o640)).expect("chmod");
    let old_inode = fs::metadata(&cert).expect("metadata").ino();
    run(dir.path(), &["-bare", "x"], br#"{"cert":"C","csr":"R"}"#).assert_silent_success();
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([entry("x.pem", 0o600, b"C"), entry("x.csr", 0o640, b"R")])
    );
    assert_ne!(
        fs::metadata(&cert).expect("metadata").ino(),
        old_inode,
        "replaced by rename, not rewritten in place"
    );
}

#[test]
fn stdout_mode_touches_no_file() {
    let dir = tempdir();
    fs::write(dir.path().join("x.pem"), "old").expect("write");
    let before = listing(dir.path());
    let r = run(
        dir.path(),
        &["-bare", "-stdout", "x"],
        br#"{"cert":"C","key":"K"}"#,
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(r.stdout, b"C\nK\n");
    assert_eq!(listing(dir.path()), before);
}
