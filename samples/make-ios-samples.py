#!/usr/bin/env python3
"""Builds appfiling's iOS samples with openssl and the Python standard library only.

Outputs in samples/ios/:
  sample.ipa                    binary Info.plist, zh-Hans (UTF-16) and en InfoPlist.strings, CgBI icons (120 and
                                180 px, as Xcode writes them), an ATS exception domain, embedded.mobileprovision, an
                                embedded framework and an app extension with its own profile; signed as Xcode signs:
                                each of the three arm64 Mach-Os carries a CodeDirectory (SHA-256, 4 KiB pages up to
                                the signature; special slots binding its bundle's Info.plist, requirements,
                                CodeResources and entitlements), the designated requirement, entitlements (the app's
                                with an associated domain) and a CMS over the CodeDirectory with Apple's CDHashes
                                attributes (checked by `openssl cms -verify`); each bundle is sealed by
                                _CodeSignature/CodeResources (files2/rules2, nested code by CDHash)
  sample-encrypted.ipa          the same with LC_ENCRYPTION_INFO_64 cryptid 1, as an App Store download: signed
                                over the clear code, then its encrypted range replaced by a stand-in for FairPlay
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
import hashlib, os, plistlib, struct, subprocess, sys, tempfile, zipfile, datetime, zlib

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


# ---- DER, enough to write a CMS SignedData and read a certificate's issuer and serial ----

def der_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, content):
    return bytes([tag]) + der_length(len(content)) + content


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def der_set(*parts):
    # DER sorts the members of a SET OF by their encodings.
    return tlv(0x31, b"".join(sorted(parts)))


def oid(dotted):
    numbers = [int(n) for n in dotted.split(".")]
    body = bytes([40 * numbers[0] + numbers[1]])
    for n in numbers[2:]:
        chunk = [n & 0x7f]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7f))
            n >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, body)


def der_children(data):
    """The TLVs (whole) inside a constructed value's content."""
    out, at = [], 0
    while at < len(data):
        length, head = data[at + 1], 2
        if length & 0x80:
            count = length & 0x7f
            length, head = int.from_bytes(data[at + 2:at + 2 + count], "big"), 2 + count
        out.append(data[at:at + head + length])
        at += head + length
    return out


def content_of(value):
    length = value[1]
    return value[2 + (length & 0x7f if length & 0x80 else 0):]


def issuer_and_serial(cert_der):
    tbs = der_children(content_of(cert_der))[0]
    fields = der_children(content_of(tbs))
    if fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    serial, _, issuer = fields[0], fields[1], fields[2]
    return seq(issuer, serial)


OID_DATA = "1.2.840.113549.1.7.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_RSA = "1.2.840.113549.1.1.1"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_TIME = "1.2.840.113549.1.9.5"
# Apple's CDHashes attributes: a plist of the CDHashes cut to 20 bytes, and (algorithm, hash) pairs.
OID_CDHASHES_PLIST = "1.2.840.113635.100.9.1"
OID_CDHASHES = "1.2.840.113635.100.9.2"
SIGNING_TIME = b"260101000000Z"


def code_signature_cms(keys, code_directory):
    """A detached CMS SignedData over the CodeDirectory as codesign writes it: SHA-256, the
    signed attributes contentType, signingTime, messageDigest and Apple's two CDHashes
    attributes, the leaf and its CA. The signature over the attributes is made by
    `openssl dgst -sha256 -sign` (RSA PKCS#1 v1.5, deterministic); openssl checks the result."""
    leaf = keys["ios-distribution"]
    leaf_der, ca_der = der(leaf + ".pem"), der(keys["ios-test-ca"] + ".pem")
    sha256 = hashlib.sha256(code_directory).digest()
    algorithm = seq(oid(OID_SHA256), tlv(0x05, b""))
    cdhashes = plistlib.dumps({"cdhashes": [sha256[:20]]}, fmt=plistlib.FMT_XML)
    attributes = [
        seq(oid(OID_CONTENT_TYPE), der_set(oid(OID_DATA))),
        seq(oid(OID_SIGNING_TIME), der_set(tlv(0x17, SIGNING_TIME))),
        seq(oid(OID_MESSAGE_DIGEST), der_set(tlv(0x04, sha256))),
        seq(oid(OID_CDHASHES_PLIST), der_set(tlv(0x04, cdhashes))),
        seq(oid(OID_CDHASHES), der_set(seq(oid(OID_SHA256), tlv(0x04, sha256)))),
    ]
    signed_attributes = der_set(*attributes)
    signature = openssl("dgst", "-sha256", "-sign", leaf + ".key", input=signed_attributes)
    signer_info = seq(tlv(0x02, b"\x01"), issuer_and_serial(leaf_der), algorithm,
                      b"\xa0" + signed_attributes[1:], seq(oid(OID_RSA), tlv(0x05, b"")), tlv(0x04, signature))
    signed_data = seq(tlv(0x02, b"\x01"), der_set(algorithm), seq(oid(OID_DATA)),
                      tlv(0xA0, leaf_der + ca_der), der_set(signer_info))
    cms = seq(oid(OID_SIGNED_DATA), tlv(0xA0, signed_data))
    with tempfile.TemporaryDirectory() as tmp:
        cms_path, cd_path = os.path.join(tmp, "cms.der"), os.path.join(tmp, "cd.bin")
        open(cms_path, "wb").write(cms)
        open(cd_path, "wb").write(code_directory)
        # Independent evidence: openssl verifies the signature and the messageDigest.
        openssl("cms", "-verify", "-binary", "-inform", "DER", "-in", cms_path, "-content", cd_path,
                "-CAfile", keys["ios-test-ca"] + ".pem", "-purpose", "any", "-out", os.devnull)
    return cms


PAGE = 4096
DISTRIBUTION_CN = f"iPhone Distribution: appfiling sample ({TEAM})"
# What LC_CODE_SIGNATURE reserves: the SuperBlob, then zeros, as codesign pads it.
SIGNATURE_SPACE = 0x2000
# The special slots, by their negative index (cs_blobs.h).
SLOT_INFO_PLIST, SLOT_REQUIREMENTS, SLOT_RESOURCES, SLOT_ENTITLEMENTS, SLOT_DER_ENTITLEMENTS = 1, 2, 3, 5, 7
CS_EXECSEG_MAIN_BINARY = 1


def requirement_data(data):
    return struct.pack(">I", len(data)) + data + b"\0" * (-len(data) % 4)


def designated_requirement(identifier):
    """The requirements blob with Xcode's designated requirement, compiled (Apple's
    requirement.h: opAnd 6, opIdent 2, opAppleGenericAnchor 15, opCertField 11, opCertGeneric 14):
    identifier "<id>" and anchor apple generic and certificate leaf[subject.CN] = "<CN>" and
    certificate 1[field.1.2.840.113635.100.6.2.1] exists."""
    wwdr_marker = content_of(oid("1.2.840.113635.100.6.2.1"))
    # "a and b and c and d" compiles as and(a, and(b, and(c, d))), as in Xcode's signatures.
    expression = struct.pack(">II", 6, 2) + requirement_data(identifier.encode())
    expression += struct.pack(">II", 6, 15)
    expression += struct.pack(">IIi", 6, 11, 0) + requirement_data(b"subject.CN") + struct.pack(">I", 1)
    expression += requirement_data(DISTRIBUTION_CN.encode())
    expression += struct.pack(">Ii", 14, 1) + requirement_data(wwdr_marker) + struct.pack(">I", 0)
    requirement = struct.pack(">III", 0xfade0c00, 12 + len(expression), 1) + expression
    return struct.pack(">IIIII", 0xfade0c01, 20 + len(requirement), 1, 3, 20) + requirement


def requirement_text(identifier):
    return (f'identifier "{identifier}" and anchor apple generic and certificate leaf[subject.CN] = '
            f'"{DISTRIBUTION_CN}" and certificate 1[field.1.2.840.113635.100.6.2.1] /* exists */')


def code_directory(identifier, code, special, exec_segment_limit, exec_segment_flags):
    """A version 0x20400 CodeDirectory: SHA-256 of every 4 KiB page of `code` (the file up to
    its signature) and the special slots `special` ({index: bytes hashed}, absent ones zero)."""
    ident = identifier.encode() + b"\0"
    team = TEAM.encode() + b"\0"
    header_len = 88
    slots = max(special)
    specials = b"".join(hashlib.sha256(special[i]).digest() if i in special else b"\0" * 32
                        for i in range(slots, 0, -1))
    pages = b"".join(hashlib.sha256(code[at:at + PAGE]).digest() for at in range(0, len(code), PAGE))
    team_offset = header_len + len(ident)
    hash_offset = team_offset + len(team) + len(specials)
    length = hash_offset + len(pages)
    header = struct.pack(">IIIIIIIIIBBBBIIIIQQQQ", 0xfade0c02, length, 0x20400, 0, hash_offset, header_len, slots,
                         len(pages) // 32, len(code), 32, 2, 0, 12, 0, 0, team_offset, 0, 0, 0,
                         exec_segment_limit, exec_segment_flags)
    return header + ident + team + specials + pages


def superblob(blobs):
    """The embedded-signature SuperBlob over (slot, blob) pairs."""
    index_len = 12 + 8 * len(blobs)
    out, offset = struct.pack(">III", 0xfade0cc0, index_len + sum(len(b) for _, b in blobs), len(blobs)), index_len
    for slot, blob in blobs:
        out += struct.pack(">II", slot, offset)
        offset += len(blob)
    return out + b"".join(b for _, b in blobs)


def der_value(value):
    """A plist value as the DER entitlements hold it: BOOLEAN, UTF8String, INTEGER, SEQUENCE
    for arrays, a SET of (key, value) SEQUENCEs for dictionaries."""
    if isinstance(value, bool):
        return tlv(0x01, b"\xff" if value else b"\0")
    if isinstance(value, int):
        return tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))
    if isinstance(value, str):
        return tlv(0x0C, value.encode())
    if isinstance(value, list):
        return seq(*(der_value(v) for v in value))
    return der_set(*(seq(tlv(0x0C, k.encode()), der_value(v)) for k, v in value.items()))


def entitlements_blobs(identifier, associated_domains=None):
    """The entitlements as XML (slot 5) and as DER (slot 7), both bound by special slots."""
    entitlements = {
        "application-identifier": f"{TEAM}.{identifier}",
        "com.apple.developer.team-identifier": TEAM,
    }
    if associated_domains:
        entitlements["com.apple.developer.associated-domains"] = associated_domains
    plist = plistlib.dumps(entitlements, fmt=plistlib.FMT_XML)
    encoded = der_value(entitlements)
    return (struct.pack(">II", 0xfade7171, 8 + len(plist)) + plist,
            struct.pack(">II", 0xfade7172, 8 + len(encoded)) + encoded)


def sign(keys, identifier, code, info_plist, resources, entitlements, exec_segment_limit, exec_segment_flags):
    """The code signature of `code` (the file's bytes before it), padded to SIGNATURE_SPACE, and
    its CodeDirectory's CDHash."""
    requirements = designated_requirement(identifier)
    special = {SLOT_INFO_PLIST: info_plist, SLOT_REQUIREMENTS: requirements, SLOT_RESOURCES: resources}
    if entitlements:
        special[SLOT_ENTITLEMENTS], special[SLOT_DER_ENTITLEMENTS] = entitlements
    cd = code_directory(identifier, code, special, exec_segment_limit, exec_segment_flags)
    cms = code_signature_cms(keys, cd)
    blobs = [(0, cd), (2, requirements)]
    if entitlements:
        blobs += [(5, entitlements[0]), (7, entitlements[1])]
    blobs.append((0x10000, struct.pack(">II", 0xfade0b01, 8 + len(cms)) + cms))
    signature = superblob(blobs)
    assert len(signature) <= SIGNATURE_SPACE, len(signature)
    return signature + b"\0" * (SIGNATURE_SPACE - len(signature)), hashlib.sha256(cd).digest()


def macho(filetype, extra_commands=b"", text_sections=()):
    """A thin arm64 Mach-O up to its code signature: a __TEXT segment holding `text_sections`
    ((name, file offset, bytes)) and the whole file before the signature, `extra_commands`,
    and LC_CODE_SIGNATURE for SIGNATURE_SPACE bytes after __TEXT. Returns (bytes, __TEXT size)."""
    text_end = max([PAGE] + [offset + len(data) for _, offset, data in text_sections])
    text_end += -text_end % PAGE
    sections = b""
    for name, offset, data in text_sections:
        sections += name.ljust(16, b"\0") + b"__TEXT".ljust(16, b"\0")
        sections += struct.pack("<QQIIIIIIII", 0x100000000 + offset, len(data), offset, 0, 0, 0, 0, 0, 0, 0)
    segment = struct.pack("<II16sQQQQIIII", 0x19, 72 + len(sections), b"__TEXT", 0x100000000, text_end, 0, text_end,
                          5, 5, len(text_sections), 0)
    commands = extra_commands + struct.pack("<IIII", 0x1D, 16, text_end, SIGNATURE_SPACE) + segment + sections
    ncmds = 0
    at = 0
    while at < len(commands):
        ncmds += 1
        at += struct.unpack_from("<I", commands, at + 4)[0]
    flags = 0x00200085 if filetype == 2 else 0x00100085
    body = struct.pack("<IIIIIIII", 0xFEEDFACF, 0x0100000C, 0, filetype, ncmds, len(commands), flags, 0) + commands
    for _, offset, data in sorted(text_sections, key=lambda s: s[1]):
        body += b"\0" * (offset - len(body)) + data
    return body + b"\0" * (text_end - len(body)), text_end


def dylib_command(cmd, name):
    name = name.encode() + b"\0"
    name += b"\0" * (-len(name) % 8)
    return struct.pack("<IIIIII", cmd, 24 + len(name), 24, 2, 0x10000, 0x10000) + name


def main_executable(cryptid):
    """The app's executable with LC_ENCRYPTION_INFO_64 over its second half, a linked framework,
    a URL among its C strings and Objective-C class names, at fixed file offsets."""
    commands = struct.pack("<IIIIII", 0x2C, 24, 0x4000, 0x4000, cryptid, 0)
    commands += dylib_command(0xC, "@rpath/AlipaySDK.framework/AlipaySDK")
    cstrings = b"https://api.appfiling.dev/ios/v1\0plain text\0"
    classnames = b"WXApi\0AMapServices\0SampleViewController\0"
    code = b"\x1f\x20\x03\xd5" * (0x4000 // 4)  # arm64 NOPs: the pages FairPlay encrypts
    return macho(2, commands, [(b"__cstring", 0x1000, cstrings), (b"__objc_classname", 0x1100, classnames),
                               (b"__text", 0x4000, code)])


def fairplay(code, start, end):
    """Stands in for the App Store's FairPlay encryption of bytes start..end: a deterministic
    keystream, so that the encrypted pages no longer match the hashes of the clear code."""
    stream = b"".join(hashlib.sha256(b"appfiling fairplay stand-in %d" % i).digest()
                      for i in range((end - start) // 32 + 1))
    return code[:start] + bytes(a ^ b for a, b in zip(code[start:end], stream)) + code[end:]


# rules and rules2 as Xcode writes them into _CodeSignature/CodeResources.
RULES = {
    "^.*": True,
    "^.*\\.lproj/": {"optional": True, "weight": 1000.0},
    "^.*\\.lproj/locversion.plist$": {"omit": True, "weight": 1100.0},
    "^Base\\.lproj/": {"weight": 1010.0},
    "^version.plist$": True,
}
RULES2 = {
    ".*\\.dSYM($|/)": {"weight": 11.0},
    "^(.*/)?\\.DS_Store$": {"omit": True, "weight": 2000.0},
    "^.*": True,
    "^.*\\.lproj/": {"optional": True, "weight": 1000.0},
    "^.*\\.lproj/locversion.plist$": {"omit": True, "weight": 1100.0},
    "^Base\\.lproj/": {"weight": 1010.0},
    "^Info\\.plist$": {"omit": True, "weight": 20.0},
    "^PkgInfo$": {"omit": True, "weight": 20.0},
    "^embedded\\.provisionprofile$": {"weight": 20.0},
    "^version\\.plist$": {"weight": 20.0},
}


def code_resources(resources, nested):
    """_CodeSignature/CodeResources over a bundle's `resources` ({path: bytes}, the executable
    left out) and its `nested` code ({path: (cdhash, identifier)}): `files2` holds each file's
    SHA-256 (hash2), lproj files marked optional and Info.plist omitted, as rules2 say, and each
    nested bundle's CDHash (cut to 20 bytes) with its designated requirement; `files` and
    `rules` are the legacy SHA-1 seal Xcode still writes."""
    files, files2 = {}, {}
    for path, data in sorted(resources.items()):
        optional = ".lproj/" in path
        sha1 = hashlib.sha1(data).digest()
        files[path] = {"hash": sha1, "optional": True} if optional else sha1
        if path != "Info.plist":
            entry = {"hash2": hashlib.sha256(data).digest()}
            if optional:
                entry["optional"] = True
            files2[path] = entry
    for path, (cdhash, identifier) in sorted(nested.items()):
        files2[path] = {"cdhash": cdhash[:20], "requirement": requirement_text(identifier)}
    return plistlib.dumps({"files": files, "files2": files2, "rules": RULES, "rules2": RULES2}, fmt=plistlib.FMT_XML)


def signed_bundle(keys, resources, nested, executable, identifier, code, text_end, exec_segment_flags,
                  entitlements=None, encrypt=None):
    """The bundle's files ({path: bytes}): `resources` (Info.plist among them), its seal and its
    signed `executable`; and the CDHash that seals it into its parent."""
    seal = code_resources(resources, nested)
    signature, cdhash = sign(keys, identifier, code, resources["Info.plist"], seal, entitlements, text_end,
                             exec_segment_flags)
    if encrypt:
        code = fairplay(code, *encrypt)
    files = dict(resources)
    files["_CodeSignature/CodeResources"] = seal
    files[executable] = code + signature
    return files, cdhash


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
    framework_id = "dev.appfiling.stub.WechatOpenSDK"
    framework_info = {
        "CFBundleIdentifier": framework_id,
        "CFBundleExecutable": "WechatOpenSDK",
        "CFBundlePackageType": "FMWK",
        "CFBundleShortVersionString": "2.0.4",
        "CFBundleVersion": "1",
    }
    # Nested code first: its CDHashes go into the app's seal.
    code, text_end = macho(6, dylib_command(0xD, "@rpath/WechatOpenSDK.framework/WechatOpenSDK"))
    framework, framework_cdhash = signed_bundle(
        keys, {"Info.plist": plistlib.dumps(framework_info, fmt=plistlib.FMT_BINARY)}, {}, "WechatOpenSDK",
        framework_id, code, text_end, 0)
    code, text_end = macho(2)
    share, share_cdhash = signed_bundle(
        keys, {"Info.plist": plistlib.dumps(extension, fmt=plistlib.FMT_BINARY),
               "embedded.mobileprovision": profile(keys, "appfiling sample Share App Store", BUNDLE_ID + ".share",
                                                   UUIDS[1])},
        {}, "Share", BUNDLE_ID + ".share", code, text_end, CS_EXECSEG_MAIN_BINARY,
        entitlements_blobs(BUNDLE_ID + ".share"))
    resources = {
        "Info.plist": plistlib.dumps(info, fmt=plistlib.FMT_BINARY),
        "embedded.mobileprovision": profile(keys, "appfiling sample App Store", BUNDLE_ID, UUIDS[0]),
        "zh-Hans.lproj/InfoPlist.strings": strings_utf16({"CFBundleDisplayName": "示例笔记"}),
        "AppIcon60x60@2x.png": cgbi_png(120, ICON_RGBA),
        "AppIcon60x60@3x.png": cgbi_png(180, ICON_RGBA),
        "en.lproj/InfoPlist.strings": '"CFBundleDisplayName" = "Sample Notes";\n'.encode(),
    }
    nested = {
        "Frameworks/WechatOpenSDK.framework": (framework_cdhash, framework_id),
        "PlugIns/Share.appex": (share_cdhash, BUNDLE_ID + ".share"),
    }
    code, text_end = main_executable(cryptid)
    # An App Store download: signed over the clear code, then FairPlay-encrypted (cryptoff..+cryptsize).
    sample, _ = signed_bundle(keys, resources, nested, "Sample", BUNDLE_ID, code, text_end, CS_EXECSEG_MAIN_BINARY,
                              entitlements_blobs(BUNDLE_ID, ["applinks:links.appfiling.dev"]),
                              encrypt=(0x4000, 0x8000) if cryptid else None)
    entries = dict(sample)
    entries.update({"Frameworks/WechatOpenSDK.framework/" + p: b for p, b in framework.items()})
    entries.update({"PlugIns/Share.appex/" + p: b for p, b in share.items()})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            entry = zipfile.ZipInfo(app + name, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o100644 << 16
            z.writestr(entry, data)


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
