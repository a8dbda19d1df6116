//! Standard base64 (RFC 4648, padded) as Go's `encoding/base64.StdEncoding`
//! reads and writes it; `encoding/json` uses it for `[]byte` fields.
//!
//! Decoding mirrors Go's `decodeQuantum`: `\r` and `\n` are skipped
//! anywhere, padding is required, bits left over in the last quantum are
//! ignored, and the error names the offset Go names
//! (`illegal base64 data at input byte 4`).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `data` with padding.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

fn value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Go's `base64.CorruptInputError`: the offset of the first bad byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CorruptInput(pub usize);

impl std::fmt::Display for CorruptInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "illegal base64 data at input byte {}", self.0)
    }
}

fn skip_newlines(src: &[u8], mut si: usize) -> usize {
    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
        si += 1;
    }
    si
}

/// Decodes `src` as Go's `StdEncoding.Decode` does.
pub fn decode(src: &[u8]) -> Result<Vec<u8>, CorruptInput> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        // One quantum: up to four symbols, newlines skipped.
        let mut buf = [0u8; 4];
        let mut len = 4;
        let mut j = 0;
        let mut trailing = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                // Padding is required: a short final quantum is an error.
                return Err(CorruptInput(si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = value(c) {
                buf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(CorruptInput(si - 1));
            }
            // Padding: only after two or three symbols.
            match j {
                0 | 1 => return Err(CorruptInput(si - 1)),
                2 => {
                    si = skip_newlines(src, si);
                    if si == src.len() {
                        return Err(CorruptInput(src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(CorruptInput(si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            si = skip_newlines(src, si);
            if si < src.len() {
                trailing = Some(CorruptInput(si));
            }
            len = j;
            break;
        }
        let n = (u32::from(buf[0]) << 18)
            | (u32::from(buf[1]) << 12)
            | (u32::from(buf[2]) << 6)
            | u32::from(buf[3]);
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..len - 1]);
        if let Some(e) = trailing {
            return Err(e);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for n in 0..40u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(decode(encode(&data).as_bytes()), Ok(data));
        }
        assert_eq!(encode(b"foob"), "Zm9vYg==");
        assert_eq!(encode(b""), "");
    }

    /// Offsets and acceptance checked against Go's `base64.StdEncoding.Decode`.
    #[test]
    fn go_errors_and_leniencies() {
        assert_eq!(decode(b"Zm9v\r\nYmFy"), Ok(b"foobar".to_vec()));
        assert_eq!(decode(b"Zm9vYg=\n="), Ok(b"foob".to_vec()));
        // Non-zero leftover bits are accepted (Go's non-strict mode).
        assert_eq!(decode(b"Zm9vYh=="), Ok(b"foob".to_vec()));
        assert_eq!(decode(b"Zm9vYg"), Err(CorruptInput(4)));
        assert_eq!(decode(b"Zm9vY"), Err(CorruptInput(4)));
        assert_eq!(decode(b"Zm9v!"), Err(CorruptInput(4)));
        assert_eq!(decode(b"Zm9vYg="), Err(CorruptInput(7)));
        assert_eq!(decode(b"Zm9vYg=x"), Err(CorruptInput(6)));
        assert_eq!(decode(b"Zm9vY==="), Err(CorruptInput(5)));
        assert_eq!(decode(b"Zg==Zg=="), Err(CorruptInput(4)));
        assert_eq!(decode(b"=AAA"), Err(CorruptInput(0)));
        assert_eq!(
            CorruptInput(4).to_string(),
            "illegal base64 data at input byte 4"
        );
    }
}

/// The tests of the Go base64 copy that cfssljson had, kept for the one implementation.
#[cfg(test)]
mod moved_from_cfssljson {
    use super::*;

    #[test]
    fn round_trip() {
        for data in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            &[0, 255, 128],
        ] {
            let text = encode(data);
            assert_eq!(decode(text.as_bytes()), Ok(data.to_vec()), "{text}");
        }
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(b"fooba"), "Zm9vYmE=");
        assert_eq!(encode(b"foob"), "Zm9vYg==");
    }

    #[test]
    fn go_decoding_rules() {
        assert_eq!(decode(b"Zm9v\r\nYmFy\n"), Ok(b"foobar".to_vec()));
        assert_eq!(decode(b"Zm9vYg=\n="), Ok(b"foob".to_vec()));
        assert_eq!(decode(b"Zm9vYmE"), Err(CorruptInput(4)), "missing padding");
        assert_eq!(decode(b"Zm9vY"), Err(CorruptInput(4)));
        assert_eq!(
            decode(b"Zm9vYg="),
            Err(CorruptInput(7)),
            "not enough padding"
        );
        assert_eq!(
            decode(b"Zm9vYgx="),
            Ok(b"foob\x0c".to_vec()),
            "non-zero padding bits are accepted"
        );
        assert_eq!(decode(b"!!!!"), Err(CorruptInput(0)));
        assert_eq!(decode(b"Zm9v!"), Err(CorruptInput(4)));
        assert_eq!(
            decode(b"Zm9vYg==Zm9v"),
            Err(CorruptInput(8)),
            "trailing garbage"
        );
        assert_eq!(decode(b"Zm9vYg=x"), Err(CorruptInput(6)));
        assert_eq!(
            decode(b"Zm9v=AAA"),
            Err(CorruptInput(4)),
            "padding too early"
        );
        assert_eq!(decode(b"Z==="), Err(CorruptInput(1)));
        assert_eq!(
            decode(b"-_8"),
            Err(CorruptInput(0)),
            "URL alphabet is not accepted"
        );
    }
}
