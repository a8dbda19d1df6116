//! Writing a file so that it is never half-written (the bundle `mkbundle`
//! writes, an intermediate `bundle` stashes): into a new file beside the
//! target, flushed to disk, then renamed over it. The new file gets the mode
//! Go's `os.Create` / `os.WriteFile` would leave: an existing target's
//! mode, otherwise the mode asked for less the umask. A target that is a
//! symbolic link is written through (the link's target is replaced), as Go
//! writes through it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

use cfssl_core::go::os::errno_text as go_errno_text;

/// A file being written whole.
#[derive(Debug)]
pub struct Pending {
    file: File,
    temp: PathBuf,
    target: PathBuf,
}

impl Pending {
    /// Opens a new file beside `target`; `mode` is what a new target gets
    /// before the umask (Go's `os.Create`: 0666; `os.WriteFile`: its
    /// `perm`).
    ///
    /// # Errors
    /// Go's words for what `os.Create(target)` would have met (`open
    /// no-such-dir/out.crt: no such file or directory`).
    pub fn create(target: &str, mode: u32) -> Result<Self, String> {
        let open_error = |e: &std::io::Error| format!("open {target}: {}", go_errno_text(e));
        let real = match std::fs::canonicalize(target) {
            Ok(p) => p,
            Err(_) => PathBuf::from(target),
        };
        let existing_mode = std::fs::metadata(&real)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777);
        if std::fs::metadata(&real).is_ok_and(|m| m.is_dir()) {
            return Err(format!("open {target}: is a directory"));
        }
        let dir = match real.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let base = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut attempt = 0u32;
        loop {
            let temp = dir.join(format!(".{base}.{}.{attempt}.tmp", std::process::id()));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&temp)
            {
                Ok(file) => {
                    if let Some(mode) = existing_mode {
                        file.set_permissions(std::fs::Permissions::from_mode(mode))
                            .map_err(|e| open_error(&e))?;
                    }
                    return Ok(Self {
                        file,
                        temp,
                        target: real,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(open_error(&e)),
            }
        }
    }

    /// Writes `text`, flushes it to disk and renames the file over the
    /// target. On failure the target is left as it was.
    ///
    /// # Errors
    /// What failed, in Go's words.
    pub fn commit(mut self, text: &[u8]) -> Result<(), String> {
        let result = self
            .file
            .write_all(text)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| format!("write {}: {}", self.temp.display(), go_errno_text(&e)))
            .and_then(|()| {
                std::fs::rename(&self.temp, &self.target)
                    .map_err(|e| format!("rename {}: {}", self.target.display(), go_errno_text(&e)))
            });
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        result
    }
}
