//! cfssl's `certinfo` JSON for a certificate (mirrors `certinfo.ParseCertificate`).

use crate::cert::{self, Certificate};
use crate::der;
use crate::key::oids;
use crate::name::{
    self, OID_C, OID_CN, OID_L, OID_O, OID_OU, OID_POSTAL, OID_SERIAL, OID_ST, OID_STREET,
};
use crate::wire::go_string;

/// cfssl's name for a signature algorithm (`helpers.SignatureString`).
pub fn signature_string(oid: &str) -> &'static str {
    match oid {
        oids::SHA1_WITH_RSA => "SHA1WithRSA",
        oids::SHA256_WITH_RSA => "SHA256WithRSA",
        oids::SHA384_WITH_RSA => "SHA384WithRSA",
        oids::SHA512_WITH_RSA => "SHA512WithRSA",
        oids::ECDSA_SHA256 => "ECDSAWithSHA256",
        oids::ECDSA_SHA384 => "ECDSAWithSHA384",
        oids::ECDSA_SHA512 => "ECDSAWithSHA512",
        oids::ED25519 => "Ed25519",
        _ => "Unknown Signature",
    }
}

fn hex_colon(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Every attribute value of a DER Name, in RDN order.
fn all_values(name_der: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(top) = der::read_one(name_der) else {
        return out;
    };
    for rdn in der::read_all(top.content).unwrap_or_default() {
        for atv in der::read_all(rdn.content).unwrap_or_default() {
            let parts = der::read_all(atv.content).unwrap_or_default();
            if let (Some(o), Some(v)) = (parts.first(), parts.get(1))
                && let (Some(oid), Some(val)) = (
                    der::oid_to_string(o.content),
                    name::decode_string(v.tag, v.content),
                )
            {
                out.push((oid, val));
            }
        }
    }
    out
}

fn name_json(name_der: &[u8], indent: &str) -> String {
    let values = all_values(name_der);
    let join = |oid: &str| -> String {
        values
            .iter()
            .filter(|(o, _)| o == oid)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    let last = |oid: &str| -> String {
        values
            .iter()
            .rev()
            .find(|(o, _)| o == oid)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let fields = [
        ("common_name", last(OID_CN)),
        ("serial_number", last(OID_SERIAL)),
        ("country", join(OID_C)),
        ("organization", join(OID_O)),
        ("organizational_unit", join(OID_OU)),
        ("locality", join(OID_L)),
        ("province", join(OID_ST)),
        ("street_address", join(OID_STREET)),
        ("postal_code", join(OID_POSTAL)),
    ];
    let inner = format!("{indent}  ");
    let mut lines: Vec<String> = fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{inner}\"{k}\": {}", go_string(v)))
        .collect();
    if !values.is_empty() {
        let items: Vec<String> = values
            .iter()
            .map(|(_, v)| format!("{inner}  {}", go_string(v)))
            .collect();
        lines.push(format!(
            "{inner}\"names\": [\n{}\n{inner}]",
            items.join(",\n")
        ));
    }
    if lines.is_empty() {
        return "{}".into();
    }
    format!("{{\n{}\n{indent}}}", lines.join(",\n"))
}

/// The indented JSON cfssl's `certinfo -cert` prints (without the final newline).
pub fn certificate_json(c: &Certificate) -> String {
    let sans = c.sans();
    let mut san_list: Vec<String> = sans.dns.clone();
    san_list.extend(sans.ips.iter().map(ToString::to_string));
    let mut lines = vec![
        format!("  \"subject\": {}", name_json(c.subject_raw(), "  ")),
        format!("  \"issuer\": {}", name_json(c.issuer_raw(), "  ")),
        format!("  \"serial_number\": \"{}\"", cert::decimal(c.serial())),
    ];
    if !san_list.is_empty() {
        let items: Vec<String> = san_list
            .iter()
            .map(|s| format!("    {}", go_string(s)))
            .collect();
        lines.push(format!("  \"sans\": [\n{}\n  ]", items.join(",\n")));
    }
    lines.push(format!(
        "  \"not_before\": \"{}\"",
        c.not_before().format("%Y-%m-%dT%H:%M:%SZ")
    ));
    lines.push(format!(
        "  \"not_after\": \"{}\"",
        c.not_after().format("%Y-%m-%dT%H:%M:%SZ")
    ));
    lines.push(format!(
        "  \"sigalg\": \"{}\"",
        signature_string(c.signature_algorithm_oid())
    ));
    lines.push(format!(
        "  \"authority_key_id\": \"{}\"",
        c.authority_key_id()
            .map(|k| hex_colon(&k))
            .unwrap_or_default()
    ));
    lines.push(format!(
        "  \"subject_key_id\": \"{}\"",
        c.subject_key_id()
            .map(|k| hex_colon(&k))
            .unwrap_or_default()
    ));
    lines.push(format!("  \"pem\": {}", go_string(&c.to_pem())));
    format!("{{\n{}\n}}", lines.join(",\n"))
}
