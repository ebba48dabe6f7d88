#!/usr/bin/env python3
"""Builds appfiling's iOS samples with openssl and the Python standard library only.

Outputs in samples/ios/:
  sample.ipa                    binary Info.plist, zh-Hans (UTF-16) and en InfoPlist.strings, CgBI icons (120 and
                                180 px, as Xcode writes them), an embedded framework, an ATS exception domain, signed entitlements with an associated domain, an arm64 Mach-O whose code signature holds a CodeDirectory and a CMS made by `openssl cms -sign`,
                                embedded.mobileprovision, and an app extension with its own profile
  sample-encrypted.ipa          the same with LC_ENCRYPTION_INFO_64 cryptid 1, as an App Store download
  sample.mobileprovision        App Store-style profile, CMS-signed with `openssl cms -sign -stream` (BER)
  sample-adhoc.mobileprovision  Ad Hoc profile (ProvisionedDevices)
  sample-development.mobileprovision  Development profile (get-task-allow) with a development certificate
  sample-distribution.cer       the distribution certificate, DER
  sample-chain.pem              the distribution certificate and its CA, CA first
  sample-distribution.p12       the distribution identity, password "appfiling"
  EXPECTED-ios.tsv              what openssl says about them, with the commands

Keys and certificates live in samples/keys/ios-*; they are made once and reused. The CA is a TEST CA named
"appfiling TEST CA (not Apple)" with O=Apple Inc. so that tools treat its certificates as Apple-issued:
never trust it.
"""
import os, plistlib, struct, subprocess, sys, tempfile, zipfile, datetime, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")
OUT = os.path.join(HERE, "ios")
TEAM = "ABCDE12345"
BUNDLE_ID = "dev.appfiling.sample"
PASSWORD = "appfiling"
UUIDS = [f"6f1d2c3b-4a59-4e7d-8c21-00000000000{i}" for i in range(4)]


def openssl(*args, input=None):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, input=input).stdout


def make_keys():
    os.makedirs(KEYS, exist_ok=True)
    ca = os.path.join(KEYS, "ios-test-ca")
    if not os.path.exists(ca + ".pem"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key", "-out", ca + ".pem",
                "-days", "18250", "-subj", "/C=US/O=Apple Inc./OU=appfiling tests/CN=appfiling TEST CA (not Apple)",
                "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    leaves = {
        "ios-distribution": f"/UID={TEAM}/CN=iPhone Distribution: appfiling sample ({TEAM})/OU={TEAM}/O=appfiling sample/C=CN",
        "ios-development": f"/UID={TEAM}/CN=Apple Development: appfiling sample (DEV0000001)/OU={TEAM}/O=appfiling sample/C=CN",
        "ios-profile-signing": "/CN=appfiling TEST Provisioning Profile Signing/O=Apple Inc./C=US",
    }
    for name, subject in leaves.items():
        path = os.path.join(KEYS, name)
        if os.path.exists(path + ".pem"):
            continue
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", path + ".key", "-out", path + ".csr", "-subj", subject)
        openssl("x509", "-req", "-in", path + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "18000", "-out", path + ".pem")
        os.remove(path + ".csr")
    return {n: os.path.join(KEYS, n) for n in ["ios-test-ca", *leaves]}


def der(pem_path):
    return openssl("x509", "-in", pem_path, "-outform", "DER")


def profile(keys, name, bundle_id, uuid, devices=None, development=False):
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = keys["ios-development" if development else "ios-distribution"] + ".pem"
    content = {
        "AppIDName": "appfiling sample",
        "ApplicationIdentifierPrefix": [TEAM],
        "CreationDate": now,
        "ExpirationDate": now.replace(year=2045),
        "DeveloperCertificates": [der(cert)],
        "Entitlements": {
            "application-identifier": f"{TEAM}.{bundle_id}",
            "com.apple.developer.team-identifier": TEAM,
            "get-task-allow": development,
            "aps-environment": "development" if development else "production",
        },
        "Name": name,
        "Platform": ["iOS"],
        "TeamIdentifier": [TEAM],
        "TeamName": "appfiling sample",
        "TimeToLive": 6940,
        "UUID": uuid,
        "Version": 1,
    }
    if devices:
        content["ProvisionedDevices"] = devices
    plist = plistlib.dumps(content, fmt=plistlib.FMT_XML)
    signer = keys["ios-profile-signing"]
    # -stream makes BER with indefinite lengths, as Apple's profiles often are.
    return openssl("cms", "-sign", "-nodetach", "-binary", "-stream", "-outform", "DER", "-signer", signer + ".pem",
                   "-inkey", signer + ".key", "-certfile", keys["ios-test-ca"] + ".pem", input=plist)


def code_directory(identifier, team):
    ident = identifier.encode() + b"\0"
    team_bytes = team.encode() + b"\0"
    header_len = 52
    ident_offset = header_len
    team_offset = ident_offset + len(ident)
    hash_offset = team_offset + len(team_bytes)
    body = struct.pack(">IIIIIIIIIBBBBIII", 0xfade0c02, 0, 0x20400, 0, hash_offset, ident_offset, 0, 1, 4096,
                       32, 2, 0, 12, 0, 0, team_offset)
    blob = body + ident + team_bytes + b"\0" * 32  # one zero page hash
    return blob[:4] + struct.pack(">I", len(blob)) + blob[8:]


def macho(keys, identifier, cryptid=0):
    """A thin arm64 MH_EXECUTE with LC_ENCRYPTION_INFO_64 and LC_CODE_SIGNATURE."""
    cd = code_directory(identifier, TEAM)
    leaf = keys["ios-distribution"]
    cms = openssl("cms", "-sign", "-binary", "-outform", "DER", "-signer", leaf + ".pem", "-inkey", leaf + ".key",
                  "-certfile", keys["ios-test-ca"] + ".pem", input=cd)
    cms_blob = struct.pack(">II", 0xfade0b01, 8 + len(cms)) + cms
    entitlements = plistlib.dumps({
        "application-identifier": f"{TEAM}.{identifier}",
        "com.apple.developer.team-identifier": TEAM,
        "com.apple.developer.associated-domains": ["applinks:links.appfiling.dev"],
    }, fmt=plistlib.FMT_XML)
    ent_blob = struct.pack(">II", 0xfade7171, 8 + len(entitlements)) + entitlements
    index_len = 12 + 3 * 8
    superblob = struct.pack(">III", 0xfade0cc0, index_len + len(cd) + len(ent_blob) + len(cms_blob), 3)
    superblob += struct.pack(">II", 0, index_len)
    superblob += struct.pack(">II", 5, index_len + len(cd))
    superblob += struct.pack(">II", 0x10000, index_len + len(cd) + len(ent_blob))
    superblob += cd + ent_blob + cms_blob
    commands = struct.pack("<IIIIII", 0x2C, 24, 0x4000, 0x4000, cryptid, 0)
    # LC_LOAD_DYLIB of a framework the app links (name padded to 8 bytes).
    dylib = b"@rpath/AlipaySDK.framework/AlipaySDK\0"
    dylib += b"\0" * (-len(dylib) % 8)
    commands += struct.pack("<IIIIII", 0xC, 24 + len(dylib), 24, 2, 0x10000, 0x10000) + dylib
    text_end = 0x8000
    commands += struct.pack("<IIII", 0x1D, 16, text_end, len(superblob))
    # A __TEXT segment with C strings (a URL) and Objective-C class names, at fixed file offsets.
    cstrings = b"https://api.appfiling.dev/ios/v1\0plain text\0"
    classnames = b"WXApi\0AMapServices\0SampleViewController\0"
    sections = b""
    for name, offset, data in ((b"__cstring", 0x1000, cstrings), (b"__objc_classname", 0x1100, classnames)):
        sections += name.ljust(16, b"\0") + b"__TEXT".ljust(16, b"\0")
        sections += struct.pack("<QQIIIIIIII", 0x100000000 + offset, len(data), offset, 0, 0, 0, 0, 0, 0, 0)
    segment = struct.pack("<II16sQQQQIIII", 0x19, 72 + len(sections), b"__TEXT", 0x100000000, 0x8000, 0, 0x8000, 5, 5, 2, 0)
    commands += segment + sections
    header = struct.pack("<IIIIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 4, len(commands), 0x00200085, 0)
    body = header + commands
    body += b"\0" * (0x1000 - len(body)) + cstrings
    body += b"\0" * (0x1100 - len(body)) + classnames
    body += b"\0" * (text_end - len(body))
    return body + superblob


def cgbi_png(size, rgba):
    """An icon in Apple's CgBI form, as Xcode puts it in IPAs: a CgBI chunk first, BGRA pixels with
    premultiplied alpha, and IDAT holding raw deflate without the zlib wrapper."""
    r, g, b, a = rgba
    premultiplied = bytes([b * a // 255, g * a // 255, r * a // 255, a])
    raw = (b"\0" + premultiplied * size) * size
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    idat = compressor.compress(raw) + compressor.flush()
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"CgBI", b"\x50\x00\x20\x06") + chunk(b"IHDR", header)
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


ICON_RGBA = (30, 136, 229, 255)


def strings_utf16(pairs):
    text = "".join(f'"{k}" = "{v}";\n' for k, v in pairs.items())
    return b"\xff\xfe" + text.encode("utf-16-le")


def ipa(keys, path, cryptid=0):
    app = "Payload/Sample.app/"
    info = {
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleDisplayName": "Sample Notes",
        "CFBundleName": "Sample",
        "CFBundleExecutable": "Sample",
        "CFBundleShortVersionString": "1.4.2",
        "CFBundleVersion": "42",
        "MinimumOSVersion": "14.0",
        "CFBundleSupportedPlatforms": ["iPhoneOS"],
        "UIDeviceFamily": [1, 2],
        "CFBundleIcons": {"CFBundlePrimaryIcon": {"CFBundleIconFiles": ["AppIcon60x60"], "CFBundleIconName": "AppIcon"}},
        "NSAppTransportSecurity": {"NSExceptionDomains": {"legacy.appfiling.dev": {"NSExceptionAllowsInsecureHTTPLoads": True}}},
    }
    extension = {
        "CFBundleIdentifier": BUNDLE_ID + ".share",
        "CFBundleExecutable": "Share",
        "CFBundleShortVersionString": "1.4.2",
        "CFBundleVersion": "42",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(app + "Info.plist", plistlib.dumps(info, fmt=plistlib.FMT_BINARY))
        z.writestr(app + "Sample", macho(keys, BUNDLE_ID, cryptid))
        z.writestr(app + "embedded.mobileprovision", profile(keys, "appfiling sample App Store", BUNDLE_ID, UUIDS[0]))
        z.writestr(app + "zh-Hans.lproj/InfoPlist.strings", strings_utf16({"CFBundleDisplayName": "示例笔记"}))
        z.writestr(app + "Frameworks/WechatOpenSDK.framework/WechatOpenSDK", b"\xcf\xfa\xed\xfe")
        z.writestr(app + "AppIcon60x60@2x.png", cgbi_png(120, ICON_RGBA))
        z.writestr(app + "AppIcon60x60@3x.png", cgbi_png(180, ICON_RGBA))
        z.writestr(app + "en.lproj/InfoPlist.strings", '"CFBundleDisplayName" = "Sample Notes";\n'.encode())
        z.writestr(app + "PlugIns/Share.appex/Info.plist", plistlib.dumps(extension, fmt=plistlib.FMT_BINARY))
        z.writestr(app + "PlugIns/Share.appex/embedded.mobileprovision",
                   profile(keys, "appfiling sample Share App Store", BUNDLE_ID + ".share", UUIDS[1]))


def main():
    os.makedirs(OUT, exist_ok=True)
    keys = make_keys()
    ipa(keys, os.path.join(OUT, "sample.ipa"))
    # As if downloaded from the App Store: the executable is FairPlay-encrypted (cryptid 1).
    ipa(keys, os.path.join(OUT, "sample-encrypted.ipa"), cryptid=1)
    with open(os.path.join(OUT, "sample.mobileprovision"), "wb") as f:
        f.write(profile(keys, "appfiling sample App Store", BUNDLE_ID, UUIDS[0]))
    with open(os.path.join(OUT, "sample-adhoc.mobileprovision"), "wb") as f:
        f.write(profile(keys, "appfiling sample Ad Hoc", BUNDLE_ID, UUIDS[2], devices=["00008030-001A2B3C4D5E6F70"]))
    with open(os.path.join(OUT, "sample-development.mobileprovision"), "wb") as f:
        f.write(profile(keys, "appfiling sample Development", BUNDLE_ID, UUIDS[3], devices=["00008030-001A2B3C4D5E6F70"],
                        development=True))
    with open(os.path.join(OUT, "sample-distribution.cer"), "wb") as f:
        f.write(der(keys["ios-distribution"] + ".pem"))
    with open(os.path.join(OUT, "sample-chain.pem"), "wb") as f:
        # CA first: the leaf must be found by linkage, not by position.
        f.write(open(keys["ios-test-ca"] + ".pem", "rb").read() + open(keys["ios-distribution"] + ".pem", "rb").read())
    leaf = keys["ios-distribution"]
    openssl("pkcs12", "-export", "-inkey", leaf + ".key", "-in", leaf + ".pem", "-certfile", keys["ios-test-ca"] + ".pem",
            "-name", "appfiling sample distribution", "-passout", "pass:" + PASSWORD,
            "-out", os.path.join(OUT, "sample-distribution.p12"))

    rows = []
    for name in ["ios-distribution", "ios-development", "ios-profile-signing", "ios-test-ca"]:
        pem = keys[name] + ".pem"
        fp = lambda alg: openssl("x509", "-in", pem, "-noout", "-fingerprint", alg).decode().strip().split("=", 1)[1].replace(":", "")
        modulus = openssl("x509", "-in", pem, "-noout", "-modulus").decode().strip().split("=", 1)[1]
        subject = openssl("x509", "-in", pem, "-noout", "-subject", "-nameopt", "RFC2253").decode().strip().split("=", 1)[1]
        rows.append([name, subject, fp("-sha1"), fp("-md5"), fp("-sha256"), modulus])
    with open(os.path.join(OUT, "EXPECTED-ios.tsv"), "w") as f:
        f.write("# Made by samples/make-ios-samples.py with: openssl x509 -noout -fingerprint -sha1|-md5|-sha256, "
                "openssl x509 -noout -modulus, openssl x509 -noout -subject -nameopt RFC2253 (on samples/keys/<name>.pem)\n")
        f.write("\t".join(["certificate", "subject", "sha1", "md5", "sha256", "modulus"]) + "\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    print("iOS samples rebuilt in", OUT)


if __name__ == "__main__":
    sys.exit(main())
