//! Normalised, line-oriented summaries of certificates, CSRs and private keys.
//!
//! Keys, serial numbers, signatures, key identifiers and times differ on every
//! run, so outputs are compared through a summary that keeps everything
//! deterministic about them: names with attribute order and string types,
//! algorithms and sizes, extensions with criticality and decoded values (and
//! their DER where it is deterministic), how the SKI was derived and which
//! certificate the AKI points at, the validity length and, for dates a signing
//! profile fixes, the dates themselves. Two outputs are "the same" when their
//! summaries are equal. A summary is plain text, one item per line, so a
//! mismatch reads as a line diff.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension, X509Extension};
use x509_parser::prelude::FromDer;
use x509_parser::time::ASN1Time;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo, X509Name};

use super::der::{self, hex, named_oid};
use super::pem::{self, Block, Piece};
use super::sha1::sha1;

/// What a summary may refer to beyond the object itself.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    /// Instants fixed by the case's signing configuration (`not_before` and
    /// `not_after` of its profiles), as Unix seconds. A certificate date equal to
    /// one of them is printed; other dates depend on when the step ran.
    fixed_times: Vec<i64>,
    /// Certificates present in the case folder, used to say which certificate an
    /// AKI refers to and with which key a signature verifies.
    folder_certs: Vec<FolderCert>,
}

/// A certificate found in a file of the case folder.
#[derive(Debug, Clone)]
struct FolderCert {
    file: String,
    subject: Vec<u8>,
    ski: Option<Vec<u8>>,
    spki: Vec<u8>,
}

impl Context {
    /// A context for the case folder `dir`: fixed dates from its JSON files and
    /// the certificates held by its `.pem` files.
    pub(crate) fn for_folder(dir: &Path) -> Self {
        let mut context = Self::default();
        let Ok(entries) = fs::read_dir(dir) else {
            return context;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().into_string().ok())
            .collect();
        names.sort();
        for name in names {
            let path = dir.join(&name);
            if name.ends_with(".json") {
                if let Some(value) = fs::read(&path)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
                {
                    collect_fixed_times(&value, &mut context.fixed_times);
                }
            } else if name.ends_with(".pem") {
                let text = fs::read(&path).unwrap_or_default();
                context.add_certificates(&name, &String::from_utf8_lossy(&text));
            }
        }
        context.fixed_times.sort_unstable();
        context.fixed_times.dedup();
        context
    }

    fn add_certificates(&mut self, file: &str, text: &str) {
        for piece in pem::split(text) {
            let Piece::Block(Block {
                label,
                der: Some(der),
                ..
            }) = piece
            else {
                continue;
            };
            if label != "CERTIFICATE" {
                continue;
            }
            let Ok((_, cert)) = X509Certificate::from_der(&der) else {
                continue;
            };
            let ski = cert
                .iter_extensions()
                .find_map(|ext| match ext.parsed_extension() {
                    ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
                    _ => None,
                });
            self.folder_certs.push(FolderCert {
                file: file.to_owned(),
                subject: cert.subject().as_raw().to_vec(),
                ski,
                spki: cert.public_key().raw.to_vec(),
            });
        }
    }
}

/// Collects every `not_before` / `not_after` string in a signing configuration.
fn collect_fixed_times(value: &serde_json::Value, out: &mut Vec<i64>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let key = key.to_ascii_lowercase();
                if key == "not_before" || key == "not_after" {
                    if let Some(time) = value.as_str().and_then(parse_rfc3339) {
                        out.push(time);
                    }
                } else {
                    collect_fixed_times(value, out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_fixed_times(item, out);
            }
        }
        _ => {}
    }
}

/// Summarises a text that may hold PEM blocks: each block becomes its summary,
/// the text around blocks is kept verbatim (escaped).
pub(crate) fn summarise_text(text: &str, context: &Context) -> String {
    let mut out = String::new();
    for piece in pem::split(text) {
        match piece {
            Piece::Text(text) => {
                for line in text.split_inclusive('\n') {
                    let _ = writeln!(out, "text {line:?}");
                }
            }
            Piece::Block(block) => out.push_str(&summarise_block(&block, context)),
        }
    }
    out
}

/// Summarises one PEM block according to its label.
pub(crate) fn summarise_block(block: &Block, context: &Context) -> String {
    let mut out = format!("PEM {:?}, {}", block.label, block.layout());
    if !block.end_matches {
        out.push_str(", END label differs");
    }
    out.push('\n');
    let Some(der) = &block.der else {
        let _ = writeln!(out, "  body is not base64: {:?}", block.body.join("\n"));
        return out;
    };
    let summary = match block.label.as_str() {
        "CERTIFICATE" => summarise_certificate(der, context),
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => summarise_csr(der, context),
        "EC PARAMETERS" => summarise_ec_parameters(der),
        label if label.ends_with("PRIVATE KEY") => summarise_private_key(label, der),
        _ => Ok(format!("DER {}\n", hex(der))),
    };
    let summary =
        summary.unwrap_or_else(|error| format!("unparseable ({error}): DER {}\n", hex(der)));
    for line in summary.lines() {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// Summarises a DER certificate.
pub(crate) fn summarise_certificate(der: &[u8], context: &Context) -> Result<String, String> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    let mut out = String::from("certificate\n");
    if !rest.is_empty() {
        let _ = writeln!(
            out,
            "trailing data after the certificate: {} bytes",
            rest.len()
        );
    }
    let _ = writeln!(out, "version: {}", cert.version().0 + 1);
    let _ = writeln!(out, "serial: {}", serial_class(cert.raw_serial()));
    let _ = writeln!(out, "signature: {}", algorithm(&cert.signature_algorithm));
    if cert.tbs_certificate.signature != cert.signature_algorithm {
        let _ = writeln!(
            out,
            "tbs signature: {}",
            algorithm(&cert.tbs_certificate.signature)
        );
    }
    out.push_str(&name_lines("issuer", cert.issuer()));
    out.push_str(&name_lines("subject", cert.subject()));
    let self_issued = cert.issuer().as_raw() == cert.subject().as_raw();
    let _ = writeln!(
        out,
        "issuer bytes equal subject bytes: {}",
        yes_no(self_issued)
    );

    let validity = cert.validity();
    let length = validity.not_after.timestamp() - validity.not_before.timestamp();
    let _ = writeln!(out, "validity: {length} s");
    let _ = writeln!(
        out,
        "notBefore: {}",
        time_line(&validity.not_before, context, true)
    );
    let _ = writeln!(
        out,
        "notAfter: {}",
        time_line(&validity.not_after, context, false)
    );

    out.push_str(&public_key_lines(cert.public_key()));
    if cert.issuer_uid.is_some() || cert.subject_uid.is_some() {
        out.push_str("unique identifiers present\n");
    }
    out.push_str(&extension_lines(
        cert.extensions(),
        cert.public_key(),
        context,
    ));
    let _ = writeln!(
        out,
        "signature check: {}",
        certificate_signature(&cert, context)
    );
    Ok(out)
}

/// Summarises a DER PKCS#10 request.
pub(crate) fn summarise_csr(der: &[u8], context: &Context) -> Result<String, String> {
    let (rest, csr) = X509CertificationRequest::from_der(der).map_err(|e| e.to_string())?;
    let info = &csr.certification_request_info;
    let mut out = String::from("certificate request\n");
    if !rest.is_empty() {
        let _ = writeln!(out, "trailing data after the request: {} bytes", rest.len());
    }
    let _ = writeln!(out, "version field: {}", info.version.0);
    out.push_str(&name_lines("subject", &info.subject));
    out.push_str(&public_key_lines(&info.subject_pki));
    let _ = writeln!(out, "signature: {}", algorithm(&csr.signature_algorithm));
    if info.attributes().is_empty() {
        out.push_str("attributes: none\n");
    } else {
        out.push_str("attributes:\n");
    }
    for attribute in info.attributes() {
        let oid = attribute.oid.to_id_string();
        let _ = writeln!(out, "  {}", named_oid(&oid));
        let body = match attribute.parsed_attribute() {
            ParsedCriAttribute::ExtensionRequest(request) => {
                extension_lines(&request.extensions, &info.subject_pki, context)
            }
            _ => format!("value {}\n", der::describe(attribute.value)),
        };
        for line in body.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    let verdict = match csr.verify_signature() {
        Ok(()) => "verifies".to_owned(),
        Err(error) => not_verified(&error),
    };
    let _ = writeln!(out, "signature check: {verdict}");
    Ok(out)
}

/// Summarises a private key: PEM label, container format, algorithm and size.
pub(crate) fn summarise_private_key(label: &str, der: &[u8]) -> Result<String, String> {
    let mut out = String::from("private key\n");
    let key = match label {
        "RSA PRIVATE KEY" => format!("PKCS#1 {}", pkcs1_key(der)?),
        "EC PRIVATE KEY" => format!("SEC1 {}", sec1_key(der, None)?),
        "ENCRYPTED PRIVATE KEY" => "encrypted PKCS#8".to_owned(),
        _ => format!("PKCS#8 {}", pkcs8_key(der)?),
    };
    let _ = writeln!(out, "{key}");
    Ok(out)
}

/// Summarises an `EC PARAMETERS` block (a named curve OID).
fn summarise_ec_parameters(der: &[u8]) -> Result<String, String> {
    let oid = der::expect(der, der::OID)
        .and_then(der::oid_string)
        .ok_or("EC parameters are not a named curve")?;
    Ok(format!("EC parameters: named curve {}\n", named_oid(&oid)))
}

fn pkcs1_key(der: &[u8]) -> Result<String, String> {
    let fields = der::expect(der, der::SEQUENCE)
        .and_then(der::children)
        .ok_or("not a PKCS#1 RSAPrivateKey")?;
    match fields.as_slice() {
        [version, modulus, exponent, ..] if version.tag == der::INTEGER => Ok(format!(
            "RSA, version {}, {}-bit modulus, exponent {}, {} fields",
            hex(version.content),
            der::bit_length(modulus.content),
            int_value(exponent.content),
            fields.len()
        )),
        _ => Err("not a PKCS#1 RSAPrivateKey".to_owned()),
    }
}

/// `curve` is the curve from an enclosing PKCS#8 structure, if any.
fn sec1_key(der: &[u8], curve: Option<&str>) -> Result<String, String> {
    let fields = der::expect(der, der::SEQUENCE)
        .and_then(der::children)
        .ok_or("not a SEC1 ECPrivateKey")?;
    let [version, private, optional @ ..] = fields.as_slice() else {
        return Err("not a SEC1 ECPrivateKey".to_owned());
    };
    let mut parameters = None;
    let mut public_key = false;
    for field in optional {
        match field.tag {
            0xa0 => parameters = der::expect(field.content, der::OID).and_then(der::oid_string),
            0xa1 => public_key = true,
            _ => {}
        }
    }
    let curve = parameters
        .as_deref()
        .or(curve)
        .map_or("unknown".to_owned(), named_oid);
    Ok(format!(
        "EC, version {}, curve {curve}, {}-byte private scalar, [0] parameters {}, [1] public key {}",
        hex(version.content),
        private.content.len(),
        if parameters.is_some() {
            "present"
        } else {
            "absent"
        },
        if public_key { "present" } else { "absent" },
    ))
}

fn pkcs8_key(der: &[u8]) -> Result<String, String> {
    let fields = der::expect(der, der::SEQUENCE)
        .and_then(der::children)
        .ok_or("not a PKCS#8 PrivateKeyInfo")?;
    let [version, algorithm, private, ..] = fields.as_slice() else {
        return Err("not a PKCS#8 PrivateKeyInfo".to_owned());
    };
    let algorithm = der::children(algorithm.content).ok_or("bad AlgorithmIdentifier")?;
    let oid = algorithm
        .first()
        .filter(|tlv| tlv.tag == der::OID)
        .and_then(|tlv| der::oid_string(tlv.content))
        .ok_or("bad AlgorithmIdentifier")?;
    let inner = match oid.as_str() {
        "1.2.840.113549.1.1.1" => pkcs1_key(private.content)?,
        "1.2.840.10045.2.1" => {
            let curve = algorithm
                .get(1)
                .filter(|tlv| tlv.tag == der::OID)
                .and_then(|tlv| der::oid_string(tlv.content));
            sec1_key(private.content, curve.as_deref())?
        }
        "1.3.101.112" => {
            let seed = der::expect(private.content, der::OCTET_STRING).ok_or("bad Ed25519 key")?;
            format!("Ed25519, {}-byte seed", seed.len())
        }
        other => format!("{}, {} bytes", named_oid(other), private.content.len()),
    };
    Ok(format!("version {}, {inner}", hex(version.content)))
}

/// Describes a serial number by sign and size class, not by value: cfssl draws
/// 20 random bytes with the top bit cleared (and `selfsign` 63 random bits), so
/// the exact length varies from run to run.
fn serial_class(raw: &[u8]) -> String {
    if raw.first().is_some_and(|&b| b & 0x80 != 0) {
        return format!("negative, {} octets", raw.len());
    }
    let minimal = !(raw.len() > 1 && raw[0] == 0 && raw[1] & 0x80 == 0);
    let bits = der::bit_length(raw);
    let class = [63, 64, 127, 128, 159, 160]
        .into_iter()
        .find(|&limit| bits <= limit)
        .map_or_else(
            || format!("{bits} bits"),
            |limit| format!("at most {limit} bits"),
        );
    let zero = if bits == 0 { ", zero" } else { "" };
    let encoding = if minimal {
        ""
    } else {
        ", non-minimal encoding"
    };
    format!("positive, {class}{zero}{encoding}")
}

/// `oid (name), parameters …` for an AlgorithmIdentifier.
fn algorithm(id: &AlgorithmIdentifier<'_>) -> String {
    let parameters = match &id.parameters {
        None => "absent".to_owned(),
        Some(any) if any.tag().0 == u32::from(der::NULL) => "NULL".to_owned(),
        Some(any) => match any.as_oid() {
            Ok(oid) => named_oid(&oid.to_id_string()),
            Err(_) => format!("tag {} {}", any.tag().0, hex(any.data)),
        },
    };
    format!(
        "{}, parameters {parameters}",
        named_oid(&id.algorithm.to_id_string())
    )
}

/// One line per RDN; attributes of a multi-valued RDN are joined with ` + `.
fn name_lines(field: &str, name: &X509Name<'_>) -> String {
    let mut out = String::new();
    if name.iter_rdn().next().is_none() {
        let _ = writeln!(out, "{field}: empty");
        return out;
    }
    let _ = writeln!(out, "{field}:");
    for rdn in name.iter_rdn() {
        let attributes: Vec<String> = rdn
            .iter()
            .map(|attribute| {
                let oid = named_oid(&attribute.attr_type().to_id_string());
                let value = attribute.attr_value();
                let tag = u8::try_from(value.tag().0).ok();
                match tag.and_then(der::string_type) {
                    Some(kind) => format!("{oid} {kind} {:?}", string_value(tag, value.data)),
                    None => format!("{oid} tag {} {}", value.tag().0, hex(value.data)),
                }
            })
            .collect();
        let _ = writeln!(out, "  - {}", attributes.join(" + "));
    }
    out
}

/// Decodes a string value (BMPString as UTF-16BE, everything else as UTF-8).
fn string_value(tag: Option<u8>, data: &[u8]) -> String {
    if tag == Some(0x1e) {
        let units: Vec<u16> = data
            .chunks_exact(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    String::from_utf8_lossy(data).into_owned()
}

/// Describes a certificate time: its ASN.1 type, and either its value (when a
/// signing profile fixed it) or only whether it falls on a whole minute.
fn time_line(time: &ASN1Time, context: &Context, with_alignment: bool) -> String {
    let kind = if time.is_generalizedtime() {
        "GeneralizedTime"
    } else {
        "UTCTime"
    };
    let seconds = time.timestamp();
    if context.fixed_times.contains(&seconds) {
        format!(
            "{kind}, fixed by the signing profile: {}",
            format_rfc3339(seconds)
        )
    } else if with_alignment {
        let aligned = if seconds.rem_euclid(60) == 0 {
            MINUTE_ALIGNED
        } else {
            NOT_MINUTE_ALIGNED
        };
        format!("{kind}, {aligned}")
    } else {
        kind.to_owned()
    }
}

/// Wording of the notBefore alignment, shared with the comparison code.
pub(crate) const MINUTE_ALIGNED: &str = "on a whole minute";
/// See [`MINUTE_ALIGNED`].
pub(crate) const NOT_MINUTE_ALIGNED: &str = "not on a whole minute";

/// Algorithm, parameters and size of a SubjectPublicKeyInfo.
fn public_key_lines(spki: &SubjectPublicKeyInfo<'_>) -> String {
    let algorithm_line = algorithm(&spki.algorithm);
    let key = &spki.subject_public_key.data;
    let size = match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" => der::expect(key, der::SEQUENCE)
            .and_then(der::children)
            .and_then(|fields| match fields.as_slice() {
                [modulus, exponent] => Some(format!(
                    "{}-bit modulus, exponent {}",
                    der::bit_length(modulus.content),
                    int_value(exponent.content)
                )),
                _ => None,
            })
            .unwrap_or_else(|| "undecodable RSA key".to_owned()),
        "1.2.840.10045.2.1" => {
            let form = match key.first() {
                Some(4) => "uncompressed",
                Some(2 | 3) => "compressed",
                _ => "unknown form",
            };
            format!("{form} point, {} bytes", key.len())
        }
        _ => format!("{} bytes", key.len()),
    };
    format!("public key: {algorithm_line}, {size}\n")
}

/// An unsigned big-endian integer as decimal when small, else as hex.
fn int_value(bytes: &[u8]) -> String {
    if der::bit_length(bytes) <= 64 {
        let value = bytes
            .iter()
            .fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
        value.to_string()
    } else {
        format!("0x{}", hex(bytes))
    }
}

/// One entry per extension, in order, with criticality and decoded value.
fn extension_lines(
    extensions: &[X509Extension<'_>],
    spki: &SubjectPublicKeyInfo<'_>,
    context: &Context,
) -> String {
    let mut out = String::new();
    if extensions.is_empty() {
        out.push_str("extensions: none\n");
        return out;
    }
    out.push_str("extensions:\n");
    for ext in extensions {
        let oid = ext.oid.to_id_string();
        let critical = if ext.critical { " critical" } else { "" };
        let _ = writeln!(out, "  - {}{critical}", named_oid(&oid));
        let (value, deterministic) = extension_value(ext, spki, context);
        for line in value {
            let _ = writeln!(out, "      {line}");
        }
        if deterministic {
            let _ = writeln!(out, "      DER {}", hex(ext.value));
        }
    }
    out
}

/// Decoded value lines of one extension, and whether its DER is the same on
/// every run (false for the key identifiers).
fn extension_value(
    ext: &X509Extension<'_>,
    spki: &SubjectPublicKeyInfo<'_>,
    context: &Context,
) -> (Vec<String>, bool) {
    let lines = match ext.parsed_extension() {
        ParsedExtension::SubjectKeyIdentifier(id) => {
            let derivation = if id.0 == sha1(&spki.subject_public_key.data) {
                "sha1(subjectPublicKey)".to_owned()
            } else {
                format!("other({})", id.0.len())
            };
            return (vec![derivation], false);
        }
        ParsedExtension::AuthorityKeyIdentifier(aki) => {
            let mut line = match &aki.key_identifier {
                Some(id) => {
                    let sources: Vec<&str> = context
                        .folder_certs
                        .iter()
                        .filter(|cert| cert.ski.as_deref() == Some(id.0))
                        .map(|cert| cert.file.as_str())
                        .collect();
                    let source = if sources.is_empty() {
                        "no SKI in the folder".to_owned()
                    } else {
                        format!("the SKI of {}", dedup(sources).join(", "))
                    };
                    format!("keyid({}), equals {source}", id.0.len())
                }
                None => "no keyid".to_owned(),
            };
            if aki.authority_cert_issuer.is_some() || aki.authority_cert_serial.is_some() {
                line.push_str(", with issuer and serial");
            }
            return (vec![line], false);
        }
        ParsedExtension::KeyUsage(usage) => {
            const NAMES: [&str; 9] = [
                "digitalSignature",
                "nonRepudiation",
                "keyEncipherment",
                "dataEncipherment",
                "keyAgreement",
                "keyCertSign",
                "cRLSign",
                "encipherOnly",
                "decipherOnly",
            ];
            let set: Vec<&str> = NAMES
                .iter()
                .enumerate()
                .filter(|(bit, _)| usage.flags >> bit & 1 == 1)
                .map(|(_, name)| *name)
                .collect();
            vec![set.join(", ")]
        }
        ParsedExtension::ExtendedKeyUsage(_) => {
            // Decoded here because x509-parser folds the list into flags,
            // losing order and duplicates, which cfssl keeps.
            match der::expect(ext.value, der::SEQUENCE).and_then(der::children) {
                Some(items) => items
                    .iter()
                    .map(|tlv| {
                        der::oid_string(tlv.content).map_or_else(
                            || format!("bad OID {}", hex(tlv.content)),
                            |o| named_oid(&o),
                        )
                    })
                    .collect(),
                None => vec!["undecodable".to_owned()],
            }
        }
        ParsedExtension::BasicConstraints(bc) => {
            let mut line = format!("CA:{}", if bc.ca { "TRUE" } else { "FALSE" });
            if let Some(len) = bc.path_len_constraint {
                let _ = write!(line, ", pathlen:{len}");
            }
            vec![line]
        }
        ParsedExtension::SubjectAlternativeName(san) => {
            san.general_names.iter().map(general_name).collect()
        }
        ParsedExtension::AuthorityInfoAccess(aia) => aia
            .iter()
            .map(|access| {
                format!(
                    "{}: {}",
                    named_oid(&access.access_method.to_id_string()),
                    general_name(&access.access_location)
                )
            })
            .collect(),
        ParsedExtension::CRLDistributionPoints(points) => points
            .iter()
            .map(|point| {
                let mut line = match &point.distribution_point {
                    Some(DistributionPointName::FullName(names)) => {
                        let names: Vec<String> = names.iter().map(general_name).collect();
                        format!("full name: {}", names.join(", "))
                    }
                    Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => {
                        "name relative to issuer".to_owned()
                    }
                    None => "no name".to_owned(),
                };
                if point.reasons.is_some() || point.crl_issuer.is_some() {
                    line.push_str(", with reasons or CRL issuer");
                }
                line
            })
            .collect(),
        ParsedExtension::CertificatePolicies(policies) => {
            let mut lines = Vec::new();
            for policy in policies {
                lines.push(format!(
                    "policy {}",
                    named_oid(&policy.policy_id.to_id_string())
                ));
                for qualifier in policy.policy_qualifiers.iter().flatten() {
                    lines.push(format!(
                        "  qualifier {}: {}",
                        named_oid(&qualifier.policy_qualifier_id.to_id_string()),
                        der::describe(qualifier.qualifier)
                    ));
                }
            }
            lines
        }
        ParsedExtension::ParseError { error } => vec![format!("unparseable: {error}")],
        _ => vec![format!("value {}", der::describe(ext.value))],
    };
    (lines, true)
}

/// A GeneralName with its type.
fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(dns) => format!("DNS {dns:?}"),
        GeneralName::RFC822Name(email) => format!("email {email:?}"),
        GeneralName::URI(uri) => format!("URI {uri:?}"),
        GeneralName::IPAddress(bytes) => match bytes.len() {
            4 => format!(
                "IP {}.{}.{}.{} (4 bytes)",
                bytes[0], bytes[1], bytes[2], bytes[3]
            ),
            16 => {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(bytes);
                format!("IP {} (16 bytes)", std::net::Ipv6Addr::from(octets))
            }
            n => format!("IP {} ({n} bytes)", hex(bytes)),
        },
        GeneralName::DirectoryName(name) => {
            format!("directory name {}", hex(name.as_raw()))
        }
        GeneralName::RegisteredID(oid) => format!("registered ID {}", oid.to_id_string()),
        GeneralName::OtherName(oid, value) => {
            format!("other name {} {}", oid.to_id_string(), hex(value))
        }
        other => format!("{other:?}"),
    }
}

/// With which key the certificate's signature verifies: its own (self-signed)
/// or that of a certificate in the case folder whose subject is its issuer.
fn certificate_signature(cert: &X509Certificate<'_>, context: &Context) -> String {
    let mut last_error = None;
    if cert.issuer().as_raw() == cert.subject().as_raw() {
        match cert.verify_signature(None) {
            Ok(()) => return "verifies with its own key".to_owned(),
            Err(error) => last_error = Some(error),
        }
    }
    let mut issuers: Vec<&FolderCert> = context
        .folder_certs
        .iter()
        .filter(|candidate| candidate.subject == cert.issuer().as_raw())
        .collect();
    issuers.sort_by(|a, b| a.file.cmp(&b.file));
    let mut verified_by = Vec::new();
    for issuer in &issuers {
        let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(&issuer.spki) else {
            continue;
        };
        match cert.verify_signature(Some(&spki)) {
            Ok(()) => verified_by.push(issuer.file.as_str()),
            Err(error) => last_error = Some(error),
        }
    }
    if !verified_by.is_empty() {
        return format!("verifies with the key of {}", dedup(verified_by).join(", "));
    }
    match last_error {
        Some(error) => not_verified(&error),
        None => "issuer not in the folder".to_owned(),
    }
}

fn not_verified(error: &x509_parser::error::X509Error) -> String {
    match error {
        x509_parser::error::X509Error::SignatureUnsupportedAlgorithm => {
            "not checked (algorithm unsupported by the verifier)".to_owned()
        }
        _ => "does not verify".to_owned(),
    }
}

fn dedup(mut items: Vec<&str>) -> Vec<&str> {
    items.dedup();
    items
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// Parses an RFC 3339 timestamp (`2030-01-02T03:04:05Z`, `…+02:00`, optional
/// fraction) into Unix seconds.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' {
        return None;
    }
    if !matches!(bytes[10], b'T' | b't') || bytes[16] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format_rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let time = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        time / 3600,
        time / 60 % 60,
        time % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
