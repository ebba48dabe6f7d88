#!/usr/bin/env bash
# Builds appfiling's bundle and split-set samples from the committed sources and keys, then
# records what the independent tools say about them in bundles/EXPECTED-bundles.tsv.
#
# Needs Debian's aapt (aapt and aapt2), apksigner, zipalign, android-framework-res and a JDK
# (jarsigner, keytool):  apt-get install aapt apksigner zipalign android-framework-res default-jdk-headless
# Run make-samples.sh first: the split sets reuse sample-v1v2v3-rsa.apk as their base APK.
#
#   bundles/sample.aab          an app bundle: aapt2's proto manifest and resources.pb under base/,
#                               BundleConfig.pb, JAR-signed by jarsigner with the release key (the upload key)
#   bundles/sample.apks         bundletool's layout: toc.pb, splits/base-master.apk, splits/base-xxhdpi.apk
#   bundles/sample-mixed.apks   the same with the density split signed by another key
#   bundles/sample.xapk         manifest.json, dev.appfiling.sample.apk and config.xxhdpi.apk
#   bundles/sample.apkm         info.json, base.apk and split_config.xxhdpi.apk (APKMirror's layout)
#   bundles/split-xxhdpi.apk    the density split alone (for splits given side by side)
set -euo pipefail
cd "$(dirname "$0")"

FRAMEWORK=/usr/share/android-framework-res/framework-res.apk
PASS=appfiling
OUT=bundles
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$OUT"

# The bundle: aapt2 links the sources in proto format; the base module is that, moved under base/.
aapt2 compile --dir src/res -o "$work/res.zip"
aapt2 link --proto-format -o "$work/proto.apk" -I "$FRAMEWORK" --manifest src/AndroidManifest.xml \
    --min-sdk-version 21 --target-sdk-version 34 "$work/res.zip"
mkdir -p "$work/proto" "$work/aab/base/manifest"
(cd "$work/proto" && unzip -q ../proto.apk)
mv "$work/proto/AndroidManifest.xml" "$work/aab/base/manifest/"
mv "$work/proto/resources.pb" "$work/proto/res" "$work/aab/base/"
# BundleConfig { bundletool { version: "1.17.2" } }
printf '\x0a\x08\x12\x06\x31\x2e\x31\x37\x2e\x32' > "$work/aab/BundleConfig.pb"
rm -f "$OUT/sample.aab"
(cd "$work/aab" && zip -q -X -r "../sample.aab" BundleConfig.pb base)
jarsigner -keystore keys/release.p12 -storetype PKCS12 -storepass "$PASS" \
    -signedjar "$OUT/sample.aab" "$work/sample.aab" release >/dev/null

# A density split: a manifest with split="config.xxhdpi" and no code.
mkdir -p "$work/split"
cat > "$work/split/AndroidManifest.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="dev.appfiling.sample" split="config.xxhdpi"
    android:versionCode="42" android:versionName="1.4.2">
    <application android:hasCode="false" />
</manifest>
XML
aapt package -f -M "$work/split/AndroidManifest.xml" -I "$FRAMEWORK" -F "$work/split-raw.apk"
zipalign -f 4 "$work/split-raw.apk" "$work/split-aligned.apk"
for key in release second; do
    apksigner sign --in "$work/split-aligned.apk" --out "$work/split-$key.apk" \
        --ks "keys/$key.p12" --ks-pass "pass:$PASS"
    rm -f "$work/split-$key.apk.idsig"
done
cp "$work/split-release.apk" "$OUT/split-xxhdpi.apk"

set_of() { # output, split apk, layout
    local out=$1 split=$2 layout=$3 dir="$work/set-$RANDOM"
    mkdir -p "$dir/splits"
    case $layout in
        apks)
            : > "$dir/toc.pb"
            cp sample-v1v2v3-rsa.apk "$dir/splits/base-master.apk"
            cp "$split" "$dir/splits/base-xxhdpi.apk"
            (cd "$dir" && zip -q -X -r "$OLDPWD/$out" toc.pb splits) ;;
        xapk)
            cp sample-v1v2v3-rsa.apk "$dir/dev.appfiling.sample.apk"
            cp "$split" "$dir/config.xxhdpi.apk"
            cat > "$dir/manifest.json" <<'JSON'
{"xapk_version": 2, "package_name": "dev.appfiling.sample", "version_code": "42", "version_name": "1.4.2",
 "split_apks": [{"file": "dev.appfiling.sample.apk", "id": "base"}, {"file": "config.xxhdpi.apk", "id": "config.xxhdpi"}]}
JSON
            (cd "$dir" && zip -q -X -r "$OLDPWD/$out" manifest.json dev.appfiling.sample.apk config.xxhdpi.apk) ;;
        apkm)
            cp sample-v1v2v3-rsa.apk "$dir/base.apk"
            cp "$split" "$dir/split_config.xxhdpi.apk"
            echo '{"pname": "dev.appfiling.sample", "versioncode": "42", "release_version": "1.4.2"}' > "$dir/info.json"
            (cd "$dir" && zip -q -X -r "$OLDPWD/$out" info.json base.apk split_config.xxhdpi.apk) ;;
    esac
}
rm -f "$OUT"/*.apks "$OUT"/*.xapk "$OUT"/*.apkm
set_of "$OUT/sample.apks" "$work/split-release.apk" apks
set_of "$OUT/sample-mixed.apks" "$work/split-second.apk" apks
set_of "$OUT/sample.xapk" "$work/split-release.apk" xapk
set_of "$OUT/sample.apkm" "$work/split-release.apk" apkm

# What the independent tools say.
badging=$(aapt2 dump badging "$work/proto.apk")
field() { sed -n "s/.*$1'\([^']*\)'.*/\1/p" <<<"$badging" | head -1; }
jar=$(keytool -printcert -jarfile "$OUT/sample.aab")
fingerprint() { sed -n "s/^[[:space:]]*$1: //p" <<<"$2" | head -1 | tr -d ':'; }
certs() { # apk → sha256 of its signer per apksigner
    apksigner verify --print-certs "$1" | sed -n 's/^Signer #1 certificate SHA-256 digest: //p' | tr a-f A-F
}
{
    echo "# Made by make-bundle-samples.sh: identity from \`aapt2 dump badging\` on the proto-format base module;"
    echo "# AAB signer from \`keytool -printcert -jarfile\`; split-set APK signers from \`apksigner verify --print-certs\`."
    printf 'file\tpackage\tversion_code\tversion_name\tmin_sdk\ttarget_sdk\tlabel\tlabel_zh_CN\tsigner_sha1\tsigner_sha256\tsplit_signers_sha256\ticon\n'
    # The icon: the highest-density raster aapt2 lists, under the bundle's base/ module.
    icon=$(grep -o "application-icon-[0-9]*:'[^']*'" <<<"$badging" | grep -v "\.xml'" | sort -t- -k3 -n | tail -1 | sed "s/.*:'\(.*\)'/base\/\1/")
    printf 'sample.aab\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t%s\n' \
        "$(sed -n "s/^package: name='\([^']*\)'.*/\1/p" <<<"$badging")" "$(field "versionCode=")" "$(field "versionName=")" \
        "$(field "sdkVersion:")" "$(field "targetSdkVersion:")" "$(field "application-label:")" "$(field "application-label-zh-CN:")" \
        "$(fingerprint SHA1 "$jar")" "$(fingerprint SHA256 "$jar")" "$icon"
    for set in sample.apks sample-mixed.apks sample.xapk sample.apkm; do
        mkdir -p "$work/x-$set" && (cd "$work/x-$set" && unzip -q -o "$OLDPWD/$OUT/$set")
        base=$(find "$work/x-$set" -name 'base-master.apk' -o -name 'dev.appfiling.sample.apk' -o -name 'base.apk' | head -1)
        split=$(find "$work/x-$set" -name 'base-xxhdpi.apk' -o -name '*config.xxhdpi.apk' | head -1)
        printf '%s\tdev.appfiling.sample\t-\t-\t-\t-\t-\t-\t-\t%s\t%s\t-\n' "$set" "$(certs "$base")" "$(certs "$split")"
    done
} > "$OUT/EXPECTED-bundles.tsv"
echo "bundle samples rebuilt in $OUT"
