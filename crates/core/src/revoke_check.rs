//! The online revocation check of cfssl's `revoke` package
//! (`revoke.VerifyCertificate`), as `mkbundle` uses it: the decision logic
//! only; the network is a [`Fetch`] the caller supplies.
//!
//! The rules, in cfssl's order:
//! 1. a certificate past its `notAfter`, or not yet at its `notBefore`,
//!    counts as revoked;
//! 2. each CRL distribution point is fetched (`ldap://` ones skipped), read
//!    as DER or PEM, its signature checked against the issuer when the
//!    issuer could be fetched from the certificate's caIssuers URLs (cfssl
//!    checks nothing when it could not), and the serial looked up; a CRL is
//!    kept per URL until its `nextUpdate`; a fetch or signature failure
//!    makes the check fail, a listed serial makes the certificate revoked;
//! 3. OCSP is asked only when no CRL said revoked: with no OCSP URL the
//!    certificate is good; without an issuer (fetched from caIssuers) the
//!    check fails; otherwise each responder is asked in turn (a SHA-1
//!    request, `GET` when the request is at most 256 bytes, `POST`
//!    otherwise) and the first usable answer decides: `good` is good,
//!    anything else revoked; when none answers usably the check fails.
//!
//! Failures are soft, as cfssl's default (`HardFail` false): the answer is
//! "could not check", which `mkbundle` turns into dropping the certificate.
//! The log lines are cfssl's, word for word.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::cert::Certificate;
use crate::crl;
use crate::log::{Level, Log};
use crate::ocsp;

/// What a fetch brought back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// The network, as the checker needs it. Errors are messages in Go's
/// words (`Get "URL": dial tcp …: connection refused`); an answer of any
/// status is `Ok`.
pub trait Fetch: Sync {
    /// `GET url`.
    ///
    /// # Errors
    /// Why no answer came.
    fn get(&self, url: &str) -> Result<Fetched, String>;

    /// `POST url` with `body` as `content_type`.
    ///
    /// # Errors
    /// Why no answer came.
    fn post(&self, url: &str, content_type: &str, body: &[u8]) -> Result<Fetched, String>;
}

impl<F: Fetch + ?Sized> Fetch for &F {
    fn get(&self, url: &str) -> Result<Fetched, String> {
        (**self).get(url)
    }

    fn post(&self, url: &str, content_type: &str, body: &[u8]) -> Result<Fetched, String> {
        (**self).post(url, content_type, body)
    }
}

/// The outcome of a check (cfssl's `(revoked, ok)` pair).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Checked, not revoked (`false, true`).
    Good,
    /// Revoked, expired or not yet valid (`true, true`).
    Revoked,
    /// Could not be checked (`false, false`).
    Failed,
}

/// x/crypto/ocsp's canned error answers, which cfssl refuses by their
/// bytes before parsing.
const OCSP_ERRORS: [(u8, &str); 5] = [
    (1, "OSCP malformed"),
    (2, "OSCP internal error"),
    (3, "OSCP try later"),
    (5, "OSCP signature required"),
    (6, "OSCP unauthorized"),
];

/// A revocation checker with cfssl's CRL cache (one per process in cfssl;
/// one per checker here).
#[derive(Debug)]
pub struct Checker<F> {
    fetch: F,
    crls: Mutex<HashMap<String, crl::List>>,
}

impl<F: Fetch> Checker<F> {
    /// A checker fetching with `fetch`.
    pub fn new(fetch: F) -> Self {
        Self {
            fetch,
            crls: Mutex::new(HashMap::new()),
        }
    }

    /// Checks `cert` at `now`. `issuer` is used when given; otherwise (as
    /// cfssl always does) it is fetched from the certificate's caIssuers
    /// URLs when a CRL signature or an OCSP request needs it.
    pub fn verify(
        &self,
        cert: &Certificate,
        issuer: Option<&Certificate>,
        now: DateTime<Utc>,
        log: &mut dyn Log,
    ) -> Status {
        if now >= cert.not_after() {
            log.log(
                Level::Info,
                &format!("Certificate expired {}\n", go_time(cert.not_after())),
            );
            return Status::Revoked;
        }
        if now <= cert.not_before() {
            log.log(
                Level::Info,
                &format!(
                    "Certificate isn't valid until {}\n",
                    go_time(cert.not_before())
                ),
            );
            return Status::Revoked;
        }
        let mut issuer = IssuerSlot::new(issuer);
        for url in cert.crl_distribution_points() {
            if is_ldap(&url, log) {
                log.log(Level::Info, &format!("skipping LDAP CRL: {url}"));
                continue;
            }
            match self.crl_status(cert, &url, &mut issuer, now, log) {
                Status::Failed => {
                    log.log(Level::Warning, "error checking revocation via CRL");
                    return Status::Failed;
                }
                Status::Revoked => {
                    log.log(Level::Info, "certificate is revoked via CRL");
                    return Status::Revoked;
                }
                Status::Good => {}
            }
        }
        match self.ocsp_status(cert, &mut issuer) {
            Status::Failed => {
                log.log(Level::Warning, "error checking revocation via OCSP");
                Status::Failed
            }
            Status::Revoked => {
                log.log(Level::Info, "certificate is revoked via OCSP");
                Status::Revoked
            }
            Status::Good => Status::Good,
        }
    }

    fn crl_status(
        &self,
        cert: &Certificate,
        url: &str,
        issuer: &mut IssuerSlot<'_>,
        now: DateTime<Utc>,
        log: &mut dyn Log,
    ) -> Status {
        let cached = self
            .crls
            .lock()
            .ok()
            .and_then(|m| m.get(url).filter(|l| !l.has_expired(now)).cloned());
        let list = match cached {
            Some(list) => list,
            None => {
                let list = match self.fetch_crl(url) {
                    Ok(list) => list,
                    Err(e) => {
                        log.log(Level::Warning, &format!("failed to fetch CRL: {e}"));
                        return Status::Failed;
                    }
                };
                if let Some(issuer) = issuer.get(&self.fetch, cert)
                    && let Err(e) = list.check_signature_from(issuer)
                {
                    log.log(Level::Warning, &format!("failed to verify CRL: {e}"));
                    return Status::Failed;
                }
                if let Ok(mut m) = self.crls.lock() {
                    m.insert(url.to_string(), list.clone());
                }
                list
            }
        };
        if list.lists(cert.serial()) {
            log.log(Level::Info, "Serial number match: intermediate is revoked.");
            return Status::Revoked;
        }
        Status::Good
    }

    fn fetch_crl(&self, url: &str) -> Result<crl::List, String> {
        let answer = self.fetch.get(url)?;
        if answer.status >= 300 {
            return Err("failed to retrieve CRL".into());
        }
        crl::List::parse(&answer.body)
    }

    fn ocsp_status(&self, cert: &Certificate, issuer: &mut IssuerSlot<'_>) -> Status {
        let servers = cert.ocsp_servers();
        if servers.is_empty() {
            return Status::Good;
        }
        let Some(issuer) = issuer.get(&self.fetch, cert) else {
            return Status::Failed;
        };
        let id = ocsp::CertId::new(issuer, cert.serial(), ocsp::HashAlgorithm::Sha1);
        let request = ocsp::Request::to_der(&id);
        for server in servers {
            if let Ok(response) = self.ask_ocsp(&server, &request, cert, issuer) {
                return if response.status == ocsp::CertStatus::Good {
                    Status::Good
                } else {
                    Status::Revoked
                };
            }
        }
        Status::Failed
    }

    fn ask_ocsp(
        &self,
        server: &str,
        request: &[u8],
        cert: &Certificate,
        issuer: &Certificate,
    ) -> Result<ocsp::Response, String> {
        let answer = if request.len() > 256 {
            self.fetch
                .post(server, "application/ocsp-request", request)?
        } else {
            let encoded = crate::go::base64::encode(request);
            self.fetch
                .get(&format!("{server}/{}", query_escape(&encoded)))?
        };
        if answer.status != 200 {
            return Err("failed to retrieve OSCP".into());
        }
        for (code, text) in OCSP_ERRORS {
            if answer.body == [0x30, 0x03, 0x0a, 0x01, code] {
                return Err(text.into());
            }
        }
        let response = ocsp::Response::from_der(&answer.body).map_err(|e| e.to_string())?;
        response
            .check_for(cert.serial(), issuer)
            .map_err(|e| e.to_string())?;
        Ok(response)
    }
}

/// The issuer: given, or fetched once from caIssuers when first needed.
struct IssuerSlot<'a> {
    given: Option<&'a Certificate>,
    fetched: Option<Option<Certificate>>,
}

impl<'a> IssuerSlot<'a> {
    fn new(given: Option<&'a Certificate>) -> Self {
        Self {
            given,
            fetched: None,
        }
    }

    fn get(&mut self, fetch: &dyn Fetch, cert: &Certificate) -> Option<&Certificate> {
        if let Some(given) = self.given {
            return Some(given);
        }
        self.fetched
            .get_or_insert_with(|| {
                cert.issuing_certificate_urls()
                    .iter()
                    .find_map(|url| fetch_issuer(fetch, url))
            })
            .as_ref()
    }
}

/// cfssl's `fetchRemote`: the body, whatever the status, read as a PEM
/// certificate when it holds a PEM block, as DER otherwise.
fn fetch_issuer(fetch: &dyn Fetch, url: &str) -> Option<Certificate> {
    let body = fetch.get(url).ok()?.body;
    if body.windows(11).any(|w| w == b"-----BEGIN ") {
        Certificate::from_pem(&body).ok()
    } else {
        Certificate::from_der(&body).ok()
    }
}

/// cfssl's `ldapURL`: whether the URL's scheme is `ldap` (a URL Go cannot
/// parse is logged and treated as not LDAP).
fn is_ldap(url: &str, log: &mut dyn Log) -> bool {
    if url.chars().any(|c| c.is_ascii_control()) {
        log.log(
            Level::Warning,
            &format!("error parsing url {url}: net/url: invalid control character in URL"),
        );
        return false;
    }
    url.split_once(':')
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("ldap"))
}

/// Go's `time.Time.String()` for a UTC time to the second:
/// `2026-12-03 14:22:41 +0000 UTC`.
///
/// ```
/// use chrono::TimeZone;
/// let t = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 14, 22, 41).unwrap();
/// assert_eq!(cfssl_core::revoke_check::go_time(t), "2026-12-03 14:22:41 +0000 UTC");
/// ```
pub fn go_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string()
}

/// Go's `url.QueryEscape`.
///
/// ```
/// assert_eq!(cfssl_core::revoke_check::query_escape("a+b/c= d"), "a%2Bb%2Fc%3D+d");
/// ```
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use chrono::{DateTime, Duration, Utc};

    use super::{Checker, Fetch, Fetched, Status};
    use crate::cert::Certificate;
    use crate::config::Config;
    use crate::csr::CertificateRequest;
    use crate::key::PrivateKey;
    use crate::log::Level;
    use crate::signer::{FixedClock, LocalSigner, SignRequest};
    use crate::{crl, initca, ocsp};

    type Ca = (Certificate, String);

    fn key(ca: &Ca) -> PrivateKey {
        PrivateKey::from_pem(ca.1.as_bytes()).expect("key")
    }

    fn request(cn: &str) -> CertificateRequest {
        let json = format!(r#"{{"CN":"{cn}","key":{{"algo":"ecdsa","size":256}}}}"#);
        CertificateRequest::from_json(json.as_bytes()).expect("request")
    }

    fn ca(cn: &str) -> Ca {
        let out =
            initca::new(&request(cn), Default::default(), &mut crate::log::NoLog).expect("ca");
        let key = out.key.expect("a new key").to_pem();
        (out.cert, key)
    }

    /// A leaf of `issuer` with the profile's extra fields (`"crl_url":…`),
    /// signed at `at`.
    fn leaf(issuer: &Ca, cn: &str, extra: &str, at: DateTime<Utc>) -> Certificate {
        let config = format!(
            r#"{{"signing":{{"default":{{"expiry":"24h","usages":["signing"]{extra}}}}}}}"#
        );
        let signer = LocalSigner::new(
            issuer.0.clone(),
            key(issuer),
            Config::from_json(config.as_bytes()).expect("config"),
        )
        .with_clock(FixedClock(at));
        let (_, csr) =
            initca::generate_key_and_csr(&request(cn), &mut crate::log::NoLog).expect("csr");
        let der = signer
            .sign(&SignRequest::from_csr(csr), &mut crate::log::NoLog)
            .expect("sign");
        Certificate::from_der(&der).expect("leaf")
    }

    fn crl_of(issuer: &Ca, revoked: &[&Certificate], now: DateTime<Utc>) -> Vec<u8> {
        let entries: Vec<crl::Entry> = revoked
            .iter()
            .map(|c| crl::Entry::new(c.serial().to_vec(), now))
            .collect();
        crl::create(
            &issuer.0,
            &key(issuer),
            &entries,
            now,
            now + Duration::days(1),
            &crl::number_for(now),
        )
        .expect("crl")
    }

    /// Answers by URL prefix and counts the requests.
    #[derive(Default)]
    struct Net {
        answers: Vec<(String, Result<Fetched, String>)>,
        asked: Mutex<Vec<String>>,
    }

    impl Net {
        fn on(mut self, prefix: &str, status: u16, body: Vec<u8>) -> Self {
            self.answers
                .push((prefix.into(), Ok(Fetched { status, body })));
            self
        }

        fn failing(mut self, prefix: &str, error: &str) -> Self {
            self.answers.push((prefix.into(), Err(error.into())));
            self
        }

        fn count(&self, prefix: &str) -> usize {
            self.asked
                .lock()
                .map(|a| a.iter().filter(|u| u.starts_with(prefix)).count())
                .unwrap_or(0)
        }
    }

    impl Fetch for Net {
        fn get(&self, url: &str) -> Result<Fetched, String> {
            if let Ok(mut a) = self.asked.lock() {
                a.push(url.to_string());
            }
            self.answers
                .iter()
                .find(|(p, _)| url.starts_with(p.as_str()))
                .map_or_else(
                    || Err(format!("Get \"{url}\": no route")),
                    |(_, r)| r.clone(),
                )
        }

        fn post(&self, url: &str, _: &str, _: &[u8]) -> Result<Fetched, String> {
            self.get(url)
        }
    }

    fn check(net: &Checker<Net>, cert: &Certificate, now: DateTime<Utc>) -> (Status, Vec<String>) {
        let mut log: Vec<(Level, String)> = Vec::new();
        let status = net.verify(cert, None, now, &mut log);
        (
            status,
            log.into_iter()
                .map(|(l, m)| format!("[{l}] {}", m.trim_end()))
                .collect(),
        )
    }

    const CRL_AND_ISSUER: &str =
        r#","crl_url":"http://crl.test/ca.crl","issuer_urls":["http://crl.test/ca.pem"]"#;

    #[test]
    fn time_bounds_count_as_revoked() {
        let root = ca("Root");
        let now = Utc::now();
        let cert = leaf(&root, "old", "", now - Duration::days(3));
        let net = Checker::new(Net::default());
        let (status, log) = check(&net, &cert, now);
        assert_eq!(status, Status::Revoked);
        assert_eq!(
            log,
            [format!(
                "[INFO] Certificate expired {}",
                super::go_time(cert.not_after())
            )]
        );
        let (status, log) = check(&net, &cert, cert.not_before() - Duration::seconds(1));
        assert_eq!(status, Status::Revoked);
        assert!(log[0].starts_with("[INFO] Certificate isn't valid until "));
        let (status, log) = check(&net, &cert, cert.not_before() + Duration::hours(1));
        assert_eq!((status, log.len()), (Status::Good, 0));
    }

    #[test]
    fn crl_lists_serial_and_is_cached() {
        let root = ca("Root");
        let now = Utc::now();
        let bad = leaf(&root, "bad", CRL_AND_ISSUER, now);
        let fine = leaf(&root, "fine", CRL_AND_ISSUER, now);
        let net = Net::default()
            .on("http://crl.test/ca.crl", 200, crl_of(&root, &[&bad], now))
            .on("http://crl.test/ca.pem", 200, root.0.to_pem().into_bytes());
        let checker = Checker::new(net);
        let later = now + Duration::minutes(1);
        let (status, log) = check(&checker, &bad, later);
        assert_eq!(status, Status::Revoked);
        assert_eq!(
            log,
            [
                "[INFO] Serial number match: intermediate is revoked.",
                "[INFO] certificate is revoked via CRL"
            ]
        );
        assert_eq!(check(&checker, &fine, later), (Status::Good, vec![]));
        assert_eq!(checker.fetch.count("http://crl.test/ca.crl"), 1);
    }

    #[test]
    fn crl_failures_fail_the_check() {
        let root = ca("Root");
        let other = ca("Other");
        let now = Utc::now();
        let cert = leaf(&root, "x", CRL_AND_ISSUER, now);
        let later = now + Duration::minutes(1);
        let cases = [
            (
                Net::default()
                    .on("http://crl.test/ca.crl", 200, crl_of(&other, &[], now))
                    .on("http://crl.test/ca.pem", 200, root.0.raw().to_vec()),
                "[WARNING] failed to verify CRL: x509: ECDSA verification failure",
            ),
            (
                Net::default().on("http://crl.test/ca.crl", 404, b"no".to_vec()),
                "[WARNING] failed to fetch CRL: failed to retrieve CRL",
            ),
            (
                Net::default().failing("http://crl.test/ca.crl", "Get \"x\": refused"),
                "[WARNING] failed to fetch CRL: Get \"x\": refused",
            ),
            (
                Net::default().on("http://crl.test/ca.crl", 200, b"junk".to_vec()),
                "[WARNING] failed to fetch CRL: x509: malformed crl",
            ),
        ];
        for (net, first) in cases {
            let (status, log) = check(&Checker::new(net), &cert, later);
            assert_eq!(status, Status::Failed, "{first}");
            assert_eq!(log, [first, "[WARNING] error checking revocation via CRL"]);
        }
        // Without a caIssuers URL the signature is not checked (cfssl).
        let unsigned = leaf(&root, "y", r#","crl_url":"http://crl.test/ca.crl""#, now);
        let net = Net::default().on("http://crl.test/ca.crl", 200, crl_of(&other, &[], now));
        assert_eq!(check(&Checker::new(net), &unsigned, later).0, Status::Good);
    }

    #[test]
    fn pem_crls_and_ldap_points() {
        let root = ca("Root");
        let now = Utc::now();
        let cert = leaf(&root, "x", CRL_AND_ISSUER, now);
        let pem = crate::go::pem::encode("X509 CRL", &crl_of(&root, &[&cert], now));
        let net = Net::default()
            .on("http://crl.test/ca.crl", 200, pem.into_bytes())
            .on("http://crl.test/ca.pem", 200, root.0.to_pem().into_bytes());
        assert_eq!(
            check(&Checker::new(net), &cert, now + Duration::minutes(1)).0,
            Status::Revoked
        );
        let ldap = leaf(&root, "l", r#","crl_url":"LDAP://dir.test/cn=crl""#, now);
        let (status, log) = check(
            &Checker::new(Net::default()),
            &ldap,
            now + Duration::minutes(1),
        );
        assert_eq!(status, Status::Good);
        assert_eq!(log, ["[INFO] skipping LDAP CRL: LDAP://dir.test/cn=crl"]);
    }

    #[test]
    fn ocsp_needs_the_issuer_and_decides() {
        let root = ca("Root");
        let now = Utc::now();
        let with_issuer =
            r#","ocsp_url":"http://ocsp.test","issuer_urls":["http://crl.test/ca.pem"]"#;
        let good = leaf(&root, "good", with_issuer, now);
        let bad = leaf(&root, "bad", with_issuer, now);
        let signer = ocsp::Signer::new(
            root.0.clone(),
            root.0.clone(),
            key(&root),
            Duration::hours(96),
        )
        .expect("signer");
        let sign = |c: &Certificate, s| {
            signer
                .sign_at(&ocsp::SignRequest::new(c, s), now)
                .expect("response")
        };
        let later = now + Duration::minutes(1);
        let revoked = ocsp::CertStatus::Revoked { at: now, reason: 1 };
        let answers: HashMap<&str, Vec<u8>> = [
            ("good", sign(&good, ocsp::CertStatus::Good)),
            ("bad", sign(&bad, revoked)),
        ]
        .into();
        for (cert, body, want) in [
            (&good, answers["good"].clone(), Status::Good),
            (&bad, answers["bad"].clone(), Status::Revoked),
            // An answer about another certificate is not usable.
            (&good, answers["bad"].clone(), Status::Failed),
            (&good, vec![0x30, 0x03, 0x0a, 0x01, 0x06], Status::Failed),
        ] {
            let net = Net::default().on("http://ocsp.test/", 200, body).on(
                "http://crl.test/ca.pem",
                200,
                root.0.to_pem().into_bytes(),
            );
            let checker = Checker::new(net);
            assert_eq!(check(&checker, cert, later).0, want);
            assert_eq!(
                checker.fetch.count("http://ocsp.test/MF"),
                1,
                "GET, base64 in the path"
            );
        }
        // No issuer: OCSP cannot be asked.
        let lonely = leaf(&root, "lonely", r#","ocsp_url":"http://ocsp.test""#, now);
        let (status, log) = check(&Checker::new(Net::default()), &lonely, later);
        assert_eq!(status, Status::Failed);
        assert_eq!(log, ["[WARNING] error checking revocation via OCSP"]);
        // A given issuer is used without fetching.
        let checker =
            Checker::new(Net::default().on("http://ocsp.test/", 200, answers["good"].clone()));
        let mut log: Vec<(Level, String)> = Vec::new();
        assert_eq!(
            checker.verify(&good, Some(&root.0), later, &mut log),
            Status::Good
        );
        assert_eq!(checker.fetch.count("http://crl.test/"), 0);
    }
}
