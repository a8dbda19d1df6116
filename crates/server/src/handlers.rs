//! The endpoints, each as cfssl 1.6.5's handler answers: the same checks in
//! the same order, the same messages, the same log lines.

use cfssl_core::api::{self, NO_BUNDLER_MESSAGE, NO_HOSTS_MESSAGE};
use cfssl_core::bundle::Flavor;
use cfssl_core::cert::Certificate;
use cfssl_core::log::{Level, Shared};
use cfssl_core::signer::{SignRequest, Signer};
use cfssl_core::{Code, certinfo, initca};

use crate::app::{AppState, Endpoint};
use crate::reply::{ApiError, Reply};

type Outcome = Result<Reply, ApiError>;

/// Answers one request whose method is allowed and whose body was read.
pub(crate) fn handle(st: &AppState, ep: Endpoint, body: &[u8], query: &str) -> Outcome {
    match ep {
        Endpoint::Crl => crl(st, query),
        Endpoint::GenCrl => gencrl(st, body),
        Endpoint::OcspSign => ocspsign(st, body),
        Endpoint::Sign => sign(st, body),
        Endpoint::AuthSign => authsign(st, body),
        Endpoint::Info => info(st, body),
        Endpoint::NewCert => newcert(st, body),
        Endpoint::NewKey => newkey(st, body),
        Endpoint::InitCa => init_ca(st, body),
        Endpoint::CertInfo => certinfo_endpoint(st, body),
        Endpoint::Health => Ok(Reply::new(r#"{"healthy":true}"#.into())),
        Endpoint::Revoke => revoke(st, body),
        Endpoint::CertAdd => cert_add(st, body),
        Endpoint::Bundle => bundle(st, body),
        // Registered only when implemented (see `Endpoint::implemented`).
        other => Err(ApiError::Http(
            404,
            format!("endpoint '{}' is not available", other.key()),
        )),
    }
}

fn signer(st: &AppState) -> Result<&dyn Signer, ApiError> {
    // Endpoints that need a signer are only registered with one.
    st.signer
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("signer not initialized"))
}

fn log(st: &AppState, level: Level, msg: &str) {
    st.log.log(level, msg);
}

/// Logs a failed step as cfssl does (`<what>: <error>`) and answers its
/// error.
fn failed<'a>(
    st: &'a AppState,
    level: Level,
    what: &'a str,
) -> impl FnOnce(cfssl_core::Error) -> ApiError + 'a {
    move |e| {
        let e = ApiError::from(e);
        log(st, level, &format!("{what}: {}", e.log_text()));
        e
    }
}

/// Logs a body that could not be read and answers 400 with Go's JSON error
/// text, as cfssl's handlers do.
fn unreadable<'a>(
    st: &'a AppState,
    level: Level,
    what: &'a str,
) -> impl FnOnce(cfssl_core::Error) -> ApiError + 'a {
    move |e| {
        log(st, level, &format!("{what}: {}", e.message()));
        ApiError::bad_request(e.message())
    }
}

/// `POST /sign` (cfssl's `signhandler.Handler`).
fn sign(st: &AppState, body: &[u8]) -> Outcome {
    log(st, Level::Info, "signature request received");
    let req = api::sign_request(body)
        .map_err(|_| ApiError::bad_request("Unable to parse sign request"))?;
    if req.sign.request.is_empty() {
        return Err(ApiError::bad_request(
            "missing parameter 'certificate_request'",
        ));
    }
    let s = signer(st)?;
    if !s.policy().profile(&req.sign.profile).auth_key.is_empty() {
        log(st, Level::Error, "profile requires authentication");
        return Err(ApiError::bad_request("authentication required"));
    }
    let issued =
        s.issue(&req.sign)
            .map_err(failed(st, Level::Warning, "failed to sign request"))?;
    finish_signing(st, &issued.to_pem(), req.bundle)
}

/// `POST /authsign` (cfssl's `signhandler.AuthHandler`): the token is
/// checked against the profile's `auth_key`, then its `prev_auth_key`, in
/// constant time, over the exact bytes of the inner request.
fn authsign(st: &AppState, body: &[u8]) -> Outcome {
    log(st, Level::Info, "signature request received");
    let areq = cfssl_core::auth::AuthenticatedRequest::from_json(body).map_err(unreadable(
        st,
        Level::Error,
        "failed to unmarshal authenticated request",
    ))?;
    let req = api::sign_request(&areq.request).map_err(|e| {
        log(
            st,
            Level::Error,
            &format!(
                "failed to unmarshal request from authenticated request: {}",
                e.message()
            ),
        );
        ApiError::bad_request("Unable to parse authenticated sign request")
    })?;
    let s = signer(st)?;
    let policy = s.policy();
    if policy.profile(&req.sign.profile).auth_key.is_empty() {
        log(st, Level::Error, "profile has no authentication provider");
        return Err(ApiError::bad_request("no authentication provider"));
    }
    let valid = st
        .auth
        .for_profile(policy, &req.sign.profile)
        .is_some_and(|(key, prev)| {
            key.verify(&areq.request, &areq.token)
                || prev.is_some_and(|p| p.verify(&areq.request, &areq.token))
        });
    if !valid {
        log(
            st,
            Level::Warning,
            "received authenticated request with invalid token",
        );
        return Err(ApiError::bad_request("invalid token"));
    }
    if req.sign.request.is_empty() {
        return Err(ApiError::bad_request(
            "missing parameter 'certificate_request'",
        ));
    }
    let issued = s
        .issue(&req.sign)
        .map_err(failed(st, Level::Error, "signature failed"))?;
    finish_signing(st, &issued.to_pem(), req.bundle)
}

/// The common end of `/sign` and `/authsign`: the certificate, with its
/// bundle when one was asked for (or the bundler message without a
/// bundler).
fn finish_signing(st: &AppState, pem: &str, bundle: bool) -> Outcome {
    let cert = cfssl_core::go::json::go_string(pem);
    if bundle {
        let Some(json) = sign_bundle(st, pem)? else {
            return Ok(Reply::new(format!("{{\"certificate\":{cert}}}"))
                .with_message(Code::PolicyInvalidRequest.number(), NO_BUNDLER_MESSAGE));
        };
        log(st, Level::Info, "wrote response");
        return Ok(Reply::new(format!(
            "{{\"bundle\":{json},\"certificate\":{cert}}}"
        )));
    }
    log(st, Level::Info, "wrote response");
    Ok(Reply::new(format!("{{\"certificate\":{cert}}}")))
}

/// The optimal bundle of a certificate just signed, as the signing
/// endpoints add it; `None` without a bundler for them.
fn sign_bundle(st: &AppState, pem: &str) -> Result<Option<String>, ApiError> {
    let Some(bundler) = &st.sign_bundler else {
        return Ok(None);
    };
    let bundle = bundler.bundle_from_pem_or_der(
        pem.as_bytes(),
        b"",
        "",
        Flavor::Optimal,
        chrono::Utc::now(),
        &mut Shared(st.log.as_ref()),
    )?;
    Ok(Some(bundle.to_json()))
}

/// `POST /bundle` (cfssl's `api/bundle`): a certificate (or chain) with
/// its key if given, bundled by `flavor` (default ubiquitous), and checked
/// against `domain` and `ip` when given.
fn bundle(st: &AppState, body: &[u8]) -> Outcome {
    let blob = request_blob(st, body)?;
    let get = |k: &str| api::map_get(&blob, k);
    let flavor = match get("flavor").unwrap_or_default() {
        "" => Flavor::Ubiquitous,
        name => Flavor::from_name(name),
    };
    let Some(bundler) = &st.bundler else {
        return Err(ApiError::Other("bundler not initialized".into()));
    };
    let Some(cert) = get("certificate") else {
        if let Some(domain) = get("domain") {
            log(
                st,
                Level::Info,
                &format!("request for flavor {}", flavor_name(get("flavor"))),
            );
            let mut shared = Shared(st.log.as_ref());
            let bundle = crate::dial::remote_chain_443(domain, get("ip").unwrap_or_default())
                .and_then(|(certs, dialed, name)| {
                    bundler.bundle_from_remote(
                        certs,
                        &name,
                        &dialed,
                        flavor,
                        chrono::Utc::now(),
                        &mut shared,
                    )
                })
                .map_err(|e| {
                    log(
                        st,
                        Level::Warning,
                        &format!("couldn't bundle from remote: {}", e.go_text()),
                    );
                    ApiError::from(e)
                })?;
            log(st, Level::Info, "wrote response");
            return Ok(Reply::new(bundle.to_json()));
        }
        log(
            st,
            Level::Warning,
            "invalid request: no valid parameter sets found",
        );
        return Err(ApiError::bad_request("no valid parameter sets found"));
    };
    log(
        st,
        Level::Info,
        &format!("request for flavor {}", flavor_name(get("flavor"))),
    );
    let bundle = bundler
        .bundle_from_pem_or_der(
            cert.as_bytes(),
            get("private_key").unwrap_or_default().as_bytes(),
            "",
            flavor,
            chrono::Utc::now(),
            &mut Shared(st.log.as_ref()),
        )
        .map_err(|e| {
            log(st, Level::Warning, "bad PEM certificate or private key");
            ApiError::from(e)
        })?;
    for host in [get("domain"), get("ip")].into_iter().flatten() {
        if host.is_empty() {
            continue;
        }
        bundle
            .leaf()
            .verify_hostname(host)
            .map_err(|e| ApiError::Cfssl(Code::CertificateVerifyFailed.number(), e))?;
    }
    log(st, Level::Info, "wrote response");
    Ok(Reply::new(bundle.to_json()))
}

/// A body cfssl reads as a `map[string]string` (`api.ProcessRequestOneOf`
/// and friends): Go's decoding error is logged and answered 500/0.
fn request_blob(st: &AppState, body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    api::string_map(body).map_err(|e| {
        log(
            st,
            Level::Warning,
            &format!("invalid request: {}", e.message()),
        );
        ApiError::Other(e.message().to_string())
    })
}

/// The flavour as cfssl's log line names it (`ubiquitous` when none).
fn flavor_name(name: Option<&str>) -> &str {
    match name {
        None | Some("") => "ubiquitous",
        Some(n) => n,
    }
}

/// `POST /info`.
fn info(st: &AppState, body: &[u8]) -> Outcome {
    let req = api::info_request(body).map_err(unreadable(
        st,
        Level::Warning,
        "failed to unmarshal request",
    ))?;
    let info = signer(st)?.info(&req)?;
    Ok(Reply::new(info.to_json()))
}

/// The key and CSR of `/newkey` and `/newcert` (cfssl's
/// `csr.Generator.ProcessRequest`).
fn generate(
    st: &AppState,
    req: &cfssl_core::csr::CertificateRequest,
) -> Result<(cfssl_core::key::PrivateKey, cfssl_core::csr::Csr), ApiError> {
    log(st, Level::Info, "generate received request");
    initca::generate_key_and_csr(req, &mut Shared(st.log.as_ref())).map_err(failed(
        st,
        Level::Warning,
        "failed to process CSR",
    ))
}

/// `POST /newkey`.
fn newkey(st: &AppState, body: &[u8]) -> Outcome {
    log(st, Level::Info, "request for CSR");
    let req = cfssl_core::csr::CertificateRequest::from_json(body).map_err(unreadable(
        st,
        Level::Warning,
        "failed to unmarshal request",
    ))?;
    if req.ca.is_some() {
        log(st, Level::Warning, "request received with CA section");
        return Err(ApiError::bad_request("ca section only permitted in initca"));
    }
    let (key, csr) = generate(st, &req)?;
    let g = cfssl_core::go::json::go_string;
    Ok(Reply::new(format!(
        "{{\"private_key\":{},\"certificate_request\":{},\"sums\":{{\"certificate_request\":{}}}}}",
        g(&key.to_pem()),
        g(&csr.to_pem()),
        api::sums_json(csr.raw())
    )))
}

/// `POST /newcert`. Unlike cfssl, a profile that requires authentication is
/// refused here as on `/sign` (cfssl signs it without a token: spec §4.7).
fn newcert(st: &AppState, body: &[u8]) -> Outcome {
    log(st, Level::Info, "request for CSR");
    let req = api::newcert_request(body).map_err(unreadable(
        st,
        Level::Warning,
        "failed to unmarshal request",
    ))?;
    let Some(csr_req) = req.request else {
        log(st, Level::Warning, "empty request received");
        return Err(ApiError::bad_request("missing request section"));
    };
    if csr_req.ca.is_some() {
        log(st, Level::Warning, "request received with CA section");
        return Err(ApiError::bad_request("ca section only permitted in initca"));
    }
    let s = signer(st)?;
    if !s.policy().profile(&req.profile).auth_key.is_empty() {
        log(st, Level::Error, "profile requires authentication");
        return Err(ApiError::bad_request("authentication required"));
    }
    let (key, csr) = generate(st, &csr_req)?;
    let mut sreq = SignRequest::from_csr(csr.clone());
    sreq.profile = req.profile;
    sreq.label = req.label;
    let issued = s
        .issue(&sreq)
        .map_err(failed(st, Level::Warning, "failed to sign request"))?;
    let g = cfssl_core::go::json::go_string;
    let result = format!(
        "{{\"certificate\":{},\"certificate_request\":{},\"private_key\":{},\"sums\":{{\"certificate\":{},\"certificate_request\":{}}}}}",
        g(&issued.to_pem()),
        g(&csr.to_pem()),
        g(&key.to_pem()),
        api::sums_json(issued.der()),
        api::sums_json(csr.raw())
    );
    let reply = if req.bundle {
        match sign_bundle(st, &issued.to_pem())? {
            // Go's map order: "bundle" sorts first.
            Some(json) => Reply::new(format!("{{\"bundle\":{json},{}", &result[1..])),
            None => {
                return Ok(Reply::new(result)
                    .with_message(Code::PolicyInvalidRequest.number(), NO_BUNDLER_MESSAGE));
            }
        }
    } else {
        Reply::new(result)
    };
    if csr_req.hosts.is_empty() {
        return Ok(reply.with_message(Code::PolicyInvalidRequest.number(), NO_HOSTS_MESSAGE));
    }
    Ok(reply)
}

/// `POST /init_ca`.
fn init_ca(st: &AppState, body: &[u8]) -> Outcome {
    log(st, Level::Info, "setting up initial CA handler");
    let req = cfssl_core::csr::CertificateRequest::from_json(body).map_err(unreadable(
        st,
        Level::Warning,
        "failed to unmarshal request",
    ))?;
    let ca = initca::new(&req, Default::default(), &mut Shared(st.log.as_ref()))
        .map_err(failed(st, Level::Warning, "failed to initialise new CA"))?;
    let g = cfssl_core::go::json::go_string;
    Ok(Reply::new(format!(
        "{{\"private_key\":{},\"certificate\":{}}}",
        g(&ca.key.as_ref().map(|k| k.to_pem()).unwrap_or_default()),
        g(&ca.cert.to_pem())
    )))
}

/// `POST /revoke` (cfssl's `revoke.Handler`, without an OCSP signer, as
/// serve wires it): marks the row revoked; answers `{}`.
fn revoke(st: &AppState, body: &[u8]) -> Outcome {
    let req = api::revoke_request(body)
        .map_err(|_| ApiError::bad_request("Unable to parse revocation request"))?;
    if req.serial.is_empty() {
        return Err(ApiError::bad_request(
            "serial number is required but not provided",
        ));
    }
    let reason = cfssl_core::revocation::reason_code(&req.reason)
        .map_err(|_| ApiError::bad_request("Invalid reason code"))?;
    // Registered only with a database (see `app::unavailable`).
    let db = st
        .db
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("cert db not configured (missing -db-config)"))?;
    db.revoke_certificate(&req.serial, &req.authority_key_id, reason)?;
    if let Some(signer) = &st.ocsp_signer {
        // What cfssl's revoke handler does when given an OCSP signer (its
        // serve never gives it one): a revoked response, stored at once
        // (replacing any earlier one; cfssl's insert fails on a second).
        // The revocation is committed already: what stops the response is
        // logged, not answered as a failure.
        if let Err(why) =
            store_revoked_response(db.as_ref(), signer, &req.serial, &req.authority_key_id)
        {
            log(
                st,
                Level::Warning,
                &format!(
                    "revoked serial {} but stored no OCSP response for it: {why}",
                    req.serial
                ),
            );
        }
    }
    Ok(Reply::new("{}".into()))
}

/// Signs and stores the revoked response of a row just revoked, with the
/// row's own revocation time and reason (the database's clock, as the CRL
/// lists it).
fn store_revoked_response(
    db: &dyn cfssl_certdb::Accessor,
    signer: &cfssl_core::ocsp::Signer,
    serial: &str,
    aki: &str,
) -> Result<(), String> {
    let rows = db.get_certificate(serial, aki).map_err(|e| e.to_string())?;
    let [row] = rows.as_slice() else {
        return Err("No unique certificate found".into());
    };
    let cert = Certificate::from_pem(row.pem.as_bytes())
        .map_err(|_| "Unable to parse certificates from PEM data".to_string())?;
    signer.check_issued(&cert).map_err(|e| e.to_string())?;
    let status = cfssl_core::ocsp::CertStatus::Revoked {
        at: row.revoked_at,
        reason: cfssl_core::ocsp::valid_reason(row.reason).unwrap_or(0),
    };
    let der = signer
        .sign(&cfssl_core::ocsp::SignRequest::new(&cert, status))
        .map_err(|e| e.to_string())?;
    let parsed = cfssl_core::ocsp::Response::from_der(&der).map_err(|e| e.to_string())?;
    let expiry = parsed
        .next_update
        .unwrap_or_else(|| chrono::Utc::now() + signer.interval());
    db.upsert_ocsp(&[cfssl_certdb::OcspRecord::new(
        serial.to_string(),
        aki.to_string(),
        der,
        expiry,
    )])
    .map_err(|e| e.to_string())
}

/// A JSON string of base64 DER, as Go marshals a `[]byte` result.
fn b64_result(der: &[u8]) -> Reply {
    Reply::new(format!("\"{}\"", cfssl_core::go::base64::encode(der)))
}

/// `GET /crl[?expiry=D]` (cfssl's `crl.Handler`): a CRL of the revoked,
/// unexpired rows of the database that this CA issued (cfssl lists every
/// issuer's), with reason codes and a CRL number, valid a week unless
/// `expiry` (a Go duration) says otherwise.
fn crl(st: &AppState, query: &str) -> Outcome {
    // Registered only with a database and the CA's key (app::unavailable).
    let (Some(db), Some(ca)) = (st.db.as_ref(), st.crl_issuer.as_ref()) else {
        return Err(ApiError::bad_request(
            "cert db not configured (missing -db-config)",
        ));
    };
    if let Some(f) = query_value(query, "format").filter(|f| !matches!(f.as_str(), "der" | "pem")) {
        return Err(ApiError::bad_request(format!(
            "unknown format {}: der or pem (or none for cfssl's JSON)",
            cfssl_core::go::json::go_string(&f)
        )));
    }
    let rows = db.revoked_entries()?;
    let mut lifetime = chrono::Duration::days(7);
    if let Some(expiry) = query_value(query, "expiry").filter(|v| !v.is_empty()) {
        log(
            st,
            Level::Info,
            &format!("requested expiry time of {expiry}"),
        );
        let nanos =
            cfssl_core::go::duration::parse(&expiry).map_err(|e| ApiError::Other(e.to_string()))?;
        lifetime = chrono::Duration::nanoseconds(nanos);
    }
    let (entries, others) =
        cfssl_certdb::crl_entries(&rows, &ca.certificate).map_err(ApiError::Other)?;
    if others > 0 {
        log(
            st,
            Level::Info,
            &format!("left out {others} revoked certificate(s) of other issuers"),
        );
    }
    let now = chrono::Utc::now();
    let der = cfssl_core::crl::create(
        &ca.certificate,
        &ca.key,
        &entries,
        now,
        now + lifetime,
        &cfssl_core::crl::number_for(now),
    )?;
    match query_value(query, "format").as_deref() {
        // Not in cfssl (upstream #1417): the list itself, for a CRL
        // distribution point or a web server.
        Some("der") => Ok(Reply::raw("application/pkix-crl", der)),
        Some("pem") => Ok(Reply::raw(
            "application/x-pem-file",
            cfssl_core::go::pem::encode("X509 CRL", &der).into_bytes(),
        )),
        _ => Ok(b64_result(&der)),
    }
}

/// The first value of `name` in a query string, percent-decoded as Go's
/// `url.ParseQuery` (`+` is a space).
fn query_value(query: &str, name: &str) -> Option<String> {
    // Go 1.17 and later skip a pair holding `;` (cfssl 1.6.5: Go 1.19).
    query
        .split('&')
        .filter(|p| !p.contains(';'))
        .find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (unescape_query(k)? == name)
                .then(|| unescape_query(v))
                .flatten()
        })
}

fn unescape_query(s: &str) -> Option<String> {
    String::from_utf8(crate::ocsp::percent_decode(s, b' ')?).ok()
}

/// `POST /gencrl` (cfssl's `gencrl` handler): a CRL of the given serials,
/// signed with the key in the request. Serials must be decimal (cfssl
/// lists any other as 0) and the key must be the certificate's (cfssl signs
/// a list nobody can verify).
fn gencrl(st: &AppState, body: &[u8]) -> Outcome {
    let req = match api::gencrl_request(body) {
        Ok(r) => r,
        Err(e) => {
            // cfssl logs the decoding error and answers it after the
            // expiry check.
            log(st, Level::Error, e.message());
            return Err(ApiError::Other(e.message().to_string()));
        }
    };
    let now = chrono::Utc::now();
    let next = if req.expire_time.is_empty() {
        now + chrono::Duration::weeks(1)
    } else {
        let secs =
            cfssl_core::crl::go_parse_int32(req.expire_time.trim()).map_err(ApiError::Other)?;
        now + chrono::Duration::seconds(secs)
    };
    let cert = match Certificate::from_pem(req.certificate.as_bytes()) {
        Ok(c) => c,
        Err(e) => {
            // Go's log.Error of two values: no space between them.
            log(
                st,
                Level::Error,
                &format!(
                    "error from ParseCertificatePEM{}",
                    ApiError::from(e).log_text()
                ),
            );
            return Err(ApiError::bad_request("malformed certificate"));
        }
    };
    let mut entries = Vec::with_capacity(req.serial_number.len());
    for (i, s) in req.serial_number.iter().enumerate() {
        let Some(serial) = cfssl_core::crl::decimal_serial(s) else {
            return Err(ApiError::bad_request(format!(
                "serialNumber[{i}] is not a decimal serial number: {}",
                cfssl_core::go::json::go_string(s)
            )));
        };
        entries.push(cfssl_core::crl::Entry::new(serial, now));
    }
    let Ok(key) = cfssl_core::key::PrivateKey::from_pem(req.issuing_key.as_bytes()) else {
        return Err(ApiError::bad_request("malformed Private Key"));
    };
    let der = cfssl_core::crl::create(
        &cert,
        &key,
        &entries,
        now,
        next,
        &cfssl_core::crl::number_for(now),
    )?;
    Ok(b64_result(&der))
}

/// `POST /ocspsign` (cfssl's `ocsp.Handler`): a response for the
/// certificate with the status asked, signed by the `-responder`.
fn ocspsign(st: &AppState, body: &[u8]) -> Outcome {
    use cfssl_core::ocsp::{CertStatus, HashAlgorithm, SignRequest};
    let Some(signer) = st.ocsp_signer.as_ref() else {
        return Err(ApiError::bad_request("signer not initialized"));
    };
    let req = api::ocspsign_request(body)
        .map_err(|_| ApiError::bad_request("Unable to parse sign request"))?;
    let cert = match Certificate::from_pem(req.certificate.as_bytes()) {
        Ok(c) => c,
        Err(e) => {
            log(
                st,
                Level::Error,
                &format!(
                    "Error from ParseCertificatePEM{}",
                    ApiError::from(e).log_text()
                ),
            );
            return Err(ApiError::bad_request("Malformed certificate"));
        }
    };
    let mut status = match req.status.as_str() {
        "unknown" => CertStatus::Unknown,
        _ => CertStatus::Good,
    };
    if req.status == "revoked" {
        let at = if req.revoked_at.is_empty() || req.revoked_at == "now" {
            chrono::Utc::now()
        } else {
            cfssl_core::revocation::revoked_at(&req.revoked_at, chrono::Utc::now())
                .map_err(|_| ApiError::bad_request("Malformed revocation time"))?
        };
        // cfssl writes any number; only RFC 5280's codes are written here.
        let reason = u8::try_from(req.reason)
            .ok()
            .filter(|r| *r <= 10 && *r != 7)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid revocation reason {}: RFC 5280 codes are 0-6 and 8-10",
                    req.reason
                ))
            })?;
        status = CertStatus::Revoked { at, reason };
    }
    let md5 = req.issuer_hash == "MD5";
    let hash = match req.issuer_hash.as_str() {
        "" | "MD5" => HashAlgorithm::Sha1,
        name => HashAlgorithm::from_name(name)
            .ok_or_else(|| ApiError::bad_request("Unsupported hash algorithm in request"))?,
    };
    signer.check_issued(&cert)?;
    cfssl_core::ocsp::check_status_name(&req.status)?;
    if md5 {
        // In cfssl's table, refused where the response is made.
        return Err(ApiError::Other("unsupported issuer hash algorithm".into()));
    }
    let mut sign = SignRequest::new(&cert, status);
    sign.issuer_hash = hash;
    let der = signer.sign(&sign)?;
    Ok(Reply::new(format!(
        "{{\"ocspResponse\":\"{}\"}}",
        cfssl_core::go::base64::encode(&der)
    )))
}

/// `POST /certadd` (cfssl's `certadd.Handler`): a certificate issued
/// elsewhere, checked against the request, recorded as given.
fn cert_add(st: &AppState, body: &[u8]) -> Outcome {
    let bad = |m: &str| Err(ApiError::bad_request(m));
    let Ok(req) = api::cert_add_request(body) else {
        return bad("Unable to parse certificate addition request");
    };
    if req.serial_number.is_empty() {
        return bad("Serial number is required but not provided");
    }
    if req.authority_key_identifier.is_empty() {
        return bad("Authority key identifier is required but not provided");
    }
    if !matches!(req.status.as_str(), "good" | "revoked" | "unknown") {
        return bad("Invalid certificate status");
    }
    if req.status == "revoked" {
        // Go compares with the zero time.Time: unset, or year 1 in UTC.
        if req.revoked_at.is_none_or(|t| t.utc && t.is_zero()) {
            return bad("Revoked certificate should specify when it was revoked");
        }
        if cfssl_core::revocation::reason_code(&req.reason.to_string()).is_err() {
            return bad("Invalid certificate status reason code");
        }
    }
    if req.pem.is_empty() {
        return bad("The provided certificate is empty");
    }
    let Some(expiry) = req.expiry.filter(|t| !t.is_zero()) else {
        return bad("Expiry is required but not provided");
    };
    // cfssl's ParseCertificatePEM: one PEM object, a certificate.
    let cert = match Certificate::from_pem(req.pem.as_bytes()) {
        Ok(c) if req.pem.matches("-----BEGIN").count() == 1 => c,
        _ => return bad("Unable to parse PEM encoded certificates"),
    };
    let Some(serial) = go_decimal(&req.serial_number) else {
        return bad("Unable to parse serial key of request");
    };
    if serial != cfssl_core::cert::decimal(cert.serial()) {
        return bad("Serial key of request and certificate do not match");
    }
    let Some(aki) = hex_bytes(&req.authority_key_identifier) else {
        return bad("Unable to decode authority key identifier");
    };
    if Some(aki) != cert.authority_key_id().filter(|k| !k.is_empty()) {
        return bad("Authority key identifier of request and certificate do not match");
    }
    // Go's != on time.Time: the same instant, in UTC.
    if !(expiry.utc && expiry.instant == cert.not_after()) {
        return bad("Expiry of request and certificate do not match");
    }
    let Some(db) = &st.db else {
        return Err(ApiError::Cfssl(
            Code::CertStoreUnknown.number(),
            "unknown db object, please check SetDB method".into(),
        ));
    };
    db.insert_certificate(&cfssl_certdb::CertificateRecord::added(&req))?;
    Ok(Reply::new("{}".into()))
}

/// Go's `big.Int.SetString(s, 10)` for a comparison with a serial: the
/// value in canonical decimal ("-" first when negative), or `None` when `s`
/// is not a decimal integer.
fn go_decimal(s: &str) -> Option<String> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|d| d.is_ascii_digit()) {
        return None;
    }
    let value = digits.trim_start_matches('0');
    Some(match (negative, value) {
        (_, "") => "0".to_string(),
        (true, v) => format!("-{v}"),
        (false, v) => v.to_string(),
    })
}

/// Go's `hex.DecodeString`.
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `POST /certinfo`.
fn certinfo_endpoint(st: &AppState, body: &[u8]) -> Outcome {
    let blob = request_blob(st, body)?;
    let get = |k: &str| api::map_get(&blob, k);
    let cert = if let Some(pem) = get("certificate") {
        Certificate::from_pem(pem.as_bytes()).map_err(failed(
            st,
            Level::Warning,
            "bad PEM certificate",
        ))?
    } else if let Some(domain) = get("domain") {
        let der = crate::dial::server_leaf_certificate(domain, crate::dial::DOMAIN_TIMEOUT)
            .map_err(|e| {
                log(
                    st,
                    Level::Warning,
                    &format!("couldn't parse remote certificate: {e}"),
                );
                ApiError::Other(e)
            })?;
        Certificate::from_der(&der)?
    } else if let (Some(serial), Some(aki)) = (get("serial"), get("authority_key_id")) {
        let Some(db) = &st.db else {
            log(
                st,
                Level::Warning,
                "could not find certificates with db access",
            );
            return Err(ApiError::Other(
                "cannot lookup certificate from serial without db access".into(),
            ));
        };
        // cfssl's ParseSerialNumber: the AKI lower-cased, colons removed.
        let aki = aki.to_ascii_lowercase().replace(':', "");
        let rows = db.get_certificate(serial, &aki).map_err(failed(
            st,
            Level::Warning,
            "couldn't find certificate",
        ))?;
        let not_found = |m: &str| {
            log(
                st,
                Level::Warning,
                &format!("couldn't find certificate: {m}"),
            );
            ApiError::Other(m.to_string())
        };
        match rows.as_slice() {
            [] => return Err(not_found("no certificate found")),
            [one] => Certificate::from_pem(one.pem.as_bytes()).map_err(failed(
                st,
                Level::Warning,
                "couldn't find certificate",
            ))?,
            _ => return Err(not_found("more than one certificate found")),
        }
    } else {
        let e = ApiError::bad_request("no valid parameter sets found");
        log(
            st,
            Level::Warning,
            &format!("invalid request: {}", e.log_text()),
        );
        return Err(e);
    };
    Ok(Reply::new(
        certinfo::CertInfo::from_certificate(&cert).to_json(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_decimal_and_hex_as_go_reads_them() {
        assert_eq!(go_decimal("007").as_deref(), Some("7"));
        assert_eq!(go_decimal("+12").as_deref(), Some("12"));
        assert_eq!(go_decimal("-12").as_deref(), Some("-12"));
        assert_eq!(go_decimal("-0").as_deref(), Some("0"));
        for bad in ["", "+", "0x1f", "1_000", " 1", "1e3"] {
            assert_eq!(go_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(hex_bytes("aBcD"), Some(vec![0xab, 0xcd]));
        for bad in ["abc", "+f", "zz", "ab:cd", "é1"] {
            assert_eq!(hex_bytes(bad), None, "{bad:?}");
        }
    }
}
