#![no_main]
//! resources.index lookups.
use appfiling::harmony::resources::ResourceIndex;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(index) = ResourceIndex::parse(data) {
        for id in [0x0100_0000u32, 0x0100_0001, 0x0100_0002] {
            let _ = index.strings(id);
        }
    }
});
