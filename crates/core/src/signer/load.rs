//! Loading a local signer from cfssl's inputs (`-ca`, `-ca-key`, `-config`),
//! as cfssl's `universal.NewSigner` → `local.NewSignerFromFile` does: the
//! checks, their order, their error codes and the DEBUG lines on the way.
//!
//! Reading the named inputs is the caller's: the CLI reads `-` as standard
//! input and `env:NAME` from its environment (cfssl's `helpers.ReadBytes`),
//! a server or a test may read from elsewhere. The loader only names what it
//! wants, in cfssl's order.
//!
//! ```
//! use cfssl_core::{csr::CertificateRequest, initca, log::NoLog};
//! use cfssl_core::signer::{Signer, load};
//!
//! let ca = initca::new(&CertificateRequest::from_json(br#"{"CN":"CA","key":{"algo":"ecdsa","size":256}}"#)?,
//!     Default::default(), &mut NoLog)?;
//! let (cert_pem, key_pem) = (ca.cert.to_pem(), ca.key.expect("a new key").to_pem());
//! let mut read = |name: &str| match name {
//!     "ca.pem" => Ok(cert_pem.clone().into_bytes()),
//!     "ca-key.pem" => Ok(key_pem.to_string().into_bytes()),
//!     other => Err(format!("open {other}: no such file or directory")),
//! };
//! // No -config: cfssl's default policy.
//! let signer = load::local_signer("ca.pem", "ca-key.pem", None, &mut read, &mut NoLog)?;
//! assert_eq!(signer.policy().default.expiry_string(), "8760h");
//!
//! let err = load::local_signer("ca.pem", "", None, &mut read, &mut NoLog).unwrap_err();
//! assert_eq!(err.go_text(), r#"{"code":2000,"message":"Unknown private key error"}"#);
//! # Ok::<(), cfssl_core::Error>(())
//! ```

use std::borrow::Cow;

use crate::cert::Certificate;
use crate::config::Config;
use crate::error::{Code, Error, Result};
use crate::key::{PrivateKey, Zeroizing};
use crate::log::{Level, Log};

use super::LocalSigner;

/// How an input's name is shown in log lines and errors: the name itself,
/// unless it is PEM text (a key pasted where its file name belongs, as in
/// `-ca-key "$CA_KEY"`), which is never echoed. cfssl prints it whole.
///
/// ```
/// use cfssl_core::signer::load::shown_name;
/// assert_eq!(shown_name("ca-key.pem"), "ca-key.pem");
/// assert_eq!(shown_name("-----BEGIN EC PRIVATE KEY-----…"), "[PEM data given as a file name, not shown]");
/// ```
pub fn shown_name(name: &str) -> Cow<'_, str> {
    if name.contains("-----BEGIN") || name.contains("PRIVATE KEY") {
        Cow::Borrowed("[PEM data given as a file name, not shown]")
    } else {
        Cow::Borrowed(name)
    }
}

/// cfssl's local signer from `-ca` and `-ca-key` under `policy` (cfssl's
/// default policy, [`Config::cfssl_default`], when `None`).
///
/// `read` returns an input's bytes, or the error text to report (Go's
/// `open NAME: …` wording in the CLI). The key's bytes are wiped once parsed.
/// Logs what cfssl logs: the policy validation (twice: once by the universal
/// signer, once by the local one), `Loading CA: …`, `Loading CA key: …`,
/// and `Malformed private key …` before a key error.
///
/// The key is not checked against the certificate here: cfssl checks it when
/// signing (code 1000); see [`LocalSigner::key_matches`].
///
/// # Errors
/// 2000 `Unknown private key error` when either name is empty; the reader's
/// text (no code) when the certificate cannot be read, code 1001 with that
/// text when the key cannot be; 1002/1003 for the certificate and
/// 2002/2003/2100 for the key as [`Certificate::from_pem`] and
/// [`PrivateKey::from_pem`] report them.
pub fn local_signer(
    ca: &str,
    ca_key: &str,
    policy: Option<Config>,
    read: &mut dyn FnMut(&str) -> std::result::Result<Vec<u8>, String>,
    log: &mut dyn Log,
) -> Result<LocalSigner> {
    let policy = policy.unwrap_or_default();
    policy.log_validation(log);
    if ca.is_empty() || ca_key.is_empty() {
        return Err(Error::coded(
            Code::PrivateKeyUnknown,
            "Unknown private key error",
        ));
    }
    log.log(Level::Debug, &format!("Loading CA: {}", shown_name(ca)));
    let ca_pem = read(ca).map_err(Error::Invalid)?;
    log.log(
        Level::Debug,
        &format!("Loading CA key: {}", shown_name(ca_key)),
    );
    let key_pem =
        Zeroizing::new(read(ca_key).map_err(|m| Error::coded(Code::CertificateReadFailed, m))?);
    let cert = Certificate::from_pem(&ca_pem)?;
    let key = PrivateKey::from_pem(&key_pem).inspect_err(|e| {
        log.log(
            Level::Debug,
            &format!("Malformed private key {}", e.go_text()),
        );
    })?;
    policy.log_validation(log);
    Ok(LocalSigner::new(cert, key, policy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{Level, Log};

    #[derive(Default)]
    struct Lines(Vec<String>);

    impl Log for Lines {
        fn log(&mut self, level: Level, message: &str) {
            self.0.push(format!("{level:?} {message}"));
        }
    }

    #[test]
    fn order_of_checks_and_lines() {
        let mut lines = Lines::default();
        let mut reads = Vec::new();
        let mut read = |name: &str| {
            reads.push(name.to_string());
            match name {
                "ca.pem" => Ok(b"not pem".to_vec()),
                _ => Err(format!("open {name}: no such file or directory")),
            }
        };
        let err = local_signer("ca.pem", "k.pem", None, &mut read, &mut lines).unwrap_err();
        assert_eq!(err.code(), Some(Code::CertificateReadFailed));
        assert_eq!(err.message(), "open k.pem: no such file or directory");
        assert_eq!(reads, ["ca.pem", "k.pem"]);
        assert!(lines.0.iter().any(|l| l == "Debug Loading CA: ca.pem"));
        assert!(lines.0.iter().any(|l| l == "Debug Loading CA key: k.pem"));

        let mut read = |_: &str| Err::<Vec<u8>, _>("open x: permission denied".to_string());
        let err = local_signer("x", "y", None, &mut read, &mut Lines::default()).unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (None, "open x: permission denied")
        );

        let mut read = |_: &str| Ok(b"not pem".to_vec());
        let err = local_signer("x", "y", None, &mut read, &mut Lines::default()).unwrap_err();
        assert_eq!(err.code(), Some(Code::CertificateDecodeFailed));
    }
}
