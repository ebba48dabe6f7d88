//! resources.index amplification, many-safe PKCS#12 files and giant icons.
