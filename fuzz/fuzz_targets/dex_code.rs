#![no_main]
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| appfiling::fuzzing::dex_code(data));
});
