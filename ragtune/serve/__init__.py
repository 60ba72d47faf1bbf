"""`ragtune serve`: the HTTP API (docs/serve.md). Starlette under uvicorn; no torch."""
