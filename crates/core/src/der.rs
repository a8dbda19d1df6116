//! A minimal DER writer and reader.
//!
//! Everything this crate emits is built with these few functions, so the
//! exact bytes (tag choice, string types, element order) are decided here and
//! nowhere else. Parsing of whole certificates and CSRs is left to
//! `x509-parser`; the reader below only walks TLVs to pick raw slices.

/// Universal tag numbers used by this crate.
pub(crate) mod tag {
    pub(crate) const BOOLEAN: u8 = 0x01;
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const NULL: u8 = 0x05;
    pub(crate) const ENUMERATED: u8 = 0x0a;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const UTF8_STRING: u8 = 0x0c;
    pub(crate) const PRINTABLE_STRING: u8 = 0x13;
    pub(crate) const IA5_STRING: u8 = 0x16;
    pub(crate) const UTC_TIME: u8 = 0x17;
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
}

/// Encodes one TLV.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    tlv_of(tag, &[content])
}

/// Encodes one TLV whose content is `parts` one after the other, in one
/// allocation (a signing request builds about sixty TLVs).
fn tlv_of(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 6);
    out.push(tag);
    push_len(&mut out, len);
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// SEQUENCE of already-encoded elements.
pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv_of(tag::SEQUENCE, parts)
}

/// SET OF already-encoded elements, sorted by their encodings as DER requires.
pub(crate) fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.sort();
    let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    tlv_of(tag::SET, &parts)
}

/// Context-specific constructed tag `[n]`.
pub(crate) fn explicit(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, content)
}

/// Context-specific primitive tag `[n]` (IMPLICIT over a primitive type).
pub(crate) fn implicit(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0x80 | n, content)
}

pub(crate) fn boolean(v: bool) -> Vec<u8> {
    tlv(tag::BOOLEAN, &[if v { 0xff } else { 0 }])
}

pub(crate) fn null() -> Vec<u8> {
    vec![tag::NULL, 0]
}

pub(crate) fn octet_string(content: &[u8]) -> Vec<u8> {
    tlv(tag::OCTET_STRING, content)
}

/// BIT STRING with no unused bits.
pub(crate) fn bit_string(content: &[u8]) -> Vec<u8> {
    tlv_of(tag::BIT_STRING, &[&[0], content])
}

/// INTEGER from unsigned big-endian magnitude bytes (minimal, positive).
pub(crate) fn uint(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let mag = &bytes[skip..];
    let pad: &[u8] = if mag.is_empty() || mag[0] & 0x80 != 0 {
        &[0]
    } else {
        &[]
    };
    tlv_of(tag::INTEGER, &[pad, mag])
}

/// INTEGER from a small signed value.
pub(crate) fn int(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    tlv(tag::INTEGER, &bytes[start..])
}

/// OBJECT IDENTIFIER from its arcs. Returns `None` when the arcs cannot form
/// an OID (fewer than two, first arc above 2, second above 39 under 0/1).
pub(crate) fn oid(arcs: &[u64]) -> Option<Vec<u8>> {
    // Encoded in place after a one-byte length, which fits every OID but
    // absurdly long ones.
    let mut out = Vec::with_capacity(2 + arcs.len() * 2);
    out.extend_from_slice(&[tag::OID, 0]);
    push_oid_content(&mut out, arcs)?;
    match u8::try_from(out.len() - 2) {
        Ok(len) if len < 0x80 => {
            out[1] = len;
            Some(out)
        }
        _ => Some(tlv(tag::OID, &out[2..])),
    }
}

/// Appends the content octets of an OID to `out`.
fn push_oid_content(out: &mut Vec<u8>, arcs: &[u64]) -> Option<()> {
    if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
        return None;
    }
    let first = arcs[0].checked_mul(40)?.checked_add(arcs[1])?;
    push_base128(out, first);
    for a in &arcs[2..] {
        push_base128(out, *a);
    }
    Some(())
}

fn push_base128(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    let last = tmp.len() - 1;
    for (j, b) in tmp.iter().enumerate().skip(i) {
        out.push(if j == last { *b } else { b | 0x80 });
    }
}

/// Parses a dotted OID string (`1.2.840.113549`) into arcs.
pub(crate) fn parse_dotted(s: &str) -> Option<Vec<u64>> {
    s.split('.').map(|p| p.parse::<u64>().ok()).collect()
}

/// OID constant from a dotted string known at compile time to be valid.
pub(crate) fn oid_str(s: &str) -> Vec<u8> {
    // The callers pass literal OIDs from this crate's tables; a bad literal
    // is a programming error caught by the unit tests. Those OIDs are
    // encoded several times per certificate: the arcs are parsed onto the
    // stack, and only the encoding is allocated.
    let mut arcs = [0u64; 16];
    let mut n = 0;
    for part in s.split('.') {
        let (Some(slot), Ok(v)) = (arcs.get_mut(n), part.parse::<u64>()) else {
            return parse_dotted(s).and_then(|a| oid(&a)).unwrap_or_default();
        };
        *slot = v;
        n += 1;
    }
    oid(&arcs[..n]).unwrap_or_default()
}

/// A parsed TLV borrowed from its input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    /// The whole encoding, header included.
    pub(crate) raw: &'a [u8],
}

/// Reads one TLV from the front of `input`, returning it and the rest.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *input.first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers are not used by anything we read
    }
    let first = *input.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*input.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    if end > input.len() {
        return None;
    }
    Some((
        Tlv {
            tag,
            content: &input[hdr..end],
            raw: &input[..end],
        },
        &input[end..],
    ))
}

/// Reads every TLV in `input` (the contents of a constructed value).
pub(crate) fn read_all(mut input: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::with_capacity(8);
    while !input.is_empty() {
        let (t, rest) = read(input)?;
        out.push(t);
        input = rest;
    }
    Some(out)
}

/// Reads exactly one TLV occupying the whole input.
pub(crate) fn read_one(input: &[u8]) -> Option<Tlv<'_>> {
    match read(input)? {
        (t, []) => Some(t),
        _ => None,
    }
}

/// Decodes OID content octets into dotted form.
pub(crate) fn oid_to_string(content: &[u8]) -> Option<String> {
    // Written into one string: OIDs are read several dozen times per
    // signing request.
    let mut out = String::with_capacity(content.len() * 3);
    let mut v: u64 = 0;
    for (i, b) in content.iter().enumerate() {
        v = v.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if out.is_empty() {
                let (a, b) = if v < 40 {
                    (0, v)
                } else if v < 80 {
                    (1, v - 40)
                } else {
                    (2, v - 80)
                };
                push_decimal(&mut out, a);
                out.push('.');
                push_decimal(&mut out, b);
            } else {
                out.push('.');
                push_decimal(&mut out, v);
            }
            v = 0;
        } else if i == content.len() - 1 {
            return None;
        }
    }
    if out.is_empty() {
        return None;
    }
    Some(out)
}

/// Appends `v` in decimal.
fn push_decimal(out: &mut String, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend(digits[i..].iter().map(|d| char::from(*d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_round_trip() {
        let o = oid_str("1.2.840.113549.1.1.11");
        assert_eq!(o, [6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11]);
        assert_eq!(
            oid_to_string(&o[2..]).as_deref(),
            Some("1.2.840.113549.1.1.11")
        );
        assert_eq!(
            oid_to_string(&oid_str("2.5.29.37.0")[2..]).as_deref(),
            Some("2.5.29.37.0")
        );
    }

    #[test]
    fn oid_strings_of_edge_arcs() {
        for arcs in [
            &[0u64, 0][..],
            &[1, 39, 0, 10, 99, 100, 1000],
            &[2, 999, 3],
            &[2, 5, 29, 17],
            &[1, 3, 6, 1, 4, 1, 311, 21, 20],
            &[2, 1, u64::from(u32::MAX), 1 << 40],
        ] {
            let mut content = Vec::new();
            push_oid_content(&mut content, arcs).expect("valid arcs");
            let want = arcs
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".");
            assert_eq!(oid_to_string(&content), Some(want));
        }
        // A long OID takes a long-form length; one of more than 16 arcs
        // goes through the general path.
        let many: Vec<u64> = (0..70).map(|i| if i < 2 { 1 } else { 1 << 20 }).collect();
        let long = oid(&many).expect("valid arcs");
        assert_eq!(&long[..3], &[tag::OID, 0x81, 205]);
        let dotted = many
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".");
        assert_eq!(oid_str(&dotted), long);
        assert_eq!(oid_to_string(&long[3..]), Some(dotted));
        assert_eq!(oid_str("1.2.x"), Vec::<u8>::new());
        // Empty, and a last byte that says more follows.
        assert_eq!(oid_to_string(&[]), None);
        assert_eq!(oid_to_string(&[0x2a, 0x86]), None);
        // An arc wider than 64 bits.
        assert_eq!(
            oid_to_string(&[
                0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
            ]),
            None
        );
    }

    #[test]
    fn integers_are_minimal() {
        assert_eq!(int(0), [2, 1, 0]);
        assert_eq!(int(127), [2, 1, 127]);
        assert_eq!(int(128), [2, 2, 0, 128]);
        assert_eq!(int(-1), [2, 1, 0xff]);
        assert_eq!(uint(&[0, 0, 0x80]), [2, 2, 0, 0x80]);
        assert_eq!(uint(&[0, 0x7f]), [2, 1, 0x7f]);
    }

    #[test]
    fn long_lengths() {
        let v = tlv(4, &[0u8; 300]);
        assert_eq!(&v[..4], &[4, 0x82, 1, 44]);
        let (t, rest) = read(&v).expect("valid");
        assert_eq!(t.content.len(), 300);
        assert!(rest.is_empty());
    }
}
