#![no_main]
//! Info.plist dictionaries and InfoPlist.strings in every encoding.
use appfiling::ios::property_list;
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        let _ = property_list::dictionary(data);
        let _ = property_list::strings_file(data);
    });
});
