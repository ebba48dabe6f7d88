//! Control characters, spreadsheet formulas and markup from package content in every output format.

use super::common;

/// The app name an attacker chooses: a formula first (CSV), then a newline that
/// would forge a `公钥` line, an OSC 52 clipboard write, SGR 8 hidden text, a
/// right-to-left override, a Markdown link and image, HTML and a table pipe.
const LABEL: &str = "=HYPERLINK(\"http://evil.example\",\"x\")\n    公钥        FORGED\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[8mhidden\u{202e}[x](http://evil.example)![i](http://evil.example/i.png)<script>alert(1)</script>|";

/// A plist string: XML escapes, and control characters as character references.
fn plist_text(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() && c != '\n' => out.push_str(&format!("&#x{:x};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// An unsigned IPA whose Info.plist carries the hostile name, bundle id and executable.
fn evil_ipa() -> Vec<u8> {
    let entries = [
        ("CFBundleIdentifier", "dev.evil\n公钥 FORGED-ID"),
        ("CFBundleDisplayName", LABEL),
        ("CFBundleName", LABEL),
        ("CFBundleShortVersionString", "1.0"),
        ("CFBundleVersion", "1"),
        ("CFBundleExecutable", "Evil\u{1b}[8m"),
    ];
    let body: String = entries
        .iter()
        .map(|(k, v)| format!("<key>{k}</key><string>{}</string>", plist_text(v)))
        .collect();
    let plist = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>{body}</dict></plist>\n"
    );
    common::zip_of(&[("Payload/Evil.app/Info.plist", plist.as_bytes())], true)
}

/// The crafted inputs of this area as (file name, bytes), for the batch test in
/// tests/hostile.rs: each must give a report or an error naming it, within budget.
pub fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    vec![("evil-label.ipa".into(), evil_ipa())]
}

/// Nothing that acts on a terminal or reorders text is left raw.
fn assert_no_raw_controls(what: &str, out: &str) {
    for c in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!out.contains(c), "{what} holds a raw {c:?}:\n{out}");
    }
}

/// No line of the output starts with a `公钥` the package wrote.
fn assert_no_forged_line(what: &str, out: &str) {
    assert!(
        !out.lines()
            .any(|l| l.trim_start().starts_with("公钥") && l.contains("FORGED")),
        "{what} has a forged line:\n{out}"
    );
}

#[test]
fn inspect_text_escapes_package_strings() {
    let path = common::temp_file("output", "evil-label.ipa", &evil_ipa());
    let run = common::appfiling_limited(&["inspect", path.to_str().unwrap()]);
    run.assert_within("inspect of a hostile label", 0, 64);
    let out = &run.stdout;
    assert_no_raw_controls("inspect", out);
    assert_no_forged_line("inspect", out);
    assert!(
        out.contains(
            "\\n    公钥        FORGED\\u{1b}]52;c;ZXZpbA==\\u{7}\\u{1b}[8mhidden\\u{202e}[x]"
        ),
        "{out}"
    );
    assert!(out.contains("dev.evil\\n公钥 FORGED-ID"), "{out}");
    assert!(out.contains("executable   Evil\\u{1b}[8m"), "{out}");
}

#[test]
fn a_hostile_file_name_is_escaped_too() {
    let path = common::temp_file("output", "evil\n公钥 FORGED\u{1b}[8m.ipa", &evil_ipa());
    let run = common::appfiling_limited(&["inspect", path.to_str().unwrap()]);
    run.assert_within("inspect of a hostile file name", 0, 64);
    assert_no_raw_controls("inspect", &run.stdout);
    assert_no_forged_line("inspect", &run.stdout);
    assert!(run.stdout.contains("evil\\n公钥 FORGED\\u{1b}[8m.ipa"));
}

/// The sheet of the hostile IPA in `format`; unsigned, so it is incomplete (exit 1).
fn sheet(format: &str) -> String {
    // Tests run in parallel: each format has files of its own.
    let path = common::temp_file("output", &format!("evil-{format}.ipa"), &evil_ipa());
    let config = common::temp_file(
        "output",
        &format!("filing-{format}.toml"),
        "domains = []\n[app]\nservice_content = \"x\"\nservice_languages = [\"中文简体\"]\nprovides_sdk = false\nuses_sdk = []\npre_approval = \"无\"\n"
            .as_bytes(),
    );
    let run = common::appfiling_limited(&[
        "sheet",
        "--config",
        config.to_str().unwrap(),
        "--format",
        format,
        path.to_str().unwrap(),
    ]);
    run.assert_within(&format!("sheet --format {format}"), 1, 512);
    assert!(run.stdout.contains("FORGED"), "{format}: {}", run.stdout);
    run.stdout
}

#[test]
fn sheet_text_escapes_package_strings() {
    let out = sheet("text");
    assert_no_raw_controls("text sheet", &out);
    assert_no_forged_line("text sheet", &out);
    assert!(
        out.contains("\\n    公钥        FORGED\\u{1b}]52;c;"),
        "{out}"
    );
    // Warnings quoting package content are escaped as well.
    assert!(out.contains("Evil\\u{1b}[8m"), "{out}");
}

#[test]
fn sheet_csv_neutralises_formulas() {
    let out = sheet("csv");
    assert_no_raw_controls("CSV", &out);
    assert!(
        out.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\\n    公钥"),
        "{out}"
    );
    assert!(!out.contains(",=HYPERLINK") && !out.contains(",\"=HYPERLINK"));
    // One record per line: every line but the header is section,field,value.
    for line in out.split("\r\n").skip(1).filter(|l| !l.is_empty()) {
        assert!(!line.contains('\n'), "a record spans lines: {line:?}");
    }
}

#[test]
fn sheet_markdown_shows_markup_as_text() {
    let out = sheet("markdown");
    assert_no_raw_controls("Markdown", &out);
    assert_no_forged_line("Markdown", &out);
    for raw in ["[x](http://evil", "![i](", "<script>", "</script>|"] {
        assert!(!out.contains(raw), "Markdown passes {raw}:\n{out}");
    }
    assert!(
        out.contains("\\[x\\](http://evil.example)!\\[i\\](http://evil.example/i.png)&lt;script&gt;alert(1)&lt;/script&gt;\\| |"),
        "{out}"
    );
}

#[test]
fn sheet_html_escapes_text_and_attributes() {
    let out = sheet("html");
    assert_no_raw_controls("HTML", &out);
    assert!(!out.contains("<script>alert"), "{out}");
    // Shown visibly in the cell, and kept exact (as references) for the copy button.
    assert!(out.contains("<code>=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)\\n    公钥        FORGED\\u{1b}]52;"), "{out}");
    assert!(out.contains("data-value=\"=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)&#xa;    公钥        FORGED&#x1b;]52;c;ZXZpbA==&#x7;&#x1b;[8mhidden&#x202e;[x]"), "{out}");
    assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn sheet_xlsx_holds_strings_not_formulas() {
    use calamine::{Data, Reader, Xlsx};
    let path = common::temp_file("output", "evil-label.ipa", &evil_ipa());
    let config = common::temp_file(
        "output",
        "filing-xlsx.toml",
        b"[app]\nservice_content = \"x\"\n",
    );
    let book = common::temp_file("output", "sheet.xlsx", b"");
    let run = common::appfiling_limited(&[
        "sheet",
        "--config",
        config.to_str().unwrap(),
        "--format",
        "xlsx",
        "--force",
        "-o",
        book.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    run.assert_within("sheet --format xlsx", 1, 512);
    let mut workbook: Xlsx<_> = calamine::open_workbook(&book).unwrap();
    let range = workbook.worksheet_range("APP基础信息").unwrap();
    assert!(range
        .rows()
        .any(|r| r.get(1) == Some(&Data::String(LABEL.to_string()))));
    let formulas = workbook.worksheet_formula("APP基础信息").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}

/// Messages on stderr quote file names and package content: an unreadable file whose
/// name carries escapes, and `init` over the hostile package.
#[test]
fn stderr_and_init_escape_package_text_too() {
    let path = common::temp_file(
        "output",
        "bad\n公钥 FORGED\u{1b}]52;c;AAAA\u{7}.apk",
        b"PK\x03\x04",
    );
    let run = common::appfiling_limited(&["inspect", path.to_str().unwrap()]);
    run.assert_within("inspect of a broken file with a hostile name", 3, 64);
    assert_no_raw_controls("stderr", &run.stderr);
    assert_no_forged_line("stderr", &run.stderr);
    assert!(
        run.stderr
            .contains("bad\\n公钥 FORGED\\u{1b}]52;c;AAAA\\u{7}.apk"),
        "{}",
        run.stderr
    );

    let ipa = common::temp_file("output", "evil-init.ipa", &evil_ipa());
    let run = common::appfiling_limited(&["init", ipa.to_str().unwrap()]);
    run.assert_within("init", 0, 64);
    assert_no_raw_controls("init", &run.stdout);
    let config = common::temp_file("output", "evil-init.toml", run.stdout.as_bytes());
    let run = common::appfiling_limited(&[
        "sheet",
        "--config",
        config.to_str().unwrap(),
        ipa.to_str().unwrap(),
    ]);
    // Incomplete (service content is for the user to write), but read: not a usage error.
    run.assert_within("sheet from init's filing.toml", 1, 512);
}
