#![no_main]
//! Provisioning profiles: BER CMS, the plist inside, its certificates.
use appfiling::ios::provision;
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        let _ = provision::parse(data);
    });
});
