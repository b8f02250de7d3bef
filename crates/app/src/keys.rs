//! Access-token signing keys: from configuration when several processes must agree, otherwise one
//! generated on first start and kept in the data dir (readable by its owner only).

use std::io::Write;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::config::Settings;

const KEY_FILE: &str = "signing-key";

/// A key id and its secret.
pub type Keyed = (String, Vec<u8>);

/// The configured `(kid, secret)` pairs and the active kid.
pub fn signing_keys(settings: &Settings) -> anyhow::Result<(Vec<Keyed>, String)> {
    if !settings.auth.signing_keys.is_empty() {
        let keys: Vec<Keyed> = settings
            .auth
            .signing_keys
            .iter()
            .map(|k| (k.kid.clone(), k.secret.as_bytes().to_vec()))
            .collect();
        let active = settings
            .auth
            .active_kid
            .clone()
            .unwrap_or_else(|| keys[keys.len() - 1].0.clone());
        return Ok((keys, active));
    }
    let path = settings.data_dir.join(KEY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) => {
            let mut secret = [0u8; 48];
            rand::fill(&mut secret);
            let text = format!("local-1 {}\n", URL_SAFE_NO_PAD.encode(secret));
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            match options.open(&path) {
                Ok(mut file) => {
                    file.write_all(text.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    text
                }
                // Another process created it first: use theirs.
                Err(_) => std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            }
        }
    };
    let (kid, secret) = text
        .trim()
        .split_once(' ')
        .with_context(|| format!("{} is not a signing key file", path.display()))?;
    Ok((
        vec![(kid.to_owned(), secret.as_bytes().to_vec())],
        kid.to_owned(),
    ))
}
