//! Running a case's command lines with our `cfssl` and `cfssljson`.

use std::fs;
use std::io::Read;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

use super::case::Case;

/// How long one step may run before it is killed.
const STEP_TIMEOUT: Duration = Duration::from_secs(300);

/// The binaries under test, as a folder holding only `cfssl` and `cfssljson`.
#[derive(Debug)]
pub(crate) struct Tools {
    bin: TempDir,
    path: String,
}

impl Tools {
    /// Links `cfssl` and `cfssljson` into a fresh folder and builds the `PATH`
    /// the steps see: that folder, `/usr/bin:/bin`, and the folder of `python3`
    /// when it lives elsewhere (some command lines use python3 and openssl).
    pub(crate) fn new(cfssl: &Path, cfssljson: &Path) -> Self {
        let bin = TempDir::new().expect("create the bin folder");
        std::os::unix::fs::symlink(cfssl, bin.path().join("cfssl")).expect("link cfssl");
        std::os::unix::fs::symlink(cfssljson, bin.path().join("cfssljson"))
            .expect("link cfssljson");
        let mut path = format!("{}:/usr/bin:/bin", bin.path().display());
        if let Some(dir) = python_dir()
            && dir != Path::new("/usr/bin")
            && dir != Path::new("/bin")
        {
            path.push(':');
            path.push_str(&dir.display().to_string());
        }
        Self { bin, path }
    }

    /// The `PATH` given to every step.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The folder holding the two links.
    pub(crate) fn bin_dir(&self) -> &Path {
        self.bin.path()
    }
}

/// The folder of the `python3` interpreter: `/usr/bin` when it is there,
/// otherwise the interpreter found on the test's own `PATH` (asked for its real
/// location, so that version-manager shims are not needed).
fn python_dir() -> Option<PathBuf> {
    if Path::new("/usr/bin/python3").exists() {
        return Some(PathBuf::from("/usr/bin"));
    }
    let search = std::env::var_os("PATH")?;
    let candidate = std::env::split_paths(&search)
        .map(|dir| dir.join("python3"))
        .find(|path| path.is_file())?;
    let output = Command::new(&candidate)
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let real = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    real.parent()
        .map(Path::to_path_buf)
        .or_else(|| candidate.parent().map(Path::to_path_buf))
}

/// A case replayed in a temporary folder.
#[derive(Debug)]
pub(crate) struct Replay {
    /// The working folder, holding the inputs and whatever the steps wrote.
    pub(crate) dir: TempDir,
    /// One result per step.
    pub(crate) steps: Vec<StepRun>,
}

/// What one step printed and returned.
#[derive(Debug)]
pub(crate) struct StepRun {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    pub(crate) rc: i32,
    /// Unix seconds when the step started and ended.
    pub(crate) started: u64,
    pub(crate) finished: u64,
}

impl Replay {
    /// Whether any step ran across a whole minute, so that an unrounded time
    /// taken during it may have fallen on the minute by chance.
    pub(crate) fn crossed_a_minute(&self) -> bool {
        self.steps
            .iter()
            .any(|step| step.started / 60 != step.finished / 60 || step.started % 60 == 0)
    }
}

/// Copies the case's inputs into a fresh folder and runs every step there, in
/// order, each as `bash -c 'umask 022; set -o pipefail; <line>'` with
/// `TZ=UTC`, `LC_ALL=C` and the tools' `PATH`, and no other environment.
pub(crate) fn replay(case: &Case, tools: &Tools) -> Replay {
    let dir = TempDir::new().expect("create the working folder");
    for input in &case.inputs {
        let target = dir.path().join(input);
        fs::copy(case.dir.join(input), &target)
            .unwrap_or_else(|e| panic!("copy input {input} of {}: {e}", case.name));
        let mut permissions = fs::metadata(&target).expect("stat input").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o644);
        fs::set_permissions(&target, permissions).expect("chmod input");
    }
    let steps = case
        .steps
        .iter()
        .map(|line| run_step(line, dir.path(), tools))
        .collect();
    Replay { dir, steps }
}

fn run_step(line: &str, dir: &Path, tools: &Tools) -> StepRun {
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(format!("umask 022; set -o pipefail; {line}"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", tools.path())
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env("HOME", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(profile) = std::env::var_os("LLVM_PROFILE_FILE") {
        // Keeps coverage runs working; it changes nothing the steps print.
        command.env("LLVM_PROFILE_FILE", profile);
    }
    let started = unix_now();
    let mut child = command.spawn().expect("spawn bash");
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("stdout pipe");
    let mut stderr = child.stderr.take().expect("stderr pipe");
    let (done, wait) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut err = Vec::new();
        let err_reader = thread::spawn(move || {
            let _ = stderr.read_to_end(&mut err);
            err
        });
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        let err = err_reader.join().unwrap_or_default();
        let status = child.wait();
        let _ = done.send(());
        (out, err, status)
    });
    if wait.recv_timeout(STEP_TIMEOUT).is_err() {
        // Kill the step's whole process group (bash and everything it started).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status();
        panic!("step timed out after {STEP_TIMEOUT:?} and was killed: {line}");
    }
    let (stdout, stderr, status) = reader.join().expect("reader thread");
    let status = status.expect("wait for bash");
    StepRun {
        stdout,
        stderr,
        rc: status.code().unwrap_or(-1),
        started,
        finished: unix_now(),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
