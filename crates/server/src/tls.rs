//! Mutual TLS for a listener that only known clients may reach (the gate behind a gateway): the
//! server's certificate and key, and the certificate authority whose client certificates are
//! accepted. A connection without a certificate that authority signed fails its handshake, so
//! no request of it is read.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

/// What is wrong with the TLS files.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no PEM object of the kind needed.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The key file may be read by others.
    #[error("{path}: the private key is readable by others; run chmod 600 on it")]
    KeyTooOpen {
        /// The file.
        path: String,
    },
    /// rustls refused the configuration (a key that does not match the certificate, …).
    #[error("TLS configuration: {0}")]
    Config(String),
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> TlsError {
    TlsError::File { path: path.display().to_string(), message: message.to_string() }
}

/// A TLS acceptor that requires a client certificate signed by `client_ca`.
pub fn mutual(cert: &Path, key: &Path, client_ca: &Path) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key).map_err(|e| file_error(key, e))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(TlsError::KeyTooOpen { path: key.display().to_string() });
        }
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| file_error(cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(cert, e))?;
    if certs.is_empty() {
        return Err(file_error(cert, "no certificate in the file"));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| file_error(key, e))?;
    let mut roots = RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(client_ca).map_err(|e| file_error(client_ca, e))? {
        let ca = ca.map_err(|e| file_error(client_ca, e))?;
        roots.add(ca).map_err(|e| file_error(client_ca, e))?;
    }
    if roots.is_empty() {
        return Err(file_error(client_ca, "no certificate authority in the file"));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key_der)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
