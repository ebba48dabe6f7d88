#!/usr/bin/env bash
# The OpenAPI document `appfiling serve` serves (assets/serve/openapi.json), checked against the
# live server with schemathesis (PyPI, pinned, in a venv under target/): every documented route
# gets generated requests, valid and invalid, and every answer must match the document (status,
# content type, headers, schema). Then every bundled sample's report (and a sheet) is checked
# against the document's schemas, which random bytes never reach. Afterwards the server still
# answers and its temporary folder is empty. Needs python3 (with venv) and the network once, for pip.
#   MAX_EXAMPLES=N scripts/schema-test.sh   cases per route and phase (default 500: about 20 s, ~1,000 requests)
#   SEED=N scripts/schema-test.sh           replays a run (schemathesis prints its seed)
#
# Checks: all of schemathesis's, except
#   positive_data_acceptance  a request the schema allows need not be a package: random bytes in
#                             a `file` part are valid multipart, and the server rightly answers
#                             them with a documented 422 (no readable package) on /api/init and
#                             /api/sheet, or with the file's error in the report of /api/inspect;
#   negative_data_rejection   in multipart/form-data every part is bytes: a "number" or an
#                             "object" where the document says a file or a string arrives as
#                             the same bytes as a valid value, so there is nothing to reject
#                             (the query parameters' values are refused: tests/serve.rs);
#   use_after_free, ensure_resource_availability, object_level_authorization
#                             the server creates no resources (nothing to fetch, delete or own):
#                             nothing for them to check.
# For the same reason as positive_data_acceptance, schemathesis warns that /api/init and
# /api/sheet "mostly rejected generated data": random bytes are not packages (422).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
# The report check below validates with jsonschema (schemathesis itself uses jsonschema_rs).
JSONSCHEMA_VERSION=4.26.0
MAX_EXAMPLES=${MAX_EXAMPLES:-500}
venv=target/schemathesis-venv

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION" ||
    ! "$venv/bin/python" -c "import sys, importlib.metadata as m; sys.exit(m.version('jsonschema') != '$JSONSCHEMA_VERSION')" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION" "jsonschema==$JSONSCHEMA_VERSION"
fi

cargo build --quiet
work=$(mktemp -d "$PWD/target/schema-test.XXXXXX")
mkdir "$work/tmp"
# A token of this run only: the check also sees every route refuse a request without it.
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
: >"$work/server.log" # there before the server's first line, for the wait below
TMPDIR=$work/tmp target/debug/appfiling serve --bind 127.0.0.1:0 --token "$token" \
    --max-upload 16MiB 2>"$work/server.log" &
server=$!
# shellcheck disable=SC2317 # run by the trap
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port=
for _ in $(seq 1 100); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/server.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "schema-test: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

status=0
# Run from the run's folder: schemathesis keeps a cache (.schemathesis/) where it runs.
(cd "$work" && "$OLDPWD/$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks all \
    --exclude-checks positive_data_acceptance,negative_data_rejection,use_after_free,ensure_resource_availability,object_level_authorization \
    --phases examples,coverage,fuzzing \
    --max-examples "$MAX_EXAMPLES" \
    ${SEED:+--seed "$SEED"} \
    --workers 2 \
    --request-timeout 60 \
    --generation-database none \
    --report-dir "$work/report" \
    --no-color) || status=$?

fail() { echo "schema-test: $*" >&2; status=1; }

# Random bytes are never packages, so schemathesis only ever sees reports of errors: the
# package schemas are checked here, on the server's answers for every bundled sample (with
# detection and verification) and on a sheet, with jsonschema (schemathesis's own dependency).
"$venv/bin/python" - "$port" "$token" assets/serve/openapi.json <<'PY' || status=1
import copy, json, pathlib, sys, urllib.request, uuid
import jsonschema

port, token, document = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))

def json_schema(node):
    """OpenAPI 3.0's `nullable` in JSON Schema's words."""
    if isinstance(node, list):
        return [json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node

components = json_schema(copy.deepcopy(document["components"]))
def validator(name):
    return jsonschema.Draft7Validator({"$ref": f"#/components/schemas/{name}", "components": components})

def post(route, files, fields=()):
    boundary = uuid.uuid4().hex
    body = b""
    for path in files:
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + b"\r\n"
    for name, value in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{route}", data=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)

kinds = {".apk", ".aab", ".apks", ".xapk", ".apkm", ".ipa", ".hap", ".app", ".mobileprovision", ".p7b",
         ".cer", ".pem", ".p12", ".jks", ".jceks", ".keystore"}
samples = sorted(p for p in pathlib.Path("samples").rglob("*")
                 if p.suffix in kinds and "src" not in p.parts and p.is_file())
report, problems = validator("InspectReport"), 0
for sample in samples:
    password = "android" if sample.name == "debug.keystore" else "appfiling"
    fields = [("password", password)] if sample.suffix in {".p12", ".jks", ".jceks", ".keystore"} else []
    for query in ("", "?detect=1&verify=1"):
        answer = post(f"/api/inspect{query}", [sample], fields)
        if not answer["packages"]:
            print(f"schema-test: {sample}{query}: no package: {answer['errors']}")
            problems += 1
        for error in report.iter_errors(answer):
            print(f"schema-test: {sample}{query}: {'/'.join(map(str, error.absolute_path))}: {error.message[:200]}")
            problems += 1
sheet = post("/api/sheet?format=json", [pathlib.Path("samples/detect/sample-detect.apk"), pathlib.Path("samples/ios/sample.ipa")])
for error in validator("Sheet").iter_errors(sheet):
    print(f"schema-test: sheet: {'/'.join(map(str, error.absolute_path))}: {error.message[:200]}")
    problems += 1
print(f"schema-test: {len(samples)} samples' reports and a sheet against the document: {problems} problems")
sys.exit(1 if problems else 0)
PY

[ "$(python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())" "http://127.0.0.1:$port/healthz")" = ok ] || fail "/healthz does not answer ok after the run"

# Uploads are deleted when their request ends: poll briefly.
for _ in $(seq 1 50); do
    [ -z "$(ls -A "$work/tmp")" ] && break
    sleep 0.1
done
[ -z "$(ls -A "$work/tmp")" ] || fail "the server's temporary folder is not empty: $(ls -A "$work/tmp")"

grep -qF "$token" "$work/server.log" && fail "the token is in the server's log"
requests=$(grep -cE '^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE) /[^ ?]* [0-9]{3} (-|[0-9]+) [0-9]+ms$' "$work/server.log" || true)
[ "$requests" -gt 0 ] || fail "no request lines in the server's log"
if grep -E ' 5[0-9][0-9] (-|[0-9]+) [0-9]+ms$' "$work/server.log" | grep -v ' 503 '; then
    fail "server errors in the log (above)"
fi

echo "schema-test: $requests requests logged; temporary folder empty; exit $status"
exit "$status"
