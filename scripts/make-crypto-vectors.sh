#!/usr/bin/env bash
# Signature test vectors for src/crypto.rs, made by openssl (the judge): each key signs
# tests/data/crypto/message.txt; src/crypto.rs's tests check every signature verifies and
# that a flipped message does not.
set -euo pipefail
cd "$(dirname "$0")/../tests/data/crypto"
printf 'appfiling signature vector\n' > message.txt
sign() { # name, genpkey args..., then -- and dgst args
    local name=$1; shift
    local gen=() ; while [ "$1" != -- ]; do gen+=("$1"); shift; done; shift
    openssl genpkey "${gen[@]}" -out "$name.key" 2>/dev/null
    openssl pkey -in "$name.key" -pubout -outform DER -out "$name.spki.der"
    openssl dgst "$@" -sign "$name.key" -out "$name.sig" message.txt
    rm "$name.key"
}
sign rsa2048-sha256 -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -- -sha256
sign rsa1024-sha1 -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -- -sha1
sign rsa2048-pss-sha256 -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -- -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
sign p256-sha256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -- -sha256
sign p384-sha384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -- -sha384
sign p521-sha512 -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -- -sha512
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out dsa.param 2>/dev/null
sign dsa2048-sha256 -paramfile dsa.param -- -sha256
rm dsa.param
