//! Remote addresses as cfssl's client reads them (`client.normalizeURL`),
//! with one fix: `IP:port` without a scheme is accepted (cfssl's URL parser
//! refuses it with "first path segment in URL cannot contain colon").
//!
//! | written                     | requests go to                         |
//! |-----------------------------|----------------------------------------|
//! | `ca.example.com`            | `http://ca.example.com:8888`           |
//! | `ca.example.com:9000`       | `http://ca.example.com:9000`           |
//! | `10.0.0.1:9000`             | `http://10.0.0.1:9000` (cfssl: error)  |
//! | `http://ca.example.com`     | `http://ca.example.com` (port 80)      |
//! | `https://ca.example.com`    | `https://ca.example.com` (port 443)    |
//! | `ftp://ca.example.com:21`   | `http://ca.example.com:21`             |
//!
//! A comma-separated list is an ordered failover group.
//!
//! ```
//! use cfssl_server::remote::RemoteUrl;
//! let u = RemoteUrl::parse(" localhost:8889 ")?;
//! assert_eq!(u.endpoint("sign"), "http://localhost:8889/api/v1/cfssl/sign");
//! assert_eq!(RemoteUrl::parse("10.0.0.1")?.endpoint("info"), "http://10.0.0.1:8888/api/v1/cfssl/info");
//! assert_eq!(RemoteUrl::group("https://a.test, b.test:1")?.len(), 2);
//! # Ok::<(), String>(())
//! ```

/// cfssl's port when an address without a scheme has none.
const DEFAULT_PORT: u16 = 8888;

/// One remote cfssl server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteUrl {
    https: bool,
    /// The host as written (no brackets around an IPv6 address).
    host: String,
    /// The port to connect to.
    port: u16,
    /// The authority as shown in URLs (`host`, `host:port`, `[v6]:port`).
    authority: String,
    /// A path prefix before `/api/v1/cfssl/`, without a trailing slash.
    prefix: String,
}

impl RemoteUrl {
    /// Reads one address.
    ///
    /// # Errors
    /// A message naming what is wrong (an empty host, a port that is not a
    /// number, user info, a query).
    pub fn parse(addr: &str) -> Result<Self, String> {
        let s = addr.trim();
        let (scheme, rest) = match s.find("://") {
            Some(i) if is_scheme(&s[..i]) => (Some(s[..i].to_ascii_lowercase()), &s[i + 3..]),
            _ => (None, s),
        };
        if rest.contains(['?', '#']) {
            return Err(format!(
                "{s:?}: a remote address cannot have a query or fragment"
            ));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(format!(
                "{s:?}: user information in a remote address is not supported"
            ));
        }
        let https = scheme.as_deref() == Some("https");
        let (host, port, shown) = match split_host_port(authority)? {
            Some((host, port)) => {
                let n = match port.parse::<u16>() {
                    Ok(n) => n,
                    Err(_) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                        return Err(format!("address {authority}: invalid port"));
                    }
                    Err(_) => {
                        return Err(format!("strconv.Atoi: parsing {port:?}: invalid syntax"));
                    }
                };
                (host, n, authority.to_string())
            }
            // A scheme without a port means that scheme's port, as in cfssl
            // (`http://host` is port 80); no scheme means cfssl's 8888.
            None if scheme.is_some() => (
                bare(authority),
                if https { 443 } else { 80 },
                authority.to_string(),
            ),
            None => (
                bare(authority),
                DEFAULT_PORT,
                join_host_port(bare(authority), DEFAULT_PORT),
            ),
        };
        if host.is_empty() {
            return Err(format!("{s:?}: no host in the remote address"));
        }
        Ok(Self {
            https,
            host: host.to_string(),
            port,
            authority: shown,
            prefix: path.trim_end_matches('/').to_string(),
        })
    }

    /// Reads a comma-separated failover group (one address is a group of
    /// one).
    ///
    /// # Errors
    /// The first entry that cannot be read (cfssl's client crashes on a
    /// group holding one).
    pub fn group(list: &str) -> Result<Vec<Self>, String> {
        list.split(',').map(Self::parse).collect()
    }

    /// The URL of an API endpoint: `<base>/api/v1/cfssl/<endpoint>`.
    pub fn endpoint(&self, endpoint: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!(
            "{scheme}://{}{}/api/v1/cfssl/{endpoint}",
            self.authority, self.prefix
        )
    }

    /// The path of an API endpoint on this server.
    pub(crate) fn path(&self, endpoint: &str) -> String {
        format!("{}/api/v1/cfssl/{endpoint}", self.prefix)
    }

    /// Whether requests go over TLS.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host to connect to and to name in TLS (no brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of an API endpoint, as the transport requests it.
    pub(crate) fn fetch_url(&self, endpoint: &str) -> crate::fetch::Url {
        crate::fetch::Url::from_parts(
            self.https,
            &self.host,
            self.port,
            &self.authority,
            &self.path(endpoint),
        )
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `host:port` or `[v6]:port` into its parts; `None` when there is no port.
fn split_host_port(authority: &str) -> Result<Option<(&str, &str)>, String> {
    if let Some(inner) = authority.strip_prefix('[') {
        let Some(end) = inner.find(']') else {
            return Err(format!("address {authority}: missing ']' in address"));
        };
        let host = &inner[..end];
        return match &inner[end + 1..] {
            "" => Ok(None),
            rest => match rest.strip_prefix(':') {
                Some(port) => Ok(Some((host, port))),
                None => Err(format!("address {authority}: unexpected text after ']'")),
            },
        };
    }
    match authority.matches(':').count() {
        0 => Ok(None),
        1 => Ok(authority.split_once(':')),
        _ => Err(format!("address {authority}: too many colons in address")),
    }
}

/// A host without the brackets of an IPv6 literal.
fn bare(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::RemoteUrl;

    fn url(s: &str) -> String {
        RemoteUrl::parse(s)
            .map(|u| u.endpoint("sign"))
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn normalises_as_cfssl() {
        // The recorded client cases (fixtures/server/client-cases.jsonl) and
        // cfssl's normalizeURL.
        assert_eq!(
            url("localhost:18888"),
            "http://localhost:18888/api/v1/cfssl/sign"
        );
        assert_eq!(
            url("http://127.0.0.1:18888"),
            "http://127.0.0.1:18888/api/v1/cfssl/sign"
        );
        assert_eq!(
            url("https://127.0.0.1:18888"),
            "https://127.0.0.1:18888/api/v1/cfssl/sign"
        );
        assert_eq!(url("ca.test"), "http://ca.test:8888/api/v1/cfssl/sign");
        assert_eq!(url("10.1.2.3"), "http://10.1.2.3:8888/api/v1/cfssl/sign");
        assert_eq!(url("http://ca.test"), "http://ca.test/api/v1/cfssl/sign");
        assert_eq!(
            url("ftp://ca.test:21"),
            "http://ca.test:21/api/v1/cfssl/sign"
        );
        assert_eq!(
            url("HTTPS://ca.test:1"),
            "https://ca.test:1/api/v1/cfssl/sign"
        );
        assert_eq!(
            url("http://ca.test:1/pki"),
            "http://ca.test:1/pki/api/v1/cfssl/sign"
        );
        assert_eq!(RemoteUrl::parse("http://ca.test").map(|u| u.port()), Ok(80));
        assert_eq!(
            RemoteUrl::parse("https://ca.test").map(|u| u.port()),
            Ok(443)
        );
    }

    #[test]
    fn fixes_what_cfssl_gets_wrong() {
        // cfssl: "first path segment in URL cannot contain colon".
        assert_eq!(
            url("127.0.0.1:18888"),
            "http://127.0.0.1:18888/api/v1/cfssl/sign"
        );
        // cfssl: mangled to http://%2F:8888/… and fails.
        assert_eq!(
            url("http://127.0.0.1:18888/"),
            "http://127.0.0.1:18888/api/v1/cfssl/sign"
        );
        assert_eq!(url("[::1]:18888"), "http://[::1]:18888/api/v1/cfssl/sign");
        assert_eq!(url("[::1]"), "http://[::1]:8888/api/v1/cfssl/sign");
        assert_eq!(
            RemoteUrl::parse("[::1]:1").map(|u| u.host().to_string()),
            Ok("::1".into())
        );
    }

    #[test]
    fn refuses_what_cannot_be_reached() {
        assert_eq!(
            url("localhost:abc"),
            "error: strconv.Atoi: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            url("localhost:99999"),
            "error: address localhost:99999: invalid port"
        );
        assert_eq!(url("::1"), "error: address ::1: too many colons in address");
        assert!(url("").starts_with("error: "));
        assert!(url("http://").starts_with("error: "));
        assert!(url("http://u:p@ca.test").starts_with("error: "));
        assert!(url("http://ca.test/?x").starts_with("error: "));
        assert!(RemoteUrl::group("a.test,127.0.0.1:x").is_err());
        assert_eq!(RemoteUrl::group("a.test, b.test:1").map(|g| g.len()), Ok(2));
    }
}
