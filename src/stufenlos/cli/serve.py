"""``stufenlos serve``: the web app and HTTP API with uvicorn."""

from __future__ import annotations

import copy
from typing import Annotated

import typer

__all__ = ["register"]


def serve_cmd(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(
        help="Worker processes; they share the database, rate limits and client salt.",
        min=1)] = 1,
) -> None:
    """Serve the web pages and the HTTP API (open http://HOST:PORT/).

    Every worker loads the cities it serves into its own memory; everything
    that must hold across workers lives in the application database. Each
    worker warms every imported city in the background at start
    (``STUFENLOS_WARM=0`` leaves that to the first request). The access log
    shows method, path (report tokens masked), status and duration, never the
    client's address.
    """
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG
    from uvicorn.supervisors import Multiprocess

    from stufenlos.api.middleware import ACCESS_LOG
    from stufenlos.cli.uvicorn_config import TcpConfig

    # uvicorn's own access log names the client's address and the full path (with
    # report tokens); the app's access log names neither
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"][ACCESS_LOG] = {"handlers": ["default"], "level": "INFO",
                                         "propagate": False}
    typer.echo(f"stufenlos serving on http://{host}:{port}/ (Ctrl+C stops)", err=True)
    # the app reads X-Forwarded-For itself, from the proxies the setting
    # `trusted_proxies` names only (uvicorn alone would trust 127.0.0.1)
    config = TcpConfig(app="stufenlos.api.app:create_app", factory=True, host=host, port=port,
                       workers=workers, log_level="info", log_config=log_config,
                       access_log=False, proxy_headers=False)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main command line."""
    app.command("serve")(serve_cmd)
