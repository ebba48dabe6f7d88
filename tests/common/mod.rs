//! Helpers shared by the integration tests: the corpus location and openssl as
//! the independent oracle.

#![allow(dead_code)] // each test binary uses its own subset

use base64::Engine;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Runs the appfiling binary from the repository root.
pub fn appfiling(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_appfiling"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// `bytes` written to `name` in this test suite's own temporary directory.
pub fn temp_file(suite: &str, name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("appfiling-{suite}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The project's own samples (samples/make-*.sh|py), `rel` inside `samples/`.
pub fn sample_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(rel)
}

/// The codes of a package report's warnings, in order.
pub fn warning_codes(p: &appfiling::report::PackageReport) -> Vec<&'static str> {
    p.warnings.iter().map(|w| w.code.as_str()).collect()
}

/// `../shared/corpus` beside the checkout, or `APPFILING_CORPUS`; `None`
/// (with a visible message) when absent.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("APPFILING_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.join("EXPECTED-apk.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: corpus not found at {} (set APPFILING_CORPUS)",
            dir.display()
        );
        println!("SKIPPED: corpus not found at {}", dir.display());
        None
    }
}

/// The rows of a tab-separated file with a header line ('#' lines are comments).
pub fn tsv_rows(path: &std::path::Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(String::from)
        .collect();
    lines
        .map(|line| {
            header
                .iter()
                .cloned()
                .zip(line.split('\t').map(String::from))
                .collect()
        })
        .collect()
}

/// The same, keyed by one column.
pub fn tsv_by(
    path: &std::path::Path,
    key: &str,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
    tsv_rows(path)
        .into_iter()
        .map(|row| (row[key].clone(), row))
        .collect()
}

pub struct OpensslView {
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
    pub modulus: Option<String>,
    /// openssl re-encodes what it reads; false when the input was not plain DER.
    pub is_canonical_der: bool,
}

fn openssl_raw(args: &[&str], der: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl must be installed (.ci/run installs it)");
    child.stdin.take().unwrap().write_all(der).unwrap();
    child.wait_with_output().unwrap().stdout
}

fn openssl(args: &[&str], der: &[u8]) -> String {
    String::from_utf8_lossy(&openssl_raw(args, der))
        .trim()
        .to_string()
}

fn after_equals(line: &str) -> String {
    line.split_once('=')
        .map(|(_, v)| v.replace(':', ""))
        .unwrap_or_default()
}

/// What openssl says about a DER certificate given in Base64.
pub fn openssl_describe(der_base64: &str) -> OpensslView {
    let der = base64::engine::general_purpose::STANDARD
        .decode(der_base64)
        .unwrap();
    let fp = |alg: &str| {
        after_equals(&openssl(
            &["x509", "-inform", "der", "-noout", "-fingerprint", alg],
            &der,
        ))
    };
    let modulus = openssl(&["x509", "-inform", "der", "-noout", "-modulus"], &der);
    OpensslView {
        md5: fp("-md5"),
        sha1: fp("-sha1"),
        sha256: fp("-sha256"),
        modulus: modulus
            .starts_with("Modulus=")
            .then(|| after_equals(&modulus)),
        is_canonical_der: openssl_raw(&["x509", "-inform", "der", "-outform", "der"], &der) == der,
    }
}

/// Decimal digits of a hex number, computed independently of the library.
pub fn hex_to_decimal(hex: &str) -> String {
    // Base 10^9 limbs, little-endian.
    let mut limbs: Vec<u64> = vec![0];
    for c in hex.chars() {
        let mut carry = c.to_digit(16).expect("hex digit") as u64;
        for limb in limbs.iter_mut() {
            let v = *limb * 16 + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    let mut out = limbs.last().unwrap().to_string();
    for limb in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{limb:09}"));
    }
    out
}

/// The EC point `openssl ec -pubin -text` prints for a certificate's key, as uppercase hex.
pub fn openssl_ec_point(der_base64: &str) -> Option<String> {
    let der = base64::engine::general_purpose::STANDARD
        .decode(der_base64)
        .unwrap();
    let pubkey = openssl_raw(&["x509", "-inform", "der", "-noout", "-pubkey"], &der);
    let text =
        String::from_utf8(openssl_raw(&["ec", "-pubin", "-text", "-noout"], &pubkey)).ok()?;
    let block: String = text
        .lines()
        .skip_while(|l| !l.starts_with("pub:"))
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .collect();
    let hex = block.replace([' ', ':'], "").to_uppercase();
    (!hex.is_empty()).then_some(hex)
}

/// Whether `openssl verify` accepts `leaf` as the end of a chain made of `others`.
/// `-partial_chain`: a test PKI's root may carry a path length its own chain breaks;
/// what matters here is that each certificate is signed by the next.
pub fn openssl_verifies_leaf(leaf_base64: &str, others_base64: &[&str]) -> bool {
    let dir = std::env::temp_dir().join(format!(
        "appfiling-verify-{}-{}",
        std::process::id(),
        leaf_base64.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = |b64: &str| {
        let body: Vec<String> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            body.join("\n")
        )
    };
    let leaf = dir.join("leaf.pem");
    let chain = dir.join("chain.pem");
    std::fs::write(&leaf, pem(leaf_base64)).unwrap();
    std::fs::write(
        &chain,
        others_base64.iter().map(|b| pem(b)).collect::<String>(),
    )
    .unwrap();
    let status = Command::new("openssl")
        .args(["verify", "-no_check_time", "-partial_chain", "-CAfile"])
        .arg(&chain)
        .arg(&leaf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    status.success()
}

/// What a run of the binary under resource limits came to.
#[derive(Debug)]
pub struct Limited {
    /// The exit code; `None` when a signal ended it (`signal` says which).
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident memory of the child, from `wait4`'s rusage.
    pub peak_rss_mib: u64,
    /// User + system CPU time of the child.
    pub cpu_seconds: f64,
}

impl Limited {
    /// Panics with the whole run unless it exited by itself (no signal: no abort, no
    /// CPU-limit kill) with `code`, within `rss_mib` of peak memory.
    pub fn assert_within(&self, what: &str, code: i32, rss_mib: u64) {
        assert_eq!(
            (self.signal, self.code),
            (None, Some(code)),
            "{what}: expected exit {code}; {self:#?}"
        );
        assert!(
            self.peak_rss_mib <= rss_mib,
            "{what}: peak RSS {} MiB over the {rss_mib} MiB budget; {self:#?}",
            self.peak_rss_mib
        );
    }
}

/// CPU seconds a hostile-input run may take before the kernel stops it (SIGXCPU): a
/// guard against hangs, generous for a debug build, never a timing assertion.
pub const CPU_GUARD_SECONDS: u64 = 120;
/// Wall-clock seconds after which a run is killed (SIGKILL): a process blocked without
/// using CPU (on a FIFO, say) is caught too; its `signal` is then 9.
pub const WALL_GUARD_SECONDS: u64 = 600;

/// Runs the appfiling binary from the repository root with a CPU-time rlimit of
/// `CPU_GUARD_SECONDS` and reports how it ended and its peak memory. GNU time measures
/// it: a child forked straight from this test process would carry the test's own
/// resident memory into its peak (Linux keeps the high-water mark across exec), while
/// GNU time forks it from its own small image.
pub fn appfiling_limited(args: &[&str]) -> Limited {
    use std::io::Read;
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let measured = std::env::temp_dir().join(format!(
        "appfiling-limited-{}-{run}.txt",
        std::process::id()
    ));
    let mut command = Command::new("/usr/bin/time");
    command
        .args(["--format", "%M %U %S", "--output"])
        .arg(&measured)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_appfiling"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so the wall-clock guard stops time and appfiling both.
        .process_group(0);
    // SAFETY: setrlimit is async-signal-safe; the closure touches no shared state.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: CPU_GUARD_SECONDS,
                rlim_max: CPU_GUARD_SECONDS + 5,
            };
            if libc::setrlimit(libc::RLIMIT_CPU, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .expect("GNU time (/usr/bin/time, Debian package time) is installed by scripts/test.sh");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = out.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = err.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let group = child.id() as libc::pid_t;
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let wall = std::time::Duration::from_secs(WALL_GUARD_SECONDS);
        if finished.recv_timeout(wall).is_err() {
            // SAFETY: a plain kill(2) of the process group the child leads.
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
    });
    let status = child.wait().unwrap();
    let _ = done.send(());
    let _ = watchdog.join();
    let report = std::fs::read_to_string(&measured).unwrap_or_default();
    let _ = std::fs::remove_file(&measured);
    // "Command terminated by signal N" or "Command exited with non-zero status N" may
    // come first; the last line holds the figures.
    let signal = report
        .lines()
        .find_map(|l| l.strip_prefix("Command terminated by signal "))
        .and_then(|n| n.trim().parse().ok());
    let figures: Vec<f64> = report
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    // GNU time itself killed by the wall-clock guard writes nothing.
    let [kib, user, system] = figures[..] else {
        assert!(
            status.signal().is_some(),
            "GNU time wrote no figures ({status}): {report:?}"
        );
        return Limited {
            code: None,
            signal: status.signal(),
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
            peak_rss_mib: 0,
            cpu_seconds: 0.0,
        };
    };
    Limited {
        code: if signal.is_some() {
            None
        } else {
            status.code()
        },
        signal: signal.or_else(|| status.signal()),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        peak_rss_mib: kib as u64 / 1024,
        cpu_seconds: user + system,
    }
}

/// A zip of `entries` (name, bytes), each stored or deflated, built in memory.
pub fn zip_of<N: AsRef<str>, B: AsRef<[u8]>>(entries: &[(N, B)], deflate: bool) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    for (name, bytes) in entries {
        let bytes = bytes.as_ref();
        zip.start_file(
            name.as_ref(),
            SimpleFileOptions::default()
                .compression_method(method)
                .large_file(bytes.len() >= u32::MAX as usize),
        )
        .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    buffer.into_inner()
}

/// Every entry of a zip, in order, as (name, inflated bytes).
pub fn zip_entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().to_string(), bytes)
        })
        .collect()
}

/// The stdout of a shell pipeline run in the repository (unzip, openssl, coreutils: the
/// independent tools), trimmed; it must succeed.
pub fn shell(script: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{script}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `../shared/corpus-sdk` beside the checkout (real vendor SDK binaries in small apps,
/// with EXPECTED-sdk.json), or `APPFILING_CORPUS_SDK`; `None` (with a visible message)
/// when absent.
pub fn corpus_sdk_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("APPFILING_CORPUS_SDK")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus-sdk"));
    if dir.join("EXPECTED-sdk.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: SDK corpus not found at {} (set APPFILING_CORPUS_SDK)",
            dir.display()
        );
        println!("SKIPPED: SDK corpus not found at {}", dir.display());
        None
    }
}

/// The real shipped apps that scripts/fetch-real-apps.sh caches outside the checkout:
/// `APPFILING_REAL_APPS`, else `~/.cache/appfiling/real-apps`; `None` (with a visible
/// message) when absent.
pub fn real_apps_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("APPFILING_REAL_APPS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/appfiling/real-apps"))
        });
    match dir {
        Some(dir) if dir.is_dir() => Some(dir),
        _ => {
            let shown = dir.map_or("~/.cache/appfiling/real-apps".into(), |d| {
                d.display().to_string()
            });
            eprintln!(
                "SKIPPED: real apps not found at {shown} (run scripts/fetch-real-apps.sh, or set APPFILING_REAL_APPS)"
            );
            println!("SKIPPED: real apps not found at {shown}");
            None
        }
    }
}

/// Issue 15's detection targets, held on every corpus that measures detection.
pub const SDK_RECALL_FLOOR: f64 = 0.9;
pub const SDK_PRECISION_FLOOR: f64 = 0.95;
pub const OWN_DOMAIN_PRECISION_FLOOR: f64 = 0.9;

/// Fails below issue 15's SDK targets.
pub fn assert_sdk_targets(recall: f64, precision: f64) {
    assert!(
        recall >= SDK_RECALL_FLOOR,
        "SDK recall {recall:.2} < {SDK_RECALL_FLOOR}"
    );
    assert!(
        precision >= SDK_PRECISION_FLOOR,
        "SDK precision {precision:.2} < {SDK_PRECISION_FLOOR}"
    );
}

/// `part` of `whole`; 1.0 of nothing (nothing to find, nothing missed).
pub fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The strings of a JSON array (none when it is not one).
pub fn json_strings(value: &serde_json::Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default()
}
