//! `appfiling serve` from the outside (docs/serve.md): the real binary on a free port, spoken to
//! over plain HTTP/1.1 by a small client of our own (std::net only). The API answers exactly what
//! the CLI prints for every bundled sample; tokens, limits, errors and headers are as documented;
//! a client that disconnects, 50 at once or a slow one leave the server answering and its
//! temporary folder empty; the log has one line per request and never a password or a token.

mod common;

use common::sample_path;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const BOUNDARY: &str = "appfiling-test-boundary-7d1f";
/// The small APK most tests upload.
const SMALL_APK: &str = "sample-v1v2v3-rsa.apk";

/// A server of our own: its port, its temporary folder ($TMPDIR) and its log (stderr lines).
struct Server {
    child: Child,
    port: u16,
    tmp: PathBuf,
    log: Arc<Mutex<Vec<String>>>,
}

/// Each server gets its own $TMPDIR, so that "empty afterwards" speaks of that server alone.
fn fresh_tmp() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "appfiling-servetest-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn serve_command(args: &[&str], tmp: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_appfiling"));
    command
        .arg("serve")
        .args(args)
        .env("TMPDIR", tmp)
        .env_remove("APPFILING_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

impl Server {
    /// `appfiling serve --bind 127.0.0.1:0 ARGS…`, once it has said where it listens.
    fn start(args: &[&str]) -> Server {
        Server::start_with(args, &[])
    }

    /// The same, with environment variables set for the server.
    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Server {
        let tmp = fresh_tmp();
        let mut all = vec!["--bind", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut child = serve_command(&all, &tmp)
            .envs(env.iter().copied())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let lines = Arc::clone(&log);
        thread::spawn(move || {
            let mut port_tx = Some(port_tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                    let port = rest.trim_end_matches('/').parse::<u16>().ok();
                    if let (Some(tx), Some(port)) = (port_tx.take(), port) {
                        let _ = tx.send(port);
                        continue;
                    }
                }
                lines.lock().unwrap().push(line);
            }
        });
        let port = match port_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                let _ = std::fs::remove_dir_all(&tmp);
                panic!(
                    "the server never said `listening on http://127.0.0.1:PORT/`; it said: {:?}",
                    log.lock().unwrap()
                );
            }
        };
        Server {
            child,
            port,
            tmp,
            log,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        stream
    }

    /// Starts an upload of `body` to /api/inspect and sends its first `sent` bytes; the
    /// rest is the caller's to send, or not.
    fn start_upload(&self, body: &[u8], sent: usize) -> TcpStream {
        let mut stream = self.connect();
        write!(
            stream,
            "POST /api/inspect HTTP/1.1\r\nHost: x\r\n{}\r\nContent-Length: {}\r\n\r\n",
            multipart_content_type(),
            body.len()
        )
        .unwrap();
        stream.write_all(&body[..sent]).unwrap();
        stream
    }

    /// Sends `head` (request line and headers, without the blank line) and `body`, and reads the
    /// answer. The body is written from another thread so that an answer sent before the whole
    /// body is read (413) is still read, whatever the writer meets.
    fn send(&self, head: &str, body: Vec<u8>) -> Response {
        let stream = self.connect();
        let request = format!(
            "{head}\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        );
        let mut writer = stream.try_clone().unwrap();
        let sending = thread::spawn(move || {
            let _ = writer.write_all(request.as_bytes());
            let _ = writer.write_all(&body);
        });
        let response = read_response(stream);
        let _ = sending.join();
        response
    }

    fn get(&self, target: &str) -> Response {
        self.send(&format!("GET {target} HTTP/1.1"), Vec::new())
    }

    fn get_with(&self, target: &str, header: &str) -> Response {
        self.send(&format!("GET {target} HTTP/1.1\r\n{header}"), Vec::new())
    }

    /// POST `target` with a multipart body of `parts`, and `headers` (each `Name: value`).
    fn post(&self, target: &str, parts: &[Part], headers: &[&str]) -> Response {
        let mut head = format!("POST {target} HTTP/1.1\r\n{}", multipart_content_type());
        for header in headers {
            head.push_str("\r\n");
            head.push_str(header);
        }
        self.send(&head, multipart(parts))
    }

    /// The log lines so far (after the listening line).
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits for a log line that `matches`: the line is written when the answer has gone.
    fn wait_for_log(&self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(line) = self.log().into_iter().find(|l| matches(l)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no log line for {what}: {:#?}",
                self.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn tmp_entries(&self) -> Vec<String> {
        std::fs::read_dir(&self.tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    /// The temporary folder empties when the requests end: polled briefly, as the deletion
    /// happens when the request's last owner lets go.
    fn assert_tmp_empties(&self, after: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.tmp_entries().is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            self.tmp_entries(),
            Vec::<String>::new(),
            "the server's temporary folder after {after}"
        );
    }

    fn assert_healthy(&self, after: &str) {
        let health = self.get("/healthz");
        assert_eq!(health.status, 200, "/healthz after {after}");
        assert_eq!(health.text(), "ok", "/healthz after {after}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

struct Response {
    status: u16,
    /// Header names in lower case.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// A documented error: the status, a JSON body `{"error": "…"}`, and its words.
    fn assert_error(&self, status: u16, words: &[&str]) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{status}: {:?} {:?}",
            self.headers,
            String::from_utf8_lossy(&self.body)
        );
        let json = self.json();
        let message = json["error"].as_str().unwrap_or_else(|| panic!("{json}"));
        for word in words {
            assert!(
                message.contains(word),
                "{status}: {message:?} lacks {word:?}"
            );
        }
        assert_security_headers(self, &format!("the {status} answer"));
    }
}

/// Reads a whole HTTP/1.1 answer (the server closes: we asked it to), chunked or not.
fn read_response(mut stream: TcpStream) -> Response {
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // A reset after the answer (the server stopped reading an oversized body) ends it.
            Err(e) if !raw.is_empty() && e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the answer: {e}"),
        }
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    } else if let Some((_, length)) = headers.iter().find(|(n, _)| n == "content-length") {
        assert_eq!(
            body.len(),
            length.parse::<usize>().unwrap(),
            "content-length"
        );
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// One part of a multipart/form-data body: a file (with its name) or a plain field.
enum Part {
    File { name: String, bytes: Vec<u8> },
    Field { name: &'static str, value: String },
}

fn file(name: &str, bytes: Vec<u8>) -> Part {
    Part::File {
        name: name.to_string(),
        bytes,
    }
}

fn sample_file(rel: &str) -> Part {
    let path = sample_path(rel);
    file(
        &path.file_name().unwrap().to_string_lossy(),
        std::fs::read(&path).unwrap(),
    )
}

fn field(name: &'static str, value: &str) -> Part {
    Part::Field {
        name,
        value: value.to_string(),
    }
}

fn multipart_content_type() -> String {
    format!("Content-Type: multipart/form-data; boundary={BOUNDARY}")
}

fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::File { name, bytes } => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
            Part::Field { name, value } => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
                        .as_bytes(),
                );
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn assert_security_headers(response: &Response, what: &str) {
    assert_eq!(
        response.header("content-security-policy"),
        Some(CSP),
        "{what}"
    );
    assert_eq!(
        response.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        response.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
}

/// The password of a bundled keystore or PKCS#12 file (samples/make-*-samples.*), if it has one.
fn password_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    match path.extension()?.to_str()? {
        _ if name == "debug.keystore" => Some("android"),
        "p12" | "jks" | "jceks" => Some("appfiling"),
        _ => None,
    }
}

/// Every bundled sample the page takes: packages, profiles, certificates and keystores.
fn bundled_samples() -> Vec<PathBuf> {
    const EXTENSIONS: [&str; 15] = [
        "apk",
        "aab",
        "apks",
        "xapk",
        "apkm",
        "ipa",
        "hap",
        "app",
        "mobileprovision",
        "p7b",
        "cer",
        "pem",
        "p12",
        "jks",
        "jceks",
    ];
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                // samples/src holds the sources the samples are built from.
                if name != "src" {
                    walk(&path, out);
                }
            } else if name == "debug.keystore"
                || path
                    .extension()
                    .is_some_and(|e| EXTENSIONS.contains(&e.to_str().unwrap()))
            {
                out.push(path);
            }
        }
    }
    let mut samples = Vec::new();
    walk(&sample_path(""), &mut samples);
    samples.sort();
    samples
}

/// The CLI's answer for `file`, run in its folder with its bare name, as the server names an
/// upload: `path` then agrees on both sides (and inside messages), with nothing to rewrite.
fn cli_json(file: &Path, args: &[&str]) -> Value {
    let name = file.file_name().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_appfiling"));
    command.current_dir(file.parent().unwrap()).args(args);
    if let Some(password) = password_of(file) {
        command
            .env("SAMPLE_PASSWORD", password)
            .args(["--password-env", "SAMPLE_PASSWORD"]);
    }
    let out = command.arg(name).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn upload_parts(file: &Path) -> Vec<Part> {
    let mut parts = vec![sample_file(
        file.strip_prefix(sample_path(""))
            .unwrap()
            .to_str()
            .unwrap(),
    )];
    if let Some(password) = password_of(file) {
        parts.push(field("password", password));
    }
    parts
}

#[test]
fn inspect_answers_what_the_cli_prints_for_every_sample() {
    let samples = bundled_samples();
    // Every kind the page takes is among them (a sample removed would quietly shrink the test).
    for kind in [
        ".apk",
        ".aab",
        ".apks",
        ".xapk",
        ".apkm",
        ".ipa",
        ".hap",
        "sample.app",
        ".mobileprovision",
        ".p7b",
        ".cer",
        ".p12",
        ".jks",
        ".jceks",
        "debug.keystore",
    ] {
        assert!(
            samples.iter().any(|s| s.to_string_lossy().ends_with(kind)),
            "no {kind} sample in {samples:?}"
        );
    }
    let server = Server::start(&[]);
    for (query, args) in [
        ("", &["inspect", "--format", "json"][..]),
        (
            "?detect=1",
            &["inspect", "--format", "json", "--detect"][..],
        ),
        (
            "?verify=true",
            &["inspect", "--format", "json", "--verify"][..],
        ),
    ] {
        for sample in &samples {
            let response = server.post(&format!("/api/inspect{query}"), &upload_parts(sample), &[]);
            assert_eq!(
                response.status,
                200,
                "{}{query}: {}",
                sample.display(),
                response.text()
            );
            assert!(response
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/json")));
            let served = response.json();
            assert_eq!(
                served,
                cli_json(sample, args),
                "{}{query}: the server and the CLI differ",
                sample.display()
            );
            assert!(
                !response.text().contains(&*server.tmp.to_string_lossy())
                    && !response.text().contains("appfiling-serve-"),
                "{}: a server path in the answer",
                sample.display()
            );
        }
    }
    server.assert_tmp_empties("every sample");
}

/// Several files in one request come back in the order sent; one that is not a package is an
/// error of its own, as in the CLI, and does not stop the others.
#[test]
fn inspect_takes_several_files_and_reports_a_bad_one_by_its_name() {
    let server = Server::start(&[]);
    let garbage = common::temp_file("servetest", "garbage.apk", b"PK\x03\x04 not a zip at all");
    let response = server.post(
        "/api/inspect",
        &[
            sample_file(SMALL_APK),
            file("garbage.apk", std::fs::read(&garbage).unwrap()),
            sample_file("ios/sample.ipa"),
        ],
        &[],
    );
    assert_eq!(response.status, 200, "{}", response.text());
    let served = response.json();
    let paths: Vec<&str> = served["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, [SMALL_APK, "sample.ipa"]);
    assert_eq!(
        served["errors"],
        cli_json(&garbage, &["inspect", "--format", "json"])["errors"]
    );
    assert_eq!(served["errors"][0]["path"], "garbage.apk");
    server.assert_tmp_empties("several files");
}

/// A client names no path on the server: a file name with folders in it stays a name.
#[test]
fn an_upload_named_like_a_path_writes_nothing_outside_the_temporary_folder() {
    let server = Server::start(&[]);
    let bytes = std::fs::read(sample_path(SMALL_APK)).unwrap();
    let response = server.post("/api/inspect", &[file("../../escape.apk", bytes)], &[]);
    assert!(
        response.status == 200 || response.status == 400,
        "{}",
        response.status
    );
    assert!(!server.tmp.parent().unwrap().join("escape.apk").exists());
    assert!(!server.tmp.join("escape.apk").exists());
    server.assert_tmp_empties("a file name with folders");
}

#[test]
fn init_and_sheet_answer_what_the_cli_prints() {
    let server = Server::start(&[]);
    let apk = sample_path("detect/sample-detect.apk");
    let parts = || vec![sample_file("detect/sample-detect.apk")];

    let init = server.post("/api/init", &parts(), &[]);
    assert_eq!(init.status, 200, "{}", init.text());
    assert_eq!(
        init.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let cli = Command::new(env!("CARGO_BIN_EXE_appfiling"))
        .current_dir(apk.parent().unwrap())
        .args(["init", "sample-detect.apk"])
        .output()
        .unwrap();
    assert_eq!(init.text(), String::from_utf8(cli.stdout).unwrap());

    let sheet = server.post("/api/sheet?provider=tencent&format=json", &parts(), &[]);
    assert_eq!(sheet.status, 200, "{}", sheet.text());
    let expected = cli_json(
        &apk,
        &["sheet", "--format", "json", "--provider", "tencent"],
    );
    assert_eq!(sheet.json(), expected);
    let problems = expected["errors"].as_array().unwrap().len().to_string();
    assert_eq!(sheet.header("x-appfiling-sheet-errors"), Some(&*problems));

    let xlsx = server.post("/api/sheet?format=xlsx", &parts(), &[]);
    assert_eq!(xlsx.status, 200);
    assert_eq!(
        xlsx.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(
        xlsx.header("content-disposition"),
        Some("attachment; filename=\"filing-sheet.xlsx\"")
    );
    assert!(xlsx.body.starts_with(b"PK\x03\x04"));

    server
        .post(
            "/api/sheet?format=json",
            &[field("filing", "[[not toml")],
            &[],
        )
        .assert_error(400, &[]);
    let mut bad_filing = parts();
    bad_filing.push(field("filing", "this is = = not toml"));
    server
        .post("/api/sheet", &bad_filing, &[])
        .assert_error(400, &["filing.toml"]);
    let nothing_readable = [file("notes.txt", b"hello".to_vec())];
    server
        .post("/api/init", &nothing_readable, &[])
        .assert_error(422, &[]);
    server
        .post("/api/sheet", &nothing_readable, &[])
        .assert_error(422, &[]);
    server
        .post("/api/sheet?provider=nobody", &parts(), &[])
        .assert_error(400, &["nobody"]);
    server.assert_tmp_empties("init and sheet");
}

/// The filing.toml `init` wrote, sent back in the `filing` part, is read as the CLI reads it:
/// the same sheet, with messages that speak of the filing.toml given.
#[test]
fn a_filing_part_is_read_as_the_cli_reads_filing_toml() {
    let server = Server::start(&[]);
    let apk = sample_path("detect/sample-detect.apk");
    let init = server.post("/api/init", &[sample_file("detect/sample-detect.apk")], &[]);
    assert_eq!(init.status, 200, "{}", init.text());
    // The CLI runs beside a copy of the package, so that both name the files alike.
    let filing = common::temp_file("servetest", "filing.toml", init.text().as_bytes());
    let apk_copy = filing.with_file_name("sample-detect.apk");
    std::fs::copy(&apk, &apk_copy).unwrap();
    let with_filing = [
        sample_file("detect/sample-detect.apk"),
        field("filing", &init.text()),
    ];
    let sheet = server.post("/api/sheet?format=json", &with_filing, &[]);
    assert_eq!(sheet.status, 200, "{}", sheet.text());
    assert_eq!(
        sheet.json(),
        cli_json(
            &apk_copy,
            &["sheet", "--format", "json", "--config", "filing.toml"]
        )
    );
    server.assert_tmp_empties("a sheet with its filing.toml");
}

/// Every error is JSON, also the ones the multipart reader finds before the route runs.
#[test]
fn a_multipart_body_without_a_boundary_is_a_json_error() {
    let server = Server::start(&[]);
    server
        .send(
            "POST /api/inspect HTTP/1.1\r\nContent-Type: multipart/form-data",
            multipart(&[sample_file(SMALL_APK)]),
        )
        .assert_error(400, &[]);
    server
        .send("POST /api/sheet HTTP/1.1", Vec::new())
        .assert_error(400, &[]);
    server.assert_tmp_empties("a body without a boundary");
}

#[test]
fn a_token_in_the_query_is_read_as_a_browser_encodes_it() {
    let server = Server::start(&["--token", "a+b/c=d"]);
    assert_eq!(server.get("/?token=a%2Bb%2Fc%3Dd").status, 200);
    server.get("/?token=a%20b%2Fc%3Dd").assert_error(401, &[]);
    assert_eq!(
        server.get_with("/", "Authorization: Bearer a+b/c=d").status,
        200
    );
}

#[test]
fn a_token_guards_everything_but_healthz_and_the_page_assets() {
    let server = Server::start(&["--token", "s3cret-token"]);
    let parts = || vec![sample_file(SMALL_APK)];

    server.get("/").assert_error(401, &[]);
    server.get("/api/openapi.json").assert_error(401, &[]);
    server
        .get_with("/api/openapi.json", "Authorization: Bearer wrong")
        .assert_error(401, &[]);
    server
        .get("/api/openapi.json?token=wrong")
        .assert_error(401, &[]);
    server
        .post("/api/inspect", &parts(), &[])
        .assert_error(401, &[]);
    server
        .post(
            "/api/inspect",
            &parts(),
            &["Authorization: Bearer s3cret-tokenX"],
        )
        .assert_error(401, &[]);

    let health = server.get("/healthz");
    assert_eq!((health.status, health.text().as_str()), (200, "ok"));
    // A browser loads <script src> and <link href> without the token; they hold no data.
    assert_eq!(server.get("/app.js").status, 200);
    assert_eq!(server.get("/app.css").status, 200);
    let page = server.get("/?token=s3cret-token");
    assert_eq!(page.status, 200);
    assert_eq!(
        server
            .get_with("/api/openapi.json", "Authorization: Bearer s3cret-token")
            .status,
        200
    );
    let inspected = server.post("/api/inspect?token=s3cret-token", &parts(), &[]);
    assert_eq!(inspected.status, 200, "{}", inspected.text());
    let inspected = server.post(
        "/api/inspect",
        &parts(),
        &["Authorization: Bearer s3cret-token"],
    );
    assert_eq!(inspected.json()["packages"][0]["path"], SMALL_APK);

    // The log names the path without its query: the token is never written.
    server.wait_for_log("the page with its token", |l| l.contains("GET / 200"));
    let log = server.log().join("\n");
    assert!(!log.contains("s3cret"), "{log}");
    server.assert_tmp_empties("refused uploads");
}

#[test]
fn a_token_may_come_from_the_environment() {
    let server = Server::start_with(&[], &[("APPFILING_TOKEN", "from-env")]);
    server.get("/api/openapi.json").assert_error(401, &[]);
    assert_eq!(server.get("/api/openapi.json?token=from-env").status, 200);
}

#[test]
fn a_bind_beyond_loopback_needs_a_token() {
    let tmp = fresh_tmp();
    let out = serve_command(&["--bind", "0.0.0.0:0"], &tmp)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("--token"), "{said}");
    assert!(said.contains("0.0.0.0"), "{said}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn errors_are_json_with_their_status() {
    let server = Server::start(&["--max-upload", "1MiB"]);

    // Over --max-upload: the message names the limit and the option.
    let big = vec![0x5a; 2 * 1024 * 1024];
    server
        .post("/api/inspect", &[file("big.apk", big)], &[])
        .assert_error(413, &["1 MiB", "--max-upload"]);
    assert_eq!(server.get("/healthz").status, 200);

    // Malformed multipart: a body that is not one, and a missing boundary.
    server
        .send(
            &format!("POST /api/inspect HTTP/1.1\r\n{}", multipart_content_type()),
            b"this is not multipart at all".to_vec(),
        )
        .assert_error(400, &[]);
    // A body cut short: the closing boundary never comes.
    let mut cut = multipart(&[sample_file(SMALL_APK)]);
    cut.truncate(cut.len() / 2);
    server
        .send(
            &format!("POST /api/inspect HTTP/1.1\r\n{}", multipart_content_type()),
            cut,
        )
        .assert_error(400, &[]);
    // No file at all, and an unknown query value.
    server
        .post("/api/inspect", &[field("password", "x")], &[])
        .assert_error(400, &[]);
    server
        .post("/api/inspect?detect=maybe", &[sample_file(SMALL_APK)], &[])
        .assert_error(400, &["maybe"]);
    // More than 32 files.
    let many: Vec<Part> = (0..33)
        .map(|i| file(&format!("f{i}.apk"), vec![1]))
        .collect();
    server
        .post("/api/inspect", &many, &[])
        .assert_error(400, &[]);

    server.get("/no/such/route").assert_error(404, &[]);
    server.get("/api/nothing").assert_error(404, &[]);
    server.get("/api/inspect").assert_error(405, &[]);
    server
        .post("/healthz", &[sample_file(SMALL_APK)], &[])
        .assert_error(405, &[]);
    server
        .send("DELETE /api/sheet HTTP/1.1", Vec::new())
        .assert_error(405, &[]);

    server.assert_healthy("the errors");
    server.assert_tmp_empties("the errors");
}

#[test]
fn every_answer_carries_the_security_headers() {
    let server = Server::start(&[]);
    for (target, content_type) in [
        ("/", "text/html"),
        ("/app.js", "javascript"),
        ("/app.css", "text/css"),
        ("/healthz", "text/plain"),
        ("/api/openapi.json", "application/json"),
    ] {
        let response = server.get(target);
        assert_eq!(response.status, 200, "{target}");
        assert!(
            response
                .header("content-type")
                .is_some_and(|t| t.contains(content_type)),
            "{target}: {:?}",
            response.header("content-type")
        );
        assert_security_headers(&response, target);
    }
    let inspected = server.post("/api/inspect", &[sample_file(SMALL_APK)], &[]);
    assert_eq!(inspected.status, 200);
    assert_security_headers(&inspected, "/api/inspect");
    // The served document is the embedded file, byte for byte, and describes every route.
    let document = server.get("/api/openapi.json");
    assert_eq!(
        document.body,
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/serve/openapi.json"
        ))
        .unwrap()
    );
    let document = document.json();
    assert_eq!(document["openapi"], "3.0.3");
    let mut routes: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    routes.sort_unstable();
    assert_eq!(
        routes,
        [
            "/api/init",
            "/api/inspect",
            "/api/openapi.json",
            "/api/sheet",
            "/healthz"
        ]
    );
    // Errors (assert_error checks the headers too).
    server.get("/nowhere").assert_error(404, &[]);
    server.get("/api/sheet").assert_error(405, &[]);
}

#[test]
fn one_log_line_per_request_and_never_a_password() {
    let server = Server::start(&[]);
    assert_eq!(server.get("/healthz?probe=1").status, 200);
    let line = server.wait_for_log("/healthz", |l| l.contains("GET /healthz "));
    let words: Vec<&str> = line.split_whitespace().collect();
    let tail = &words[words.len() - 5..];
    assert_eq!(&tail[..4], ["GET", "/healthz", "200", "2"], "{line}");
    let millis = tail[4]
        .strip_suffix("ms")
        .unwrap_or_else(|| panic!("{line}"));
    assert!(millis.parse::<u64>().is_ok(), "{line}");

    let password = "Pa55-never-logged";
    let keystore = sample_file("keystores/two-keys.p12");
    let response = server.post(
        "/api/inspect?verify=1",
        &[keystore, field("password", password)],
        &[],
    );
    assert_eq!(response.status, 200);
    // A wrong password is the file's error, said without the password.
    assert_eq!(response.json()["errors"][0]["code"], "password");
    assert!(!response.text().contains(password));
    server.get("/missing");
    let inspect_line = server.wait_for_log("/api/inspect", |l| l.contains("POST /api/inspect 200"));
    server.wait_for_log("/missing", |l| l.contains("GET /missing 404"));
    let log = server.log();
    assert_eq!(log.len(), 3, "one line per request: {log:#?}");
    assert!(!inspect_line.contains('?'), "{inspect_line}");
    let all = log.join("\n");
    assert!(!all.contains(password), "{all}");
    assert!(!all.contains("two-keys"), "no file names either: {all}");
    assert!(!all.contains("probe"), "no query: {all}");
}

#[test]
fn a_client_that_disconnects_mid_upload_leaves_nothing_behind() {
    let server = Server::start(&[]);
    let body = multipart(&[file("big.apk", vec![0x42; 8 * 1024 * 1024])]);
    let stream = server.start_upload(&body, 2 * 1024 * 1024);
    // The upload is on disk, in the request's own folder, while it streams in.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.tmp_entries().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the upload never reached the temporary folder"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(server
        .tmp_entries()
        .iter()
        .all(|e| e.starts_with("appfiling-serve-")));
    stream.shutdown(Shutdown::Both).unwrap();
    drop(stream);
    server.assert_tmp_empties("a client that went away");
    server.assert_healthy("a client that went away");
}

#[test]
fn fifty_concurrent_uploads_are_answered_or_turned_away_and_leave_nothing_behind() {
    let server = Arc::new(Server::start(&[]));
    let clients: Vec<_> = (0..50)
        .map(|_| {
            let server = Arc::clone(&server);
            thread::spawn(move || server.post("/api/inspect", &[sample_file(SMALL_APK)], &[]))
        })
        .collect();
    let mut served = 0;
    for client in clients {
        let response = client.join().unwrap();
        match response.status {
            200 => {
                served += 1;
                let json = response.json();
                assert_eq!(json["packages"][0]["path"], SMALL_APK);
                assert_eq!(json["packages"][0]["package_name"], "dev.appfiling.sample");
            }
            503 => response.assert_error(503, &[]),
            other => panic!("{other}: {}", response.text()),
        }
    }
    // At least the 8 allowed in flight are served.
    assert!(served >= 8, "only {served} of 50 served");
    server.assert_healthy("50 uploads");
    server.assert_tmp_empties("50 uploads");
}

#[test]
fn a_slow_client_is_served() {
    let server = Server::start(&[]);
    let body = multipart(&[sample_file(SMALL_APK)]);
    let stream = server.connect();
    let mut writer = stream.try_clone().unwrap();
    write!(
        writer,
        "POST /api/inspect HTTP/1.1\r\nHost: x\r\n{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        multipart_content_type(),
        body.len()
    )
    .unwrap();
    // About three seconds for the body, well within the idle (60 s) and request (300 s) timeouts.
    let piece = body.len().div_ceil(30);
    for chunk in body.chunks(piece) {
        writer.write_all(chunk).unwrap();
        writer.flush().unwrap();
        thread::sleep(Duration::from_millis(100));
    }
    let response = read_response(stream);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["packages"][0]["path"], SMALL_APK);
    server.assert_healthy("a slow client");
    server.assert_tmp_empties("a slow client");
}

/// Past 8 requests in flight the next is answered 503 at once, and the server serves again as
/// soon as they end: eight uploads held half-sent fill it, deterministically.
#[test]
fn a_ninth_request_in_flight_is_turned_away_and_the_server_recovers() {
    let server = Server::start(&[]);
    let body = multipart(&[file("held.apk", vec![0x42; 1024 * 1024])]);
    let held: Vec<TcpStream> = (0..8)
        .map(|_| server.start_upload(&body, body.len() / 2))
        .collect();
    // Each held request has its folder once its upload streams in.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.tmp_entries().len() < 8 {
        assert!(
            Instant::now() < deadline,
            "8 uploads in flight, {} folders",
            server.tmp_entries().len()
        );
        thread::sleep(Duration::from_millis(20));
    }
    server
        .post("/api/inspect", &[sample_file(SMALL_APK)], &[])
        .assert_error(503, &["try again"]);
    // Pages and health are not uploads: they are still served.
    server.assert_healthy("8 uploads in flight");
    assert_eq!(server.get("/").status, 200);
    drop(held);
    server.assert_tmp_empties("8 uploads that went away");
    let served = server.post("/api/inspect", &[sample_file(SMALL_APK)], &[]);
    assert_eq!(served.status, 200, "{}", served.text());
}
