#!/usr/bin/env python3
"""Builds appfiling's HarmonyOS samples with openssl, the Python standard library, and the
project's own signing-block writer (`cargo run --example sign_hap`).

Outputs in samples/harmony/:
  sample.hap              Stage-model HAP: module.json, a resources.index with default and zh_CN labels and the
                          icon (resources/base/media/app_icon.png, 216 px), an Ark bytecode file whose records
                          name the app's own sources and three ohpm packages (WeChat OpenSDK, AMap, axios),
                          a native library (libs/arm64-v8a/libmmkv.so) and a shared-module dependency,
                          signed as hapsigner signs: a CMS by the EC P-256 leaf (chain: root, intermediate, leaf)
                          over the SHA-256 content digest of the package and its release profile
  sample-debug.hap        the same with a debug profile carrying a development certificate
  sample.app              an .app pack: pack.info and sample.hap (signed), the pack signed as a whole as well
  sample-release.p7b      the release profile: JSON signed with `openssl cms -sign`
  sample-chain.cer        the chain as PEM, leaf in the middle: it must be found by linkage
  EXPECTED-harmony.tsv    what openssl says of the certificates, with the commands

Keys live in samples/keys/harmony-*, made once. The PKI is a TEST PKI ("appfiling TEST … (not Huawei)", issued
under O=Huawei CBG-like names only so that tools recognise the platform): never trust it.
"""
import hashlib, json, os, struct, subprocess, sys, zipfile, tempfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KEYS = os.path.join(HERE, "keys")
OUT = os.path.join(HERE, "harmony")
BUNDLE = "dev.appfiling.sample"
LABEL_ID = 0x01000000


def openssl(*args, input=None):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, input=input).stdout


def ec_cert(name, subject, issuer=None, ca=False):
    path = os.path.join(KEYS, name)
    if os.path.exists(path + ".pem"):
        return path
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path + ".key")
    ext = ["-addext", "basicConstraints=critical,CA:true" if ca else "basicConstraints=CA:false",
           "-addext", "keyUsage=critical," + ("keyCertSign,cRLSign" if ca else "digitalSignature")]
    if issuer is None:
        openssl("req", "-x509", "-new", "-key", path + ".key", "-out", path + ".pem", "-days", "18250", "-subj", subject, *ext)
    else:
        openssl("req", "-new", "-key", path + ".key", "-out", path + ".csr", "-subj", subject)
        with tempfile.NamedTemporaryFile("w", suffix=".cnf", delete=False) as cnf:
            cnf.write("[v]\n" + ("basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n" if ca
                                 else "basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n"))
        openssl("x509", "-req", "-in", path + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key", "-CAcreateserial",
                "-days", "18000", "-extfile", cnf.name, "-extensions", "v", "-out", path + ".pem")
        os.remove(cnf.name)
        os.remove(path + ".csr")
    return path


def keys():
    os.makedirs(KEYS, exist_ok=True)
    root = ec_cert("harmony-root", "/C=CN/O=Huawei CBG (appfiling TEST, not Huawei)/CN=appfiling TEST Root CA", ca=True)
    inter = ec_cert("harmony-intermediate", "/C=CN/O=Huawei CBG (appfiling TEST, not Huawei)/CN=appfiling TEST Developer Relations CA",
                    issuer=root, ca=True)
    leaf = ec_cert("harmony-release", "/C=CN/O=appfiling sample/OU=appfiling/CN=appfiling sample(1234567890)\\,Release", issuer=inter)
    dev = ec_cert("harmony-development", "/C=CN/O=appfiling sample/OU=appfiling/CN=appfiling sample(1234567890)\\,Development", issuer=inter)
    profile_signer = ec_cert("harmony-profile-signing", "/C=CN/O=Huawei (appfiling TEST)/CN=appfiling TEST Profile Management", issuer=inter)
    return {"root": root, "intermediate": inter, "release": leaf, "development": dev, "profile": profile_signer}


def resources_index(strings):
    """A resources.index (restool layout): header, KEYS per configuration, IDSS per configuration, records.
    `strings` maps key parameters to a list of (id, value, name)."""
    configs = list(strings.items())  # [(key params, [(id, value, name)])]
    header = b"Restool 5.008".ljust(128, b"\0")
    keys_len = sum(12 + 8 * len(params) for params, _ in configs)
    idss_sizes = [8 + 8 * len(items) for _, items in configs]
    records, offsets = b"", []
    records_at = 136 + keys_len + sum(idss_sizes)
    for _, items in configs:
        config_offsets = []
        for rid, value, name in items:
            config_offsets.append((rid, records_at + len(records)))
            v = value.encode() + b"\0"
            n = name.encode() + b"\0"
            body = struct.pack("<H", len(v)) + v + struct.pack("<H", len(n)) + n
            records += struct.pack("<III", 8 + len(body), 0, rid) + body
        offsets.append(config_offsets)
    out = header + struct.pack("<II", records_at + len(records), len(configs))
    idss_at = 136 + keys_len
    for i, (params, _) in enumerate(configs):
        out += b"KEYS" + struct.pack("<II", idss_at + sum(idss_sizes[:i]), len(params))
        for kind, text in params:
            out += struct.pack("<ii", kind, int.from_bytes(text.encode(), "big"))
    for config_offsets in offsets:
        out += b"IDSS" + struct.pack("<I", len(config_offsets))
        for rid, offset in config_offsets:
            out += struct.pack("<II", rid, offset)
    return out + records


def png_icon(size, rgb):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = (b"\0" + bytes(rgb) * size) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


# Records of ets/modules.abc in the normalized spelling ([bundle]&<package>/<path>&[version]) of current
# compilers: the app's own module, then ohpm packages as `ohpm install` would compile them in.
ABC_RECORDS = [
    "_ESSlotNumberAnnotation",
    "&entry/src/main/ets/entryability/EntryAbility&",
    "&entry/src/main/ets/pages/Index&",
    "&@tencent/wechat_open_sdk/Index&1.0.16",
    "&@tencent/wechat_open_sdk/src/main/ets/WXApi&1.0.16",
    "&@amap/amap_lbs_map3d/Index&2.2.7",
    "&@ohos/axios/index&2.2.4",
]


def ark_bytecode(records):
    """A minimal Ark bytecode file (format 12.0.6.0): the 60-byte header, the class index and one empty class per
    record, each named by its type descriptor L<name>; as the format documents."""
    header_len = 60
    index_at = header_len
    body = bytearray()
    offsets = []
    start = index_at + 4 * len(records)
    for name in records:
        offsets.append(start + len(body))
        data = ("L" + name + ";").encode()
        body += bytes([(len(data) << 1) | 1]) + data + b"\0"     # String: uleb128 len<<1|ascii, MUTF-8, NUL
        body += struct.pack("<I", 0) + bytes([0x01, 0, 0, 0])    # reserved, access flags, no fields, no methods
    index = b"".join(struct.pack("<I", o) for o in offsets)
    size = header_len + len(index) + len(body)
    rest = struct.pack("<4BIIIIIIIIIII", 12, 0, 6, 0, size, 0, 0, len(records), index_at, 0, 0, 0, 0, 0, 0)
    rest += index + bytes(body)
    checksum = zlib.adler32(rest)
    return b"PANDA\0\0\0" + struct.pack("<I", checksum) + rest


def unsigned_hap(path):
    module = {
        "app": {"bundleName": BUNDLE, "vendor": "appfiling", "versionCode": 1004002, "versionName": "1.4.2",
                "minAPIVersion": 50000012, "targetAPIVersion": 50000012, "label": "$string:app_name", "labelId": LABEL_ID,
                "icon": "$media:app_icon", "iconId": LABEL_ID + 1, "bundleType": "app"},
        "module": {"name": "entry", "type": "entry", "mainElement": "EntryAbility", "deviceTypes": ["phone"],
                   "abilities": [{"name": "EntryAbility", "label": "$string:app_name", "labelId": LABEL_ID,
                                  "srcEntry": "./ets/entryability/EntryAbility.ets"}],
                   "dependencies": [{"bundleName": BUNDLE, "moduleName": "library"}]},
    }
    index = resources_index({
        (): [(LABEL_ID, "Sample Notes", "app_name"), (LABEL_ID + 1, "entry/resources/base/media/app_icon.png", "app_icon"),
             (LABEL_ID + 2, "https://harmony.appfiling.dev/api", "api_url")],
        ((0, "zh"), (1, "CN")): [(LABEL_ID, "示例笔记", "app_name")],
    })
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("module.json", json.dumps(module, ensure_ascii=False))
        z.writestr("resources.index", index)
        z.writestr("ets/modules.abc", ark_bytecode(ABC_RECORDS))
        z.writestr("libs/arm64-v8a/libmmkv.so", b"\x7fELF" + b"\0" * 60)
        z.writestr("resources/base/media/app_icon.png", png_icon(216, (229, 57, 53)))


def profile(k, kind):
    cert_key = "release" if kind == "release" else "development"
    content = {
        "version-name": "2.0.0", "version-code": 2, "uuid": "7d3f1b62-0000-4c2a-9f00-00000000000" + ("1" if kind == "release" else "2"),
        "type": kind, "app-distribution-type": "app_gallery" if kind == "release" else "none",
        "validity": {"not-before": 1767225600, "not-after": 2398377600},
        "bundle-info": {"developer-id": "1234567890", "bundle-name": BUNDLE, "apl": "normal", "app-feature": "hos_normal_app",
                        ("distribution-certificate" if kind == "release" else "development-certificate"):
                            open(k[cert_key] + ".pem").read()},
        "issuer": "app_gallery",
    }
    signer = k["profile"]
    chain = open(k["intermediate"] + ".pem").read() + open(k["root"] + ".pem").read()
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(chain)
    p7b = openssl("cms", "-sign", "-nodetach", "-binary", "-outform", "DER", "-signer", signer + ".pem", "-inkey", signer + ".key",
                  "-certfile", f.name, "-md", "sha256", input=json.dumps(content).encode())
    os.remove(f.name)
    return p7b


# The HAP signature scheme as hapsigner writes it (HapUtils, SignHap): content version 2, one digest block,
# ECDSA with SHA-256 (algorithm id 0x201), 1 MiB chunks, prefixes 0xa5 per chunk and 0x5a over them.
CONTENT_VERSION, DIGEST_BLOCKS, ECDSA_SHA256 = 2, 1, 0x201
CHUNK, CHUNK_PREFIX, TOP_PREFIX = 1 << 20, b"\xa5", b"\x5a"


def content_digest(unsigned, optional_blocks):
    """SHA-256 content digest of the package once signed: the entries, the central directory and the end record
    (whose directory offset, once signed, is the block's start: the unsigned offset), each in 1 MiB chunks hashed
    as H(0xa5 || len || chunk); then H(0x5a || chunk count || chunk digests || every optional sub-block's value)."""
    zip_bytes = open(unsigned, "rb").read()
    eocd = len(zip_bytes) - 22  # written without a zip comment
    assert zip_bytes[eocd:eocd + 4] == b"PK\5\6", "no end record at the end"
    cd = struct.unpack_from("<I", zip_bytes, eocd + 16)[0]
    sections = [zip_bytes[:cd], zip_bytes[cd:eocd], zip_bytes[eocd:]]
    chunks = [s[i:i + CHUNK] for s in sections for i in range(0, len(s), CHUNK)]
    top = hashlib.sha256(TOP_PREFIX + struct.pack("<I", len(chunks)))
    for chunk in chunks:
        top.update(hashlib.sha256(CHUNK_PREFIX + struct.pack("<I", len(chunk)) + chunk).digest())
    for block in optional_blocks:
        top.update(block)
    digest = top.digest()
    return struct.pack("<5I", CONTENT_VERSION, DIGEST_BLOCKS, 8 + len(digest), ECDSA_SHA256, len(digest)) + digest


def sign(k, key, unsigned, prof, out):
    """The HAP signature: a CMS by the signer with its chain (signed attributes: content type, signing time,
    message digest, as hapsigner's) over the content digest; the block by our own writer, whose only other
    sub-block is the profile."""
    chain = open(k["intermediate"] + ".pem").read() + open(k["root"] + ".pem").read()
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "chain.pem"), "w").write(chain)
        cms = openssl("cms", "-sign", "-nodetach", "-binary", "-nosmimecap", "-outform", "DER", "-signer", k[key] + ".pem",
                      "-inkey", k[key] + ".key", "-certfile", os.path.join(d, "chain.pem"), "-md", "sha256",
                      input=content_digest(unsigned, [prof]))
        open(os.path.join(d, "sig.cms"), "wb").write(cms)
        open(os.path.join(d, "profile.p7b"), "wb").write(prof)
        subprocess.run(["cargo", "run", "--quiet", "--example", "sign_hap", "--", unsigned, os.path.join(d, "sig.cms"),
                        os.path.join(d, "profile.p7b"), out], check=True, cwd=ROOT)


def main():
    os.makedirs(OUT, exist_ok=True)
    k = keys()
    release, debug = profile(k, "release"), profile(k, "debug")
    with tempfile.TemporaryDirectory() as d:
        unsigned = os.path.join(d, "unsigned.hap")
        unsigned_hap(unsigned)
        sign(k, "release", unsigned, release, os.path.join(OUT, "sample.hap"))
        sign(k, "development", unsigned, debug, os.path.join(OUT, "sample-debug.hap"))
        pack = os.path.join(d, "unsigned.app")
        with zipfile.ZipFile(pack, "w", zipfile.ZIP_STORED) as z:
            z.writestr("pack.info", json.dumps({"summary": {"app": {"bundleName": BUNDLE, "version": {"code": 1004002, "name": "1.4.2"}}},
                                                "packages": [{"name": "entry-default", "moduleType": "entry"}]}))
            z.write(os.path.join(OUT, "sample.hap"), "entry-default.hap")
        sign(k, "release", pack, release, os.path.join(OUT, "sample.app"))
    open(os.path.join(OUT, "sample-release.p7b"), "wb").write(release)
    with open(os.path.join(OUT, "sample-chain.cer"), "w") as f:
        for name in ["intermediate", "release", "root"]:
            f.write(open(k[name] + ".pem").read())

    rows = []
    for name in ["release", "development", "intermediate", "root", "profile"]:
        pem = k[name] + ".pem"
        fp = lambda alg: openssl("x509", "-in", pem, "-noout", "-fingerprint", alg).decode().strip().split("=", 1)[1].replace(":", "")
        pub = openssl("x509", "-in", pem, "-noout", "-pubkey")
        text = openssl("ec", "-pubin", "-text", "-noout", input=pub).decode()
        lines = text.split("pub:")[1].split("ASN1 OID")[0]
        point = "".join(c for c in lines if c in "0123456789abcdef").upper()
        rows.append([name, fp("-sha1"), fp("-md5"), fp("-sha256"), point])
    with open(os.path.join(OUT, "EXPECTED-harmony.tsv"), "w") as f:
        f.write("# Made by samples/make-harmony-samples.py with: openssl x509 -noout -fingerprint -sha1|-md5|-sha256, "
                "openssl x509 -noout -pubkey | openssl ec -pubin -text -noout (on samples/keys/harmony-<name>.pem)\n")
        f.write("certificate\tsha1\tmd5\tsha256\tec_point\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    print("HarmonyOS samples rebuilt in", OUT)


if __name__ == "__main__":
    sys.exit(main())
