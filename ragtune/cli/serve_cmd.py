"""`ragtune serve`: the HTTP API (docs/serve.md)."""

from __future__ import annotations

import click

from .common import cli, pass_app


@cli.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: [serve] host, 127.0.0.1). A non-loopback "
              "address needs a token ([serve] tokens or $RAGTUNE_SERVE_TOKENS). On a loopback address only a Host "
              "naming this machine is answered (a reverse proxy's: [serve] allowed_hosts).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default: [serve] port, 8088).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Answer engines, i.e. requests generated at once (default: [serve] workers). Each has its own "
                   "llama.cpp context; with generate.backend = 'openai', requests in flight to the server.")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), default="info",
              show_default=True, help="The server log's level (stderr): info writes a line per request, warning "
              "only problems; debug adds an unexpected error's traceback.")
@pass_app
def serve(app, host: str | None, port: int | None, workers: int | None, log_level: str) -> None:
    """Serve /v1/ask, OpenAI-compatible /v1/chat/completions and /v1/models, /healthz and /metrics.

    Listens once every engine has loaded its model; reads the config at start (restart it to apply a `config set`;
    SIGUSR1 reads the tokens and token_scopes again). Ctrl+C, SIGTERM or SIGHUP stop it after the requests in flight
    (up to [serve] shutdown_timeout_s)."""
    from ..serve.server import serve as run

    # A home that does not exist is refused, as by ask/docs/log (a mistyped RAGTUNE_HOME would be created empty and
    # answer 503 no_documents); an existing one with no documents yet is served: 503 until an ingest.
    run(app.existing_home(), host=host, port=port, workers=workers, log_level=log_level)
