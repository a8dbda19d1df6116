//! Starting `cfssl serve` (ours or a reference cfssl) on a free loopback
//! port with one of the recorded set-ups of `fixtures/server/setups/`.

#![allow(clippy::unwrap_used)] // test support: a failed unwrap is a failed test

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/server")
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

pub(crate) struct Serve {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn start_bin(bin: &Path, dir: &Path, setup: &str) -> Option<Serve> {
    let args: Vec<String> =
        std::fs::read_to_string(dir.join("setups").join(format!("{setup}.args")))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
    start_with_args(bin, dir, &args)
}

/// Starts `bin serve -address 127.0.0.1 -port P ARGS` in `dir` on a free
/// port and waits until it accepts connections.
pub(crate) fn start_with_args(bin: &Path, dir: &Path, args: &[String]) -> Option<Serve> {
    start_command(bin, dir, "serve", args, Stdio::null)
}

/// Starts `bin COMMAND -address 127.0.0.1 -port P ARGS` in `dir` on a free
/// port, its stderr to `stderr()`, and waits until it accepts connections.
pub(crate) fn start_command(
    bin: &Path,
    dir: &Path,
    command: &str,
    args: &[String],
    stderr: impl Fn() -> Stdio,
) -> Option<Serve> {
    for _ in 0..5 {
        let port = free_port();
        let child = Command::new(bin)
            .arg(command)
            .args(["-address", "127.0.0.1", "-port", &port.to_string()])
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut serve = Serve { child, addr };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(addr).is_ok() {
                // The port was free when picked, but another test's server
                // may have taken it since: then the connection was to that
                // server and ours has failed to bind and exits. Look again
                // after a moment and take another port if so.
                std::thread::sleep(Duration::from_millis(100));
                if let Ok(Some(_)) = serve.child.try_wait() {
                    break;
                }
                return Some(serve);
            }
            if let Ok(Some(_)) = serve.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = serve.child.kill();
    }
    // Every case of the set-up then differs (and says so).
    None
}

/// One HTTP/1.1 request with a JSON body (`Connection: close`); the
/// status, the Content-Type (lower case, "" when none) and the body.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let ctype = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(String::from)
        })
        .unwrap_or_default();
    (status, ctype, body.to_string())
}
