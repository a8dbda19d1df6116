//! Criterion benchmarks of the library's hot paths: key generation, CSR
//! building, CA creation, leaf signing, certificate parsing and the JSON
//! loads of a CSR request and a signing config.
//!
//! The inputs are those of the etcd TLS lab (`fixtures/lab/certs.sh`).
//!
//! Run them all (short settings, as in `docs/performance.md`):
//!
//! ```text
//! cargo bench -p cfssl-core --bench core -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! or one group, e.g. `… --bench core -- keygen/`.

use std::hint::black_box;
use std::time::Duration;

use cfssl_core::cert::Certificate;
use cfssl_core::config::Config;
use cfssl_core::csr::CertificateRequest;
use cfssl_core::initca;
use cfssl_core::key::{KeyRequest, PrivateKey};
use cfssl_core::log::NoLog;
use cfssl_core::signer::{LocalSigner, SignRequest};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// The lab's CA request (`etcd-ca-peer-csr.json`).
const CA_CSR_JSON: &str = r#"{
  "CN": "etcd-peer",
  "key": {
    "algo": "rsa",
    "size": 2048
  },
  "names": [
    {
      "C": "US",
      "L": "Portland",
      "O": "Kubernetes",
      "OU": "CA",
      "ST": "Oregon"
    }
  ]
}"#;

/// The lab's leaf request (`etcd-peer-csr.json`).
const LEAF_CSR_JSON: &str = r#"{
  "CN": "kubernetes",
  "key": {
    "algo": "rsa",
    "size": 2048
  },
  "names": [
    {
      "C": "US",
      "L": "Portland",
      "O": "Kubernetes",
      "OU": "Kubernetes The Hard Way",
      "ST": "Oregon"
    }
  ]
}"#;

/// The lab's signing config (`etcd-ca-peer-config.json`).
const CONFIG_JSON: &str = r#"{
  "signing": {
    "default": {
      "expiry": "8760h"
    },
    "profiles": {
      "etcd-peer": {
        "usages": ["signing", "key encipherment", "server auth", "client auth"],
        "expiry": "8760h"
      }
    }
  }
}"#;

fn request(json: &str) -> CertificateRequest {
    CertificateRequest::from_json(json.as_bytes()).expect("lab CSR request parses")
}

fn request_with_key(json: &str, algo: &str, size: i64) -> CertificateRequest {
    let mut req = request(json);
    req.key = KeyRequest::new(algo, size);
    req
}

/// A CA made by `initca::new` with the given key type: (certificate PEM, key PEM).
fn make_ca(algo: &str, size: i64) -> (String, String) {
    let req = request_with_key(CA_CSR_JSON, algo, size);
    let out = initca::new(&req, Default::default(), &mut NoLog).expect("initca");
    (
        out.cert.to_pem(),
        out.key.expect("initca returns the new key").to_pem(),
    )
}

fn keygen(c: &mut Criterion) {
    let mut g = c.benchmark_group("keygen");
    // RSA prime search varies a lot from one key to the next and a 4096-bit
    // key takes long: 20 samples keep the run bounded.
    g.sample_size(20);
    for bits in [2048_i64, 3072, 4096] {
        let kr = KeyRequest::new("rsa", bits);
        g.bench_function(BenchmarkId::new("rsa", bits), |b| {
            b.iter(|| PrivateKey::generate(black_box(&kr)).expect("rsa key"));
        });
    }
    g.sample_size(100);
    let p256 = KeyRequest::new("ecdsa", 256);
    g.bench_function("ecdsa-p256", |b| {
        b.iter(|| PrivateKey::generate(black_box(&p256)).expect("p256 key"));
    });
    let ed = KeyRequest::new("ed25519", 0);
    g.bench_function("ed25519", |b| {
        b.iter(|| PrivateKey::generate(black_box(&ed)).expect("ed25519 key"));
    });
    g.finish();
}

/// Not our code path: RSA key generation straight from aws-lc-rs (the
/// crypto library the crate already links for signing), as a yardstick for
/// `keygen/rsa`, which generates with the `rsa` crate.
fn reference(c: &mut Criterion) {
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    let mut g = c.benchmark_group("reference-aws-lc-rs-keygen");
    g.sample_size(20);
    for (bits, size) in [
        (2048, KeySize::Rsa2048),
        (3072, KeySize::Rsa3072),
        (4096, KeySize::Rsa4096),
    ] {
        g.bench_function(BenchmarkId::new("rsa", bits), |b| {
            b.iter(|| KeyPair::generate(black_box(size)).expect("rsa key"));
        });
    }
    g.finish();
}

fn csr_build(c: &mut Criterion) {
    let mut g = c.benchmark_group("csr-build");
    for (name, algo, size) in [("rsa-2048", "rsa", 2048), ("ecdsa-p256", "ecdsa", 256)] {
        let req = request_with_key(LEAF_CSR_JSON, algo, size);
        let key = PrivateKey::generate(&req.key).expect("key");
        g.bench_function(name, |b| {
            b.iter(|| req.generate_pem(black_box(&key)).expect("csr"));
        });
    }
    g.finish();
}

fn initca(c: &mut Criterion) {
    // initca::new generates its key; for ECDSA that is cheap enough to keep
    // inside the loop, so this is the whole library cost of
    // `gencert -initca` for a P-256 CA.
    let mut g = c.benchmark_group("initca");
    let req = request_with_key(CA_CSR_JSON, "ecdsa", 256);
    g.bench_function("ecdsa-p256", |b| {
        b.iter(|| initca::new(black_box(&req), Default::default(), &mut NoLog).expect("ca"));
    });
    g.finish();
}

fn sign_leaf(c: &mut Criterion) {
    let mut g = c.benchmark_group("sign-leaf");
    let config = Config::from_json(CONFIG_JSON.as_bytes()).expect("config");
    // The lab's leaf: an RSA-2048 key, signed with -hostname=127.0.0.1 and
    // the etcd-peer profile.
    let leaf = request(LEAF_CSR_JSON);
    let leaf_key = PrivateKey::generate(&leaf.key).expect("leaf key");
    let leaf_csr = leaf.generate_pem(&leaf_key).expect("leaf csr");
    let mut sreq = SignRequest::new(leaf_csr);
    sreq.hosts = Some(vec!["127.0.0.1".to_string()]);
    sreq.profile = "etcd-peer".to_string();
    for (name, algo, size) in [
        ("rsa-2048-ca", "rsa", 2048),
        ("ecdsa-p256-ca", "ecdsa", 256),
    ] {
        let (ca_pem, key_pem) = make_ca(algo, size);
        let ca = Certificate::from_pem(ca_pem.as_bytes()).expect("ca cert");
        let key = PrivateKey::from_pem(key_pem.as_bytes()).expect("ca key");
        let signer = LocalSigner::new(ca, key, config.clone());
        g.bench_function(name, |b| {
            b.iter(|| signer.sign(black_box(&sreq), &mut NoLog).expect("sign"));
        });
    }
    // What `cfssl sign` does per process beyond the signature itself: load
    // the CA certificate, the CA key and the config from PEM/JSON.
    let (ca_pem, key_pem) = make_ca("rsa", 2048);
    g.bench_function("rsa-2048-ca-with-loading", |b| {
        b.iter(|| {
            let config = Config::from_json(CONFIG_JSON.as_bytes()).expect("config");
            let signer =
                LocalSigner::from_pem(ca_pem.as_bytes(), key_pem.as_bytes(), config).expect("ca");
            signer.sign(black_box(&sreq), &mut NoLog).expect("sign")
        });
    });
    g.finish();
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    let (rsa_ca, rsa_key) = make_ca("rsa", 2048);
    let (ec_ca, ec_key) = make_ca("ecdsa", 256);
    g.bench_function("certificate-rsa-2048", |b| {
        b.iter(|| Certificate::from_pem(black_box(rsa_ca.as_bytes())).expect("cert"));
    });
    g.bench_function("certificate-ecdsa-p256", |b| {
        b.iter(|| Certificate::from_pem(black_box(ec_ca.as_bytes())).expect("cert"));
    });
    g.bench_function("private-key-rsa-2048", |b| {
        b.iter(|| PrivateKey::from_pem(black_box(rsa_key.as_bytes())).expect("key"));
    });
    g.bench_function("private-key-ecdsa-p256", |b| {
        b.iter(|| PrivateKey::from_pem(black_box(ec_key.as_bytes())).expect("key"));
    });
    g.finish();
}

fn json(c: &mut Criterion) {
    let mut g = c.benchmark_group("json");
    g.bench_function("csr-request", |b| {
        b.iter(|| CertificateRequest::from_json(black_box(LEAF_CSR_JSON.as_bytes())).expect("csr"));
    });
    g.bench_function("config", |b| {
        b.iter(|| Config::from_json(black_box(CONFIG_JSON.as_bytes())).expect("config"));
    });
    g.finish();
}

fn short() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = short();
    targets = keygen, reference, csr_build, initca, sign_leaf, parse, json
}
criterion_main!(benches);
