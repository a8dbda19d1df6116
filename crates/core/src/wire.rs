//! The JSON shapes cfssl prints, written byte for byte as Go's
//! `encoding/json` writes them (compact, keys sorted, `<`, `>`, `&`,
//! U+2028 and U+2029 escaped, by [`crate::go::json::go_string`]).

use crate::go::json::go_string;

/// `{"code":N,"message":"…"}`.
pub fn error_json(code: u32, message: &str) -> String {
    format!("{{\"code\":{code},\"message\":{}}}", go_string(message))
}

/// A compact object of string members, keys sorted as Go sorts map keys.
fn string_object(members: &[(&str, &str)]) -> String {
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
