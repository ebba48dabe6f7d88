#![no_main]
//! Icon decoding: PNG, WebP and Apple's CgBI PNG.
use appfiling::sheet::icon;
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        let _ = icon::decode(data);
    });
});
