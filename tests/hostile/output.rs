//! Control characters, spreadsheet formulas and markup from package content in every output format.
