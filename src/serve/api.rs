//! The routes: the embedded page, health, the OpenAPI document, and the JSON API over
//! the library's inspection, `init` template and sheet (docs/serve.md).

use super::upload::{Refused, Upload};
use super::Shared;
use crate::report::{Report, SCHEMA_VERSION};
use crate::sheet::{self, render};
use crate::{Options, VerifyOptions};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

const INDEX: &str = include_str!("../../assets/serve/index.html");
const SCRIPT: &str = include_str!("../../assets/serve/app.js");
const STYLE: &str = include_str!("../../assets/serve/app.css");
const OPENAPI: &str = include_str!("../../assets/serve/openapi.json");

type Query_ = Query<HashMap<String, String>>;
/// The body as multipart, or why it is not: answered as JSON like every error.
type Body = Result<Multipart, MultipartRejection>;

fn multipart(body: Body) -> Result<Multipart, Refused> {
    body.map_err(|rejection| Refused {
        status: rejection.status(),
        message: format!(
            "the body is not a multipart/form-data upload: {}",
            rejection.body_text()
        ),
    })
}

fn embedded(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn page() -> Response {
    embedded("text/html; charset=utf-8", INDEX)
}

pub(super) async fn script() -> Response {
    embedded("text/javascript; charset=utf-8", SCRIPT)
}

pub(super) async fn style() -> Response {
    embedded("text/css; charset=utf-8", STYLE)
}

pub(super) async fn openapi() -> Response {
    embedded("application/json", OPENAPI)
}

pub(super) async fn health() -> Response {
    embedded("text/plain; charset=utf-8", "ok")
}

/// Every error the server answers: `{"error": "…"}`.
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        error(self.status, &self.message)
    }
}

pub(super) async fn not_found(uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!(
            "no such page: {} (the API is described at /api/openapi.json)",
            uri.path()
        ),
    )
}

pub(super) async fn method_not_allowed(uri: Uri) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "{} does not take this method (see /api/openapi.json)",
            uri.path()
        ),
    )
}

/// Refuses query keys a route does not know (`token` is every route's).
fn known_keys(query: &HashMap<String, String>, keys: &[&str]) -> Result<(), Refused> {
    match query
        .keys()
        .find(|k| *k != "token" && !keys.contains(&k.as_str()))
    {
        Some(unknown) => Err(Refused::bad(format!(
            "unknown query parameter {unknown:?}: this route takes {}",
            keys.join(", ")
        ))),
        None => Ok(()),
    }
}

/// A yes/no query value: 1/true or 0/false, absent is no.
fn flag(query: &HashMap<String, String>, key: &str) -> Result<bool, Refused> {
    match query.get(key).map(String::as_str) {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(Refused::bad(format!(
            "{key}={other:?}: give 1 or 0 (true or false)"
        ))),
    }
}

/// Inspects the uploaded files, off the async threads; the upload (and its directory)
/// goes with the work, so the files stay until they are read.
async fn read_packages(upload: Upload, options: Options) -> Result<Report, Refused> {
    let options = Options {
        password: upload.password.clone(),
        ..options
    };
    tokio::task::spawn_blocking(move || {
        let mut report = Report {
            schema_version: SCHEMA_VERSION,
            packages: Vec::new(),
            errors: Vec::new(),
        };
        for (name, path) in &upload.files {
            match crate::inspect_file_named(path, name, &options) {
                Ok(package) => report.packages.push(package),
                Err(e) => report.errors.push(e.entry()),
            }
        }
        drop(upload);
        report
    })
    .await
    .map_err(|e| Refused {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("the inspection stopped: {e}"),
    })
}

/// `init` and `sheet` work on every uploaded package: one that cannot be read is named,
/// never left out of a sheet in silence.
fn all_readable(report: &Report) -> Result<(), Refused> {
    if report.errors.is_empty() {
        return Ok(());
    }
    let unread: Vec<String> = report.errors.iter().map(|e| e.message.clone()).collect();
    Err(Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message: format!("cannot read {}", unread.join("; ")),
    })
}

pub(super) async fn inspect(
    State(shared): State<Arc<Shared>>,
    Query(query): Query_,
    body: Body,
) -> Result<Response, Refused> {
    known_keys(&query, &["detect", "verify"])?;
    let options = Options {
        detect: flag(&query, "detect")?,
        verify: flag(&query, "verify")?.then(VerifyOptions::default),
        ..Options::default()
    };
    let upload = Upload::receive(multipart(body)?, shared.max_upload).await?;
    let report = read_packages(upload, options).await?;
    // As `inspect --format json` prints it.
    let json = serde_json::to_string_pretty(&report).map_err(|e| Refused {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: e.to_string(),
    })? + "\n";
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// What `sheet` and `init` read: detection, the icon and the signatures, as the
/// commands do.
fn sheet_reading() -> Options {
    Options {
        detect: true,
        icon: true,
        verify: Some(VerifyOptions::default()),
        ..Options::default()
    }
}

pub(super) async fn init(
    State(shared): State<Arc<Shared>>,
    Query(query): Query_,
    body: Body,
) -> Result<Response, Refused> {
    known_keys(&query, &[])?;
    let upload = Upload::receive(multipart(body)?, shared.max_upload).await?;
    let report = read_packages(upload, sheet_reading()).await?;
    all_readable(&report)?;
    let template = sheet::config::template(&report.packages);
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        template,
    )
        .into_response())
}

/// A sheet format by its command-line name, with its content type and file extension.
fn sheet_format(
    name: Option<&String>,
) -> Result<(render::Format, &'static str, &'static str), Refused> {
    use render::Format;
    Ok(match name.map(String::as_str).unwrap_or("json") {
        "json" => (Format::Json, "application/json", "json"),
        "text" => (Format::Text, "text/plain; charset=utf-8", "txt"),
        "markdown" => (Format::Markdown, "text/markdown; charset=utf-8", "md"),
        "csv" => (Format::Csv, "text/csv; charset=utf-8", "csv"),
        "html" => (Format::Html, "text/html; charset=utf-8", "html"),
        "xlsx" => (
            Format::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        other => {
            return Err(Refused::bad(format!(
                "format={other:?}: give json, text, markdown, csv, html or xlsx"
            )))
        }
    })
}

pub(super) async fn sheet(
    State(shared): State<Arc<Shared>>,
    Query(query): Query_,
    body: Body,
) -> Result<Response, Refused> {
    known_keys(
        &query,
        &["provider", "format", "draft", "accept_detected_domains"],
    )?;
    let provider_id = query.get("provider").map_or("aliyun", String::as_str);
    let provider = sheet::provider::load(provider_id).map_err(|e| {
        Refused::bad(format!(
            "provider={provider_id:?}: {e} (known: {})",
            sheet::provider::ids().join(", ")
        ))
    })?;
    let (format, content_type, extension) = sheet_format(query.get("format"))?;
    let draft = flag(&query, "draft")?;
    let accept_detected_domains = flag(&query, "accept_detected_domains")?;
    let upload = Upload::receive(multipart(body)?, shared.max_upload).await?;
    let config = match upload.filing.as_deref() {
        Some(text) => sheet::config::parse(text)
            .map_err(|e| Refused::bad(format!("the filing field (filing.toml): {e}")))?,
        None => sheet::config::Config::default(),
    };
    // The filing part is the page's (or the caller's) filing.toml: messages name it so.
    let config_path = upload.filing.is_some().then(|| "filing.toml".to_string());
    let report = read_packages(upload, sheet_reading()).await?;
    all_readable(&report)?;
    let options = sheet::SheetOptions {
        accept_detected_domains,
        provider,
        pubkey_format: None,
        draft,
        config_path,
    };
    let built = sheet::build(&report.packages, &config, &options);
    let rendered = render::render(&built, format).map_err(|e| Refused {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: e.to_string(),
    })?;
    let mut response = ([(header::CONTENT_TYPE, content_type)], rendered).into_response();
    let headers = response.headers_mut();
    headers.insert("x-appfiling-sheet-errors", built.errors.len().into());
    if !matches!(format, render::Format::Json | render::Format::Text) {
        if let Ok(value) = format!("attachment; filename=\"filing-sheet.{extension}\"").parse() {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
    }
    Ok(response)
}
