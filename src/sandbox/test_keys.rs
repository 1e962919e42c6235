//! The sandbox's published test keys, compiled into the binary so they travel with it: a
//! client of `kona-conformance sandbox` gets them with `--write-keys DIR`, wherever the
//! binary was built or installed. Nothing here is secret (see `test-keys/README.md`).

use std::path::{Path, PathBuf};

use super::credentials;

/// One key file a client of the sandbox uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestKeyFile {
    pub name: &'static str,
    /// What a client does with it.
    pub role: &'static str,
    pub pem: &'static str,
}

/// The files `--write-keys` writes: what a client needs to encrypt requests for the sandbox
/// and read its encrypted answers. The sandbox's own private key stays inside the binary.
pub const TEST_KEY_FILES: [TestKeyFile; 3] = [
    TestKeyFile {
        name: "server-public.pem",
        role: "encrypt requests for the sandbox with it",
        pem: credentials::SERVER_PUBLIC_KEY_PEM,
    },
    TestKeyFile {
        name: "client-private.pem",
        role: "decrypt the sandbox's encrypted answers with it",
        pem: credentials::CLIENT_PRIVATE_KEY_PEM,
    },
    TestKeyFile {
        name: "client-public.pem",
        role: "the key the sandbox encrypts its answers for",
        pem: credentials::CLIENT_PUBLIC_KEY_PEM,
    },
];

/// Written beside the keys, so a folder of PEM files found later explains itself.
const NOTICE_NAME: &str = "README.txt";
const NOTICE: &str = "\
Public test keys of the kona-conformance embedded sandbox.

They were published with the tool on purpose: anyone has these private keys, so they
protect nothing. Use them only against `kona-conformance sandbox`, never against a real
KONA PLATE endpoint.
";

#[derive(Debug, thiserror::Error)]
pub enum TestKeysError {
    #[error("cannot write the test keys to {path}: {reason}")]
    Write { path: String, reason: String },
}

/// Write [`TEST_KEY_FILES`] (and a short notice) into `dir`, creating it if needed; an
/// existing file of the same name is replaced. Returns the key files' paths.
pub fn write_test_keys(dir: &Path) -> Result<Vec<PathBuf>, TestKeysError> {
    let fail = |path: &Path, e: std::io::Error| TestKeysError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let notice = dir.join(NOTICE_NAME);
    std::fs::write(&notice, NOTICE).map_err(|e| fail(&notice, e))?;
    TEST_KEY_FILES
        .iter()
        .map(|key| {
            let path = dir.join(key.name);
            std::fs::write(&path, key.pem).map_err(|e| fail(&path, e))?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::{private_key_from_pem, public_key_from_pem};

    #[test]
    fn the_embedded_keys_load_and_are_the_credentials_pair() {
        let [server_public, client_private, client_public] = TEST_KEY_FILES;
        public_key_from_pem(server_public.pem).expect("server public key");
        private_key_from_pem(client_private.pem).expect("client private key");
        public_key_from_pem(client_public.pem).expect("client public key");
        let creds = super::super::credentials();
        assert_eq!(server_public.pem, creds.server_public_key_pem);
        assert_eq!(client_private.pem, creds.client_private_key_pem);
        assert_eq!(client_public.pem, creds.client_public_key_pem);
    }

    #[test]
    fn writes_every_key_byte_for_byte_into_a_new_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nested").join("keys");
        let written = write_test_keys(&dir).unwrap();
        assert_eq!(written.len(), TEST_KEY_FILES.len());
        for key in TEST_KEY_FILES {
            assert_eq!(
                std::fs::read_to_string(dir.join(key.name)).unwrap(),
                key.pem
            );
        }
        assert!(
            std::fs::read_to_string(dir.join(NOTICE_NAME))
                .unwrap()
                .contains("never against a real")
        );
        assert!(!dir.join("server-private.pem").exists());
    }

    #[test]
    fn an_unwritable_place_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let err = write_test_keys(&file.join("keys")).unwrap_err().to_string();
        assert!(err.contains("a-file"), "{err}");
        assert!(err.starts_with("cannot write the test keys to"), "{err}");
    }
}
