//! PEM text as Go's `encoding/pem` writes it: 64-column base64, `\n` line
//! endings, no headers.

/// Encodes one PEM block.
pub fn encode(label: &str, der: &[u8]) -> String {
    let block = pem::Pem::new(label, der);
    pem::encode_config(
        &block,
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// The first PEM block of `input`, whatever its label.
pub(crate) fn first(input: &[u8]) -> Option<pem::Pem> {
    pem::parse_many(input).ok()?.into_iter().next()
}

/// One block as Go's `pem.Decode` returns it (headers are read and
/// dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GoBlock {
    /// The label (`CERTIFICATE`).
    pub label: String,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

/// Go's `pem.Decode`: the first valid block of `data` and the text after
/// it (what a loop over a file's blocks decodes next), or `None` and
/// `data` itself when there is none. Text before a block is skipped; a
/// block that is not well-formed (label lines that differ, bad base64) is
/// passed over for the next `-----BEGIN` line. After a block, the rest of
/// its `END` line is consumed, so a file ending with one newline leaves
/// nothing, while a blank line left over is text that holds no block.
///
/// ```
/// use cfssl_core::go::pem::go_decode;
/// let (b, rest) = go_decode(b"junk\n-----BEGIN X-----\naGk=\n-----END X-----\nmore");
/// assert_eq!(b.map(|b| (b.label, b.bytes)), Some(("X".to_string(), b"hi".to_vec())));
/// assert_eq!(rest, b"more");
/// assert!(go_decode(b"more").0.is_none());
/// ```
pub fn go_decode(data: &[u8]) -> (Option<GoBlock>, &[u8]) {
    const START: &[u8] = b"\n-----BEGIN ";
    const END: &[u8] = b"\n-----END ";
    const EOL: &[u8] = b"-----";
    let mut rest = data;
    loop {
        if rest.starts_with(&START[1..]) {
            rest = &rest[START.len() - 1..];
        } else if let Some(i) = find(rest, START) {
            rest = &rest[i + START.len()..];
        } else {
            return (None, data);
        }
        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(label) = type_line.strip_suffix(EOL) else {
            continue;
        };
        let mut has_headers = false;
        loop {
            if rest.is_empty() {
                return (None, data);
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            has_headers = true;
            rest = next;
        }
        let (end_index, trailer_index) = if !has_headers && rest.starts_with(&END[1..]) {
            (0, END.len() - 1)
        } else {
            match find(rest, END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };
        let trailer = &rest[trailer_index..];
        let trailer_len = label.len() + EOL.len();
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_label, rest_of_end_line) = trailer.split_at(trailer_len);
        if !end_label.starts_with(label) || !end_label.ends_with(EOL) {
            continue;
        }
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }
        let b64: Vec<u8> = rest[..end_index]
            .iter()
            .copied()
            .filter(|b| *b != b' ' && *b != b'\t')
            .collect();
        let Ok(bytes) = crate::go::base64::decode(&b64) else {
            continue;
        };
        let (_, after) = get_line(&rest[end_index + END.len() - 1..]);
        return (
            Some(GoBlock {
                label: String::from_utf8_lossy(label).into_owned(),
                bytes,
            }),
            after,
        );
    }
}

/// Go's pem `getLine`: the line without its ending and trailing blanks,
/// and what follows it.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut line, rest) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    if let Some(l) = line.strip_suffix(b"\r") {
        line = l;
    }
    while let [head @ .., b' ' | b'\t'] = line {
        line = head;
    }
    (line, rest)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod go_decode_tests {
    use super::go_decode;

    #[test]
    fn walks_blocks_as_go() {
        let two = b"-----BEGIN A-----\naGk=\n-----END A-----\n-----BEGIN B-----\nK: v\n\naGk=\n-----END B-----\n";
        let (a, rest) = go_decode(two);
        assert_eq!(a.map(|b| b.label), Some("A".into()));
        let (b, rest) = go_decode(rest);
        assert_eq!(b.map(|b| b.label), Some("B".into()));
        assert!(rest.is_empty());
        // A blank line after the last block is left over and holds nothing.
        let (_, rest) = go_decode(b"-----BEGIN A-----\naGk=\n-----END A-----\n\n");
        assert_eq!(rest, b"\n");
        assert!(go_decode(rest).0.is_none());
        // Mismatched labels and bad base64 are passed over.
        assert!(
            go_decode(b"-----BEGIN A-----\naGk=\n-----END B-----\n")
                .0
                .is_none()
        );
        assert!(
            go_decode(b"-----BEGIN A-----\n!!!\n-----END A-----\n")
                .0
                .is_none()
        );
        let (c, _) = go_decode(
            b"-----BEGIN A-----\n!!\n-----END A-----\n-----BEGIN C-----\naGk=\n-----END C-----\n",
        );
        assert_eq!(c.map(|b| b.label), Some("C".into()));
        // CRLF line ends.
        let (d, _) = go_decode(b"-----BEGIN D-----\r\naGk=\r\n-----END D-----\r\n");
        assert_eq!(d.map(|b| b.bytes), Some(b"hi".to_vec()));
    }
}
