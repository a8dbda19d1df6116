//! cfssl's two schema migrations and how a database is brought up to them.
//!
//! cfssl ships its schema as goose migrations (`001_CreateCertificates`,
//! `002_AddMetadataToCertificates`, per backend) and leaves running them to
//! the user. Here a new, empty database gets both by itself when it is
//! first opened; `cfssl certdb migrate` ([`crate::migrate`]) creates or
//! upgrades the schema of any database on request. The version is read
//! from the tables themselves (no `certificates` table: none; without
//! 002's `issued_at` column: 001; with it: 002), so a database made by
//! goose, by cfssl's users by hand or by this crate is read the same way;
//! when goose's own `goose_db_version` table is there, the versions applied
//! are recorded in it too, so that goose agrees afterwards.
//!
//! Each upgrade runs in one transaction that holds the database's write
//! lock (SQLite's `BEGIN IMMEDIATE`, a PostgreSQL advisory lock) and reads
//! the version again under it: several signers starting at once on an
//! empty database create the schema once, and a failed step leaves the
//! database as it was.

/// The latest of cfssl's migrations.
pub(crate) const LATEST: u8 = 2;

/// What [`crate::migrate`] found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Migration {
    /// The schema version found: 0 (no `certificates` table), 1 or 2
    /// (cfssl's migrations 001 and 002).
    pub found: u8,
    /// The migrations applied, in order; empty when the schema was current.
    pub applied: Vec<u8>,
}

impl Migration {
    /// The migrations a database at `found` needs.
    pub(crate) fn plan(found: u8) -> Self {
        Self {
            found,
            applied: (found + 1..=LATEST).collect(),
        }
    }

    /// One sentence for a log line.
    pub fn summary(&self) -> String {
        let names: Vec<String> = self.applied.iter().map(|v| format!("{v:03}")).collect();
        match (self.found, names.as_slice()) {
            (f, []) => format!("the schema is at migration {f:03}: nothing to do"),
            (0, _) => format!(
                "the database had no schema: applied migration {}",
                names.join(" and ")
            ),
            (f, _) => format!(
                "the schema was at migration {f:03}: applied migration {}",
                names.join(" and ")
            ),
        }
    }
}

/// The `-- +goose Up` part of a migration file.
pub(crate) fn up(migration: &str) -> &str {
    migration
        .split("-- +goose Down")
        .next()
        .unwrap_or(migration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_and_summaries() {
        assert_eq!(Migration::plan(0).applied, [1, 2]);
        assert_eq!(Migration::plan(1).applied, [2]);
        assert!(Migration::plan(2).applied.is_empty());
        assert_eq!(
            Migration::plan(0).summary(),
            "the database had no schema: applied migration 001 and 002"
        );
        assert_eq!(
            Migration::plan(1).summary(),
            "the schema was at migration 001: applied migration 002"
        );
        assert_eq!(
            Migration::plan(2).summary(),
            "the schema is at migration 002: nothing to do"
        );
        assert_eq!(up("a\n-- +goose Down\nb"), "a\n");
    }
}
