//! Binary-XML string amplification, icon self-reference loops, ARSC and signer counts, long class names and large assets.
