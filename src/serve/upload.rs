//! A request's uploads: streamed to a private temporary directory that is deleted when
//! the request is done with them, also when the client goes away half-way (the handler's
//! future is dropped, and the directory with it).

use super::MAX_FILES;
use axum::extract::multipart::{Field, Multipart, MultipartError};
use std::path::PathBuf;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;

/// A text part (password, filing.toml) is held in memory up to this.
const MAX_TEXT_PART: usize = 1 << 20;
/// A file's name is kept up to this many characters: it only names the package.
const MAX_NAME_CHARS: usize = 200;

/// Why an upload was refused: the status to answer and words for a person.
#[derive(Debug)]
pub(super) struct Refused {
    pub status: axum::http::StatusCode,
    pub message: String,
}

impl Refused {
    pub(super) fn bad(message: String) -> Self {
        Refused {
            status: axum::http::StatusCode::BAD_REQUEST,
            message,
        }
    }

    /// A multipart error: over the size limit is 413, anything else the client's fault.
    fn multipart(error: MultipartError, max_upload: u64) -> Self {
        if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return Refused {
                status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                message: format!(
                    "the upload is over the {} limit (appfiling serve --max-upload)",
                    super::size_text(max_upload)
                ),
            };
        }
        Refused::bad(format!("malformed upload: {}", error.body_text()))
    }
}

/// What a request uploaded: the packages as files in its own directory, under the names
/// the client gave them.
pub(super) struct Upload {
    /// Deleted on drop: the upload is moved into the blocking inspection, so the files
    /// stay until it is done.
    dir: TempDir,
    pub files: Vec<(String, PathBuf)>,
    pub password: Option<String>,
    pub filing: Option<String>,
}

impl Upload {
    /// Streams every part of `multipart` in: `file` parts to disk, `password` and `filing`
    /// as text; any other part is refused.
    pub(super) async fn receive(
        mut multipart: Multipart,
        max_upload: u64,
    ) -> Result<Self, Refused> {
        let dir = tempfile::Builder::new()
            .prefix("appfiling-serve-")
            .tempdir()
            .map_err(|e| Refused {
                status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                message: format!("cannot make a temporary directory: {e}"),
            })?;
        let mut upload = Upload {
            dir,
            files: Vec::new(),
            password: None,
            filing: None,
        };
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| Refused::multipart(e, max_upload))?
        {
            match field.name() {
                Some("file") => upload.file(field, max_upload).await?,
                Some("password") => upload.password = Some(text(field, max_upload).await?),
                Some("filing") => upload.filing = Some(text(field, max_upload).await?),
                other => {
                    return Err(Refused::bad(format!(
                        "unknown form field {:?}: the fields are file, password and filing",
                        other.unwrap_or("")
                    )))
                }
            }
        }
        if upload.files.is_empty() {
            return Err(Refused::bad(
                "no file was uploaded: send the packages as form fields named file".into(),
            ));
        }
        Ok(upload)
    }

    async fn file(&mut self, mut field: Field<'_>, max_upload: u64) -> Result<(), Refused> {
        if self.files.len() == MAX_FILES {
            return Err(Refused::bad(format!(
                "more than {MAX_FILES} files in one request: send them in several"
            )));
        }
        let name = display_name(field.file_name(), self.files.len());
        // The name on disk is the server's own: the client never names a path here.
        let path = self.dir.path().join(format!("{}", self.files.len()));
        let cannot_write = |e: std::io::Error| Refused {
            status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("cannot store the upload: {e}"),
        };
        let mut out = tokio::fs::File::create(&path).await.map_err(cannot_write)?;
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| Refused::multipart(e, max_upload))?
        {
            out.write_all(&chunk).await.map_err(cannot_write)?;
        }
        out.flush().await.map_err(cannot_write)?;
        self.files.push((name, path));
        Ok(())
    }
}

/// A text part, refused past `MAX_TEXT_PART`.
async fn text(mut field: Field<'_>, max_upload: u64) -> Result<String, Refused> {
    let name = field.name().unwrap_or("").to_string();
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| Refused::multipart(e, max_upload))?
    {
        if bytes.len() + chunk.len() > MAX_TEXT_PART {
            return Err(Refused::bad(format!("the {name} field is over 1 MiB")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| Refused::bad(format!("the {name} field is not UTF-8")))
}

/// The name a package is reported under: the client's file name without any folder,
/// control characters or excess length; `upload-N` when it gave none.
fn display_name(given: Option<&str>, index: usize) -> String {
    let base = given
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect::<String>();
    if base.trim().is_empty() || base == "." || base == ".." {
        format!("upload-{}", index + 1)
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_and_controls() {
        assert_eq!(display_name(Some("app-release.apk"), 0), "app-release.apk");
        assert_eq!(display_name(Some("../../etc/passwd"), 0), "passwd");
        assert_eq!(display_name(Some("C:\\build\\app.ipa"), 0), "app.ipa");
        assert_eq!(display_name(Some("a\nb.apk"), 0), "ab.apk");
        assert_eq!(display_name(Some(".."), 2), "upload-3");
        assert_eq!(display_name(None, 0), "upload-1");
        assert_eq!(
            display_name(Some(&"x".repeat(500)), 0).len(),
            MAX_NAME_CHARS
        );
    }
}
