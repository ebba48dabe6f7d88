//! Errors: every one names the file and says what is wrong with it.

use std::path::PathBuf;
use thiserror::Error;

/// A package that could not be read, with the file it came from.
#[derive(Debug, Error)]
#[error("{}: {kind}", path.display())]
pub struct Error {
    pub path: PathBuf,
    pub kind: ErrorKind,
}

/// What went wrong, independent of the file.
#[derive(Debug, Error)]
pub enum ErrorKind {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a zip archive: {0}")]
    NotZip(String),
    #[error("not a package appfiling reads: {0}")]
    NotAPackage(String),
    #[error("{0}")]
    Password(String),
    #[error("{0}")]
    NoSuchAlias(String),
    #[error("entry {entry}: {reason}")]
    BadEntry { entry: String, reason: String },
    #[error("the file is {size} bytes: not a zip, and larger than the {limit}-byte limit for profiles, certificates and keystores")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("entry {entry} is {size} bytes uncompressed, over the {limit}-byte limit")]
    EntryTooLarge {
        entry: String,
        size: u64,
        limit: u64,
    },
    #[error("entry {entry} is {size} bytes uncompressed, over the {left} of the {total} bytes the packages inside this one may inflate in all")]
    NestedBudgetSpent {
        entry: String,
        size: u64,
        left: u64,
        total: u64,
    },
}

impl ErrorKind {
    /// Stable machine-readable code, part of the JSON contract.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::Io(_) => "io",
            ErrorKind::NotZip(_) => "not_a_zip",
            ErrorKind::NotAPackage(_) => "not_a_package",
            ErrorKind::Password(_) => "password",
            ErrorKind::NoSuchAlias(_) => "no_such_alias",
            ErrorKind::BadEntry { .. } => "malformed_entry",
            ErrorKind::EntryTooLarge { .. } | ErrorKind::NestedBudgetSpent { .. } => {
                "entry_too_large"
            }
            ErrorKind::FileTooLarge { .. } => "file_too_large",
        }
    }

    pub fn at(self, path: impl Into<PathBuf>) -> Error {
        Error {
            path: path.into(),
            kind: self,
        }
    }
}

impl Error {
    /// The report's error entry for this error.
    pub fn entry(&self) -> crate::report::ErrorEntry {
        crate::report::ErrorEntry {
            path: self.path.display().to_string(),
            code: self.kind.code().to_string(),
            message: self.to_string(),
        }
    }
}
