"""artifacts.py: the one rule for an artifact's name (every way into the registry applies it), and the words it
reserves being the ones refs.py resolves."""

from __future__ import annotations

import pytest

from ragtune.appliance import refs
from ragtune.appliance.artifacts import RESERVED_NAMES, check_name, file_name, name_problem
from ragtune.appliance.errors import InputError

DIGEST = "0123abcd" + "e" * 56


def test_the_reserved_names_are_the_words_refs_resolves():
    assert set(RESERVED_NAMES) == {refs.NONE_ADAPTER, refs.DEFAULT_ADAPTER, refs.ACTIVE_ADAPTER}


@pytest.mark.parametrize("name,why", [
    ("none", "reserved"), ("Default", "reserved"), ("ACTIVE", "reserved"), ("", "empty"), ("  ", "empty"),
    (" a1", "blanks"), ("a1 ", "blanks"), ("a\nb", "control character"), ("a\x7fb", "control character"),
    ("x" * 201, "longer than 200"),
])
def test_names_no_reference_could_pick_are_refused(name, why):
    assert why in name_problem(name)
    with pytest.raises(InputError, match=why) as e:
        check_name(name)
    assert "\n" not in e.value.message  # one line: a control character is shown escaped


def test_ordinary_names_pass():
    for name in (None, "a1", "my-adapter-v2", "ragtune-default.v3", "12345678", "none-v2", "x" * 200, "résumé"):
        assert check_name(name) == name


@pytest.mark.parametrize("stem,expect", [
    ("none", "none-0123abcd"), ("Active", "Active-0123abcd"), ("a\nb", "a-b-0123abcd"), (" ", "artifact-0123abcd"),
    (" a1 ", "a1-0123abcd"), ("y" * 300, "y" * 191 + "-0123abcd"),
])
def test_a_file_name_that_cannot_be_a_name_is_made_safe_with_a_note(stem, expect):
    name, note = file_name(stem, DIGEST)
    assert name == expect and name_problem(name) is None
    assert f"registered as '{expect}'" in note and "\n" not in note


def test_a_file_name_that_can_be_a_name_is_kept_without_a_note():
    assert file_name("lora-v2", DIGEST) == ("lora-v2", "")


def test_a_refused_name_is_shown_on_one_printable_line():
    """`_shown` is `escaped`: the C1 controls (0x9b, a one-byte CSI) and lone surrogates are escaped too, not only
    C0 and DEL; a surrogate would fail click.echo's encoding of the error."""
    with pytest.raises(InputError) as e:
        check_name("a\nb\x9b2J\udce9")
    assert "'a\\nb\\x9b2J\\udce9'" in e.value.message and e.value.message.isprintable()
    _, note = file_name("x\n\x9by", DIGEST)
    assert "'x\\n\\x9by'" in note
