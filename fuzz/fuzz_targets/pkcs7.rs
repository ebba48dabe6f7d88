#![no_main]
//! BER PKCS#7 SignedData, then X.509 on every certificate found.
use appfiling::{cert, pkcs7};
use libfuzzer_sys::fuzz_target;

mod worker;

fuzz_target!(|data: &[u8]| {
    worker::run(|| {
        if let Ok(signed) = pkcs7::parse_signed_data(data) {
            for der in &signed.certificates {
                let _ = cert::describe(der);
                for id in &signed.signers {
                    let _ = cert::is_signer(der, id);
                }
            }
        }
    });
});
