//! JSON read the way Go's `encoding/json` reads it: the project's one JSON
//! reader (the CLI's `cfssljson` reads its input with it too).
//!
//! cfssl's inputs are decoded by Go, and its users see Go's messages, so this
//! module has its own small parser, written by hand because no JSON crate
//! reproduces Go's texts: it keeps object members in document order,
//! duplicates included (the decoders apply Go's rules to them: the last
//! wins), matches struct fields case-insensitively with Go's folding
//! ([`field_matches`]), decodes strings as Go does (an invalid UTF-8 byte or
//! a lone surrogate becomes U+FFFD, byte by byte), and reports syntax and
//! type errors in Go's words (`invalid character ',' looking for beginning
//! of object key string`, `json: cannot unmarshal string into Go struct field
//! CertificateRequest.hosts of type []string`).
//!
//! ```
//! use cfssl_core::go::json::{self as gojson, Value};
//! let v = gojson::parse(br#"{"a": [1, "\u00e9"], "a": null}"#)?;
//! let Value::Object(members) = &v else { unreachable!() };
//! assert_eq!(members.len(), 2, "duplicates are kept");
//! assert_eq!(
//!     gojson::parse(b"{a:1}").unwrap_err().message(),
//!     "invalid character 'a' looking for beginning of object key string"
//! );
//! assert!(gojson::field_matches("\u{17f}erial", "serial"));
//! # Ok::<(), cfssl_core::Error>(())
//! ```
//!
//! Writing: [`Json`] is a value as Go's `encoding/json` marshals it (struct
//! fields in declaration order, `[]byte` as base64, nil slices as `null`),
//! written compact as `json.Marshal` does or indented as
//! `json.MarshalIndent(v, "", "  ")` does, with Go's string escaping
//! ([`go_string`]).
//!
//! ```
//! use cfssl_core::go::json::Json;
//! let v = Json::Obj(vec![("a", Json::Arr(vec![Json::Str("x <y>".into())])), ("b", Json::Null)]);
//! assert_eq!(v.to_compact(), r#"{"a":["x \u003cy\u003e"],"b":null}"#);
//! assert_eq!(v.to_indented(), "{\n  \"a\": [\n    \"x \\u003cy\\u003e\"\n  ],\n  \"b\": null\n}");
//! ```

use crate::error::{Error, Result};

/// A value to write as Go's `encoding/json` writes it, object members in
/// the order given (a Go struct's field order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json {
    /// `null` (a nil slice, map or pointer).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, already written as Go writes it.
    Num(String),
    /// A string.
    Str(String),
    /// A Go `string` holding any bytes: invalid UTF-8 is written as `\ufffd`
    /// escapes, one per byte, as `encoding/json` does.
    Text(Vec<u8>),
    /// An array.
    Arr(Vec<Json>),
    /// An object (a struct: its field names are static).
    Obj(Vec<(&'static str, Json)>),
}

impl Json {
    /// A `[]byte`: standard base64 with padding.
    pub fn bytes(b: &[u8]) -> Self {
        Self::Str(crate::go::base64::encode(b))
    }

    /// A `[]string` that is nil when empty.
    pub fn strings(v: Vec<String>) -> Self {
        if v.is_empty() {
            Self::Null
        } else {
            Self::Arr(v.into_iter().map(Self::Str).collect())
        }
    }

    /// A `[]string` of Go strings holding any bytes, nil when empty.
    pub fn texts(v: Vec<Vec<u8>>) -> Self {
        if v.is_empty() {
            Self::Null
        } else {
            Self::Arr(v.into_iter().map(Self::Text).collect())
        }
    }

    /// An `asn1.ObjectIdentifier`.
    pub fn oid(arcs: &[u64]) -> Self {
        Self::Arr(arcs.iter().map(|a| Self::Num(a.to_string())).collect())
    }

    /// `json.Marshal(v)`.
    pub fn to_compact(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None);
        out
    }

    /// `json.MarshalIndent(v, "", "  ")`.
    pub fn to_indented(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(0));
        out
    }

    /// Writes the value; `depth` is `None` for compact output.
    fn write(&self, out: &mut String, depth: Option<usize>) {
        fn newline(out: &mut String, depth: Option<usize>) {
            if let Some(depth) = depth {
                out.push('\n');
                for _ in 0..depth {
                    out.push_str("  ");
                }
            }
        }
        let inner = depth.map(|d| d + 1);
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Self::Num(n) => out.push_str(n),
            Self::Str(s) => out.push_str(&go_string(s)),
            Self::Text(b) => out.push_str(&go_string_bytes(b)),
            Self::Arr(items) if items.is_empty() => out.push_str("[]"),
            Self::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            Self::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, inner);
                    item.write(out, inner);
                }
                newline(out, depth);
                out.push(']');
            }
            Self::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, inner);
                    out.push_str(&go_string(key));
                    out.push_str(if depth.is_some() { ": " } else { ":" });
                    value.write(out, inner);
                }
                newline(out, depth);
                out.push('}');
            }
        }
    }
}

/// A JSON string literal as Go writes it.
///
/// ```
/// use cfssl_core::go::json::go_string;
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

/// A Go string of arbitrary bytes as `encoding/json` writes it: valid UTF-8
/// as [`go_string`] writes it, each invalid byte as `\ufffd`.
fn go_string_bytes(b: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in b.utf8_chunks() {
        let quoted = go_string(chunk.valid());
        out.push_str(&quoted[1..quoted.len() - 1]);
        for _ in chunk.invalid() {
            out.push_str("\\ufffd");
        }
    }
    out.push('"');
    out
}

/// Maximum nesting depth; Go allows 10000, deeper input is rejected with
/// Go's own message (`invalid character '[' exceeded max depth`).
const MAX_DEPTH: usize = 10_000;

/// A parsed JSON value. Numbers keep their source text.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, decoded.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object's members in document order, duplicates kept.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// Go's name for the JSON kind, as used in `UnmarshalTypeError`
    /// (`string`, `number`, `object`, …).
    pub fn go_kind(&self) -> &'static str {
        self.short_kind()
    }

    /// The first number (in document order) that Go cannot decode into a
    /// `float64` (one that rounds to infinity), which Go reports when it
    /// decodes into `interface{}`.
    pub fn float_overflow(&self) -> Option<&str> {
        let mut pending = vec![self];
        while let Some(v) = pending.pop() {
            match v {
                Self::Number(text) if text.parse::<f64>().map_or(true, f64::is_infinite) => {
                    return Some(text);
                }
                Self::Array(items) => pending.extend(items.iter().rev()),
                Self::Object(members) => pending.extend(members.iter().rev().map(|(_, v)| v)),
                _ => {}
            }
        }
        None
    }

    /// Go's name for the JSON kind, as used in `UnmarshalTypeError`.
    pub(crate) fn kind(&self) -> String {
        match self {
            Self::Null => "null".into(),
            Self::Bool(_) => "bool".into(),
            Self::Number(_) => "number".into(),
            Self::String(_) => "string".into(),
            Self::Array(_) => "array".into(),
            Self::Object(_) => "object".into(),
        }
    }

    /// Go's name for the kind without the number text.
    fn short_kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "bool",
            Self::Number(_) => "number",
            Self::String(_) => "string",
            Self::Array(_) => "array",
            Self::Object(_) => "object",
        }
    }
}

/// Go's struct field matching for a member key that is not exactly the
/// field's name: case-insensitive, with Go's folding of `ſ` (U+017F) to `s`
/// and of the Kelvin sign (U+212A) to `k`. `name` is the field's JSON name
/// in lower case or as tagged.
///
/// ```
/// use cfssl_core::go::json::field_matches;
/// assert!(field_matches("PROFILE", "profile"));
/// assert!(field_matches("\u{212a}ey", "key"));
/// assert!(!field_matches("profiles", "profile"));
/// ```
pub fn field_matches(key: &str, name: &str) -> bool {
    let mut key_chars = key.chars();
    for want in name.chars() {
        let folded = match key_chars.next() {
            Some('\u{17f}') => 's',
            Some('\u{212a}') => 'k',
            Some(c) => c.to_ascii_lowercase(),
            None => return false,
        };
        if folded != want.to_ascii_lowercase() {
            return false;
        }
    }
    key_chars.next().is_none()
}

/// Parses a whole document (one value, optional surrounding whitespace).
///
/// # Errors
/// [`Error::Json`] with Go's `SyntaxError` text.
pub fn parse(input: &[u8]) -> Result<Value> {
    let mut p = Parser { s: input, i: 0 };
    p.ws();
    if p.i >= p.s.len() {
        return Err(Error::Json("unexpected end of JSON input".into()));
    }
    let v = p.value()?;
    p.ws();
    if let Some(&c) = p.s.get(p.i) {
        return Err(p.bad(c, "after top-level value"));
    }
    Ok(v)
}

/// Bytes as Go's JSON decoder turns them into a string: each byte that does
/// not start a valid UTF-8 sequence becomes U+FFFD on its own (Go's
/// `utf8.DecodeRune`), where Rust's `from_utf8_lossy` replaces a truncated
/// sequence once.
fn go_utf8(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            let mut i = 0;
            while i < bytes.len() {
                let chunk = &bytes[i..bytes.len().min(i + 4)];
                let valid = match std::str::from_utf8(chunk) {
                    Ok(text) => text,
                    Err(e) => std::str::from_utf8(&chunk[..e.valid_up_to()]).unwrap_or_default(),
                };
                match valid.chars().next() {
                    Some(ch) => {
                        out.push(ch);
                        i += ch.len_utf8();
                    }
                    None => {
                        out.push(char::REPLACEMENT_CHARACTER);
                        i += 1;
                    }
                }
            }
            out
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

/// A container being parsed: the members so far (and, for an object, the
/// key of the member whose value comes next).
enum Frame {
    Array(Vec<Value>),
    Object(Vec<(String, Value)>, String),
}

impl Drop for Value {
    /// Drops nested containers one level at a time instead of recursively,
    /// so that a value nested 10000 deep cannot overflow the stack.
    fn drop(&mut self) {
        let mut pending: Vec<Value> = Vec::new();
        let take_children = |v: &mut Value, pending: &mut Vec<Value>| match v {
            Self::Array(items) => pending.append(items),
            Self::Object(members) => pending.extend(members.drain(..).map(|(_, v)| v)),
            _ => {}
        };
        take_children(self, &mut pending);
        while let Some(mut v) = pending.pop() {
            // `v` is dropped at the end of this iteration with no children left.
            take_children(&mut v, &mut pending);
        }
    }
}

/// Go's `quoteChar`: the byte taken as the code point U+0000–U+00FF, quoted
/// as `strconv.Quote` would, between single quotes (a UTF-8 byte-order mark
/// thus reads `'ï'`, as in Go).
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        c => {
            let mut out = String::from("'");
            crate::go::strconv::push_go_escaped(&mut out, char::from(c));
            out.push('\'');
            out
        }
    }
}

impl Parser<'_> {
    fn bad(&self, c: u8, ctx: &str) -> Error {
        Error::Json(format!("invalid character {} {ctx}", quote_char(c)))
    }

    fn eof() -> Error {
        Error::Json("unexpected end of JSON input".into())
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn next(&mut self) -> Result<u8> {
        let c = *self.s.get(self.i).ok_or_else(Self::eof)?;
        self.i += 1;
        Ok(c)
    }

    /// Parses one value. Containers are parsed with an explicit stack rather
    /// than by recursion, so that nesting as deep as Go allows (10000) cannot
    /// overflow the thread's stack.
    fn value(&mut self) -> Result<Value> {
        let mut open: Vec<Frame> = Vec::new();
        loop {
            // The start of a value: a scalar, or a container to open.
            let c = *self.s.get(self.i).ok_or_else(Self::eof)?;
            let mut v = match c {
                b'{' | b'[' => {
                    if open.len() >= MAX_DEPTH {
                        return Err(self.bad(c, "exceeded max depth"));
                    }
                    self.i += 1;
                    self.ws();
                    if c == b'{' {
                        if self.s.get(self.i) == Some(&b'}') {
                            self.i += 1;
                            Value::Object(Vec::new())
                        } else {
                            let key = self.member_key()?;
                            open.push(Frame::Object(Vec::new(), key));
                            continue;
                        }
                    } else if self.s.get(self.i) == Some(&b']') {
                        self.i += 1;
                        Value::Array(Vec::new())
                    } else {
                        open.push(Frame::Array(Vec::new()));
                        continue;
                    }
                }
                b'"' => {
                    self.i += 1;
                    Value::String(self.string()?)
                }
                b't' => self.literal("true", Value::Bool(true))?,
                b'f' => self.literal("false", Value::Bool(false))?,
                b'n' => self.literal("null", Value::Null)?,
                b'-' | b'0'..=b'9' => self.number()?,
                c => return Err(self.bad(c, "looking for beginning of value")),
            };
            // A complete value: hand it to the innermost open container, and
            // close containers for as long as they end here.
            loop {
                self.ws();
                match open.last_mut() {
                    None => return Ok(v),
                    Some(Frame::Array(items)) => {
                        items.push(v);
                        match self.next()? {
                            b',' => {
                                self.ws();
                                break;
                            }
                            b']' => match open.pop() {
                                Some(Frame::Array(items)) => v = Value::Array(items),
                                _ => return Err(Self::eof()),
                            },
                            c => return Err(self.bad(c, "after array element")),
                        }
                    }
                    Some(Frame::Object(members, key)) => {
                        members.push((std::mem::take(key), v));
                        match self.next()? {
                            b',' => {
                                let next_key = self.member_key()?;
                                if let Some(Frame::Object(_, key)) = open.last_mut() {
                                    *key = next_key;
                                }
                                break;
                            }
                            b'}' => match open.pop() {
                                Some(Frame::Object(members, _)) => v = Value::Object(members),
                                _ => return Err(Self::eof()),
                            },
                            c => return Err(self.bad(c, "after object key:value pair")),
                        }
                    }
                }
            }
        }
    }

    /// `"key" :` of an object member, with the whitespace around it.
    fn member_key(&mut self) -> Result<String> {
        self.ws();
        let c = self.next()?;
        if c != b'"' {
            return Err(self.bad(c, "looking for beginning of object key string"));
        }
        let key = self.string()?;
        self.ws();
        let c = self.next()?;
        if c != b':' {
            return Err(self.bad(c, "after object key"));
        }
        self.ws();
        Ok(key)
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value> {
        self.i += 1;
        for expected in word.bytes().skip(1) {
            // At the end of input Go's scanner is fed a space.
            let c = self.s.get(self.i).copied().unwrap_or(b' ');
            self.i += 1;
            if c != expected {
                return Err(self.bad(
                    c,
                    &format!("in literal {word} (expecting {})", quote_char(expected)),
                ));
            }
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
            // At the end of input Go's scanner is fed a space.
            let c = self.s.get(self.i).copied().unwrap_or(b' ');
            if !c.is_ascii_digit() {
                return Err(self.bad(c, "in numeric literal"));
            }
        }
        if self.s[self.i] == b'0' {
            self.i += 1;
        } else {
            self.digits();
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            // At the end of input Go's scanner is fed a space.
            let c = self.s.get(self.i).copied().unwrap_or(b' ');
            if !c.is_ascii_digit() {
                return Err(self.bad(c, "after decimal point in numeric literal"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            // At the end of input Go's scanner is fed a space.
            let c = self.s.get(self.i).copied().unwrap_or(b' ');
            if !c.is_ascii_digit() {
                return Err(self.bad(c, "in exponent of numeric literal"));
            }
            self.digits();
        }
        let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        Ok(Value::Number(text))
    }

    fn digits(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Result<String> {
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.next()?;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.next()?;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let cp = self.hex4()?;
                            let ch = if (0xd800..0xdc00).contains(&cp)
                                && self.s.get(self.i) == Some(&b'\\')
                                && self.s.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    char::from_u32(0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00))
                                } else {
                                    self.i = save;
                                    None
                                }
                            } else {
                                char::from_u32(cp)
                            };
                            let ch = ch.unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        e => return Err(self.bad(e, "in string escape code")),
                    }
                }
                c if c < 0x20 => return Err(self.bad(c, "in string literal")),
                c => out.push(c),
            }
        }
        Ok(go_utf8(&out))
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let c = self.next()?;
            let d = char::from(c)
                .to_digit(16)
                .ok_or_else(|| self.bad(c, "in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }
}

/// The members of the top-level object of `input`, each with its key
/// decoded and the raw bytes of its value, in document order: what Go
/// hands a field's `UnmarshalJSON` (sqlx's `types.JSONText` keeps them
/// verbatim). `input` must have been accepted by [`parse`]; anything else
/// gives what could be read.
pub(crate) fn raw_members(input: &[u8]) -> Vec<(String, &[u8])> {
    let ws = |b: &[u8], mut i: usize| {
        while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    };
    let mut out = Vec::new();
    let mut i = ws(input, 0);
    if input.get(i) != Some(&b'{') {
        return out;
    }
    i += 1;
    loop {
        i = ws(input, i);
        if input.get(i) != Some(&b'"') {
            break;
        }
        let key_end = string_end(input, i);
        let key = match &parse(&input[i..key_end]) {
            Ok(Value::String(k)) => k.clone(),
            _ => break,
        };
        i = ws(input, key_end);
        if input.get(i) != Some(&b':') {
            break;
        }
        let start = ws(input, i + 1);
        let end = value_end(input, start);
        out.push((key, &input[start..end]));
        i = ws(input, end);
        if input.get(i) != Some(&b',') {
            break;
        }
        i += 1;
    }
    out
}

/// The index after the string that starts at `i` (a `"`).
fn string_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

/// The index after the value that starts at `i`.
fn value_end(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => string_end(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                j += 1;
            }
            j
        }
    }
}

/// Decoding context: produces Go's `UnmarshalTypeError` messages and keeps
/// only the first one, as Go does (decoding goes on after a type error).
#[derive(Debug, Default)]
pub(crate) struct Decoder {
    path: Vec<String>,
    structs: Vec<&'static str>,
    first_error: Option<Error>,
}

impl Decoder {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The first type error seen, if any.
    pub(crate) fn finish<T>(self, v: T) -> Result<T> {
        match self.first_error {
            Some(e) => Err(e),
            None => Ok(v),
        }
    }

    fn type_error(&mut self, v: &Value, go_type: &str) {
        self.type_error_desc(&v.kind(), go_type);
    }

    fn type_error_desc(&mut self, kind: &str, go_type: &str) {
        if self.first_error.is_some() {
            return;
        }
        let msg = match self.structs.last() {
            Some(s) if !self.path.is_empty() => format!(
                "json: cannot unmarshal {kind} into Go struct field {s}.{} of type {go_type}",
                self.path.join(".")
            ),
            _ => format!("json: cannot unmarshal {kind} into Go value of type {go_type}"),
        };
        self.first_error = Some(Error::Json(msg));
    }

    /// Reports a type error at the top level of the document.
    pub(crate) fn top_level_error(&mut self, v: &Value, go_type: &str) {
        self.type_error(v, go_type);
    }

    /// Visits the members of a struct-typed object. `fields` are the JSON
    /// names of the struct's fields; each member is matched to a field
    /// case-insensitively (exact match preferred) and handed to `f` with
    /// the canonical field name. Unknown members are ignored. Returns false
    /// (after recording a type error) when `v` is not an object; `null`
    /// leaves the struct untouched.
    pub(crate) fn object(
        &mut self,
        v: &Value,
        struct_name: &'static str,
        go_type: &str,
        fields: &[&'static str],
        mut f: impl FnMut(&mut Self, &'static str, &Value),
    ) -> bool {
        let members = match v {
            Value::Object(m) => m,
            Value::Null => return true,
            other => {
                self.type_error(other, go_type);
                return false;
            }
        };
        for (key, val) in members {
            let field = fields
                .iter()
                .find(|f| **f == key)
                .or_else(|| fields.iter().find(|f| field_matches(key, f)));
            if let Some(field) = field {
                self.structs.push(struct_name);
                self.path.push((*field).to_string());
                f(self, field, val);
                self.path.pop();
                self.structs.pop();
            }
        }
        true
    }

    /// The struct name Go reports for nested fields is that of the innermost
    /// struct; callers that descend into a nested struct call this.
    pub(crate) fn string(&mut self, v: &Value, out: &mut String) {
        match v {
            Value::String(s) => s.clone_into(out),
            Value::Null => {}
            other => self.type_error(other, "string"),
        }
    }

    pub(crate) fn bool(&mut self, v: &Value, out: &mut bool) {
        match v {
            Value::Bool(b) => *out = *b,
            Value::Null => {}
            other => self.type_error(other, "bool"),
        }
    }

    /// A Go `int` (64-bit).
    pub(crate) fn int(&mut self, v: &Value, out: &mut i64) {
        match v {
            Value::Number(n) => match n.parse::<i64>() {
                Ok(i) => *out = i,
                Err(_) => self.type_error_desc(&format!("number {n}"), "int"),
            },
            Value::Null => {}
            other => self.type_error(other, "int"),
        }
    }

    /// A `[]string`.
    pub(crate) fn strings(&mut self, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Array(items) => {
                out.clear();
                for item in items {
                    let mut s = String::new();
                    match item {
                        Value::String(x) => s.clone_from(x),
                        Value::Null => {}
                        other => self.type_error(other, "string"),
                    }
                    out.push(s);
                }
            }
            Value::Null => out.clear(),
            other => self.type_error(other, "[]string"),
        }
    }

    /// A `map[string]string`, in document order (last duplicate wins).
    pub(crate) fn string_map(&mut self, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(members) => {
                for (k, val) in members {
                    let mut s = String::new();
                    match val {
                        Value::String(x) => s.clone_from(x),
                        Value::Null => {}
                        other => {
                            self.type_error(other, "string");
                            continue;
                        }
                    }
                    if let Some(slot) = out.iter_mut().find(|(ek, _)| ek == k) {
                        slot.1 = s;
                    } else {
                        out.push((k.clone(), s));
                    }
                }
            }
            Value::Null => out.clear(),
            other => self.type_error(other, "map[string]string"),
        }
    }

    /// An array of some element type; `f` decodes each element.
    pub(crate) fn array<T: Default>(
        &mut self,
        v: &Value,
        go_type: &str,
        out: &mut Vec<T>,
        mut f: impl FnMut(&mut Self, &Value, &mut T),
    ) {
        match v {
            Value::Array(items) => {
                out.clear();
                for item in items {
                    let mut t = T::default();
                    f(self, item, &mut t);
                    out.push(t);
                }
            }
            Value::Null => out.clear(),
            other => self.type_error(other, go_type),
        }
    }

    /// Records a custom error (from a field's own `UnmarshalJSON`).
    pub(crate) fn custom_error(&mut self, e: Error) {
        if self.first_error.is_none() {
            self.first_error = Some(e);
        }
    }

    /// Records a type error for a value of the wrong kind.
    pub(crate) fn wrong_type(&mut self, v: &Value, go_type: &str) {
        self.type_error(v, go_type);
    }
}

/// Convenience: the short kind of a value (for messages of our own).
pub(crate) fn kind_name(v: &Value) -> &'static str {
    v.short_kind()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_members_keep_the_bytes_of_each_value() {
        let input =
            br#" { "a" : {"k":  "v", "x": ["}", 1]} , "b\u0062":"s\"}" ,"c":12.5e1,"d":null,
            "e" :[ ] } "#;
        assert!(parse(input).is_ok());
        let got: Vec<(String, &str)> = raw_members(input)
            .into_iter()
            .map(|(k, v)| (k, std::str::from_utf8(v).unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("a".to_string(), r#"{"k":  "v", "x": ["}", 1]}"#),
                ("bb".to_string(), r#""s\"}""#),
                ("c".to_string(), "12.5e1"),
                ("d".to_string(), "null"),
                ("e".to_string(), "[ ]"),
            ]
        );
        assert!(raw_members(b"[1]").is_empty());
    }

    fn err(s: &str) -> String {
        match parse(s.as_bytes()) {
            Err(e) => e.to_string(),
            Ok(v) => panic!("parsed: {v:?}"),
        }
    }

    #[test]
    fn go_syntax_messages() {
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("  \n"), "unexpected end of JSON input");
        assert_eq!(
            err("{\"CN\": \"x\",,}"),
            "invalid character ',' looking for beginning of object key string"
        );
        assert_eq!(
            err("{\"CN\":\"x\"} trailing"),
            "invalid character 't' after top-level value"
        );
        assert_eq!(err("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(err("[1 2]"), "invalid character '2' after array element");
        assert_eq!(
            err("{\"a\":1 \"b\"}"),
            "invalid character '\"' after object key:value pair"
        );
        // Go's scanner is fed a space at the end of input (cfssl 1.6.5's
        // genkey says the same for a file holding `nul`).
        assert_eq!(
            err("nul"),
            "invalid character ' ' in literal null (expecting 'l')"
        );
        assert_eq!(
            err("nulx"),
            "invalid character 'x' in literal null (expecting 'l')"
        );
        assert_eq!(err("{"), "unexpected end of JSON input");
        assert_eq!(
            err("x"),
            "invalid character 'x' looking for beginning of value"
        );
    }

    /// Regression (found by the hostile-input tests): nesting close to Go's
    /// limit overflowed the stack of the recursive parser (and of the
    /// recursive drop) in debug builds, aborting the process. Parsing and
    /// dropping now use an explicit stack: a thread with a small stack copes
    /// with the deepest document Go accepts.
    #[test]
    fn nesting_up_to_go_limit_needs_no_stack() {
        let run = || {
            let arrays = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
            assert!(matches!(parse(arrays.as_bytes()), Ok(Value::Array(_))));
            let objects = format!("{}1{}", "{\"a\":".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
            assert!(matches!(parse(objects.as_bytes()), Ok(Value::Object(_))));
            let mixed = format!(
                "{}1{}",
                "[{\"k\":".repeat(MAX_DEPTH / 2),
                "}]".repeat(MAX_DEPTH / 2)
            );
            assert!(parse(mixed.as_bytes()).is_ok());
            // One level more is Go's syntax error, found without recursing.
            let too_deep = format!("{{\"CN\":{}", "[".repeat(MAX_DEPTH));
            assert_eq!(
                parse(too_deep.as_bytes()).unwrap_err().to_string(),
                "invalid character '[' exceeded max depth"
            );
            let too_deep = "[".repeat(1_000_000);
            assert_eq!(
                parse(too_deep.as_bytes()).unwrap_err().to_string(),
                "invalid character '[' exceeded max depth"
            );
            // A deep document cut short is dropped (partly built) without recursing.
            let cut = format!("{}1", "[".repeat(MAX_DEPTH));
            assert_eq!(
                parse(cut.as_bytes()).unwrap_err().to_string(),
                "unexpected end of JSON input"
            );
        };
        std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(run)
            .expect("spawn")
            .join()
            .expect("deep JSON handled within a 128 KiB stack");
    }

    /// Regression (found by the hostile-input tests): bytes from 0x80 up were
    /// all shown as `'\ufffd'`, where Go shows the byte as a code point; a
    /// UTF-8 byte-order mark before the JSON reads `'ï'` in Go's message
    /// (and in cfssljson's, which already quoted like Go).
    #[test]
    fn bad_characters_are_quoted_like_go() {
        assert_eq!(
            err("\u{feff}{}"),
            "invalid character 'ï' looking for beginning of value"
        );
        let cases: &[(u8, &str)] = &[
            (b'x', "'x'"),
            (b'\'', "'\\''"),
            (b'"', "'\"'"),
            (b'\\', "'\\\\'"),
            (0, "'\\x00'"),
            (7, "'\\a'"),
            (8, "'\\b'"),
            (9, "'\\t'"),
            (10, "'\\n'"),
            (11, "'\\v'"),
            (12, "'\\f'"),
            (13, "'\\r'"),
            (0x1b, "'\\x1b'"),
            (0x7f, "'\\x7f'"),
            (0x80, "'\\u0080'"),
            (0xa0, "'\\u00a0'"),
            (0xad, "'\\u00ad'"),
            (0xe9, "'é'"),
            (0xff, "'ÿ'"),
        ];
        for (c, quoted) in cases {
            assert_eq!(quote_char(*c), *quoted, "byte {c:#x}");
        }
    }

    #[test]
    fn containers_parse_like_go() {
        let v = parse(br#" [ 1 , { "a" : [ ] , "b" : { } } , [ [ "x" ] ] ] "#).expect("valid");
        let Value::Array(items) = &v else { panic!() };
        assert_eq!(items.len(), 3);
        assert_eq!(
            err("[1,]"),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(
            err("{\"a\":1,}"),
            "invalid character '}' looking for beginning of object key string"
        );
        assert_eq!(err("[1}"), "invalid character '}' after array element");
        assert_eq!(
            err("{\"a\":1]"),
            "invalid character ']' after object key:value pair"
        );
        assert_eq!(err("[[1]"), "unexpected end of JSON input");
        assert_eq!(err("{\"a\""), "unexpected end of JSON input");
        assert_eq!(err("[] x"), "invalid character 'x' after top-level value");
    }

    #[test]
    fn objects_keep_order_and_strings_unescape() {
        let v = parse(br#"{"b":1,"a":"\u00fc\n","b":[true,null]}"#).expect("valid");
        let Value::Object(m) = &v else { panic!() };
        assert_eq!(m.len(), 3);
        assert_eq!(m[1].1, Value::String("ü\n".into()));
    }

    #[test]
    fn type_errors_name_struct_and_path() {
        let v = parse(br#"{"hosts":"x","KEY":{"Size":"big"}}"#).expect("valid");
        let mut d = Decoder::new();
        let mut hosts = Vec::new();
        d.object(
            &v,
            "CertificateRequest",
            "csr.CertificateRequest",
            &["hosts", "key"],
            |d, f, v| {
                if f == "hosts" {
                    d.strings(v, &mut hosts);
                }
            },
        );
        assert_eq!(
            d.finish(()).unwrap_err().to_string(),
            "json: cannot unmarshal string into Go struct field CertificateRequest.hosts of type []string"
        );
    }
}

#[cfg(test)]
mod go_texts {
    //! Go's syntax error texts and string decoding, checked against what
    //! Go 1.19's `encoding/json` answers (these were the tests of the
    //! reader cfssljson had before it used this one).
    use super::*;

    fn parse(input: &[u8]) -> std::result::Result<Value, String> {
        super::parse(input).map_err(|e| e.message().to_string())
    }

    fn syntax_error(input: &str) -> String {
        parse(input.as_bytes()).expect_err(input)
    }

    #[test]
    fn go_syntax_error_texts() {
        let cases: &[(&str, &str)] = &[
            ("", "unexpected end of JSON input"),
            ("  \n", "unexpected end of JSON input"),
            ("{\"cert\": ", "unexpected end of JSON input"),
            ("{\"a\":\"b", "unexpected end of JSON input"),
            ("[1", "unexpected end of JSON input"),
            ("x", "invalid character 'x' looking for beginning of value"),
            (
                "{\"cert\": x}",
                "invalid character 'x' looking for beginning of value",
            ),
            ("{} x", "invalid character 'x' after top-level value"),
            ("{}}", "invalid character '}' after top-level value"),
            (
                "{a:1}",
                "invalid character 'a' looking for beginning of object key string",
            ),
            ("{\"a\" 1}", "invalid character '1' after object key"),
            (
                "{\"a\":1 \"b\"}",
                "invalid character '\"' after object key:value pair",
            ),
            ("[1 2]", "invalid character '2' after array element"),
            (
                "[1,]",
                "invalid character ']' looking for beginning of value",
            ),
            (
                "{\"a\":1,}",
                "invalid character '}' looking for beginning of object key string",
            ),
            ("\"a\tb\"", "invalid character '\\t' in string literal"),
            ("\"\\x\"", "invalid character 'x' in string escape code"),
            (
                "\"\\u12g4\"",
                "invalid character 'g' in \\u hexadecimal character escape",
            ),
            ("-x", "invalid character 'x' in numeric literal"),
            ("-", "invalid character ' ' in numeric literal"),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (
                "1.",
                "invalid character ' ' after decimal point in numeric literal",
            ),
            (
                "1e+",
                "invalid character ' ' in exponent of numeric literal",
            ),
            ("01", "invalid character '1' after top-level value"),
            (
                "tru",
                "invalid character ' ' in literal true (expecting 'e')",
            ),
            (
                "trUe",
                "invalid character 'U' in literal true (expecting 'u')",
            ),
            (
                "fals",
                "invalid character ' ' in literal false (expecting 'e')",
            ),
            (
                "nul",
                "invalid character ' ' in literal null (expecting 'l')",
            ),
            (
                "nUll",
                "invalid character 'U' in literal null (expecting 'u')",
            ),
            (
                "'a'",
                "invalid character '\\'' looking for beginning of value",
            ),
            (
                "\\",
                "invalid character '\\\\' looking for beginning of value",
            ),
            (
                "\u{1}",
                "invalid character '\\x01' looking for beginning of value",
            ),
            (
                "\u{7f}",
                "invalid character '\\x7f' looking for beginning of value",
            ),
            ("é", "invalid character 'Ã' looking for beginning of value"),
            (
                "\u{feff}{}",
                "invalid character 'ï' looking for beginning of value",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(syntax_error(input), *want, "input {input:?}");
        }
        // Bytes that are not UTF-8 are quoted as the code point of the byte.
        assert_eq!(
            parse(b"\x80").expect_err("invalid"),
            "invalid character '\\u0080' looking for beginning of value"
        );
        assert_eq!(
            parse(b"\xa0").expect_err("invalid"),
            "invalid character '\\u00a0' looking for beginning of value"
        );
        assert_eq!(
            parse(b"\xad").expect_err("invalid"),
            "invalid character '\\u00ad' looking for beginning of value"
        );
        assert_eq!(
            parse(b"\xff").expect_err("invalid"),
            "invalid character '\u{ff}' looking for beginning of value"
        );
    }

    #[test]
    fn max_depth() {
        let deep = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(deep.as_bytes()).is_ok());
        let too_deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(
            syntax_error(&too_deep),
            "invalid character '[' exceeded max depth"
        );
    }

    #[test]
    fn values_and_strings() {
        let value = parse(br#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "a": "x"} "#)
            .expect("valid");
        let Value::Object(members) = &value else {
            panic!("not an object: {value:?}");
        };
        assert_eq!(members.len(), 3, "duplicates are kept");
        assert_eq!(
            members[0].1,
            Value::Array(vec![
                Value::Number("1".into()),
                Value::Number("-2.5e3".into()),
                Value::Bool(true),
                Value::Bool(false),
                Value::Null,
            ])
        );
        assert_eq!(members[2], ("a".to_string(), Value::String("x".into())));

        let s = |raw: &[u8]| match &parse(raw).expect("valid") {
            Value::String(s) => s.clone(),
            other => panic!("not a string: {other:?}"),
        };
        assert_eq!(s(br#""a\"\\\/\b\f\n\r\tz""#), "a\"\\/\u{8}\u{c}\n\r\tz");
        assert_eq!(s(br#""\u00e9\u20AC\ud83d\ude00""#), "é€😀");
        assert_eq!(s(br#""\ud83d""#), "\u{fffd}");
        assert_eq!(s(br#""\ud83dx""#), "\u{fffd}x");
        assert_eq!(s(br#""\ude00\ud83d""#), "\u{fffd}\u{fffd}");
        assert_eq!(s(br#""\ud83d\u0041""#), "\u{fffd}A");
        assert_eq!(s("\"é😀\"".as_bytes()), "é😀");
        assert_eq!(s(b"\"a\xe2\x82b\""), "a\u{fffd}\u{fffd}b");
        assert_eq!(s(b"\"\xed\xa0\x80\""), "\u{fffd}\u{fffd}\u{fffd}");
        assert_eq!(s(b"\"\xf0\x9f\x98\""), "\u{fffd}\u{fffd}\u{fffd}");
    }

    #[test]
    fn deep_values_keep_kind_and_overflow() {
        let nested = "[".repeat(40) + "1e999" + &"]".repeat(40);
        let value = parse(nested.as_bytes()).expect("valid");
        assert_eq!(value.go_kind(), "array");
        assert_eq!(value.float_overflow(), Some("1e999"));
        let nested = format!("{{\"k\":{}\"x]\\\"\"{}}}", "[".repeat(30), "]".repeat(30));
        let value = parse(nested.as_bytes()).expect("valid");
        assert_eq!(value.float_overflow(), None);
        assert_eq!(Value::Number("1e-999".into()).float_overflow(), None);
        assert_eq!(
            Value::Number("-1.8e308".into()).float_overflow(),
            Some("-1.8e308")
        );
    }
}
