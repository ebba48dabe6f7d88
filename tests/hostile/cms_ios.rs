//! Deep BER in every CMS entry point, deep plists, Mach-O floods, bundle path escapes and many .lproj folders.
