#!/usr/bin/env bash
# Fuzzes the parsers with cargo fuzz (libFuzzer), seeded from samples/.
#   scripts/fuzz.sh            # every target, 60 s each
#   SECONDS_PER_TARGET=600 scripts/fuzz.sh axml
# The machine has only a stable toolchain; RUSTC_BOOTSTRAP lets cargo fuzz pass its nightly flags.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_TARGET:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(axml arsc signing_block pkcs7 macho profile plist_strings hap_sign_block resources_index dex abc aab_proto jks)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1

# Seeds: the parts of each sample APK that each parser reads.
python3 - <<'PY'
import glob, os, struct, zipfile
def put(target, name, data):
    os.makedirs(f"fuzz/corpus/{target}", exist_ok=True)
    open(f"fuzz/corpus/{target}/{name}", "wb").write(data)
for apk in glob.glob("samples/*.apk"):
    base = os.path.basename(apk)
    z = zipfile.ZipFile(apk)
    put("axml", base, z.read("AndroidManifest.xml"))
    put("arsc", base, z.read("resources.arsc"))
    for n in z.namelist():
        if n.startswith("META-INF/") and n.upper().endswith((".RSA", ".EC", ".DSA")):
            put("pkcs7", base + "-" + os.path.basename(n), z.read(n))
    data = open(apk, "rb").read()
    eocd = data.rfind(b"PK\x05\x06")
    cd = struct.unpack("<I", data[eocd + 16:eocd + 20])[0]
    if data[cd - 16:cd] == b"APK Sig Block 42":
        size = struct.unpack("<Q", data[cd - 24:cd - 16])[0]
        put("signing_block", base, data[cd - size - 8:cd])
import io
for ipa in glob.glob("samples/ios/*.ipa"):
    z = zipfile.ZipFile(ipa)
    for n in z.namelist():
        base = os.path.basename(ipa) + "-" + n.replace("/", "_")
        if n.endswith("/Sample"):
            put("macho", base, z.read(n))
        elif n.endswith(".mobileprovision"):
            put("profile", base, z.read(n))
        elif n.endswith((".plist", ".strings")):
            put("plist_strings", base, z.read(n))
for apk in glob.glob("samples/detect/*.apk"):
    put("dex", os.path.basename(apk), zipfile.ZipFile(apk).read("classes.dex"))
for hap in glob.glob("samples/harmony/*.hap"):
    data = open(hap, "rb").read()
    put("resources_index", os.path.basename(hap), zipfile.ZipFile(hap).read("resources.index"))
    put("abc", os.path.basename(hap), zipfile.ZipFile(hap).read("ets/modules.abc"))
    magic = data.rfind(b"<hap sign block>")
    count, size = struct.unpack("<IQ", data[magic - 12:magic])
    put("hap_sign_block", os.path.basename(hap), bytes([count]) + data[magic + 20 - size:magic + 20])
for aab in glob.glob("samples/bundles/*.aab"):
    z = zipfile.ZipFile(aab)
    put("aab_proto", "manifest", z.read("base/manifest/AndroidManifest.xml"))
    put("aab_proto", "resources", z.read("base/resources.pb"))
for ks in glob.glob("samples/keystores/*.j*ks") + glob.glob("samples/keystores/*.keystore"):
    put("jks", os.path.basename(ks), open(ks, "rb").read())
for p in glob.glob("samples/ios/*.mobileprovision"):
    put("profile", os.path.basename(p), open(p, "rb").read())
PY

for target in "${targets[@]}"; do
    echo "== fuzzing $target for ${seconds}s"
    cargo fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=1024 -max_len=262144
done
