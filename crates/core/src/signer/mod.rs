//! The local signer: a CA certificate and key that issue certificates per a
//! signing profile. Mirrors cfssl's `signer/local` and `signer.FillTemplate`.

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::cert::{self, Certificate};
use crate::config::{Config, Profile};
use crate::csr::Csr;
use crate::der;
use crate::error::{Code, Error, Result};
use crate::ext::{self, Extension, oids};
use crate::hosts::Sans;
use crate::key::PrivateKey;
use crate::log::{Level, Log, SharedLog};
use crate::name::Subject;
use crate::signing_key::SigningKey;

pub mod load;

/// The time source of a signer.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time (for tests and reproducible output).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The random source for serial numbers.
pub trait Entropy: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's random source.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn fill(&self, buf: &mut [u8]) {
        use aws_lc_rs::rand::SecureRandom;
        // On failure the buffer stays zeroed; the signer refuses an all-zero
        // serial, so a broken random source is an error, never a weak serial.
        buf.fill(0);
        let _ = aws_lc_rs::rand::SystemRandom::new().fill(buf);
    }
}

/// Entropy that repeats a fixed pattern (for tests).
#[derive(Clone, Debug)]
pub struct FixedEntropy(pub Vec<u8>);

impl Entropy for FixedEntropy {
    fn fill(&self, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.0.get(i % self.0.len().max(1)).copied().unwrap_or(0);
        }
    }
}

/// The clock and the random source (of serial numbers) a signing operation
/// uses: the system's unless pinned. [`LocalSigner`], `initca` and
/// [`selfsign`] all take them this way.
///
/// ```
/// use cfssl_core::signer::{Clock, FixedClock, FixedEntropy, Sources};
/// use chrono::TimeZone;
/// let at = chrono::Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
/// let pinned = Sources::default().with_clock(FixedClock(at)).with_entropy(FixedEntropy(vec![7]));
/// assert_eq!(pinned.clock().now(), at);
/// ```
#[derive(Default)]
#[non_exhaustive]
pub struct Sources {
    clock: Option<Box<dyn Clock>>,
    entropy: Option<Box<dyn Entropy>>,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("clock_pinned", &self.clock.is_some())
            .field("entropy_pinned", &self.entropy.is_some())
            .finish()
    }
}

impl Sources {
    /// Pins the clock.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Box::new(clock));
        self
    }

    /// Pins the random source of serial numbers.
    #[must_use]
    pub fn with_entropy(mut self, entropy: impl Entropy + 'static) -> Self {
        self.entropy = Some(Box::new(entropy));
        self
    }

    /// The clock: the pinned one, else the system's.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_deref().unwrap_or(&SystemClock)
    }

    /// The random source: the pinned one, else the system's.
    pub fn entropy(&self) -> &dyn Entropy {
        self.entropy.as_deref().unwrap_or(&SystemEntropy)
    }
}

/// The subject override of a sign request (`sign`'s SUBJECT JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubjectOverride {
    /// CN.
    pub cn: String,
    /// names.
    pub names: Vec<crate::csr::Name>,
    /// SerialNumber.
    pub serial_number: String,
}

impl SubjectOverride {
    /// The override a `signer.Subject` JSON gives (`sign`'s SUBJECT file,
    /// read as a CSR request): its CN, names and serial number.
    pub fn from_request(req: crate::csr::CertificateRequest) -> Self {
        Self {
            cn: req.cn,
            names: req.names,
            serial_number: req.serial_number,
        }
    }
}

/// A request to sign a CSR (cfssl's `signer.SignRequest`).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SignRequest {
    /// The CSR, PEM, as received (what a remote signer forwards and the API
    /// echoes).
    pub request: Vec<u8>,
    /// The CSR already parsed: when set, the local signer signs it instead of
    /// parsing `request` again. [`SignRequest::from_csr`] sets both.
    pub csr: Option<Csr>,
    /// Replaces the CSR's SANs when `Some`.
    pub hosts: Option<Vec<String>>,
    /// Replaces subject fields that are set.
    pub subject: Option<SubjectOverride>,
    /// Profile name ("" or unknown: the default profile).
    pub profile: String,
    /// Replaces the CRL distribution point (`-crl`).
    pub crl_override: String,
    /// The CA label (`label`): kept for the caller (a database row's
    /// `ca_label`); a single local signer ignores it, as cfssl does.
    pub label: String,
    /// A serial number chosen by the client (`serial`, big-endian magnitude).
    /// Used only when the profile sets `ClientProvidesSerialNumbers`, which
    /// then requires it; ignored otherwise, as cfssl does.
    pub serial: Option<Vec<u8>>,
    /// `NotBefore`: the certificate's notBefore as given (no backdating),
    /// instead of the profile's or the clock's.
    pub not_before: Option<DateTime<Utc>>,
    /// `NotAfter`: the certificate's notAfter as given, instead of the
    /// profile's or notBefore plus the expiry.
    pub not_after: Option<DateTime<Utc>>,
    /// `extensions`: extensions added to the certificate; each OID must be
    /// in the profile's `allowed_extensions`, else the request is refused
    /// (1300, as cfssl).
    pub extensions: Vec<RequestExtension>,
    /// `ReturnPrecert`: sign a precertificate (with the critical CT poison
    /// extension of RFC 6962) and return it; it is not recorded in a
    /// certificate database, as cfssl does not record it.
    pub return_precert: bool,
    /// `metadata`: JSON text stored in the certificate database row
    /// (`None` is stored as `null`, as cfssl stores a nil map).
    pub metadata: Option<String>,
}

/// An extension a sign request asks for (cfssl's `signer.Extension`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestExtension {
    /// Dotted OID.
    pub id: String,
    /// The critical flag.
    pub critical: bool,
    /// The extnValue's content, hex as sent (decoded when signing).
    pub value: String,
}

impl RequestExtension {
    /// An extension of `id`, `critical` and hex `value`.
    pub fn new(id: impl Into<String>, critical: bool, value: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            critical,
            value: value.into(),
        }
    }
}

/// RFC 6962's precertificate poison extension.
const CT_POISON_OID: &str = "1.3.6.1.4.1.11129.2.4.3";

impl SignRequest {
    /// A request for a PEM CSR.
    pub fn new(csr_pem: impl Into<Vec<u8>>) -> Self {
        Self {
            request: csr_pem.into(),
            ..Self::default()
        }
    }

    /// A request for a CSR the caller holds parsed: the signer does not parse
    /// it again, and `request` carries its PEM for whoever needs the text
    /// (a remote signer, a log).
    ///
    /// ```
    /// use cfssl_core::csr::{CertificateRequest, Csr};
    /// use cfssl_core::{key::PrivateKey, signer::SignRequest};
    /// let req = CertificateRequest::from_json(br#"{"CN":"leaf.test","key":{"algo":"ecdsa","size":256}}"#)?;
    /// let csr = Csr::from_der(&req.generate(&PrivateKey::generate(&req.key)?)?)?;
    /// let sign = SignRequest::from_csr(csr.clone());
    /// assert_eq!(sign.request, csr.to_pem().into_bytes());
    /// # Ok::<(), cfssl_core::Error>(())
    /// ```
    pub fn from_csr(csr: Csr) -> Self {
        Self {
            request: csr.to_pem().into_bytes(),
            csr: Some(csr),
            ..Self::default()
        }
    }
}

/// cfssl's `signer.SplitHosts`: `""` → none, else split on `,` (no trimming).
pub fn split_hosts(hostname: &str) -> Option<Vec<String>> {
    if hostname.is_empty() {
        None
    } else {
        Some(hostname.split(',').map(String::from).collect())
    }
}

/// A certificate a signer has issued, with the values a response or a
/// database row needs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IssuedCertificate {
    /// The certificate itself (DER inside, parsed).
    pub certificate: Certificate,
}

impl IssuedCertificate {
    /// Wraps an issued certificate's DER.
    ///
    /// # Errors
    /// 1003 when the bytes are not a certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        Ok(Self {
            certificate: Certificate::from_der(der)?,
        })
    }

    /// Wraps a certificate already parsed (a remote signer's answer).
    pub fn from_certificate(certificate: Certificate) -> Self {
        Self { certificate }
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        self.certificate.raw()
    }

    /// PEM with its trailing newline, as cfssl returns it.
    pub fn to_pem(&self) -> String {
        self.certificate.to_pem()
    }

    /// The serial number in decimal, as cfssl logs and stores it.
    pub fn serial_decimal(&self) -> String {
        self.certificate.serial_decimal()
    }

    /// The authority key identifier in lowercase hex without separators, as
    /// cfssl's certificate database stores it ("" when there is none).
    pub fn authority_key_id_hex(&self) -> String {
        self.certificate.authority_key_id_hex()
    }
}

/// Something that issues certificates for sign requests: cfssl's
/// `signer.Signer`. The local signer implements it; a signer that records
/// into a database, or forwards to a remote cfssl, wraps or replaces it.
///
/// Implementations are shared between threads (a server signs many requests
/// at once through one `&self`).
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// Issues a certificate for `req` per its profile.
    ///
    /// # Errors
    /// cfssl's signing errors (see [`LocalSigner::sign`]).
    fn issue(&self, req: &SignRequest) -> Result<IssuedCertificate>;

    /// The CA certificate, when the signer has one.
    fn certificate(&self) -> Option<&Certificate>;

    /// The signing policy (profiles, auth keys, remotes).
    fn policy(&self) -> &Config;

    /// What `/info` and `cfssl info` answer for `req` (cfssl's
    /// `Signer.Info`): by default the CA certificate and the usages and
    /// expiry of the profile `req.profile` resolves to. A remote signer asks
    /// its remote.
    ///
    /// # Errors
    /// A remote signer's errors (the local one cannot fail).
    fn info(&self, req: &crate::api::InfoRequest) -> Result<crate::api::Info> {
        Ok(crate::api::Info::local(
            self.certificate(),
            self.policy().profile(&req.profile),
        ))
    }
}

/// The certificate template being filled (Go's `x509.Certificate` subset).
#[derive(Clone, Debug, Default)]
pub(crate) struct Template {
    pub(crate) subject: Subject,
    pub(crate) spki: Vec<u8>,
    pub(crate) sans: Sans,
    pub(crate) is_ca: bool,
    pub(crate) max_path_len: i64,
    pub(crate) max_path_len_zero: bool,
    pub(crate) extra: Vec<Extension>,
    pub(crate) crl: Vec<String>,
    /// The request's own validity, when it gives one.
    pub(crate) not_before: Option<DateTime<Utc>>,
    pub(crate) not_after: Option<DateTime<Utc>>,
}

/// Where a CSR handed to the signer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CsrOrigin {
    /// Read from a file, a request or a caller: its signature is checked,
    /// as cfssl does.
    Outside,
    /// Encoded earlier in the same call and signed with a key generated in
    /// that call (`initca::new`): its signature cannot be wrong, so it is not
    /// checked again. A key read from a file is not trusted this way: a key
    /// whose public half does not match its private half must still fail.
    BuiltHere,
}

/// A signer holding a CA (or, while creating a root, none yet) and its key.
///
/// The key is an in-memory [`PrivateKey`] unless another [`SigningKey`] is
/// given ([`LocalSigner::with_key`]): a key in an HSM or a KMS signs through
/// the same code.
pub struct LocalSigner<K: SigningKey = PrivateKey> {
    ca: Option<Certificate>,
    key: K,
    policy: Config,
    sources: Sources,
    log: Option<std::sync::Arc<dyn SharedLog>>,
}

impl<K: SigningKey> std::fmt::Debug for LocalSigner<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSigner")
            .field("ca", &self.ca.as_ref().map(|c| cert::decimal(c.serial())))
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl LocalSigner {
    /// A signer for `ca` with `key` and the signing `policy`.
    ///
    /// The key is not checked against the certificate here (cfssl checks at
    /// signing time, code 1000); see [`Self::key_matches`].
    pub fn new(ca: Certificate, key: PrivateKey, policy: Config) -> Self {
        Self::with_key(ca, key, policy)
    }

    /// Loads a signer from PEM bytes, as cfssl's `NewSignerFromFile`.
    ///
    /// # Errors
    /// 1002/1003 for the certificate, 2002/2003/2100 for the key.
    pub fn from_pem(ca_pem: &[u8], key_pem: &[u8], policy: Config) -> Result<Self> {
        let ca = Certificate::from_pem(ca_pem)?;
        let key = PrivateKey::from_pem(key_pem)?;
        Ok(Self::new(ca, key, policy))
    }
}

impl<K: SigningKey> LocalSigner<K> {
    /// A signer for `ca` whose key is `key`, wherever it is held.
    pub fn with_key(ca: Certificate, key: K, policy: Config) -> Self {
        Self {
            ca: Some(ca),
            key,
            policy,
            sources: Sources::default(),
            log: None,
        }
    }

    /// A signer without a CA certificate, that signs one self-signed CA.
    pub(crate) fn new_root(key: K, policy: Config) -> Self {
        Self {
            ca: None,
            key,
            policy,
            sources: Sources::default(),
            log: None,
        }
    }

    /// Pins the clock.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.sources = self.sources.with_clock(clock);
        self
    }

    /// Pins the random source of serial numbers.
    #[must_use]
    pub fn with_entropy(mut self, entropy: impl Entropy + 'static) -> Self {
        self.sources = self.sources.with_entropy(entropy);
        self
    }

    /// Where [`Signer::issue`] sends its log lines (the inherent
    /// [`LocalSigner::sign`] takes a sink per call instead). Without one
    /// they are dropped.
    #[must_use]
    pub fn with_log(mut self, log: std::sync::Arc<dyn SharedLog>) -> Self {
        self.log = Some(log);
        self
    }

    /// Pins the clock and the random source together.
    #[must_use]
    pub fn with_sources(mut self, sources: Sources) -> Self {
        self.sources = sources;
        self
    }

    /// The CA certificate.
    pub fn certificate(&self) -> Option<&Certificate> {
        self.ca.as_ref()
    }

    /// Gives the key back (initca returns the key it made and signed with).
    pub(crate) fn into_key(self) -> K {
        self.key
    }

    /// The signing policy.
    pub fn policy(&self) -> &Config {
        &self.policy
    }

    /// True when the key is the CA certificate's key.
    pub fn key_matches(&self) -> bool {
        self.ca
            .as_ref()
            .is_none_or(|c| c.public_key_der() == self.key.public_key_der())
    }

    /// Signs a CSR per the request's profile (cfssl's `Signer.Sign`).
    /// Returns the certificate DER.
    ///
    /// # Errors
    /// cfssl's errors: 9002/9003/9300 for the CSR, 5300 for a CA request
    /// the policy refuses, 5500 for a whitelist mismatch, 5100 when the
    /// profile has no usages, 1000 when the key does not match the CA.
    pub fn sign(&self, req: &SignRequest, log: &mut dyn Log) -> Result<Vec<u8>> {
        self.sign_from(req, CsrOrigin::Outside, log)
    }

    /// [`LocalSigner::sign`], returning the issued certificate as a value.
    ///
    /// # Errors
    /// As [`LocalSigner::sign`].
    pub fn sign_issued(&self, req: &SignRequest, log: &mut dyn Log) -> Result<IssuedCertificate> {
        IssuedCertificate::from_der(&self.sign(req, log)?)
    }

    /// [`LocalSigner::sign`], told where the CSR comes from: a CSR this crate
    /// has just encoded and signed, in the same call, with a key it has just
    /// generated (`initca::new`) needs no signature check. For an EC key that
    /// check is an ECDSA verification, the most expensive step of
    /// `gencert -initca` (docs/performance.md).
    pub(crate) fn sign_from(
        &self,
        req: &SignRequest,
        origin: CsrOrigin,
        log: &mut dyn Log,
    ) -> Result<Vec<u8>> {
        let profile = self.policy.profile(&req.profile);
        if profile.signs_remotely() {
            // A remote profile is for a remote signer (cfssl-server's
            // RemoteSigner routes it there); the local key must not sign it.
            return Err(Error::coded(
                Code::PolicyInvalidRequest,
                "the profile signs at a remote signer, not with the local CA key",
            ));
        }
        let parsed;
        let csr = match &req.csr {
            Some(csr) => csr,
            None => {
                parsed = Csr::from_pem(&req.request)?;
                &parsed
            }
        };
        if origin == CsrOrigin::Outside {
            csr.verify()?;
        }
        let mut t = template_from_csr(csr, profile);
        if let Some(w) = profile.csr_whitelist {
            if !w.subject {
                t.subject = Subject::default();
            }
            let all = t.sans.clone();
            t.sans = Sans {
                dns: if w.dns_names { all.dns } else { Vec::new() },
                emails: if w.email_addresses {
                    all.emails
                } else {
                    Vec::new()
                },
                ips: if w.ip_addresses { all.ips } else { Vec::new() },
                uris: if w.uris { all.uris } else { Vec::new() },
            };
        }
        if let Some(hosts) = &req.hosts {
            t.sans = Sans::from_hosts(hosts);
        }
        if let Some(s) = &req.subject {
            t.subject = populate_subject(s, &t.subject)?;
        }
        if let Some(re) = &profile.name_whitelist {
            let unmatched = || {
                Error::coded(
                    Code::PolicyUnmatchedWhitelist,
                    "Request does not match policy whitelist",
                )
            };
            if !t.subject.common_name.is_empty() && !re.is_match(&t.subject.common_name) {
                return Err(unmatched());
            }
            for n in t.sans.dns.iter().chain(&t.sans.emails).chain(&t.sans.uris) {
                if !re.is_match(n) {
                    return Err(unmatched());
                }
            }
        }
        if !req.crl_override.is_empty() {
            t.crl = vec![req.crl_override.clone()];
        }
        if t.is_ca {
            if !profile.ca_constraint.is_ca {
                log.log(
                    Level::Error,
                    "local signer policy disallows issuing CA certificate",
                );
                return Err(policy_violation());
            }
            if let Some(ca) = &self.ca {
                let (_, ca_path, ca_zero) = ca.basic_constraints();
                if ca_path > 0 && t.max_path_len >= ca_path {
                    log.log(
                        Level::Error,
                        "local signer certificate disallows CA MaxPathLen extending",
                    );
                    return Err(policy_violation());
                } else if ca_path == 0 && ca_zero {
                    log.log(
                        Level::Error,
                        "local signer certificate disallows issuing CA certificate",
                    );
                    return Err(policy_violation());
                }
            }
        }
        let serial = if profile.client_provides_serial_numbers {
            match &req.serial {
                // RFC 5280 §4.1.2.2: positive. cfssl 1.6.5 signs serial 0.
                Some(s) if serial_is_zero(s) => {
                    return Err(Error::coded(
                        Code::CertificateUnknown,
                        "x509: serial number must be positive",
                    ));
                }
                Some(s) => Some(s.clone()),
                None => {
                    return Err(Error::coded(
                        Code::CertificateMissingSerial,
                        "Missing serial number in request",
                    ));
                }
            }
        } else {
            None
        };
        for e in &req.extensions {
            if !profile.allowed_extensions.contains(&e.id) {
                return Err(Error::coded(
                    Code::CertificateInvalidRequest,
                    "Invalid certificate request",
                ));
            }
            let value = crate::go::hex::decode_string(&e.value)
                .map_err(|m| Error::coded(Code::CertificateInvalidRequest, m))?;
            t.extra.push(Extension::new(&e.id, e.critical, value));
        }
        if req.return_precert {
            t.extra
                .push(Extension::new(CT_POISON_OID, true, der::null()));
        }
        t.not_before = req.not_before;
        t.not_after = req.not_after;
        let (der, serial) = self.sign_template(t, profile, serial)?;
        log.log(
            Level::Info,
            &format!(
                "signed certificate with serial number {}",
                cert::decimal(&serial)
            ),
        );
        Ok(der)
    }

    /// `FillTemplate` + `x509.CreateCertificate`. Returns the certificate DER and its serial number's magnitude.
    fn sign_template(
        &self,
        mut t: Template,
        profile: &Profile,
        client_serial: Option<Vec<u8>>,
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        let default = &self.policy.default;
        let (ku, eku) = profile.usage_bits();
        if ku == 0 && eku.is_empty() {
            return Err(Error::coded(
                Code::PolicyNoKeyUsages,
                "Invalid policy: no key usage available",
            ));
        }
        let expiry = if profile.expiry == 0 {
            default.expiry
        } else {
            profile.expiry
        };
        let crl_url = if profile.crl_url.is_empty() {
            &default.crl_url
        } else {
            &profile.crl_url
        };
        let ocsp_url = if profile.ocsp_url.is_empty() {
            &default.ocsp_url
        } else {
            &profile.ocsp_url
        };
        let issuer_urls = if profile.issuer_urls.is_empty() {
            &default.issuer_urls
        } else {
            &profile.issuer_urls
        };
        let not_before = match t.not_before.or(profile.not_before) {
            Some(nb) => nb,
            None => {
                let backdate = if profile.backdate == 0 {
                    300_000_000_000
                } else {
                    profile.backdate
                };
                round_minute(self.sources.clock().now()) - Duration::nanoseconds(backdate)
            }
        };
        let not_after = match t.not_after.or(profile.not_after) {
            Some(na) => na,
            None => not_before + Duration::nanoseconds(expiry),
        };
        t.is_ca = profile.ca_constraint.is_ca;
        if t.is_ca {
            t.max_path_len = profile.ca_constraint.max_path_len;
            t.max_path_len_zero = t.max_path_len == 0 && profile.ca_constraint.max_path_len_zero;
            t.sans = t.sans.only_ips();
        } else {
            t.max_path_len = -1;
            t.max_path_len_zero = false;
        }
        if !crl_url.is_empty() {
            t.crl = vec![crl_url.clone()];
        }
        if !profile.policies.is_empty() {
            let pols: Vec<_> = profile
                .policies
                .iter()
                .map(|p| (p.id.clone(), p.qualifiers.clone()))
                .collect();
            t.extra.push(Extension::new(
                oids::POLICIES,
                false,
                ext::certificate_policies(&pols),
            ));
        }
        if profile.ocsp_no_check {
            t.extra
                .push(Extension::new(oids::OCSP_NO_CHECK, false, der::null()));
        }
        if not_after < not_before {
            return Err(Error::policy(
                "the certificate would expire before it starts",
            ));
        }

        let ocsp: Vec<String> = if ocsp_url.is_empty() {
            Vec::new()
        } else {
            vec![ocsp_url.clone()]
        };
        let serial = match client_serial {
            Some(s) => s,
            None => {
                let mut serial = vec![0u8; 20];
                self.sources.entropy().fill(&mut serial);
                serial[0] &= 0x7f;
                serial
            }
        };
        let issuer = match &self.ca {
            Some(ca) => {
                if ca.public_key_der() != self.key.public_key_der() {
                    return Err(Error::coded(
                        Code::CertificateUnknown,
                        "x509: provided PrivateKey doesn't match parent's PublicKey",
                    ));
                }
                Some((ca.subject_raw().to_vec(), ca.subject_key_id()))
            }
            None => {
                if !t.is_ca {
                    return Err(policy_violation());
                }
                t.sans = t.sans.only_ips();
                None
            }
        };
        let der = create_certificate(&Issued {
            template: &t,
            key_usage: ku,
            ext_key_usage: &eku,
            ocsp: &ocsp,
            issuer_urls,
            not_before,
            not_after,
            serial: &serial,
            issuer,
            key: &self.key,
        })?;
        Ok((der, serial))
    }
}

impl<K: SigningKey> Signer for LocalSigner<K> {
    fn issue(&self, req: &SignRequest) -> Result<IssuedCertificate> {
        match &self.log {
            Some(sink) => self.sign_issued(req, &mut crate::log::Shared(sink.as_ref())),
            None => self.sign_issued(req, &mut crate::log::NoLog),
        }
    }

    fn certificate(&self) -> Option<&Certificate> {
        self.ca.as_ref()
    }

    fn policy(&self) -> &Config {
        &self.policy
    }
}

/// Everything `x509.CreateCertificate` needs.
pub(crate) struct Issued<'a> {
    pub(crate) template: &'a Template,
    pub(crate) key_usage: u16,
    pub(crate) ext_key_usage: &'a [&'static str],
    pub(crate) ocsp: &'a [String],
    pub(crate) issuer_urls: &'a [String],
    pub(crate) not_before: DateTime<Utc>,
    pub(crate) not_after: DateTime<Utc>,
    pub(crate) serial: &'a [u8],
    /// Issuer raw subject and SKI; `None` for a self-signed certificate.
    pub(crate) issuer: Option<(Vec<u8>, Option<Vec<u8>>)>,
    pub(crate) key: &'a dyn SigningKey,
}

/// Go's `x509.CreateCertificate`: extension order and presence rules.
pub(crate) fn create_certificate(i: &Issued<'_>) -> Result<Vec<u8>> {
    let t = i.template;
    let subject_der = t.subject.to_der();
    let spki_info = crate::key::parse_spki(&t.spki)
        .ok_or_else(|| Error::coded(Code::CertificateUnknown, "x509: cannot parse public key"))?;
    let ski =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, spki_info.key);
    let (issuer_der, issuer_ski) = match &i.issuer {
        Some((d, k)) => (d.clone(), k.clone()),
        None => (subject_der.clone(), Some(ski.as_ref().to_vec())),
    };
    if serial_is_zero(i.serial) {
        return Err(Error::coded(
            Code::CertificateUnknown,
            "random source returned no data",
        ));
    }
    let has_extra = |oid: &str| t.extra.iter().any(|e| e.oid == oid);
    let mut exts: Vec<Extension> = Vec::new();
    if i.key_usage != 0 && !has_extra(oids::KEY_USAGE) {
        exts.push(Extension::new(
            oids::KEY_USAGE,
            true,
            ext::key_usage(i.key_usage),
        ));
    }
    if !i.ext_key_usage.is_empty() && !has_extra(oids::EKU) {
        exts.push(Extension::new(
            oids::EKU,
            false,
            ext::ext_key_usage(i.ext_key_usage),
        ));
    }
    if !has_extra(oids::BASIC_CONSTRAINTS) {
        let path = if t.max_path_len < 0 || (t.max_path_len == 0 && !t.max_path_len_zero) {
            None
        } else {
            Some(t.max_path_len)
        };
        exts.push(Extension::new(
            oids::BASIC_CONSTRAINTS,
            true,
            ext::basic_constraints(t.is_ca, path),
        ));
    }
    if !has_extra(oids::SKI) {
        exts.push(Extension::new(
            oids::SKI,
            false,
            ext::subject_key_id(ski.as_ref()),
        ));
    }
    if issuer_der != subject_der
        && let Some(aki) = issuer_ski.filter(|k| !k.is_empty())
        && !has_extra(oids::AKI)
    {
        exts.push(Extension::new(
            oids::AKI,
            false,
            ext::authority_key_id(&aki),
        ));
    }
    if (!i.ocsp.is_empty() || !i.issuer_urls.is_empty()) && !has_extra(oids::AIA) {
        exts.push(Extension::new(
            oids::AIA,
            false,
            ext::authority_info_access(i.ocsp, i.issuer_urls),
        ));
    }
    if !t.sans.is_empty() && !has_extra(oids::SAN) {
        exts.push(Extension::new(
            oids::SAN,
            t.subject.is_empty(),
            ext::subject_alt_name(&t.sans)?,
        ));
    }
    if let Some(url) = t.crl.first()
        && !has_extra(oids::CRL_DP)
    {
        exts.push(Extension::new(
            oids::CRL_DP,
            false,
            ext::crl_distribution_points(url),
        ));
    }
    exts.extend(t.extra.iter().cloned());

    // Go's `asn1.Marshal` of the TBS fails on an OID it cannot encode (a
    // request extension whose id the profile's allowed_extensions lists,
    // such as "1"); cfssl 1.6.5 answers 1000 with its text.
    let mut ext_der = Vec::new();
    for e in &exts {
        ext_der.extend(e.try_to_der().ok_or_else(|| {
            Error::coded(
                Code::CertificateUnknown,
                "asn1: structure error: invalid object identifier",
            )
        })?);
    }
    let mut tbs_parts: Vec<Vec<u8>> = vec![
        der::explicit(0, &der::int(2)),
        der::uint(i.serial),
        i.key.signature_algorithm(),
        issuer_der,
        der::seq(&[
            &cert::encode_time(i.not_before),
            &cert::encode_time(i.not_after),
        ]),
        subject_der,
        t.spki.clone(),
    ];
    if !exts.is_empty() {
        tbs_parts.push(der::explicit(3, &der::tlv(der::tag::SEQUENCE, &ext_der)));
    }
    let tbs = der::tlv(der::tag::SEQUENCE, &tbs_parts.concat());
    let sig = i.key.sign(&tbs)?;
    Ok(der::seq(&[
        &tbs,
        &i.key.signature_algorithm(),
        &der::bit_string(&sig),
    ]))
}

fn serial_is_zero(serial: &[u8]) -> bool {
    serial.iter().all(|b| *b == 0)
}

/// cfssl's `selfsign.Sign`: a certificate for the CSR signed by its own
/// key, per `profile` (a 63-bit serial, NotBefore = now − 5 min unrounded,
/// NotAfter = now + expiry, the CSR's extensions copied).
///
/// # Errors
/// 9300 when the CSR's signature does not verify, 5100 when the profile
/// has no usages.
pub fn selfsign(
    key: &dyn SigningKey,
    csr: &Csr,
    profile: &Profile,
    sources: &Sources,
) -> Result<Vec<u8>> {
    csr.verify()?;
    let (ku, eku) = profile.usage_bits();
    if ku == 0 && eku.is_empty() {
        return Err(Error::coded(
            Code::PolicyNoKeyUsages,
            "Invalid policy: no key usage available",
        ));
    }
    let t = Template {
        subject: csr.subject().clone(),
        spki: csr.public_key_der().to_vec(),
        sans: csr.sans(),
        is_ca: profile.ca_constraint.is_ca,
        max_path_len: -1,
        max_path_len_zero: false,
        extra: csr
            .extensions()
            .iter()
            .filter(|e| e.oid != oids::BASIC_CONSTRAINTS)
            .cloned()
            .collect(),
        crl: Vec::new(),
        not_before: None,
        not_after: None,
    };
    let mut serial = [0u8; 8];
    sources.entropy().fill(&mut serial);
    serial[0] &= 0x7f;
    let now = sources.clock().now();
    create_certificate(&Issued {
        template: &t,
        key_usage: ku,
        ext_key_usage: &eku,
        ocsp: &[],
        issuer_urls: &[],
        not_before: now - Duration::minutes(5),
        not_after: now + Duration::nanoseconds(profile.expiry),
        serial: &serial,
        issuer: None,
        key,
    })
}

fn policy_violation() -> Error {
    Error::coded(Code::PolicyInvalidRequest, "Policy violation request")
}

/// Go's `time.Round(time.Minute)`: halfway rounds up.
pub(crate) fn round_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_round(Duration::minutes(1)).unwrap_or(t)
}

/// cfssl's `ParseCertificateRequest`: the template a CSR asks for.
fn template_from_csr(csr: &Csr, profile: &Profile) -> Template {
    let mut t = Template {
        subject: csr.subject().clone(),
        spki: csr.public_key_der().to_vec(),
        sans: csr.sans(),
        max_path_len: -1,
        ..Template::default()
    };
    for e in csr.extensions() {
        if e.oid == oids::BASIC_CONSTRAINTS {
            if let Some((ca, path)) = ext::parse_basic_constraints(&e.value) {
                t.is_ca = ca;
                t.max_path_len = path.unwrap_or(-1);
                t.max_path_len_zero = t.max_path_len == 0;
            }
        } else if e.oid == oids::DELEGATION_USAGE || profile.copy_extensions {
            t.extra.push(e.clone());
        }
    }
    t
}

/// cfssl's `PopulateSubjectFromCSR`: fields set in the override win.
fn populate_subject(s: &SubjectOverride, from_csr: &Subject) -> Result<Subject> {
    let req = crate::csr::CertificateRequest {
        cn: s.cn.clone(),
        names: s.names.clone(),
        serial_number: s.serial_number.clone(),
        ..crate::csr::CertificateRequest::default()
    };
    let mut name = req.subject()?;
    let pick = |mine: &mut Vec<String>, theirs: &Vec<String>| {
        if mine.is_empty() {
            mine.clone_from(theirs);
        }
    };
    if name.common_name.is_empty() {
        name.common_name.clone_from(&from_csr.common_name);
    }
    pick(&mut name.country, &from_csr.country);
    pick(&mut name.province, &from_csr.province);
    pick(&mut name.locality, &from_csr.locality);
    pick(&mut name.organization, &from_csr.organization);
    pick(&mut name.organizational_unit, &from_csr.organizational_unit);
    if name.serial_number.is_empty() {
        name.serial_number.clone_from(&from_csr.serial_number);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rounding_is_go_half_up() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 30).unwrap();
        assert_eq!(
            round_minute(t),
            Utc.with_ymd_and_hms(2026, 1, 1, 10, 1, 0).unwrap()
        );
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 29).unwrap();
        assert_eq!(
            round_minute(t),
            Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap()
        );
    }

    /// cfssl 1.6.5's multirootca, asked by `/authsign` for an extension
    /// `"1"` that the profile's `allowed_extensions` lists, logs `signature
    /// failed: {"code":1000,"message":"asn1: structure error: invalid object
    /// identifier"}` (Go's `asn1.Marshal` of the TBS); this signer wrote the
    /// extension with an empty OID instead.
    #[test]
    fn allowed_extension_that_cannot_be_encoded_is_refused() {
        let ca_req = crate::csr::CertificateRequest::from_json(
            br#"{"CN":"CA","key":{"algo":"ecdsa","size":256}}"#,
        )
        .unwrap();
        let ca = crate::initca::new(&ca_req, Default::default(), &mut crate::log::NoLog).unwrap();
        let policy = Config::from_json(
            br#"{"signing":{"default":{"usages":["signing"],"expiry":"1h","allowed_extensions":["1","1.2.3"]}}}"#,
        )
        .unwrap();
        let signer = LocalSigner::new(ca.cert, ca.key.unwrap(), policy);
        let leaf = crate::csr::CertificateRequest::from_json(br#"{"CN":"leaf"}"#).unwrap();
        let csr = Csr::from_der(
            &leaf
                .generate(&PrivateKey::generate(&leaf.key).unwrap())
                .unwrap(),
        )
        .unwrap();
        let mut req = SignRequest::from_csr(csr);
        req.extensions = vec![RequestExtension::new("1", false, "0500")];
        let err = signer.issue(&req).unwrap_err();
        assert_eq!(
            err.go_text(),
            r#"{"code":1000,"message":"asn1: structure error: invalid object identifier"}"#
        );
        req.extensions = vec![RequestExtension::new("1.2.3", false, "0500")];
        let issued = signer.issue(&req).unwrap();
        assert!(
            issued
                .certificate
                .extensions()
                .iter()
                .any(|e| e.oid == "1.2.3")
        );
    }

    #[test]
    fn split_hosts_keeps_empty_items() {
        assert_eq!(split_hosts(""), None);
        assert_eq!(split_hosts("a,,b ").unwrap(), ["a", "", "b "]);
    }
}
