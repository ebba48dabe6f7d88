#![no_main]
//! filing.toml as `appfiling sheet --config` reads it.
use appfiling::sheet::config;
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = config::parse(text);
        }
    });
});
