//! The sheet as text (label: value, one per line, values never wrapped),
//! Markdown, CSV (UTF-8 with a BOM, for Excel) and JSON.

use super::{Field, Sheet};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Csv,
    Json,
}

pub fn render(sheet: &Sheet, format: Format) -> String {
    match format {
        Format::Text => text(sheet),
        Format::Markdown => markdown(sheet),
        Format::Csv => csv(sheet),
        Format::Json => serde_json::to_string_pretty(sheet).unwrap_or_default() + "\n",
    }
}

/// Every (section, field) in order: the basic block, then each package of each platform.
fn rows(sheet: &Sheet) -> Vec<(String, &Field)> {
    let mut out: Vec<(String, &Field)> = sheet
        .basic
        .iter()
        .map(|f| ("APP基础信息".to_string(), f))
        .collect();
    for platform in &sheet.platforms {
        for (i, package) in platform.packages.iter().enumerate() {
            let section = if platform.packages.len() > 1 {
                format!("APP特征信息 {} #{}", platform.label, i + 1)
            } else {
                format!("APP特征信息 {}", platform.label)
            };
            out.extend(package.fields.iter().map(|f| (section.clone(), f)));
        }
    }
    out
}

fn text(sheet: &Sheet) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} APP备案", sheet.provider_name);
    let mut section = String::new();
    for (name, field) in rows(sheet) {
        if name != section {
            let _ = writeln!(out, "\n【{name}】");
            section = name;
        }
        let _ = writeln!(out, "{}: {}", field.label, field.value);
    }
    for platform in &sheet.platforms {
        let _ = writeln!(out, "\n【域名 {}】", platform.label);
        for domain in &platform.domains {
            let _ = writeln!(out, "{domain}");
        }
    }
    issues_text(&mut out, sheet);
    out
}

fn issues_text(out: &mut String, sheet: &Sheet) {
    for (kind, list) in [("error", &sheet.errors), ("warning", &sheet.warnings)] {
        for i in list {
            let _ = writeln!(out, "{kind}: {}: {}", i.field, i.message);
        }
    }
}

fn markdown_cell(value: &str) -> String {
    value.replace('|', "\\|").replace('\n', " ")
}

fn markdown(sheet: &Sheet) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} APP备案\n", sheet.provider_name);
    let mut section = String::new();
    for (name, field) in rows(sheet) {
        if name != section {
            let _ = writeln!(out, "\n## {name}\n\n| 字段 | 值 |\n|---|---|");
            section = name;
        }
        let _ = writeln!(
            out,
            "| {} | `{}` |",
            markdown_cell(&field.label),
            markdown_cell(&field.value)
        );
    }
    for platform in &sheet.platforms {
        let _ = writeln!(out, "\n## 域名 {}\n", platform.label);
        for domain in &platform.domains {
            let _ = writeln!(out, "- `{domain}`");
        }
    }
    if !sheet.errors.is_empty() || !sheet.warnings.is_empty() {
        let _ = writeln!(out, "\n## Problems\n");
        for (kind, list) in [("**error**", &sheet.errors), ("warning", &sheet.warnings)] {
            for i in list {
                let _ = writeln!(
                    out,
                    "- {kind} {}: {}",
                    markdown_cell(&i.field),
                    markdown_cell(&i.message)
                );
            }
        }
    }
    out
}

fn csv_cell(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

fn csv(sheet: &Sheet) -> String {
    let mut out = String::from("\u{feff}section,field,value\r\n");
    for (section, field) in rows(sheet) {
        let _ = write!(
            out,
            "{},{},{}\r\n",
            csv_cell(&section),
            csv_cell(&field.label),
            csv_cell(&field.value)
        );
    }
    for platform in &sheet.platforms {
        for domain in &platform.domains {
            let _ = write!(
                out,
                "{},域名,{}\r\n",
                csv_cell(&format!("APP特征信息 {}", platform.label)),
                csv_cell(domain)
            );
        }
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
        assert_eq!(markdown_cell("a|b\nc"), "a\\|b c");
    }
}
