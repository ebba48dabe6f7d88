#![no_main]
//! Provisioning profiles: BER CMS, the plist inside, its certificates.
use appfiling::ios::provision;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = provision::parse(data);
});
