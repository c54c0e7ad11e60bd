//! Which certificate authorities the client trusts, and how an untrusted server
//! certificate is recognised.
//!
//! The default is the Mozilla root set compiled into the crate (reproducible, no system
//! dependency). [`Roots`] replaces it, as curl's `--cacert` does: with PEM certificates
//! (bytes, a file, or `SSL_CERT_FILE`/`SSL_CERT_DIR` read by `from_env()`), or with the
//! operating system's verifier (cargo feature `platform-verifier`).

use std::error::Error as StdError;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{ConfigErrorKind, Error};

/// The environment variable naming a PEM file of trusted roots (OpenSSL's convention).
pub(crate) const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
/// The environment variable naming directories (separated like `PATH`) of PEM files of
/// trusted roots (OpenSSL's convention).
pub(crate) const SSL_CERT_DIR: &str = "SSL_CERT_DIR";

/// The largest root file read, in bytes: system bundles are about 200 KiB.
const MAX_PEM_BYTES: u64 = 16 * 1024 * 1024;
/// The most files read from the directories of `SSL_CERT_DIR`.
const MAX_DIR_FILES: usize = 4096;

/// What a handshake failure with an unknown issuer says after the target.
pub(crate) const UNKNOWN_ISSUER_HELP: &str = "the server's certificate is signed by a \
    certificate authority this client does not trust (unknown issuer); if a proxy or your \
    organisation inspects TLS, trust its root: a PEM file (`ClientBuilder::root_certificates_file`, \
    `hopae --ca-file`), `SSL_CERT_FILE`/`SSL_CERT_DIR` (read by `from_env()` and the CLI), or the \
    operating system's verifier (`ClientBuilder::platform_verifier`, cargo feature `platform-verifier`)";

/// Where the trusted roots come from.
#[derive(Clone, Default)]
pub(crate) enum Roots {
    /// The Mozilla roots compiled into the crate.
    #[default]
    Mozilla,
    /// PEM certificates given as bytes.
    Pem(Arc<[u8]>),
    /// A PEM file, read at `build()`.
    File(PathBuf),
    /// `SSL_CERT_FILE` and `SSL_CERT_DIR`, as `from_env()` found them (at least one set).
    Env {
        file: Option<PathBuf>,
        dirs: Option<OsString>,
    },
    /// The operating system's verifier and trust store.
    #[cfg(feature = "platform-verifier")]
    Platform,
}

impl fmt::Debug for Roots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Roots::Mozilla => f.write_str("Mozilla"),
            Roots::Pem(pem) => write!(f, "Pem([{} bytes])", pem.len()),
            Roots::File(path) => f.debug_tuple("File").field(path).finish(),
            Roots::Env { file, dirs } => f
                .debug_struct("Env")
                .field("file", file)
                .field("dirs", dirs)
                .finish(),
            #[cfg(feature = "platform-verifier")]
            Roots::Platform => f.write_str("Platform"),
        }
    }
}

impl Roots {
    /// The roots `SSL_CERT_FILE` and `SSL_CERT_DIR` name, when either is set and not
    /// empty; `None` keeps the current roots.
    pub(crate) fn from_env() -> Option<Roots> {
        let file = std::env::var_os(SSL_CERT_FILE)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let dirs = std::env::var_os(SSL_CERT_DIR).filter(|v| !v.is_empty());
        (file.is_some() || dirs.is_some()).then_some(Roots::Env { file, dirs })
    }

    /// The TLS configuration of the agent: reads and checks the certificates.
    pub(crate) fn tls_config(&self) -> Result<ureq::tls::TlsConfig, Error> {
        use ureq::tls::{RootCerts, TlsConfig};
        let roots = match self {
            Roots::Mozilla => RootCerts::WebPki,
            Roots::Pem(pem) => RootCerts::from(certificates(pem, "the PEM root certificates")?),
            Roots::File(path) => RootCerts::from(certificates(
                &read_pem(path)?,
                &format!("root certificate file {}", path.display()),
            )?),
            Roots::Env { file, dirs } => RootCerts::from(env_certificates(file, dirs)?),
            #[cfg(feature = "platform-verifier")]
            Roots::Platform => RootCerts::PlatformVerifier,
        };
        Ok(TlsConfig::builder().root_certs(roots).build())
    }
}

fn config_error(message: String) -> Error {
    Error::config(ConfigErrorKind::RootCertificates, message)
}

/// Reads a PEM file, at most [`MAX_PEM_BYTES`].
fn read_pem(path: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| config_error(format!("cannot open root certificate file {shown}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| config_error(format!("cannot read root certificate file {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_PEM_BYTES {
        return Err(config_error(format!(
            "root certificate file {shown} is larger than {} MiB",
            MAX_PEM_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// The certificates of `pem` that can serve as trust anchors; at least one, or an error
/// naming `what`. Private keys and other PEM sections are skipped.
fn certificates(pem: &[u8], what: &str) -> Result<Vec<ureq::tls::Certificate<'static>>, Error> {
    let mut out = Vec::new();
    collect(pem, what, &mut out, true)?;
    if out.is_empty() {
        return Err(config_error(format!(
            "{what} hold no PEM certificate (`-----BEGIN CERTIFICATE-----`)"
        )));
    }
    Ok(out)
}

/// Appends the certificates of `pem` to `out` that rustls can use as trust anchors.
/// `strict` (roots the caller named) refuses a malformed section or certificate; the
/// system's files (`SSL_CERT_FILE`, `SSL_CERT_DIR`) may hold a legacy certificate that
/// no verifier uses, so there such a certificate, or the rest of a malformed file, is
/// skipped, as OpenSSL and rustls-native-certs do.
fn collect(
    pem: &[u8],
    what: &str,
    out: &mut Vec<ureq::tls::Certificate<'static>>,
    strict: bool,
) -> Result<(), Error> {
    for (n, item) in ureq::tls::parse_pem(pem).enumerate() {
        let item = match item {
            Ok(item) => item,
            Err(_) if !strict => break,
            Err(e) => {
                return Err(config_error(format!(
                    "{what}: PEM section {} is malformed: {e}",
                    n + 1
                )));
            }
        };
        if let ureq::tls::PemItem::Certificate(cert) = item {
            let der = rustls::pki_types::CertificateDer::from(cert.der());
            if rustls::RootCertStore::empty().add(der).is_err() {
                if !strict {
                    continue;
                }
                return Err(config_error(format!(
                    "{what}: certificate {} is not a valid X.509 certificate",
                    out.len() + 1
                )));
            }
            out.push(cert);
        }
    }
    Ok(())
}

/// The certificates of `SSL_CERT_FILE` and of every file in the `SSL_CERT_DIR`
/// directories. Files of a directory that hold no certificate (CRLs, notes) are skipped;
/// the two together must give at least one.
fn env_certificates(
    file: &Option<PathBuf>,
    dirs: &Option<OsString>,
) -> Result<Vec<ureq::tls::Certificate<'static>>, Error> {
    let mut out = Vec::new();
    if let Some(path) = file {
        let what = format!("{SSL_CERT_FILE} ({})", path.display());
        collect(&read_pem(path)?, &what, &mut out, false)?;
    }
    if let Some(dirs) = dirs {
        let mut files = 0;
        for dir in std::env::split_paths(dirs) {
            let entries = std::fs::read_dir(&dir).map_err(|e| {
                config_error(format!(
                    "{SSL_CERT_DIR}: cannot read directory {}: {e}",
                    dir.display()
                ))
            })?;
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            paths.sort();
            for path in paths {
                files += 1;
                if files > MAX_DIR_FILES {
                    return Err(config_error(format!(
                        "{SSL_CERT_DIR} holds more than {MAX_DIR_FILES} files"
                    )));
                }
                let what = format!("{SSL_CERT_DIR} file {}", path.display());
                collect(&read_pem(&path)?, &what, &mut out, false)?;
            }
        }
    }
    if out.is_empty() {
        return Err(config_error(format!(
            "{SSL_CERT_FILE}/{SSL_CERT_DIR} name no PEM certificate (`-----BEGIN CERTIFICATE-----`)"
        )));
    }
    Ok(out)
}

/// Whether a failure, or any error in its source chain, is rustls refusing the server's
/// certificate because no trusted root issued it. Read from the typed error, never from
/// a message.
pub(crate) fn is_unknown_issuer(e: &(dyn StdError + 'static)) -> bool {
    use rustls::{CertificateError, Error as Tls};
    let mut current = Some(e);
    // Bounded: a source chain is short, and a cycle must not hang the error path.
    for _ in 0..16 {
        let Some(err) = current else {
            return false;
        };
        if let Some(Tls::InvalidCertificate(CertificateError::UnknownIssuer)) =
            err.downcast_ref::<Tls>()
        {
            return true;
        }
        if let Some(ureq::Error::Rustls(Tls::InvalidCertificate(CertificateError::UnknownIssuer))) =
            err.downcast_ref::<ureq::Error>()
        {
            return true;
        }
        // `io::Error::source()` skips the error it wraps (its `Display` is that error's):
        // look at the wrapped one itself.
        current = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => match err.downcast_ref::<ureq::Error>() {
                Some(ureq::Error::Io(io)) => Some(io as &(dyn StdError + 'static)),
                _ => err.source(),
            },
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_issuer_is_found_through_io_and_ureq_errors() {
        use rustls::{CertificateError, Error as Tls};
        let tls = || Tls::InvalidCertificate(CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls());
        assert!(is_unknown_issuer(&io));
        assert!(is_unknown_issuer(&ureq::Error::Io(io)));
        assert!(is_unknown_issuer(&ureq::Error::Rustls(tls())));
        let other = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            Tls::InvalidCertificate(CertificateError::Expired),
        );
        assert!(!is_unknown_issuer(&other));
        // The words alone do not count.
        let text = std::io::Error::other("invalid peer certificate: UnknownIssuer");
        assert!(!is_unknown_issuer(&text));
    }

    #[test]
    fn pem_without_a_certificate_is_refused() {
        let e = Roots::Pem(Arc::from(&b"not a pem"[..]))
            .tls_config()
            .unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        let garbled = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let e = Roots::Pem(Arc::from(&garbled[..]))
            .tls_config()
            .unwrap_err();
        assert!(e.to_string().contains("not a valid X.509"), "{e}");
        let e = Roots::File("/nonexistent/hopae/ca.pem".into())
            .tls_config()
            .unwrap_err();
        assert!(e.to_string().contains("cannot open"), "{e}");
        assert!(Roots::Mozilla.tls_config().is_ok());
    }

    #[test]
    fn the_help_names_the_three_fixes_on_one_line() {
        for fix in ["--ca-file", "SSL_CERT_FILE", "platform-verifier"] {
            assert!(UNKNOWN_ISSUER_HELP.contains(fix));
        }
        assert!(!UNKNOWN_ISSUER_HELP.contains('\n'));
    }
}
