//! `http://` and `https://` URLs as a request needs them: where to connect,
//! what to send as `Host`, and the request target.
//!
//! ```
//! use cfssl_server::fetch::Url;
//! let u = Url::parse("http://127.0.0.1:8080/ca.crl?x=1#top")?;
//! assert_eq!((u.host(), u.port(), u.authority()), ("127.0.0.1", 8080, "127.0.0.1:8080"));
//! assert_eq!(u.request_target(), "/ca.crl?x=1");
//! assert_eq!(Url::parse("https://[::1]/")?.port(), 443);
//! assert_eq!(u.join("/other.crl"), "http://127.0.0.1:8080/other.crl");
//! assert_eq!(
//!     Url::parse("ftp://example.com/x").unwrap_err(),
//!     "unsupported protocol scheme \"ftp\""
//! );
//! # Ok::<(), String>(())
//! ```

/// A URL to request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    text: String,
    https: bool,
    /// Without the brackets of an IPv6 literal.
    host: String,
    port: u16,
    /// As written in the URL (`host`, `host:port`, `[v6]:port`).
    authority: String,
    /// The path (at least `/`) and the query.
    target: String,
}

impl Url {
    /// Reads a URL.
    ///
    /// # Errors
    /// Go's words where it has them (`unsupported protocol scheme "ftp"`,
    /// `http: no Host in request URL`), a message naming the problem
    /// otherwise.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| format!("unsupported protocol scheme \"{}\"", scheme_of(text)))?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" => true,
            other => return Err(format!("unsupported protocol scheme \"{other}\"")),
        };
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return Err("user information in a URL is not supported".into());
        }
        if authority.is_empty() {
            return Err("http: no Host in request URL".into());
        }
        let default_port = if https { 443 } else { 80 };
        let (host, port) = split_host_port(authority, default_port)?;
        if host.is_empty() {
            return Err("http: no Host in request URL".into());
        }
        let target = if tail.starts_with('/') {
            tail.to_string()
        } else {
            format!("/{tail}")
        };
        Ok(Self {
            text: text.to_string(),
            https,
            host,
            port,
            authority: authority.to_string(),
            target,
        })
    }

    /// Builds a URL from its parts (a remote cfssl's endpoint).
    pub(crate) fn from_parts(
        https: bool,
        host: &str,
        port: u16,
        authority: &str,
        target: &str,
    ) -> Self {
        let scheme = if https { "https" } else { "http" };
        Self {
            text: format!("{scheme}://{authority}{target}"),
            https,
            host: host.to_string(),
            port,
            authority: authority.to_string(),
            target: target.to_string(),
        }
    }

    /// The URL as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the request goes over TLS.
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

    /// The `Host` header's value, as written in the URL.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The path and query sent in the request line.
    pub fn request_target(&self) -> &str {
        &self.target
    }

    /// `host:port` with the port always written (a `CONNECT` target).
    pub(crate) fn authority_with_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// A redirect's `Location` resolved against this URL (absolute, `//`
    /// scheme-relative, `/` host-relative or relative to this path's
    /// folder).
    pub fn join(&self, location: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        if location.contains("://") {
            location.to_string()
        } else if location.starts_with("//") {
            format!("{scheme}:{location}")
        } else if location.starts_with('/') {
            format!("{scheme}://{}{location}", self.authority)
        } else {
            let path = self.target.split('?').next().unwrap_or("/");
            let folder = path.rsplit_once('/').map_or("", |(f, _)| f);
            format!("{scheme}://{}{folder}/{location}", self.authority)
        }
    }
}

fn scheme_of(text: &str) -> &str {
    text.split_once(':').map_or("", |(s, _)| s)
}

fn split_host_port(authority: &str, default_port: u16) -> Result<(String, u16), String> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| format!("invalid host {authority:?}: missing ']'"))?;
        match after {
            "" => (host, None),
            a => (
                host,
                Some(
                    a.strip_prefix(':')
                        .ok_or_else(|| format!("invalid port {a:?} after host"))?,
                ),
            ),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None | Some("") => default_port,
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| format!("invalid port \":{p}\" after host"))?,
    };
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::Url;

    #[test]
    fn reads_what_requests_need() {
        let u = Url::parse("HTTPS://ca.test:8443").unwrap();
        assert!(u.is_https());
        assert_eq!(u.request_target(), "/");
        assert_eq!(u.authority_with_port(), "ca.test:8443");
        let u = Url::parse("http://ca.test?q").unwrap();
        assert_eq!((u.port(), u.request_target()), (80, "/?q"));
        assert_eq!(
            Url::parse("http:///x").unwrap_err(),
            "http: no Host in request URL"
        );
        assert!(Url::parse("http://ca.test:x/").is_err());
        assert!(Url::parse("http://u:p@ca.test/").is_err());
        assert_eq!(
            Url::parse("ldap://x").unwrap_err(),
            "unsupported protocol scheme \"ldap\""
        );
    }

    #[test]
    fn joins_locations() {
        let u = Url::parse("http://a.test:1/crl/ca.crl?x").unwrap();
        assert_eq!(u.join("https://b.test/y"), "https://b.test/y");
        assert_eq!(u.join("//b.test/y"), "http://b.test/y");
        assert_eq!(u.join("/y"), "http://a.test:1/y");
        assert_eq!(u.join("y.crl"), "http://a.test:1/crl/y.crl");
    }
}
