#![no_main]
//! resources.arsc, then lookups of the ids a manifest would ask for.
use appfiling::android::arsc::ResourceTable;
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        if let Ok(table) = ResourceTable::parse(data) {
            for id in [0x7f01_0000u32, 0x7f02_0000, 0x7f03_0001, 0x7f0b_0000] {
                for (_, value) in table.values(id) {
                    let _ = table.string(&value);
                }
                let _ = table.type_name(id);
            }
        }
    });
});
