#!/usr/bin/env python3
"""Turns the raw apksigner/aapt outputs in expected/ into EXPECTED.tsv (one row per sample)."""
import glob, os, re

COLUMNS = ["file", "verifies", "package", "version_code", "version_name", "min_sdk", "target_sdk", "debuggable",
           "label", "label_zh_CN", "label_zh_TW", "icon", "schemes", "signer_dn", "cert_sha256", "cert_md5", "pubkey_sha256"]

def badging(text):
    out = {}
    m = re.search(r"package: name='([^']*)' versionCode='([^']*)' versionName='([^']*)'", text)
    out["package"], out["version_code"], out["version_name"] = m.groups()
    out["min_sdk"] = re.search(r"sdkVersion:'(\d+)'", text).group(1)
    out["target_sdk"] = re.search(r"targetSdkVersion:'(\d+)'", text).group(1)
    out["debuggable"] = "true" if "application-debuggable" in text else "false"
    out["label"] = re.search(r"application-label:'([^']*)'", text).group(1)
    for tag, loc in (("zh_CN", "zh-CN"), ("zh_TW", "zh-TW")):
        m = re.search(r"application-label-%s:'([^']*)'" % loc, text)
        out["label_" + tag] = m.group(1) if m else "-"
    icons = re.findall(r"application-icon-(\d+):'([^']*)'", text)
    out["icon"] = max(icons, key=lambda d: int(d[0]))[1] if icons else "-"
    return out

def apksigner(text):
    schemes = [v for v, s in re.findall(r"Verified using (v[\d.]+) scheme[^:]*: (true|false)", text) if s == "true"]
    def signer_values(label):
        return [v.upper() for v in re.findall(r"Signer #\d+ %s: ([0-9a-f]+)" % re.escape(label), text)]
    return {
        "verifies": "yes" if "# exit 0" in text else "no",
        "schemes": ",".join(schemes) or "-",
        "signer_dn": ";".join(re.findall(r"Signer #\d+ certificate DN: (.*)", text)) or "-",
        "cert_sha256": ";".join(signer_values("certificate SHA-256 digest")) or "-",
        "cert_md5": ";".join(signer_values("certificate MD5 digest")) or "-",
        "pubkey_sha256": ";".join(signer_values("public key SHA-256 digest")) or "-",
    }

print("# Made by make-samples.sh from expected/*.txt: `aapt dump badging` and "
      "`apksigner verify --print-certs --verbose` (Debian) on each sample. Hex is uppercase; lists are ';'-separated.")
print("\t".join(COLUMNS))
here = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(here, "sample-*.apk"))):
    name = os.path.basename(path)[:-4]
    row = {"file": name + ".apk"}
    row.update(badging(open(os.path.join(here, "expected", name + ".badging.txt"), encoding="utf-8").read()))
    row.update(apksigner(open(os.path.join(here, "expected", name + ".apksigner.txt"), encoding="utf-8").read()))
    print("\t".join(row[c] for c in COLUMNS))
