"""The runtime makes no network connection. Set every offline switch a library we touch has."""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    # onnxruntime >= 1.2x on Linux ships 1DS telemetry: without this it resolves and tries to reach
    # mobile.events.data.microsoft.com:443 from a native thread during ingest (seen by prove_offline.sh).
    "ORT_DISABLE_TELEMETRY": "1",
}

# Performance defaults a user may override (unlike the switches above, which are forced).
RUNTIME_DEFAULTS = {
    "TOKENIZERS_PARALLELISM": "false",  # also avoids fork warnings; threads are set explicitly
    # llama.cpp's OpenMP threads spin while waiting; on a shared small box that made 2-thread decoding ~9x
    # slower than 1 thread. Passive waiting removes the collapse. Set before llama_cpp loads libgomp.
    "OMP_WAIT_POLICY": "PASSIVE",
}


def enforce_offline_env() -> None:
    """Force every offline/telemetry switch (a stray HF_HUB_OFFLINE=0 in a user's shell must not win)."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value
    for key, value in RUNTIME_DEFAULTS.items():
        os.environ.setdefault(key, value)
