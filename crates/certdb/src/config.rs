//! cfssl's db-config file: `{"driver":"sqlite3","data_source":"certs.db"}`.

use cfssl_core::{Code, Error, Result};

/// A db-config (cfssl's `dbconf.DBConfig`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DbConfig {
    /// `driver`: `sqlite3`, `postgres` (or `mysql`, refused).
    pub driver: String,
    /// `data_source`: a file path for SQLite, a connection URL for
    /// PostgreSQL.
    pub data_source: String,
}

impl DbConfig {
    /// Reads the JSON as cfssl does: Go's JSON rules, both keys required.
    ///
    /// # Errors
    /// 5200 `failed to unmarshal configuration: <Go's JSON error>` for bad
    /// JSON; 5200 `invalid db configuration` when a key is missing or empty.
    ///
    /// ```
    /// use cfssl_certdb::DbConfig;
    /// let c = DbConfig::from_json(br#"{"Driver":"sqlite3","data_source":"certs.db"}"#)?;
    /// assert_eq!(c.data_source, "certs.db");
    /// let e = DbConfig::from_json(br#"{"driver":"sqlite3"}"#).unwrap_err();
    /// assert_eq!((e.code(), e.message()), (Some(cfssl_core::Code::PolicyInvalidPolicy), "invalid db configuration"));
    /// # Ok::<(), cfssl_core::Error>(())
    /// ```
    pub fn from_json(input: &[u8]) -> Result<Self> {
        use cfssl_core::go::json::{Value, field_matches, parse};
        let unmarshal = |e: Error| {
            Error::coded(
                Code::PolicyInvalidPolicy,
                format!("failed to unmarshal configuration: {}", e.message()),
            )
        };
        let v = parse(input).map_err(unmarshal)?;
        let (mut driver, mut data_source) = (String::new(), String::new());
        match &v {
            Value::Object(members) => {
                for (k, val) in members {
                    let name = if k == "driver" || field_matches(k, "driver") {
                        "driver"
                    } else if k == "data_source" || field_matches(k, "data_source") {
                        "data_source"
                    } else {
                        continue;
                    };
                    match val {
                        Value::String(s) if name == "driver" => s.clone_into(&mut driver),
                        Value::String(s) => s.clone_into(&mut data_source),
                        Value::Null => {}
                        other => {
                            return Err(unmarshal(Error::Json(format!(
                                "json: cannot unmarshal {} into Go struct field DBConfig.{name} of type string",
                                other.go_kind()
                            ))));
                        }
                    }
                }
            }
            Value::Null => {}
            other => {
                return Err(unmarshal(Error::Json(format!(
                    "json: cannot unmarshal {} into Go value of type dbconf.DBConfig",
                    other.go_kind()
                ))));
            }
        }
        if driver.is_empty() || data_source.is_empty() {
            return Err(Error::coded(
                Code::PolicyInvalidPolicy,
                "invalid db configuration",
            ));
        }
        Ok(Self {
            driver,
            data_source,
        })
    }
}
