#![no_main]
//! Mach-O headers, load commands and the code-signature SuperBlob.
use appfiling::ios::macho;
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        let _ = macho::read(data, true);
    });
});
