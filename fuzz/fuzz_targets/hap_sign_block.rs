#![no_main]
//! The HAP signing block, and the profile and signature inside it.
use appfiling::harmony::profile;
use appfiling::harmony::sign_block::{HapSignBlock, TYPE_PROFILE, TYPE_SIGNATURE};
use appfiling::pkcs7;
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        let Some((count, rest)) = data.split_first() else {
            return;
        };
        if let Ok(Some(block)) =
            HapSignBlock::parse(rest.to_vec(), u32::from(*count % 8), "fuzz", 3)
        {
            let _ = block.entries();
            if let Some(signature) = block.value(TYPE_SIGNATURE) {
                let _ = pkcs7::parse_signed_data(signature);
            }
            if let Some(bytes) = block.value(TYPE_PROFILE) {
                let _ = profile::parse(bytes);
            }
        }
    });
});
