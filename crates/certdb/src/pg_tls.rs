//! TLS to PostgreSQL with lib/pq's rules, the driver cfssl uses, so that a
//! cfssl db-config connects here as it does there.
//!
//! lib/pq reads `sslmode` from the data source (or `PGSSLMODE`), and
//! `require` is its default: TLS whose certificate is not checked, unless
//! an `sslrootcert` file is given, which makes it `verify-ca`. `verify-ca`
//! checks the chain against `sslrootcert` (the system's trust store when
//! there is none), `verify-full` the chain and the host name; `sslcert` and
//! `sslkey` present a client certificate; `disable` connects in clear text.
//! rust-postgres knows none of `verify-*`, `sslrootcert`, `sslcert` or
//! `sslkey`: they are taken out of the data source here and turned into a
//! rustls client configuration (through `tokio-postgres-rustls`, the rustls
//! connector for rust-postgres), and rust-postgres is told `require`.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// What a data source asks for, with lib/pq's TLS keys taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// The data source for rust-postgres, `sslmode` set to `disable` or
    /// `require`.
    pub(crate) data_source: String,
    /// lib/pq's mode: `disable`, `require`, `verify-ca` or `verify-full`.
    pub(crate) mode: String,
    pub(crate) root_cert: Option<String>,
    pub(crate) client_cert: Option<String>,
    pub(crate) client_key: Option<String>,
}

const TLS_KEYS: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// Splits lib/pq's TLS keys out of a `postgres://` URL or `key=value`
/// data source; `env_mode` is `PGSSLMODE`.
///
/// # Errors
/// lib/pq's error for an `sslmode` it does not know.
pub(crate) fn parse(data_source: &str, env_mode: Option<String>) -> Result<Parsed, String> {
    let url = data_source.contains("://");
    let (base, pairs): (String, Vec<(String, String)>) = if url {
        match data_source.split_once('?') {
            Some((base, query)) => (
                base.to_string(),
                query
                    .split('&')
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| match kv.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (kv.to_string(), String::new()),
                    })
                    .collect(),
            ),
            None => (data_source.to_string(), Vec::new()),
        }
    } else {
        (
            String::new(),
            data_source
                .split_whitespace()
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.trim_matches('\'').to_string()),
                    None => (kv.to_string(), String::new()),
                })
                .collect(),
        )
    };
    let get = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let mode = get("sslmode")
        .or(env_mode.filter(|m| !m.is_empty()))
        .unwrap_or_else(|| "require".into());
    if !matches!(
        mode.as_str(),
        "disable" | "require" | "verify-ca" | "verify-full"
    ) {
        return Err(format!(
            "pq: unsupported sslmode {mode:?}; only \"require\" (default), \"verify-full\", \"verify-ca\", and \"disable\" supported"
        ));
    }
    let pg_mode = if mode == "disable" {
        "disable"
    } else {
        "require"
    };
    let mut kept: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| !TLS_KEYS.contains(&k.as_str()))
        .map(|(k, v)| {
            if url {
                format!("{k}={v}")
            } else {
                format!("{k}='{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        })
        .collect();
    kept.push(format!("sslmode={pg_mode}"));
    let data_source = if url {
        format!("{base}?{}", kept.join("&"))
    } else {
        kept.join(" ")
    };
    Ok(Parsed {
        data_source,
        mode,
        root_cert: get("sslrootcert"),
        client_cert: get("sslcert"),
        client_key: get("sslkey"),
    })
}

/// The rustls client configuration for a parsed data source that wants
/// TLS.
///
/// # Errors
/// A text naming the file that could not be read or used.
pub(crate) fn client_config(p: &Parsed) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    // lib/pq: `require` with an sslrootcert file that exists is verify-ca.
    let root_file = p
        .root_cert
        .as_ref()
        .filter(|f| p.mode != "require" || std::path::Path::new(f).exists());
    let verifier: Arc<dyn ServerCertVerifier> = if p.mode == "require" && root_file.is_none() {
        Arc::new(Unchecked(provider.clone()))
    } else {
        let mut roots = RootCertStore::empty();
        match root_file {
            Some(file) => {
                let certs = CertificateDer::pem_file_iter(file)
                    .map_err(|e| format!("could not read sslrootcert {file}: {e}"))?;
                for c in certs {
                    let c = c.map_err(|e| format!("could not read sslrootcert {file}: {e}"))?;
                    roots
                        .add(c)
                        .map_err(|e| format!("sslrootcert {file}: {e}"))?;
                }
            }
            None => {
                for c in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(c);
                }
            }
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| format!("sslrootcert: {e}"))?;
        if p.mode == "verify-full" {
            webpki
        } else {
            Arc::new(ChainOnly(webpki))
        }
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match (&p.client_cert, &p.client_key) {
        (Some(cert), Some(key)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
                .map_err(|e| format!("could not read sslcert {cert}: {e}"))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("could not read sslcert {cert}: {e}"))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("could not read sslkey {key}: {e}"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("sslcert/sslkey: {e}"))
        }
        (None, None) => Ok(builder.with_no_client_auth()),
        _ => Err("sslcert and sslkey go together: give both or neither".into()),
    }
}

/// lib/pq's `require` without a root certificate: the connection is
/// encrypted but whoever answers is not checked (Go's
/// `InsecureSkipVerify`). Handshake signatures are still checked, so the
/// peer holds the key of the certificate it shows.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// lib/pq's `verify-ca`: the chain is checked, the host name is not.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use super::*;

    #[test]
    fn lib_pq_keys_are_taken_out() {
        let p = parse(
            "postgres://u:p@db:5432/certs?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5",
            None,
        )
        .unwrap();
        assert_eq!(p.mode, "verify-full");
        assert_eq!(p.root_cert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(
            p.data_source,
            "postgres://u:p@db:5432/certs?connect_timeout=5&sslmode=require"
        );
        let p = parse("postgres://u@db/certs", None).unwrap();
        assert_eq!(
            (p.mode.as_str(), p.data_source.as_str()),
            ("require", "postgres://u@db/certs?sslmode=require")
        );
        let p = parse("postgres://u@db/certs", Some("disable".into())).unwrap();
        assert_eq!(p.data_source, "postgres://u@db/certs?sslmode=disable");
        let p = parse(
            "host=db user=u sslmode=verify-ca sslcert=c.pem sslkey='k.pem'",
            None,
        )
        .unwrap();
        assert_eq!(p.mode, "verify-ca");
        assert_eq!(
            (p.client_cert.as_deref(), p.client_key.as_deref()),
            (Some("c.pem"), Some("k.pem"))
        );
        assert_eq!(p.data_source, "host='db' user='u' sslmode=require");
        let e = parse("postgres://u@db/certs?sslmode=prefer", None).unwrap_err();
        assert!(e.starts_with("pq: unsupported sslmode \"prefer\""), "{e}");
    }

    #[test]
    fn files_that_cannot_be_used_are_named() {
        let p = parse(
            "postgres://u@db/c?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
            None,
        )
        .unwrap();
        let e = client_config(&p).unwrap_err();
        assert!(e.contains("sslrootcert /nonexistent/ca.pem"), "{e}");
        // lib/pq: `require` with a root file that is not there stays unchecked.
        let p = parse("postgres://u@db/c?sslrootcert=/nonexistent/ca.pem", None).unwrap();
        assert!(client_config(&p).is_ok());
        let p = parse("postgres://u@db/c?sslcert=c.pem", None).unwrap();
        assert!(client_config(&p).unwrap_err().contains("go together"));
    }
}
