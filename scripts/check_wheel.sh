#!/usr/bin/env bash
# The wheel works on its own: build it from a fresh clone, install it into a fresh venv, and, from a
# folder with no source tree, run `hfaudit demo` (a small store) and `hfaudit audit --format sarif`,
# which must load every audit in queries/.
#
#   scripts/check_wheel.sh [REPO] [WORKDIR]
#
# REPO defaults to this checkout (its committed HEAD is cloned: uncommitted edits are not tested);
# WORKDIR to a new temporary folder, removed at the end unless KEEP=1. Dependencies come from the
# package index pip is configured with. Exit 0 when every check passes; the first failure stops it.
set -euo pipefail

repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
work=${2:-$(mktemp -d -t hfaudit-wheel-XXXXXX)}
py=${PY:-python3.11}
cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT
say() { echo "check_wheel: $*"; }

branch=$(git -C "$repo" rev-parse --abbrev-ref HEAD)
say "cloning $repo ($branch at $(git -C "$repo" rev-parse --short HEAD)) into $work/clone"
git clone -q --branch "$branch" "$repo" "$work/clone"

say "building the wheel (pip wheel . -w dist --no-deps)"
(cd "$work/clone" && "$py" -m pip wheel -q . -w dist --no-deps)
wheel=$(ls "$work"/clone/dist/hfaudit-*.whl)
say "built $(basename "$wheel")"
# What the wheel must hold: every audit as package data, the typing marker.
n_sql=$(ls "$work"/clone/queries/*.sql | wc -l)
"$py" - "$wheel" "$n_sql" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
sql = [n for n in names if n.startswith("hfaudit/queries/") and n.endswith(".sql")]
assert len(sql) == int(sys.argv[2]), f"wheel holds {len(sql)} audits, queries/ has {sys.argv[2]}"
assert "hfaudit/py.typed" in names, "wheel has no hfaudit/py.typed"
assert not any(n.startswith(("tests/", "queries/")) for n in names), "wheel ships the source tree"
print(f"check_wheel: wheel holds {len(sql)} audits and py.typed")
EOF

say "installing into a fresh venv"
"$py" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$wheel"

# Far from the clone: nothing on the path but the installed package.
mkdir -p "$work/elsewhere"
cd "$work/elsewhere"
rm -rf "$work/clone"
located=$("$work/venv/bin/python" -c "import hfaudit, pathlib; print(pathlib.Path(hfaudit.__file__).parent)")
case "$located" in
  "$work/venv/"*) say "hfaudit imports from $located" ;;
  *) say "hfaudit imports from $located, not the venv"; exit 1 ;;
esac

say "hfaudit demo --models 30 (a small store)"
HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_XET=1 "$work/venv/bin/hfaudit" demo --models 30 --seed 3 --out demo --quiet >demo.log
say "hfaudit audit --db demo/hfaudit.duckdb --format sarif"
status=0
"$work/venv/bin/hfaudit" audit --db demo/hfaudit.duckdb --format sarif --fail-on error -o findings.sarif || status=$?
if [ "$status" -gt 1 ]; then say "audit exited $status"; exit 1; fi
"$work/venv/bin/python" - findings.sarif "$n_sql" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
rules = run["tool"]["driver"]["rules"]
assert len(rules) == int(sys.argv[2]), f"SARIF names {len(rules)} rules, queries/ has {sys.argv[2]}"
print(f"check_wheel: SARIF from the installed wheel: {len(rules)} audits loaded, {len(run['results'])} results")
EOF
say "ok"
