#![no_main]
//! The filed records `appfiling check --against` reads: a sheet's JSON or an inspect report's JSON.
use appfiling::check;
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = check::records_from_json(text, "fuzz.json");
        }
    });
});
