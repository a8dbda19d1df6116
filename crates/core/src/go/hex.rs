//! Go's `encoding/hex`.

/// Go's `hex.DecodeString`, with its error texts (byte by byte, a bad
/// byte reported before an odd length).
///
/// # Errors
/// Go's text: `encoding/hex: invalid byte: U+007A 'z'`,
/// `encoding/hex: odd length hex string`.
pub fn decode_string(s: &str) -> Result<Vec<u8>, String> {
    let digit = |b: u8| char::from(b).to_digit(16);
    let bad = |b: u8| {
        let c = char::from(b);
        format!(
            "encoding/hex: invalid byte: U+{:04X} {}",
            u32::from(c),
            go_quote_rune(c)
        )
    };
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for pair in bytes.chunks(2) {
        match *pair {
            [hi, lo] => match (digit(hi), digit(lo)) {
                // Two hex digits make at most 0xff.
                (Some(h), Some(l)) => out.push(u8::try_from(h * 16 + l).unwrap_or(u8::MAX)),
                (None, _) => return Err(bad(hi)),
                (_, None) => return Err(bad(lo)),
            },
            [last] if digit(last).is_none() => return Err(bad(last)),
            _ => return Err("encoding/hex: odd length hex string".into()),
        }
    }
    Ok(out)
}

/// Go's `%#U` suffix: the rune quoted, when `strconv.IsPrint` says it is
/// printable.
fn go_quote_rune(c: char) -> String {
    if crate::go::strconv::is_go_print(c) {
        format!("'{c}'")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn go_hex_errors() {
        assert_eq!(super::decode_string("0aFf"), Ok(vec![0x0a, 0xff]));
        assert_eq!(
            super::decode_string("zz").unwrap_err(),
            "encoding/hex: invalid byte: U+007A 'z'"
        );
        assert_eq!(
            super::decode_string("abc").unwrap_err(),
            "encoding/hex: odd length hex string"
        );
        assert_eq!(
            super::decode_string("abx").unwrap_err(),
            "encoding/hex: invalid byte: U+0078 'x'"
        );
    }
}
