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
        help="largest accepted upload, on /api/check and /matches/byContent (default 50)",
    )
    p.add_argument(
        "--max-header-kb",
        type=positive_float,
        default=64.0,
        help="largest request head (request line and headers); 431 above (default 64)",
    )
    p.add_argument(
        "--max-request-line-kb",
        type=positive_float,
        default=16.0,
        help="longest request line (method and URL); 414 above (default 16)",
    )
    p.add_argument(
        "--header-timeout",
        type=positive_float,
        default=10.0,
        metavar="SECONDS",
        help="time a request head may take to arrive; 408 after it (default 10)",
    )
    p.add_argument(
        "--body-idle-timeout",
        type=positive_float,
        default=30.0,
        metavar="SECONDS",
        help="longest pause inside a request body; 408 after it (default 30)",
    )
    p.add_argument(
        "--body-timeout",
        type=positive_float,
        default=600.0,
        metavar="SECONDS",
        help="time a whole request body may take to arrive; 408 after it (default 600)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the app and serve it until interrupted."""
    try:
        import uvicorn

        from veracity.service.app import create_app
        from veracity.service.config import ServiceConfig
        from veracity.service.http_guard import HeadLimits, uvicorn_config
    except ImportError as exc:
        raise MissingExtraError(
            f"the web service needs the server extra ({exc.name} is missing): "
            "pip install 'veracity[server]'"
        ) from None
    options = CheckOptions(key=args.key, store=args.store, trust=args.trust)
    config = ServiceConfig(check=options, max_upload_bytes=int(args.max_upload_mb * 1024**2))
    limits = HeadLimits(
        max_line_bytes=int(args.max_request_line_kb * 1024),
        max_head_bytes=int(args.max_header_kb * 1024),
        head_timeout_s=args.header_timeout,
        body_idle_timeout_s=args.body_idle_timeout,
        body_timeout_s=args.body_timeout,
    )
    uvicorn.Server(uvicorn_config(create_app(config), args.host, args.port, limits)).run()
    return 0
