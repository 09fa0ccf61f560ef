"""``veracity serve``: run the web page, the check API and the resolver API with uvicorn."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from veracity.check import CheckOptions
from veracity.cli.common import add_wm_key, int_in, positive_float, store_url
from veracity.errors import MissingExtraError

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``serve`` sub-command."""
    p = sub.add_parser("serve", help="run the web page and HTTP API")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int_in(1, 65535), default=8000, help="port (default 8000)")
    p.add_argument(
        "--store",
        type=store_url,
        metavar="URL",
        help="manifest store for recovery and the resolver",
    )
    p.add_argument("--trust", type=Path, metavar="PATH", help="PEM trust anchors for signers")
    add_wm_key(p)
    p.add_argument(
        "--max-upload-mb",
        type=positive_float,
        default=50.0,
        help="largest accepted upload (default 50)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the app and serve it until interrupted."""
    try:
        import uvicorn

        from veracity.service.app import create_app
        from veracity.service.config import ServiceConfig
    except ImportError as exc:
        raise MissingExtraError(
            f"the web service needs the server extra ({exc.name} is missing): "
            "pip install 'veracity[server]'"
        ) from None
    options = CheckOptions(key=args.key, store=args.store, trust=args.trust)
    config = ServiceConfig(check=options, max_upload_bytes=int(args.max_upload_mb * 1024**2))
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="info")
    return 0
