#![no_main]
//! DEX string and type tables.
use appfiling::android::dex::{class_name, Dex};
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        if let Ok(dex) = Dex::parse(data) {
            for descriptor in dex.type_descriptors() {
                let _ = class_name(descriptor);
            }
            let _ = dex.strings().count();
        }
    });
});
