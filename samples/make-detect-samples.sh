#!/usr/bin/env bash
# Builds the detection samples: samples/detect/sample-detect.apk (known SDK classes from smali stubs,
# one of them in a plugin archive under assets,
# a JPush native library name, a JPush service, URLs in dex and assets, a deep-link host, a network
# security config, a French translation that is only one string) and samples/detect/sample-clean.apk
# (only the app's own class and URL: detection must find no SDK).
# Needs Debian's aapt, apksigner, zipalign, android-framework-res, libsmali-java, zip and a JDK.
set -euo pipefail
cd "$(dirname "$0")"
FRAMEWORK=/usr/share/android-framework-res/framework-res.apk
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build() { # name manifest res-dir assets-dir smali-dir with-lib
    local name=$1 manifest=$2 res=$3 assets=$4 smali=$5 lib=$6
    local dir="$work/$name"
    mkdir -p "$dir"
    # aapt insists on the file name AndroidManifest.xml.
    cp "$manifest" "$dir/AndroidManifest.xml"
    local asset_args=()
    [ -n "$assets" ] && asset_args=(-A "$assets")
    aapt package -f -M "$dir/AndroidManifest.xml" -S "$res" "${asset_args[@]}" -I "$FRAMEWORK" \
        --min-sdk-version 24 --target-sdk-version 34 -F "$dir/raw.apk"
    java -jar /usr/share/java/smali.jar assemble -o "$dir/classes.dex" "$smali"
    (cd "$dir" && aapt add raw.apk classes.dex >/dev/null)
    if [ "$lib" = yes ]; then
        mkdir -p "$dir/lib/arm64-v8a"
        printf '\177ELF\002\001\001' > "$dir/lib/arm64-v8a/libjcore.so"
        (cd "$dir" && aapt add raw.apk lib/arm64-v8a/libjcore.so >/dev/null)
    fi
    zipalign -f 4 "$dir/raw.apk" "$dir/aligned.apk"
    apksigner sign --ks keys/release.p12 --ks-pass pass:appfiling --v1-signing-enabled false \
        --v2-signing-enabled true --v3-signing-enabled false --in "$dir/aligned.apk" --out "detect/$name.apk"
}

# A plugin archive in the assets, as hot-fix and plugin frameworks ship code: its dex counts too.
mkdir -p "$work/assets-sdk/plugin" "$work/plugin"
cp -r detect/assets/. "$work/assets-sdk/"
java -jar /usr/share/java/smali.jar assemble -o "$work/plugin/classes.dex" detect/smali-plugin
(cd "$work/plugin" && zip -q -X ../assets-sdk/plugin/patch.jar classes.dex)

# The clean sample has the same strings but no network security config.
mkdir -p "$work/res-clean"
cp -r detect/res/values* "$work/res-clean/"
build sample-detect detect/AndroidManifest.xml detect/res "$work/assets-sdk" detect/smali-sdk yes
build sample-clean detect/AndroidManifest-clean.xml "$work/res-clean" "" detect/smali-clean no
echo "detection samples rebuilt: $(ls detect/*.apk)"
