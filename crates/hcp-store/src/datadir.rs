//! The data directory holds the database, its keys and what the system writes beside them; only the service's
//! own user may read any of it (等保2.0 访问控制; the database holds staff accounts and encrypted personal data).

use std::path::Path;

/// Creates `dir` readable by its owner only (0700), or narrows an existing one that others could read.
pub fn prepare(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if !dir.exists() {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        }
        narrow(dir, 0o700, std::fs::metadata(dir)?.permissions().mode())?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// Makes `file` (if it exists) readable and writable by its owner only (0600).
pub fn private_file(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(file) {
            Ok(meta) => narrow(file, 0o600, meta.permissions().mode())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Creates an empty file with mode 0600 if it does not exist, so that what is written into it later (and the
/// files SQLite creates beside a database with the database's own mode) is private from the start.
pub fn create_private(file: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file)?;
    private_file(file)
}

#[cfg(unix)]
fn narrow(path: &Path, wanted: u32, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), from = format!("{:o}", mode & 0o777), to = format!("{wanted:o}"),
            "narrowed permissions: only the service's user may read the data directory");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn directories_and_files_are_made_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        prepare(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700, "an existing open directory is narrowed");

        let file = dir.join("hcp.db");
        create_private(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        std::fs::write(&file, b"keep").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        create_private(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).unwrap(), b"keep", "an existing file is kept");
    }
}
