//! The files `mkbundle` reads, found as Go's `filepath.Walk` finds them:
//! each argument and everything under it, in lexical order, symbolic
//! links not followed (and not read: only regular files are), with cfssl's
//! `Found …` line for every entry visited and `Walk failed: …` for an
//! argument whose walk stopped on an error.

use std::path::Path;

use cfssl_core::error::go_errno_text;
use cfssl_core::log::{Level, Log};

/// Walks `roots` in order; returns the regular files found.
pub(super) fn regular_files(roots: &[String], log: &mut dyn Log) -> Vec<String> {
    let mut files = Vec::new();
    for root in roots {
        if let Err(e) = walk(root, &mut files, log) {
            log.log(Level::Error, &format!("Walk failed: {e}"));
        }
    }
    files
}

fn walk(path: &str, files: &mut Vec<String>, log: &mut dyn Log) -> Result<(), String> {
    log.log(Level::Info, &format!("Found {path}"));
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| format!("lstat {path}: {}", go_errno_text(&e)))?;
    if meta.file_type().is_file() {
        files.push(path.to_string());
        return Ok(());
    }
    if !meta.is_dir() {
        return Ok(());
    }
    let names = match read_names(path) {
        Ok(names) => names,
        Err(e) => {
            // Go calls the walk function again with the error, which
            // cfssl's logs and returns.
            log.log(Level::Info, &format!("Found {path}"));
            return Err(format!("open {path}: {}", go_errno_text(&e)));
        }
    };
    for name in names {
        walk(&go_join(path, &name), files, log)?;
    }
    Ok(())
}

fn read_names(dir: &str) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(Path::new(dir))? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Go's `filepath.Join(dir, name)`: joined and cleaned.
fn go_join(dir: &str, name: &str) -> String {
    go_clean(&format!("{dir}/{name}"))
}

/// Go's `filepath.Clean` (Unix).
fn go_clean(path: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::{go_clean, go_join};

    #[test]
    fn cleans_as_go() {
        assert_eq!(go_join("in/", "a.pem"), "in/a.pem");
        assert_eq!(go_join("./in", "a.pem"), "in/a.pem");
        assert_eq!(go_join(".", "a.pem"), "a.pem");
        assert_eq!(go_join("/", "etc"), "/etc");
        assert_eq!(go_clean("a/../../b"), "../b");
        assert_eq!(go_clean("/../x"), "/x");
        assert_eq!(go_clean(""), ".");
    }
}
