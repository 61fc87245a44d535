//! Key material and the operator token as files in the data directory (owner-only).

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use roster_app::secrets::{random_bytes, sha256_hex};
use roster_app::KeyMaterial;

use crate::private_files::write_private;

/// Reads `<dir>/signing-keys.json` (`KeyMaterial::to_json`'s form), creating it with fresh
/// keys the first time.
pub fn load_or_create_key_material(dir: &Path) -> std::io::Result<KeyMaterial> {
    let path = dir.join("signing-keys.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return KeyMaterial::from_json(&text).map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())));
    }
    let material = KeyMaterial::generate();
    write_private(&path, &material.to_json())?;
    Ok(material)
}

/// Writes a new operator token to `<dir>/operator-token`; answers its SHA-256, which is
/// all the server keeps.
pub fn write_operator_token(dir: &Path) -> std::io::Result<String> {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    write_private(&dir.join("operator-token"), &token)?;
    Ok(sha256_hex(&token))
}
