//! Go's slash-separated path functions (`path.Clean`, `path.Join`,
//! `filepath.Dir` on Unix), for the paths cfssl builds and prints: keystore
//! paths of a metadata file, the files `mkbundle` walks.
//!
//! ```
//! use cfssl_core::go::path as gopath;
//! assert_eq!(gopath::clean("a//b/./c/.."), "a/b");
//! assert_eq!(gopath::join("./in", "a.pem"), "in/a.pem");
//! assert_eq!(gopath::dir("sub/meta.json"), "sub");
//! ```

/// Go's `path.Clean`: one slash between names, no `.`, `..` resolved
/// where it can be, `.` for an empty result.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `path.Join(dir, name)` of two non-empty elements: joined, cleaned.
pub fn join(dir: &str, name: &str) -> String {
    clean(&format!("{dir}/{name}"))
}

/// Go's `filepath.Dir`: everything before the last slash, cleaned (`.`
/// when there is no slash).
pub fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_go() {
        for (i, o) in [
            ("a/../b", "b"),
            ("./x", "x"),
            ("sub/../ks.pem", "ks.pem"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("a//b/./c/", "a/b/c"),
            ("", "."),
            ("..", ".."),
            ("a/..", "."),
            ("a/../../b", "../b"),
        ] {
            assert_eq!(clean(i), o, "{i}");
        }
        assert_eq!(join("in/", "a.pem"), "in/a.pem");
        assert_eq!(join(".", "a.pem"), "a.pem");
        assert_eq!(join("/", "etc"), "/etc");
        assert_eq!(dir("meta.json"), ".");
        assert_eq!(dir("sub/meta.json"), "sub");
        assert_eq!(dir("/meta.json"), "/");
    }
}
