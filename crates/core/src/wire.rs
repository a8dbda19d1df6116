//! The JSON shapes cfssl prints, written byte for byte as Go's
//! `encoding/json` writes them (compact, keys sorted, `<`, `>`, `&`,
//! U+2028 and U+2029 escaped).

/// A JSON string literal as Go writes it.
///
/// ```
/// use cfssl_core::wire::go_string;
/// assert_eq!(go_string("a<b>\n\u{2028}"), r#""a\u003cb\u003e\n\u2028""#);
/// ```
pub fn go_string(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    // Copy runs of bytes that need no escape in one go; only ASCII
    // punctuation, control bytes and the first byte (0xE2) of U+2028 and
    // U+2029 can start an escape.
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'<' => "\\u003c",
            b'>' => "\\u003e",
            b'&' => "\\u0026",
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => "\\u2028",
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => "\\u2029",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
            start = i + 1;
        } else {
            out.push_str(escape);
            // U+2028 and U+2029 are three bytes long.
            start = i + if b == 0xE2 { 3 } else { 1 };
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
    out
}

/// Quotes a string as Go's `strconv.Quote` / `fmt`'s `%q` do (the project's one `%q`): double
/// quotes; `\a \b \f \n \r \t \v \\ \"` escapes; other non-printable characters as `\xNN` (below U+0020 and U+007F),
/// `\uNNNN` or `\UNNNNNNNN`; printable characters as-is.
///
/// Go's `unicode.IsPrint` is approximated: controls, non-ASCII spaces, common format
/// characters, private-use characters and non-characters are escaped; unassigned code points,
/// which Go also escapes, are kept.
///
/// ```
/// use cfssl_core::wire::go_quote;
/// assert_eq!(go_quote("a \"b\"\n"), r#""a \"b\"\n""#);
/// assert_eq!(go_quote("\u{1}\u{a0}é"), r#""\x01\u00a0é""#);
/// ```
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_go_escaped(&mut out, c);
    }
    out.push('"');
    out
}

/// Appends one character as [`go_quote`] writes it inside the quotes (also Go's `quoteChar`
/// inside single quotes).
pub fn push_go_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        _ if is_go_print(c) => out.push(c),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        _ if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", u32::from(c))),
        _ if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
        _ => out.push_str(&format!("\\U{:08x}", u32::from(c))),
    }
}

/// An approximation of Go's `unicode.IsPrint` (see [`go_quote`]).
fn is_go_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c,
        '\u{AD}'
        | '\u{600}'..='\u{605}'
        | '\u{61C}'
        | '\u{6DD}'
        | '\u{70F}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{E000}'..='\u{F8FF}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{FFFE}'
        | '\u{FFFF}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}'
        | '\u{F0000}'..='\u{10FFFF}')
}

/// `{"code":N,"message":"…"}`.
pub fn error_json(code: u32, message: &str) -> String {
    format!("{{\"code\":{code},\"message\":{}}}", go_string(message))
}

/// A compact object of string members, keys sorted as Go sorts map keys.
pub fn string_object(members: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = members.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let body: Vec<String> = sorted
        .iter()
        .map(|(k, v)| format!("{}:{}", go_string(k), go_string(v)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// cfssl's `cli.PrintCert` object: `cert`, `csr`, `key`, each when present.
pub fn cert_output(cert: Option<&str>, csr: Option<&str>, key: Option<&str>) -> String {
    let mut m: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = cert {
        m.push(("cert", c));
    }
    if let Some(c) = csr {
        m.push(("csr", c));
    }
    if let Some(k) = key {
        m.push(("key", k));
    }
    string_object(&m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain per-character form of Go's escaping, which `go_string`
    /// must match byte for byte.
    fn reference(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    proptest::proptest! {
        #[test]
        fn go_string_matches_the_per_character_form(s in "(?s).{0,40}") {
            proptest::prop_assert_eq!(go_string(&s), reference(&s));
        }

        #[test]
        fn go_string_matches_on_escape_heavy_text(
            s in "[\\x00-\\x1f\"\\\\<>&a\u{2027}\u{2028}\u{2029}\u{20ac}\u{2030}]{0,40}"
        ) {
            proptest::prop_assert_eq!(go_string(&s), reference(&s));
        }
    }

    #[test]
    fn go_escapes() {
        assert_eq!(
            go_string("\u{2028}x\u{2029}\u{1}\u{1f}\u{7f}é€"),
            "\"\\u2028x\\u2029\\u0001\\u001f\u{7f}é€\""
        );
        assert_eq!(go_string("a<b>&c\n/"), r#""a\u003cb\u003e\u0026c\n/""#);
        assert_eq!(error_json(5100, "x"), r#"{"code":5100,"message":"x"}"#);
        assert_eq!(
            cert_output(Some("C"), None, Some("K")),
            r#"{"cert":"C","key":"K"}"#
        );
    }
}
