//! X.509 extensions: the generic type and the builders for each extension
//! cfssl emits (RFC 5280 §4.2).

use crate::der::{self, tag};
use crate::hosts::Sans;

/// OIDs of the extensions this crate builds or reads.
pub(crate) mod oids {
    pub(crate) const SKI: &str = "2.5.29.14";
    pub(crate) const KEY_USAGE: &str = "2.5.29.15";
    pub(crate) const SAN: &str = "2.5.29.17";
    pub(crate) const BASIC_CONSTRAINTS: &str = "2.5.29.19";
    pub(crate) const CRL_DP: &str = "2.5.29.31";
    pub(crate) const POLICIES: &str = "2.5.29.32";
    pub(crate) const AKI: &str = "2.5.29.35";
    pub(crate) const CRL_NUMBER: &str = "2.5.29.20";
    pub(crate) const CRL_REASON: &str = "2.5.29.21";
    pub(crate) const EKU: &str = "2.5.29.37";
    pub(crate) const AIA: &str = "1.3.6.1.5.5.7.1.1";
    pub(crate) const OCSP_NO_CHECK: &str = "1.3.6.1.5.5.7.48.1.5";
    pub(crate) const DELEGATION_USAGE: &str = "1.3.6.1.4.1.44363.44";
    pub(crate) const EXTENSION_REQUEST: &str = "1.2.840.113549.1.9.14";
    pub(crate) const AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";
    pub(crate) const AD_CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";
    pub(crate) const QT_CPS: &str = "1.3.6.1.5.5.7.2.1";
    pub(crate) const QT_UNOTICE: &str = "1.3.6.1.5.5.7.2.2";
}

/// One extension: OID (dotted), criticality, DER value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extension {
    /// Dotted OID.
    pub oid: String,
    /// The critical flag.
    pub critical: bool,
    /// The DER inside the extnValue OCTET STRING.
    pub value: Vec<u8>,
}

impl Extension {
    pub(crate) fn new(oid: &str, critical: bool, value: Vec<u8>) -> Self {
        Self {
            oid: oid.to_string(),
            critical,
            value,
        }
    }

    /// DER of the Extension SEQUENCE (critical written only when true), for
    /// an extension whose OID is known to encode: one of this crate's own
    /// OIDs, or one read from DER. An OID that cannot be encoded is written
    /// empty; [`Self::try_to_der`] refuses it instead.
    pub(crate) fn to_der(&self) -> Vec<u8> {
        self.encode(
            der::parse_dotted(&self.oid)
                .and_then(|a| der::oid(&a))
                .unwrap_or_default(),
        )
    }

    /// As [`Self::to_der`], or `None` when the OID has fewer than two arcs,
    /// a first arc above 2, a second above 39 under 0 or 1, or is not a
    /// dotted OID at all (Go's `asn1: structure error: invalid object
    /// identifier`).
    pub(crate) fn try_to_der(&self) -> Option<Vec<u8>> {
        Some(self.encode(der::oid(&der::parse_dotted(&self.oid)?)?))
    }

    fn encode(&self, oid: Vec<u8>) -> Vec<u8> {
        if self.critical {
            der::seq(&[&oid, &der::boolean(true), &der::octet_string(&self.value)])
        } else {
            der::seq(&[&oid, &der::octet_string(&self.value)])
        }
    }

    /// Reads the extensions of a `SEQUENCE OF Extension` content.
    pub(crate) fn parse_list(content: &[u8]) -> Option<Vec<Self>> {
        let mut out = Vec::new();
        for e in der::read_all(content)? {
            let parts = der::read_all(e.content)?;
            let oid = der::oid_to_string(parts.first()?.content)?;
            let (critical, value) = match parts.as_slice() {
                [_, v] => (false, v),
                [_, c, v] if c.tag == tag::BOOLEAN => {
                    (c.content.first().is_some_and(|b| *b != 0), v)
                }
                _ => return None,
            };
            if value.tag != tag::OCTET_STRING {
                return None;
            }
            out.push(Self {
                oid,
                critical,
                value: value.content.to_vec(),
            });
        }
        Some(out)
    }
}

/// KeyUsage bit string with the minimal number of bits, as Go writes it.
pub(crate) fn key_usage(bits: u16) -> Vec<u8> {
    // Bit 0 is the most significant bit of the first byte.
    let mut bytes = [0u8; 2];
    for i in 0..9u16 {
        if bits & (1 << i) != 0 {
            bytes[usize::from(i / 8)] |= 0x80 >> (i % 8);
        }
    }
    let len = if bytes[1] != 0 { 2 } else { 1 };
    let last = bytes[len - 1];
    let unused = if last == 0 {
        0
    } else {
        last.trailing_zeros() as u8
    };
    let mut content = vec![unused];
    content.extend_from_slice(&bytes[..len]);
    if bits == 0 {
        content = vec![0];
    }
    der::tlv(tag::BIT_STRING, &content)
}

/// ExtendedKeyUsage from dotted OIDs, in order.
pub(crate) fn ext_key_usage(oids: &[&str]) -> Vec<u8> {
    let parts: Vec<Vec<u8>> = oids.iter().map(|o| der::oid_str(o)).collect();
    der::tlv(tag::SEQUENCE, &parts.concat())
}

/// BasicConstraints: `cA` written only when true, pathlen only when `Some`.
pub(crate) fn basic_constraints(is_ca: bool, path_len: Option<i64>) -> Vec<u8> {
    let mut parts = Vec::new();
    if is_ca {
        parts.extend(der::boolean(true));
    }
    if let Some(n) = path_len {
        parts.extend(der::int(n));
    }
    der::tlv(tag::SEQUENCE, &parts)
}

/// Reads BasicConstraints: (cA, pathLen).
pub(crate) fn parse_basic_constraints(value: &[u8]) -> Option<(bool, Option<i64>)> {
    let top = der::read_one(value)?;
    let mut is_ca = false;
    let mut path = None;
    for t in der::read_all(top.content)? {
        match t.tag {
            tag::BOOLEAN => is_ca = t.content.first().is_some_and(|b| *b != 0),
            tag::INTEGER => {
                let mut v: i64 = 0;
                for b in t.content.iter().take(8) {
                    v = (v << 8) | i64::from(*b);
                }
                path = Some(v);
            }
            _ => {}
        }
    }
    Some((is_ca, path))
}

/// SubjectKeyIdentifier value: an OCTET STRING.
pub(crate) fn subject_key_id(id: &[u8]) -> Vec<u8> {
    der::octet_string(id)
}

/// AuthorityKeyIdentifier with keyIdentifier only.
pub(crate) fn authority_key_id(id: &[u8]) -> Vec<u8> {
    der::seq(&[&der::implicit(0, id)])
}

/// AuthorityInfoAccess: OCSP servers, then CA issuers.
pub(crate) fn authority_info_access(ocsp: &[String], issuers: &[String]) -> Vec<u8> {
    let mut parts = Vec::new();
    for (oid, urls) in [(oids::AD_OCSP, ocsp), (oids::AD_CA_ISSUERS, issuers)] {
        for u in urls {
            parts.extend(der::seq(&[
                &der::oid_str(oid),
                &der::implicit(6, u.as_bytes()),
            ]));
        }
    }
    der::tlv(tag::SEQUENCE, &parts)
}

/// CRLDistributionPoints with one full-name URI.
pub(crate) fn crl_distribution_points(url: &str) -> Vec<u8> {
    let gn = der::implicit(6, url.as_bytes());
    let full_name = der::explicit(0, &gn);
    let dp_name = der::explicit(0, &full_name);
    der::seq(&[&der::seq(&[&dp_name])])
}

/// SubjectAltName from classified hosts.
pub(crate) fn subject_alt_name(sans: &Sans) -> crate::Result<Vec<u8>> {
    sans.to_der()
}

/// A policy qualifier of a certificate policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyQualifier {
    /// id-qt-cps: a CPS URI.
    Cps(String),
    /// id-qt-unotice: an explicit text notice.
    UserNotice(String),
}

/// CertificatePolicies as cfssl writes them.
pub(crate) fn certificate_policies(policies: &[(Vec<u64>, Vec<PolicyQualifier>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (id, quals) in policies {
        let oid = der::oid(id).unwrap_or_default();
        if quals.is_empty() {
            out.extend(der::seq(&[&oid]));
            continue;
        }
        let mut qs = Vec::new();
        for q in quals {
            qs.extend(match q {
                PolicyQualifier::Cps(uri) => der::seq(&[
                    &der::oid_str(oids::QT_CPS),
                    &der::tlv(tag::IA5_STRING, uri.as_bytes()),
                ]),
                PolicyQualifier::UserNotice(text) => der::seq(&[
                    &der::oid_str(oids::QT_UNOTICE),
                    &der::seq(&[&der::tlv(tag::UTF8_STRING, text.as_bytes())]),
                ]),
            });
        }
        out.extend(der::seq(&[&oid, &der::tlv(tag::SEQUENCE, &qs)]));
    }
    der::tlv(tag::SEQUENCE, &out)
}

/// Reads a GeneralNames value into classified SANs (unknown kinds skipped).
pub(crate) fn parse_sans(value: &[u8]) -> Option<Sans> {
    let top = der::read_one(value)?;
    let mut s = Sans::default();
    for gn in der::read_all(top.content)? {
        let text = || String::from_utf8_lossy(gn.content).into_owned();
        match gn.tag {
            0x82 => s.dns.push(text()),
            0x81 => s.emails.push(text()),
            0x86 => s.uris.push(text()),
            0x87 => match gn.content.len() {
                4 => {
                    let b: [u8; 4] = gn.content.try_into().ok()?;
                    s.ips.push(std::net::IpAddr::from(b));
                }
                16 => {
                    let b: [u8; 16] = gn.content.try_into().ok()?;
                    s.ips.push(std::net::IpAddr::from(b));
                }
                _ => {}
            },
            _ => {}
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_is_minimal() {
        // digitalSignature | keyEncipherment → 03 02 05 a0
        assert_eq!(key_usage(0b101), [3, 2, 5, 0xa0]);
        // keyCertSign | cRLSign → 03 02 01 06
        assert_eq!(key_usage((1 << 5) | (1 << 6)), [3, 2, 1, 6]);
        // decipherOnly (bit 8) needs two bytes
        assert_eq!(key_usage(1 << 8), [3, 3, 7, 0, 0x80]);
    }

    #[test]
    fn basic_constraints_der() {
        assert_eq!(basic_constraints(false, None), [0x30, 0]);
        assert_eq!(basic_constraints(true, None), [0x30, 3, 1, 1, 0xff]);
        assert_eq!(
            basic_constraints(true, Some(0)),
            [0x30, 6, 1, 1, 0xff, 2, 1, 0]
        );
        assert_eq!(
            parse_basic_constraints(&basic_constraints(true, Some(1))),
            Some((true, Some(1)))
        );
    }
}
