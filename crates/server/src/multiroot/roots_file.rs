//! The roots file of multirootca, read as cfssl 1.6.5's
//! `multiroot/config.ParseToRawMap` reads it: line by line, each line one of
//!
//! - a comment: `#` in the first column (an indented `#` is not a comment);
//! - blank (spaces and tabs only);
//! - a section, `[ label ]`, the label of word characters (`[A-Za-z0-9_]`);
//! - `key = value`, the key of word characters; the value is the rest of the
//!   line, trailing spaces kept, unless it is wrapped in quotes (`"` or `'`,
//!   either at each end, not necessarily the same one), which are taken off
//!   along with the spaces after the closing one.
//!
//! Anything else is `invalid config file`. Keys before the first section go
//! into a section named `default`; a section named twice is one section;
//! a key given twice keeps its last value.

/// A roots file's sections in the order they first appear, each with its
/// keys in the order they first appear.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootsFile {
    /// `(label, [(key, value)])`.
    pub sections: Vec<(String, Vec<(String, String)>)>,
}

impl RootsFile {
    /// The keys of the section `label`.
    pub fn section(&self, label: &str) -> Option<&[(String, String)]> {
        self.sections
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, kv)| kv.as_slice())
    }
}

/// A roots file that cannot be read: cfssl's one message, and (ours) the
/// line that broke it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidRootsFile {
    /// 1-based number of the offending line.
    pub line: usize,
}

impl std::fmt::Display for InvalidRootsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid config file (line {})", self.line)
    }
}

impl std::error::Error for InvalidRootsFile {}

/// The section keys before any section go into.
pub const DEFAULT_SECTION: &str = "default";

/// Parses a roots file's text.
///
/// ```
/// use cfssl_server::multiroot::parse_roots_file;
/// let f = parse_roots_file("# roots\n[ primary ]\nprivate = \"file://ca-key.pem\"\ncertificate=ca.pem\n")?;
/// assert_eq!(f.section("primary").unwrap()[0], ("private".into(), "file://ca-key.pem".into()));
/// assert!(parse_roots_file("  # indented\n").is_err());
/// # Ok::<(), cfssl_server::multiroot::InvalidRootsFile>(())
/// ```
///
/// # Errors
/// [`InvalidRootsFile`] for a line of none of the four kinds.
pub fn parse_roots_file(text: &str) -> Result<RootsFile, InvalidRootsFile> {
    let mut file = RootsFile::default();
    let mut current: Option<usize> = None;
    // bufio.ScanLines: lines end at \n, a \r before it is dropped.
    for (n, line) in text.split_terminator('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('#') || line.chars().all(is_go_space) {
            continue;
        }
        if let Some(label) = section_name(line) {
            current = Some(section_index(&mut file, label));
        } else if let Some((key, value)) = key_value(line) {
            let idx = match current {
                Some(i) => i,
                None => {
                    let i = section_index(&mut file, DEFAULT_SECTION);
                    current = Some(i);
                    i
                }
            };
            let keys = &mut file.sections[idx].1;
            match keys.iter_mut().find(|(k, _)| k == key) {
                Some(kv) => kv.1 = value.to_string(),
                None => keys.push((key.to_string(), value.to_string())),
            }
        } else {
            return Err(InvalidRootsFile { line: n + 1 });
        }
    }
    Ok(file)
}

fn section_index(file: &mut RootsFile, label: &str) -> usize {
    if let Some(i) = file.sections.iter().position(|(l, _)| l == label) {
        return i;
    }
    file.sections.push((label.to_string(), Vec::new()));
    file.sections.len() - 1
}

/// RE2's `\s`: space, tab, newline, form feed, carriage return (not
/// vertical tab).
fn is_go_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r')
}

/// RE2's `\w`.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `^\s*\[\s*(\w+)\s*\]\s*$`.
fn section_name(line: &str) -> Option<&str> {
    let inner = line
        .trim_matches(is_go_space)
        .strip_prefix('[')?
        .strip_suffix(']')?
        .trim_matches(is_go_space);
    (!inner.is_empty() && inner.chars().all(is_word)).then_some(inner)
}

/// `^\s*(\w+)\s*=\s*(.*)\s*$`, the value then unquoted by
/// `^\s*(\w+)\s*=\s*["'](.*)["']\s*$` when that matches too.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start_matches(is_go_space);
    let key_len = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
    if key_len == 0 {
        return None;
    }
    let (key, rest) = rest.split_at(key_len);
    let value = rest
        .trim_start_matches(is_go_space)
        .strip_prefix('=')?
        .trim_start_matches(is_go_space);
    // `(.*)` is greedy: the value keeps trailing spaces, and the quoted form
    // takes everything up to the last quote that only spaces follow.
    let quoted = value.strip_prefix(['"', '\'']).and_then(|inner| {
        let end = inner.trim_end_matches(is_go_space);
        end.strip_suffix(['"', '\''])
    });
    Some((key, quoted.unwrap_or(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Vec<(String, String)> {
        parse_roots_file(text).unwrap().sections[0].1.clone()
    }

    fn kv(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn sections_keys_and_the_default_section() {
        let f = parse_roots_file(
            "private = file://a.pem\n\n[ b ]\nconfig=c.json\n[b]\nnets = 10.0.0.0/8\n",
        )
        .unwrap();
        assert_eq!(f.sections.len(), 2);
        assert_eq!(
            f.section("default").unwrap(),
            &[kv("private", "file://a.pem")]
        );
        assert_eq!(
            f.section("b").unwrap(),
            &[kv("config", "c.json"), kv("nets", "10.0.0.0/8")]
        );
    }

    #[test]
    fn values_as_cfssl_reads_them() {
        assert_eq!(one("[a]\nk = v  \n"), [kv("k", "v  ")]);
        assert_eq!(one("[a]\nk = \"v\"  \n"), [kv("k", "v")]);
        assert_eq!(one("[a]\nk = 'v\"\n"), [kv("k", "v")]);
        assert_eq!(one("[a]\nk = \"a\" b\"\n"), [kv("k", "a\" b")]);
        assert_eq!(one("[a]\nk = \"\n"), [kv("k", "\"")]);
        assert_eq!(one("[a]\nk =\n"), [kv("k", "")]);
        assert_eq!(one("[a]\nk = a = b\n"), [kv("k", "a = b")]);
        assert_eq!(one("[a]\nk = 1\nk = 2\n"), [kv("k", "2")]);
        assert_eq!(one("[a]\r\nk = v\r\n"), [kv("k", "v")]);
        assert_eq!(
            one("[a]\n\tk\t=\tv # not a comment\n"),
            [kv("k", "v # not a comment")]
        );
    }

    #[test]
    fn lines_cfssl_refuses() {
        for (text, line) in [
            ("  # indented comment\n", 1),
            ("[a]\n[a b]\n", 2),
            ("[a]\n[]\n", 2),
            ("[a]\n[é]\n", 2),
            ("[a]\nkey-name = v\n", 2),
            ("[a]\n= v\n", 2),
            ("[a]\njust words\n", 2),
            ("; ini comment\n", 1),
        ] {
            assert_eq!(
                parse_roots_file(text),
                Err(InvalidRootsFile { line }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn comments_and_blanks() {
        let f = parse_roots_file("#c\n \t\n#[x]\n").unwrap();
        assert!(f.sections.is_empty());
    }
}
