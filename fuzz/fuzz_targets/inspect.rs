#![no_main]
//! The in-memory entry with detection, the icon and signature verification on, as `sheet`
//! runs it, then the text report and the icon export over the report.
use appfiling::{inspect_bytes, render, sheet, Options, VerifyOptions};
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        let options = Options {
            detect: true,
            icon: true,
            verify: Some(VerifyOptions::default()),
            ..Default::default()
        };
        if let Ok(report) = inspect_bytes("fuzz-input", data, &options) {
            let _ = sheet::icon::export(std::slice::from_ref(&report));
            let _ = render::text(&appfiling::Report {
                schema_version: 1,
                packages: vec![report],
                errors: Vec::new(),
            });
        }
    });
});
