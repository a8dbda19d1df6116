//! Creating and renewing self-signed CAs (cfssl's `initca` package).

use crate::cert::Certificate;
use crate::config::{Config, Profile};
use crate::csr::{CaConfig, CertificateRequest, Csr, Name};
use crate::error::{Code, Error, Result};
use crate::go::duration;
use crate::key::PrivateKey;
use crate::log::{Level, Log};
use crate::signer::{CsrOrigin, LocalSigner, SignRequest, Sources};

/// What initca produces: the CA certificate, the CSR it was made from and,
/// for a new key, the key; each has `to_pem` for cfssl's output.
///
/// Its `Debug` output leaves the key out.
#[non_exhaustive]
pub struct CaOutput {
    /// The CA certificate.
    pub cert: Certificate,
    /// The CSR it was made from.
    pub csr: Csr,
    /// The new private key (`None` when an existing key was used).
    pub key: Option<PrivateKey>,
}

impl std::fmt::Debug for CaOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // PrivateKey's own Debug never prints key material.
        f.debug_struct("CaOutput")
            .field("cert", &self.cert.to_pem())
            .field("csr", &self.csr.to_pem())
            .field("key", &self.key.as_ref().map(|_| "<private key>"))
            .finish()
    }
}

/// cfssl's `initca.CAPolicy` adjusted by the request's `ca` object.
fn ca_policy(
    ca: Option<&CaConfig>,
    crl_url: &str,
    log: &mut dyn Log,
    with_backdate: bool,
) -> Result<Config> {
    let mut p = Profile::cfssl_default();
    p.usages = vec!["cert sign".into(), "crl sign".into()];
    p.expiry = 43_800 * 3_600_000_000_000;
    p.ca_constraint.is_ca = true;
    if let Some(ca) = ca {
        if !ca.expiry.is_empty() {
            p.expiry = duration::parse(&ca.expiry)?;
        }
        if with_backdate && !ca.backdate.is_empty() {
            p.backdate = duration::parse(&ca.backdate)?;
        }
        p.ca_constraint.max_path_len = ca.path_length;
        if ca.path_length != 0 && ca.path_len_zero {
            log.log(Level::Info, "ignore invalid 'pathlenzero' value");
        } else {
            p.ca_constraint.max_path_len_zero = ca.path_len_zero;
        }
    }
    if with_backdate && !crl_url.is_empty() {
        p.crl_url = crl_url.to_string();
    }
    Ok(Config {
        default: p,
        ..Config::default()
    })
}

fn signer(key: PrivateKey, policy: Config, sources: Sources) -> LocalSigner {
    LocalSigner::new_root(key, policy).with_sources(sources)
}

/// Generates a key for the request, logging as cfssl's `csr.ParseRequest`.
///
/// # Errors
/// 2400 for a bad key request, 9300 when the CSR cannot be built.
pub fn generate_key_and_csr(
    req: &CertificateRequest,
    log: &mut dyn Log,
) -> Result<(PrivateKey, Csr)> {
    log.log(Level::Info, "received CSR");
    log.log(Level::Info, &format!("generating key: {}", req.key.label()));
    log.log(
        Level::Debug,
        &format!(
            "generate key from request: algo={}, size={}",
            req.key.algo, req.key.size
        ),
    );
    let key = PrivateKey::generate(&req.key)?;
    let der = req.generate(&key).inspect_err(|e| {
        log.log(Level::Error, &format!("failed to generate a CSR: {e}"));
    })?;
    log.log(Level::Info, "encoded CSR");
    Ok((key, Csr::from_der(&der)?))
}

/// A new self-signed CA from a request (cfssl's `initca.New`).
///
/// # Errors
/// 5300 `missing subject information`, 2400 for the key request, a plain
/// duration error for a bad `ca.expiry`/`ca.backdate`.
pub fn new(req: &CertificateRequest, sources: Sources, log: &mut dyn Log) -> Result<CaOutput> {
    let policy = ca_policy(req.ca.as_ref(), &req.crl_url, log, true)?;
    log.log(Level::Info, "generate received request");
    let failed = |log: &mut dyn Log, e: Error| {
        log.log(
            Level::Error,
            &format!("failed to process request: {}", e.go_text()),
        );
        e
    };
    if let Err(e) = req.validate_ca_subject() {
        log.log(Level::Warning, &format!("invalid request: {}", e.go_text()));
        return Err(failed(log, e));
    }
    let (key, csr) = generate_key_and_csr(req, log).map_err(|e| failed(log, e))?;
    let s = signer(key, policy, sources);
    let mut sreq = SignRequest::from_csr(csr.clone());
    sreq.hosts = Some(req.hosts.clone());
    let cert = Certificate::from_der(&s.sign_from(&sreq, CsrOrigin::BuiltHere, log)?)?;
    Ok(CaOutput {
        cert,
        csr,
        key: Some(s.into_key()),
    })
}

/// A self-signed CA from a request and an existing key (cfssl's
/// `initca.NewFromSigner`; `ca.backdate` and `crl_url` are ignored there).
///
/// # Errors
/// 9300 when the CSR cannot be built; policy errors as [`new`].
pub fn new_from_key(
    req: &CertificateRequest,
    key: PrivateKey,
    sources: Sources,
    log: &mut dyn Log,
) -> Result<CaOutput> {
    let policy = ca_policy(req.ca.as_ref(), &req.crl_url, log, false)?;
    let csr = Csr::from_der(&req.generate(&key)?)?;
    log.log(Level::Info, "encoded CSR");
    let s = signer(key, policy, sources);
    let sreq = SignRequest::from_csr(csr.clone());
    let cert = Certificate::from_der(&s.sign(&sreq, log)?)?;
    Ok(CaOutput {
        cert,
        csr,
        key: None,
    })
}

/// cfssl's `csr.ExtractCertificateRequest`: a request that reproduces a
/// certificate's subject, hosts and (for a CA) constraints and lifetime.
pub fn request_from_certificate(cert: &Certificate) -> CertificateRequest {
    let s = cert.subject();
    let n = [
        s.country.len(),
        s.organization.len(),
        s.organizational_unit.len(),
        s.locality.len(),
        s.province.len(),
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let names = (0..n)
        .map(|i| Name {
            c: at(&s.country, i),
            st: at(&s.province, i),
            l: at(&s.locality, i),
            o: at(&s.organization, i),
            ou: at(&s.organizational_unit, i),
            ..Name::default()
        })
        .collect();
    let sans = cert.sans();
    let mut hosts: Vec<String> = sans.dns.clone();
    hosts.extend(sans.ips.iter().map(ToString::to_string));
    hosts.extend(sans.emails.iter().cloned());
    hosts.extend(sans.uris.iter().cloned());
    let (is_ca, path, zero) = cert.basic_constraints();
    let ca = is_ca.then(|| CaConfig {
        expiry: duration::format(
            (cert.not_after() - cert.not_before())
                .num_nanoseconds()
                .unwrap_or(i64::MAX),
        ),
        path_length: path,
        path_len_zero: zero,
        backdate: String::new(),
    });
    let mut req = CertificateRequest {
        cn: s.common_name.clone(),
        names,
        hosts,
        serial_number: s.serial_number,
        ca,
        ..CertificateRequest::default()
    };
    req.key = crate::key::KeyRequest::default();
    req
}

/// Re-issues a CA from its certificate and key (cfssl's `RenewFromSigner`).
///
/// # Errors
/// `input certificate is not a CA cert` (plain), 2300 when the key does not
/// match the certificate.
pub fn renew(
    ca: &Certificate,
    key: PrivateKey,
    sources: Sources,
    log: &mut dyn Log,
) -> Result<Certificate> {
    if !ca.basic_constraints().0 {
        return Err(Error::Invalid("input certificate is not a CA cert".into()));
    }
    if ca.public_key_der() != key.public_key_der() {
        return Err(Error::coded(
            Code::PrivateKeyMismatch,
            "Private key does not match public key",
        ));
    }
    let req = request_from_certificate(ca);
    Ok(new_from_key(&req, key, sources, log)?.cert)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::NoLog;

    /// Regression (found by the secrets review): `CaOutput` derived `Debug`,
    /// so `{:?}` of a new CA, as in a log line or an `expect` message,
    /// printed its private key.
    #[test]
    fn debug_never_shows_the_key() {
        let req = CertificateRequest::from_json(br#"{"CN":"Debug CA"}"#).expect("request");
        let ca = new(&req, Sources::default(), &mut NoLog).expect("CA");
        let key = ca.key.as_ref().expect("a new key").to_pem();
        let shown = format!("{ca:?}");
        assert!(shown.contains("<private key>"), "{shown}");
        assert!(!shown.contains("PRIVATE KEY"), "{shown}");
        for line in key.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!shown.contains(line), "key line in Debug output");
        }
        assert!(shown.contains("BEGIN CERTIFICATE"));
    }
}
