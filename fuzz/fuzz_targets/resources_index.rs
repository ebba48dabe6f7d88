#![no_main]
//! resources.index lookups.
use appfiling::harmony::resources::ResourceIndex;
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        if let Ok(index) = ResourceIndex::parse(data) {
            for id in [0x0100_0000u32, 0x0100_0001, 0x0100_0002] {
                let _ = index.strings(id);
            }
        }
    });
});
