//! The chain bundler (cfssl's `bundler` package): from a certificate (and
//! whatever chain came with it), the chain to a trusted root through known
//! intermediates, chosen by flavour, with cfssl's status bits and messages
//! and cfssl's bundle JSON.
//!
//! The chain search is Go's `x509.Certificate.Verify` as cfssl 1.6.5 runs
//! it (candidates by issuer name, key identifiers first; signature, validity,
//! CA and path length checks; Go's error texts and their cfssl codes). When
//! the pools do not reach a root, the certificates given with the leaf and
//! the AIA `caIssuers` URLs are walked as cfssl's `fetchIntermediates`
//! walks them, adding what verifies to the intermediates (and the stash).
//! Fetching and stashing are the caller's ([`IssuerSource`]): this module
//! does no I/O. Scores and flavours are in [`ubiquity`](self::Metadata).
//!
//! SHA-1 deprecation messages: cfssl 1.6.5 (Go 1.19) refuses SHA-1
//! signatures while verifying, so a chain they would describe never
//! verifies (the recorded SHA-1 leaf gets 1220 with Go's hint), and under
//! `force` a single certificate has no issuer to judge; so neither does
//! this bundler write them.
//!
//! ```
//! use cfssl_core::bundle::{Bundler, Flavor};
//! let bundler = Bundler::new(Vec::new(), Vec::new());
//! // A self-signed certificate is not something to bundle.
//! let req = cfssl_core::csr::CertificateRequest::from_json(br#"{"CN":"Doc CA"}"#)?;
//! let ca = cfssl_core::initca::new(&req, Default::default(), &mut cfssl_core::log::NoLog)?;
//! let e = bundler.bundle(vec![ca.cert], None, Flavor::Ubiquitous, chrono::Utc::now(), &mut cfssl_core::log::NoLog).unwrap_err();
//! assert_eq!(e.code(), Some(cfssl_core::Code::CertificateSelfSigned));
//! # Ok::<(), cfssl_core::Error>(())
//! ```

mod input;
mod ubiquity;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

pub use self::input::{parse_certificates_pem, read_input};
use self::ubiquity::{
    Chain, ECDSA256_UBIQUITY, KeyKind, SHA2_UBIQUITY, chain_hash_ubiquity, chain_key_ubiquity,
    key_kind,
};
pub use self::ubiquity::{Metadata, MetadataError, Platform};
use crate::cert::Certificate;
use crate::der;
use crate::error::{Code, Error, Result};
use crate::go::json::go_string;
use crate::key::{PrivateKey, parse_spki};
use crate::log::{Level, Log};

/// How a chain is chosen among those that verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Flavor {
    /// The chain most platforms trust (cfssl's default).
    Ubiquitous,
    /// The shortest, longest-lived chain with the strongest crypto.
    Optimal,
    /// The chain as given, checked link by link, no root added.
    Force,
    /// A name cfssl does not know: ubiquitous, without the warning cfssl
    /// logs when ubiquitous is asked for by name and there is no metadata.
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

/// Where intermediates the pools lack come from: AIA `caIssuers` URLs,
/// and the stash (`-int-dir`) that keeps what was found.
pub trait IssuerSource: Send + Sync + std::fmt::Debug {
    /// The body at `url` (DER or PEM certificate), or why not.
    ///
    /// # Errors
    /// Any failure; cfssl skips the URL.
    fn fetch(&self, url: &str) -> std::result::Result<Vec<u8>, String>;

    /// Keeps a newly verified intermediate as `name` (cfssl's
    /// `<CN without dots and spaces>_<SKI hex>_<serial hex>.crt`); `None`
    /// when there is no stash.
    fn stash(&self, name: &str, pem: &str) -> Option<std::result::Result<(), String>>;
}

/// The trust pools, the platform metadata and where to fetch
/// intermediates. Intermediates found while bundling are kept for later
/// bundles, as cfssl's bundler keeps them.
#[derive(Debug, Default)]
pub struct Bundler {
    roots: Vec<Certificate>,
    pool: Mutex<Pool>,
    metadata: Metadata,
    source: Option<Arc<dyn IssuerSource>>,
}

#[derive(Debug, Default)]
struct Pool {
    /// Shared with the verifications in flight, which read a snapshot
    /// (a bundle copies no certificate to verify).
    intermediates: Arc<Vec<Certificate>>,
    /// Signatures of every certificate of both pools (cfssl's
    /// `KnownIssuers`).
    known: HashSet<Vec<u8>>,
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
const UNTRUSTED_STUB: &str = "The bundle may not be trusted by the following platform(s):";
const EXPIRING_STUB: &str = "The bundle is expiring within 30 days.";

/// Go's limit on signature checks in one `Verify`.
const MAX_SIGNATURE_CHECKS: usize = 100;

/// AIA issuer fetches in one bundle (cfssl has no bound: an issuer server
/// minting certificates with new URLs keeps it fetching).
const MAX_ISSUER_FETCHES: usize = 8;

impl Bundler {
    /// Pools: trusted roots and known intermediates.
    pub fn new(roots: Vec<Certificate>, intermediates: Vec<Certificate>) -> Self {
        let known = roots
            .iter()
            .chain(&intermediates)
            .map(|c| c.signature().to_vec())
            .collect();
        Self {
            roots,
            pool: Mutex::new(Pool {
                intermediates: Arc::new(intermediates),
                known,
            }),
            metadata: Metadata::default(),
            source: None,
        }
    }

    /// Platform metadata for the `ubiquitous` flavour and the untrusted
    /// platforms status.
    #[must_use]
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Where AIA issuers are fetched and found intermediates stashed.
    #[must_use]
    pub fn with_issuer_source(mut self, source: Arc<dyn IssuerSource>) -> Self {
        self.source = Some(source);
        self
    }

    /// cfssl's `BundleFromPEMorDER`: the certificates as PEM, else DER
    /// ([`read_input`]: PKCS #7, PKCS #12 opened with `password`, plain
    /// certificates), and the leaf's key as PEM when `key_pem` is not empty
    /// (else a PKCS #12 file's own key).
    ///
    /// # Errors
    /// The key's decoding error (2002, …), [`read_input`]'s, then
    /// [`Self::bundle`]'s.
    pub fn bundle_from_pem_or_der(
        &self,
        certs: &[u8],
        key_pem: &[u8],
        password: &str,
        flavor: Flavor,
        now: DateTime<Utc>,
        log: &mut dyn Log,
    ) -> Result<Bundle> {
        let key = if key_pem.is_empty() {
            None
        } else {
            Some(PrivateKey::from_pem(key_pem)?)
        };
        let (chain, own_key) = read_input(certs, password)?;
        self.bundle(chain, key.or(own_key), flavor, now, log)
    }

    /// cfssl's `BundleFromRemote` once the chain is fetched: `certs` are
    /// what the server at `dialed` (`host:port`) sent for `server_name`.
    /// cfssl first dials verifying (its roots, the server's own
    /// intermediates, the name); when that fails its second, unverified
    /// dial can never pass Go's `VerifyHostname`, so the answer is 1200
    /// `tls: handshake did not verify certificate chain`. This does the
    /// same check on the one chain fetched, gives the same answer, and logs
    /// the reason cfssl does not show at WARNING. Otherwise the chain is
    /// bundled without a key.
    ///
    /// # Errors
    /// 1200 as above, then [`Self::bundle`]'s.
    pub fn bundle_from_remote(
        &self,
        certs: Vec<Certificate>,
        server_name: &str,
        dialed: &str,
        flavor: Flavor,
        now: DateTime<Utc>,
        log: &mut dyn Log,
    ) -> Result<Bundle> {
        let Some(leaf) = certs.first() else {
            return Err(Error::coded(
                Code::CertificateDecodeFailed,
                "Failed to decode certificate",
            ));
        };
        // Go's order: the leaf's validity, the name, then the chain.
        let strict = if now < leaf.not_before() || now > leaf.not_after() {
            Err(expired(leaf, now).message().to_string())
        } else {
            leaf.verify_hostname(server_name).and_then(|()| {
                self.verify_through(leaf, &certs[1..], now)
                    .map(|_| ())
                    .map_err(|e| e.message().to_string())
            })
        };
        if let Err(why) = strict {
            log.log(
                Level::Warning,
                &format!("rigid TLS handshake with {dialed} failed: {why}"),
            );
            return Err(Error::coded(
                Code::CertificateVerifyFailed,
                "tls: handshake did not verify certificate chain",
            ));
        }
        self.bundle(certs, None, flavor, now, log)
    }

    /// Bundles `certs` (the leaf first, or the chain reversed), with the
    /// leaf's key if given, as of `now`.
    ///
    /// # Errors
    /// cfssl's: 2300 key mismatch, 2200 unsupported key, 1100 self-signed,
    /// 1200 a forced chain that does not verify, and Go's verification
    /// errors with cfssl's codes: 1220 unknown authority (with Go's hint
    /// when a candidate issuer's signature check failed), 1211 expired,
    /// 1210 not a CA, 1213 path length.
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
            if leaf.check_signature_from(&leaf).is_ok() {
                return Err(Error::coded(
                    Code::CertificateSelfSigned,
                    "Certificate is self signed",
                ));
            }
            let chains = match self.verify(&leaf, now) {
                Ok(chains) => chains,
                Err(e) if e.code() == Some(Code::CertificateUnknownAuthority) => {
                    if self.fetch_intermediates(&certs, now, log).is_err() {
                        return Err(e);
                    }
                    self.verify(&leaf, now)?
                }
                Err(e) => return Err(e),
            };
            let chosen = match flavor {
                Flavor::Optimal => ubiquity::optimal(chains),
                Flavor::Ubiquitous | Flavor::Force | Flavor::Unknown => {
                    if flavor == Flavor::Ubiquitous && self.metadata.is_empty() {
                        log.log(
                            Level::Warning,
                            "No metadata, Ubiquitous falls back to Optimal.",
                        );
                    }
                    ubiquity::ubiquitous(chains, &self.metadata)
                }
            };
            chosen
                .into_iter()
                .next()
                .ok_or_else(|| unknown_authority(None))?
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
        if chain_hash_ubiquity(&chain) <= SHA2_UBIQUITY {
            code |= 2;
            messages.push(SHA2_WARNING.into());
        }
        if chain_key_ubiquity(&chain) <= ECDSA256_UBIQUITY {
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
            let names = self.metadata.untrusted(&r);
            if self.metadata.is_empty() {
                code |= 2;
                messages.push(NO_METADATA.into());
            } else if !names.is_empty() {
                code |= 2;
                messages.push(format!("{UNTRUSTED_STUB} {}.", names.join(", ")));
            }
            root = Some(r);
            untrusted = Some(names);
        }
        let expiring_skis = expiring
            .iter()
            .map(|i| chain[*i].subject_key_id_hex().to_ascii_uppercase())
            .collect();
        let mut chain = chain;
        if flavor != Flavor::Force {
            let (is_ca, _, _) = leaf.basic_constraints();
            let keep_root = !leaf.ocsp_servers().is_empty() && !is_ca && chain.len() <= 2;
            // A leaf that is itself in the root pool is its own chain: cfssl
            // strips it and then panics on the empty chain; we keep it.
            if !keep_root && chain.len() > 1 {
                chain.pop();
            }
        }
        let rebundled = chain.len() != certs.len()
            || chain
                .iter()
                .zip(&certs)
                .any(|(a, b)| a.signature() != b.signature());
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Pool> {
        // The pool only grows; a panic elsewhere cannot leave it half-made.
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Go's `Verify` with any key usage: every chain from `cert` to a root
    /// through the intermediates, in Go's order.
    fn verify(&self, cert: &Certificate, now: DateTime<Utc>) -> Result<Vec<Chain>> {
        let intermediates = Arc::clone(&self.lock().intermediates);
        self.verify_through(cert, &intermediates, now)
    }

    fn verify_through(
        &self,
        cert: &Certificate,
        intermediates: &[Certificate],
        now: DateTime<Utc>,
    ) -> Result<Vec<Chain>> {
        unhandled_critical(cert)?;
        if now < cert.not_before() || now > cert.not_after() {
            return Err(expired(cert, now));
        }
        if self.roots.iter().any(|r| r.raw() == cert.raw()) {
            return Ok(vec![vec![cert.clone()]]);
        }
        let mut search = Search {
            roots: &self.roots,
            intermediates,
            now,
            checks: 0,
            cache: HashMap::new(),
        };
        search.build(std::slice::from_ref(cert))
    }

    /// cfssl's `fetchIntermediates`: walks the given chain from the root
    /// end and the AIA issuers of each certificate, depth first, adding
    /// what verifies to the intermediates (and the stash).
    fn fetch_intermediates(
        &self,
        certs: &[Certificate],
        now: DateTime<Utc>,
        log: &mut dyn Log,
    ) -> std::result::Result<(), ()> {
        let mut seen_urls: HashSet<String> = HashSet::new();
        let mut seen_sigs: HashSet<Vec<u8>> = HashSet::new();
        // Nearest the roots first; the leaf has no name (never stored).
        let mut chain: Vec<(Certificate, String)> = Vec::new();
        for (i, c) in certs.iter().enumerate() {
            let name = if i > 0 { stash_name(c) } else { String::new() };
            chain.insert(0, (c.clone(), name));
            seen_sigs.insert(c.signature().to_vec());
        }
        let mut found = 0;
        let mut fetches = 0;
        while !chain.is_empty() {
            if self.verify_chain(&chain, now, log) {
                found += 1;
            }
            let mut advanced = false;
            if let Some(source) = &self.source {
                for url in chain[0].0.issuing_certificate_urls() {
                    if seen_urls.contains(&url) || fetches >= MAX_ISSUER_FETCHES {
                        continue;
                    }
                    fetches += 1;
                    // cfssl tries a failed URL again each time the walk comes
                    // back to its certificate; once is enough.
                    seen_urls.insert(url.clone());
                    let Some(fetched) = source.fetch(&url).ok().and_then(|b| parse_fetched(&b))
                    else {
                        continue;
                    };
                    if seen_sigs.contains(fetched.signature()) {
                        continue;
                    }
                    seen_sigs.insert(fetched.signature().to_vec());
                    let name = stash_name(&fetched);
                    chain.insert(0, (fetched, name));
                    advanced = true;
                    break;
                }
            }
            if !advanced {
                chain.remove(0);
            }
        }
        if found == 0 { Err(()) } else { Ok(()) }
    }

    /// cfssl's `verifyChain`: from the root end, each certificate not
    /// already known must verify; those that do (but a root at the top and
    /// the leaf) join the intermediates and the stash.
    fn verify_chain(
        &self,
        chain: &[(Certificate, String)],
        now: DateTime<Utc>,
        log: &mut dyn Log,
    ) -> bool {
        for (i, (cert, name)) in chain.iter().enumerate() {
            if self.lock().known.contains(cert.signature()) {
                continue;
            }
            if self.verify(cert, now).is_err() {
                return false;
            }
            if i == 0 && cert.check_signature_from(cert).is_ok() {
                continue;
            }
            if name.is_empty() {
                continue;
            }
            {
                let mut pool = self.lock();
                if !pool.known.insert(cert.signature().to_vec()) {
                    // Another bundle added it meanwhile.
                    continue;
                }
                Arc::make_mut(&mut pool.intermediates).push(cert.clone());
            }
            if let Some(result) = self
                .source
                .as_ref()
                .and_then(|s| s.stash(name, &cert.to_pem()))
            {
                match result {
                    Ok(()) => log.log(Level::Info, &format!("stashed new intermediate {name}")),
                    Err(e) => log.log(
                        Level::Error,
                        &format!("failed to write new intermediate: {e}"),
                    ),
                }
            }
        }
        true
    }
}

/// A fetched issuer: DER, else the first PEM certificate.
fn parse_fetched(bytes: &[u8]) -> Option<Certificate> {
    Certificate::from_der(bytes)
        .ok()
        .or_else(|| Certificate::from_pem(bytes).ok())
}

/// cfssl's `constructCertFileName`.
fn stash_name(c: &Certificate) -> String {
    let cn: String = c
        .subject()
        .common_name
        .chars()
        .filter(|ch| *ch != '.' && *ch != ' ')
        .collect();
    let serial = c.serial();
    let serial: Vec<u8> = serial.iter().copied().skip_while(|b| *b == 0).collect();
    format!(
        "{cn}_{}_{}.crt",
        c.subject_key_id_hex(),
        crate::cert::hex(&serial)
    )
}

/// One run of Go's `buildChains`.
struct Search<'a> {
    roots: &'a [Certificate],
    intermediates: &'a [Certificate],
    now: DateTime<Utc>,
    checks: usize,
    cache: HashMap<usize, Vec<Chain>>,
}

impl Search<'_> {
    /// The chains above `path` (whose last certificate is the one to find
    /// issuers of), or Go's error.
    fn build(&mut self, path: &[Certificate]) -> Result<Vec<Chain>> {
        let c = &path[path.len() - 1];
        let mut chains: Vec<Chain> = Vec::new();
        let mut err: Option<Error> = None;
        let mut hint: Option<(String, Certificate)> = None;
        let candidates = |pool: &[Certificate]| -> Vec<usize> {
            let aki = c.authority_key_id().unwrap_or_default();
            let (mut matching, mut one, mut mismatch) = (Vec::new(), Vec::new(), Vec::new());
            for (i, p) in pool.iter().enumerate() {
                if p.subject_raw() != c.issuer_raw() {
                    continue;
                }
                let ski = p.subject_key_id().unwrap_or_default();
                if ski == aki {
                    matching.push(i);
                } else if ski.is_empty() != aki.is_empty() {
                    one.push(i);
                } else {
                    mismatch.push(i);
                }
            }
            matching.extend(one);
            matching.extend(mismatch);
            matching
        };
        let roots = candidates(self.roots);
        let intermediates = candidates(self.intermediates);
        for (is_root, i) in roots
            .into_iter()
            .map(|i| (true, i))
            .chain(intermediates.into_iter().map(|i| (false, i)))
        {
            let candidate = if is_root {
                &self.roots[i]
            } else {
                &self.intermediates[i]
            };
            if path.iter().any(|p| same_certificate(p, candidate)) {
                continue;
            }
            self.checks += 1;
            if self.checks > MAX_SIGNATURE_CHECKS {
                err = Some(Error::coded(
                    Code::CertificateVerifyFailed,
                    "x509: signature check attempts limit reached while verifying certificate chain",
                ));
                continue;
            }
            if let Err(e) = c.check_signature_from(candidate) {
                if hint.is_none() {
                    hint = Some((e, candidate.clone()));
                }
                continue;
            }
            if let Err(e) = valid_issuer(candidate, is_root, path.len() - 1, self.now) {
                err = Some(e);
                continue;
            }
            let mut next = path.to_vec();
            next.push(candidate.clone());
            if is_root {
                chains.push(next);
            } else {
                let child = match self.cache.get(&i) {
                    Some(cached) => cached.clone(),
                    None => {
                        let built = self.build(&next);
                        let found = match built {
                            Ok(found) => found,
                            Err(e) => {
                                err = Some(e);
                                Vec::new()
                            }
                        };
                        self.cache.insert(i, found.clone());
                        found
                    }
                };
                chains.extend(child);
            }
        }
        if !chains.is_empty() {
            return Ok(chains);
        }
        Err(err.unwrap_or_else(|| unknown_authority(hint)))
    }
}

/// Go's `alreadyInChain`: the same subject, public key and SANs.
fn same_certificate(a: &Certificate, b: &Certificate) -> bool {
    a.subject_raw() == b.subject_raw()
        && a.public_key_der() == b.public_key_der()
        && a.sans() == b.sans()
}

/// Go's `isValid` for a candidate issuer with `below` intermediates under
/// it: no critical extension Go does not handle, valid now, a CA (for an
/// intermediate: a root, a v1 one say, need not say so), within its path
/// length.
fn valid_issuer(ca: &Certificate, is_root: bool, below: usize, now: DateTime<Utc>) -> Result<()> {
    unhandled_critical(ca)?;
    if now < ca.not_before() || now > ca.not_after() {
        return Err(expired(ca, now));
    }
    let (is_ca, max, zero) = ca.basic_constraints();
    if !is_ca && !is_root {
        return Err(Error::coded(
            Code::CertificateNotAuthorizedToSign,
            "x509: certificate is not authorized to sign other certificates",
        ));
    }
    if (max >= 0 || zero) && i64::try_from(below).is_ok_and(|b| b > max.max(0)) {
        return Err(Error::coded(
            Code::CertificateTooManyIntermediates,
            "x509: too many intermediates for path length constraint",
        ));
    }
    Ok(())
}

/// Go 1.19's `UnhandledCriticalExtension`: a critical extension its
/// parser does not handle (a SAN counts as unhandled when it holds none of
/// the names Go reads).
fn unhandled_critical(c: &Certificate) -> Result<()> {
    const HANDLED: [&str; 10] = [
        "2.5.29.14",
        "2.5.29.15",
        "2.5.29.17",
        "2.5.29.19",
        "2.5.29.30",
        "2.5.29.31",
        "2.5.29.32",
        "2.5.29.35",
        "2.5.29.37",
        "1.3.6.1.5.5.7.1.1",
    ];
    let unhandled = c.extensions().iter().any(|e| {
        e.critical
            && (!HANDLED.contains(&e.oid.as_str())
                || (e.oid == "2.5.29.17" && {
                    let s = c.sans();
                    s.dns.is_empty() && s.emails.is_empty() && s.ips.is_empty() && s.uris.is_empty()
                }))
    });
    if unhandled {
        return Err(Error::coded(
            Code::CertificateVerifyFailed,
            "x509: unhandled critical extension",
        ));
    }
    Ok(())
}

/// Go's `UnknownAuthorityError`, with its hint when a candidate issuer's
/// signature did not check.
fn unknown_authority(hint: Option<(String, Certificate)>) -> Error {
    let mut message = "x509: certificate signed by unknown authority".to_string();
    if let Some((e, cert)) = hint {
        let s = cert.subject();
        let name = if !s.common_name.is_empty() {
            s.common_name
        } else if let Some(o) = s.organization.first() {
            o.clone()
        } else {
            format!("serial:{}", cert.serial_decimal())
        };
        message.push_str(&format!(
            " (possibly because of {} while trying to verify candidate authority certificate {})",
            crate::go::strconv::go_quote(&e),
            crate::go::strconv::go_quote(&name)
        ));
    }
    Error::coded(Code::CertificateUnknownAuthority, message)
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

/// The leaf key's algorithm and size in bits (cfssl's `KeyLength`).
fn key_info(c: &Certificate) -> (&'static str, usize) {
    match key_kind(c) {
        KeyKind::Rsa(bits) => ("rsa", bits),
        KeyKind::Ecdsa(bits) => ("ecdsa", bits),
        KeyKind::EcdsaOther => ("ecdsa", 0),
        KeyKind::Ed25519 => ("ed25519", 32),
        KeyKind::Dsa | KeyKind::Unknown => ("unknown", 0),
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
            let text = crate::name::decode_string(value.tag, value.content)
                .unwrap_or_else(|| String::from_utf8_lossy(value.content).into_owned());
            out.push((oid, text));
        }
    }
    out
}

/// cfssl's bundle name: `/Country=US/Organization=…/CommonName=…`: every
/// attribute in DER order, named by the fourth arc of its OID as cfssl's
/// `typeToName` does (`/=value` for the rest, emailAddress and DC among
/// them).
fn slash_name(raw: &[u8]) -> String {
    name_attributes(raw)
        .into_iter()
        .map(|(oid, v)| {
            let name = match oid.split('.').nth(3) {
                Some("3") => "CommonName",
                Some("5") => "SerialNumber",
                Some("6") => "Country",
                Some("7") => "Locality",
                Some("8") => "Province",
                Some("9") => "StreetAddress",
                Some("10") => "Organization",
                Some("11") => "OrganizationalUnit",
                Some("17") => "PostalCode",
                _ => "",
            };
            format!("/{name}={v}")
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
        let n = v.chars().count();
        for (i, ch) in v.chars().enumerate() {
            let last = i + 1 == n;
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
        let mut seen: HashSet<String> = HashSet::new();
        let cn = leaf.subject().common_name;
        for name in std::iter::once(cn).chain(leaf.sans().dns) {
            if !name.is_empty() && seen.insert(name.clone()) {
                hostnames.push(name);
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
