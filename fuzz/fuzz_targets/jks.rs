#![no_main]
//! JKS and JCEKS keystores.
use appfiling::keystore::jks::{parse, password_matches};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse(data);
    let _ = password_matches(data, "appfiling");
});
