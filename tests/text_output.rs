//! The text output of `inspect`, `verify` and `check`: the status line under the values to
//! file, warnings by severity before the details, colour, and labels aligned by display width.

mod common;

use std::process::{Command, Stdio};
use unicode_width::UnicodeWidthStr;

/// appfiling's standard output (exit 0 asserted), with NO_COLOR as given.
fn text(args: &[&str], no_color: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_appfiling"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR");
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    let out = command.stderr(Stdio::inherit()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The line after the one starting (indentation aside) with `label`.
fn line_after<'t>(text: &'t str, label: &str) -> &'t str {
    let mut lines = text.lines();
    lines
        .by_ref()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label} line in {text}"));
    lines.next().unwrap()
}

#[test]
fn a_debug_build_says_under_its_values_that_it_is_not_valid_for_filing() {
    let out = text(&["inspect", "samples/sample-debug.apk"], None);
    assert_eq!(
        line_after(&out, "签名MD5值"),
        "  ✘ not valid for filing: debug certificate (CN=Android Debug)"
    );
    assert_eq!(out.matches("not valid for filing:").count(), 1, "{out}");
}

#[test]
fn a_release_build_says_it_is_ready_to_file() {
    let out = text(
        &["inspect", "--verify", "samples/sample-v1v2v3-rsa.apk"],
        None,
    );
    assert_eq!(line_after(&out, "签名MD5值"), "  ✔ ready to file");
    assert!(!out.contains('✘'), "{out}");
    // A signature not checked is not called sound.
    let out = text(&["inspect", "samples/sample-v1v2v3-rsa.apk"], None);
    assert_eq!(
        line_after(&out, "签名MD5值"),
        "  ✔ ready to file; signature not checked (inspect --verify, or appfiling verify)"
    );
    // A warning to review is pointed to, the build is still ready.
    let out = text(&["inspect", "--verify", "samples/sample-v2-ec.apk"], None);
    assert_eq!(
        line_after(&out, "签名MD5值"),
        "  ✔ ready to file; review the warning below"
    );
}

#[test]
fn a_failed_verification_is_not_valid_for_filing() {
    // One byte of a stored icon changed: covered by the v2 signature.
    let original = std::fs::read(common::sample_path("sample-v2-ec.apk")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&original)).unwrap();
    let start = zip
        .by_name("res/mipmap-mdpi-v4/ic_launcher.png")
        .unwrap()
        .data_start()
        .unwrap() as usize;
    let mut bytes = original.clone();
    bytes[start + 1] ^= 0x01;
    let tampered = common::temp_file("text-output", "tampered.apk", &bytes);
    let out = Command::new(env!("CARGO_BIN_EXE_appfiling"))
        .args(["inspect", "--verify", tampered.to_str().unwrap()])
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(
        line_after(&out, "签名MD5值")
            .contains("✘ not valid for filing: the signature does not verify"),
        "{out}"
    );
}

#[test]
fn warnings_come_by_severity_before_the_certificate_details() {
    let out = text(&["inspect", "samples/sample-debug.apk"], None);
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("{needle} not in {out}"))
    };
    let not_valid =
        at("\n  not valid [debug_certificate] the v1 signer is the Android debug certificate");
    let review = at("\n  review    [debuggable] android:debuggable is true");
    assert!(at("✘ not valid for filing") < not_valid);
    assert!(not_valid < review, "{out}");
    assert!(review < at("\n  app\n"), "{out}");
    assert!(review < at("modulus"), "{out}");
    // In the JSON the debuggable warning comes first: the text sorts.
    let json = text(
        &["inspect", "--format", "json", "samples/sample-debug.apk"],
        None,
    );
    assert!(json.find("\"debuggable\"").unwrap() < json.find("\"debug_certificate\"").unwrap());
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    const RED: &str = "\x1b[31m";
    for args in [
        vec!["inspect", "--color", "always", "samples/sample-debug.apk"],
        vec!["--color", "always", "inspect", "samples/sample-debug.apk"],
    ] {
        let out = text(&args, None);
        assert!(
            out.contains("\x1b[31m✘ not valid for filing\x1b[0m: debug certificate"),
            "{out:?}"
        );
        assert!(
            out.contains("\x1b[33mreview   \x1b[0m [debuggable]"),
            "{out:?}"
        );
    }
    // --color always is an explicit request: it wins over NO_COLOR.
    let out = text(
        &["inspect", "--color", "always", "samples/sample-debug.apk"],
        Some("1"),
    );
    assert!(out.contains(RED), "{out:?}");
    let ready = text(
        &[
            "inspect",
            "--color",
            "always",
            "samples/sample-v1v2v3-rsa.apk",
        ],
        None,
    );
    assert!(
        ready.contains("\x1b[32m✔ ready to file\x1b[0m"),
        "{ready:?}"
    );
    // Piped (auto), NO_COLOR, never: no escape at all.
    for (args, no_color) in [
        (vec!["inspect", "samples/sample-debug.apk"], None),
        (
            vec!["inspect", "--color", "auto", "samples/sample-debug.apk"],
            Some("1"),
        ),
        (
            vec!["inspect", "--color", "never", "samples/sample-debug.apk"],
            None,
        ),
        (
            vec!["verify", "--color", "never", "samples/sample-debug.apk"],
            None,
        ),
    ] {
        let out = text(&args, no_color);
        assert!(!out.contains('\x1b'), "{args:?}: {out:?}");
    }
    let verified = text(
        &["verify", "--color", "always", "samples/sample-v2-ec.apk"],
        None,
    );
    assert!(verified.contains("\x1b[32mverified (v2)"), "{verified:?}");
    let checked = text(
        &[
            "check",
            "--color",
            "always",
            "--expect-package",
            "dev.appfiling.sample",
            "samples/sample-v2-ec.apk",
        ],
        None,
    );
    assert!(
        checked.contains("\x1b[32mmatches the filing\x1b[0m"),
        "{checked:?}"
    );
}

#[test]
fn a_bad_color_value_is_a_usage_error() {
    let out = common::appfiling(&[
        "inspect",
        "--color",
        "sometimes",
        "samples/sample-debug.apk",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("possible values: auto, always, never"),
        "{stderr}"
    );
}

/// The terminal column at which the value after `label` starts, on the line of `label`.
fn value_column(text: &str, label: &str) -> usize {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label} line in {text}"));
    let after = &line[line.find(label).unwrap() + label.len()..];
    let value = line.len() - after.trim_start().len();
    line[..value].width()
}

#[test]
fn labels_line_up_by_display_width() {
    // Android (签名MD5值), iOS (签名MD5值 (SHA-1)), HarmonyOS.
    for path in [
        "samples/sample-debug.apk",
        "samples/ios/sample.ipa",
        "samples/harmony/sample.app",
    ] {
        let out = text(&["inspect", path], None);
        let fingerprint = if out.contains("签名MD5值 (SHA-1)") {
            "签名MD5值 (SHA-1)"
        } else {
            "签名MD5值"
        };
        let columns: Vec<usize> = ["平台", "包名", "公钥", fingerprint]
            .iter()
            .map(|label| value_column(&out, label))
            .collect();
        assert!(
            columns.iter().all(|c| *c == columns[0]),
            "{path}: {columns:?}\n{out}"
        );
        assert!(columns[0] > 4 + fingerprint.width(), "{path}: {columns:?}");
    }
    // The detected section: 使用外部SDK, 服务语言 and the ASCII labels beside them.
    let out = text(&["inspect", "--detect", "samples/harmony/sample.hap"], None);
    let section = &out[out.find("detected (suggestions").unwrap()..];
    let columns: Vec<usize> = ["使用外部SDK", "packages", "服务语言"]
        .iter()
        .map(|label| value_column(section, label))
        .collect();
    assert_eq!(columns, vec![17, 17, 17], "{section}");
}

/// Every platform and input kind gets its status line, in the same words.
#[test]
fn other_platforms_and_keystores_say_why_too() {
    let out = text(&["inspect", "samples/harmony/sample-debug.hap"], None);
    assert_eq!(
        line_after(&out, "签名MD5值 (SHA-1)"),
        "  ✘ not valid for filing: debug profile"
    );
    let out = text(&["inspect", "--verify", "samples/ios/sample.ipa"], None);
    assert_eq!(line_after(&out, "签名MD5值 (SHA-1)"), "  ✔ ready to file");
    // No values to show: the line comes right under the path.
    let out = Command::new(env!("CARGO_BIN_EXE_appfiling"))
        .args([
            "inspect",
            "--password-env",
            "KS_PASS",
            "samples/keystores/two-keys.p12",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("KS_PASS", "appfiling")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        line_after(&out, "samples/keystores/two-keys.p12"),
        "  ✘ not valid for filing: several private keys: choose one with --alias"
    );
}

/// On a terminal (given by `script`), auto colours unless NO_COLOR has a value.
#[test]
fn auto_colours_a_terminal_unless_no_color_is_set() {
    let command = format!(
        "{} inspect samples/sample-debug.apk",
        env!("CARGO_BIN_EXE_appfiling")
    );
    let on_terminal = |no_color: Option<&str>| {
        let mut script = Command::new("script");
        script
            .args(["-qec", &command, "/dev/null"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("NO_COLOR");
        if let Some(value) = no_color {
            script.env("NO_COLOR", value);
        }
        script
            .output()
            .ok()
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let Some(unset) = on_terminal(None) else {
        eprintln!("SKIPPED: `script` (util-linux) is not installed");
        return;
    };
    assert!(
        unset.contains("\x1b[31m✘ not valid for filing"),
        "{unset:?}"
    );
    // An empty NO_COLOR is no request (no-color.org).
    assert!(on_terminal(Some("")).unwrap().contains("\x1b[31m"));
    let set = on_terminal(Some("1")).unwrap();
    assert!(
        set.contains("✘ not valid for filing") && !set.contains('\x1b'),
        "{set:?}"
    );
}
