//! The sheet as text (label: value, one per line, values never wrapped),
//! Markdown, CSV (UTF-8 with a BOM, for Excel), JSON (docs/json.md), XLSX and
//! HTML. Every format says first when the sheet is a draft, and lists the
//! 使用外部SDK rows after APP基础信息, as the forms do.

mod html;
mod xlsx;

use super::{Field, Issue, SdkUse, Sheet};
use crate::detect::domains::DetectedDomain;
use crate::render::{escape_controls, outln};
use std::fmt::Write;

/// The sheet's formats; also the command line's `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    Text,
    Markdown,
    Csv,
    Json,
    Xlsx,
    Html,
}

impl Format {
    /// Whether the output is text that may go to a terminal.
    pub fn is_text(self) -> bool {
        self != Format::Xlsx
    }
}

/// Why a sheet could not be written out.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("cannot write the workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
}

pub fn render(sheet: &Sheet, format: Format) -> Result<Vec<u8>, RenderError> {
    Ok(match format {
        Format::Text => text(sheet).into_bytes(),
        Format::Markdown => markdown(sheet).into_bytes(),
        Format::Csv => csv(sheet).into_bytes(),
        Format::Json => (serde_json::to_string_pretty(sheet)? + "\n").into_bytes(),
        Format::Xlsx => xlsx::workbook(sheet)?,
        Format::Html => html::page(sheet).into_bytes(),
    })
}

/// What a draft says before anything else, in every format.
const DRAFT_NOTICE: &str = "草稿 DRAFT: 不可用于备案, not for filing. Values not valid for filing were accepted as warnings (--draft); file only a sheet made without --draft.";

/// The section of the basic fields, and of the 使用外部SDK rows.
const BASIC: &str = "APP基础信息";
const SDK_SECTION: &str = "使用外部SDK";
const SUGGESTIONS: &str = "域名建议";

/// Shown (never copied) in place of a required value the sheet lacks, and of an empty optional one.
const MISSING_VALUE: &str = "（未填写）";
const EMPTY_VALUE: &str = "—";

/// A value the sheet lacks where the form requires one (the sheet's errors say why).
fn is_missing(field: &Field) -> bool {
    field.required && field.value.trim().is_empty()
}

/// What an empty value is shown as: missing, or merely empty.
fn empty_marker(field: &Field) -> &'static str {
    if is_missing(field) {
        MISSING_VALUE
    } else {
        EMPTY_VALUE
    }
}

/// The columns of a 使用外部SDK row.
const SDK_HEADERS: [&str; 5] = [
    "功能类型",
    "服务厂商",
    "SDK",
    "依据 Evidence",
    "状态 Status",
];

fn sdk_status(row: &SdkUse) -> &'static str {
    if row.confirmed {
        "已确认 confirmed"
    } else {
        "待确认 to confirm"
    }
}

fn sdk_cells(row: &SdkUse) -> [String; 5] {
    [
        row.function.clone(),
        row.vendor.clone(),
        row.sdks.join("、"),
        row.evidence.join(", "),
        sdk_status(row).to_string(),
    ]
}

/// The columns of the problems.
const PROBLEM_HEADERS: [&str; 3] = ["级别 Severity", "字段 Field", "说明 Message"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Severity {
    Error,
    Warning,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    /// In the portals' language and in English.
    fn words(self) -> &'static str {
        match self {
            Severity::Error => "错误 error",
            Severity::Warning => "警告 warning",
        }
    }
}

/// Every problem with its severity, errors first.
fn problems(sheet: &Sheet) -> impl Iterator<Item = (Severity, &Issue)> {
    let errors = sheet.errors.iter().map(|i| (Severity::Error, i));
    errors.chain(sheet.warnings.iter().map(|i| (Severity::Warning, i)))
}

/// The APP特征信息 blocks: one per package of each platform, with its fields.
/// Each package's section: its name (saying when its values are not valid for filing),
/// its fields, and the reasons they must not be filed.
fn package_sections(sheet: &Sheet) -> Vec<(String, &[Field], &[String])> {
    let mut out = Vec::new();
    for platform in &sheet.platforms {
        for (i, package) in platform.packages.iter().enumerate() {
            let mut section = if platform.packages.len() > 1 {
                format!("APP特征信息 {} #{}", platform.label, i + 1)
            } else {
                format!("APP特征信息 {}", platform.label)
            };
            if !package.not_valid.is_empty() {
                section += &format!(" {NOT_VALID_MARK}");
            }
            out.push((
                section,
                package.fields.as_slice(),
                package.not_valid.as_slice(),
            ));
        }
    }
    out
}

/// Said beside the values of a package that must not be filed.
const NOT_VALID_MARK: &str = "✘ 不可备案 not valid for filing";

/// Every (section, fields) in order: the basic block, then each package of each platform.
fn sections(sheet: &Sheet) -> Vec<(String, &[Field])> {
    let mut out = vec![(BASIC.to_string(), sheet.basic.as_slice())];
    out.extend(
        package_sections(sheet)
            .into_iter()
            .map(|(name, fields, _)| (name, fields)),
    );
    out
}

fn text(sheet: &Sheet) -> String {
    let mut out = String::new();
    if sheet.draft {
        outln!(&mut out, "{DRAFT_NOTICE}");
        out.push('\n');
    }
    outln!(&mut out, "# {} APP备案", sheet.provider_name);
    for (i, (name, fields)) in sections(sheet).into_iter().enumerate() {
        out.push('\n');
        outln!(&mut out, "【{name}】");
        for field in fields {
            outln!(&mut out, "{}: {}", field.label, field.value);
        }
        if i == 0 && !sheet.sdks.is_empty() {
            out.push('\n');
            outln!(&mut out, "【{SDK_SECTION}】{}", SDK_HEADERS.join(" | "));
            for row in &sheet.sdks {
                outln!(&mut out, "{}", sdk_cells(row).join(" | "));
            }
        }
    }
    for platform in &sheet.platforms {
        out.push('\n');
        outln!(&mut out, "【域名 {}】", platform.label);
        for domain in &platform.domains {
            outln!(&mut out, "{domain}");
        }
    }
    if !sheet.suggested_domains.is_empty() {
        out.push('\n');
        outln!(&mut out, "【{SUGGESTIONS}】detected in the packages; filed only once listed in filing.toml or with --accept-detected-domains");
        for d in &sheet.suggested_domains {
            outln!(&mut out, "{}", suggestion(d));
        }
    }
    for (severity, i) in problems(sheet) {
        outln!(
            &mut out,
            "{}: {}: {}",
            severity.as_str(),
            i.field,
            i.message
        );
    }
    out
}

/// One suggested domain with its evidence.
fn suggestion(d: &DetectedDomain) -> String {
    // Whose the host is comes first: only the app's own are offered for filing.
    let whose = d.whose();
    let evidence = match d.evidence.is_empty() {
        true => String::new(),
        false => format!(", in {}", d.evidence.join(", ")),
    };
    format!(
        "{} ({whose}; {}, {}, seen {}× in {}{evidence})",
        d.host,
        d.registrable_domain,
        crate::domain_name::level_name(d.level),
        d.count,
        d.sources.join("/")
    )
}

/// Package content as inline Markdown text: shown, never interpreted. Controls
/// are escaped visibly (a newline would end the table row), the characters of
/// code, links, images, table cells and `*`/`~` emphasis get a backslash, and
/// `<`, `>` and `&` become entities so no HTML, autolink or entity gets through.
/// `_` stays: it cannot emphasise inside a word (`ic_launcher.png`, package ids).
fn markdown_cell(value: &str) -> String {
    let value = escape_controls(value);
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '~' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// One Markdown table row of escaped cells.
fn markdown_row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    let cells: Vec<String> = cells.iter().map(|c| markdown_cell(c.as_ref())).collect();
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn markdown_header(out: &mut String, headers: &[&str]) {
    markdown_row(out, headers);
    let _ = writeln!(out, "|{}", "---|".repeat(headers.len()));
}

fn markdown(sheet: &Sheet) -> String {
    let mut out = String::new();
    let draft = if sheet.draft {
        "【草稿 DRAFT】"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "# {draft}{} APP备案",
        markdown_cell(&sheet.provider_name)
    );
    if sheet.draft {
        let _ = writeln!(out, "\n> **{}**", markdown_cell(DRAFT_NOTICE));
    }
    for (i, (name, fields)) in sections(sheet).into_iter().enumerate() {
        let _ = writeln!(out, "\n## {}\n", markdown_cell(&name));
        markdown_header(&mut out, &["字段", "值"]);
        for field in fields {
            let value = match field.value.is_empty() {
                true => empty_marker(field),
                false => &field.value,
            };
            markdown_row(&mut out, &[&field.label, value]);
        }
        if i == 0 && !sheet.sdks.is_empty() {
            let _ = writeln!(out, "\n## {SDK_SECTION}\n");
            markdown_header(&mut out, &SDK_HEADERS);
            for row in &sheet.sdks {
                let cells = sdk_cells(row).map(|c| match c.is_empty() {
                    true => EMPTY_VALUE.to_string(),
                    false => c,
                });
                markdown_row(&mut out, &cells);
            }
        }
    }
    for platform in &sheet.platforms {
        let _ = writeln!(out, "\n## 域名 {}\n", markdown_cell(&platform.label));
        for domain in &platform.domains {
            let _ = writeln!(out, "- {}", markdown_cell(domain));
        }
    }
    if !sheet.suggested_domains.is_empty() {
        let _ = writeln!(
            out,
            "\n## {SUGGESTIONS} (detected; not filed until confirmed)\n"
        );
        for d in &sheet.suggested_domains {
            let _ = writeln!(out, "- {}", markdown_cell(&suggestion(d)));
        }
    }
    if !sheet.errors.is_empty() || !sheet.warnings.is_empty() {
        let _ = writeln!(out, "\n## 问题 Problems\n");
        markdown_header(&mut out, &PROBLEM_HEADERS);
        for (severity, i) in problems(sheet) {
            markdown_row(&mut out, &[severity.words(), &i.field, &i.message]);
        }
    }
    out
}

/// One CSV field. Controls, line breaks included, are escaped visibly: a value to
/// paste is one line, one record is one line, and the CSV may go to a terminal;
/// a leading `=`, `+`, `-`, `@`, tab or CR would make a spreadsheet evaluate
/// a formula, so such a cell starts with `'` (OWASP's CSV injection advice);
/// a field with a comma or quote is quoted.
fn csv_cell(value: &str) -> String {
    let escaped = escape_controls(value).into_owned();
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{escaped}")
    } else {
        escaped
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Three columns throughout (section, field, value): the values, the SDK rows, the
/// domains, the suggestions, then the problems.
fn csv(sheet: &Sheet) -> String {
    let mut out = String::from("\u{feff}section,field,value\r\n");
    let mut record = |section: &str, field: &str, value: &str| {
        let _ = write!(
            out,
            "{},{},{}\r\n",
            csv_cell(section),
            csv_cell(field),
            csv_cell(value)
        );
    };
    if sheet.draft {
        record("草稿 DRAFT", "status", DRAFT_NOTICE);
    }
    for (i, (section, fields)) in sections(sheet).into_iter().enumerate() {
        for field in fields {
            record(&section, &field.label, &field.value);
        }
        if i == 0 {
            for (n, row) in sheet.sdks.iter().enumerate() {
                let section = format!("{SDK_SECTION} #{}", n + 1);
                for (header, cell) in SDK_HEADERS.iter().zip(sdk_cells(row)) {
                    record(&section, header, &cell);
                }
            }
        }
    }
    for platform in &sheet.platforms {
        let section = format!("APP特征信息 {}", platform.label);
        for domain in &platform.domains {
            record(&section, "域名", domain);
        }
    }
    for d in &sheet.suggested_domains {
        record(SUGGESTIONS, &d.host, &suggestion(d));
    }
    for (severity, i) in problems(sheet) {
        record(severity.words(), &i.field, &i.message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_markdown_escape_what_they_must() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(markdown_cell("a|b\nc"), "a\\|b\\\\nc");
        // Controls, a line break included, are escaped.
        assert_eq!(csv_cell("a, \"b\"\nc\u{1b}"), "\"a, \"\"b\"\"\\nc\\u{1b}\"");
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (value, cell) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\\t=1"),
            ("\r=1", "'\\r=1"),
            ("a=1", "a=1"),
        ] {
            assert_eq!(csv_cell(value), cell, "{value:?}");
        }
    }

    #[test]
    fn markdown_shows_links_images_and_html_as_text() {
        assert_eq!(
            markdown_cell("[x](http://e) ![i](http://e/i.png) <script>&amp; `c` *b* ic_launcher ~s~ \\"),
            "\\[x\\](http://e) !\\[i\\](http://e/i.png) &lt;script&gt;&amp;amp; \\`c\\` \\*b\\* ic_launcher \\~s\\~ \\\\"
        );
    }
}
