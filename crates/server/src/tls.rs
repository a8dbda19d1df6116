//! TLS and mutual TLS for the server, on rustls with AWS-LC.
//!
//! cfssl serves TLS with Go's `crypto/tls`: `-min-tls-version` accepts only
//! `1.1` and `1.2` and takes any other value as TLS 1.0. rustls speaks TLS
//! 1.2 and 1.3 only, so `1.0`, `1.1` and `1.2` all mean "1.2 and up" here,
//! `1.3` means TLS 1.3 only, and any other value is refused at start-up
//! (docs/compat.md).

use std::sync::Arc;

use regex::Regex;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

/// The lowest TLS version offered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MinTlsVersion {
    /// TLS 1.2 and 1.3 (the default, and what `1.0`, `1.1` and `1.2` give).
    #[default]
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

impl MinTlsVersion {
    /// Reads `-min-tls-version`.
    ///
    /// # Errors
    /// A message naming the value when it is none of `""`, `1.0`, `1.1`,
    /// `1.2`, `1.3`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "" | "1.0" | "1.1" | "1.2" => Ok(Self::Tls12),
            "1.3" => Ok(Self::Tls13),
            other => Err(format!(
                "unknown -min-tls-version {other:?}: use 1.2 or 1.3 (TLS 1.0 and 1.1 are not offered)"
            )),
        }
    }
}

/// The server's TLS set-up.
#[derive(Clone)]
#[non_exhaustive]
pub struct TlsOptions {
    /// `-tls-cert`: the server certificate chain, PEM.
    pub cert_pem: Vec<u8>,
    /// `-tls-key`: its key, PEM (PKCS#1, SEC1 or PKCS#8).
    pub key_pem: Vec<u8>,
    /// `-mutual-tls-ca`: require client certificates chaining to these roots.
    pub client_ca_pem: Option<Vec<u8>>,
    /// `-mutual-tls-cn`: the client certificate's CN must match.
    pub client_cn: Option<Regex>,
    /// `-min-tls-version`.
    pub min_version: MinTlsVersion,
}

impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("mutual", &self.client_ca_pem.is_some())
            .field("client_cn", &self.client_cn.as_ref().map(Regex::as_str))
            .field("min_version", &self.min_version)
            .finish_non_exhaustive()
    }
}

impl TlsOptions {
    /// TLS with this certificate chain and key.
    pub fn new(cert_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        Self {
            cert_pem,
            key_pem,
            client_ca_pem: None,
            client_cn: None,
            min_version: MinTlsVersion::default(),
        }
    }

    /// The rustls configuration (HTTP/2 and HTTP/1.1 by ALPN, as Go).
    ///
    /// # Errors
    /// A message naming what could not be read.
    pub(crate) fn server_config(&self) -> Result<rustls::ServerConfig, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&self.cert_pem)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("failed to read the TLS certificate: {e}"))?;
        if certs.is_empty() {
            return Err("failed to read the TLS certificate: no certificate found".into());
        }
        let key = PrivateKeyDer::from_pem_slice(&self.key_pem)
            .map_err(|e| format!("failed to read the TLS key: {e}"))?;
        let versions: &[&rustls::SupportedProtocolVersion] = match self.min_version {
            MinTlsVersion::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
            MinTlsVersion::Tls13 => &[&rustls::version::TLS13],
        };
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| format!("TLS set-up failed: {e}"))?;
        let builder = match &self.client_ca_pem {
            None => builder.with_no_client_auth(),
            Some(pem) => {
                let mut roots = rustls::RootCertStore::empty();
                for c in CertificateDer::pem_slice_iter(pem) {
                    let c = c.map_err(|e| format!("failed to load mutual TLS CA file: {e}"))?;
                    roots
                        .add(c)
                        .map_err(|e| format!("failed to load mutual TLS CA file: {e}"))?;
                }
                if roots.is_empty() {
                    return Err("failed to load mutual TLS CA file: no certificate found".into());
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .map_err(|e| format!("failed to load mutual TLS CA file: {e}"))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut cfg = builder
            .with_single_cert(certs, key)
            .map_err(|e| format!("the TLS certificate and key do not go together: {e}"))?;
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(cfg)
    }
}

/// The CN of a client's certificate ("" when it has none or cannot be read).
pub(crate) fn peer_common_name(der: &[u8]) -> String {
    cfssl_core::cert::Certificate::from_der(der)
        .map(|c| c.subject().common_name)
        .unwrap_or_default()
}
