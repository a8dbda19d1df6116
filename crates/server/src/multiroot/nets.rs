//! A root's `nets`: the networks allowed to ask it for certificates, by the
//! TCP peer's address (cfssl's `whitelist.BasicNet`; `X-Forwarded-For` and
//! the like are not looked at).

use std::net::IpAddr;

/// One network in CIDR form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u128::from(u32::from(n)) << 96, self.prefix)
                    == masked(u128::from(u32::from(a)) << 96, self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), self.prefix) == masked(u128::from(a), self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits & (u128::MAX << (128 - u32::from(prefix)))
    }
}

/// An IPv4-mapped IPv6 address as IPv4 (Go's `net.IP.To4`), so that
/// `127.0.0.0/8` matches a client on a dual-stack socket.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The networks of a `nets` value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetAcl {
    nets: Vec<Net>,
}

/// A `nets` entry that is not a CIDR (Go's `net.ParseCIDR` text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidCidr(pub String);

impl std::fmt::Display for InvalidCidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid CIDR address: {}", self.0)
    }
}

impl std::error::Error for InvalidCidr {}

impl NetAcl {
    /// Reads a comma-separated list of CIDRs, each trimmed of spaces.
    ///
    /// ```
    /// use cfssl_server::multiroot::NetAcl;
    /// let acl = NetAcl::parse("127.0.0.0/8, ::1/128")?;
    /// assert!(acl.permits("127.0.0.1".parse()?));
    /// assert!(!acl.permits("192.0.2.1".parse()?));
    /// assert_eq!(NetAcl::parse("10.0.0.0/8,x").unwrap_err().to_string(), "invalid CIDR address: x");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`InvalidCidr`] naming the first entry that is not `address/prefix`.
    pub fn parse(nets: &str) -> Result<Self, InvalidCidr> {
        let nets = nets
            .split(',')
            .map(|n| parse_cidr(n.trim()).ok_or_else(|| InvalidCidr(n.trim().to_string())))
            .collect::<Result<_, _>>()?;
        Ok(Self { nets })
    }

    /// Whether a client at `ip` may use the root.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(ip))
    }
}

/// Go's `net.ParseCIDR`: a dotted IPv4 or an IPv6 address, `/`, a decimal
/// prefix length within the address's size (no sign, no leading zeros
/// beyond one digit).
fn parse_cidr(s: &str) -> Option<Net> {
    let (addr, prefix) = s.split_once('/')?;
    if prefix.is_empty()
        || !prefix.bytes().all(|b| b.is_ascii_digit())
        || (prefix.len() > 1 && prefix.starts_with('0'))
    {
        return None;
    }
    let prefix: u8 = prefix.parse().ok()?;
    let addr: IpAddr = match addr.parse::<std::net::Ipv4Addr>() {
        Ok(v4) => IpAddr::V4(v4),
        Err(_) if addr.contains(':') => IpAddr::V6(addr.parse().ok()?),
        Err(_) => return None,
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some(Net {
        addr: canonical(addr),
        prefix: if addr.is_ipv4() || canonical(addr) == addr {
            prefix
        } else {
            // An IPv4-mapped network written as IPv6 (::ffff:10.0.0.0/104).
            prefix.checked_sub(96)?
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn membership() {
        let acl = NetAcl::parse("10.0.0.0/8,192.0.2.128/25, 2001:db8::/32").unwrap();
        assert!(acl.permits(ip("10.255.0.1")));
        assert!(acl.permits(ip("192.0.2.200")));
        assert!(!acl.permits(ip("192.0.2.1")));
        assert!(acl.permits(ip("2001:db8::1")));
        assert!(!acl.permits(ip("2001:db9::1")));
        assert!(acl.permits(ip("::ffff:10.1.2.3")));
        assert!(
            NetAcl::parse("0.0.0.0/0")
                .unwrap()
                .permits(ip("203.0.113.9"))
        );
        assert!(!NetAcl::parse("0.0.0.0/0").unwrap().permits(ip("::1")));
        assert!(
            NetAcl::parse("127.0.0.1/32")
                .unwrap()
                .permits(ip("127.0.0.1"))
        );
        assert!(
            NetAcl::parse("::ffff:10.0.0.0/104")
                .unwrap()
                .permits(ip("10.9.9.9"))
        );
    }

    #[test]
    fn bad_entries() {
        for bad in [
            "",
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0.0/08",
            "::/129",
            "nonsense/8",
            "10.0.0/8",
            "10.0.0.0/8,",
            "[::1]/128",
        ] {
            assert!(NetAcl::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            NetAcl::parse("10.0.0.0/8, 1.2.3.4 ").unwrap_err(),
            InvalidCidr("1.2.3.4".into())
        );
    }
}
