"""MkDocs hooks: generate the command reference and the model-card pages at build time.

Nothing generated here is committed, so the site cannot drift from ``--help`` or from the
model cards shipped in the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from veracity.cli.reference import command_pages

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "src" / "veracity" / "models"


def _model_cards() -> dict[str, str]:
    return {
        card.parent.name: card.read_text(encoding="utf-8")
        for card in sorted(MODELS.glob("*/MODEL_CARD.md"))
    }


def on_files(files: Files, config: Any) -> Files:
    pages = command_pages()
    for page in pages:
        slug = page.name.replace(" ", "-")
        files.append(File.generated(config, f"reference/{slug}.md", content=page.markdown))
    index = [
        "# Command reference",
        "",
        "Generated from the argparse definitions at build time.",
        "",
    ]
    index += [f"- [`{p.name}`]({p.name.replace(' ', '-')}.md)" for p in pages]
    files.append(File.generated(config, "reference/index.md", content="\n".join(index) + "\n"))

    cards = _model_cards()
    model_index = [
        "# Model cards",
        "",
        "Every shipped model file with its sha256, training data, licence and measured metrics.",
        "The cards live beside the weights in `src/veracity/models/<name>/MODEL_CARD.md`.",
        "",
    ]
    for name, text in cards.items():
        files.append(File.generated(config, f"models/{name}.md", content=text))
        model_index.append(f"- [{name}]({name}.md)")
    files.append(File.generated(config, "models/index.md", content="\n".join(model_index) + "\n"))
    return files
