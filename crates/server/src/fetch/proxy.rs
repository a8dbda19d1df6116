//! HTTP proxies for requests, chosen from the environment as Go's
//! `http.ProxyFromEnvironment` (which cfssl's client uses) chooses them:
//! `HTTPS_PROXY` for `https://` remotes, `HTTP_PROXY` for `http://` ones
//! (upper case first, then lower case; `HTTP_PROXY` is ignored when
//! `REQUEST_METHOD` is set, as in a CGI program), never for `localhost` or
//! a loopback address, and not for hosts `NO_PROXY` lists (`*`, a domain
//! and its subdomains, `.domain` for subdomains only, an IP, a CIDR, each
//! optionally with a port). A plain HTTP request goes to the proxy with its
//! absolute URL; a TLS one through a `CONNECT` tunnel. `user:password@` in
//! the proxy's URL is sent as basic `Proxy-Authorization`. Only `http://`
//! proxies are supported (Go also speaks `https://` and `socks5://` ones:
//! those are refused with a message naming the scheme).

use std::net::IpAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Url;

/// A proxy to send a request through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Proxy {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `Basic …` for `Proxy-Authorization`.
    pub(crate) authorization: Option<String>,
}

/// The proxy for `url` per the environment `env` reads, if any.
///
/// # Errors
/// A proxy setting that cannot be used (a scheme other than `http`, no
/// host, a bad port).
pub(crate) fn for_url(
    url: &Url,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, String> {
    let get = |upper: &str| {
        env(upper)
            .filter(|v| !v.is_empty())
            .or_else(|| env(&upper.to_ascii_lowercase()).filter(|v| !v.is_empty()))
    };
    let setting = if url.is_https() {
        get("HTTPS_PROXY")
    } else if env("REQUEST_METHOD").is_some() {
        None
    } else {
        get("HTTP_PROXY")
    };
    let Some(setting) = setting else {
        return Ok(None);
    };
    if !use_proxy(
        url.host(),
        url.port(),
        get("NO_PROXY").as_deref().unwrap_or(""),
    ) {
        return Ok(None);
    }
    parse(&setting).map(Some)
}

/// Go's `useProxy`: false for loopback and for what `NO_PROXY` lists.
fn use_proxy(host: &str, port: u16, no_proxy: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if host == "localhost" {
        return false;
    }
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return false;
    }
    for entry in no_proxy.split(',') {
        let entry = entry.trim().to_ascii_lowercase();
        if entry.is_empty() {
            continue;
        }
        if entry == "*" {
            return false;
        }
        if let Some((net, bits)) = entry.split_once('/') {
            if let (Some(ip), Ok(net), Ok(bits)) = (ip, net.parse::<IpAddr>(), bits.parse::<u32>())
                && in_cidr(ip, net, bits)
            {
                return false;
            }
            continue;
        }
        let (name, entry_port) = match entry.rsplit_once(':') {
            Some((n, p)) if !n.contains(':') || n.ends_with(']') => (
                n.trim_start_matches('[').trim_end_matches(']'),
                p.parse::<u16>().ok(),
            ),
            _ => (entry.as_str(), None),
        };
        if entry_port.is_some_and(|p| p != port) {
            continue;
        }
        if let (Some(ip), Ok(listed)) = (ip, name.parse::<IpAddr>()) {
            if ip == listed {
                return false;
            }
            continue;
        }
        let suffix = name.trim_start_matches('*');
        if let Some(sub) = suffix.strip_prefix('.') {
            // `.y.com` and `*.y.com`: subdomains only.
            if host.ends_with(&format!(".{sub}")) {
                return false;
            }
        } else if host == suffix || host.ends_with(&format!(".{suffix}")) {
            return false;
        }
    }
    true
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Reads a proxy setting: `host:port`, `http://[user:pass@]host[:port]`.
fn parse(setting: &str) -> Result<Proxy, String> {
    let s = setting.trim();
    let rest = match s.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(format!(
                "proxy {s:?}: only http:// proxies are supported, not {scheme}://"
            ));
        }
        None => s,
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("proxy {s:?}: invalid port {p:?}"))?,
        ),
        _ => (hostport, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("proxy {s:?}: no host"));
    }
    Ok(Proxy {
        host: host.to_string(),
        port,
        authorization: userinfo
            .map(|u| format!("Basic {}", cfssl_core::go::base64::encode(u.as_bytes()))),
    })
}

/// Opens a `CONNECT` tunnel to `url` through the proxy `stream` is
/// connected to.
///
/// # Errors
/// Go's words: `proxyconnect tcp: …` for a failure on the way, the proxy's
/// status line when it refuses.
pub(crate) async fn connect_tunnel(
    stream: &mut TcpStream,
    url: &Url,
    proxy: &Proxy,
) -> Result<(), String> {
    let target = url.authority_with_port();
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = &proxy.authorization {
        head.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| format!("proxyconnect tcp: {}", cfssl_core::go::os::errno_text(&e)))?;
    // The answer's head, byte by byte so that nothing of the tunnel is
    // read; at most 8 KiB.
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() > 8192 {
            return Err("proxyconnect tcp: the proxy's answer is too long".into());
        }
        let mut b = [0u8; 1];
        match stream.read(&mut b).await {
            Ok(0) => return Err("proxyconnect tcp: EOF".into()),
            Ok(_) => answer.push(b[0]),
            Err(e) => {
                return Err(format!(
                    "proxyconnect tcp: {}",
                    cfssl_core::go::os::errno_text(&e)
                ));
            }
        }
    }
    let text = String::from_utf8_lossy(&answer);
    let status = text.lines().next().unwrap_or_default();
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    if code == "200" {
        Ok(())
    } else {
        Err(status
            .split_once(' ')
            .map_or(status, |(_, s)| s)
            .to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::{Proxy, for_url, parse, use_proxy};
    use crate::remote::RemoteUrl;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn proxy_of(url: &str, vars: &[(&str, &str)]) -> Option<String> {
        for_url(&RemoteUrl::parse(url).unwrap().fetch_url("sign"), env(vars))
            .unwrap()
            .map(|p| format!("{}:{}", p.host, p.port))
    }

    #[test]
    fn chosen_as_go_chooses() {
        let vars = [
            ("HTTP_PROXY", "proxy.test:3128"),
            ("https_proxy", "http://tls-proxy.test"),
        ];
        assert_eq!(
            proxy_of("ca.example:8888", &vars),
            Some("proxy.test:3128".into())
        );
        assert_eq!(
            proxy_of("https://ca.example", &vars),
            Some("tls-proxy.test:80".into())
        );
        assert_eq!(proxy_of("localhost:8888", &vars), None);
        assert_eq!(proxy_of("127.0.0.1:8888", &vars), None);
        assert_eq!(proxy_of("[::1]:8888", &vars), None);
        assert_eq!(proxy_of("ca.example", &[]), None);
        let cgi = [("HTTP_PROXY", "proxy.test:3128"), ("REQUEST_METHOD", "GET")];
        assert_eq!(proxy_of("ca.example", &cgi), None);
    }

    #[test]
    fn no_proxy_lists_hosts() {
        assert!(!use_proxy("ca.example", 1, "*"));
        assert!(!use_proxy("ca.example", 1, "other.test, example"));
        assert!(!use_proxy("a.ca.example", 1, "ca.example"));
        assert!(use_proxy("ca.example", 1, ".ca.example"));
        assert!(!use_proxy("a.ca.example", 1, "*.ca.example"));
        assert!(!use_proxy("10.1.2.3", 1, "10.0.0.0/8"));
        assert!(use_proxy("11.1.2.3", 1, "10.0.0.0/8"));
        assert!(!use_proxy("10.1.2.3", 1, "10.1.2.3"));
        assert!(!use_proxy("ca.example", 8888, "ca.example:8888"));
        assert!(use_proxy("ca.example", 9999, "ca.example:8888"));
        assert!(use_proxy("xca.example", 1, "ca.example"));
    }

    #[test]
    fn settings_read_as_go_reads_them() {
        assert_eq!(
            parse("http://u:p@proxy.test:3128/"),
            Ok(Proxy {
                host: "proxy.test".into(),
                port: 3128,
                authorization: Some("Basic dTpw".into()),
            })
        );
        assert!(
            parse("socks5://proxy.test:1080")
                .unwrap_err()
                .contains("socks5")
        );
        assert!(parse("http://proxy.test:x").is_err());
        assert!(parse("http://").is_err());
    }
}
