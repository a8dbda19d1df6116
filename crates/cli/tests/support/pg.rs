//! A private PostgreSQL cluster for one test (`scripts/pg-cluster.sh`), for
//! tests that stop and start it under a running server.

#![allow(clippy::unwrap_used)] // test support: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Output};

/// A private throw-away cluster of `scripts/pg-cluster.sh`, stopped and
/// removed when dropped.
pub(crate) struct Cluster {
    pub(crate) url: String,
    pub(crate) dir: String,
}

impl Cluster {
    fn script(cmd: &str, dir: &str) -> Output {
        Self::script_with(cmd, dir, &[])
    }

    fn script_with(cmd: &str, dir: &str, env: &[(&str, &Path)]) -> Output {
        Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-cluster.sh"))
            .arg(cmd)
            .env("CFSSL_TEST_PG_DIR", dir)
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .output()
            .unwrap()
    }

    pub(crate) fn start() -> Self {
        Self::start_with(&[])
    }

    /// With `CFSSL_PG_TLS_CERT` and `CFSSL_PG_TLS_KEY` for a TLS server.
    pub(crate) fn start_with(env: &[(&str, &Path)]) -> Self {
        let out = Self::script_with("start", "", env);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let var = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .unwrap()
                .to_string()
        };
        Self {
            url: var("CFSSL_TEST_PG_URL"),
            dir: var("CFSSL_TEST_PG_DIR"),
        }
    }

    pub(crate) fn run(&self, cmd: &str) {
        let out = Self::script(cmd, &self.dir);
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Self::script("stop", &self.dir);
    }
}
