//! Writing output files: atomically (a temporary file, then a rename), and
//! never over an existing file unless asked.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file beside it, created exclusively under
/// a random name (a planted file or symlink cannot redirect it), then renamed over the
/// destination. The rename replaces a symlink at `path` itself, never what it points to;
/// without `force` it refuses to replace anything, atomically.
pub fn write_file(path: &Path, bytes: &[u8], force: bool) -> std::io::Result<()> {
    let exists = || {
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists: pass --force to replace it", path.display()),
        )
    };
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(exists());
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    let persisted = if force {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    persisted.map(drop).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            exists()
        } else {
            e.error
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = std::env::temp_dir().join(format!("appfiling-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sheet.txt");
        let _ = std::fs::remove_file(&path);
        write_file(&path, b"one", false).unwrap();
        assert!(write_file(&path, b"two", false).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_file(&path, b"two", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file is left"
        );
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_symlink() {
        let dir = std::env::temp_dir().join(format!("appfiling-out-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let path = dir.join("sheet.txt");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        // Without --force a symlink at the destination is something that exists.
        assert!(write_file(&path, b"sheet", false).is_err());
        // With --force the link itself is replaced, not the file it points to.
        write_file(&path, b"sheet", true).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(std::fs::read(&path).unwrap(), b"sheet");
        assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
