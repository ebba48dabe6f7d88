#![no_main]
//! The whole-file entry with detection on, as `inspect --detect` runs it,
//! then the text report and the icon export over the report.
use appfiling::{inspect_with, render, sheet, Options};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

mod worker;

/// One file per fuzzing process, so parallel jobs never share an input.
fn input_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("appfiling-fuzz-inspect-{}", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        let path = input_path();
        std::fs::write(path, data).expect("the fuzz input file");
        let options = Options {
            detect: true,
            ..Default::default()
        };
        if let Ok(report) = inspect_with(path, &options) {
            let _ = sheet::icon::export(std::slice::from_ref(&report));
            let _ = render::text(&appfiling::Report {
                schema_version: 1,
                packages: vec![report],
                errors: Vec::new(),
            });
        }
        let _ = std::fs::remove_file(path);
    });
});
