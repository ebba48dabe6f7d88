//! `appfiling serve`: the filing desk in a browser (docs/serve.md). One page and a JSON
//! API over the library: packages are uploaded to a private temporary directory,
//! inspected, and deleted when the response ends. Nothing is kept and nothing leaves the
//! machine; the page, its script and its style are embedded.

mod api;
mod upload;

use axum::body::HttpBody;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How the server runs: `appfiling serve`'s options.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: SocketAddr,
    /// The largest request body, uploads included, in bytes.
    pub max_upload: u64,
    /// Needed by every route but /healthz when set; required off loopback.
    pub token: Option<String>,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0} is not a loopback address: serving it needs --token (or APPFILING_TOKEN), or anyone who reaches it could upload packages")]
    TokenRequired(SocketAddr),
    #[error("the token is empty")]
    EmptyToken,
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// Files one request may upload.
pub const MAX_FILES: usize = 32;
/// Uploads inspected at once; past this a request waits `QUEUE_WAIT` for its turn, then
/// is answered 503.
pub const MAX_IN_FLIGHT: usize = 8;
/// How long a request past `MAX_IN_FLIGHT` waits for a turn: a burst is served, a flood
/// is turned away.
pub const QUEUE_WAIT: Duration = Duration::from_secs(1);
/// A request (upload and inspection) taking longer is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// A connection that sends no request header for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The strict policy: the page's own script and style only, nothing inline, no other origin.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

struct Shared {
    token: Option<String>,
    in_flight: Arc<Semaphore>,
    max_upload: u64,
}

/// Serves until SIGINT or SIGTERM; `listening` is told the address once bound (port 0
/// picks a free one).
pub fn run(options: ServeOptions, listening: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    if options.token.as_deref() == Some("") {
        return Err(ServeError::EmptyToken);
    }
    if !options.bind.ip().is_loopback() && options.token.is_none() {
        return Err(ServeError::TokenRequired(options.bind));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.bind)
            .await
            .map_err(|e| ServeError::Bind(options.bind, e))?;
        listening(listener.local_addr()?);
        serve(listener, router(&options)).await
    })
}

/// The accept loop: HTTP/1.1 and HTTP/2 on each connection, idle connections closed after
/// `IDLE_TIMEOUT`, and on a signal the connections in progress finish first.
async fn serve(listener: tokio::net::TcpListener, app: Router) -> Result<(), ServeError> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT);
    let graceful = GracefulShutdown::new();
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                // A refused or reset connection is that client's problem, not the server's.
                let Ok((stream, _)) = accepted else { continue };
                let service = TowerToHyperService::new(app.clone());
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                let connection = graceful.watch(connection.into_owned());
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            _ = &mut stop => break,
        }
    }
    // In-flight requests finish; their temporary directories go with them.
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(REQUEST_TIMEOUT) => {}
    }
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

fn router(options: &ServeOptions) -> Router {
    let shared = Arc::new(Shared {
        token: options.token.clone(),
        in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        max_upload: options.max_upload,
    });
    let limit = usize::try_from(options.max_upload).unwrap_or(usize::MAX);
    Router::new()
        .route("/", get(api::page))
        .route("/app.js", get(api::script))
        .route("/app.css", get(api::style))
        .route("/healthz", get(api::health))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/inspect", post(api::inspect))
        .route("/api/init", post(api::init))
        .route("/api/sheet", post(api::sheet))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// Every request: the token, the in-flight limit and timeout for uploads, the security
/// headers, and one log line (no query string: it may carry the token; no content).
async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    // The page's script and style hold no data, and a browser sends no token with
    // <script src>: they are public, as the health check is.
    let public = matches!(path.as_str(), "/healthz" | "/app.js" | "/app.css");
    let mut response = if !public && !authorized(&shared, &request) {
        api::error(
            StatusCode::UNAUTHORIZED,
            "a valid token is needed: open the page with ?token=…, or send Authorization: Bearer …",
        )
    } else if method == Method::POST {
        let permit = tokio::time::timeout(QUEUE_WAIT, shared.in_flight.clone().acquire_owned());
        match permit.await {
            Err(_) | Ok(Err(_)) => api::error(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("{MAX_IN_FLIGHT} uploads are being inspected: try again in a moment"),
            ),
            Ok(Ok(_permit)) => match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await
            {
                Ok(response) => response,
                Err(_) => api::error(
                    StatusCode::REQUEST_TIMEOUT,
                    &format!("the request took over {} s", REQUEST_TIMEOUT.as_secs()),
                ),
            },
        }
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let bytes = response
        .body()
        .size_hint()
        .exact()
        .map_or("-".to_string(), |n| n.to_string());
    eprintln!(
        "{method} {path} {} {bytes} {}ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

/// The token from `Authorization: Bearer …` or `?token=…`, compared in constant time.
fn authorized(shared: &Shared, request: &Request) -> bool {
    let Some(expected) = shared.token.as_deref() else {
        return true;
    };
    let from_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // The query as a browser encodes it: `?token=a%2Bb` is the token "a+b".
    let query = axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(
        request.uri(),
    )
    .ok();
    let from_query = query
        .as_ref()
        .and_then(|q| q.get("token"))
        .map(String::as_str);
    let matches = [from_header, from_query]
        .into_iter()
        .flatten()
        .any(|given| same_secret(given.as_bytes(), expected.as_bytes()));
    matches
}

fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A size as people write it: "512MiB", "100 MB", "1g", "4096" (bytes).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size: write e.g. 512MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit {other:?}: use KiB, MiB or GiB")),
    };
    number
        .checked_mul(factor)
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{text:?} is not a usable size"))
}

/// A byte count in the largest whole binary unit: "512 MiB", "1 GiB", "1000 bytes".
pub(crate) fn size_text(bytes: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_write() {
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("100 MB"), Ok(100 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
        assert_eq!(size_text(512 << 20), "512 MiB");
        assert_eq!(size_text(1000), "1000 bytes");
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cre", b"s3cret"));
        assert!(!same_secret(b"s3creT", b"s3cret"));
        assert!(!same_secret(b"", b"s3cret"));
    }

    #[test]
    fn off_loopback_needs_a_token() {
        let options = ServeOptions {
            bind: "0.0.0.0:0".parse().unwrap(),
            max_upload: 1,
            token: None,
        };
        assert!(matches!(
            run(options.clone(), |_| {}),
            Err(ServeError::TokenRequired(_))
        ));
        let empty = ServeOptions {
            token: Some(String::new()),
            ..options
        };
        assert!(matches!(run(empty, |_| {}), Err(ServeError::EmptyToken)));
    }
}
