//! The chain bundler (cfssl's `bundler` package): from a certificate (and
//! whatever chain came with it), the chain to a trusted root through known
//! intermediates, chosen by flavour, with cfssl's status bits and messages
//! and cfssl's bundle JSON. No I/O: pools are given, nothing is fetched.
//!
//! This first part covers PEM/DER input, reversed chains, key matching, the
//! `optimal`, `ubiquitous` (without platform metadata, which makes it
//! `optimal`, as in cfssl) and `force` flavours, the expiry, SHA-2, ECDSA
//! and no-metadata statuses, root stripping and the JSON. Not yet: platform
//! metadata, AIA fetching, PKCS#12 input, SHA-1 deprecation messages.
//!
//! ```
//! use cfssl_core::bundle::{Bundler, Flavor};
//! let bundler = Bundler::new(Vec::new(), Vec::new());
//! // A self-signed certificate is not something to bundle.
//! let req = cfssl_core::csr::CertificateRequest::from_json(br#"{"CN":"Doc CA"}"#)?;
//! let ca = cfssl_core::initca::new(&req, Default::default(), &mut cfssl_core::log::NoLog)?;
//! let cert = cfssl_core::cert::Certificate::from_pem(ca.cert.as_bytes())?;
//! let e = bundler.bundle(vec![cert], None, Flavor::Ubiquitous, chrono::Utc::now(), &mut cfssl_core::log::NoLog).unwrap_err();
//! assert_eq!(e.code(), Some(1100));
//! # Ok::<(), cfssl_core::Error>(())
//! ```

use chrono::{DateTime, Utc};

use crate::cert::Certificate;
use crate::der;
use crate::error::{Code, Error, Result};
use crate::key::{PrivateKey, parse_spki};
use crate::log::{Level, Log};
use crate::wire::go_string;

/// How a chain is chosen among those that verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Flavor {
    /// The chain most platforms trust (without metadata: [`Self::Optimal`]).
    Ubiquitous,
    /// The shortest, longest-lived chain with the strongest crypto.
    Optimal,
    /// The chain as given, checked link by link, no root added.
    Force,
    /// A name cfssl does not know: ubiquitous, without the warning cfssl
    /// logs when ubiquitous is asked for by name.
    Unknown,
}

impl Flavor {
    /// By name as cfssl's `-flavor` takes it; anything unknown is
    /// [`Self::Unknown`] (ubiquitous), as in cfssl.
    pub fn from_name(name: &str) -> Self {
        match name {
            "optimal" => Self::Optimal,
            "force" => Self::Force,
            "ubiquitous" => Self::Ubiquitous,
            _ => Self::Unknown,
        }
    }
}

/// The trust pools.
#[derive(Clone, Debug, Default)]
pub struct Bundler {
    roots: Vec<Certificate>,
    intermediates: Vec<Certificate>,
}

/// A bundle's status (cfssl's `BundleStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Status {
    /// Whether the chain returned differs from the chain given.
    pub rebundled: bool,
    /// SKIs (upper-case hex) of the certificates expiring within 30 days.
    pub expiring_skis: Vec<String>,
    /// Platforms that do not trust the root; `None` under `force`.
    pub untrusted_root_stores: Option<Vec<String>>,
    /// The messages, in cfssl's order.
    pub messages: Vec<String>,
    /// Bit 1: expiring; bit 2: not ubiquitous.
    pub code: u32,
}

/// A bundle: the leaf, its chain, the root, the status.
#[derive(Debug)]
#[non_exhaustive]
pub struct Bundle {
    /// The chain returned, leaf first (the root stripped unless kept).
    pub chain: Vec<Certificate>,
    /// The anchoring root (`None` under `force`).
    pub root: Option<Certificate>,
    /// The leaf's key, when given.
    pub key: Option<PrivateKey>,
    /// The status.
    pub status: Status,
}

const SHA2_WARNING: &str = "The bundle contains certificates signed with advanced hash functions such as SHA2, which are problematic for certain operating systems, e.g. Windows XP SP2.";
const ECDSA_WARNING: &str = "The bundle contains ECDSA signatures, which are problematic for certain operating systems, e.g. Windows XP, Android 2.2 and Android 2.3.";
const NO_METADATA: &str = "Unable to measure bundle ubiquity: No platform metadata present.";
const EXPIRING_STUB: &str = "The bundle is expiring within 30 days.";

impl Bundler {
    /// Pools: trusted roots and known intermediates.
    pub fn new(roots: Vec<Certificate>, intermediates: Vec<Certificate>) -> Self {
        Self {
            roots,
            intermediates,
        }
    }

    /// Bundles `certs` (the leaf first, or the chain reversed), with the
    /// leaf's key if given, as of `now`.
    ///
    /// # Errors
    /// cfssl's: 2300 key mismatch, 2200 unsupported key, 1100 self-signed,
    /// 1200 a forced chain that does not verify, 1220 unknown authority,
    /// 1211 an expired certificate.
    pub fn bundle(
        &self,
        certs: Vec<Certificate>,
        key: Option<PrivateKey>,
        flavor: Flavor,
        now: DateTime<Utc>,
        log: &mut dyn Log,
    ) -> Result<Bundle> {
        let mut certs = certs;
        let Some(first) = certs.first() else {
            return Err(Error::coded(
                Code::CertificateDecodeFailed,
                "Failed to decode certificate",
            ));
        };
        log.log(
            Level::Info,
            &format!("bundling certificate for {}", go_name(first)),
        );
        if certs.len() > 1 && !partial_verify(&certs) {
            let reversed: Vec<Certificate> = certs.iter().rev().cloned().collect();
            if partial_verify(&reversed) {
                certs = reversed;
            }
        }
        let leaf = certs[0].clone();
        let leaf_alg = parse_spki(leaf.public_key_der()).map(|s| s.alg);
        match leaf_alg.as_deref() {
            Some("1.2.840.113549.1.1.1" | "1.2.840.10045.2.1" | "1.3.101.112") => {}
            _ => {
                return Err(Error::coded(
                    Code::PrivateKeyNotRsaOrEcc,
                    "Private key algorithm is not RSA or ECC or Ed25519",
                ));
            }
        }
        if key
            .as_ref()
            .is_some_and(|k| k.public_key_der() != leaf.public_key_der())
        {
            return Err(Error::coded(
                Code::PrivateKeyMismatch,
                "Private key does not match public key",
            ));
        }
        let chain = if flavor == Flavor::Force {
            if !partial_verify(&certs) {
                return Err(Error::coded(
                    Code::CertificateVerifyFailed,
                    "Unable to verify the certificate chain",
                ));
            }
            certs.clone()
        } else {
            if leaf.issuer_raw() == leaf.subject_raw() && leaf.check_signature_from(&leaf).is_ok() {
                return Err(Error::coded(
                    Code::CertificateSelfSigned,
                    "Certificate is self signed",
                ));
            }
            let chains = self.verify(&leaf, &certs[1..], now)?;
            if flavor == Flavor::Ubiquitous {
                log.log(
                    Level::Warning,
                    "No metadata, Ubiquitous falls back to Optimal.",
                );
            }
            optimal(chains)
                .into_iter()
                .next()
                .ok_or_else(unknown_authority)?
        };
        let mut code = 0;
        let mut messages = Vec::new();
        let expiring: Vec<usize> = chain
            .iter()
            .enumerate()
            .filter(|(_, c)| (c.not_after() - now).num_seconds() < 720 * 3600)
            .map(|(i, _)| i)
            .collect();
        if !expiring.is_empty() {
            code |= 1;
            let mut m = EXPIRING_STUB.to_string();
            m.push_str(if expiring.len() > 1 {
                "The expiring certs are"
            } else {
                "The expiring cert is"
            });
            for i in &expiring {
                m.push_str(&format!(" #{}", i + 1));
            }
            m.push_str(" in the chain.");
            messages.push(m);
        }
        if chain.iter().any(|c| hash_ubiquity(c) <= 70) {
            code |= 2;
            messages.push(SHA2_WARNING.into());
        }
        if chain.iter().any(|c| key_ubiquity(c) <= 70) {
            code |= 2;
            messages.push(ECDSA_WARNING.into());
        }
        let mut root = None;
        let mut untrusted = None;
        if flavor != Flavor::Force {
            let r = chain[chain.len() - 1].clone();
            log.log(
                Level::Info,
                &format!("the anchoring root is {}", go_name(&r)),
            );
            root = Some(r);
            untrusted = Some(Vec::new());
            code |= 2;
            messages.push(NO_METADATA.into());
        }
        let expiring_skis = expiring
            .iter()
            .map(|i| chain[*i].subject_key_id_hex().to_ascii_uppercase())
            .collect();
        let mut chain = chain;
        if flavor != Flavor::Force {
            let (is_ca, _, _) = leaf.basic_constraints();
            let keep_root = !leaf.ocsp_servers().is_empty() && !is_ca && chain.len() <= 2;
            if !keep_root {
                chain.pop();
            }
        }
        let rebundled =
            chain.len() != certs.len() || chain.iter().zip(&certs).any(|(a, b)| a.raw() != b.raw());
        Ok(Bundle {
            chain,
            root,
            key,
            status: Status {
                rebundled,
                expiring_skis,
                untrusted_root_stores: untrusted,
                messages,
                code,
            },
        })
    }

    /// Every chain from `leaf` to a root of the pool, through the pool's
    /// intermediates and the certificates given with the leaf (Go's
    /// `x509.Certificate.Verify`, any key usage).
    fn verify(
        &self,
        leaf: &Certificate,
        given: &[Certificate],
        now: DateTime<Utc>,
    ) -> Result<Vec<Vec<Certificate>>> {
        if now < leaf.not_before() || now > leaf.not_after() {
            return Err(expired(leaf, now));
        }
        let mut found = Vec::new();
        let mut path = vec![leaf.clone()];
        let intermediates: Vec<&Certificate> = self.intermediates.iter().chain(given).collect();
        self.extend(&mut path, &intermediates, now, &mut found);
        if found.is_empty() {
            return Err(unknown_authority());
        }
        Ok(found)
    }

    fn extend(
        &self,
        path: &mut Vec<Certificate>,
        intermediates: &[&Certificate],
        now: DateTime<Utc>,
        found: &mut Vec<Vec<Certificate>>,
    ) {
        if path.len() > 10 {
            return;
        }
        let child = path[path.len() - 1].clone();
        let usable = |c: &Certificate, path: &[Certificate]| {
            c.subject_raw() == child.issuer_raw()
                && now >= c.not_before()
                && now <= c.not_after()
                && !path.iter().any(|p| p.raw() == c.raw())
                && child.check_signature_from(c).is_ok()
                && path_len_ok(c, path.len() - 1)
        };
        for root in &self.roots {
            if usable(root, path) {
                let mut chain = path.clone();
                chain.push(root.clone());
                found.push(chain);
            }
        }
        for int in intermediates {
            if self.roots.iter().any(|r| r.raw() == int.raw()) || !usable(int, path) {
                continue;
            }
            path.push((*int).clone());
            self.extend(path, intermediates, now, found);
            path.pop();
        }
    }
}

/// Whether CA `ca` may have `below` intermediate CAs under it.
fn path_len_ok(ca: &Certificate, below: usize) -> bool {
    let (_, max, zero) = ca.basic_constraints();
    if max < 0 && !zero {
        return true;
    }
    i64::try_from(below).is_ok_and(|b| b <= max.max(0))
}

fn unknown_authority() -> Error {
    Error::coded(
        Code::CertificateUnknownAuthority,
        "x509: certificate signed by unknown authority",
    )
}

fn expired(c: &Certificate, now: DateTime<Utc>) -> Error {
    let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let message = if now < c.not_before() {
        format!(
            "x509: certificate has expired or is not yet valid: current time {} is before {}",
            fmt(now),
            fmt(c.not_before())
        )
    } else {
        format!(
            "x509: certificate has expired or is not yet valid: current time {} is after {}",
            fmt(now),
            fmt(c.not_after())
        )
    };
    Error::coded(Code::CertificateExpired, message)
}

/// Each certificate signed by the next (cfssl's `partialVerify`).
fn partial_verify(certs: &[Certificate]) -> bool {
    !certs.is_empty()
        && certs
            .windows(2)
            .all(|w| w[0].check_signature_from(&w[1]).is_ok())
}

/// cfssl's `optimalChains`: the shortest, then those lasting longest, then
/// the best crypto suite.
fn optimal(mut chains: Vec<Vec<Certificate>>) -> Vec<Vec<Certificate>> {
    if let Some(min) = chains.iter().map(Vec::len).min() {
        chains.retain(|c| c.len() == min);
    }
    let expiry = |c: &Vec<Certificate>| c.iter().map(Certificate::not_after).min();
    if let Some(best) = chains.iter().map(expiry).max() {
        chains.retain(|c| expiry(c) == best);
    }
    let suite = |c: &Vec<Certificate>| {
        // Position-weighted running averages of hash and key priorities.
        let (mut h, mut k) = (0.0f64, 0.0f64);
        for (i, cert) in c.iter().enumerate() {
            let n = (i + 1) as f64;
            h = (h * (n - 1.0) + f64::from(hash_priority(cert))) / n;
            k = (k * (n - 1.0) + f64::from(key_priority(cert))) / n;
        }
        h + k
    };
    if let Some(best) = chains.iter().map(suite).reduce(f64::max) {
        chains.retain(|c| suite(c) >= best);
    }
    chains
}

fn sig_hash(c: &Certificate) -> &'static str {
    match c.signature_algorithm_oid() {
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" => "sha1",
        "1.2.840.113549.1.1.4" | "1.2.840.113549.1.1.2" => "md",
        "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13"
        | "1.2.840.10045.4.3.2"
        | "1.2.840.10045.4.3.3"
        | "1.2.840.10045.4.3.4" => "sha2",
        _ => "other",
    }
}

/// cfssl's hash ubiquity: SHA-1 100, SHA-2 70, else 0.
fn hash_ubiquity(c: &Certificate) -> u32 {
    match sig_hash(c) {
        "sha1" => 100,
        "sha2" => 70,
        _ => 0,
    }
}

fn hash_priority(c: &Certificate) -> u32 {
    match sig_hash(c) {
        "sha2" => 100,
        "sha1" => 10,
        _ => 0,
    }
}

/// The leaf key's algorithm and size in bits (cfssl's `KeyLength`).
fn key_info(c: &Certificate) -> (&'static str, usize) {
    let Some(spki) = parse_spki(c.public_key_der()) else {
        return ("unknown", 0);
    };
    match spki.alg.as_str() {
        "1.2.840.113549.1.1.1" => {
            // RSAPublicKey { modulus, exponent }: the modulus's bits.
            let bits = der::read_one(spki.key)
                .and_then(|t| der::read_all(t.content))
                .and_then(|f| f.first().map(|m| m.content.to_vec()))
                .map_or(0, |m| {
                    let m: Vec<u8> = m.into_iter().skip_while(|b| *b == 0).collect();
                    m.first()
                        .map_or(0, |b| (m.len() - 1) * 8 + (8 - b.leading_zeros() as usize))
                });
            ("rsa", bits)
        }
        "1.2.840.10045.2.1" => match spki.param.as_deref() {
            Some("1.2.840.10045.3.1.7") => ("ecdsa", 256),
            Some("1.3.132.0.34") => ("ecdsa", 384),
            Some("1.3.132.0.35") => ("ecdsa", 521),
            _ => ("ecdsa", 0),
        },
        "1.3.101.112" => ("ed25519", 0),
        _ => ("unknown", 0),
    }
}

/// cfssl's key ubiquity: RSA (1024 bits and up) 100, P-256/P-384 70,
/// P-521 30, else 0.
fn key_ubiquity(c: &Certificate) -> u32 {
    match key_info(c) {
        ("rsa", b) if b >= 1024 => 100,
        ("ecdsa", 256 | 384) => 70,
        ("ecdsa", 521) => 30,
        _ => 0,
    }
}

fn key_priority(c: &Certificate) -> u32 {
    match key_info(c) {
        ("ecdsa", 256) => 100,
        ("ecdsa", 384) => 120,
        ("ecdsa", 521) => 140,
        ("rsa", b) if b >= 4096 => 70,
        ("rsa", b) if b >= 3072 => 50,
        ("rsa", b) if b >= 2048 => 30,
        _ => 0,
    }
}

/// The attributes of a raw Name in DER order, as (short OID number, value).
fn name_attributes(raw: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(rdns) = der::read_one(raw).and_then(|t| der::read_all(t.content)) else {
        return out;
    };
    for rdn in rdns {
        for atv in der::read_all(rdn.content).unwrap_or_default() {
            let Some(f) = der::read_all(atv.content) else {
                continue;
            };
            let (Some(oid), Some(value)) = (
                f.first().and_then(|o| der::oid_to_string(o.content)),
                f.get(1),
            ) else {
                continue;
            };
            out.push((oid, String::from_utf8_lossy(value.content).into_owned()));
        }
    }
    out
}

/// cfssl's bundle name: `/Country=US/Organization=…/CommonName=…`, the
/// attributes cfssl names, in DER order.
fn slash_name(raw: &[u8]) -> String {
    name_attributes(raw)
        .into_iter()
        .filter_map(|(oid, v)| {
            let name = match oid.as_str() {
                "2.5.4.3" => "CommonName",
                "2.5.4.5" => "SerialNumber",
                "2.5.4.6" => "Country",
                "2.5.4.7" => "Locality",
                "2.5.4.8" => "Province",
                "2.5.4.9" => "StreetAddress",
                "2.5.4.10" => "Organization",
                "2.5.4.11" => "OrganizationalUnit",
                "2.5.4.17" => "PostalCode",
                _ => return None,
            };
            Some(format!("/{name}={v}"))
        })
        .collect()
}

/// Go's `pkix.Name.String()` of a certificate's subject (for log lines):
/// `CN=…,O=…,C=…`, the parsed fields in Go's reverse order.
pub fn go_name(c: &Certificate) -> String {
    let s = c.subject();
    let mut parts: Vec<String> = Vec::new();
    let esc = |v: &str| {
        let mut out = String::new();
        for (i, ch) in v.chars().enumerate() {
            let last = i + 1 == v.chars().count();
            if matches!(ch, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
                || (i == 0 && (ch == ' ' || ch == '#'))
                || (last && ch == ' ')
            {
                out.push('\\');
            }
            out.push(ch);
        }
        out
    };
    let mut push = |key: &str, values: &[String]| {
        if !values.is_empty() {
            let joined: Vec<String> = values.iter().map(|v| format!("{key}={}", esc(v))).collect();
            parts.push(joined.join("+"));
        }
    };
    // Go's ToRDNSequence order, printed last to first.
    push("C", &s.country);
    push("ST", &s.province);
    push("L", &s.locality);
    push("STREET", &s.street_address);
    push("POSTALCODE", &s.postal_code);
    push("O", &s.organization);
    push("OU", &s.organizational_unit);
    if !s.common_name.is_empty() {
        push("CN", std::slice::from_ref(&s.common_name));
    }
    if !s.serial_number.is_empty() {
        push("SERIALNUMBER", std::slice::from_ref(&s.serial_number));
    }
    parts.reverse();
    parts.join(",")
}

/// Go's `helpers.SignatureString`.
fn signature_string(c: &Certificate) -> &'static str {
    match c.signature_algorithm_oid() {
        "1.2.840.113549.1.1.2" => "MD2WithRSA",
        "1.2.840.113549.1.1.4" => "MD5WithRSA",
        "1.2.840.113549.1.1.5" => "SHA1WithRSA",
        "1.2.840.113549.1.1.11" => "SHA256WithRSA",
        "1.2.840.113549.1.1.12" => "SHA384WithRSA",
        "1.2.840.113549.1.1.13" => "SHA512WithRSA",
        "1.2.840.10040.4.3" => "DSAWithSHA1",
        "2.16.840.1.101.3.4.3.2" => "DSAWithSHA256",
        "1.2.840.10045.4.1" => "ECDSAWithSHA1",
        "1.2.840.10045.4.3.2" => "ECDSAWithSHA256",
        "1.2.840.10045.4.3.3" => "ECDSAWithSHA384",
        "1.2.840.10045.4.3.4" => "ECDSAWithSHA512",
        "1.3.101.112" => "Ed25519",
        _ => "Unknown Signature",
    }
}

fn pem_trimmed(c: &Certificate) -> String {
    c.to_pem().trim_end().to_string()
}

fn json_strings(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| go_string(s)).collect();
    format!("[{}]", items.join(","))
}

impl Bundle {
    /// The leaf.
    pub fn leaf(&self) -> &Certificate {
        &self.chain[0]
    }

    /// The bundle JSON as cfssl writes it (keys in Go's map order, i.e.
    /// sorted; no final newline).
    pub fn to_json(&self) -> String {
        let leaf = self.leaf();
        let (alg, bits) = key_info(leaf);
        let key_type = match alg {
            "ecdsa" => format!("{bits}-bit ECDSA"),
            "rsa" => format!("{bits}-bit RSA"),
            "ed25519" => "Ed25519".into(),
            _ => "Unknown".into(),
        };
        let chain: Vec<String> = self.chain.iter().map(pem_trimmed).collect();
        let mut hostnames: Vec<String> = Vec::new();
        let cn = leaf.subject().common_name;
        if !cn.is_empty() {
            hostnames.push(cn);
        }
        for d in leaf.sans().dns {
            if !hostnames.contains(&d) {
                hostnames.push(d);
            }
        }
        let ocsp = leaf.ocsp_servers();
        let time = |t: DateTime<Utc>| go_string(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        let expires = self
            .chain
            .iter()
            .map(Certificate::not_after)
            .min()
            .unwrap_or_else(|| leaf.not_after());
        let key = self
            .key
            .as_ref()
            .map(|k| k.to_pem().trim_end().to_string())
            .unwrap_or_default();
        let st = &self.status;
        let skis = if st.expiring_skis.is_empty() {
            "null".to_string()
        } else {
            json_strings(&st.expiring_skis)
        };
        let untrusted = st
            .untrusted_root_stores
            .as_ref()
            .map_or_else(|| "null".to_string(), |u| json_strings(u));
        let messages = if st.messages.is_empty() {
            "null".to_string()
        } else {
            json_strings(&st.messages)
        };
        format!(
            concat!(
                "{{\"bundle\":{},\"crl_support\":{},\"crt\":{},\"expires\":{},\"hostnames\":{},",
                "\"issuer\":{},\"key\":{},\"key_size\":{},\"key_type\":{},\"leaf_expires\":{},",
                "\"ocsp\":{},\"ocsp_support\":{},\"root\":{},\"signature\":{},",
                "\"status\":{{\"rebundled\":{},\"expiring_SKIs\":{},\"untrusted_root_stores\":{},\"messages\":{},\"code\":{}}},",
                "\"subject\":{}}}"
            ),
            go_string(&chain.join("\n")),
            !leaf.crl_distribution_points().is_empty(),
            go_string(&pem_trimmed(leaf)),
            time(expires),
            json_strings(&hostnames),
            go_string(&slash_name(leaf.issuer_raw())),
            go_string(&key),
            bits,
            go_string(&key_type),
            time(leaf.not_after()),
            if ocsp.is_empty() {
                "null".to_string()
            } else {
                json_strings(&ocsp)
            },
            !ocsp.is_empty(),
            go_string(&self.root.as_ref().map(pem_trimmed).unwrap_or_default()),
            go_string(signature_string(leaf)),
            st.rebundled,
            skis,
            untrusted,
            messages,
            st.code,
            go_string(&slash_name(leaf.subject_raw())),
        )
    }
}
