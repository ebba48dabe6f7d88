#!/usr/bin/env bash
# Fuzzes the parsers with cargo fuzz (libFuzzer), seeded from samples/, the
# real corpus (../shared/corpus, when present) and crafted nested structures.
#   scripts/fuzz.sh                                 # every target, 60 s each, one at a time
#   SECONDS_PER_TARGET=600 JOBS=2 scripts/fuzz.sh   # the release campaign: two targets at a time
#   SECONDS_PER_TARGET=30 scripts/fuzz.sh inspect icon
# Each target's log is fuzz/artifacts/<target>.log; crashes go to fuzz/artifacts/<target>/.
# The last lines are a summary, one per target, with libFuzzer's execution count.
# Seeds are copied into fuzz/corpus/<target>/, which git ignores: never commit them.
# The machine has only a stable toolchain; RUSTC_BOOTSTRAP lets cargo fuzz pass its nightly flags.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_TARGET:-60}
jobs=${JOBS:-1}
corpus_dir=${CORPUS_DIR:-../shared/corpus}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(axml arsc signing_block signing_block_verify jar_manifest pkcs7 macho code_signature code_resources profile plist_strings hap_sign_block hap_verify resources_index dex dex_code abc aab_proto jks inspect icon filing_toml against)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1

# The filing.toml and the JSON documents the CLI writes, as seeds for filing_toml and against.
cargo build --quiet
bin=target/debug/appfiling
generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT
packages=(samples/sample-v1v2v3-rsa.apk samples/ios/sample.ipa samples/harmony/sample.app)
"$bin" init "${packages[@]}" >"$generated/init.toml"
cat >"$generated/filled.toml" <<'TOML'
domains = ["api.example.com", "例子.中国"]
[app]
service_content = "个人笔记"
service_languages = ["中文简体", "英语"]
provides_sdk = false
uses_sdk = []
pre_approval = "无"
TOML
"$bin" sheet --config "$generated/filled.toml" --format json "${packages[@]}" >"$generated/sheet.json" || true
"$bin" inspect --format json "${packages[@]}" >"$generated/inspect.json" || true

GENERATED="$generated" CORPUS="$corpus_dir" python3 - <<'PY'
import glob, hashlib, os, plistlib, struct, zipfile

MAX_LEN = 4 << 20

def put(target, data):
    """One seed, named by its content so that shared parts are stored once."""
    if not data or len(data) > MAX_LEN:
        return
    os.makedirs(f"fuzz/corpus/{target}", exist_ok=True)
    path = f"fuzz/corpus/{target}/{hashlib.sha1(data).hexdigest()}"
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)

def read(path):
    with open(path, "rb") as f:
        return f.read()

def apk_signing_block(data):
    eocd = data.rfind(b"PK\x05\x06")
    cd = struct.unpack("<I", data[eocd + 16:eocd + 20])[0]
    if data[cd - 16:cd] == b"APK Sig Block 42":
        size = struct.unpack("<Q", data[cd - 24:cd - 16])[0]
        return data[cd - size - 8:cd]
    return None

def hap_sign_block(data):
    magic = data.rfind(b"<hap sign block>")
    if magic < 12:
        return None
    count, size = struct.unpack("<IQ", data[magic - 12:magic])
    return bytes([count]) + data[magic + 20 - size:magic + 20]

def android(path, icons):
    """The parts of an APK (or a jar) each parser reads."""
    data = read(path)
    z = zipfile.ZipFile(path)
    names = z.namelist()
    for name, target in [("AndroidManifest.xml", "axml"), ("resources.arsc", "arsc"), ("classes.dex", "dex")]:
        if name in names:
            put(target, z.read(name))
    if "classes.dex" in names:
        put("dex_code", z.read("classes.dex"))
    for n in names:
        if n.startswith("META-INF/") and n.upper().endswith((".RSA", ".EC", ".DSA")):
            put("pkcs7", z.read(n))
        elif n.startswith("META-INF/") and n.upper().endswith((".MF", ".SF")):
            put("jar_manifest", z.read(n))
        elif n.startswith("res/") and n.endswith((".png", ".webp")) and icons[0] > 0:
            icons[0] -= 1
            put("icon", z.read(n))
    block = apk_signing_block(data)
    if block:
        put("signing_block", block)
        put("signing_block_verify", block)

def ios(path):
    z = zipfile.ZipFile(path)
    for n in z.namelist():
        base = os.path.basename(n)
        if n.endswith(".mobileprovision"):
            put("profile", z.read(n))
        elif n.endswith("_CodeSignature/CodeResources"):
            put("code_resources", z.read(n))
        elif n.endswith((".plist", ".strings")):
            put("plist_strings", z.read(n))
        elif n.endswith(".png"):
            put("icon", z.read(n))
        elif "/" in n and n.rsplit("/", 2)[-2] == base + ".app":
            put("macho", z.read(n))
            put("code_signature", z.read(n))

def harmony(path):
    data = read(path)
    z = zipfile.ZipFile(path)
    names = z.namelist()
    for name, target in [("resources.index", "resources_index"), ("ets/modules.abc", "abc")]:
        if name in names:
            put(target, z.read(name))
    for n in names:
        if n.endswith(".png"):
            put("icon", z.read(n))
        elif n.endswith(".hap"):
            inner = z.read(n)
            block = hap_sign_block(inner)
            if block:
                put("hap_sign_block", block)
                put("hap_verify", block)
    block = hap_sign_block(data)
    if block:
        put("hap_sign_block", block)
        put("hap_verify", block)

def bundle(path):
    z = zipfile.ZipFile(path)
    for n in z.namelist():
        if n.endswith("manifest/AndroidManifest.xml") or n.endswith("resources.pb"):
            put("aab_proto", z.read(n))

def seed_file(path, icons):
    """Any package or key file: whole for inspect, in parts for the parser targets."""
    put("inspect", read(path))
    lower = path.lower()
    try:
        if lower.endswith((".apk", ".jar")):
            android(path, icons)
        elif lower.endswith(".ipa"):
            ios(path)
        elif lower.endswith((".hap", ".app")):
            harmony(path)
        elif lower.endswith(".aab"):
            bundle(path)
        elif lower.endswith((".mobileprovision", ".provisionprofile")):
            put("profile", read(path))
        elif lower.endswith((".p7b", ".rsa")):
            put("pkcs7", read(path))
        elif lower.endswith((".jks", ".keystore", ".jceks")):
            put("jks", read(path))
    except Exception:
        pass  # a deliberately broken corpus file is still a seed for inspect

icons = [200]
for path in sorted(glob.glob("samples/**/*", recursive=True)):
    if os.path.isfile(path) and not path.startswith("samples/src/"):
        seed_file(path, icons)
corpus = os.environ["CORPUS"]
if os.path.isdir(corpus):
    for root, _, files in os.walk(corpus):
        for name in sorted(files):
            if not name.endswith((".tsv", ".txt", ".md", ".sha256")):
                seed_file(os.path.join(root, name), icons)

# Nested structures: depth is where recursion limits matter.
def ber(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body

signed_data_oid = bytes.fromhex("06092a864886f70d010702")
for depth in (16, 64, 300):
    definite = b"\x05\x00"
    for i in range(depth):
        definite = ber(0x30 if i % 2 else 0xa0, definite)
    indefinite = b"\x30\x80" * depth + b"\x05\x00" + b"\x00\x00" * depth
    for inner in (definite, indefinite):
        for target in ("pkcs7", "profile"):
            put(target, inner)
            put(target, ber(0x30, signed_data_oid + ber(0xa0, inner)))
nested = "leaf"
for depth in range(64):
    nested = {"k": [nested]} if depth % 2 else [nested, {"CFBundleName": "x"}]
for fmt in (plistlib.FMT_XML, plistlib.FMT_BINARY):
    put("plist_strings", plistlib.dumps({"CFBundleIdentifier": "dev.fuzz", "Nested": nested}, fmt=fmt))
put("filing_toml", b"domains = " + b"[" * 300 + b"]" * 300 + b"\n")
put("filing_toml", b"[app]\nx = " + b"{ a = " * 100 + b"1" + b" }" * 100 + b"\n")
put("against", b"[" * 300 + b"]" * 300)
put("against", b'{"platforms": [{"packages": [{"fields": ' + b"[" * 100 + b"]" * 100 + b"}]}]}")
generated = os.environ["GENERATED"]
for name, target in [("init.toml", "filing_toml"), ("filled.toml", "filing_toml"), ("sheet.json", "against"), ("inspect.json", "against")]:
    put(target, read(os.path.join(generated, name)))
PY

# Build once, then run the targets $jobs at a time.
cargo fuzz build --fuzz-dir fuzz
mkdir -p fuzz/artifacts
# Each run records "ok" or "FAILED" (a crash, leak, timeout or OOM) beside its log.
run_one() {
    local target=$1
    mkdir -p "fuzz/corpus/$target"
    if cargo fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=4194304 -timeout=30 \
        -rss_limit_mb=1024 -malloc_limit_mb=512 >"fuzz/artifacts/$target.log" 2>&1; then
        echo ok >"fuzz/artifacts/$target.status"
    else
        echo FAILED >"fuzz/artifacts/$target.status"
    fi
}
for target in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    echo "== fuzzing $target for ${seconds}s"
    rm -f "fuzz/artifacts/$target.status"
    run_one "$target" &
done
wait

failed=0
echo "== summary (${seconds}s per target, $jobs at a time)"
for target in "${targets[@]}"; do
    # libFuzzer's last words: "Done 123456 runs in 600 second(s)".
    done_line=$(grep -a '^Done [0-9]* runs in' "fuzz/artifacts/$target.log" | tail -n1 || true)
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' <<<"$done_line")
    secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' <<<"$done_line")
    status=$(cat "fuzz/artifacts/$target.status" 2>/dev/null || echo FAILED)
    [ "$status" = ok ] || failed=1
    seeds=$(find "fuzz/corpus/$target" -type f | wc -l)
    printf '%-16s %-6s %12s runs in %5s s  corpus %6s  log fuzz/artifacts/%s.log\n' \
        "$target" "$status" "${runs:--}" "${secs:--}" "$seeds" "$target"
done
exit "$failed"
