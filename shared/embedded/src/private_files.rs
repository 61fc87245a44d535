//! Owner-only files and directories. The data directory holds the database, the outbox
//! (emails carrying invitation links and temporary passwords) and the token keys: the
//! directories are created `0700` (and tightened if they exist), the files `0600`.

use std::io::Write;
use std::path::Path;

/// Creates `path` (and its parents) readable by its owner only; tightens it if it exists.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)?;
    restrict(path, 0o700)
}

/// Writes `contents` to a file only its owner can read.
pub fn write_private(path: &Path, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    open_private(path, true)?.write_all(contents.as_ref())?;
    restrict(path, 0o600)
}

/// Makes sure `path` exists and only its owner can read it (SQLite then creates the
/// database's WAL and shared-memory files with the same mode).
pub fn ensure_private_file(path: &Path) -> std::io::Result<()> {
    open_private(path, false)?;
    restrict(path, 0o600)
}

fn open_private(path: &Path, truncate: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}
