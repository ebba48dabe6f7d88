//! Feature detection for the sheet: third-party SDKs, domains and languages,
//! each with its evidence (docs/detection.md).

pub(crate) mod android;
pub(crate) mod domains;
pub(crate) mod ios;
pub(crate) mod languages;
pub(crate) mod sdks;

pub(crate) use crate::report::Detection;
