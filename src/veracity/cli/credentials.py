"""``veracity credentials init|sign|verify``: C2PA Content Credentials.

``verify`` exits 0 when the credentials are valid or trusted (embedded or recovered),
1 when there are none or they are invalid, 2 on bad input, 3 when the manifest store
or resolver cannot be reached.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from veracity.cli.common import int_in, print_json, resolver_url, store_url
from veracity.results import CredentialReport
from veracity.watermark.base import DEFAULT_KEY

__all__ = ["register"]

_SOURCE_TYPES = (
    "digitalCreation",
    "digitalCapture",
    "minorHumanEdits",
    "composite",
    "dataDrivenMedia",
)


def register(sub: Any) -> None:
    """Add the ``credentials`` sub-command group."""
    p = sub.add_parser("credentials", help="sign and verify C2PA Content Credentials")
    csub = p.add_subparsers(dest="credentials_command", metavar="ACTION")
    csub.required = True
    _register_init(csub)
    _register_sign(csub)
    _register_verify(csub)


def _register_init(csub: Any) -> None:
    i = csub.add_parser(
        "init", help="create a local signing identity (root CA + signing certificate)"
    )
    i.add_argument("--alg", choices=("es256", "ed25519"), default="es256", help="key algorithm")
    i.add_argument("--name", default="Veracity local signer", help="certificate common name")
    i.add_argument("--force", action="store_true", help="replace an existing identity")
    i.set_defaults(func=run_init)


def _register_sign(csub: Any) -> None:
    s = csub.add_parser("sign", help="write a signed copy of IN to OUT")
    s.add_argument("input", type=Path, metavar="IN")
    s.add_argument("output", type=Path, metavar="OUT")
    s.add_argument("--cert", type=Path, help="PEM certificate chain (default: the local identity)")
    s.add_argument(
        "--signing-key",
        "--key",
        dest="key",
        type=Path,
        help="PEM private key matching --cert (--key is the old name)",
    )
    s.add_argument(
        "--manifest",
        type=Path,
        metavar="FILE",
        help="manifest definition (c2pa-python Builder JSON, as c2patool -m) to sign",
    )
    s.add_argument("--parent", type=Path, metavar="FILE", help="the file IN was edited from")
    s.add_argument("--ai-generated", action="store_true", help="declare trainedAlgorithmicMedia")
    s.add_argument(
        "--source-type",
        choices=_SOURCE_TYPES,
        default="digitalCreation",
        help="IPTC digital source type of a newly created file",
    )
    s.add_argument("--author", help="author name (schema.org CreativeWork)")
    s.add_argument("--title", help="asset title (default: OUT's file name)")
    s.add_argument("--tool", default="Veracity", help="software agent named in the actions")
    s.add_argument(
        "--durable",
        action="store_true",
        help="also watermark the manifest id, fingerprint (images) and store the manifest",
    )
    s.add_argument(
        "--store", type=store_url, help="manifest store URL or SQLite path (default: config folder)"
    )
    s.add_argument("--wm-key", default=DEFAULT_KEY, help="watermark key for --durable")
    s.add_argument(
        "--quality", type=int_in(1, 100), default=95, help="JPEG/WebP quality for --durable"
    )
    s.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(func=run_sign)


def _register_verify(csub: Any) -> None:
    v = csub.add_parser(
        "verify",
        help="verify (or recover) the Content Credentials of IN",
        epilog="exit status: 0 valid or trusted (embedded or recovered), 1 none or invalid, "
        "2 bad input or usage, 3 manifest store or resolver unreachable",
    )
    v.add_argument("input", type=Path, metavar="IN")
    v.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="FILE|DIR",
        help="extra trust anchors (PEM); repeatable",
    )
    v.add_argument(
        "--allowed-list",
        type=Path,
        metavar="FILE",
        help="PEM signer (end-entity) certificates trusted as they are",
    )
    v.add_argument(
        "--trust-config",
        type=Path,
        metavar="FILE",
        help="extended key usage OIDs a signer certificate must carry, one per line",
    )
    v.add_argument("--allow-remote", action="store_true", help="fetch remote manifests")
    v.add_argument(
        "--store", type=store_url, help="manifest store for recovery (default: config folder)"
    )
    v.add_argument(
        "--resolver",
        type=resolver_url,
        metavar="URL",
        help="Soft Binding Resolution service for recovery",
    )
    v.add_argument("--no-recover", action="store_true", help="only read embedded credentials")
    v.add_argument("--wm-key", default=DEFAULT_KEY, help="watermark key used at signing")
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.add_argument(
        "--detailed",
        action="store_true",
        help="print the full report as JSON, with c2pa's detailed manifest report",
    )
    v.set_defaults(func=run_verify)


def run_init(args: argparse.Namespace) -> int:
    from veracity.credentials import init_identity

    info = init_identity(alg=args.alg, common_name=args.name, force=args.force)
    print(f"created {info.alg} signing identity {info.subject} in {info.folder}")
    print(f"root certificate (share it as a trust anchor): {info.root}")
    return 0


def run_sign(args: argparse.Namespace) -> int:
    from veracity.credentials import ManifestSpec, identity_from_pem, sign_file
    from veracity.errors import UsageError

    if (args.cert is None) != (args.key is None):
        raise UsageError("--cert and --key go together")
    from veracity.credentials.definition import load_definition

    definition = load_definition(args.manifest) if args.manifest is not None else None
    identity = identity_from_pem(args.cert, args.key) if args.cert else None
    spec = ManifestSpec(
        title=args.title
        or (definition or {}).get("title")
        or os.fsencode(args.output.name).decode("utf-8", "replace"),
        author=args.author,
        tool=args.tool,
        ai_generated=args.ai_generated,
        source_type=args.source_type,
    )
    result = sign_file(
        args.input,
        args.output,
        identity=identity,
        spec=spec,
        parent=args.parent,
        durable=args.durable,
        store=args.store,
        watermark_key=args.wm_key,
        quality=args.quality,
        force=args.force,
        definition=definition,
    )
    if args.json:
        print_json(result)
    else:
        extra = (
            f", manifest id {result.manifest_id} stored in {result.store}"
            if result.manifest_id
            else ""
        )
        print(f"{result.output}: signed by {result.signer}{extra}")
    return 0


def _summary(path: Path, report: CredentialReport) -> str:
    if report.state == "none":
        hint = report.details.get("hint") if report.details else None
        return f"{path}: no Content Credentials found" + (f" ({hint})" if hint else "")
    via = f" (recovered via {report.recovered_via})" if report.recovered_via != "embedded" else ""
    ai = ", declares AI-generated content" if report.ai_generated else ""
    codes = f": {', '.join(report.codes)}" if report.codes else ""
    return f"{path}: {report.state}{via}, signed by {report.signer}{ai}{codes}"


def run_verify(args: argparse.Namespace) -> int:
    from veracity.credentials import verify_file

    report = verify_file(
        args.input,
        trust=args.trust,
        allow_remote=args.allow_remote,
        recover=not args.no_recover,
        store=args.store,
        resolver=args.resolver,
        watermark_key=args.wm_key,
        allowed_list=args.allowed_list,
        trust_config=args.trust_config,
        detailed=args.detailed,
    )
    warnings = list(report.details.get("warnings", [])) if report.details else []
    if args.json or args.detailed:
        from veracity.credentials.report import c2patool_fields
        from veracity.results import to_dict

        print_json({**to_dict(report), **c2patool_fields(report), "warnings": warnings})
    else:
        print(_summary(args.input, report))
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return 0 if report.state in ("valid", "trusted") else 1
