#![no_main]
//! Ark bytecode class index and the package each record names.
use appfiling::harmony::abc::{record_package, Abc};
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        if let Ok(abc) = Abc::parse(data) {
            for name in abc.record_names() {
                let _ = record_package(name);
            }
        }
    });
});
