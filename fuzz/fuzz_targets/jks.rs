#![no_main]
//! JKS and JCEKS keystores.
use appfiling::keystore::jks::{parse, password_matches};
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        let _ = parse(data);
        let _ = password_matches(data, "appfiling");
    });
});
