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
