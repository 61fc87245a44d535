//! Key material and the operator token as files in the data directory (owner-only).

use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use roster_app::secrets::{random_bytes, sha256_hex};
use roster_app::KeyMaterial;

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

/// Reads `<dir>/signing-keys.json`, creating it with fresh keys the first time.
pub fn load_or_create_key_material(dir: &Path) -> std::io::Result<KeyMaterial> {
    let path = dir.join("signing-keys.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let value: serde_json::Value = serde_json::from_str(&text).map_err(std::io::Error::other)?;
        let field = |name: &str| {
            value[name]
                .as_str()
                .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
                .ok_or_else(|| std::io::Error::other(format!("{} has no valid '{name}'", path.display())))
        };
        return Ok(KeyMaterial {
            signing_key_pkcs8: field("signing_key_pkcs8")?,
            token_secret: field("token_secret")?,
        });
    }
    let material = KeyMaterial::generate();
    let json = serde_json::json!({
        "signing_key_pkcs8": URL_SAFE_NO_PAD.encode(&material.signing_key_pkcs8),
        "token_secret": URL_SAFE_NO_PAD.encode(&material.token_secret),
    });
    write_private(&path, &json.to_string())?;
    Ok(material)
}

/// Writes a new operator token to `<dir>/operator-token`; answers its SHA-256, which is
/// all the server keeps.
pub fn write_operator_token(dir: &Path) -> std::io::Result<String> {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    write_private(&dir.join("operator-token"), &token)?;
    Ok(sha256_hex(&token))
}
