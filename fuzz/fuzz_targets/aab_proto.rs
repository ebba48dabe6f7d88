#![no_main]
//! App bundle protobufs: the manifest XmlNode and a resources.pb lookup.
use appfiling::android::aab::{localized_strings, xml_elements};
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        let _ = xml_elements(data);
        let _ = localized_strings(data, 0x7f0f_001b);
    });
});
