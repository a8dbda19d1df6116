//! multirootca's Prometheus counters (`GET /metrics`), with cfssl 1.6.5's
//! names, help texts and labels: `requests_total` and
//! `requests_errored_total` by `operation` and `signer` (the label), and
//! `bad_inputs_total` by `operation`. A family with no value yet is left
//! out, as Go's client leaves out a vector with no children.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// The only operation multirootca counts.
pub(crate) const SIGN: &str = "sign";

/// The counters.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    inner: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    requests: BTreeMap<(String, String), u64>,
    errored: BTreeMap<(String, String), u64>,
    bad_inputs: BTreeMap<String, u64>,
}

/// The `Content-Type` cfssl 1.6.5's metrics handler sends to a client that
/// asks for nothing in particular.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8; escaping=values";

impl Metrics {
    fn with(&self, f: impl FnOnce(&mut Counts)) {
        // A poisoned lock still holds valid counts.
        let mut c = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut c);
    }

    /// A request for an existing label (counted before its profile and
    /// token are checked, as cfssl counts it).
    pub(crate) fn request(&self, signer: &str) {
        self.with(|c| *c.requests.entry((SIGN.into(), signer.into())).or_default() += 1);
    }

    /// A signing that failed.
    pub(crate) fn errored(&self, signer: &str) {
        self.with(|c| *c.errored.entry((SIGN.into(), signer.into())).or_default() += 1);
    }

    /// Any refused `/authsign` request.
    pub(crate) fn bad_input(&self) {
        self.with(|c| *c.bad_inputs.entry(SIGN.into()).or_default() += 1);
    }

    /// The text exposition format, families in name order.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        self.with(|c| {
            family(
                &mut out,
                "bad_inputs_total",
                "How many times the input was malformed or not allowed.",
                c.bad_inputs
                    .iter()
                    .map(|(op, n)| (format!("operation=\"{}\"", escape(op)), *n)),
            );
            family(
                &mut out,
                "requests_errored_total",
                "How many requests for each operation type resulted in an error.",
                by_signer(&c.errored),
            );
            family(
                &mut out,
                "requests_total",
                "How many requests for each operation type and signer were succesfully processed.",
                by_signer(&c.requests),
            );
        });
        out
    }
}

fn by_signer(m: &BTreeMap<(String, String), u64>) -> impl Iterator<Item = (String, u64)> + '_ {
    m.iter().map(|((op, signer), n)| {
        (
            format!("operation=\"{}\",signer=\"{}\"", escape(op), escape(signer)),
            *n,
        )
    })
}

fn family(out: &mut String, name: &str, help: &str, rows: impl Iterator<Item = (String, u64)>) {
    let rows: Vec<_> = rows.collect();
    if rows.is_empty() {
        return;
    }
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n"));
    for (labels, n) in rows {
        out.push_str(&format!("{name}{{{labels}}} {n}\n"));
    }
}

/// A label value in the text format: `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_appear_once_counted() {
        let m = Metrics::default();
        assert_eq!(m.render(), "");
        m.bad_input();
        m.request("b");
        m.request("a\"x");
        m.request("b");
        assert_eq!(
            m.render(),
            "# HELP bad_inputs_total How many times the input was malformed or not allowed.\n\
             # TYPE bad_inputs_total counter\n\
             bad_inputs_total{operation=\"sign\"} 1\n\
             # HELP requests_total How many requests for each operation type and signer were succesfully processed.\n\
             # TYPE requests_total counter\n\
             requests_total{operation=\"sign\",signer=\"a\\\"x\"} 1\n\
             requests_total{operation=\"sign\",signer=\"b\"} 2\n"
        );
    }
}
