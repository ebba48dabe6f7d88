//! The command line: exit codes, JSON contract, errors that name the file.

mod common;

use common::appfiling as run;
use serde_json::Value;

const PACKAGE_FIELDS: &[&str] = &[
    "path",
    "platform",
    "format",
    "package_name",
    "app_name",
    "app_names",
    "version_name",
    "version_code",
    "min_sdk",
    "target_sdk",
    "schemes",
    "signers",
    "lineage",
    "filing",
    "warnings",
];
const KEY_FIELDS: &[&str] = &[
    "algorithm",
    "bits",
    "modulus_decimal",
    "modulus_hex",
    "exponent",
    "curve",
    "ec_point_hex",
    "spki_base64",
    "spki_sha256",
];
const CERT_FIELDS: &[&str] = &[
    "subject",
    "issuer",
    "serial",
    "not_before",
    "not_after",
    "md5",
    "sha1",
    "sha256",
];

#[test]
fn json_has_every_contract_field_with_nulls_not_gaps() {
    let out = run(&[
        "inspect",
        "--format",
        "json",
        "samples/sample-v2-ec.apk",
        "samples/sample-v1v2v3-rsa.apk",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["errors"], Value::Array(vec![]));
    let packages = json["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 2);
    for p in packages {
        for field in PACKAGE_FIELDS {
            assert!(p.get(field).is_some(), "package field {field} missing");
        }
        for signer in p["signers"].as_array().unwrap() {
            assert!(signer["scheme"].is_string());
            for field in CERT_FIELDS {
                assert!(
                    signer["certificate"][field].is_string(),
                    "certificate field {field}"
                );
            }
            for field in KEY_FIELDS {
                assert!(
                    signer["public_key"].get(field).is_some(),
                    "public_key field {field} missing"
                );
            }
        }
        for field in [
            "platform",
            "package_name",
            "public_key",
            "signature_md5_field",
            "signer_sha256",
        ] {
            assert!(
                p["filing"].get(field).is_some(),
                "filing field {field} missing"
            );
        }
    }
    let ec = &packages[0]["signers"][0]["public_key"];
    assert_eq!(ec["algorithm"], "EC");
    assert!(ec["modulus_decimal"].is_null() && ec["exponent"].is_null());
    let rsa = &packages[1]["signers"][0];
    assert_eq!(rsa["public_key"]["exponent"], 65537);
    assert!(rsa["public_key"]["curve"].is_null());
    let md5 = rsa["certificate"]["md5"].as_str().unwrap();
    assert_eq!(
        rsa["certificate"]["md5_colon"]
            .as_str()
            .unwrap()
            .replace(':', ""),
        md5
    );
    assert_eq!(
        packages[1]["schemes"],
        serde_json::json!(["v1", "v2", "v3"])
    );
    assert_eq!(packages[1]["app_names"]["zh-CN"], "示例笔记");
}

#[test]
fn unreadable_input_exits_3_and_the_rest_is_still_reported() {
    let garbage = common::temp_file("cli", "not-a-package.apk", b"this is not a zip file at all");
    let out = run(&[
        "inspect",
        "--format",
        "json",
        garbage.to_str().unwrap(),
        "samples/sample-v1-only.apk",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["packages"].as_array().unwrap().len(), 1);
    let error = &json["errors"][0];
    assert_eq!(error["code"], "not_a_package");
    assert_eq!(error["path"], garbage.to_str().unwrap());
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("not-a-package.apk"));

    let missing = run(&["inspect", "no/such/file.apk"]);
    assert_eq!(missing.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("no/such/file.apk") && stderr.contains("cannot read"),
        "{stderr}"
    );
}

#[test]
fn a_zip_that_is_not_an_apk_is_named_as_such() {
    // An empty zip: just the end-of-central-directory record.
    let mut eocd = vec![0x50, 0x4b, 0x05, 0x06];
    eocd.extend_from_slice(&[0; 18]);
    let zip = common::temp_file("cli", "empty.zip", &eocd);
    let out = run(&["inspect", zip.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("empty.zip") && stderr.contains("no AndroidManifest.xml"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["inspect"]).status.code(), Some(2));
    assert_eq!(
        run(&["inspect", "--format", "yaml", "x.apk"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn text_output_puts_the_values_to_paste_first() {
    let out = run(&["inspect", "samples/sample-v1v2v3-rsa.apk"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let json: Value = serde_json::from_slice(
        &run(&[
            "inspect",
            "--format",
            "json",
            "samples/sample-v1v2v3-rsa.apk",
        ])
        .stdout,
    )
    .unwrap();
    let filing = &json["packages"][0]["filing"];
    let line = |label: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap()
            .to_string()
    };
    assert!(line("包名").ends_with(filing["package_name"].as_str().unwrap()));
    assert!(line("公钥").ends_with(filing["public_key"].as_str().unwrap()));
    assert!(line("签名MD5值").ends_with(filing["signature_md5_field"].as_str().unwrap()));
    assert!(text.find("签名MD5值").unwrap() < text.find("signer v1").unwrap());
}

#[test]
fn detect_text_shows_each_sdk_with_its_evidence_and_the_json_agrees() {
    let path = "samples/harmony/sample.hap";
    let out = run(&["inspect", "--detect", path]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let json: Value =
        serde_json::from_slice(&run(&["inspect", "--detect", "--format", "json", path]).stdout)
            .unwrap();
    let detection = &json["packages"][0]["detection"];
    let section = &text[text
        .find("detected (suggestions")
        .expect("a detection section")..];
    assert!(section.contains("使用外部SDK  是"));
    let sdks = detection["sdks"].as_array().unwrap();
    assert_eq!(sdks.len(), 3);
    for sdk in sdks {
        let evidence: Vec<&str> = sdk["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        let line = format!(
            "{} / {} [{}] ({}): {}",
            sdk["name_zh"].as_str().unwrap(),
            sdk["name_en"].as_str().unwrap(),
            sdk["category"].as_str().unwrap(),
            sdk["vendor"].as_str().unwrap(),
            evidence.join(", ")
        );
        assert!(section.contains(&line), "{line} not in {section}");
    }
    assert!(section.contains(
        "harmony.appfiling.dev (the app's own; level 3, appfiling.dev, seen 1x in resources)"
    ));
    assert!(section.contains("服务语言     中文简体 (zh-CN)"));
    // Without --detect there is no section and no detection field.
    let plain = String::from_utf8(run(&["inspect", path]).stdout).unwrap();
    assert!(!plain.contains("detected (suggestions"));
}

/// A folder of packages that each fail when read (exit 3): a run that reports none of them
/// and exits 2 did not read them.
fn unreadable_packages(suite: &str, count: usize) -> (std::path::PathBuf, Vec<String>) {
    let files: Vec<String> = (0..count)
        .map(|i| {
            let path = common::temp_file(
                suite,
                &format!("broken-{i:03}.apk"),
                b"PK\x03\x04 the first bytes of a zip, then nothing",
            );
            path.to_str().unwrap().to_string()
        })
        .collect();
    let dir = std::path::Path::new(&files[0])
        .parent()
        .unwrap()
        .to_path_buf();
    (dir, files)
}

/// The usage error alone: exit 2, nothing on stdout, and stderr names none of the inputs.
fn assert_refused_unread(args: &[&str], why: &str) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    assert!(
        !stderr.contains("broken-"),
        "{args:?} read the inputs: {stderr}"
    );
    assert!(stderr.contains(why), "{args:?}: {stderr}");
}

#[test]
fn inspect_and_check_find_usage_errors_before_reading_any_package() {
    let (dir, _) = unreadable_packages("cli-usage-inspect", 20);
    let dir = dir.to_str().unwrap();
    let password_file = common::temp_file("cli-usage-options", "password.txt", b"secret\n");
    let password_file = password_file.to_str().unwrap();
    let not_json = common::temp_file("cli-usage-options", "filing.json", b"[[not json");
    let not_json = not_json.to_str().unwrap();
    // Read, they stream an error line each (jsonl) and exit 3.
    let read = run(&["inspect", "--format", "jsonl", dir]);
    assert_eq!(read.status.code(), Some(3));
    assert_eq!(read.stdout.iter().filter(|&&b| b == b'\n').count(), 20);

    let inspect = |options: &[&str], why: &str| {
        let args = [&["inspect", "--format", "jsonl"], options, &[dir]].concat();
        assert_refused_unread(&args, why);
    };
    inspect(
        &["--password", "x", "--password-file", password_file],
        "give only one of",
    );
    inspect(
        &["--password-env", "APPFILING_TEST_SURELY_UNSET"],
        "APPFILING_TEST_SURELY_UNSET is not set",
    );
    inspect(
        &["--password-file", "no/such/password.txt"],
        "--password-file: cannot read",
    );

    let check = |options: &[&str], why: &str| {
        let args = [&["check", "--format", "jsonl"], options, &[dir]].concat();
        assert_refused_unread(&args, why);
    };
    check(
        &["--against", "no/such/filing.json"],
        "--against: cannot read",
    );
    check(&["--against", not_json], "not JSON");
    check(
        &["--against", not_json, "--expect-md5", "00"],
        "cannot be used with",
    );
    check(&[], "required");
    check(
        &[
            "--expect-md5",
            "7968DB9B00295F591264B807E65BE754",
            "--password-env",
            "APPFILING_TEST_SURELY_UNSET",
        ],
        "is not set",
    );
}

#[test]
fn sheet_usage_errors_win_over_unreadable_packages() {
    // Among readable and unreadable packages, every usage error is exit 2 with nothing on
    // stdout and no package named on stderr (main.rs checks them before `inspect_all`).
    let packages = ["samples/sample-v1v2v3-rsa.apk"; 3];
    let (dir, broken) = unreadable_packages("cli-usage-sheet", 20);
    let inputs: Vec<&str> = packages
        .iter()
        .copied()
        .chain(broken.iter().map(String::as_str))
        .collect();
    let existing = common::temp_file("cli-usage-options", "existing.txt", b"filed");
    let existing = existing.to_str().unwrap();
    let icon = dir.join("icon.png");
    let icon = icon.to_str().unwrap();
    let bad_config = common::temp_file("cli-usage-options", "filing.toml", b"[app\n");
    let bad_config = bad_config.to_str().unwrap();

    let read = run(&[&["sheet"], inputs.as_slice()].concat());
    assert_eq!(read.status.code(), Some(3));

    let cases: &[(&[&str], &str)] = &[
        (&["--format", "xlsx"], "give it with -o FILE"),
        (&["-o", icon, "--icon", icon], "name the same file"),
        (&["-o", existing], "exists: pass --force"),
        (&["--icon", existing], "exists: pass --force"),
        (
            &["-o", "no/such/folder/sheet.txt"],
            "no folder no/such/folder",
        ),
        (
            &["--provider", "nope"],
            "invalid value 'nope' for '--provider",
        ),
        (
            &["--provider", "tencnet"],
            "a similar value exists: 'tencent'",
        ),
        (
            &["--config", "no/such/filing.toml"],
            "--config: cannot read",
        ),
        (&["--config", bad_config], "filing.toml"),
    ];
    for (options, why) in cases {
        let args = [&["sheet"], *options, inputs.as_slice()].concat();
        assert_refused_unread(&args, why);
    }
}

/// `appfiling … | head -1`: the reader goes away, appfiling ends quietly with exit 0 (as
/// ripgrep does), whether it streams (jsonl) or writes at the end (text, json).
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    use std::process::{Command, Stdio};
    // Each prints well over a pipe's 64 KiB: the writes cannot all land in its buffer.
    for args in [
        &["inspect", "--format", "jsonl", "samples"][..],
        &["inspect", "samples"],
        &["inspect", "--format", "json", "samples"],
        &[
            "check",
            "--expect-package",
            "x",
            "--format",
            "jsonl",
            "samples",
        ],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close: what `head -c 1` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 1];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            !stderr.to_lowercase().contains("broken pipe"),
            "{args:?}: {stderr}"
        );
        // Not 3, though samples/ holds .p12 files that need a password: the run ended
        // before it got to them.
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// `-` is standard input: named <stdin>, read like a file, refused twice or unreadable.
#[test]
fn a_dash_reads_standard_input() {
    use std::process::{Command, Stdio};
    let with_stdin = |args: &[&str], input: &str| {
        Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::from(std::fs::File::open(input).unwrap()))
            .output()
            .unwrap()
    };
    let out = with_stdin(
        &["inspect", "--format", "json", "-"],
        "samples/sample-debug.apk",
    );
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let from_file: Value = serde_json::from_slice(
        &run(&["inspect", "--format", "json", "samples/sample-debug.apk"]).stdout,
    )
    .unwrap();
    let package = &json["packages"][0];
    assert_eq!(package["path"], "<stdin>");
    assert_eq!(package["filing"], from_file["packages"][0]["filing"]);
    // A lone `-` is one input: no summary line.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Beside files: read first, counted in the summary.
    let out = with_stdin(
        &[
            "inspect",
            "--format",
            "jsonl",
            "--sort",
            "samples/sample-v2-ec.apk",
            "-",
        ],
        "samples/sample-debug.apk",
    );
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<Value> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["path"], "<stdin>");
    assert_eq!(lines[1]["path"], "samples/sample-v2-ec.apk");
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 packages"));

    let out = with_stdin(
        &[
            "check",
            "--expect-md5",
            "7968DB9B00295F591264B807E65BE754",
            "-",
        ],
        "samples/sample-v1v2v3-rsa.apk",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<stdin>: matches the filing"));

    let out = with_stdin(&["inspect", "-"], "README.md");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("appfiling: <stdin>: not a package"),
        "{stderr}"
    );

    // sheet and init read it too.
    let out = with_stdin(
        &["sheet", "--format", "json", "-"],
        "samples/sample-v2-ec.apk",
    );
    let sheet: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(sheet.to_string().contains("<stdin>"), "{sheet}");
    assert!(
        sheet.to_string().contains("dev.appfiling.sample"),
        "{sheet}"
    );
    let out = with_stdin(&["init", "-"], "samples/sample-v2-ec.apk");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("from: <stdin>"));

    let out = with_stdin(&["inspect", "-", "-"], "samples/sample-debug.apk");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only once"));
    assert!(out.stdout.is_empty());
    let out = with_stdin(&["sheet", "-", "-"], "samples/sample-debug.apk");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn completions_and_the_manual_page() {
    for (shell, marker) in [
        ("bash", "complete -F _appfiling"),
        ("zsh", "#compdef appfiling"),
        ("fish", "complete -c appfiling"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("pubkey-format"), "{shell}");
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));

    let page = String::from_utf8(run(&["man"]).stdout).unwrap();
    assert!(page.contains(".TH appfiling 1"), "{page}");
    // Each command's page is named for `appfiling man COMMAND` to print.
    assert!(page.contains("appfiling\\-inspect(1)"), "{page}");
    let out = run(&["man", "check"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH appfiling-check 1"), "{page}");
    assert!(page.contains("\\-\\-expect\\-md5"), "{page}");
    let out = run(&["man", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no command \"frobnicate\""));
}

/// On a terminal, the progress bar is set aside for each error line: no line starts on
/// the bar's. Run under `script`, which gives the command a terminal.
#[test]
fn error_lines_do_not_overwrite_the_progress_bar() {
    let command = format!(
        "{} inspect --jobs 1 --format jsonl samples > /dev/null",
        env!("CARGO_BIN_EXE_appfiling")
    );
    let Ok(out) = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
    else {
        eprintln!("SKIPPED: `script` (util-linux) is not installed");
        return;
    };
    let terminal = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = terminal
        .split(['\r', '\n'])
        .filter(|l| l.contains("appfiling: "))
        .collect();
    // samples/ holds .p12 files that need a password: one error line each, and the summary.
    assert!(lines.len() >= 2, "{terminal:?}");
    for line in lines {
        let before = &line[..line.find("appfiling: ").unwrap()];
        assert!(
            before.trim_start_matches("\u{1b}[2K").is_empty(),
            "an error line written over the bar: {line:?}"
        );
    }
}
