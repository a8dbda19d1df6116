//! Go's `strconv`: `Quote` (the `%q` verb), `ParseBool` and `ParseInt`.

use std::fmt;

/// Quotes a string as Go's `strconv.Quote` / `fmt`'s `%q` do (the project's one `%q`): double
/// quotes; `\a \b \f \n \r \t \v \\ \"` escapes; other non-printable characters as `\xNN` (below U+0020 and U+007F),
/// `\uNNNN` or `\UNNNNNNNN`; printable characters as-is.
///
/// Go's `unicode.IsPrint` is approximated: controls, non-ASCII spaces, common format
/// characters, private-use characters and non-characters are escaped; unassigned code points,
/// which Go also escapes, are kept.
///
/// ```
/// use cfssl_core::go::strconv::go_quote;
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
pub(crate) fn is_go_print(c: char) -> bool {
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

/// Why [`parse_go_int`] rejected its input (Go's `strconv.ErrSyntax` / `strconv.ErrRange`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoIntErrorKind {
    /// Not an integer literal.
    Syntax,
    /// An integer literal outside the requested bit size.
    Range,
}

/// A [`parse_go_int`] failure; displays as Go's `*strconv.NumError` does
/// (`strconv.ParseInt: parsing "abc": invalid syntax`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoIntError {
    /// What went wrong.
    pub kind: GoIntErrorKind,
    /// The rejected input.
    pub input: String,
}

impl fmt::Display for GoIntError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.kind {
            GoIntErrorKind::Syntax => "invalid syntax",
            GoIntErrorKind::Range => "value out of range",
        };
        write!(
            f,
            "strconv.ParseInt: parsing {}: {why}",
            go_quote(&self.input)
        )
    }
}

impl std::error::Error for GoIntError {}

/// Parses an integer as Go's `strconv.ParseInt(s, 0, bit_size)`: optional sign, then decimal,
/// `0x`/`0X` hex, `0o`/`0O` or leading-`0` octal, `0b`/`0B` binary, with `_` digit separators
/// allowed only between digits (or after a base prefix). `bit_size` 0 means 64; sizes above 64
/// are treated as 64.
///
/// # Errors
///
/// [`GoIntErrorKind::Syntax`] for anything that is not such a literal,
/// [`GoIntErrorKind::Range`] when the value does not fit in `bit_size` bits.
pub fn parse_go_int(s: &str, bit_size: u32) -> Result<i64, GoIntError> {
    let err = |kind| GoIntError {
        kind,
        input: s.to_owned(),
    };
    let bits = if bit_size == 0 || bit_size > 64 {
        64
    } else {
        bit_size
    };
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let un = parse_go_uint(digits, bits).map_err(err)?;
    let cutoff: u64 = 1 << (bits - 1);
    if !neg && un >= cutoff {
        return Err(err(GoIntErrorKind::Range));
    }
    if neg && un > cutoff {
        return Err(err(GoIntErrorKind::Range));
    }
    // un <= 2^63 here; 2^63 only when negative, giving i64::MIN.
    Ok(if neg {
        0i64.wrapping_sub_unsigned(un)
    } else {
        i64::try_from(un).map_err(|_| err(GoIntErrorKind::Range))?
    })
}

/// Go's `strconv.ParseUint(s, 0, bits)` on an unsigned literal.
fn parse_go_uint(s: &str, bits: u32) -> Result<u64, GoIntErrorKind> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(GoIntErrorKind::Syntax);
    }
    let (base, body): (u32, &[u8]) = if b[0] == b'0' {
        match b.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if b.len() >= 3 => (2, &b[2..]),
            Some(b'o') if b.len() >= 3 => (8, &b[2..]),
            Some(b'x') if b.len() >= 3 => (16, &b[2..]),
            _ => (8, &b[1..]),
        }
    } else {
        (10, b)
    };
    let max_val: u64 = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let cutoff = u64::MAX / u64::from(base) + 1;
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in body {
        let lower = c.to_ascii_lowercase();
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u32::from(c - b'0'),
            _ if lower.is_ascii_lowercase() => u32::from(lower - b'a') + 10,
            _ => return Err(GoIntErrorKind::Syntax),
        };
        if d >= base {
            return Err(GoIntErrorKind::Syntax);
        }
        if n >= cutoff {
            return Err(GoIntErrorKind::Range);
        }
        n *= u64::from(base);
        let n1 = n.wrapping_add(u64::from(d));
        if n1 < n || n1 > max_val {
            return Err(GoIntErrorKind::Range);
        }
        n = n1;
    }
    if underscores && !underscore_ok(b) {
        return Err(GoIntErrorKind::Syntax);
    }
    Ok(n)
}

/// Go's `strconv.underscoreOK`: underscores only between digits or after a base prefix.
fn underscore_ok(s: &[u8]) -> bool {
    // Last character class seen: '^' start, '0' digit or prefix, '_' underscore, '!' other.
    let mut saw = b'^';
    let mut i = 0;
    let s = match s.first() {
        Some(b'-' | b'+') => &s[1..],
        _ => s,
    };
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c.is_ascii_digit() || hex && c.is_ascii_hexdigit() {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Parses a boolean as Go's `strconv.ParseBool`: `1 t T TRUE true True` and
/// `0 f F FALSE false False`; anything else is `None`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}
