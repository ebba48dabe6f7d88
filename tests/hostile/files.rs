//! Nested-package budgets, planted symlinks, FIFOs and devices, oversized option files and partial output.
