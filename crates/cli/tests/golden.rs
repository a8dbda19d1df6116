//! Golden replay: each recorded cfssl case in `fixtures/golden/` is run with our
//! `cfssl` and `cfssljson`, and the exit codes, stderr, stdout and written
//! files are compared with cfssl's record through normalised summaries (see
//! `fixtures/golden/README.md`). Each case is its own test, so failures are
//! reported per case; deliberate differences are listed in
//! `fixtures/golden/divergences.json`.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use support::case::fixtures_dir;
use support::ledger::Ledger;

/// Declares one test per case and the list of all replayed cases.
macro_rules! golden_cases {
    ($($test:ident => $case:literal,)*) => {
        /// Every replayed case folder under `fixtures/golden/`.
        const CASES: &[&str] = &[$($case),*];

        $(
            #[test]
            fn $test() {
                replay($case);
            }
        )*
    };
}

golden_cases! {
    certinfo_cert => "certinfo-cert",
    cfssljson_bad_input => "cfssljson-bad-input",
    cfssljson_envelope_failure => "cfssljson-envelope-failure",
    cfssljson_envelope => "cfssljson-envelope",
    cfssljson_file_modes => "cfssljson-file-modes",
    cfssljson_plain_without_bare => "cfssljson-plain-without-bare",
    cfssljson_stdout => "cfssljson-stdout",
    err_algo_uppercase => "err-algo-uppercase",
    err_ca_cert_garbage => "err-ca-cert-garbage",
    err_ca_key_mismatch => "err-ca-key-mismatch",
    err_ca_section_without_initca => "err-ca-section-without-initca",
    err_config_bad_expiry => "err-config-bad-expiry",
    err_config_default_no_usages => "err-config-default-no-usages",
    err_config_no_signing => "err-config-no-signing",
    err_config_profile_no_usages => "err-config-profile-no-usages",
    err_ecdsa_curve => "err-ecdsa-curve",
    err_empty_file => "err-empty-file",
    err_extra_positional => "err-extra-positional",
    err_flag_after_file => "err-flag-after-file",
    err_json_syntax => "err-json-syntax",
    err_json_trailing => "err-json-trailing",
    err_json_type => "err-json-type",
    err_key_partial => "err-key-partial",
    err_missing_csr_file => "err-missing-csr-file",
    err_missing_subject => "err-missing-subject",
    err_no_ca_flag => "err-no-ca-flag",
    err_no_command => "err-no-command",
    err_rsa_too_large => "err-rsa-too-large",
    err_rsa_too_weak => "err-rsa-too-weak",
    err_sign_not_a_csr => "err-sign-not-a-csr",
    err_sign_tampered_csr => "err-sign-tampered-csr",
    err_unknown_command => "err-unknown-command",
    err_unknown_flag => "err-unknown-flag",
    etcd_lab_1_4_1 => "etcd-lab-1.4.1",
    etcd_lab => "etcd-lab",
    gencsr_from_cert => "gencsr-from-cert",
    gencsr_from_key => "gencsr-from-key",
    genkey_initca => "genkey-initca",
    genkey => "genkey",
    info_local => "info-local",
    initca_case_insensitive_keys => "initca-case-insensitive-keys",
    initca_cn_flag => "initca-cn-flag",
    initca_default_key => "initca-default-key",
    initca_ecdsa256 => "initca-ecdsa256",
    initca_ecdsa384 => "initca-ecdsa384",
    initca_ecdsa521_pathlenzero => "initca-ecdsa521-pathlenzero",
    initca_ed25519 => "initca-ed25519",
    initca_email_oid_names => "initca-email-oid-names",
    initca_existing_key => "initca-existing-key",
    initca_hosts_crlurl_backdate => "initca-hosts-crlurl-backdate",
    initca_rsa2048 => "initca-rsa2048",
    initca_rsa3072 => "initca-rsa3072",
    initca_rsa4096_pathlen1 => "initca-rsa4096-pathlen1",
    initca_stdin => "initca-stdin",
    initca_unicode_multi_names => "initca-unicode-multi-names",
    leaf_aia_crl_nocheck => "leaf-aia-crl-nocheck",
    leaf_all_usages => "leaf-all-usages",
    leaf_backdate => "leaf-backdate",
    leaf_beyond_2050 => "leaf-beyond-2050",
    leaf_client_no_hosts_warning => "leaf-client-no-hosts-warning",
    leaf_crl_flag_and_cn => "leaf-crl-flag-and-cn",
    leaf_ecdsa384_on_rsa4096 => "leaf-ecdsa384-on-rsa4096",
    leaf_ed25519_on_ed25519 => "leaf-ed25519-on-ed25519",
    leaf_empty_subject => "leaf-empty-subject",
    leaf_fixed_validity => "leaf-fixed-validity",
    leaf_peer_hostname_flag => "leaf-peer-hostname-flag",
    leaf_policies => "leaf-policies",
    leaf_rsa_on_ecdsa521 => "leaf-rsa-on-ecdsa521",
    leaf_unknown_profile_falls_back => "leaf-unknown-profile-falls-back",
    leaf_whitelist_ok => "leaf-whitelist-ok",
    leaf_whitelist_reject => "leaf-whitelist-reject",
    leaf_www_mixed_hosts => "leaf-www-mixed-hosts",
    print_defaults_config => "print-defaults-config",
    print_defaults_csr => "print-defaults-csr",
    print_defaults_list => "print-defaults-list",
    renewca => "renewca",
    selfsign => "selfsign",
    sign_ca_request_rejected => "sign-ca-request-rejected",
    sign_copy_extensions => "sign-copy-extensions",
    sign_hostname_and_subject => "sign-hostname-and-subject",
    sign_openssl_csr => "sign-openssl-csr",
    sign_openssl_ec_params_key => "sign-openssl-ec-params-key",
    sign_pkcs8_ca_key => "sign-pkcs8-ca-key",
    subca_pathlen0 => "subca-pathlen0",
    subca_pathlen1 => "subca-pathlen1",
    version => "version",
}

/// Replays one case with the binaries built from this package.
fn replay(case: &str) {
    support::check_case(
        case,
        Path::new(env!("CARGO_BIN_EXE_cfssl")),
        Path::new(env!("CARGO_BIN_EXE_cfssljson")),
    );
}

/// Folders under `fixtures/golden/` that hold reference material but are not
/// replayed (cfssl 1.4.1 records used by the normaliser's own tests).
const NOT_CASES: &[&str] = &["cfssl-1.4.1"];

/// Every case folder is replayed, every replayed case has a folder, and no
/// skipped case is replayed: a fixture can neither be forgotten nor silently
/// missing.
#[test]
fn every_fixture_folder_is_replayed() {
    let mut folders = BTreeSet::new();
    for entry in fs::read_dir(fixtures_dir()).expect("read fixtures/golden") {
        let entry = entry.expect("read fixtures/golden entry");
        if entry.file_type().expect("file type").is_dir() {
            folders.insert(entry.file_name().to_string_lossy().into_owned());
        }
    }
    for folder in NOT_CASES {
        assert!(
            folders.remove(*folder),
            "fixtures/golden/{folder} is missing"
        );
    }
    let listed: BTreeSet<String> = CASES.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(
        CASES.len(),
        listed.len(),
        "a case is listed twice in golden.rs"
    );
    let unlisted: Vec<&String> = folders.difference(&listed).collect();
    let missing: Vec<&String> = listed.difference(&folders).collect();
    assert!(
        unlisted.is_empty(),
        "case folders not replayed by golden.rs: {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "cases in golden.rs without a folder: {missing:?}"
    );

    let skipped = fs::read_to_string(fixtures_dir().join("skipped.txt")).expect("read skipped.txt");
    for line in skipped
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (name, reason) = line
            .split_once(':')
            .expect("skipped.txt lines are `<case>: <reason>`");
        assert!(
            !reason.trim().is_empty(),
            "skipped case {name} needs a reason"
        );
        assert!(
            !listed.contains(name.trim()),
            "case {name} is both skipped and replayed"
        );
    }
}

/// Every ledger entry is well formed and names a replayed case.
#[test]
fn divergence_ledger_names_replayed_cases() {
    let ledger = Ledger::load().unwrap_or_else(|error| panic!("{error}"));
    for key in ledger.entries.keys() {
        let (case, _) = key
            .split_once('/')
            .expect("ledger keys are `<case>/<step or file>`");
        assert!(
            CASES.contains(&case),
            "divergences.json: `{key}` names no replayed case"
        );
    }
}
