#![no_main]
//! The APK Signing Block and the v2/v3/v3.1 signer data inside it.
use appfiling::android::signing_block::{SigningBlock, ID_V2, ID_V3, ID_V31};
use appfiling::android::{v2, v3};
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        // The raw input as signer data, and as a whole block.
        let _ = v2::signer_certificates(data);
        let _ = v3::signers(data);
        if let Ok(block) = SigningBlock::parse(data.to_vec()) {
            let _ = block.entries();
            if let Some(value) = block.value(ID_V2) {
                let _ = v2::signer_certificates(value);
            }
            for id in [ID_V3, ID_V31] {
                if let Some(value) = block.value(id) {
                    let _ = v3::signers(value);
                }
            }
        }
    });
});
