//! One root of a roots file: its key, certificate, signing policy, auth
//! keys, networks and certificate database, loaded as cfssl 1.6.5's
//! `multiroot/config.LoadRoot` loads them, with the same messages.

use std::path::Path;
use std::sync::Arc;

use cfssl_core::auth::{KeySource, Providers};
use cfssl_core::cert::Certificate;
use cfssl_core::config::Config;
use cfssl_core::key::PrivateKey;
use cfssl_core::log::SharedLog;
use cfssl_core::signer::{LocalSigner, Signer};

use super::nets::{InvalidCidr, NetAcl};

/// A loaded root: what multirootca signs with for one label.
pub struct Root {
    /// The section's name, the `label` requests choose it by.
    pub label: String,
    /// The signer (recording into the root's database when it has one).
    pub signer: Arc<dyn Signer>,
    /// The `auth_key` and `prev_auth_key` providers of its profiles.
    pub auth: Providers,
    /// The networks allowed to use it, when `nets` is given.
    pub nets: Option<NetAcl>,
}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Root")
            .field("label", &self.label)
            .field("nets", &self.nets)
            .finish_non_exhaustive()
    }
}

/// Why a root could not be loaded. The texts are cfssl's where cfssl has
/// one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RootError {
    /// No `private` key.
    MissingPrivateKey,
    /// No `certificate` key.
    MissingCertificatePath,
    /// No `config` key.
    MissingConfigPath,
    /// `private` is not a `file://` URL.
    UnsupportedScheme,
    /// `private` is a `rofile://` URL (a Red October encrypted key).
    RedOctober,
    /// A file could not be read (Go's `open NAME: REASON`).
    Read(String),
    /// The key, certificate, config or database could not be used; the text
    /// is cfssl's (its own errors as `{"code":…,"message":…}`).
    Invalid(String),
    /// A `nets` entry is not a CIDR.
    Nets(InvalidCidr),
    /// The private key is not the certificate's.
    KeyMismatch,
}

impl std::fmt::Display for RootError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingPrivateKey => f.write_str("config: root is missing private key spec"),
            Self::MissingCertificatePath => {
                f.write_str("config: root is missing certificate path")
            }
            Self::MissingConfigPath => {
                f.write_str("config: root is missing configuration file path")
            }
            Self::UnsupportedScheme => f.write_str("config: unsupported private key scheme"),
            Self::RedOctober => f.write_str(
                "Red October keys are not supported (rofile://): decrypt the key and name it with file://",
            ),
            Self::Read(m) | Self::Invalid(m) => f.write_str(m),
            Self::Nets(e) => e.fmt(f),
            Self::KeyMismatch => f.write_str(
                "the private key is not the key of the certificate (their public keys differ)",
            ),
        }
    }
}

impl std::error::Error for RootError {}

/// A root that failed, and which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The section's label.
    pub label: String,
    /// What was wrong.
    pub error: RootError,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "root {}: {}", self.label, self.error)
    }
}

impl std::error::Error for LoadError {}

/// Go's `os.ReadFile` error text: `open NAME: no such file or directory`.
pub(crate) fn go_read_error(path: &str, e: &std::io::Error) -> String {
    let text = e.to_string();
    let reason = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = reason.chars();
    let reason = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    if e.raw_os_error() == Some(21) {
        // EISDIR comes from the read, not the open.
        return format!("read {path}: {reason}");
    }
    format!("open {path}: {reason}")
}

fn read(path: &str) -> Result<Vec<u8>, RootError> {
    std::fs::read(path).map_err(|e| RootError::Read(go_read_error(path, &e)))
}

/// The file a `private` spec names: `file://` URLs join host and path, so
/// `file://dir/key.pem` is the relative `dir/key.pem` and
/// `file:///etc/key.pem` the absolute one.
fn key_path(spec: &str) -> Result<String, RootError> {
    let scheme_end = spec.find(':');
    let scheme = scheme_end
        .map(|i| &spec[..i])
        .filter(|s| {
            s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
        .map(str::to_ascii_lowercase);
    let rest = scheme_end.map_or("", |i| &spec[i + 1..]);
    match scheme.as_deref() {
        Some("file") => {}
        Some("rofile") => return Err(RootError::RedOctober),
        _ => return Err(RootError::UnsupportedScheme),
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let joined = match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            let (host, path) = authority_and_path
                .find('/')
                .map_or((authority_and_path, ""), |i| authority_and_path.split_at(i));
            if host.is_empty() {
                path.to_string()
            } else if path.is_empty() {
                host.to_string()
            } else {
                format!("{host}{path}")
            }
        }
        None => rest.to_string(),
    };
    Ok(percent_decode(&joined))
}

/// `%XX` escapes of a URL path (Go's `url.Parse` unescapes the path).
fn percent_decode(s: &str) -> String {
    crate::ocsp::percent_decode(s, b'+')
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| s.to_string())
}

/// The key in a file: PEM, else DER (PKCS#8, PKCS#1 or SEC1), as cfssl
/// tries them.
fn parse_key(bytes: &[u8]) -> Result<PrivateKey, RootError> {
    PrivateKey::from_pem(bytes)
        .or_else(|_| PrivateKey::from_der(bytes))
        .map_err(|e| RootError::Invalid(e.go_text()))
}

impl Root {
    /// Loads the root `label` from its section's keys. Relative paths are
    /// taken from the working directory, as cfssl takes them. `log` is where
    /// the signer (and the database) log.
    ///
    /// # Errors
    /// [`LoadError`] naming the root and what was wrong, in cfssl's order:
    /// the three required keys, the key, the certificate, the config, the
    /// nets, the database; then (not in cfssl) a key that is not the
    /// certificate's.
    pub fn load(
        label: &str,
        keys: &[(String, String)],
        log: &Arc<dyn SharedLog>,
    ) -> Result<Self, LoadError> {
        Self::load_inner(label, keys, log).map_err(|error| LoadError {
            label: label.to_string(),
            error,
        })
    }

    fn load_inner(
        label: &str,
        keys: &[(String, String)],
        log: &Arc<dyn SharedLog>,
    ) -> Result<Self, RootError> {
        let get = |k: &str| {
            keys.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let spec = get("private").ok_or(RootError::MissingPrivateKey)?;
        let cert_path = get("certificate").ok_or(RootError::MissingCertificatePath)?;
        let config_path = get("config").ok_or(RootError::MissingConfigPath)?;
        let key_file = key_path(spec)?;
        let key = parse_key(&cfssl_core::key::Zeroizing::new(read(&key_file)?))?;
        let certificate = Certificate::from_pem(&read(cert_path)?)
            .map_err(|e| RootError::Invalid(e.go_text()))?;
        let config_bytes = std::fs::read(config_path).map_err(|_| {
            RootError::Invalid(cfssl_core::wire::error_json(
                5200,
                "could not read configuration file",
            ))
        })?;
        let config =
            Config::from_json(&config_bytes).map_err(|e| RootError::Invalid(e.go_text()))?;
        let auth = Providers::from_config(&config, |src| match src {
            KeySource::Env(name) => Ok(std::env::var(name).unwrap_or_default()),
            KeySource::File(path) => std::fs::read(Path::new(path))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| go_read_error(path, &e)),
        })
        .map_err(|e| RootError::Invalid(e.go_text()))?;
        let nets = match get("nets").filter(|n| !n.is_empty()) {
            Some(n) => Some(NetAcl::parse(n).map_err(RootError::Nets)?),
            None => None,
        };
        let db = match get("dbconfig").filter(|d| !d.is_empty()) {
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|_| {
                    RootError::Invalid(cfssl_core::wire::error_json(
                        5200,
                        "could not read configuration file",
                    ))
                })?;
                let cfg = cfssl_certdb::DbConfig::from_json(&bytes)
                    .map_err(|e| RootError::Invalid(e.go_text()))?;
                let db: Arc<dyn cfssl_certdb::Accessor> =
                    cfssl_certdb::open(&cfg, &mut cfssl_core::log::Shared(log.as_ref()))
                        .map_err(|e| RootError::Invalid(e.go_text()))?
                        .into();
                Some(db)
            }
            None => None,
        };
        if key.public_key_der() != certificate.public_key_der() {
            return Err(RootError::KeyMismatch);
        }
        let local: Arc<dyn Signer> =
            Arc::new(LocalSigner::new(certificate, key, config).with_log(log.clone()));
        let signer: Arc<dyn Signer> = match db {
            Some(db) => Arc::new(cfssl_certdb::RecordingSigner::new(local, db)),
            None => local,
        };
        Ok(Self {
            label: label.to_string(),
            signer,
            auth,
            nets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_specs_as_cfssl_reads_them() {
        assert_eq!(key_path("file://ca-key.pem").unwrap(), "ca-key.pem");
        assert_eq!(
            key_path("file://keys/ca-key.pem").unwrap(),
            "keys/ca-key.pem"
        );
        assert_eq!(
            key_path("file:///etc/ca-key.pem").unwrap(),
            "/etc/ca-key.pem"
        );
        assert_eq!(key_path("FILE://a%20b.pem").unwrap(), "a b.pem");
        assert_eq!(key_path("file:rel.pem").unwrap(), "rel.pem");
        assert_eq!(key_path("rofile://k.enc"), Err(RootError::RedOctober));
        for bad in ["ca-key.pem", "https://x/k", "", "1file://k", "/abs/k.pem"] {
            assert_eq!(key_path(bad), Err(RootError::UnsupportedScheme), "{bad:?}");
        }
    }

    #[test]
    fn read_errors_in_go_words() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(
            go_read_error("nope.pem", &e),
            "open nope.pem: no such file or directory"
        );
        let e = std::io::Error::from_raw_os_error(13);
        assert_eq!(go_read_error("k", &e), "open k: permission denied");
    }
}
