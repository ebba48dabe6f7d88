#!/usr/bin/env bash
# Builds appfiling's keystore samples with keytool, then records what keytool and openssl say
# about every certificate in keystores/EXPECTED-keystores.tsv (raw keytool output in keystores/expected/).
#
# Needs a JDK (keytool) and openssl:  apt-get install default-jdk-headless openssl
# The keystores are made once and then reused; delete them to start over. Test keys only.
#
#   keystores/release.jks      JKS, password "appfiling": private key "upload" (RSA 2048) and the
#                              trusted certificate "partner" (the EC sample key's certificate)
#   keystores/release.jceks    the same entries as JCEKS
#   keystores/two-keys.p12     PKCS#12, password "appfiling": private keys "upload" and "legacy"
#   keystores/debug.keystore   Android's debug keystore: JKS, password "android", alias androiddebugkey
set -euo pipefail
cd "$(dirname "$0")"

OUT=keystores
PASS=appfiling
mkdir -p "$OUT/expected"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

genkey() { # keystore, type, password, alias, dname, keytool options...
    local ks=$1 type=$2 pass=$3 alias=$4 dname=$5; shift 5
    keytool -genkeypair -keystore "$ks" -storetype "$type" -storepass "$pass" -keypass "$pass" \
        -alias "$alias" -dname "$dname" -validity 20000 "$@" >/dev/null 2>&1
}

if [ ! -f "$OUT/release.jks" ]; then
    genkey "$OUT/release.jks" JKS "$PASS" upload "CN=appfiling keystore upload, O=appfiling, C=CN" -keyalg RSA -keysize 2048
    keytool -exportcert -keystore keys/ec.p12 -storetype PKCS12 -storepass "$PASS" -alias ec -file "$work/partner.cer" >/dev/null 2>&1
    keytool -importcert -noprompt -keystore "$OUT/release.jks" -storetype JKS -storepass "$PASS" \
        -alias partner -file "$work/partner.cer" >/dev/null 2>&1
fi
if [ ! -f "$OUT/release.jceks" ]; then
    keytool -importkeystore -noprompt -srckeystore "$OUT/release.jks" -srcstoretype JKS -srcstorepass "$PASS" \
        -destkeystore "$OUT/release.jceks" -deststoretype JCEKS -deststorepass "$PASS" >/dev/null 2>&1
fi
if [ ! -f "$OUT/two-keys.p12" ]; then
    genkey "$OUT/two-keys.p12" PKCS12 "$PASS" upload "CN=appfiling keystore p12 upload, O=appfiling, C=CN" -keyalg RSA -keysize 2048
    genkey "$OUT/two-keys.p12" PKCS12 "$PASS" legacy "CN=appfiling keystore p12 legacy, O=appfiling, C=CN" -keyalg RSA -keysize 3072
fi
if [ ! -f "$OUT/debug.keystore" ]; then
    genkey "$OUT/debug.keystore" JKS android androiddebugkey "CN=Android Debug, O=Android, C=US" -keyalg RSA -keysize 2048
fi

# What keytool and openssl say: one row per certificate of every entry.
{
    echo "# Made by make-keystore-samples.sh: alias, entry type and SHA-1/SHA-256 from \`keytool -list -v\` (raw output in"
    echo "# expected/<keystore>.txt); MD5 and modulus from \`keytool -exportcert -rfc | openssl x509 -noout -fingerprint -md5 -modulus\`."
    printf 'keystore\talias\tentry_type\tsubject\tsha1\tsha256\tmd5\tmodulus\n'
    for spec in release.jks:JKS:$PASS release.jceks:JCEKS:$PASS two-keys.p12:PKCS12:$PASS debug.keystore:JKS:android; do
        IFS=: read -r file type pass <<<"$spec"
        listing=$(keytool -list -v -keystore "$OUT/$file" -storetype "$type" -storepass "$pass" 2>/dev/null)
        printf '%s\n' "$listing" > "$OUT/expected/$file.txt"
        while IFS= read -r alias; do
            entry=$(awk -v a="$alias" '$0=="Alias name: "a{on=1;next} /^Alias name: /{on=0} on' <<<"$listing")
            kind=$(sed -n 's/^Entry type: //p' <<<"$entry" | head -1)
            owner=$(sed -n 's/^Owner: //p' <<<"$entry" | head -1)
            sha1=$(sed -n 's/^[[:space:]]*SHA1: //p' <<<"$entry" | head -1 | tr -d ':')
            sha256=$(sed -n 's/^[[:space:]]*SHA256: //p' <<<"$entry" | head -1 | tr -d ':')
            pem=$(keytool -exportcert -rfc -keystore "$OUT/$file" -storetype "$type" -storepass "$pass" -alias "$alias" 2>/dev/null)
            md5=$(openssl x509 -noout -fingerprint -md5 <<<"$pem" | sed 's/.*=//; s/://g')
            modulus=$(openssl x509 -noout -modulus <<<"$pem" 2>/dev/null | sed -n 's/^Modulus=//p' | grep -v '^No modulus' || true)
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$file" "$alias" "$kind" "$owner" "$sha1" "$sha256" "$md5" "${modulus:--}"
        done < <(sed -n 's/^Alias name: //p' <<<"$listing" | sort)
    done
} > "$OUT/EXPECTED-keystores.tsv"
echo "keystore samples rebuilt in $OUT"
