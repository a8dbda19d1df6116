//! Differential test: every case runs the same command lines through our
//! `cfssl` and `cfssljson` and through a reference cfssl installed on the
//! machine, each in a fresh folder holding the same inputs, and compares the
//! two runs through the golden replay's normalised summaries (exit codes,
//! stdout JSON keys and certificate/CSR/key summaries, stderr after timestamps
//! and serial numbers, the files the steps wrote and their modes).
//!
//! Each case is its own test. It passes when the runs agree, or when every
//! difference is listed for that case in
//! `fixtures/differential/known-divergences.json`; an unlisted difference fails
//! with a readable diff, and so does a listed one that no longer occurs.
//!
//! The reference is the `cfssl` and `cfssljson` in the folder named by the
//! environment variable `CFSSL_REFERENCE_BIN_DIR`, else Debian's `golang-cfssl`
//! (`/usr/bin/cfssl`). Without one, the cases pass with a message, unless `CI`
//! is `true`, where they fail. See `fixtures/differential/README.md`.

mod support;

use std::collections::BTreeSet;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use tempfile::TempDir;

use support::case::{Case, Recorded, list_files};
use support::compare::{self, Mismatch, Setting};
use support::replay::{self, Replay, StepRun, Tools};
use support::summary::Context;

/// Declares one test per case and the list of all cases.
macro_rules! differential_cases {
    ($($(#[doc = $doc:literal])* $name:ident: $spec:expr;)*) => {
        /// Every case, with its name (the name of its test).
        const CASES: &[(&str, Spec)] = &[$((stringify!($name), $spec)),*];

        $(
            $(#[doc = $doc])*
            #[test]
            fn $name() {
                const SPEC: Spec = $spec;
                check(stringify!($name), &SPEC);
            }
        )*
    };
}

/// `cfssl gencert` signing with the shared CA and configuration, followed by
/// `$rest` (profile flags and the request file).
macro_rules! gencert_with_ca {
    ($rest:literal) => {
        concat!(
            "cfssl gencert -ca ca.pem -ca-key ca-key.pem -config config.json ",
            $rest
        )
    };
}

/// The shared CA certificate (ECDSA P-256, valid for a century).
const CA: Input = Input::Fixture("ca.pem");
/// The shared CA's private key.
const CA_KEY: Input = Input::Fixture("ca-key.pem");
/// The signing configuration: a default profile and one profile per feature.
const CONFIG: Input = Input::Fixture("config.json");
/// A leaf request with a DNS name and an IP address (key: cfssl's default, ECDSA P-256).
const LEAF: Input = text(
    "leaf.json",
    r#"{"CN":"leaf.pki.test","hosts":["leaf.pki.test","10.0.0.1"],"names":[{"C":"DE","O":"cfssl-rs tests"}]}"#,
);
/// A small CA request, for cases about something else than the CA itself.
const SMALL_CA: Input = text(
    "ca.json",
    r#"{"CN":"Small CA","names":[{"C":"US","O":"cfssl-rs tests"}],"key":{"algo":"ecdsa","size":256}}"#,
);
/// The inputs of a leaf signed by the shared CA.
const LEAF_INPUTS: &[Input] = &[CA, CA_KEY, CONFIG, LEAF];

differential_cases! {
    // ---- gencert -initca: key types and sizes ----

    /// A CA with an RSA-2048 key.
    initca_rsa2048: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"RSA 2048 CA","names":[{"C":"US","ST":"Oregon","L":"Portland","O":"cfssl-rs","OU":"tests"}],"key":{"algo":"rsa","size":2048}}"#,
        )],
    );
    /// A CA with an RSA-3072 key (sha384WithRSAEncryption).
    initca_rsa3072: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"RSA 3072 CA","names":[{"C":"US","O":"cfssl-rs"}],"key":{"algo":"rsa","size":3072}}"#,
        )],
    );
    /// A CA with an RSA-4096 key (sha512WithRSAEncryption) and a path length of 1.
    initca_rsa4096: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"RSA 4096 CA","names":[{"C":"US","O":"cfssl-rs"}],"key":{"algo":"rsa","size":4096},"ca":{"pathlen":1}}"#,
        )],
    );
    /// A CA with an ECDSA P-256 key.
    initca_ecdsa256: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"ECDSA 256 CA","names":[{"C":"US","O":"cfssl-rs"}],"key":{"algo":"ecdsa","size":256}}"#,
        )],
    );
    /// A CA with an ECDSA P-384 key and its own expiry.
    initca_ecdsa384: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"ECDSA 384 CA","names":[{"C":"US","O":"cfssl-rs"}],"key":{"algo":"ecdsa","size":384},"ca":{"expiry":"87600h"}}"#,
        )],
    );
    /// A CA with an ECDSA P-521 key and an explicit path length of zero.
    initca_ecdsa521: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"ECDSA 521 CA","names":[{"C":"US","O":"cfssl-rs"}],"key":{"algo":"ecdsa","size":521},"ca":{"pathlen":0,"pathlenzero":true}}"#,
        )],
    );
    /// A CA with an Ed25519 key.
    initca_ed25519: case(
        &["cfssl gencert -initca ca.json"],
        &[text("ca.json", r#"{"CN":"Ed25519 CA","key":{"algo":"ed25519"}}"#)],
    );

    // ---- gencert -initca: the request ----

    /// JSON keys match case-insensitively, as with Go's encoding/json.
    initca_case_insensitive_keys: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"cn":"Mixed Case CA","NAMES":[{"c":"US","St":"Oregon","l":"Portland","o":"cfssl-rs","Ou":"tests"}],"Key":{"ALGO":"ecdsa","Size":384},"CA":{"EXPIRY":"1000h","PathLen":2}}"#,
        )],
    );
    /// Several `names` entries merge into multi-valued attributes.
    initca_multiple_names: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"Multi Names CA","names":[{"C":"US","O":"Org One","OU":"Unit A"},{"C":"DE","L":"Berlin","O":"Org Two","OU":"Unit B"}],"key":{"algo":"ecdsa","size":256}}"#,
        )],
    );
    /// `-cn` replaces the request's common name.
    initca_cn_flag: case(&["cfssl gencert -initca -cn=Overridden ca.json"], &[SMALL_CA]);
    /// DNS names, IP addresses, an e-mail address and URIs in `hosts` (the CA
    /// certificate keeps only the IP addresses, its CSR all of them).
    initca_hosts_mixed: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"Hosts CA","hosts":["ca.pki.test","10.0.0.1","::1","admin@pki.test","https://pki.test/ca","spiffe://pki.test/ca"],"key":{"algo":"ecdsa","size":256}}"#,
        )],
    );
    /// `ca.backdate` moves notBefore back (by a time that is not whole
    /// minutes, so that it shows in the summary).
    initca_backdate: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"Backdated CA","key":{"algo":"ecdsa","size":256},"ca":{"backdate":"1h0m30s"}}"#,
        )],
    );
    /// `crl_url` in the request becomes the CA's CRL distribution point.
    initca_crl_url: case(
        &["cfssl gencert -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"CRL CA","crl_url":"http://pki.test/root.crl","key":{"algo":"ecdsa","size":256}}"#,
        )],
    );
    /// The request read from stdin (`-`).
    initca_stdin: case(&["cfssl gencert -initca - < ca.json"], &[SMALL_CA]);
    /// `-initca -ca-key`: a new CA certificate for an existing key.
    initca_existing_key: case(
        &["cfssl gencert -initca -ca-key ca-key.pem ca.json"],
        &[SMALL_CA, CA_KEY],
    );
    /// `-renewca`: the CA certificate re-issued from itself and its key.
    renewca: case(&["cfssl gencert -renewca -ca ca.pem -ca-key ca-key.pem"], &[CA, CA_KEY]);

    // ---- gencert with a CA: profiles and usages ----

    /// No `-profile`: the configuration's default profile.
    leaf_default_profile: case(&[gencert_with_ca!("leaf.json")], LEAF_INPUTS);
    /// Usages `signing, key encipherment, server auth`.
    leaf_server: case(&[gencert_with_ca!("-profile server leaf.json")], LEAF_INPUTS);
    /// Usages `signing, key encipherment, client auth`.
    leaf_client: case(&[gencert_with_ca!("-profile client leaf.json")], LEAF_INPUTS);
    /// Usages `signing, key encipherment, server auth, client auth`.
    leaf_peer: case(&[gencert_with_ca!("-profile peer leaf.json")], LEAF_INPUTS);
    /// Usages `digital signature, code signing, timestamping`.
    leaf_codesign: case(&[gencert_with_ca!("-profile codesign leaf.json")], LEAF_INPUTS);
    /// Usages with `content commitment`, `key agreement` and both
    /// `email protection` and `s/mime` (a duplicate extended key usage).
    leaf_email: case(&[gencert_with_ca!("-profile email leaf.json")], LEAF_INPUTS);
    /// Usages `signing, ocsp signing`.
    leaf_ocsp_signing: case(&[gencert_with_ca!("-profile ocsp leaf.json")], LEAF_INPUTS);
    /// Every usage name cfssl knows.
    leaf_every_usage: case(&[gencert_with_ca!("-profile everything leaf.json")], LEAF_INPUTS);
    /// A client certificate without hosts: the hosts warning.
    leaf_without_hosts: case(
        &[gencert_with_ca!("-profile client client.json")],
        &[CA, CA_KEY, CONFIG, text("client.json", r#"{"CN":"client","key":{"algo":"ecdsa","size":384}}"#)],
    );
    /// An RSA leaf key under the ECDSA CA.
    leaf_rsa_key: case(
        &[gencert_with_ca!("-profile server rsa.json")],
        &[
            CA,
            CA_KEY,
            CONFIG,
            text("rsa.json", r#"{"CN":"rsa.pki.test","hosts":["rsa.pki.test"],"key":{"algo":"rsa","size":2048}}"#),
        ],
    );
    /// DNS names (one a wildcard), IPv4 and IPv6 addresses, an e-mail address and URIs.
    leaf_hosts_mixed: case(
        &[gencert_with_ca!("-profile peer hosts.json")],
        &[
            CA,
            CA_KEY,
            CONFIG,
            text(
                "hosts.json",
                r#"{"CN":"hosts.pki.test","hosts":["hosts.pki.test","*.hosts.pki.test","192.0.2.7","2001:db8::7","ops@pki.test","https://hosts.pki.test/id","spiffe://pki.test/ns/prod/sa/api"]}"#,
            ),
        ],
    );
    /// `-hostname` replaces the request's hosts in the CSR and the certificate
    /// (the etcd lab's flag syntax, `-flag=value`).
    leaf_hostname_override: case(
        &[concat!(
            "cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=config.json -profile=peer ",
            "-hostname=127.0.0.1,localhost,member-0.pki.test leaf.json",
        )],
        LEAF_INPUTS,
    );
    /// An unknown `-profile` silently falls back to the default profile.
    leaf_unknown_profile: case(
        &[gencert_with_ca!("-profile no-such-profile leaf.json")],
        LEAF_INPUTS,
    );
    /// `-cn` and `-crl` on a leaf.
    leaf_cn_and_crl_flags: case(
        &[gencert_with_ca!(
            "-profile server -cn=renamed.pki.test -crl=http://pki.test/other.crl leaf.json"
        )],
        LEAF_INPUTS,
    );
    /// Hosts at the edges of the classification: a named e-mail address, an
    /// IPv4-mapped IPv6 address, a host with a port, upper case, a leading
    /// space, an empty string.
    leaf_odd_hosts: case(
        &[gencert_with_ca!("-profile peer odd.json")],
        &[
            CA,
            CA_KEY,
            CONFIG,
            text(
                "odd.json",
                r#"{"CN":"odd","hosts":["Jane <jane@pki.test>","::ffff:10.0.0.1","1.2.3.4:80","UPPER.Example.COM"," b",""]}"#,
            ),
        ],
    );
    /// Subject strings that need UTF8String, two `O` values in separate
    /// entries, a whitespace-only `OU` and an empty `C`.
    leaf_subject_strings: case(
        &[gencert_with_ca!("-profile peer subject.json")],
        &[
            CA,
            CA_KEY,
            CONFIG,
            text(
                "subject.json",
                r#"{"CN":"x_y*z@w&v","serialnumber":"12345","names":[{"O":"B Org"},{"O":"A Org","street":"Main St"},{"OU":"  "},{"C":""}]}"#,
            ),
        ],
    );
    /// An empty request with `-hostname`: no subject, so the SAN is critical.
    leaf_empty_subject: case(
        &[gencert_with_ca!("-profile peer -hostname empty.pki.test empty.json")],
        &[CA, CA_KEY, CONFIG, text("empty.json", "{}")],
    );
    /// Go flag syntax: `--flag=value`, `--flag value`, `-loglevel=2` (no INFO
    /// lines) and `--` before the file.
    leaf_flag_syntax: case(
        &[concat!(
            "cfssl gencert --ca=ca.pem --ca-key ca-key.pem -config=config.json ",
            "--profile=server -loglevel=2 -- leaf.json",
        )],
        LEAF_INPUTS,
    );
    /// `-ca file:…` and `-ca-key env:…`.
    leaf_file_and_env_prefixes: case(
        &[concat!(
            "CAKEY=$(cat ca-key.pem) ",
            "cfssl gencert -ca file:ca.pem -ca-key env:CAKEY -config config.json leaf.json",
        )],
        LEAF_INPUTS,
    );
    /// No `-ca` and no `-config`: an error log line, and exit status 0.
    leaf_without_ca: case(&["cfssl gencert leaf.json"], &[LEAF]);

    // ---- gencert with a CA: profile features ----

    /// `ca_constraint`: a sub-CA with path length zero (it keeps only the IP SAN).
    leaf_subca: case(&[gencert_with_ca!("-profile subca leaf.json")], LEAF_INPUTS);
    /// `not_before` and `not_after` fix the validity.
    leaf_fixed_validity: case(&[gencert_with_ca!("-profile fixed leaf.json")], LEAF_INPUTS);
    /// A profile `backdate` of 1h0m30s.
    leaf_backdate: case(&[gencert_with_ca!("-profile backdated leaf.json")], LEAF_INPUTS);
    /// `ocsp_url`, `crl_url` and two `issuer_urls`.
    leaf_urls: case(&[gencert_with_ca!("-profile urls leaf.json")], LEAF_INPUTS);
    /// Names that all match the profile's `name_whitelist`.
    leaf_whitelist_accept: case(
        &[gencert_with_ca!("-profile whitelisted ok.json")],
        &[CA, CA_KEY, CONFIG, text("ok.json", r#"{"CN":"ok.pki.test","hosts":["ok.pki.test","www.pki.test"]}"#)],
    );
    /// A name outside the profile's `name_whitelist`.
    leaf_whitelist_reject: case(
        &[gencert_with_ca!("-profile whitelisted evil.json")],
        &[
            CA,
            CA_KEY,
            CONFIG,
            text("evil.json", r#"{"CN":"ok.pki.test","hosts":["ok.pki.test","evil.example.com"]}"#),
        ],
    );

    // ---- other commands ----

    /// `genkey`: a key and a CSR.
    genkey: case(
        &["cfssl genkey key.json"],
        &[text(
            "key.json",
            r#"{"CN":"key.pki.test","hosts":["key.pki.test","10.9.8.7"],"names":[{"C":"NL","O":"cfssl-rs"}],"key":{"algo":"rsa","size":2048}}"#,
        )],
    );
    /// `genkey -initca`: like `gencert -initca`.
    genkey_initca: case(
        &["cfssl genkey -initca ca.json"],
        &[text(
            "ca.json",
            r#"{"CN":"Genkey CA","names":[{"C":"US","O":"cfssl-rs"}],"key":{"algo":"ecdsa","size":384},"ca":{"pathlen":3}}"#,
        )],
    );
    /// `sign` of a CSR made by openssl (UTF8String subject, an emailAddress, SANs).
    sign_openssl_csr: case(
        &[concat!(
            "cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json ",
            "-profile server openssl.csr",
        )],
        &[CA, CA_KEY, CONFIG, Input::Fixture("openssl.csr")],
    );
    /// `sign` of a CSR from `genkey`, with `-hostname` and a SUBJECT file.
    sign_hostname_and_subject: case(
        &[
            "cfssl genkey key.json | cfssljson -bare key",
            concat!(
                "cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json -profile peer ",
                "-hostname 'h1.pki.test,10.0.0.9' key.csr subject.json",
            ),
        ],
        &[
            CA,
            CA_KEY,
            CONFIG,
            text("key.json", r#"{"CN":"before.pki.test","hosts":["before.pki.test"]}"#),
            text("subject.json", r#"{"CN":"after.pki.test","names":[{"C":"FR","O":"Subject Org"}]}"#),
        ],
    );
    /// `selfsign`: a self-signed certificate (notBefore not rounded) and the warning banner.
    selfsign: unrounded(
        &["cfssl selfsign self.pki.test self.json"],
        &[text(
            "self.json",
            r#"{"CN":"self.pki.test","hosts":["self.pki.test","127.0.0.1"],"key":{"algo":"ecdsa","size":256}}"#,
        )],
    );
    /// `gencsr` from an existing certificate and key.
    gencsr_from_cert: case(&["cfssl gencsr -key ca-key.pem -cert ca.pem"], &[CA, CA_KEY]);
    /// `sign` of a CSR read from stdin.
    sign_stdin: case(
        &["cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json - < openssl.csr"],
        &[CA, CA_KEY, CONFIG, Input::Fixture("openssl.csr")],
    );
    /// `certinfo -cert`.
    certinfo_cert: case(&["cfssl certinfo -cert ca.pem"], &[CA]);
    /// `info` with a local CA.
    info_local: case(
        &["cfssl info -config config.json -ca ca.pem -ca-key ca-key.pem -profile server"],
        &[CA, CA_KEY, CONFIG],
    );
    /// The usage text of `gencert`.
    usage_gencert: case(&["cfssl gencert -h"], &[]);
    /// The usage text of `genkey`.
    usage_genkey: case(&["cfssl genkey -h"], &[]);
    /// `print-defaults list` (cfssl prints it in Go map order).
    print_defaults_list: unordered(&["cfssl print-defaults list"], &[]);
    /// `print-defaults config`.
    print_defaults_config: case(&["cfssl print-defaults config"], &[]);
    /// `print-defaults csr`.
    print_defaults_csr: case(&["cfssl print-defaults csr"], &[]);
    /// `version`.
    version: case(&["cfssl version"], &[]);

    // ---- errors in the request JSON ----

    /// A JSON syntax error.
    err_json_syntax: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", "{\"CN\": \"x\",}\n")],
    );
    /// Data after the JSON object.
    err_json_trailing: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", "{\"CN\":\"x\"} trailing\n")],
    );
    /// A string where an array is expected.
    err_json_type_hosts: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", r#"{"CN":"x","hosts":"a.pki.test"}"#)],
    );
    /// A string where the key size, a number, is expected.
    err_json_type_key_size: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", r#"{"CN":"x","key":{"algo":"rsa","size":"2048"}}"#)],
    );
    /// A JSON array instead of an object.
    err_json_top_level_array: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", "[]\n")],
    );
    /// An empty request file.
    err_json_empty: case(&["cfssl gencert -initca empty.json"], &[text("empty.json", "")]);

    // ---- errors in the key request ----

    /// RSA 1024 is too weak.
    err_rsa_1024: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", r#"{"CN":"x","key":{"algo":"rsa","size":1024}}"#)],
    );
    /// RSA 16384 is too large.
    err_rsa_16384: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", r#"{"CN":"x","key":{"algo":"rsa","size":16384}}"#)],
    );
    /// ECDSA on P-224 is not offered.
    err_ecdsa_224: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", r#"{"CN":"x","key":{"algo":"ecdsa","size":224}}"#)],
    );
    /// Algorithm names are case-sensitive: `RSA` is invalid.
    err_rsa_uppercase: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", r#"{"CN":"x","key":{"algo":"RSA","size":2048}}"#)],
    );
    /// `-initca` needs a subject.
    err_missing_subject: case(
        &["cfssl gencert -initca bad.json"],
        &[text("bad.json", r#"{"key":{"algo":"ecdsa","size":256}}"#)],
    );
    /// A host that is not ASCII cannot be put in a SAN.
    err_non_ascii_host: case(
        &[gencert_with_ca!("bad.json")],
        &[CA, CA_KEY, CONFIG, text("bad.json", r#"{"CN":"x","hosts":["bücher.example"]}"#)],
    );

    // ---- errors in the signing configuration ----

    /// A configuration without `signing`.
    err_config_no_signing: case(
        &["cfssl gencert -ca ca.pem -ca-key ca-key.pem -config bad.json leaf.json"],
        &[CA, CA_KEY, LEAF, text("bad.json", r#"{"auth_keys":{}}"#)],
    );
    /// An expiry in days, which Go durations do not have.
    err_config_bad_expiry: case(
        &["cfssl gencert -ca ca.pem -ca-key ca-key.pem -config bad.json leaf.json"],
        &[
            CA,
            CA_KEY,
            LEAF,
            text("bad.json", r#"{"signing":{"default":{"expiry":"365d","usages":["signing"]}}}"#),
        ],
    );
    /// A named profile without usages.
    err_config_profile_no_usages: case(
        &["cfssl gencert -ca ca.pem -ca-key ca-key.pem -config bad.json -profile www leaf.json"],
        &[
            CA,
            CA_KEY,
            LEAF,
            text(
                "bad.json",
                r#"{"signing":{"default":{"expiry":"8760h","usages":["signing"]},"profiles":{"www":{"expiry":"8760h"}}}}"#,
            ),
        ],
    );
    /// A profile whose `not_after` is before its `not_before`.
    err_config_validity_reversed: case(
        &["cfssl gencert -ca ca.pem -ca-key ca-key.pem -config bad.json leaf.json"],
        &[
            CA,
            CA_KEY,
            LEAF,
            text(
                "bad.json",
                r#"{"signing":{"default":{"expiry":"1h","usages":["signing"],"not_before":"2031-01-01T00:00:00Z","not_after":"2030-01-01T00:00:00Z"}}}"#,
            ),
        ],
    );

    // ---- missing files ----

    /// The request file does not exist.
    err_missing_csr_file: case(&["cfssl gencert -initca nope.json"], &[]);
    /// The CA key file does not exist.
    err_missing_ca_key: case(
        &["cfssl gencert -ca ca.pem -ca-key nope-key.pem -config config.json leaf.json"],
        &[CA, CONFIG, LEAF],
    );
    /// The configuration file does not exist.
    err_missing_config: case(
        &["cfssl gencert -ca ca.pem -ca-key ca-key.pem -config nope.json leaf.json"],
        &[CA, CA_KEY, LEAF],
    );
    /// `cfssljson -f` names a file that does not exist.
    err_missing_cfssljson_input: case(&["cfssljson -f nope.json -bare x"], &[]);
    /// `-ca-key` names a file that holds no private key.
    err_ca_key_not_a_key: case(
        &["cfssl gencert -ca ca.pem -ca-key openssl.csr -config config.json leaf.json"],
        &[CA, CONFIG, LEAF, Input::Fixture("openssl.csr")],
    );
    /// `-ca` names a file that holds no certificate.
    err_ca_not_a_cert: case(
        &["cfssl gencert -ca config.json -ca-key ca-key.pem -config config.json leaf.json"],
        &[CA_KEY, CONFIG, LEAF],
    );
    /// `sign` given a certificate instead of a CSR.
    err_sign_not_a_csr: case(
        &["cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json ca.pem"],
        &[CA, CA_KEY, CONFIG],
    );

    // ---- command line errors ----

    /// An unknown flag.
    err_unknown_flag: case(&["cfssl gencert -nosuchflag ca.json"], &[SMALL_CA]);
    /// A flag after the file becomes a second argument.
    err_flag_after_file: case(&["cfssl gencert ca.json -initca"], &[SMALL_CA]);
    /// An extra positional argument.
    err_extra_positional: case(&["cfssl gencert -initca ca.json extra"], &[SMALL_CA]);
    /// No command at all (cfssl lists its commands in Go map order).
    err_no_command: unordered(&["cfssl"], &[]);
    /// An unknown command.
    err_unknown_command: unordered(&["cfssl frobnicate"], &[]);
    /// `sign` with more arguments than CSR and SUBJECT.
    err_sign_too_many_arguments: case(
        &["cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json openssl.csr extra more"],
        &[CA, CA_KEY, CONFIG, Input::Fixture("openssl.csr")],
    );
    /// `certinfo` without a target.
    err_certinfo_no_target: case(&["cfssl certinfo"], &[]);
    /// `print-defaults` without a type.
    err_print_defaults_no_argument: case(&["cfssl print-defaults"], &[]);
    /// `selfsign` without its arguments.
    err_selfsign_no_arguments: case(&["cfssl selfsign"], &[]);

    // ---- cfssljson ----

    /// `cfssljson -bare -stdout` prints instead of writing.
    cfssljson_bare_stdout: case(
        &["cfssl gencert -initca ca.json | cfssljson -bare -stdout"],
        &[SMALL_CA],
    );
    /// `cfssljson` without `-bare` reads the API envelope.
    cfssljson_envelope: case(
        &["cfssljson -f envelope.json named"],
        &[Input::Fixture("envelope.json")],
    );
    /// An envelope reporting failure.
    cfssljson_envelope_failure: case(
        &["cfssljson -f failed.json x"],
        &[text(
            "failed.json",
            r#"{"success":false,"result":null,"errors":[{"code":5300,"message":"policy says no"},{"code":1000,"message":"second problem"}],"messages":[]}"#,
        )],
    );
    /// cfssl's own output is not an envelope, so it needs `-bare`.
    cfssljson_plain_without_bare: case(
        &["cfssl gencert -initca ca.json | cfssljson x"],
        &[SMALL_CA],
    );
    /// `cfssljson -version`.
    cfssljson_version: case(&["cfssljson -version"], &[]);
    /// The usage text of cfssljson.
    cfssljson_usage: case(&["cfssljson -h"], &[]);
    /// Empty input.
    cfssljson_empty_input: case(&["cfssljson -bare x < /dev/null"], &[]);
    /// A number where cfssljson expects a PEM string.
    cfssljson_non_string_value: case(
        &["cfssljson -bare -f number.json x"],
        &[text("number.json", r#"{"cert":5}"#)],
    );
    /// A file that cannot be written (`x-key.pem` is a folder) after one that can.
    cfssljson_write_failure: case(
        &["mkdir x-key.pem && cfssl gencert -initca ca.json | cfssljson -bare x"],
        &[SMALL_CA],
    );
    /// An existing key file that everyone may read is rewritten.
    cfssljson_existing_key_mode: case(
        &[concat!(
            "touch x-key.pem && chmod 644 x-key.pem && ",
            "cfssl gencert -initca ca.json | cfssljson -bare x",
        )],
        &[SMALL_CA],
    );

    // ---- pipes into cfssljson -bare, as labs use them ----

    /// `gencert -initca | cfssljson -bare`, then a peer certificate signed by that CA.
    pipe_ca_and_leaf: case(
        &[
            "cfssl gencert -initca ca.json | cfssljson -bare ca",
            concat!(
                "cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=config.json ",
                "-hostname=127.0.0.1 -profile=peer leaf.json | cfssljson -bare leaf",
            ),
        ],
        &[SMALL_CA, CONFIG, LEAF],
    );
    /// `genkey | cfssljson -bare`: a key and a CSR file, no certificate.
    pipe_genkey: case(
        &["cfssl genkey key.json | cfssljson -bare key"],
        &[text(
            "key.json",
            r#"{"CN":"piped.pki.test","hosts":["piped.pki.test"],"key":{"algo":"ecdsa","size":521}}"#,
        )],
    );
}

// ---------------------------------------------------------------------------
// Cases

/// One case: command lines run in a fresh folder holding its inputs.
#[derive(Debug, Clone, Copy)]
struct Spec {
    /// Command lines, one per step, each run by bash.
    steps: &'static [&'static str],
    /// Files put in the working folder before the first step.
    inputs: &'static [Input],
    /// Compare TAB-indented lists as sets: cfssl prints some lists in Go map
    /// order, which is random on every run.
    unordered_lists: bool,
    /// The certificates' notBefore is not rounded to the minute (`selfsign`),
    /// so it falls on a whole minute by chance when a step runs across one.
    unrounded_times: bool,
}

/// An input file of a case.
#[derive(Debug, Clone, Copy)]
enum Input {
    /// The file of that name in `fixtures/differential/cases/`.
    Fixture(&'static str),
    /// A file with this name and content.
    Text(&'static str, &'static str),
}

impl Input {
    fn name(&self) -> &'static str {
        match self {
            Self::Fixture(name) | Self::Text(name, _) => name,
        }
    }
}

/// A case whose outputs are compared as they are.
const fn case(steps: &'static [&'static str], inputs: &'static [Input]) -> Spec {
    Spec {
        steps,
        inputs,
        unordered_lists: false,
        unrounded_times: false,
    }
}

/// A case whose TAB-indented lists are compared as sets.
const fn unordered(steps: &'static [&'static str], inputs: &'static [Input]) -> Spec {
    Spec {
        unordered_lists: true,
        ..case(steps, inputs)
    }
}

/// A case whose notBefore times are not rounded to the minute.
const fn unrounded(steps: &'static [&'static str], inputs: &'static [Input]) -> Spec {
    Spec {
        unrounded_times: true,
        ..case(steps, inputs)
    }
}

/// An input file given inline.
const fn text(name: &'static str, content: &'static str) -> Input {
    Input::Text(name, content)
}

/// The folder of the shared input files.
fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/differential")
}

// ---------------------------------------------------------------------------
// The reference cfssl

/// Where Debian's `golang-cfssl` installs cfssl and cfssljson.
const DEBIAN_BIN_DIR: &str = "/usr/bin";

/// The environment variable naming the folder of a reference cfssl.
const REFERENCE_ENV: &str = "CFSSL_REFERENCE_BIN_DIR";

/// The reference cfssl and cfssljson.
#[derive(Debug)]
struct Reference {
    cfssl: PathBuf,
    cfssljson: PathBuf,
    /// What follows `Version: ` in `cfssl version` (`1.2.0` for Debian's).
    version: String,
}

/// The reference, found once per test run. `None` (after a message) when
/// there is none and that is allowed; panics when there is none and `CI` is
/// `true`, or when the one named is unusable.
fn reference() -> Option<&'static Reference> {
    static REFERENCE: OnceLock<Result<Option<Reference>, String>> = OnceLock::new();
    match REFERENCE.get_or_init(find_reference) {
        Ok(Some(reference)) => Some(reference),
        Ok(None) => {
            let message = format!(
                "no reference cfssl: {REFERENCE_ENV} is not set and {DEBIAN_BIN_DIR}/cfssl does \
                 not exist (install Debian's golang-cfssl)"
            );
            assert!(
                env::var("CI").as_deref() != Ok("true"),
                "{message}; CI=true requires the differential test to run"
            );
            eprintln!("{message}: skipping the differential case");
            None
        }
        Err(error) => panic!("{error}"),
    }
}

fn find_reference() -> Result<Option<Reference>, String> {
    let dir = match env::var_os(REFERENCE_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ if Path::new(DEBIAN_BIN_DIR).join("cfssl").is_file() => PathBuf::from(DEBIAN_BIN_DIR),
        _ => return Ok(None),
    };
    // Absolute, since the runs reach the tools through symbolic links.
    let tool = |name: &str| {
        let path = dir.join(name);
        fs::canonicalize(&path)
            .ok()
            .filter(|path| path.is_file())
            .ok_or_else(|| format!("reference {} does not exist", path.display()))
    };
    let (cfssl, cfssljson) = (tool("cfssl")?, tool("cfssljson")?);
    for (theirs, ours) in [
        (&cfssl, env!("CARGO_BIN_EXE_cfssl")),
        (&cfssljson, env!("CARGO_BIN_EXE_cfssljson")),
    ] {
        if fs::canonicalize(ours).is_ok_and(|ours| ours == *theirs) {
            return Err(format!(
                "the reference {} is the binary under test",
                theirs.display()
            ));
        }
    }
    let output = Command::new(&cfssl)
        .arg("version")
        .env_clear()
        .output()
        .map_err(|e| format!("cannot run the reference {}: {e}", cfssl.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if stdout.contains("cfssl-rs") {
        return Err(format!(
            "the reference {} is a build of this project, not CloudFlare's cfssl",
            cfssl.display()
        ));
    }
    let version = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Version: "))
        .ok_or_else(|| {
            format!(
                "the reference `{} version` printed no `Version:` line: {stdout:?}",
                cfssl.display()
            )
        })?
        .trim()
        .to_owned();
    Ok(Some(Reference {
        cfssl,
        cfssljson,
        version,
    }))
}

// ---------------------------------------------------------------------------
// Running and comparing

/// Runs a case with the reference and with our binaries and fails on any
/// difference the ledger does not list for it.
fn check(name: &str, spec: &Spec) {
    let Some(reference) = reference() else {
        return;
    };
    let ledger = Ledger::load().unwrap_or_else(|error| panic!("{error}"));

    let staging = stage(spec);
    let case = case_in(name, spec, staging.path());
    let theirs = replay::replay(&case, &Tools::new(&reference.cfssl, &reference.cfssljson));
    let ours = replay::replay(
        &case,
        &Tools::new(
            Path::new(env!("CARGO_BIN_EXE_cfssl")),
            Path::new(env!("CARGO_BIN_EXE_cfssljson")),
        ),
    );

    let differences = differences(&case, spec, &theirs, &ours);
    let verdict = ledger.judge(name, &reference.version, differences);
    for (difference, what) in &verdict.known {
        eprintln!("{name}: known divergence at {}: {what}", difference.place);
    }
    if verdict.unexpected.is_empty() && verdict.stale.is_empty() {
        return;
    }
    let mut report = format!(
        "differential case `{name}` differs from the reference cfssl {} ({}); \
         `-` lines and `cfssl` are the reference, `+` lines and `ours` are ours.\n\nSteps:\n",
        reference.version,
        reference.cfssl.display()
    );
    for (index, step) in spec.steps.iter().enumerate() {
        let _ = writeln!(report, "  {}. {step}", index + 1);
    }
    if !verdict.unexpected.is_empty() {
        let _ = writeln!(
            report,
            "\nDifferences not listed in fixtures/differential/known-divergences.json:"
        );
        for difference in &verdict.unexpected {
            let _ = writeln!(report, "\n[{}]", difference.place);
            for line in difference.detail.lines() {
                let _ = writeln!(report, "    {line}");
            }
        }
    }
    if !verdict.stale.is_empty() {
        let _ = writeln!(
            report,
            "\nEntries of fixtures/differential/known-divergences.json that no longer differ \
             (remove the entry):"
        );
        for entry in &verdict.stale {
            let _ = writeln!(
                report,
                "  - {:?} at {}",
                entry.what,
                entry.places.join(", ")
            );
        }
    }
    panic!("{report}");
}

/// A folder holding the case's inputs, from which each run copies them.
fn stage(spec: &Spec) -> TempDir {
    let dir = TempDir::new().expect("create the staging folder");
    for input in spec.inputs {
        let target = dir.path().join(input.name());
        match input {
            Input::Fixture(name) => {
                let source = fixtures_dir().join("cases").join(name);
                fs::copy(&source, &target)
                    .unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
            }
            Input::Text(_, content) => {
                fs::write(&target, content).unwrap_or_else(|e| panic!("write {input:?}: {e}"));
            }
        }
    }
    dir
}

/// The case as the golden replay machinery sees it, with its inputs in `dir`.
fn case_in(name: &str, spec: &Spec, dir: &Path) -> Case {
    Case {
        name: name.to_owned(),
        dir: dir.to_path_buf(),
        steps: spec.steps.iter().map(|step| (*step).to_owned()).collect(),
        inputs: spec
            .inputs
            .iter()
            .map(|input| input.name().to_owned())
            .collect(),
        recorded: Vec::new(),
    }
}

/// One difference between the two runs.
#[derive(Debug)]
struct Difference {
    /// `step N <place>` (place as in the golden replay: `rc`, `stderr`,
    /// `stdout`, `stdout:<json path>`, `stdout:framing`), `file <name>`,
    /// `file <name> mode`, or `files` for the set of written file names.
    place: String,
    /// What differs (`-` reference, `+` ours).
    detail: String,
}

/// Every difference between the reference's run and ours.
///
/// A notBefore that is not rounded (`selfsign`) falls on a whole minute by
/// chance when a step runs across one. The golden comparison excuses that on
/// our side; for the reference's side the comparison is repeated the other
/// way round, and a place that then matches is not a difference. Rounded
/// times are compared exactly, so that a backdate that is not whole minutes
/// always shows.
fn differences(case: &Case, spec: &Spec, theirs: &Replay, ours: &Replay) -> Vec<Difference> {
    let their_context = Context::for_folder(theirs.dir.path());
    let our_context = Context::for_folder(ours.dir.path());
    let forward = Setting {
        expected: &their_context,
        actual: &our_context,
        order_insensitive: spec.unordered_lists,
        alignment_ambiguous: spec.unrounded_times && ours.crossed_a_minute(),
    };
    let backward = Setting {
        expected: &our_context,
        actual: &their_context,
        order_insensitive: spec.unordered_lists,
        alignment_ambiguous: true,
    };
    let reference_ambiguous = spec.unrounded_times && theirs.crossed_a_minute();
    let mut out = Vec::new();

    for (index, (their_step, our_step)) in theirs.steps.iter().zip(&ours.steps).enumerate() {
        let mut found = compare::compare_step(&as_recorded(their_step), our_step, &forward);
        if reference_ambiguous && !found.is_empty() {
            let reverse = compare::compare_step(&as_recorded(our_step), their_step, &backward);
            found.retain(|m| reverse.iter().any(|r| r.place == m.place));
        }
        out.extend(found.into_iter().map(|m| Difference {
            place: format!("step {} {}", index + 1, m.place),
            detail: m.detail,
        }));
    }

    let their_case = case_in_folder(case, theirs.dir.path());
    let mut found = compare::compare_files(&their_case, ours.dir.path(), &forward);
    if reference_ambiguous && !found.is_empty() {
        let our_case = case_in_folder(case, ours.dir.path());
        let reverse = compare::compare_files(&our_case, theirs.dir.path(), &backward);
        found.retain(|(file, m)| same_place_in(&reverse, file, m));
    }
    out.extend(found.into_iter().map(|(file, m)| Difference {
        place: if file == "files" {
            file
        } else {
            format!("file {file}")
        },
        detail: m.detail,
    }));

    out.extend(mode_differences(case, theirs.dir.path(), ours.dir.path()));
    out
}

fn same_place_in(list: &[(String, Mismatch)], file: &str, mismatch: &Mismatch) -> bool {
    list.iter()
        .any(|(f, m)| f == file && m.place == mismatch.place)
}

/// A step's output, in the form the golden comparison takes as cfssl's record.
fn as_recorded(run: &StepRun) -> Recorded {
    Recorded {
        stdout: run.stdout.clone(),
        stderr: run.stderr.clone(),
        rc: run.rc,
    }
}

/// The case with its folder replaced by a run's working folder, so that the
/// golden file comparison reads that run's files as the expected ones.
fn case_in_folder(case: &Case, dir: &Path) -> Case {
    Case {
        name: case.name.clone(),
        dir: dir.to_path_buf(),
        steps: case.steps.clone(),
        inputs: case.inputs.clone(),
        recorded: Vec::new(),
    }
}

/// Permission bits of every file both runs wrote.
fn mode_differences(case: &Case, theirs: &Path, ours: &Path) -> Vec<Difference> {
    let our_files: BTreeSet<String> = list_files(ours).into_iter().collect();
    list_files(theirs)
        .into_iter()
        .filter(|name| !case.inputs.contains(name) && our_files.contains(name))
        .filter_map(|name| {
            let (their_mode, our_mode) = (mode(&theirs.join(&name)), mode(&ours.join(&name)));
            (their_mode != our_mode).then(|| Difference {
                place: format!("file {name} mode"),
                detail: format!("mode: cfssl {their_mode:o}, ours {our_mode:o}"),
            })
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .map(|meta| meta.permissions().mode() & 0o7777)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// The ledger of known divergences

/// `fixtures/differential/known-divergences.json`: a JSON array of entries.
#[derive(Debug)]
struct Ledger {
    entries: Vec<Entry>,
}

/// One known divergence.
#[derive(Debug)]
struct Entry {
    /// The case (test name) it belongs to.
    case: String,
    /// What differs.
    what: String,
    /// Why that is expected.
    reason: String,
    /// Where the difference shows; differences elsewhere in the case still
    /// fail. A place covers the places below it (`step 1 stdout` covers
    /// `step 1 stdout:cert`, `file ca.pem` covers `file ca.pem mode`).
    places: Vec<String>,
    /// The reference `Version:` the entry is about (`1.2.0`), or `None` when
    /// it is one of our deliberate divergences and holds for any reference.
    reference: Option<String>,
}

/// What became of a case's differences.
#[derive(Debug, Default)]
struct Verdict<'a> {
    /// Differences the ledger lists, with the entry's `what`.
    known: Vec<(Difference, &'a str)>,
    /// Differences it does not list.
    unexpected: Vec<Difference>,
    /// Entries for this case that saw no difference.
    stale: Vec<&'a Entry>,
}

impl Ledger {
    const FILE: &'static str = "known-divergences.json";

    fn load() -> Result<Self, String> {
        let path = fixtures_dir().join(Self::FILE);
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let Value::Array(items) = value else {
            return Err(format!("{}: must hold one JSON array", Self::FILE));
        };
        let entries = items
            .iter()
            .enumerate()
            .map(|(index, item)| Entry::parse(index, item))
            .collect::<Result<_, _>>()?;
        Ok(Self { entries })
    }

    /// Sorts a case's differences into known and unexpected, and finds the
    /// entries (for this reference version) that saw none.
    fn judge(&self, case: &str, version: &str, differences: Vec<Difference>) -> Verdict<'_> {
        let entries: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|entry| entry.case == case && entry.applies_to(version))
            .collect();
        let mut seen = vec![false; entries.len()];
        let mut verdict = Verdict::default();
        for difference in differences {
            let mut what = None;
            for (index, entry) in entries.iter().enumerate() {
                if entry.covers(&difference.place) {
                    seen[index] = true;
                    what.get_or_insert(entry.what.as_str());
                }
            }
            match what {
                Some(what) => verdict.known.push((difference, what)),
                None => verdict.unexpected.push(difference),
            }
        }
        verdict.stale = entries
            .into_iter()
            .zip(seen)
            .filter_map(|(entry, seen)| (!seen).then_some(entry))
            .collect();
        verdict
    }
}

impl Entry {
    fn parse(index: usize, value: &Value) -> Result<Self, String> {
        let file = Ledger::FILE;
        let Value::Object(map) = value else {
            return Err(format!("{file}: entry {index} must be an object"));
        };
        for field in map.keys() {
            if !["case", "what", "reason", "places", "reference"].contains(&field.as_str()) {
                return Err(format!("{file}: entry {index} has unknown field `{field}`"));
            }
        }
        let text = |field: &str| match map.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(format!(
                "{file}: entry {index} needs a non-empty string `{field}`"
            )),
        };
        let places = match map.get("places") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|item| item.as_str().filter(|s| is_place(s)).map(str::to_owned))
                .collect::<Option<Vec<String>>>(),
            _ => None,
        }
        .ok_or_else(|| {
            format!(
                "{file}: entry {index} needs `places`, a non-empty array of `step N [place]`, \
                 `file NAME [mode]` or `files`"
            )
        })?;
        let reference = match map.get("reference") {
            None => None,
            Some(_) => Some(text("reference")?),
        };
        Ok(Self {
            case: text("case")?,
            what: text("what")?,
            reason: text("reason")?,
            places,
            reference,
        })
    }

    fn applies_to(&self, version: &str) -> bool {
        self.reference.as_deref().is_none_or(|v| v == version)
    }

    /// Whether one of the entry's places covers the difference's place.
    fn covers(&self, place: &str) -> bool {
        self.places.iter().any(|own| {
            place == own
                || place
                    .strip_prefix(own.as_str())
                    .is_some_and(|rest| rest.starts_with([' ', ':', '.', '[']))
        })
    }
}

/// Whether `place` is a well-formed ledger place.
fn is_place(place: &str) -> bool {
    if place == "files" {
        return true;
    }
    if let Some(name) = place.strip_prefix("file ") {
        return !name.trim().is_empty();
    }
    place.strip_prefix("step ").is_some_and(|rest| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && (rest.len() == digits || rest.as_bytes()[digits] == b' ')
    })
}

/// The ledger is well formed, every entry names a case, a step the case has,
/// and a reason; no case is declared twice.
#[test]
fn ledger_is_well_formed() {
    let ledger = Ledger::load().unwrap_or_else(|error| panic!("{error}"));
    let names: BTreeSet<&str> = CASES.iter().map(|(name, _)| *name).collect();
    assert_eq!(names.len(), CASES.len(), "a case is declared twice");
    for entry in &ledger.entries {
        assert!(
            names.contains(entry.case.as_str()),
            "known-divergences.json: case `{}` does not exist",
            entry.case
        );
        assert!(!entry.reason.trim().is_empty());
        for place in &entry.places {
            let step = place
                .strip_prefix("step ")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse::<usize>().ok());
            if let Some(step) = step {
                let spec_steps = step_count(&entry.case);
                assert!(
                    (1..=spec_steps).contains(&step),
                    "known-divergences.json: case `{}` has no step {step}",
                    entry.case
                );
            }
        }
    }
}

/// Number of steps of the case `name`, read back from the test list.
fn step_count(name: &str) -> usize {
    CASES
        .iter()
        .find(|(case, _)| *case == name)
        .map_or(0, |(_, spec)| spec.steps.len())
}

/// Every file in `fixtures/differential/cases/` is an input of some case, and
/// every fixture a case names exists.
#[test]
fn every_fixture_is_used() {
    let named: BTreeSet<&str> = CASES
        .iter()
        .flat_map(|(_, spec)| spec.inputs)
        .filter_map(|input| match input {
            Input::Fixture(name) => Some(*name),
            Input::Text(..) => None,
        })
        .collect();
    let present = list_files(&fixtures_dir().join("cases"));
    let unused: Vec<&String> = present
        .iter()
        .filter(|file| !named.contains(file.as_str()))
        .collect();
    let missing: Vec<&&str> = named
        .iter()
        .filter(|name| !present.iter().any(|file| file == *name))
        .collect();
    assert!(unused.is_empty(), "fixtures no case uses: {unused:?}");
    assert!(
        missing.is_empty(),
        "fixtures named by cases but missing: {missing:?}"
    );
}
