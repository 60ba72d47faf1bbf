#!/usr/bin/env bash
# Proof that ragtune installs and runs with no network (a release check). What it does, its arguments, environment
# and exit codes: usage() below (packaging/prove_offline.sh --help).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: packaging/prove_offline.sh [BUNDLE_DIR]
       packaging/prove_offline.sh -h|--help

Proves that ragtune installs and runs with no network. Builds the offline bundle (or takes BUNDLE_DIR), then
inside a network namespace with nothing but a down loopback (`unshare -n`; `unshare -rn` when not root)
installs it with pipx into a fresh temporary location and runs `ragtune ingest`, `ask` and a 20-question
`eval run` on the sample pack. Under strace (when installed) any AF_INET/AF_INET6 connect() attempt fails
the proof, even though the namespace would have refused it anyway.

Arguments:
  BUNDLE_DIR     a bundle folder made by packaging/build_bundle.py --out BUNDLE_DIR (holds install.sh,
                 SHA256SUMS, wheelhouse/). Without it a bundle is built first: that step needs a package index.
  -h, --help     this text

Environment (all optional):
  PYTHON         target interpreter (default: python3)
  PACK           the sample pack (default: ragtune/models/pack)
  PACK_DOCS      what to ingest (default: $PACK/docs if it exists, else $PACK)
  EVAL_DATASET   a BEIR folder to evaluate on (default: the pack's docs + qa.jsonl, written as one)
  QUESTION       the question `ask` gets
  EVAL_LIMIT     how many questions the eval runs (default: 20)
  KEEP=1         keep the temporary folder and its logs

Exit status:
  0  PROOF: PASS (every step passed; no AF_INET/AF_INET6 connect() attempted)
  1  PROOF: FAIL (a step failed or a connect() was attempted), or an unexpected error
  2  the proof could not run: a bad argument, BUNDLE_DIR is not a bundle folder, no interpreter,
     the bundle build failed, or no network namespace could be made

Takes ~3-6 min on 2 cores (the build ~2 min of it). Run before each release; in CI only when
RAGTUNE_PROVE_OFFLINE=1 (see packaging/README.md).
EOF
}
usage_error() { echo "prove_offline.sh: error: $*" >&2; echo "usage: packaging/prove_offline.sh [BUNDLE_DIR] (see --help)" >&2; exit 2; }

# Arguments first: nothing (no temp folder, no build) happens before they are known to be right.
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --) shift; ARGS+=("$@"); break ;;
        -?*) usage_error "unknown option '$1'" ;;
        *) ARGS+=("$1") ;;
    esac
    shift
done
[ ${#ARGS[@]} -le 1 ] || usage_error "one BUNDLE_DIR at most, got ${#ARGS[@]}: ${ARGS[*]}"
BUNDLE=""
if [ ${#ARGS[@]} = 1 ]; then
    ARG="${ARGS[0]}"
    [ -n "${ARG//[[:space:]]/}" ] || usage_error "BUNDLE_DIR is empty (leave it out to build a bundle)"
    [ -e "$ARG" ] || usage_error "'$ARG' does not exist (BUNDLE_DIR is a bundle folder)"
    [ -d "$ARG" ] || usage_error "'$ARG' is not a folder (BUNDLE_DIR is a bundle folder)"
    [ -x "$ARG/install.sh" ] || usage_error "'$ARG' is not a bundle folder: it has no executable install.sh (make one with packaging/build_bundle.py --out DIR)"
    BUNDLE="$(cd "$ARG" && pwd)"
fi

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$(command -v "${PYTHON:-python3}")" || { echo "no ${PYTHON:-python3}" >&2; exit 2; }
# pyenv shims and venvs need their environment; the proof runs under `env -i`, so use the real interpreter.
PY="$("$PY" -c 'import sys; print(getattr(sys, "_base_executable", None) or sys.executable)')"
PACK="${PACK:-$REPO/ragtune/models/pack}"
if [ -z "${PACK_DOCS:-}" ]; then [ -d "$PACK/docs" ] && PACK_DOCS="$PACK/docs" || PACK_DOCS="$PACK"; fi
QUESTION="${QUESTION:-How many hours is the standard working week?}"
EVAL_LIMIT="${EVAL_LIMIT:-20}"

WORK="$(mktemp -d /tmp/ragtune-proof.XXXXXX)"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
echo "proof workdir: $WORK" >&2

# 1. The bundle (built with the network, outside the namespace).
if [ -z "$BUNDLE" ]; then
    T0=$(date +%s)
    "$PY" "$REPO/packaging/build_bundle.py" --out "$WORK/bundle" || { echo "prove_offline.sh: bundle build failed" >&2; exit 2; }
    echo "bundle build: $(( $(date +%s) - T0 )) s" >&2
    BUNDLE="$WORK/bundle"
fi
[ -x "$BUNDLE/install.sh" ] || { echo "$BUNDLE: no install.sh, not a bundle" >&2; exit 2; }

# 2. A namespace with no network. As root `unshare -n`; otherwise a user namespace (`unshare -rn`).
if unshare -n true 2>/dev/null; then NETNS=(unshare -n)
elif unshare -rn true 2>/dev/null; then NETNS=(unshare -rn)
else echo "cannot create a network namespace (unshare -n / -rn both failed); the proof needs one" >&2; exit 2; fi
TRACE=()
if command -v strace >/dev/null 2>&1; then
    TRACE=(strace -f --seccomp-bpf -qq -e trace=connect -e signal=none -o "$WORK/connect.log")
else
    echo "strace not found (apt-get install strace): relying on the namespace alone" >&2
fi

mkdir -p "$WORK/home" "$WORK/logs"
# The eval wants a BEIR folder: write the pack's documents and qa.jsonl as one (gold = the answering document).
if [ -z "${EVAL_DATASET:-}" ]; then
    EVAL_DATASET="$WORK/pack-beir"
    "$PY" - "$PACK_DOCS" "$PACK/qa.jsonl" "$EVAL_DATASET" <<'EOF'
import json, re, sys
from pathlib import Path
docs, qa, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
(out / "qrels").mkdir(parents=True)
with open(out / "corpus.jsonl", "w", encoding="utf-8") as fh:
    for p in sorted(f for f in docs.rglob("*") if f.is_file()):
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".html":
            text = re.sub(r"<[^>]+>", " ", text)
        fh.write(json.dumps({"_id": p.relative_to(docs).as_posix(), "title": p.stem, "text": text}) + "\n")
with open(qa, encoding="utf-8") as src, open(out / "queries.jsonl", "w", encoding="utf-8") as q, \
        open(out / "qrels" / "test.tsv", "w", encoding="utf-8") as rel:
    rel.write("query-id\tcorpus-id\tscore\n")
    for line in src:
        if not line.strip():
            continue
        row = json.loads(line)
        meta = {"answerable": row["answerable"], "answers": [row["answer"]] if row["answerable"] else []}
        q.write(json.dumps({"_id": row["id"], "text": row["question"], "metadata": meta}) + "\n")
        if row.get("gold_doc"):
            rel.write(f"{row['id']}\t{row['gold_doc']}\t1\n")
EOF
fi
cat > "$WORK/inner.sh" <<'INNER'
set -uo pipefail
cd "$HOME"
step() {  # step NAME CMD...: run, time, keep stdout/stderr, record PASS/FAIL/MISSING
    local name="$1"; shift
    local t0 rc; t0=$(date +%s.%N)
    "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err"; rc=$?
    local secs; secs=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))" 2>/dev/null || echo "?")
    local verdict=PASS
    if [ $rc -ne 0 ]; then
        verdict=FAIL
        grep -q "No such command" "$LOGS/$name.err" && verdict=MISSING
    fi
    printf '%-14s %-8s %6s s  rc=%s\n' "$name" "$verdict" "$secs" "$rc" | tee -a "$LOGS/summary.txt"
    [ $rc -ne 0 ] && tail -n 5 "$LOGS/$name.err" | sed 's/^/    /'
    return $rc
}
"$PY" -c 'import socket; names = [n for _, n in socket.if_nameindex()]; assert names == ["lo"], names; print("interfaces:", names)'
# pipx on the target: the bundle carries it; here it is installed offline from the bundle into a tool venv.
if ! command -v pipx >/dev/null 2>&1; then
    step pipx-bootstrap bash -c "'$PY' -m venv '$WORK/pipx-venv' && '$WORK/pipx-venv/bin/python' -m pip install -q --no-index --find-links '$BUNDLE/wheelhouse' pipx" || exit 1
    export PATH="$WORK/pipx-venv/bin:$PATH"
fi
step install bash "$BUNDLE/install.sh" --method pipx || exit 1
grep -o 'installed ragtune .* s:' "$LOGS/install.err" || true
step version ragtune --version
step ingest ragtune ingest "$PACK_DOCS"
step ask ragtune ask "$QUESTION" --json
step eval ragtune eval run "$EVAL_DATASET" --limit "$EVAL_LIMIT" --arms A --no-safety --json
INNER

T0=$(date +%s)
set +e
# PIP_CONFIG_FILE=/dev/null: no pip.conf either (/etc/pip.conf's find-links would let the pipx bootstrap take
# wheels from outside the bundle, so the proof would not show that the bundle is enough).
"${NETNS[@]}" "${TRACE[@]}" env -i \
    PATH="$WORK/bin:/usr/local/bin:/usr/bin:/bin" HOME="$WORK/home" LANG=C.UTF-8 TERM=dumb \
    PIP_CONFIG_FILE=/dev/null \
    PY="$PY" PYTHON="$PY" WORK="$WORK" LOGS="$WORK/logs" BUNDLE="$BUNDLE" \
    PIPX_HOME="$WORK/pipx" PIPX_BIN_DIR="$WORK/bin" PIPX_MAN_DIR="$WORK/man" \
    RAGTUNE_HOME="$WORK/ragtune-home" XDG_CACHE_HOME="$WORK/cache" XDG_DATA_HOME="$WORK/data" \
    OMP_NUM_THREADS=2 PACK_DOCS="$PACK_DOCS" EVAL_DATASET="$EVAL_DATASET" QUESTION="$QUESTION" EVAL_LIMIT="$EVAL_LIMIT" \
    bash "$WORK/inner.sh"
set -e
TOTAL=$(( $(date +%s) - T0 ))

echo
echo "== offline proof summary =="
echo "namespace: ${NETNS[*]}   python: $PY"
echo "bundle: $BUNDLE"
for d in wheelhouse sdist train .; do [ -e "$BUNDLE/$d" ] && du -sm "$BUNDLE/$d" | sed 's/^/  MB /'; done
cat "$WORK/logs/summary.txt" 2>/dev/null || true
FAILED=0
grep -qv ' PASS ' "$WORK/logs/summary.txt" 2>/dev/null && FAILED=1
[ -s "$WORK/logs/summary.txt" ] || FAILED=1
for s in install ingest ask eval; do grep -q "^$s .* PASS " "$WORK/logs/summary.txt" 2>/dev/null || FAILED=1; done
if [ ${#TRACE[@]} -gt 0 ]; then
    INET=$(grep -E 'connect\(.*AF_INET6?' "$WORK/connect.log" || true)
    if [ -n "$INET" ]; then
        echo "NETWORK: $(echo "$INET" | wc -l) AF_INET/AF_INET6 connect() attempts:"; echo "$INET" | head -5; FAILED=1
    else
        echo "NETWORK: no AF_INET/AF_INET6 connect() in $(grep -c 'connect(' "$WORK/connect.log" || true) traced connect() calls (all AF_UNIX)"
    fi
fi
echo "offline steps total: ${TOTAL} s"
[ "${KEEP:-0}" = 1 ] && echo "logs: $WORK/logs"
if [ $FAILED = 0 ]; then echo "PROOF: PASS"; else echo "PROOF: FAIL"; exit 1; fi
