"""``veracity watermark embed|detect``: keyed invisible watermarks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from veracity.cli.common import int_in, print_json
from veracity.watermark.api import detect_file, embed_file
from veracity.watermark.base import DEFAULT_KEY

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``watermark`` sub-command group."""
    p = sub.add_parser("watermark", help="embed or detect an invisible watermark")
    wsub = p.add_subparsers(dest="watermark_command", metavar="ACTION")
    wsub.required = True

    e = wsub.add_parser("embed", help="write a watermarked copy of IN to OUT")
    e.add_argument("input", type=Path, metavar="IN")
    e.add_argument("output", type=Path, metavar="OUT")
    e.add_argument("--payload", metavar="HEX", help="payload in hex (random if omitted)")
    e.add_argument(
        "--key",
        "--wm-key",
        dest="key",
        default=DEFAULT_KEY,
        help="secret watermark key (default: the public key)",
    )
    e.add_argument("--quality", type=int_in(1, 100), default=95, help="JPEG/WebP quality (1-100)")
    e.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    e.add_argument("--json", action="store_true", help="print the result as JSON")
    e.set_defaults(func=run_embed)

    d = wsub.add_parser("detect", help="read the watermark of IN")
    d.add_argument("input", type=Path, metavar="IN")
    d.add_argument(
        "--key",
        "--wm-key",
        dest="key",
        default=DEFAULT_KEY,
        help="secret watermark key used at embedding",
    )
    d.add_argument("--json", action="store_true", help="print the reading as JSON")
    d.set_defaults(func=run_detect)


def run_embed(args: argparse.Namespace) -> int:
    """Embed, then read the mark back from the written file (``verified``)."""
    payload = embed_file(
        args.input,
        args.output,
        payload_hex=args.payload,
        key=args.key,
        quality=args.quality,
        force=args.force,
    )
    reading = detect_file(args.output, key=args.key)
    verified = reading.detected and reading.payload == payload.hex()
    if not verified:
        # the file is written (it may still be wanted), but nobody should rely on its mark
        why = (
            "too little speech or music to carry it, or too lossy a format"
            if reading.modality == "audio"
            else "too low a quality, or too small or flat a picture"
        )
        print(
            f"veracity: warning: {args.output}: the watermark does not read back from the "
            f"written file ({why})",
            file=sys.stderr,
        )
    if args.json:
        print_json({"output": str(args.output), "payload": payload.hex(), "verified": verified})
    else:
        state = "" if verified else " (NOT verified: does not read back)"
        print(f"{args.output}: watermarked, payload {payload.hex()}{state}")
    return 0


def run_detect(args: argparse.Namespace) -> int:
    reading = detect_file(args.input, key=args.key)
    if args.json:
        print_json(reading)
    elif reading.detected:
        print(f"{args.input}: watermark found, payload {reading.payload} (p={reading.p_value:.2e})")
    else:
        print(f"{args.input}: no watermark found (p={reading.p_value:.2e})")
    return 0
