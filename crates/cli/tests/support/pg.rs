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

/// A fresh, empty database on the test cluster (`CFSSL_TEST_PG_URL`, which
/// CI always sets), as a URL; `None` (the test skips) without one, except
/// in CI.
pub(crate) fn pg_database(name: &str) -> Option<String> {
    let Ok(url) = std::env::var("CFSSL_TEST_PG_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs PostgreSQL: .ci/run starts scripts/pg-cluster.sh"
        );
        eprintln!("skipped: no CFSSL_TEST_PG_URL (eval \"$(scripts/pg-cluster.sh start)\")");
        return None;
    };
    psql(&url, &format!("DROP DATABASE IF EXISTS {name}"));
    psql(&url, &format!("CREATE DATABASE {name}"));
    let base = url
        .rsplit_once('/')
        .map_or(url.as_str(), |(b, _)| b)
        .to_string();
    Some(format!("{base}/{name}"))
}

/// cfssl's PostgreSQL migrations (001, 002: their Up sections) applied to
/// the database at `url` by `psql`.
pub(crate) fn cfssl_schema(url: &str) {
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../certdb/migrations/pg");
    for f in [
        "001_CreateCertificates.sql",
        "002_AddMetadataToCertificates.sql",
    ] {
        let text = std::fs::read_to_string(migrations.join(f)).unwrap();
        psql(url, text.split("-- +goose Down").next().unwrap());
    }
}

/// One SQL command through `psql` (not our code); its unaligned output.
pub(crate) fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
        .output()
        .expect("psql reads the PostgreSQL databases");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
