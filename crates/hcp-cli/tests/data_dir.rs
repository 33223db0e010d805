//! The data directory an operator's `hcp` creates holds the database and its keys: only the service's user may
//! read it, whatever the umask.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use hcp_store::testing::tempfile_guard::TempDir;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[test]
fn the_data_directory_and_its_files_are_private() {
    let root = TempDir::new();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = root.path().join("hcp-data");
    // A demo load writes through the WAL, so the database's companions exist when it ends.
    let out = Command::new(env!("CARGO_BIN_EXE_hcp"))
        .args(["demo", "--evaluations", "50", "--data-dir"])
        .arg(&dir)
        .env_remove("HCP_DATABASE_URL")
        .env_remove("HCP_DATA_KEY")
        .output()
        .expect("run hcp");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&dir), 0o700, "data directory");
    for file in ["hcp.db", "data.key"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    for companion in ["hcp.db-wal", "hcp.db-shm"] {
        let path = dir.join(companion);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{companion}");
        }
    }

    // A directory an operator made open by hand is narrowed on the next start.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(dir.join("hcp.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hcp"))
        .args(["migrate", "--data-dir"])
        .arg(&dir)
        .env_remove("HCP_DATABASE_URL")
        .output()
        .expect("run hcp");
    assert!(out.status.success(), "{out:?}");
    assert_eq!((mode(&dir), mode(&dir.join("hcp.db"))), (0o700, 0o600));
}
