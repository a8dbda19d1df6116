//! Go's `os` and `syscall` error texts.

/// An operating-system error as Go's `syscall.Errno` prints it: the C library's message with
/// a lowercase first letter and without Rust's ` (os error N)` suffix
/// (`connection refused`, not `Connection refused (os error 111)`).
///
/// ```
/// let e = std::io::Error::from_raw_os_error(111);
/// assert_eq!(cfssl_core::go::os::errno_text(&e), "connection refused");
/// ```
pub fn errno_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
