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

/// Rotates the key material in `<dir>/signing-keys.json` (`KeyMaterial::rotated`): the
/// next key signs from the next start of the server, the current one keeps checking the
/// tokens it signed. Answers the rotated material.
pub fn rotate_key_material(dir: &Path) -> std::io::Result<KeyMaterial> {
    let path = dir.join("signing-keys.json");
    let text = std::fs::read_to_string(&path).map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
    let current = KeyMaterial::from_json(&text).map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
    let rotated = current
        .rotated()
        .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
    // On disk before it replaces the old file, and the replacement on disk before this
    // answers: a crash leaves the old keys or the new ones, never an empty file.
    let temporary = dir.join(".signing-keys.json.tmp");
    write_private(&temporary, rotated.to_json())?;
    std::fs::File::open(&temporary)?.sync_all()?;
    std::fs::rename(&temporary, &path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(rotated)
}

/// Writes a new operator token to `<dir>/operator-token`; answers its SHA-256, which is
/// all the server keeps.
pub fn write_operator_token(dir: &Path) -> std::io::Result<String> {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    write_private(&dir.join("operator-token"), &token)?;
    Ok(sha256_hex(&token))
}

/// Reads `<dir>/sealing-key` (32 random bytes, base64url), the key that seals SSO client
/// secrets in the store, creating it the first time. Lose it and the sealed secrets do not
/// open: keep it with the signing keys.
pub fn load_or_create_sealing_key(dir: &Path) -> std::io::Result<[u8; 32]> {
    let path = dir.join("sealing-key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return URL_SAFE_NO_PAD
            .decode(text.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| std::io::Error::other(format!("{}: not a 32-byte base64url key", path.display())));
    }
    let key = random_bytes::<32>();
    write_private(&path, URL_SAFE_NO_PAD.encode(key))?;
    Ok(key)
}
