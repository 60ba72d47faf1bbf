"""ragtune: offline question answering over your own documents (hybrid RAG + a behavioural LoRA).

Layers, imports pointing down: `ragtune.cli` and `ragtune.tui` (faces) → `ragtune.models` / `ragtune.converters`
(tuning side) → `ragtune.appliance` (the runtime library, no torch)."""

__version__ = "0.2.0"
