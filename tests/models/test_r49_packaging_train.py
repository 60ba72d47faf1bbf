"""Round 49 (packaging): a lazy import that fails because an installed package is older than its dependency
(bitsandbytes 0.43.1 imports `triton.ops`, gone from the triton that torch >= 2.6 brings) names the stale package
and its upgrade, not "'triton' is not installed". No torch needed: fake packages on sys.path."""

import sys

import pytest

from ragtune.appliance.errors import ExtraLoadError
from ragtune.models.train import model


@pytest.fixture
def pkgs(tmp_path, monkeypatch):
    (tmp_path / "r49newlib").mkdir()
    (tmp_path / "r49newlib" / "__init__.py").write_text("")  # the newer dependency: its `ops` was removed
    (tmp_path / "r49oldlib").mkdir()
    (tmp_path / "r49oldlib" / "__init__.py").write_text("from r49newlib.ops import matmul\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in ("r49oldlib", "r49newlib"):
        sys.modules.pop(name, None)


def test_a_submodule_the_installed_dependency_dropped_names_the_stale_importer(pkgs):
    with pytest.raises(ExtraLoadError) as info:
        with model.lazy_imports("peft"):
            import r49oldlib  # noqa: F401
    msg = str(info.value)
    assert "'r49oldlib' needs 'r49newlib.ops'" in msg and "no longer has" in msg, msg
    assert "not installed" not in msg
    assert info.value.hint == "pip install -U r49oldlib"


def test_require_of_the_stale_package_itself_names_it_too(pkgs):
    """QLoRA: require('bitsandbytes') is what fails (errors.require's ExtraLoadError, its cause the ImportError)."""
    from ragtune.appliance.errors import require

    with pytest.raises(ExtraLoadError) as info:
        with model.lazy_imports("transformers"):
            require("r49oldlib", "train")
    assert "'r49oldlib' needs 'r49newlib.ops'" in str(info.value) and info.value.hint == "pip install -U r49oldlib"


def test_a_module_that_is_not_there_still_says_not_installed():
    try:
        import r49_surely_absent_module  # noqa: F401
    except ImportError as exc:
        err = model.import_failed("peft", exc)
    assert err is not None and "'r49_surely_absent_module', which is not installed" in str(err)
    assert err.hint == "pip install 'ragtune[train]'"


def test_an_import_error_that_names_its_own_fix_gets_no_contradicting_hint():
    """transformers 5 with bitsandbytes < 0.46.1 on QLoRA: the message says `pip install -U bitsandbytes>=0.46.1`;
    the extra's reinstall (already satisfied) would change nothing."""
    own = ImportError("Using `bitsandbytes` 4-bit quantization requires bitsandbytes: `pip install -U bitsandbytes>=0.46.1`")
    err = model.import_failed("transformers", RuntimeError("load failed").with_traceback(None))
    assert err is None
    try:
        raise RuntimeError("load failed") from own
    except RuntimeError as exc:
        err = model.import_failed("transformers", exc)
    assert err is not None and "bitsandbytes>=0.46.1" in str(err) and err.hint is None
