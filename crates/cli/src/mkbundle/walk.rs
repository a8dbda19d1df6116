//! The files `mkbundle` reads, found as Go's `filepath.Walk` finds them:
//! each argument and everything under it, in lexical order, symbolic
//! links not followed (and not read: only regular files are), with cfssl's
//! `Found …` line for every entry visited and `Walk failed: …` for an
//! argument whose walk stopped on an error.

use std::path::Path;

use cfssl_core::go::os::errno_text as go_errno_text;
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
        walk(&cfssl_core::go::path::join(path, &name), files, log)?;
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
