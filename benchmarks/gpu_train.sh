#!/usr/bin/env bash
# A training run on a lent GPU machine (the `device` tool: 15 minutes of device time, at most 64 MiB of the
# working tree per call, files back at most 16 MiB each), prepared here so that a session that draws one spends
# its minutes training, not debugging. Three device calls between two steps here (docs/tuning.md, "On a lent GPU
# machine"):
#
#   bash benchmarks/gpu_train.sh prepare DATASET_DIR   # here: .device/ = the base GGUF in 3 parts, the dataset
#                                                      # (gzip), the gguf wheel; prints the three device calls
#   bash benchmarks/gpu_train.sh stash .device/a       # there, calls 1 and 2 (.device/a, then .device/b): keep
#                                                      # the carried part in /root/stash
#   bash benchmarks/gpu_train.sh train [TRAIN ARGS]    # there, call 3: assemble, check sha256, bench, train; the
#                                                      # adapter comes back in 15 MB parts under $OUT
#   bash benchmarks/gpu_train.sh train-many RUNS_FILE  # there, call 3 instead: the runs of RUNS_FILE (one per line:
#                                                      # NAME TRAIN ARGS) at the same time on the one GPU; each
#                                                      # comes back as NAME.tar.part*
#   bash benchmarks/gpu_train.sh collect FILES_AT DEST # here: reassemble the adapter folder (then convert lora)
#
# The base GGUF (98 MB) and the repository (~16 MB) do not fit one call, so the parts travel in calls made within
# the 30 s the machine stays warm. `train` also runs on a CPU (STASH and OUT set to folders, tiny --max-steps),
# which is how this script is tested without a GPU.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
DEV=${DEV:-$HERE/.device}
STASH=${STASH:-/root/stash}
# 40 MiB parts: a call carries the working tree (~19 MiB with round 31's corpus) plus one part within 64 MiB
PART=40m

case "${1:-}" in
prepare)
    data=${2:?usage: gpu_train.sh prepare DATASET_DIR}
    test -f "$data/train.jsonl" || { echo "error: $data has no train.jsonl (a built dataset folder)" >&2; exit 2; }
    gguf=$("$HERE/.venv/bin/python" -c 'from ragtune.appliance.default_models import locate_all
from ragtune.models.train.config import DEFAULT_BASE; print(locate_all(DEFAULT_BASE)[0])')
    rm -rf "$DEV" && mkdir -p "$DEV/a" "$DEV/b" "$DEV/c"
    sha256sum "$gguf" | cut -d' ' -f1 >"$DEV/c/base.sha256"
    split -b $PART -d "$gguf" "$DEV/base.gguf.part"
    mv "$DEV/base.gguf.part00" "$DEV/a/" && mv "$DEV/base.gguf.part01" "$DEV/b/" && mv "$DEV"/base.gguf.part* "$DEV/c/"
    tar -C "$data" -czf "$DEV/c/data.tgz" train.jsonl $(cd "$data" && ls holdout.jsonl *_config.json 2>/dev/null)
    "$HERE/.venv/bin/python" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform any -d "$DEV/c" "gguf==$("$HERE/.venv/bin/python" -c 'import gguf, importlib.metadata as m; print(m.version("gguf"))')"
    du -sh "$DEV"/*
    cat <<EOF
device calls, one right after another (the machine stays warm 30 s):
  run carry=[".device/a"] command="bash benchmarks/gpu_train.sh stash .device/a"
  run carry=[".device/b"] command="bash benchmarks/gpu_train.sh stash .device/b"
  run carry=[".device/c"] timeout_s=540 command="bash benchmarks/gpu_train.sh train \\
      --config ragtune/models/recipes/default.toml --epochs 2 --max-steps 680 --batch-size 16 --grad-accum 1 \\
      --bf16 --save-every 100"
then here: bash benchmarks/gpu_train.sh collect FILES_AT DIR && ragtune convert lora DIR \\
      --base smollm2-135m-instruct-q4_1 --outtype f16 --out DIR.gguf
EOF
    ;;
stash)
    mkdir -p "$STASH" && cp "${2:?which folder}"/* "$STASH"/ && ls -la "$STASH"
    ;;
train|train-many)
    step=$1 && shift
    out=${OUT:?OUT must name the folder whose files come back}
    if [ "$step" = train-many ]; then
        runs=${1:?usage: gpu_train.sh train-many RUNS_FILE}
        test -f "$runs" || { echo "error: no runs file $runs" >&2; exit 2; }
    fi
    mkdir -p "$STASH" && cp "$DEV"/c/* "$STASH"/ 2>/dev/null || true
    cat "$STASH"/base.gguf.part* >"$STASH/base.gguf"
    test "$(sha256sum "$STASH/base.gguf" | cut -d' ' -f1)" = "$(cat "$STASH/base.sha256")" \
        || { echo "error: the assembled base GGUF does not match its sha256 (a part is missing?)" >&2; exit 3; }
    if ! python3 -c 'import gguf' 2>/dev/null; then
        python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$STASH"/gguf-*.whl
        export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
    fi
    export PYTHONPATH=$HERE${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 RAGTUNE_HOME=${RAGTUNE_HOME:-/tmp/rt-home}
    mkdir -p /tmp/rt-data && tar -C /tmp/rt-data -xzf "$STASH/data.tgz"
    python3 - <<'EOF' | tee "$out/machine.txt"
import os, platform, torch
print(platform.platform(), os.cpu_count(), "cpus", torch.__version__,
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no cuda")
EOF
    # examples/s of the trainer's own step, batch 1 against batches (issue 12 item 3), before the run; measured
    # in round 27, so SKIP_BENCH=1 gives its ~60 s to training
    # shellcheck disable=SC2086
    [ -n "${SKIP_BENCH:-}" ] || python3 "$HERE/benchmarks/bench_train.py" --base "$STASH/base.gguf" ${BENCH:---lengths 512,1024 \
        --batch-sizes 1,16 --examples 32 --steps 1 --examples-per-step 16 --bf16} 2>&1 | tee "$out/bench_train.txt" || true
    # one training run: stopped in time to send something back (a run cut short leaves its last checkpoint's
    # adapter), then the adapter, its configs and metrics, not the checkpoint (optimizer state), in 15 MB parts
    one_run() {  # NAME LOG TRAIN ARGS...
        local name=$1 logf=$2 run=/tmp/rt-run-$1 && shift 2
        timeout "${TRAIN_SECONDS:-420}" python3 -m ragtune.models.train --data /tmp/rt-data --out "$run" \
            --base "$STASH/base.gguf" "$@" >"$logf" 2>&1 || true
        if [ ! -f "$run/adapter_model.safetensors" ] && [ -d "$run/checkpoint" ]; then
            echo "the run did not finish: sending its last checkpoint's adapter" >>"$logf"
            cp "$run"/checkpoint/adapter_* "$run"/checkpoint/state.json "$run"/
        fi
        cp "$logf" "$run/train.log" 2>/dev/null || true
        tar -C "$run" --exclude=./checkpoint --exclude='./.*' -cf - . | split -b 15m -d - "$out/$name.tar.part"
    }
    if [ "$step" = train ]; then
        one_run adapter "$out/train.log" "$@"
        cat "$out/train.log"
    else
        # a 135M model leaves an H200 mostly idle: the runs share it, each with its own process and log
        while read -r name args; do
            case "$name" in ''|'#'*) continue ;; esac
            # shellcheck disable=SC2086
            one_run "$name" "/tmp/rt-$name.log" $args &
        done <"$runs"
        wait
        tail -n 4 /tmp/rt-*.log
    fi
    ls -la "$out"
    ;;
collect)
    at=${2:?usage: gpu_train.sh collect FILES_AT DEST}
    dest=${3:?usage: gpu_train.sh collect FILES_AT DEST}
    mkdir -p "$dest"
    if compgen -G "$at/adapter.tar.part*" >/dev/null; then
        cat "$at"/adapter.tar.part* | tar -C "$dest" -xf -
    fi
    # train-many's runs: NAME.tar.part* -> DEST/NAME
    for first in "$at"/*.tar.part00; do
        name=$(basename "$first" .tar.part00)
        [ "$name" = adapter ] || [ ! -f "$first" ] && continue
        mkdir -p "$dest/$name" && cat "$at/$name".tar.part* | tar -C "$dest/$name" -xf -
    done
    cp "$at"/*.txt "$at"/train.log "$dest"/ 2>/dev/null || true
    ls -la "$dest"
    ;;
*)
    sed -n '2,20p' "$0"
    exit 2
    ;;
esac
