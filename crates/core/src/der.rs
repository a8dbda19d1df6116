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

/// The content octets Go's `asn1.Marshal` writes for an
/// `asn1.ObjectIdentifier` (`[]int`), or `None` where it fails with
/// `invalid object identifier` (fewer than two arcs, a first arc above 2, a
/// second of 40 or more under 0 or 1). As in Go, the first two arcs are
/// combined with 64-bit wrapping arithmetic and a negative value writes no
/// bytes at all.
pub(crate) fn go_oid_content(arcs: &[i64]) -> Option<Vec<u8>> {
    let [a0, a1, rest @ ..] = arcs else {
        return None;
    };
    if *a0 > 2 || (*a0 < 2 && *a1 >= 40) {
        return None;
    }
    let mut out = Vec::with_capacity(arcs.len() * 2);
    for v in std::iter::once(a0.wrapping_mul(40).wrapping_add(*a1)).chain(rest.iter().copied()) {
        if let Ok(v) = u64::try_from(v) {
            push_base128(&mut out, v);
        }
    }
    Some(out)
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

// Go's `encoding/asn1` reading rules, with its error texts: the header
// reader below is the one `certinfo` uses to reproduce Go's parse errors,
// and [`first_not_der`] applies its encoding rules to a whole input.

/// `asn1: syntax error: …`, as Go's `asn1.SyntaxError` prints.
pub(crate) fn syntax_error(what: &str) -> String {
    format!("asn1: syntax error: {what}")
}

/// `asn1: structure error: …`, as Go's `asn1.StructuralError` prints.
pub(crate) fn structure_error(what: &str) -> String {
    format!("asn1: structure error: {what}")
}

/// A TLV header as Go's `parseTagAndLength` reads it.
pub(crate) struct GoHeader {
    pub(crate) class: u8,
    pub(crate) tag: u32,
    pub(crate) compound: bool,
    pub(crate) length: usize,
    /// Bytes of the header itself.
    pub(crate) size: usize,
}

/// Why Go's `parseTagAndLength` refused a header.
#[derive(Debug)]
pub(crate) struct HeaderError {
    /// Go's message.
    pub(crate) message: String,
    /// The input ended inside the header (as opposed to a header that is
    /// complete but not DER: a long-form length that could be shorter, an
    /// indefinite length, a high tag number that fits the short form).
    pub(crate) truncated: bool,
}

impl HeaderError {
    fn truncated(message: String) -> Self {
        Self {
            message,
            truncated: true,
        }
    }

    fn not_der(message: String) -> Self {
        Self {
            message,
            truncated: false,
        }
    }
}

impl From<HeaderError> for String {
    fn from(e: HeaderError) -> Self {
        e.message
    }
}

/// `asn1.parseTagAndLength` (DER rules: minimal lengths, no indefinite length).
pub(crate) fn go_header(b: &[u8]) -> Result<GoHeader, HeaderError> {
    let truncated = || HeaderError::truncated(syntax_error("truncated tag or length"));
    let first = *b.first().ok_or_else(truncated)?;
    let mut at = 1;
    let mut tag = u32::from(first & 0x1f);
    if tag == 0x1f {
        let (t, used) = go_base128(&b[1..]).map_err(|message| HeaderError {
            truncated: message == syntax_error("truncated base 128 integer"),
            message,
        })?;
        if t < 0x1f {
            return Err(HeaderError::not_der(syntax_error("non-minimal tag")));
        }
        tag = t;
        at += used;
    }
    let len_byte = *b.get(at).ok_or_else(truncated)?;
    at += 1;
    let mut length = usize::from(len_byte & 0x7f);
    if len_byte & 0x80 != 0 {
        let count = length;
        if count == 0 {
            return Err(HeaderError::not_der(syntax_error(
                "indefinite length found (not DER)",
            )));
        }
        length = 0;
        for _ in 0..count {
            let next = *b.get(at).ok_or_else(truncated)?;
            at += 1;
            if length >= 1 << 23 {
                return Err(HeaderError::not_der(structure_error("length too large")));
            }
            length = (length << 8) | usize::from(next);
            if length == 0 {
                return Err(HeaderError::not_der(structure_error(
                    "superfluous leading zeros in length",
                )));
            }
        }
        if length < 0x80 {
            return Err(HeaderError::not_der(structure_error("non-minimal length")));
        }
    }
    Ok(GoHeader {
        class: first >> 6,
        tag,
        compound: first & 0x20 != 0,
        length,
        size: at,
    })
}

/// Go's `parseBase128Int`: the value (at most 31 bits) and the bytes used.
pub(crate) fn go_base128(b: &[u8]) -> Result<(u32, usize), String> {
    let mut v: u64 = 0;
    for (i, byte) in b.iter().enumerate() {
        if i == 5 {
            return Err(structure_error("base 128 integer too large"));
        }
        if i == 0 && *byte == 0x80 {
            return Err(syntax_error("integer is not minimally encoded"));
        }
        v = (v << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return u32::try_from(v)
                .ok()
                .filter(|v| *v <= 0x7fff_ffff)
                .map(|v| (v, i + 1))
                .ok_or_else(|| structure_error("base 128 integer too large"));
        }
    }
    Err(syntax_error("truncated base 128 integer"))
}

/// The first header in `input`, in document order, that is complete but
/// breaks DER's encoding rules as Go's `encoding/asn1` enforces them (a
/// long-form length that could be shorter or has leading zeros, an
/// indefinite length, a non-minimal high tag number), as Go's message.
///
/// Constructed elements are walked into; primitive contents are not. The
/// walk stops, returning `None`, at the first element that is cut short:
/// input that is not even BER is left to the caller's own parser.
pub(crate) fn first_not_der(input: &[u8]) -> Option<String> {
    // Depth first with an explicit stack (hostile input may nest deeply):
    // each entry is the rest of one constructed value's contents.
    let mut stack = vec![input];
    while let Some(b) = stack.pop() {
        if b.is_empty() {
            continue;
        }
        let h = match go_header(b) {
            Ok(h) => h,
            Err(e) if e.truncated => return None,
            Err(e) => return Some(e.message),
        };
        let end = h.size.checked_add(h.length).filter(|end| *end <= b.len())?;
        stack.push(&b[end..]);
        if h.compound {
            stack.push(&b[h.size..end]);
        }
    }
    None
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

    #[test]
    fn go_rules_for_lengths() {
        let good = seq(&[&octet_string(&[0u8; 200]), &seq(&[&null()])]);
        assert_eq!(first_not_der(&good), None);
        // The outer length 0x81 0xcf written with a leading zero byte.
        let mut leading = vec![0x30, 0x82, 0x00];
        leading.extend_from_slice(&good[2..]);
        assert_eq!(
            first_not_der(&leading).as_deref(),
            Some("asn1: structure error: superfluous leading zeros in length")
        );
        // An inner length under 128 in the long form.
        let inner = [0x30, 0x81, 0x02, 0x05, 0x00];
        let wrapped = seq(&[&octet_string(&[1]), &inner]);
        assert_eq!(
            first_not_der(&wrapped).as_deref(),
            Some("asn1: structure error: non-minimal length")
        );
        assert_eq!(
            first_not_der(&[0x30, 0x80, 0x05, 0x00, 0x00, 0x00]).as_deref(),
            Some("asn1: syntax error: indefinite length found (not DER)")
        );
        assert_eq!(
            first_not_der(&[0x1f, 0x05, 0x00]).as_deref(),
            Some("asn1: syntax error: non-minimal tag")
        );
        // Cut short: left to the caller.
        assert_eq!(first_not_der(&good[..good.len() - 1]), None);
        assert_eq!(first_not_der(&[0x30]), None);
        // Only constructed values are walked into: the same bytes inside an
        // OCTET STRING are content.
        assert_eq!(first_not_der(&octet_string(&inner)), None);
        // 100 000 nested SEQUENCEs (minimal headers) around the bad one:
        // the walk reaches it without recursion.
        let mut headers = Vec::new();
        let mut len = inner.len();
        for _ in 0..100_000 {
            let mut h = vec![tag::SEQUENCE];
            push_len(&mut h, len);
            len += h.len();
            headers.push(h);
        }
        let mut deep: Vec<u8> = headers.iter().rev().flatten().copied().collect();
        deep.extend_from_slice(&inner);
        assert_eq!(
            first_not_der(&deep).as_deref(),
            Some("asn1: structure error: non-minimal length")
        );
    }

    #[test]
    fn oids_as_go_marshals_them() {
        assert_eq!(go_oid_content(&[1, 2, 840]), Some(vec![0x2a, 0x86, 0x48]));
        assert_eq!(go_oid_content(&[2, 999]), Some(vec![0x88, 0x37]));
        for bad in [&[][..], &[1], &[3, 1], &[1, 40], &[0, 40]] {
            assert_eq!(go_oid_content(bad), None, "{bad:?}");
        }
        // Go writes nothing for a negative arc.
        assert_eq!(go_oid_content(&[1, 2, -1]), Some(vec![0x2a]));
        assert_eq!(go_oid_content(&[0, -5]), Some(vec![]));
    }
}
