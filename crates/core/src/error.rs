//! Errors, each carrying the code and message cfssl prints for it.
//!
//! cfssl prints errors of its own error type as `{"code":NNNN,"message":"…"}`
//! (code = category × 1000 + reason, see cfssl's `errors/doc.go`) and every
//! other error as a plain Go error string. [`Error::code`] tells the two
//! apart: `Some` for the former, `None` for the latter.

use std::fmt;

/// cfssl's numeric error codes (category × 1000 + reason), in cfssl's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// 1000: unknown certificate error, or a wrapped x509 error text.
    CertificateUnknown = 1000,
    /// 1001: the certificate could not be read.
    CertificateReadFailed = 1001,
    /// 1002: `Failed to decode certificate`.
    CertificateDecodeFailed = 1002,
    /// 1003: `Failed to parse certificate`.
    CertificateParseFailed = 1003,
    /// 1100: `Certificate is self signed` (nothing to bundle).
    CertificateSelfSigned = 1100,
    /// 1200: a chain that does not verify.
    CertificateVerifyFailed = 1200,
    /// 1210: Go's x509 "certificate is not authorized to sign other
    /// certificates" (1210 + its reason 0).
    CertificateNotAuthorizedToSign = 1210,
    /// 1211: Go's x509 "expired or not yet valid" (1210 + its reason 1).
    CertificateExpired = 1211,
    /// 1213: Go's x509 "too many intermediates for path length constraint"
    /// (1210 + its reason 3).
    CertificateTooManyIntermediates = 1213,
    /// 1220: `x509: certificate signed by unknown authority`.
    CertificateUnknownAuthority = 1220,
    /// 1300: `Invalid certificate request` (a request extension the
    /// profile does not allow, or one that is not hex).
    CertificateInvalidRequest = 1300,
    /// 1400: `Missing serial number in request`.
    CertificateMissingSerial = 1400,
    /// 2000: `Unknown private key error`.
    PrivateKeyUnknown = 2000,
    /// 2001: the private key could not be read.
    PrivateKeyReadFailed = 2001,
    /// 2002: `Failed to decode private key`.
    PrivateKeyDecodeFailed = 2002,
    /// 2003: `Failed to parse private key`.
    PrivateKeyParseFailed = 2003,
    /// 2100: `Private key is encrypted.`
    PrivateKeyEncrypted = 2100,
    /// 2200: `Private key algorithm is not RSA or ECC or Ed25519`.
    PrivateKeyNotRsaOrEcc = 2200,
    /// 2300: `Private key does not match public key`.
    PrivateKeyMismatch = 2300,
    /// 2400: key generation failed (weak or large RSA, bad curve, bad algorithm).
    PrivateKeyGenerationFailed = 2400,
    /// 5100: `Invalid policy: no key usage available`.
    PolicyNoKeyUsages = 5100,
    /// 5200: invalid or unknown policy, config load errors.
    PolicyInvalidPolicy = 5200,
    /// 5300: policy violation or missing subject information.
    PolicyInvalidRequest = 5300,
    /// 5400: `Unknown policy profile` (a profile name a mixed local and
    /// remote configuration does not have).
    PolicyUnknownProfile = 5400,
    /// 5500: `Request does not match policy whitelist`.
    PolicyUnmatchedWhitelist = 5500,
    /// 6000: connecting to a server failed (`bundle -domain`; Go's dial
    /// error text).
    DialFailed = 6000,
    /// 7100: `API client authentication failure`.
    ApiClientAuthenticationFailure = 7100,
    /// 7200: a remote reply that is not the JSON expected (Go's decoding error text,
    /// or `API client JSON config error`).
    ApiClientJsonError = 7200,
    /// 7300: reading a remote reply failed.
    ApiClientIoError = 7300,
    /// 7400: a request that failed on the way, or a non-200 reply (its body is the message).
    ApiClientHttpError = 7400,
    /// 7500: the remote answered `success:false` (its first error message is the message).
    ApiClientServerRequestFailed = 7500,
    /// 8100: `Certificate not issued by this issuer` (OCSP signing for a
    /// certificate of another CA).
    OcspIssuerMismatch = 8100,
    /// 8200: `Invalid revocation status` (a revocation reason or OCSP status
    /// cfssl does not take).
    OcspInvalidStatus = 8200,
    /// 9002: `CSR Decode failed`.
    CsrDecodeFailed = 9002,
    /// 9003: `CSR Parsing failed`.
    CsrParseFailed = 9003,
    /// 9300: bad CSR request (also wraps CSR generation errors).
    CsrBadRequest = 9300,
    /// 11000: a certificate database error (the driver's message).
    CertStoreUnknown = 11000,
    /// 11100: an insert that stored no row.
    CertStoreInsertionFailed = 11100,
    /// 11200: an update or lookup that found no row.
    CertStoreRecordNotFound = 11200,
}

impl Code {
    /// The four-digit number cfssl prints.
    pub fn number(self) -> u32 {
        self as u32
    }
}

/// Every error of this crate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An error cfssl reports with a numeric code.
    Coded {
        /// cfssl's code.
        code: Code,
        /// cfssl's message (for wrapped errors, the wrapped text).
        message: String,
    },
    /// JSON input that Go's `encoding/json` would reject; the message is Go's.
    Json(String),
    /// A Go duration string that `time.ParseDuration` would reject; the message is Go's.
    Duration(String),
    /// A request cfssl rejects with a plain message (no code).
    Invalid(String),
}

impl Error {
    /// A coded error.
    pub fn coded(code: Code, message: impl Into<String>) -> Self {
        Self::Coded {
            code,
            message: message.into(),
        }
    }

    /// cfssl's numeric code, when cfssl prints this error as `{"code":…}`.
    ///
    /// ```
    /// use cfssl_core::{Code, csr::Csr};
    ///
    /// let e = Csr::from_pem(b"no PEM here").unwrap_err();
    /// assert_eq!(e.code(), Some(Code::CsrDecodeFailed));
    /// assert_eq!(e.code().map(Code::number), Some(9002));
    /// ```
    pub fn code(&self) -> Option<Code> {
        match self {
            Self::Coded { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The message cfssl prints (without the code).
    pub fn message(&self) -> &str {
        match self {
            Self::Coded { message, .. } => message,
            Self::Json(m) | Self::Duration(m) | Self::Invalid(m) => m,
        }
    }

    pub(crate) fn key_gen(msg: &str) -> Self {
        Self::coded(Code::PrivateKeyGenerationFailed, msg)
    }

    pub(crate) fn policy(msg: impl Into<String>) -> Self {
        Self::coded(Code::PolicyInvalidPolicy, msg)
    }

    pub(crate) fn bad_csr(msg: impl Into<String>) -> Self {
        Self::coded(Code::CsrBadRequest, msg)
    }
}

impl Error {
    /// The error as cfssl prints it in log lines and envelopes: a coded
    /// error as its JSON (`{"code":1002,"message":"…"}`), any other as its
    /// Go text.
    ///
    /// ```
    /// use cfssl_core::{Code, Error};
    /// let e = Error::coded(Code::CertificateDecodeFailed, "Failed to decode certificate");
    /// assert_eq!(e.go_text(), r#"{"code":1002,"message":"Failed to decode certificate"}"#);
    /// ```
    pub fn go_text(&self) -> String {
        match self.code() {
            Some(code) => crate::wire::error_json(code.number(), self.message()),
            None => self.message().to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
