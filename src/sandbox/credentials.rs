//! The sandbox's public test credentials and the test key pairs it uses.
//!
//! None of this is secret: the values are printed by `kona-conformance sandbox` and the keys
//! are committed under `test-keys/`. They only work against the embedded sandbox.

use crate::client::{Credentials, EncryptionKeys, Target, TargetKind};
use crate::crypto::keys::{private_key_from_pem, public_key_from_pem};
use crate::secret::Secret;

/// The one ASP the sandbox knows (15 characters, digits like the vendor's ids).
pub const ASP_ID: &str = "000990000000001";
/// Its access key: 7 hex digits, a hyphen, 32 hex digits (40 characters).
pub const ACCESS_KEY: &str = "5a3c9e1-0f4b2d6e8a1c3e5f7b9d0a2c4e6f8b1d";
/// Its secret key: the HMAC key of the tran token, never sent on the wire.
pub const SECRET_KEY: &str = "kona-conformance-sandbox-secret-key-public-test-only";
/// Its crypto key id (32 characters): names the server key pair below.
pub const CRYPTO_KEY_ID: &str = "8d2f6b0a4c1e3f5a7b9c2d4e6f8a0b1c";

/// Requests are encrypted for this key (the sandbox decrypts with its private half).
pub const SERVER_PUBLIC_KEY_PEM: &str = include_str!("../../test-keys/server-public.pem");
pub(crate) const SERVER_PRIVATE_KEY_PEM: &str = include_str!("../../test-keys/server-private.pem");
/// Encrypted responses are made for this key.
pub const CLIENT_PUBLIC_KEY_PEM: &str = include_str!("../../test-keys/client-public.pem");
/// The client's private half, so tests and `run` can read encrypted responses.
pub const CLIENT_PRIVATE_KEY_PEM: &str = include_str!("../../test-keys/client-private.pem");

/// The sandbox's own private key: what lets `verify --sandbox-keys` and `certify-client`
/// read a request encrypted for the sandbox. A test key like the others (`test-keys/`).
pub fn server_private_key() -> Option<rsa::RsaPrivateKey> {
    private_key_from_pem(SERVER_PRIVATE_KEY_PEM).ok()
}

/// Everything a client needs to talk to the embedded sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxCredentials {
    pub asp_id: String,
    pub access_key: Secret,
    pub secret_key: Secret,
    pub crypto_key_id: String,
    /// Encrypt request bodies for this key.
    pub server_public_key_pem: &'static str,
    /// Decrypt encrypted responses with this key.
    pub client_private_key_pem: &'static str,
    /// The key the sandbox encrypts responses for.
    pub client_public_key_pem: &'static str,
}

/// The sandbox's public test credentials.
pub fn credentials() -> SandboxCredentials {
    SandboxCredentials {
        asp_id: ASP_ID.to_owned(),
        access_key: Secret::new(ACCESS_KEY),
        secret_key: Secret::new(SECRET_KEY),
        crypto_key_id: CRYPTO_KEY_ID.to_owned(),
        server_public_key_pem: SERVER_PUBLIC_KEY_PEM,
        client_private_key_pem: CLIENT_PRIVATE_KEY_PEM,
        client_public_key_pem: CLIENT_PUBLIC_KEY_PEM,
    }
}

/// The sandbox's credentials in the client's terms.
pub fn embedded_credentials() -> Credentials {
    Credentials {
        asp_id: ASP_ID.to_owned(),
        access_key: Secret::new(ACCESS_KEY),
        secret_key: Secret::new(SECRET_KEY),
        crypto_key_id: Some(CRYPTO_KEY_ID.to_owned()),
    }
}

/// A running embedded sandbox as a certification target (`base_url` from
/// [`super::Sandbox::base_url`]): its credentials and both test keys.
pub fn embedded_target(base_url: &str) -> Target {
    // The keys are compiled in and covered by tests; should one ever fail to load, the
    // target simply has no keys and the encrypted scenarios say so.
    let keys = match (
        public_key_from_pem(SERVER_PUBLIC_KEY_PEM),
        private_key_from_pem(CLIENT_PRIVATE_KEY_PEM),
    ) {
        (Ok(server_public), Ok(client_private)) => Some(EncryptionKeys {
            server_public,
            client_private,
        }),
        _ => None,
    };
    Target {
        base_url: base_url.to_owned(),
        kind: TargetKind::Embedded,
        credentials: embedded_credentials(),
        keys,
    }
}
