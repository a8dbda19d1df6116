//! cfssl's signing configuration (`config.Config`): profiles, usages, auth
//! keys and remotes, loaded and checked as cfssl's `config.LoadConfig`.
//!
//! ```
//! use cfssl_core::config::Config;
//! let cfg = Config::from_json(br#"{"signing":{"default":{"expiry":"8760h"},
//!   "profiles":{"www":{"usages":["signing","server auth"],"expiry":"2160h"}}}}"#).unwrap();
//! let www = cfg.profile("www");
//! assert_eq!(www.expiry, 2160 * 3600 * 1_000_000_000);
//! // an unknown profile falls back to the default, as in cfssl
//! assert_eq!(cfg.profile("nope").expiry, 8760 * 3600 * 1_000_000_000);
//! ```

use chrono::{DateTime, Utc};

use crate::error::{Code, Error, Result};
use crate::ext::PolicyQualifier;
use crate::go::duration::{self, Nanos};
use crate::go::json::{self as gojson, Decoder, Value};
use crate::log::{Level, Log};

/// Key usage bits (Go's `x509.KeyUsage`).
pub mod ku {
    /// digitalSignature
    pub const DIGITAL_SIGNATURE: u16 = 1;
    /// contentCommitment (nonRepudiation)
    pub const CONTENT_COMMITMENT: u16 = 1 << 1;
    /// keyEncipherment
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    /// dataEncipherment
    pub const DATA_ENCIPHERMENT: u16 = 1 << 3;
    /// keyAgreement
    pub const KEY_AGREEMENT: u16 = 1 << 4;
    /// keyCertSign
    pub const CERT_SIGN: u16 = 1 << 5;
    /// cRLSign
    pub const CRL_SIGN: u16 = 1 << 6;
    /// encipherOnly
    pub const ENCIPHER_ONLY: u16 = 1 << 7;
    /// decipherOnly
    pub const DECIPHER_ONLY: u16 = 1 << 8;
}

/// What a usage name maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A key usage bit.
    Key(u16),
    /// An extended key usage OID.
    Extended(&'static str),
}

/// Maps a cfssl usage name (exact, case-sensitive) to what it means
/// (table in cfssl's `config.KeyUsage` / `ExtKeyUsage`, in cfssl's order).
pub fn usage(name: &str) -> Option<Usage> {
    Some(match name {
        "signing" | "digital signature" => Usage::Key(ku::DIGITAL_SIGNATURE),
        "content commitment" => Usage::Key(ku::CONTENT_COMMITMENT),
        "key encipherment" => Usage::Key(ku::KEY_ENCIPHERMENT),
        "key agreement" => Usage::Key(ku::KEY_AGREEMENT),
        "data encipherment" => Usage::Key(ku::DATA_ENCIPHERMENT),
        "cert sign" => Usage::Key(ku::CERT_SIGN),
        "crl sign" => Usage::Key(ku::CRL_SIGN),
        "encipher only" => Usage::Key(ku::ENCIPHER_ONLY),
        "decipher only" => Usage::Key(ku::DECIPHER_ONLY),
        "any" => Usage::Extended("2.5.29.37.0"),
        "server auth" => Usage::Extended("1.3.6.1.5.5.7.3.1"),
        "client auth" => Usage::Extended("1.3.6.1.5.5.7.3.2"),
        "code signing" => Usage::Extended("1.3.6.1.5.5.7.3.3"),
        "email protection" | "s/mime" => Usage::Extended("1.3.6.1.5.5.7.3.4"),
        "ipsec end system" => Usage::Extended("1.3.6.1.5.5.7.3.5"),
        "ipsec tunnel" => Usage::Extended("1.3.6.1.5.5.7.3.6"),
        "ipsec user" => Usage::Extended("1.3.6.1.5.5.7.3.7"),
        "timestamping" => Usage::Extended("1.3.6.1.5.5.7.3.8"),
        "ocsp signing" => Usage::Extended("1.3.6.1.5.5.7.3.9"),
        "microsoft sgc" => Usage::Extended("1.3.6.1.4.1.311.10.3.3"),
        "netscape sgc" => Usage::Extended("2.16.840.1.113730.4.1"),
        _ => return None,
    })
}

/// `ca_constraint` of a profile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaConstraint {
    /// `is_ca`.
    pub is_ca: bool,
    /// `max_path_len`.
    pub max_path_len: i64,
    /// `max_path_len_zero`.
    pub max_path_len_zero: bool,
}

/// One certificate policy of a profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificatePolicy {
    /// Policy OID arcs.
    pub id: Vec<u64>,
    /// Qualifiers, in order.
    pub qualifiers: Vec<PolicyQualifier>,
}

/// `CSRWhitelist` of a profile: which CSR fields are copied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // mirrors cfssl's struct
#[non_exhaustive]
pub struct CsrWhitelist {
    /// Subject.
    pub subject: bool,
    /// PublicKeyAlgorithm.
    pub public_key_algorithm: bool,
    /// PublicKey.
    pub public_key: bool,
    /// SignatureAlgorithm.
    pub signature_algorithm: bool,
    /// DNSNames.
    pub dns_names: bool,
    /// IPAddresses.
    pub ip_addresses: bool,
    /// EmailAddresses.
    pub email_addresses: bool,
    /// URIs.
    pub uris: bool,
}

/// A signing profile with every duration and usage parsed.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
#[allow(clippy::struct_excessive_bools)] // mirrors cfssl's struct
pub struct Profile {
    /// Usage names as written (unknown ones kept, ignored when signing).
    pub usages: Vec<String>,
    /// `issuer_urls`.
    pub issuer_urls: Vec<String>,
    /// `ocsp_url`.
    pub ocsp_url: String,
    /// `crl_url`.
    pub crl_url: String,
    /// `ca_constraint`.
    pub ca_constraint: CaConstraint,
    /// `ocsp_no_check`.
    pub ocsp_no_check: bool,
    /// `expiry`, nanoseconds.
    pub expiry: Nanos,
    /// `backdate`, nanoseconds (0 = cfssl's default of 5 minutes).
    pub backdate: Nanos,
    /// `not_before`.
    pub not_before: Option<DateTime<Utc>>,
    /// `not_after`.
    pub not_after: Option<DateTime<Utc>>,
    /// `name_whitelist`, compiled.
    pub name_whitelist: Option<regex::Regex>,
    /// `policies`.
    pub policies: Vec<CertificatePolicy>,
    /// `copy_extensions`.
    pub copy_extensions: bool,
    /// `allowed_extensions` (dotted OIDs).
    pub allowed_extensions: Vec<String>,
    /// `CSRWhitelist`.
    pub csr_whitelist: Option<CsrWhitelist>,
    /// `ClientProvidesSerialNumbers`.
    pub client_provides_serial_numbers: bool,
    /// `auth_key`.
    pub auth_key: String,
    /// `remote`.
    pub remote: String,
    /// `lint_error_level`, as written.
    pub lint_error_level: String,
    expiry_string: String,
    backdate_string: String,
    name_whitelist_string: String,
    auth_remote: (String, String),
    prev_auth_key: String,
    /// The address this profile signs at (cfssl's `RemoteServer`): the
    /// `remotes` entry its `remote` or `auth_remote` names, or what
    /// [`Config::override_remotes`] put there; "" for a local profile.
    remote_server: String,
}

impl Profile {
    /// The built-in default profile cfssl uses when the config has none:
    /// `signing, key encipherment, server auth, client auth`, 8760h.
    pub fn cfssl_default() -> Self {
        Self {
            usages: ["signing", "key encipherment", "server auth", "client auth"]
                .map(String::from)
                .to_vec(),
            expiry: 8760 * 3_600_000_000_000,
            expiry_string: "8760h".into(),
            ..Self::default()
        }
    }

    /// The profile `cfssl selfsign` signs with when no `-config` is given:
    /// [`Profile::cfssl_default`] with an expiry of 2190h (three months).
    ///
    /// ```
    /// let p = cfssl_core::config::Profile::selfsign_default();
    /// assert_eq!(p.expiry, 2190 * 3_600_000_000_000);
    /// ```
    pub fn selfsign_default() -> Self {
        Self {
            expiry: 2190 * 3_600_000_000_000,
            expiry_string: "2190h".into(),
            ..Self::cfssl_default()
        }
    }

    /// The key usage bits and the EKU OIDs (in order, duplicates kept) of
    /// the profile's usages; unknown names are skipped.
    pub fn usage_bits(&self) -> (u16, Vec<&'static str>) {
        let mut bits = 0;
        let mut eku = Vec::new();
        for u in &self.usages {
            match usage(u) {
                Some(Usage::Key(b)) => bits |= b,
                Some(Usage::Extended(o)) => eku.push(o),
                None => {}
            }
        }
        (bits, eku)
    }

    /// `prev_auth_key`: a second accepted key, for rotation.
    pub fn prev_auth_key(&self) -> &str {
        &self.prev_auth_key
    }

    /// `auth_remote`: the `remotes` name and the `auth_keys` name ("" when
    /// absent).
    pub fn auth_remote(&self) -> (&str, &str) {
        (&self.auth_remote.0, &self.auth_remote.1)
    }

    /// The address this profile signs at (cfssl's `RemoteServer`): a
    /// `remotes` value, possibly a comma-separated failover group; "" when
    /// the profile signs locally.
    pub fn remote_server(&self) -> &str {
        &self.remote_server
    }

    /// Whether requests for this profile go to a remote signer.
    pub fn signs_remotely(&self) -> bool {
        !self.remote_server.is_empty()
    }

    /// `expiry` as written in the config (`info` prints it).
    pub fn expiry_string(&self) -> &str {
        &self.expiry_string
    }

    /// The DEBUG lines of cfssl's `SigningProfile.populate`.
    fn log_populate(&self, log: &mut dyn Log) {
        let mut d = |m: &str| log.log(Level::Debug, m);
        if !self.remote.is_empty() {
            d("match remote in profile to remotes section");
        } else if !self.auth_remote.0.is_empty() {
            d("match auth remote in profile to remotes section");
        } else {
            d("parse expiry in profile");
            d("expiry is valid");
        }
        if !self.auth_key.is_empty() {
            d("match auth key in profile to auth_keys section");
        }
        if !self.prev_auth_key.is_empty() {
            d("match previous auth key in profile to auth_keys section");
        }
        if !self.auth_remote.1.is_empty() {
            d("match auth remote key in profile to auth_keys section");
        }
        if !self.name_whitelist_string.is_empty() {
            d("compiling whitelist regular expression");
        }
    }

    /// The DEBUG lines of cfssl's `SigningProfile.validProfile` for a
    /// profile that loaded (so is valid).
    fn log_valid(&self, log: &mut dyn Log) {
        let kind = if !self.remote.is_empty() {
            "validate remote profile"
        } else if !self.auth_remote.0.is_empty() {
            "validate auth remote profile"
        } else {
            "validate local profile"
        };
        log.log(Level::Debug, kind);
        log.log(Level::Debug, "profile is valid");
    }

    /// cfssl's `hasLocalConfig`: settings only a local signer uses.
    fn has_local_config(&self) -> bool {
        !self.usages.is_empty()
            || !self.issuer_urls.is_empty()
            || !self.ocsp_url.is_empty()
            || !self.expiry_string.is_empty()
            || !self.backdate_string.is_empty()
            || self.ca_constraint.is_ca
            || self.not_before.is_some()
            || self.not_after.is_some()
            || !self.name_whitelist_string.is_empty()
    }

    fn is_remote(&self) -> bool {
        !self.remote.is_empty() || !self.auth_remote.0.is_empty()
    }

    /// cfssl's `populate`: parse durations, check the rest.
    fn populate(&mut self, cfg: &Config) -> Result<()> {
        if !self.is_remote() {
            if self.expiry_string.is_empty() {
                return Err(Error::policy("empty expiry string"));
            }
            self.expiry =
                duration::parse(&self.expiry_string).map_err(|e| Error::policy(e.message()))?;
            if !self.backdate_string.is_empty() {
                self.backdate = duration::parse(&self.backdate_string)
                    .map_err(|e| Error::policy(e.message()))?;
            }
            if let (Some(nb), Some(na)) = (self.not_before, self.not_after)
                && na < nb
            {
                // cfssl panics here ("Wrap needs a supplied error"); we say why.
                let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                return Err(Error::policy(format!(
                    "not_after ({}) is before not_before ({})",
                    fmt(na),
                    fmt(nb)
                )));
            }
        } else {
            if !self.remote.is_empty() && !self.auth_remote.0.is_empty() {
                // cfssl logs "profile has both a remote and an auth remote
                // specified" and fails with its bare policy error.
                return Err(Error::coded(
                    Code::PolicyInvalidPolicy,
                    "Invalid or unknown policy",
                ));
            }
            let name = if self.remote.is_empty() {
                &self.auth_remote.0
            } else {
                &self.remote
            };
            match cfg.remotes.iter().find(|(k, _)| k == name) {
                Some((_, url)) if !url.is_empty() => self.remote_server = url.clone(),
                _ => return Err(Error::policy("failed to find remote in remotes section")),
            }
        }
        let keys = [
            (
                &self.auth_key,
                "failed to find auth_key in auth_keys section",
            ),
            (
                &self.prev_auth_key,
                "failed to find prev_auth_key in auth_keys section",
            ),
            (
                &self.auth_remote.1,
                "failed to find auth_remote's auth_key in auth_keys section",
            ),
        ];
        for (name, missing) in keys {
            if name.is_empty() {
                continue;
            }
            let Some((_, key)) = cfg.auth_keys.iter().find(|(k, _)| k == name) else {
                return Err(Error::policy(missing));
            };
            if key.kind != "standard" {
                return Err(Error::policy("unknown authentication type"));
            }
            // `env:NAME` and `file:PATH` are read when the key is used
            // (`auth::Providers::from_config`); a plain key must be hex.
            let deferred = key.key.starts_with("env:") || key.key.starts_with("file:");
            if !deferred
                && (key.key.len() % 2 != 0 || !key.key.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(Error::policy("failed to create new standard auth provider"));
            }
        }
        if !self.name_whitelist_string.is_empty() {
            self.name_whitelist = Some(
                regex::Regex::new(&self.name_whitelist_string)
                    .map_err(|_| Error::policy("failed to compile name whitelist section"))?,
            );
        }
        Ok(())
    }

    fn valid(&self, is_default: bool) -> bool {
        if self.auth_remote.0.is_empty() && !self.auth_remote.1.is_empty() {
            return false;
        }
        if self.is_remote() {
            return true;
        }
        if is_default {
            return self.expiry != 0;
        }
        !self.usages.is_empty() && self.usages.iter().any(|u| usage(u).is_some())
    }
}

/// An `auth_keys` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthKey {
    /// `type` (only `standard` is known).
    pub kind: String,
    /// `key`, hex.
    pub key: String,
}

/// A loaded signing configuration.
///
/// `Config::default()` is cfssl's policy when no `-config` is given (see
/// [`Config::cfssl_default`]):
///
/// ```
/// use cfssl_core::config::Config;
/// let c = Config::default();
/// assert!(c.profiles.is_empty());
/// assert_eq!(c.default.usages, ["signing", "key encipherment", "server auth", "client auth"]);
/// assert_eq!(c.default.expiry, 8760 * 3_600_000_000_000);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// `signing.default` (cfssl's built-in default when absent).
    pub default: Profile,
    /// `signing.profiles`, in document order.
    pub profiles: Vec<(String, Profile)>,
    /// `auth_keys`.
    pub auth_keys: Vec<(String, AuthKey)>,
    /// `remotes`.
    pub remotes: Vec<(String, String)>,
    /// Whether `signing.default` was given (cfssl logs when it was not).
    pub(crate) default_given: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self::cfssl_default()
    }
}

impl Config {
    /// cfssl's policy when no `-config` is given: no named profiles, and the
    /// default profile of [`Profile::cfssl_default`].
    pub fn cfssl_default() -> Self {
        Self {
            default: Profile::cfssl_default(),
            profiles: Vec::new(),
            auth_keys: Vec::new(),
            remotes: Vec::new(),
            default_given: false,
        }
    }

    /// A policy of one default profile and nothing else (what cfssl's
    /// `initca` and a profile-less signer build).
    pub fn with_default_profile(default: Profile) -> Self {
        Self {
            default,
            ..Self::cfssl_default()
        }
    }

    /// The profile of that name, or the default when there is none (cfssl
    /// falls back silently).
    pub fn profile(&self, name: &str) -> &Profile {
        self.profiles
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&self.default, |(_, p)| p)
    }

    /// Loads a configuration as cfssl's `config.LoadConfig`.
    ///
    /// # Errors
    /// cfssl's load errors: 5200 `failed to unmarshal configuration: …`,
    /// the plain `No "signing" field present`, 5200 `empty expiry string`,
    /// 5200 with Go's duration error, 5200 `invalid configuration`, …
    pub fn from_json(input: &[u8]) -> Result<Self> {
        let wrap = |e: Error| {
            Error::policy(format!(
                "failed to unmarshal configuration: {}",
                e.message()
            ))
        };
        let v = gojson::parse(input).map_err(wrap)?;
        let mut d = Decoder::new();
        let mut cfg = Self::default();
        let mut signing: Option<SigningSection> = None;
        if !matches!(v, Value::Object(_) | Value::Null) {
            d.top_level_error(&v, "config.Config");
        }
        d.object(
            &v,
            "Config",
            "config.Config",
            &["signing", "ocsp", "auth_keys", "remotes"],
            |d, f, v| match f {
                "signing" => {
                    if matches!(v, Value::Null) {
                        signing = None;
                        return;
                    }
                    let s = signing.get_or_insert_with(|| (None, Vec::new()));
                    d.object(
                        v,
                        "Signing",
                        "config.Signing",
                        &["profiles", "default"],
                        |d, f, v| {
                            if f == "default" {
                                if matches!(v, Value::Null) {
                                    s.0 = None;
                                } else {
                                    let mut p = s.0.take().unwrap_or_default();
                                    decode_profile(d, v, &mut p);
                                    s.0 = Some(p);
                                }
                            } else if let Value::Object(members) = v {
                                for (name, pv) in members {
                                    let mut p = Profile::default();
                                    decode_profile(d, pv, &mut p);
                                    if let Some(slot) = s.1.iter_mut().find(|(n, _)| n == name) {
                                        slot.1 = p;
                                    } else {
                                        s.1.push((name.clone(), p));
                                    }
                                }
                            } else if !matches!(v, Value::Null) {
                                d.wrong_type(v, "map[string]*config.SigningProfile");
                            }
                        },
                    );
                }
                "auth_keys" => match v {
                    Value::Object(members) => {
                        for (name, kv) in members {
                            let mut k = AuthKey::default();
                            d.object(
                                kv,
                                "AuthKey",
                                "config.AuthKey",
                                &["type", "key"],
                                |d, f, v| {
                                    if f == "type" {
                                        d.string(v, &mut k.kind);
                                    } else {
                                        d.string(v, &mut k.key);
                                    }
                                },
                            );
                            cfg.auth_keys.push((name.clone(), k));
                        }
                    }
                    Value::Null => {}
                    other => d.wrong_type(other, "map[string]config.AuthKey"),
                },
                "remotes" => d.string_map(v, &mut cfg.remotes),
                _ => {}
            },
        );
        d.finish(()).map_err(wrap)?;
        let Some((default, profiles)) = signing else {
            return Err(Error::Invalid("No \"signing\" field present".into()));
        };
        cfg.profiles = profiles;
        let has_default = default.is_some();
        match default {
            Some(mut p) => {
                p.populate(&cfg)?;
                cfg.default = p;
            }
            None => cfg.default = Profile::cfssl_default(),
        }
        let mut profiles = std::mem::take(&mut cfg.profiles);
        for (_, p) in &mut profiles {
            p.populate(&cfg)?;
        }
        cfg.profiles = profiles;
        cfg.default_given = has_default;
        if !cfg.default.valid(true) || !cfg.profiles.iter().all(|(_, p)| p.valid(false)) {
            return Err(Error::policy("invalid configuration"));
        }
        Ok(cfg)
    }

    /// Whether some profile signs remotely (`remote` or `auth_remote`):
    /// cfssl's `NeedsRemoteSigner`.
    pub fn needs_remote_signer(&self) -> bool {
        self.default.signs_remotely() || self.profiles.iter().any(|(_, p)| p.signs_remotely())
    }

    /// Whether some profile signs locally: cfssl's `NeedsLocalSigner`.
    pub fn needs_local_signer(&self) -> bool {
        !self.default.signs_remotely() || self.profiles.iter().any(|(_, p)| !p.signs_remotely())
    }

    /// Points every profile, the default included, at `remote` (cfssl's
    /// `OverrideRemotes`, what `-remote` does): requests for any profile are
    /// then signed there. A profile's `auth_remote` key still authenticates
    /// them. An empty `remote` changes nothing.
    pub fn override_remotes(&mut self, remote: &str) {
        if remote.is_empty() {
            return;
        }
        for p in std::iter::once(&mut self.default).chain(self.profiles.iter_mut().map(|(_, p)| p))
        {
            p.remote_server = remote.to_string();
        }
    }

    /// The DEBUG lines cfssl's `config.LoadConfig` writes while it loads
    /// this (successfully loaded) configuration, after `loading
    /// configuration file from …`: each profile's parsing, then
    /// [`Config::log_validation`], then `configuration ok`. Profiles come in
    /// document order (cfssl's order is Go's random map order).
    pub fn log_loading(&self, log: &mut dyn Log) {
        if self.default_given {
            self.default.log_populate(log);
        } else {
            log.log(Level::Debug, "no default given: using default config");
        }
        for (_, p) in &self.profiles {
            p.log_populate(log);
        }
        self.log_validation(log);
        log.log(Level::Debug, "configuration ok");
    }

    /// The lines of cfssl's `Signing.Valid` for this configuration (which
    /// cfssl runs again each time it builds a signer): DEBUG lines per
    /// profile, and a WARNING for a remote profile with local-only settings.
    pub fn log_validation(&self, log: &mut dyn Log) {
        log.log(Level::Debug, "validating configuration");
        self.default.log_valid(log);
        for (_, p) in &self.profiles {
            p.log_valid(log);
        }
        const SKIPPED: &str = "The configuration value by \"usages\", \"issuer_urls\", \"ocsp_url\", \"crl_url\", \"ca_constraint\", \"expiry\", \"backdate\", \"not_before\", \"not_after\", \"cert_store\" and \"ct_log_servers\" are skipped";
        if self.default.is_remote() && self.default.has_local_config() {
            log.log(
                Level::Warning,
                &format!("default profile points to a remote signer: {SKIPPED}"),
            );
        }
        for (name, p) in &self.profiles {
            if p.is_remote() && p.has_local_config() {
                log.log(
                    Level::Warning,
                    &format!("Profiles[{name}] points to a remote signer: {SKIPPED}"),
                );
            }
        }
    }

    /// The expiry a profile signs with: its own, or the default's when 0.
    pub fn effective_expiry(&self, profile: &Profile) -> Nanos {
        if profile.expiry == 0 {
            self.default.expiry
        } else {
            profile.expiry
        }
    }
}

/// `signing`: the default profile (if given) and the named profiles.
type SigningSection = (Option<Profile>, Vec<(String, Profile)>);

const PROFILE_FIELDS: &[&str] = &[
    "usages",
    "issuer_urls",
    "ocsp_url",
    "crl_url",
    "ca_constraint",
    "ocsp_no_check",
    "expiry",
    "backdate",
    "auth_key",
    "copy_extensions",
    "prev_auth_key",
    "remote",
    "not_before",
    "not_after",
    "name_whitelist",
    "auth_remote",
    "ct_log_servers",
    "allowed_extensions",
    "cert_store",
    "lint_error_level",
    "ignored_lints",
    "ignored_lint_sources",
    "policies",
    "CSRWhitelist",
    "ClientProvidesSerialNumbers",
];

fn decode_time(d: &mut Decoder, v: &Value, out: &mut Option<DateTime<Utc>>) {
    match v {
        Value::String(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => *out = Some(t.with_timezone(&Utc)),
            Err(_) => d.custom_error(Error::Json(format!(
                "parsing time \"\\\"{s}\\\"\" as \"\\\"2006-01-02T15:04:05Z07:00\\\"\": cannot parse \"\\\"{s}\\\"\" as RFC 3339"
            ))),
        },
        Value::Null => {}
        other => d.custom_error(Error::Json(format!(
            "Time.UnmarshalJSON: input is not a JSON string ({})",
            gojson::kind_name(other)
        ))),
    }
}

/// cfssl's `config.OID` JSON form: a quoted dotted string.
fn decode_oid(d: &mut Decoder, v: &Value) -> Option<Vec<u64>> {
    let Value::String(s) = v else {
        let raw = match v {
            Value::Number(n) => n.clone(),
            other => gojson::kind_name(other).to_string(),
        };
        d.custom_error(Error::Json(format!(
            "OID JSON string not wrapped in quotes.{raw}"
        )));
        return None;
    };
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        d.custom_error(Error::Json("Invalid OID".into()));
        return None;
    }
    let mut arcs = Vec::new();
    for seg in s.split('.') {
        match seg.parse::<u64>() {
            Ok(a) => arcs.push(a),
            Err(_) => {
                d.custom_error(Error::Json(format!(
                    "strconv.Atoi: parsing \"{seg}\": invalid syntax"
                )));
                return None;
            }
        }
    }
    Some(arcs)
}

fn decode_profile(d: &mut Decoder, v: &Value, p: &mut Profile) {
    d.object(
        v,
        "SigningProfile",
        "config.SigningProfile",
        PROFILE_FIELDS,
        |d, f, v| match f {
            "usages" => d.strings(v, &mut p.usages),
            "issuer_urls" => d.strings(v, &mut p.issuer_urls),
            "ocsp_url" => d.string(v, &mut p.ocsp_url),
            "crl_url" => d.string(v, &mut p.crl_url),
            "ca_constraint" => {
                let c = &mut p.ca_constraint;
                d.object(
                    v,
                    "CAConstraint",
                    "config.CAConstraint",
                    &["is_ca", "max_path_len", "max_path_len_zero"],
                    |d, f, v| match f {
                        "is_ca" => d.bool(v, &mut c.is_ca),
                        "max_path_len" => d.int(v, &mut c.max_path_len),
                        _ => d.bool(v, &mut c.max_path_len_zero),
                    },
                );
            }
            "ocsp_no_check" => d.bool(v, &mut p.ocsp_no_check),
            "expiry" => d.string(v, &mut p.expiry_string),
            "backdate" => d.string(v, &mut p.backdate_string),
            "auth_key" => d.string(v, &mut p.auth_key),
            "copy_extensions" => d.bool(v, &mut p.copy_extensions),
            "prev_auth_key" => d.string(v, &mut p.prev_auth_key),
            "remote" => d.string(v, &mut p.remote),
            "not_before" => decode_time(d, v, &mut p.not_before),
            "not_after" => decode_time(d, v, &mut p.not_after),
            "name_whitelist" => d.string(v, &mut p.name_whitelist_string),
            "auth_remote" => {
                let ar = &mut p.auth_remote;
                d.object(
                    v,
                    "AuthRemote",
                    "config.AuthRemote",
                    &["remote", "auth_key"],
                    |d, f, v| {
                        if f == "remote" {
                            d.string(v, &mut ar.0);
                        } else {
                            d.string(v, &mut ar.1);
                        }
                    },
                );
            }
            "ct_log_servers" | "ignored_lints" | "ignored_lint_sources" => {
                let mut tmp = Vec::new();
                d.strings(v, &mut tmp);
            }
            "allowed_extensions" => match v {
                Value::Array(items) => {
                    for it in items {
                        if let Some(arcs) = decode_oid(d, it) {
                            p.allowed_extensions.push(
                                arcs.iter()
                                    .map(u64::to_string)
                                    .collect::<Vec<_>>()
                                    .join("."),
                            );
                        }
                    }
                }
                Value::Null => {}
                other => d.wrong_type(other, "[]config.OID"),
            },
            "cert_store" => {
                let mut tmp = String::new();
                d.string(v, &mut tmp);
            }
            "lint_error_level" => match v {
                Value::String(s) => p.lint_error_level.clone_from(s),
                Value::Null => {}
                other => {
                    let raw = match other {
                        Value::Number(n) => n.clone(),
                        o => gojson::kind_name(o).to_string(),
                    };
                    d.custom_error(Error::Json(format!("bad LintStatus JSON value: {raw}")));
                }
            },
            "policies" => d.array(
                v,
                "[]config.CertificatePolicy",
                &mut p.policies,
                decode_policy,
            ),
            "CSRWhitelist" => {
                let mut w = CsrWhitelist::default();
                let ok = d.object(
                    v,
                    "CSRWhitelist",
                    "config.CSRWhitelist",
                    &[
                        "Subject",
                        "PublicKeyAlgorithm",
                        "PublicKey",
                        "SignatureAlgorithm",
                        "DNSNames",
                        "IPAddresses",
                        "EmailAddresses",
                        "URIs",
                    ],
                    |d, f, v| {
                        let slot = match f {
                            "Subject" => &mut w.subject,
                            "PublicKeyAlgorithm" => &mut w.public_key_algorithm,
                            "PublicKey" => &mut w.public_key,
                            "SignatureAlgorithm" => &mut w.signature_algorithm,
                            "DNSNames" => &mut w.dns_names,
                            "IPAddresses" => &mut w.ip_addresses,
                            "EmailAddresses" => &mut w.email_addresses,
                            _ => &mut w.uris,
                        };
                        d.bool(v, slot);
                    },
                );
                if ok && !matches!(v, Value::Null) {
                    p.csr_whitelist = Some(w);
                }
            }
            _ => d.bool(v, &mut p.client_provides_serial_numbers),
        },
    );
}

fn decode_policy(d: &mut Decoder, v: &Value, pol: &mut CertificatePolicy) {
    d.object(
        v,
        "CertificatePolicy",
        "config.CertificatePolicy",
        &["ID", "qualifiers"],
        |d, f, v| {
            if f == "ID" {
                if let Some(arcs) = decode_oid(d, v) {
                    pol.id = arcs;
                }
                return;
            }
            let mut raw: Vec<(String, String)> = Vec::new();
            d.array(
                v,
                "[]config.CertificatePolicyQualifier",
                &mut raw,
                |d, v, q| {
                    d.object(
                        v,
                        "CertificatePolicyQualifier",
                        "config.CertificatePolicyQualifier",
                        &["type", "value"],
                        |d, f, v| {
                            if f == "type" {
                                d.string(v, &mut q.0);
                            } else {
                                d.string(v, &mut q.1);
                            }
                        },
                    );
                },
            );
            pol.qualifiers.clear();
            for (t, val) in raw {
                match t.as_str() {
                    "id-qt-cps" => pol.qualifiers.push(PolicyQualifier::Cps(val)),
                    "id-qt-unotice" => pol.qualifiers.push(PolicyQualifier::UserNotice(val)),
                    "" => {}
                    _ => d.custom_error(Error::policy("invalid policy qualifier type")),
                }
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        let e = Config::from_json(s.as_bytes()).unwrap_err();
        match e.code() {
            Some(c) => format!("{} {}", c.number(), e.message()),
            None => e.message().to_string(),
        }
    }

    #[test]
    fn load_errors_match_cfssl() {
        assert_eq!(err(r#"{"auth_keys":{}}"#), "No \"signing\" field present");
        assert_eq!(err(r#"{"signing":null}"#), "No \"signing\" field present");
        assert_eq!(
            err(r#"{"signing":{"default":{"expiry":"365d"}}}"#),
            "5200 time: unknown unit \"d\" in duration \"365d\""
        );
        assert_eq!(
            err(r#"{"signing":{"default":{}}}"#),
            "5200 empty expiry string"
        );
        assert_eq!(
            err(r#"{"signing":{"profiles":{"p":{"expiry":"1h"}}}}"#),
            "5200 invalid configuration"
        );
        assert_eq!(
            err(r#"{"signing":{"profiles":{"p":{"expiry":"1h","usages":["bogus"]}}}}"#),
            "5200 invalid configuration"
        );
        assert_eq!(
            err(r#"{"signing":{"default":{"expiry":"0"}}}"#),
            "5200 invalid configuration"
        );
        assert_eq!(
            err(r#"{"signing":{"default":{"expiry":"1h","name_whitelist":"("}}}"#),
            "5200 failed to compile name whitelist section"
        );
        assert_eq!(
            err("{"),
            "5200 failed to unmarshal configuration: unexpected end of JSON input"
        );
        assert!(err(r#"{"signing":{"default":{"expiry":"1h","not_before":"2030-01-02T00:00:00Z","not_after":"2029-01-01T00:00:00Z"}}}"#)
            .starts_with("5200 not_after"));
    }

    #[test]
    fn default_profile_and_usages() {
        let c = Config::from_json(br#"{"signing":{"profiles":{"x":{"usages":["signing","bogus","server auth"],"expiry":"1h"}}}}"#)
            .unwrap();
        assert_eq!(c.default.usages.len(), 4);
        let (bits, eku) = c.profile("x").usage_bits();
        assert_eq!(bits, ku::DIGITAL_SIGNATURE);
        assert_eq!(eku, ["1.3.6.1.5.5.7.3.1"]);
        assert_eq!(usage("email protection"), usage("s/mime"));
        assert_eq!(usage("Server Auth"), None);
    }
}
