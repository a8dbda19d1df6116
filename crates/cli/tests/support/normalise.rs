//! Text normalisation for stdout and stderr.

/// Normalises log output so two runs can be compared byte for byte:
///
/// - the `YYYY/MM/DD HH:MM:SS ` prefix of Go log lines is removed;
/// - the decimal number after `serial number ` becomes `<serial>`;
/// - a Go panic's goroutine trace is dropped (the `panic:` line is kept).
pub(crate) fn normalise_log(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        // A panic trace starts with an empty line and then `goroutine N [...]:`.
        if line == "\n" && lines.peek().is_some_and(|next| is_goroutine_header(next)) {
            break;
        }
        if is_goroutine_header(line) {
            break;
        }
        let line = strip_timestamp(line);
        out.push_str(&mask_serials(line));
    }
    out
}

fn is_goroutine_header(line: &str) -> bool {
    line.starts_with("goroutine ") && line.trim_end().ends_with("]:")
}

/// Removes a leading `2026/11/27 21:51:44 ` (Go `log` standard flags).
fn strip_timestamp(line: &str) -> &str {
    let bytes = line.as_bytes();
    let pattern = b"dddd/dd/dd dd:dd:dd ";
    if bytes.len() < pattern.len() {
        return line;
    }
    let matches = pattern.iter().zip(bytes).all(|(&p, &b)| match p {
        b'd' => b.is_ascii_digit(),
        other => other == b,
    });
    if matches {
        &line[pattern.len()..]
    } else {
        line
    }
}

/// Replaces the digits after every `serial number ` with `<serial>`.
fn mask_serials(line: &str) -> String {
    const MARKER: &str = "serial number ";
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(MARKER) {
        let (before, after) = rest.split_at(at + MARKER.len());
        out.push_str(before);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("<serial>");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Sorts every run of consecutive TAB-indented lines. cfssl prints some lists
/// (`Available commands`, `print-defaults list`) from a Go map, so their order
/// is random; the divergence ledger says where this applies.
pub(crate) fn sort_tab_lists(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run: Vec<&str> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with('\t') && line.ends_with('\n') {
            run.push(line);
            continue;
        }
        run.sort_unstable();
        out.extend(run.drain(..));
        out.push_str(line);
    }
    run.sort_unstable();
    out.extend(run.drain(..));
    out
}

/// The JSON text with the content of every string literal replaced by `…`:
/// what remains is the framing (key order, spacing, indentation, trailing
/// newline), which is deterministic.
pub(crate) fn json_skeleton(text: &str) -> String {
    let mut out = String::with_capacity(text.len() / 4);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' {
            continue;
        }
        out.push('…');
        while let Some(inner) = chars.next() {
            match inner {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    out.push('"');
                    break;
                }
                _ => {}
            }
        }
    }
    out
}
