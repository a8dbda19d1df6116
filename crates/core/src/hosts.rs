//! `hosts` entries classified the way cfssl does (IP, e-mail, URI, DNS) and
//! the Subject Alternative Name extension built from them.

use std::net::IpAddr;

use crate::der;
use crate::error::{Error, Result};

/// SAN entries grouped by type, each group in input order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sans {
    /// dNSName entries.
    pub dns: Vec<String>,
    /// rfc822Name entries (bare addresses).
    pub emails: Vec<String>,
    /// iPAddress entries.
    pub ips: Vec<IpAddr>,
    /// uniformResourceIdentifier entries.
    pub uris: Vec<String>,
}

impl Sans {
    /// Classifies each host: an IP, else an RFC 5322 address, else an
    /// absolute URI or path (Go `url.ParseRequestURI`), else a DNS name
    /// taken verbatim.
    pub fn from_hosts(hosts: &[String]) -> Self {
        let mut s = Self::default();
        for h in hosts {
            if let Ok(ip) = h.parse::<IpAddr>() {
                s.ips.push(ip);
            } else if let Some(addr) = parse_mail_address(h) {
                s.emails.push(addr);
            } else if is_request_uri(h) {
                s.uris.push(h.clone());
            } else {
                s.dns.push(h.clone());
            }
        }
        s
    }

    /// True when there is no entry at all.
    pub fn is_empty(&self) -> bool {
        self.dns.is_empty() && self.emails.is_empty() && self.ips.is_empty() && self.uris.is_empty()
    }

    /// The GeneralNames DER: DNS, then e-mails, then IPs, then URIs.
    ///
    /// # Errors
    /// Code 9300 naming the entry when a DNS name, e-mail or URI is not
    /// ASCII (Go's message; cfssl 1.6.5 panics there).
    pub fn to_der(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for d in &self.dns {
            out.extend(der::implicit(2, ia5(d)?));
        }
        for e in &self.emails {
            out.extend(der::implicit(1, ia5(e)?));
        }
        for ip in &self.ips {
            out.extend(der::implicit(7, &ip_bytes(ip)));
        }
        for u in &self.uris {
            out.extend(der::implicit(6, ia5(u)?));
        }
        Ok(der::tlv(der::tag::SEQUENCE, &out))
    }

    /// Keeps only the IP entries (what cfssl leaves on a CA certificate).
    pub fn only_ips(&self) -> Self {
        Self {
            ips: self.ips.clone(),
            ..Self::default()
        }
    }
}

/// IPv4 (and v4-mapped IPv6) as 4 bytes, IPv6 as 16, as Go's x509 does.
pub(crate) fn ip_bytes(ip: &IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets().to_vec(),
        },
    }
}

fn ia5(s: &str) -> Result<&[u8]> {
    if s.is_ascii() {
        Ok(s.as_bytes())
    } else {
        Err(Error::bad_csr(format!(
            "x509: \"{s}\" cannot be encoded as an IA5String"
        )))
    }
}

const ATEXT_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(c) || !c.is_ascii()
}

fn is_dot_atom(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|a| !a.is_empty() && a.chars().all(is_atext))
}

fn is_addr_spec(s: &str) -> Option<String> {
    let at = s.rfind('@')?;
    let (local, domain) = (&s[..at], &s[at + 1..]);
    let local_ok = is_dot_atom(local)
        || (local.len() >= 2
            && local.starts_with('"')
            && local.ends_with('"')
            && !local[1..local.len() - 1].contains('"'));
    let domain_ok = is_dot_atom(domain)
        || (domain.starts_with('[') && domain.ends_with(']') && domain.len() > 2);
    (local_ok && domain_ok).then(|| s.to_string())
}

/// A subset of Go's `mail.ParseAddress`: `addr-spec` or `name <addr-spec>`,
/// returning the bare address.
pub(crate) fn parse_mail_address(s: &str) -> Option<String> {
    let t = s.trim_matches(|c| c == ' ' || c == '\t');
    if let Some(open) = t.rfind('<') {
        if !t.ends_with('>') {
            return None;
        }
        let name = t[..open].trim();
        let name_ok = name.is_empty()
            || (name.starts_with('"') && name.ends_with('"') && name.len() >= 2)
            || name
                .split_whitespace()
                .all(|w| w.chars().all(|c| is_atext(c) || c == '.'));
        if !name_ok {
            return None;
        }
        return is_addr_spec(&t[open + 1..t.len() - 1]);
    }
    is_addr_spec(t)
}

/// Go's `url.ParseRequestURI` success test, for the inputs cfssl sees.
pub(crate) fn is_request_uri(s: &str) -> bool {
    // Go rejects control characters anywhere.
    if s.is_empty() || s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return false;
    }
    let (scheme, rest) = split_scheme(s);
    if scheme.is_none() && !rest.starts_with('/') {
        return false;
    }
    if scheme.is_some() && !rest.starts_with('/') {
        return valid_escapes(rest); // opaque URI such as `urn:uuid:…`
    }
    if let Some(auth_rest) = rest.strip_prefix("//") {
        if scheme.is_none() && !rest.starts_with("///") {
            // `//host/path` without a scheme is a path in request context.
            return valid_escapes(rest);
        }
        let end = auth_rest.find('/').unwrap_or(auth_rest.len());
        let authority = &auth_rest[..end];
        let hostport = authority.rsplit('@').next().unwrap_or("");
        if !valid_hostport(hostport) {
            return false;
        }
        return valid_escapes(&auth_rest[end..]);
    }
    valid_escapes(rest)
}

fn split_scheme(s: &str) -> (Option<&str>, &str) {
    for (i, c) in s.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i > 0 => return (Some(&s[..i]), &s[i + 1..]),
            _ => return (None, s),
        }
    }
    (None, s)
}

fn valid_hostport(hp: &str) -> bool {
    let (host, port) = if hp.starts_with('[') {
        match hp.find(']') {
            Some(i) => (&hp[..=i], &hp[i + 1..]),
            None => return false,
        }
    } else {
        match hp.rfind(':') {
            Some(i) => (&hp[..i], &hp[i..]),
            None => (hp, ""),
        }
    };
    if !port.is_empty() {
        let Some(p) = port.strip_prefix(':') else {
            return false;
        };
        if !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    valid_escapes(host)
}

fn valid_escapes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(h: &str) -> &'static str {
        let s = Sans::from_hosts(&[h.to_string()]);
        if !s.ips.is_empty() {
            "ip"
        } else if !s.emails.is_empty() {
            "email"
        } else if !s.uris.is_empty() {
            "uri"
        } else {
            "dns"
        }
    }

    #[test]
    fn classification_follows_go() {
        for (h, want) in [
            ("127.0.0.1", "ip"),
            ("::1", "ip"),
            ("::ffff:1.2.3.4", "ip"),
            ("user@example.com", "email"),
            ("Jane <jane@example.com>", "email"),
            ("https://example.com/x", "uri"),
            ("spiffe://td/ns/a", "uri"),
            ("urn:uuid:1234", "uri"),
            ("foo:bar", "uri"),
            ("/abs/path", "uri"),
            ("example.com", "dns"),
            ("*.example.com", "dns"),
            ("1.2.3.4:80", "dns"),
            ("UPPER.Example.COM", "dns"),
            ("", "dns"),
            (" b", "dns"),
        ] {
            assert_eq!(classify(h), want, "{h:?}");
        }
    }

    #[test]
    fn san_order_is_dns_email_ip_uri() {
        let hosts: Vec<String> = ["https://u.test", "10.0.0.1", "a@b.test", "d.test"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let der = Sans::from_hosts(&hosts).to_der().unwrap();
        let items = der::read_all(der::read_one(&der).unwrap().content).unwrap();
        let tags: Vec<u8> = items.iter().map(|t| t.tag).collect();
        assert_eq!(tags, [0x82, 0x81, 0x87, 0x86]);
        assert_eq!(items[2].content, [10, 0, 0, 1]);
    }

    #[test]
    fn non_ascii_is_an_error_not_a_panic() {
        let e = Sans::from_hosts(&["bücher.example".into()])
            .to_der()
            .unwrap_err();
        assert_eq!(e.code(), Some(crate::Code::CsrBadRequest));
        assert!(e.to_string().contains("cannot be encoded as an IA5String"));
    }
}
