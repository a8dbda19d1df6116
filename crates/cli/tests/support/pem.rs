//! Splitting text into PEM blocks and the text around them.
//!
//! The splitter is deliberately forgiving: a block whose body is not valid
//! base64 is still reported (with `der: None`), so a summary can show what was
//! there instead of failing.

/// A piece of a text that may hold PEM blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text outside any PEM block, verbatim.
    Text(String),
    /// One `-----BEGIN …-----` … `-----END …-----` block.
    Block(Block),
}

/// One PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// The label after `BEGIN`, e.g. `CERTIFICATE`.
    pub(crate) label: String,
    /// The base64 lines between the markers, verbatim.
    pub(crate) body: Vec<String>,
    /// The decoded body, if it is valid base64.
    pub(crate) der: Option<Vec<u8>>,
    /// Whether the END label equals the BEGIN label.
    pub(crate) end_matches: bool,
}

impl Block {
    /// Describes the base64 line layout, e.g. `64-column base64`.
    pub(crate) fn layout(&self) -> String {
        let lengths: Vec<usize> = self.body.iter().map(String::len).collect();
        let standard = match lengths.split_last() {
            Some((last, full)) => full.iter().all(|&n| n == 64) && (1..=64).contains(last),
            None => false,
        };
        if standard {
            "64-column base64".to_owned()
        } else {
            let lengths: Vec<String> = lengths.iter().map(usize::to_string).collect();
            format!("base64 line lengths [{}]", lengths.join(","))
        }
    }
}

/// Whether `text` contains something that looks like a PEM block.
pub(crate) fn has_pem(text: &str) -> bool {
    text.contains("-----BEGIN ")
}

/// Splits `text` into PEM blocks and the text between them.
pub(crate) fn split(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut plain = String::new();
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let Some(label) = marker(line, "BEGIN") else {
            plain.push_str(line);
            continue;
        };
        // Collect the body up to the END marker; an unterminated block stays text.
        let mut body = Vec::new();
        let mut end = None;
        let mut consumed = vec![line];
        while let Some(next) = lines.peek() {
            let next = *next;
            lines.next();
            consumed.push(next);
            if let Some(end_label) = marker(next, "END") {
                end = Some(end_label);
                break;
            }
            body.push(next.trim_end_matches(['\n', '\r']).to_owned());
        }
        let Some(end_label) = end else {
            plain.extend(consumed);
            continue;
        };
        if !plain.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut plain)));
        }
        // The newline after END belongs to the text that follows the block.
        let last = consumed.last().copied().unwrap_or_default();
        if last.ends_with('\n') {
            plain.push('\n');
        }
        let der = decode_base64(&body.concat());
        pieces.push(Piece::Block(Block {
            end_matches: end_label == label,
            label,
            body,
            der,
        }));
    }
    if !plain.is_empty() {
        pieces.push(Piece::Text(plain));
    }
    pieces
}

/// Returns the label of a `-----BEGIN X-----` / `-----END X-----` line.
fn marker(line: &str, kind: &str) -> Option<String> {
    let line = line.trim_end_matches(['\n', '\r']);
    let rest = line
        .strip_prefix("-----")?
        .strip_prefix(kind)?
        .strip_prefix(' ')?;
    let label = rest.strip_suffix("-----")?;
    Some(label.to_owned())
}

/// Decodes standard base64 (with padding), rejecting anything else.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (index, chunk) in bytes.chunks_exact(4).enumerate() {
        let last = index + 1 == bytes.len() / 4;
        let padding = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut acc = 0u32;
        for &c in &chunk[..4 - padding] {
            acc = (acc << 6) | value(c)?;
        }
        acc <<= 6 * padding;
        let decoded = acc.to_be_bytes();
        out.extend_from_slice(&decoded[1..4 - padding]);
    }
    Some(out)
}
