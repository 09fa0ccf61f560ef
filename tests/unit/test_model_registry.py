"""The model table: every shipped model file is listed, hash-checked and agrees with its card."""

from __future__ import annotations

import re

import numpy as np
import pytest

from veracity.errors import ModelError
from veracity.models import registry
from veracity.models.registry import MODELS, MODELS_DIR

_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")
_NOT_MODELS = {"MODEL_CARD.md", "__init__.py", "registry.py"}


def test_every_shipped_file_is_in_the_table() -> None:
    shipped = {
        p.relative_to(MODELS_DIR).as_posix()
        for p in MODELS_DIR.rglob("*")
        if p.is_file() and p.name not in _NOT_MODELS and "__pycache__" not in p.parts
    }
    assert shipped == {m.file for m in MODELS}
    assert len({m.name for m in MODELS}) == len(MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_card_states_the_table_digest(model: registry.ModelSpec) -> None:
    """Each card quotes its files' sha256 from the table, and no other full digest."""
    stated = set(_DIGEST.findall(model.card.read_text(encoding="utf-8")))
    folder = [m.sha256 for m in MODELS if m.card == model.card]
    assert model.sha256 in stated, f"{model.card}: state sha256 {model.sha256}"
    assert stated <= set(folder), f"{model.card}: digests not in the table: {stated - set(folder)}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_file_matches_and_loads(model: registry.ModelSpec) -> None:
    assert registry.path(model.name) == MODELS_DIR / model.file
    loaded = registry.load(model.name)
    assert loaded is registry.load(model.name)  # once per process
    if model.runtime == "numpy":
        assert loaded and all(v.dtype == np.float32 for v in loaded.values())
    elif model.runtime == "onnxruntime":
        assert loaded.get_inputs()
    else:
        assert loaded == str(MODELS_DIR / model.file)


def test_changed_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = registry.ModelSpec("aigen_npr", "aigen_npr/model.npz", "0" * 64, "numpy")
    monkeypatch.setattr(registry, "_BY_NAME", {"aigen_npr": bad})
    monkeypatch.setattr(registry, "_LOADED", {})
    monkeypatch.setattr(registry, "_VERIFIED", set())
    with pytest.raises(ModelError, match="sha256"):
        registry.load("aigen_npr")
    with pytest.raises(ModelError, match="sha256"):
        registry.path("aigen_npr")


def test_unknown_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ModelError, match="yunet"):
        registry.path("nope")
