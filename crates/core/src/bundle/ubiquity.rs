//! cfssl's `ubiquity` package: how widely a chain is trusted and how
//! strong its crypto is, the platform metadata file (`-metadata`), and the
//! ranking filters the `ubiquitous` and `optimal` flavours apply.
//!
//! Every score and comparison is cfssl's, integer truncations included
//! (`HashPriority` and `KeyAlgoPriority` are running averages cut to an
//! `int` before they are compared), because which chain wins a tie is
//! visible in the bundle.
//!
//! Loading metadata reads files (the keystores named in it); the reading is
//! the caller's, handed in as a closure, so this module does no I/O.
//!
//! ```
//! use cfssl_core::bundle::Metadata;
//! let json = br#"[{"name":"Everyone","weight":1,"hash_algo":"SHA2","key_algo":"RSA","keystore":""}]"#;
//! let mut read = |_: &str| -> Result<Vec<u8>, String> { unreachable!("no keystore named") };
//! let m = Metadata::from_json(json, "metadata.json", &mut read, &mut cfssl_core::log::NoLog)?;
//! assert_eq!(m.platform_names(), ["Everyone"]);
//! // A key algorithm cfssl does not know fails the whole file.
//! let bad = br#"[{"name":"X","weight":1,"hash_algo":"SHA2","key_algo":"DSA"}]"#;
//! let e = Metadata::from_json(bad, "metadata.json", &mut read, &mut cfssl_core::log::NoLog).unwrap_err();
//! assert_eq!(e.to_string(), "fail to finalize the parsing of platform metadata: {X 1 SHA2 DSA  map[] 70 0}");
//! # Ok::<(), cfssl_core::bundle::MetadataError>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use aws_lc_rs::digest;
use chrono::{DateTime, Datelike, TimeZone, Utc};

use crate::cert::{self, Certificate};
use crate::der;
use crate::go::json::{self as gojson, Decoder, Value};
use crate::key::parse_spki;
use crate::log::{Level, Log};

/// A chain, leaf first.
pub(crate) type Chain = Vec<Certificate>;

/// SHA-1 100, SHA-2 70, MD5/MD2 and the rest 0 (cfssl's `HashUbiquity`).
pub(crate) const SHA2_UBIQUITY: u32 = 70;
/// P-256 and P-384 keys: 70 (cfssl's `ECDSA256Ubiquity`).
pub(crate) const ECDSA256_UBIQUITY: u32 = 70;

/// The hash family of a certificate's signature, as cfssl groups Go's
/// `SignatureAlgorithm`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SigHash {
    Sha1,
    Sha2,
    Md,
    Other,
}

pub(crate) fn sig_hash(c: &Certificate) -> SigHash {
    match c.signature_algorithm_oid() {
        // SHA1WithRSA (and its old OIW alias), DSAWithSHA1, ECDSAWithSHA1.
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10040.4.3" | "1.2.840.10045.4.1" => {
            SigHash::Sha1
        }
        "1.2.840.113549.1.1.4" | "1.2.840.113549.1.1.2" => SigHash::Md,
        "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13"
        | "2.16.840.1.101.3.4.3.2"
        | "1.2.840.10045.4.3.2"
        | "1.2.840.10045.4.3.3"
        | "1.2.840.10045.4.3.4" => SigHash::Sha2,
        _ => SigHash::Other,
    }
}

/// A certificate's public key as cfssl's scores see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa(usize),
    Ecdsa(usize),
    /// An ECDSA key on a curve Go does not know.
    EcdsaOther,
    Ed25519,
    Dsa,
    Unknown,
}

pub(crate) fn key_kind(c: &Certificate) -> KeyKind {
    let Some(spki) = parse_spki(c.public_key_der()) else {
        return KeyKind::Unknown;
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
            KeyKind::Rsa(bits)
        }
        "1.2.840.10045.2.1" => match spki.param.as_deref() {
            Some("1.2.840.10045.3.1.7") => KeyKind::Ecdsa(256),
            Some("1.3.132.0.34") => KeyKind::Ecdsa(384),
            Some("1.3.132.0.35") => KeyKind::Ecdsa(521),
            _ => KeyKind::EcdsaOther,
        },
        "1.3.101.112" => KeyKind::Ed25519,
        "1.2.840.10040.4.1" => KeyKind::Dsa,
        _ => KeyKind::Unknown,
    }
}

/// cfssl's `hashUbiquity`.
pub(crate) fn hash_ubiquity(c: &Certificate) -> u32 {
    match sig_hash(c) {
        SigHash::Sha1 => 100,
        SigHash::Sha2 => SHA2_UBIQUITY,
        SigHash::Md | SigHash::Other => 0,
    }
}

/// cfssl's `keyAlgoUbiquity`: RSA of 1024 bits and more and DSA 100,
/// P-256 and P-384 70, P-521 30, the rest 0.
pub(crate) fn key_ubiquity(c: &Certificate) -> u32 {
    match key_kind(c) {
        KeyKind::Rsa(bits) if bits >= 1024 => 100,
        KeyKind::Dsa => 100,
        KeyKind::Ecdsa(256 | 384) => ECDSA256_UBIQUITY,
        KeyKind::Ecdsa(521) => 30,
        _ => 0,
    }
}

/// The weakest hash of a chain (`ChainHashUbiquity`).
pub(crate) fn chain_hash_ubiquity(chain: &[Certificate]) -> u32 {
    chain.iter().map(hash_ubiquity).min().unwrap_or(u32::MAX)
}

/// The weakest key of a chain (`ChainKeyAlgoUbiquity`).
pub(crate) fn chain_key_ubiquity(chain: &[Certificate]) -> u32 {
    chain.iter().map(key_ubiquity).min().unwrap_or(u32::MAX)
}

fn hash_priority(c: &Certificate) -> u32 {
    match sig_hash(c) {
        SigHash::Sha2 => 100,
        SigHash::Sha1 => 10,
        SigHash::Md | SigHash::Other => 0,
    }
}

/// cfssl's `keyAlgoPriority`: RSA only at exactly 2048, 3072 or 4096 bits.
fn key_priority(c: &Certificate) -> u32 {
    match key_kind(c) {
        KeyKind::Ecdsa(384) => 120,
        KeyKind::Ecdsa(521) => 140,
        KeyKind::Ecdsa(_) | KeyKind::EcdsaOther => 100,
        KeyKind::Rsa(4096) => 70,
        KeyKind::Rsa(3072) => 50,
        KeyKind::Rsa(2048) => 30,
        _ => 0,
    }
}

/// A position-weighted running average over the chain, truncated to an
/// integer as Go's `int(ret)` does.
fn running_average(chain: &[Certificate], score: fn(&Certificate) -> u32) -> i64 {
    let mut ret = 0.0f64;
    for (i, c) in chain.iter().enumerate() {
        let f1 = 1.0 / (i as f64 + 1.0);
        let f2 = 1.0 - f1;
        ret = ret * f2 + f64::from(score(c)) * f1;
    }
    // Scores are at most 140: the cast cannot overflow.
    ret as i64
}

/// The earliest `NotAfter` of a chain (`helpers.ExpiryTime`).
pub(crate) fn expiry(chain: &[Certificate]) -> Option<DateTime<Utc>> {
    chain.iter().map(Certificate::not_after).min()
}

fn compare_time(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> i64 {
    match a.cmp(&b) {
        std::cmp::Ordering::Greater => 1,
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
    }
}

/// cfssl's `helpers.MonthsValid`.
fn months_valid(c: &Certificate) -> i64 {
    let (issued, expiry) = (c.not_before(), c.not_after());
    let years = i64::from(expiry.year() - issued.year());
    let mut months = years * 12 + i64::from(expiry.month()) - i64::from(issued.month());
    if expiry.day() > issued.day() {
        months += 1;
    }
    months
}

/// cfssl's `helpers.ValidExpiry`: within the CA/Browser Forum's maximum
/// validity for when it was issued (39 months from April 2015, 60 from
/// July 2012, 120 before).
fn valid_expiry(c: &Certificate) -> bool {
    let at = |y, m| Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single();
    let issued = Some(c.not_before());
    let max = if issued >= at(2015, 4) {
        39
    } else if issued >= at(2012, 7) {
        60
    } else {
        120
    };
    months_valid(c) <= max
}

/// A ranking: positive when the first chain is better.
type Ranking<'a> = &'a dyn Fn(&Chain, &Chain) -> i64;

/// cfssl's `ubiquity.Filter`: keeps the chains ranked equal to the best
/// one found so far, walking in order (so for an inconsistent ranking the
/// result is cfssl's, not a maximum).
fn filter(chains: Vec<Chain>, rank: Ranking<'_>) -> Vec<Chain> {
    if chains.len() <= 1 {
        return chains;
    }
    let mut best = 0;
    let mut keep: Vec<usize> = Vec::new();
    for i in 0..chains.len() {
        let r = rank(&chains[best], &chains[i]);
        if r < 0 {
            best = i;
            keep = vec![i];
        } else if r == 0 {
            keep.push(i);
        }
    }
    let mut chains: Vec<Option<Chain>> = chains.into_iter().map(Some).collect();
    keep.into_iter().filter_map(|i| chains[i].take()).collect()
}

fn by_length(a: &Chain, b: &Chain) -> i64 {
    b.len() as i64 - a.len() as i64
}

fn by_expiry(a: &Chain, b: &Chain) -> i64 {
    compare_time(expiry(a), expiry(b))
}

fn by_crypto_suite(a: &Chain, b: &Chain) -> i64 {
    let suite = |c: &Chain| running_average(c, hash_priority) + running_average(c, key_priority);
    suite(a) - suite(b)
}

/// cfssl's `optimalChains`: the shortest, then the longest-lived, then the
/// best crypto suite.
pub(crate) fn optimal(chains: Vec<Chain>) -> Vec<Chain> {
    let chains = filter(chains, &by_length);
    let chains = filter(chains, &by_expiry);
    filter(chains, &by_crypto_suite)
}

/// cfssl's `ubiquitousChains`: the widest platform trust, SHA-2 all the
/// way down, the shortest, the strongest-supported weakest hash and key,
/// the longest-lived from the root down; then [`optimal`].
pub(crate) fn ubiquitous(chains: Vec<Chain>, metadata: &Metadata) -> Vec<Chain> {
    let chains = filter(chains, &|a, b| {
        metadata.cross_platform_ubiquity(a) - metadata.cross_platform_ubiquity(b)
    });
    let chains = filter(chains, &|a, b| sha2_homogeneity(a) - sha2_homogeneity(b));
    let chains = filter(chains, &by_length);
    let chains = filter(chains, &|a, b| {
        i64::from(chain_hash_ubiquity(a)) - i64::from(chain_hash_ubiquity(b))
    });
    let chains = filter(chains, &|a, b| {
        i64::from(chain_key_ubiquity(a)) - i64::from(chain_key_ubiquity(b))
    });
    let chains = filter(chains, &by_expiry_ubiquity);
    optimal(chains)
}

/// 1 when every certificate but the root is signed with SHA-2.
fn sha2_homogeneity(chain: &Chain) -> i64 {
    let n = chain.len().saturating_sub(1);
    i64::from(chain[..n].iter().all(|c| sig_hash(c) == SigHash::Sha2))
}

/// cfssl's `CompareExpiryUbiquity`: from the root down, a certificate
/// within the CA/B Forum's validity limits beats one that is not, then the
/// later `NotAfter` wins.
fn by_expiry_ubiquity(a: &Chain, b: &Chain) -> i64 {
    for (c1, c2) in a.iter().rev().zip(b.iter().rev()) {
        match (valid_expiry(c1), valid_expiry(c2)) {
            (true, false) => return 1,
            (false, true) => return -1,
            _ => {}
        }
        let r = compare_time(Some(c1.not_after()), Some(c2.not_after()));
        if r != 0 {
            return r;
        }
    }
    0
}

/// One platform of the metadata file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Platform {
    /// `name`.
    pub name: String,
    /// `weight`.
    pub weight: i64,
    /// `hash_algo`: `SHA1` or `SHA2`.
    pub hash_algo: String,
    /// `key_algo`: `RSA`, `ECDSA256`, `ECDSA384` or `ECDSA521`.
    pub key_algo: String,
    /// `keystore`, joined to the metadata file's folder (empty: the
    /// platform trusts every root).
    pub keystore_file: String,
    /// Hex SHA-1 of the `SubjectPublicKeyInfo` of each keystore root.
    keystore: BTreeSet<String>,
    hash_ubiquity: u32,
    key_ubiquity: u32,
}

impl Platform {
    fn trusts(&self, root: &Certificate) -> bool {
        self.keystore.is_empty() || self.keystore.contains(&spki_sha1(root))
    }

    /// Go's `%v` of cfssl's `Platform` struct, as its load error prints it.
    fn go_value(&self) -> String {
        let map: Vec<String> = self.keystore.iter().map(|k| format!("{k}:true")).collect();
        format!(
            "{{{} {} {} {} {} map[{}] {} {}}}",
            self.name,
            self.weight,
            self.hash_algo,
            self.key_algo,
            self.keystore_file,
            map.join(" "),
            self.hash_ubiquity,
            self.key_ubiquity
        )
    }
}

fn spki_sha1(c: &Certificate) -> String {
    cert::hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, c.public_key_der()).as_ref())
}

/// The platforms of a metadata file (cfssl's `ubiquity.Platforms`);
/// empty when none was given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    platforms: Vec<Platform>,
}

/// Why a metadata file could not be loaded, worded as cfssl.
#[derive(Debug)]
#[non_exhaustive]
pub enum MetadataError {
    /// The file could not be read (`text` is Go's `open …` error).
    Load(String),
    /// The file is not a JSON array of platforms (`text` is Go's).
    Parse(String),
    /// A platform names a hash or key algorithm cfssl does not know, or
    /// its keystore cannot be read (`platform` is Go's `%v` of it).
    Finalize(String),
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Load(t) => write!(f, "platform metadata failed to load: {t}"),
            Self::Parse(t) => write!(f, "platform metadata failed to parse: {t}"),
            Self::Finalize(p) => {
                write!(f, "fail to finalize the parsing of platform metadata: {p}")
            }
        }
    }
}

impl std::error::Error for MetadataError {}

impl Metadata {
    /// Reads a metadata file's JSON. `path` is the file's path, whose folder
    /// keystore paths are joined to (Go's `path.Join`, cleaned); `read`
    /// reads a keystore, or says why not in Go's words (`open F: no such
    /// file or directory`; logged at ERROR, as cfssl does, and failing the
    /// platform); each platform loaded is logged at INFO with its number of
    /// roots.
    ///
    /// # Errors
    /// [`MetadataError::Parse`] for JSON that is not an array of platforms,
    /// [`MetadataError::Finalize`] for an unknown `hash_algo` or
    /// `key_algo`, or an unreadable keystore.
    pub fn from_json(
        json: &[u8],
        path: &str,
        read: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
        log: &mut dyn Log,
    ) -> Result<Self, MetadataError> {
        let raw = decode(json).map_err(|e| MetadataError::Parse(e.message().to_string()))?;
        let dir = crate::go::path::dir(path);
        let mut platforms = Vec::new();
        for mut p in raw {
            if !p.keystore_file.is_empty() {
                p.keystore_file = crate::go::path::join(&dir, &p.keystore_file);
            }
            p.hash_ubiquity = match p.hash_algo.as_str() {
                "SHA1" => 100,
                "SHA2" => SHA2_UBIQUITY,
                _ => 0,
            };
            p.key_ubiquity = match p.key_algo.as_str() {
                "RSA" => 100,
                "ECDSA256" | "ECDSA384" => ECDSA256_UBIQUITY,
                "ECDSA521" => 30,
                _ => 0,
            };
            let mut ok = true;
            if !p.keystore_file.is_empty() {
                match read(&p.keystore_file) {
                    Ok(bytes) => {
                        // cfssl skips what does not parse, block by block
                        // (Go's pem.Decode), and stops at text that is none.
                        let mut rest: &[u8] = &bytes;
                        while !rest.is_empty() {
                            let (block, after) = crate::go::pem::go_decode(rest);
                            let Some(block) = block else {
                                break;
                            };
                            if let Ok(c) = Certificate::from_der(&block.bytes) {
                                p.keystore.insert(spki_sha1(&c));
                            } else if let Some(Ok(certs)) =
                                super::input::pkcs7_certificates(&block.bytes)
                            {
                                for c in certs {
                                    p.keystore.insert(spki_sha1(&c));
                                }
                            }
                            rest = after;
                        }
                    }
                    Err(e) => {
                        log.log(Level::Error, &e);
                        ok = false;
                    }
                }
            }
            if !ok || p.hash_ubiquity == 0 || p.key_ubiquity == 0 {
                return Err(MetadataError::Finalize(p.go_value()));
            }
            log.log(
                Level::Info,
                &format!(
                    "Platform metadata is loaded: {} {}",
                    p.name,
                    p.keystore.len()
                ),
            );
            platforms.push(p);
        }
        Ok(Self { platforms })
    }

    /// Whether no platform is known (cfssl then says it cannot measure
    /// ubiquity).
    pub fn is_empty(&self) -> bool {
        self.platforms.is_empty()
    }

    /// The platforms' names, in file order.
    pub fn platform_names(&self) -> Vec<&str> {
        self.platforms.iter().map(|p| p.name.as_str()).collect()
    }

    /// The platforms whose keystore lacks `root`, in file order.
    pub(crate) fn untrusted(&self, root: &Certificate) -> Vec<String> {
        self.platforms
            .iter()
            .filter(|p| !p.trusts(root))
            .map(|p| p.name.clone())
            .collect()
    }

    /// The summed weight of the platforms that trust the chain's root and
    /// support its weakest hash and key.
    fn cross_platform_ubiquity(&self, chain: &Chain) -> i64 {
        let Some(root) = chain.last() else {
            return 0;
        };
        let (h, k) = (chain_hash_ubiquity(chain), chain_key_ubiquity(chain));
        self.platforms
            .iter()
            .filter(|p| p.trusts(root) && p.hash_ubiquity <= h && p.key_ubiquity <= k)
            .map(|p| p.weight)
            .sum()
    }
}

/// Decodes `[]ubiquity.Platform` as Go's `encoding/json` would.
fn decode(json: &[u8]) -> crate::error::Result<Vec<Platform>> {
    let v = gojson::parse(json)?;
    let mut d = Decoder::new();
    let mut out: Vec<Platform> = Vec::new();
    if !matches!(v, Value::Array(_) | Value::Null) {
        d.top_level_error(&v, "[]ubiquity.Platform");
    }
    d.array(&v, "[]ubiquity.Platform", &mut out, |d, item, p| {
        if !matches!(item, Value::Object(_) | Value::Null) {
            d.wrong_type(item, "ubiquity.Platform");
            return;
        }
        d.object(
            item,
            "Platform",
            "ubiquity.Platform",
            &["name", "weight", "hash_algo", "key_algo", "keystore"],
            |d, f, v| match f {
                "name" => d.string(v, &mut p.name),
                "weight" => d.int(v, &mut p.weight),
                "hash_algo" => d.string(v, &mut p.hash_algo),
                "key_algo" => d.string(v, &mut p.key_algo),
                _ => d.string(v, &mut p.keystore_file),
            },
        );
    });
    d.finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_errors_are_worded_as_cfssl() {
        let mut read = |p: &str| -> Result<Vec<u8>, String> {
            assert_eq!(p, "d/nope.pem");
            Err(format!("open {p}: no such file or directory"))
        };
        let mut log = crate::log::NoLog;
        let e = |j: &str, read: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>| {
            Metadata::from_json(j.as_bytes(), "d/m.json", read, &mut crate::log::NoLog)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e(r#"{"name":"x"}"#, &mut read),
            "platform metadata failed to parse: json: cannot unmarshal object into Go value of type []ubiquity.Platform"
        );
        assert_eq!(
            e(r#"[{"weight":"1"}]"#, &mut read),
            "platform metadata failed to parse: json: cannot unmarshal string into Go struct field Platform.weight of type int"
        );
        assert_eq!(
            e(
                r#"[{"name":"L","hash_algo":"SHA2","key_algo":"RSA","keystore":"nope.pem"}]"#,
                &mut read
            ),
            "fail to finalize the parsing of platform metadata: {L 0 SHA2 RSA d/nope.pem map[] 70 100}"
        );
        assert_eq!(
            e("[{", &mut read),
            "platform metadata failed to parse: unexpected end of JSON input"
        );
        let m = Metadata::from_json(b"null", "m.json", &mut read, &mut log).unwrap();
        assert!(m.is_empty());
    }
}
