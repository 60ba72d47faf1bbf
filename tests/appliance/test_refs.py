"""refs.resolve_input: a CLI input that is a path or a registry reference, resolved to (path, id or None)."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.refs import resolve_input
from tests.gguf_helpers import write_gguf


def test_a_registered_path_gets_its_id_and_an_unregistered_one_none(reg, tmp_path):
    known = write_gguf(tmp_path / "known.gguf", tag="k")
    art = reg.add(known, "lora-gguf", base_id="b" * 64)
    assert art.id == sha256_path(known)
    assert resolve_input(reg, known) == (known.resolve(), art.id)
    other = write_gguf(tmp_path / "other.gguf", tag="o")
    assert resolve_input(reg, other) == (other.resolve(), None)


def test_a_reference_resolves_to_the_registered_copy_of_an_allowed_kind(reg, tmp_path):
    art = reg.add(write_gguf(tmp_path / "a.gguf", tag="a"), "lora-gguf", base_id="b" * 64)
    assert resolve_input(reg, art.id[:12], kinds=("lora-gguf",)) == (art.path, art.id)
    with pytest.raises(InputError, match="is a lora-gguf"):
        resolve_input(reg, art.id[:12], kinds=("gguf",))
    with pytest.raises(ModelError, match="no artifact"):
        resolve_input(reg, "not-there")
