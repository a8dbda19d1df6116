//! A local `openssl s_server` for the tests that dial a TLS server
//! (`certinfo -domain`, `bundle -domain`).

#![allow(clippy::unwrap_used)] // test support: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::serve::free_port;

/// A running `openssl s_server`, killed when dropped.
pub(crate) struct Server {
    child: Child,
    // Held open: s_server may stop when its standard input closes.
    _stdin: ChildStdin,
    pub(crate) port: u16,
}

impl Server {
    /// Starts `openssl s_server -www` on a free loopback port with
    /// `cert`/`key` (and `extra` arguments), and waits until it accepts.
    pub(crate) fn start(dir: &Path, cert: &str, key: &str, extra: &[&str]) -> Self {
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("openssl")
                .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
                .args(["-cert", cert, "-key", key, "-www"])
                .args(extra)
                .current_dir(dir)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let stdin = child.stdin.take().unwrap();
            let stdout = child.stdout.take().unwrap();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if line.contains("ACCEPT") {
                        let _ = tx.send(());
                    }
                }
            });
            let server = Self {
                child,
                _stdin: stdin,
                port,
            };
            if rx.recv_timeout(Duration::from_secs(10)).is_ok() {
                return server;
            }
            // Most likely the port was taken meanwhile: try another.
            drop(server);
        }
        panic!("openssl s_server did not start");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
