//! Distinguished names, encoded as Go's `pkix.Name.ToRDNSequence` does.
//!
//! Attribute order is fixed: C, ST, L, street, postalCode, O, OU, CN,
//! serialNumber, then the extra names in their own order; several values of
//! one type form one multi-valued RDN (SET members sorted by DER); each
//! value is a PrintableString when every character allows it, else a
//! UTF8String.

use crate::der::{self, tag};

pub(crate) const OID_C: &str = "2.5.4.6";
pub(crate) const OID_ST: &str = "2.5.4.8";
pub(crate) const OID_L: &str = "2.5.4.7";
pub(crate) const OID_STREET: &str = "2.5.4.9";
pub(crate) const OID_POSTAL: &str = "2.5.4.17";
pub(crate) const OID_O: &str = "2.5.4.10";
pub(crate) const OID_OU: &str = "2.5.4.11";
pub(crate) const OID_CN: &str = "2.5.4.3";
pub(crate) const OID_SERIAL: &str = "2.5.4.5";
pub(crate) const OID_EMAIL: &str = "1.2.840.113549.1.9.1";

/// A subject or issuer name in Go's field form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Subject {
    /// Country (C).
    pub country: Vec<String>,
    /// State or province (ST).
    pub province: Vec<String>,
    /// Locality (L).
    pub locality: Vec<String>,
    /// Street address.
    pub street_address: Vec<String>,
    /// Postal code.
    pub postal_code: Vec<String>,
    /// Organization (O).
    pub organization: Vec<String>,
    /// Organizational unit (OU).
    pub organizational_unit: Vec<String>,
    /// Common name (CN).
    pub common_name: String,
    /// serialNumber attribute (2.5.4.5).
    pub serial_number: String,
    /// Other attributes, each as (dotted OID, value), in order.
    pub extra: Vec<(String, String)>,
}

/// Go's `asn1` PrintableString alphabet, as used when marshalling.
pub fn is_printable(s: &str) -> bool {
    s.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b' ' | b'\'' | b'(' | b')' | b'+' | b',' | b'-' | b'.' | b'/' | b':' | b'=' | b'?'
            )
    })
}

fn attr(oid: &str, value: &str) -> Vec<u8> {
    let t = if is_printable(value) {
        tag::PRINTABLE_STRING
    } else {
        tag::UTF8_STRING
    };
    der::seq(&[&der::oid_str(oid), &der::tlv(t, value.as_bytes())])
}

impl Subject {
    /// True when no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.to_der() == der::seq(&[])
    }

    /// DER of the RDNSequence.
    pub fn to_der(&self) -> Vec<u8> {
        let mut rdns: Vec<Vec<u8>> = Vec::new();
        let extra_has = |oid: &str| self.extra.iter().any(|(o, _)| o == oid);
        let multi = |rdns: &mut Vec<Vec<u8>>, oid: &str, values: &[String]| {
            if extra_has(oid) {
                return; // Go's appendRDNs: an extra name of the same type wins
            }
            let vals: Vec<Vec<u8>> = values
                .iter()
                .filter(|v| !v.is_empty())
                .map(|v| attr(oid, v))
                .collect();
            if !vals.is_empty() {
                rdns.push(der::set_of(vals));
            }
        };
        multi(&mut rdns, OID_C, &self.country);
        multi(&mut rdns, OID_ST, &self.province);
        multi(&mut rdns, OID_L, &self.locality);
        multi(&mut rdns, OID_STREET, &self.street_address);
        multi(&mut rdns, OID_POSTAL, &self.postal_code);
        multi(&mut rdns, OID_O, &self.organization);
        multi(&mut rdns, OID_OU, &self.organizational_unit);
        if !self.common_name.is_empty() && !extra_has(OID_CN) {
            rdns.push(der::set_of(vec![attr(OID_CN, &self.common_name)]));
        }
        if !self.serial_number.is_empty() && !extra_has(OID_SERIAL) {
            rdns.push(der::set_of(vec![attr(OID_SERIAL, &self.serial_number)]));
        }
        for (oid, v) in &self.extra {
            if let Some(o) = der::parse_dotted(oid).and_then(|a| der::oid(&a)) {
                let t = if is_printable(v) {
                    tag::PRINTABLE_STRING
                } else {
                    tag::UTF8_STRING
                };
                rdns.push(der::set_of(vec![der::seq(&[
                    &o,
                    &der::tlv(t, v.as_bytes()),
                ])]));
            }
        }
        der::tlv(tag::SEQUENCE, &rdns.concat())
    }

    /// Reads a DER Name into Go's field form, as `FillFromRDNSequence`
    /// does (known attributes into their fields, the rest into `extra`).
    pub(crate) fn from_der(name: &[u8]) -> Option<Self> {
        let mut s = Self::default();
        let top = der::read_one(name)?;
        for rdn in der::read_all(top.content)? {
            for atv in der::read_all(rdn.content)? {
                let parts = der::read_all(atv.content)?;
                let oid = der::oid_to_string(parts.first()?.content)?;
                let v = parts.get(1)?;
                let value = decode_string(v.tag, v.content)?;
                match oid.as_str() {
                    OID_C => s.country.push(value),
                    OID_ST => s.province.push(value),
                    OID_L => s.locality.push(value),
                    OID_STREET => s.street_address.push(value),
                    OID_POSTAL => s.postal_code.push(value),
                    OID_O => s.organization.push(value),
                    OID_OU => s.organizational_unit.push(value),
                    OID_CN => s.common_name = value,
                    OID_SERIAL => s.serial_number = value,
                    _ => s.extra.push((oid, value)),
                }
            }
        }
        Some(s)
    }
}

/// Decodes a directory string of any of the usual types.
pub(crate) fn decode_string(t: u8, content: &[u8]) -> Option<String> {
    match t {
        // UTF8String, PrintableString, IA5String, T61String, NumericString
        0x0c | 0x13 | 0x16 | 0x14 | 0x12 => Some(String::from_utf8_lossy(content).into_owned()),
        // BMPString (UCS-2 big-endian)
        0x1e => {
            let units: Vec<u16> = content
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        // UniversalString (UCS-4)
        0x1c => Some(
            content
                .chunks(4)
                .filter_map(|c| {
                    let b: [u8; 4] = c.try_into().ok()?;
                    char::from_u32(u32::from_be_bytes(b))
                })
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_order_and_multi_valued_rdns() {
        let s = Subject {
            common_name: "x".into(),
            organizational_unit: vec!["b".into(), "a".into()],
            country: vec!["US".into()],
            ..Subject::default()
        };
        let d = s.to_der();
        let back = Subject::from_der(&d).unwrap();
        assert_eq!(back.country, ["US"]);
        assert_eq!(back.organizational_unit, ["a", "b"], "SET OF sorted by DER");
        let rdns = der::read_all(der::read_one(&d).unwrap().content).unwrap();
        assert_eq!(rdns.len(), 3);
    }

    #[test]
    fn string_types() {
        assert!(is_printable("Example Org (test) 1+2=3?"));
        for s in ["a*b", "x@y", "a&b", "Org_1", "Львів"] {
            assert!(!is_printable(s), "{s}");
        }
        let d = attr(OID_CN, "x@y");
        assert_eq!(d[d.len() - 5], tag::UTF8_STRING);
    }

    proptest! {
        #[test]
        fn printable_rule_is_go_alphabet(s in "\\PC{0,16}") {
            let expected = s.chars().all(|c| c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c));
            prop_assert_eq!(is_printable(&s), expected);
        }
    }
}
