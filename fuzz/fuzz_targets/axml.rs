#![no_main]
//! Binary XML, then the manifest reader over whatever elements come out.
use appfiling::android::{axml, manifest};
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        if let Ok(elements) = axml::parse(data) {
            let _ = manifest::read(&elements, None);
        }
    });
});
