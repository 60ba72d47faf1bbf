"""R53 mend (mB1, reviewer rB's findings 6-9): a Chinese or Japanese name holding a numeral kanji is a person; a
stored eval row json.loads cannot read counts as damaged (answered again), not done; a vector update that rebuilds
zeroes nothing first; every module an answer module imports is in the answer-code digest or says why not."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from ragtune.appliance import answer_code, vectorwrite
from ragtune.appliance.answertype import fits
from ragtune.appliance.store import Store
from ragtune.appliance.vectors import VectorIndex

from .test_r52_maint_vectors import _files
from .test_vectors import Chunks, _unit

WHO_JA, WHO_ZH = "担当者は誰ですか？", "负责人是谁？"


# -- 6. answertype: names with numeral kanji ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["三浦春馬", "前田一郎", "张一明", "千秋", "八田明", "一条春子", "九条秋", "三宅一生",
                                  "张三", "半田夏子"])
def test_a_name_holding_a_numeral_kanji_is_a_person(name):
    # was: 三/一/千… with 春/前/明/秋… (date and clock words) read as a date: the right name lost to a wrong span
    assert fits(WHO_JA, name) and fits(WHO_ZH, name)


@pytest.mark.parametrize("answer", ["时长为四个小时", "三月", "十二月三十一日", "下午三点", "十時", "三時半", "两周",
                                    "三天前", "三个月", "半年", "三ヶ月", "二〇二四年", "三星期", "每天早上7点开放",
                                    "50元", "四小时"])
def test_a_numeral_with_a_unit_is_still_no_person(answer):
    assert not fits(WHO_ZH, answer) and not fits(WHO_JA, answer)


def test_english_questions_do_not_read_cjk_numerals():
    # the change is in the other-language branch only: an English question's verdicts are the English checks'
    assert fits("Who is in charge?", "三浦春馬") and fits("Who is in charge?", "Tom 3")
    assert not fits("Who is in charge?", "£50") and not fits("how many desks are there", "三十")


# -- 7. eval_done_by reads each row as the report does --------------------------------------------------------------
def test_a_row_the_report_cannot_read_is_damaged_not_done(settings):
    with Store(settings.home.db_path) as st:
        st.ensure_eval_run("r1", "ds", {"v": 1})
        for q in ("q1", "q2", "q3"):
            st.put_eval_item("r1", "A", q, {"answer_code": "C", "status": "ok"})
        with st.transaction():  # valid JSON to SQLite, not to json.loads (int of > 4,300 digits); NaN: the reverse
            st.conn.execute("UPDATE eval_items SET result = ? WHERE qid = 'q2'",
                            ('{"answer_code": "C", "n": ' + "9" * 5000 + "}",))
            st.conn.execute("UPDATE eval_items SET result = ? WHERE qid = 'q3'", ('{"answer_code": "C", "n": NaN}',))
        assert set(st.eval_items("r1")) == {("A", "q1")}  # what the report holds
        assert st.eval_done_by("r1", "C") == ({("A", "q1")}, 0, 2)  # was ({q1, q2}, 0, 1): q2 never asked again
        assert st.damaged_eval_items("r1") == st.damaged_eval_items() == 2  # was 1: the NaN row was not counted


# -- 8. no zeroing before a rebuild ---------------------------------------------------------------------------------
def _stored(root: Path, st: dict) -> dict:
    rows, bits, i8 = _files(root, st)
    return {"rows": rows, "bits": bits, "i8": i8, "ids": np.load(root / st["ids_file"]),
            "quant": np.load(root / st["quant_file"]),
            "state": {k: v for k, v in st.items() if k != "gen" and not k.endswith("_file")}}


def test_an_update_that_rebuilds_zeroes_nothing_and_stores_what_a_rebuild_does(tmp_path, monkeypatch):
    rng = np.random.default_rng(53)
    chunks = Chunks(tmp_path / "s.db")
    root = tmp_path / "vectors"
    try:
        chunks.add(_unit(rng, 40))
        gone = chunks.add(_unit(rng, 30))
        idx = VectorIndex(root)
        idx.ensure(chunks.store)
        old = idx.state
        zeroed = []
        real = vectorwrite._zero_rows
        monkeypatch.setattr(vectorwrite, "_zero_rows", lambda path, rows, width: (
            zeroed.append(path.name) if len(rows) else None, real(path, rows, width)))
        chunks.delete(gone)  # 30 of 70 rows dead: past DEAD_SHARE_REBUILD
        assert idx.sync(chunks.store)["action"] == "rebuild"
        assert zeroed == []  # was: the three old files zeroed and fsynced, then deleted by the rebuild
        new = idx._read_state()
        assert not any((root / old[k]).exists() for k in ("rows_file", "bits_file", "i8_file"))
        fresh = VectorIndex(tmp_path / "fresh")
        fresh.sync(chunks.store, rebuild=True)
        a, b = _stored(root, new), _stored(tmp_path / "fresh", fresh._read_state())
        assert a.keys() == b.keys() and a["state"] == b["state"]
        for k in ("rows", "bits", "i8", "ids", "quant"):
            assert np.array_equal(a[k], b[k]), k
        assert new["rows"] == new["live"] == 40 and (a["ids"] >= 0).all()

        gone2 = chunks.add(_unit(rng, 4))  # an update that keeps the files still zeroes the removed rows
        idx.sync(chunks.store)
        chunks.delete(gone2)
        assert idx.sync(chunks.store)["action"] == "update"
        assert sorted(zeroed) == sorted(idx._read_state()[k] for k in ("rows_file", "bits_file", "i8_file"))
    finally:
        chunks.store.close()


def test_a_failed_rebuild_still_zeroes_the_removed_rows_of_the_files_that_stay(tmp_path, monkeypatch):
    rng = np.random.default_rng(54)
    chunks = Chunks(tmp_path / "s.db")
    root = tmp_path / "vectors"
    try:
        chunks.add(_unit(rng, 10))
        gone = chunks.add(_unit(rng, 10))
        idx = VectorIndex(root)
        idx.ensure(chunks.store)
        st = idx.state

        def broken(*_a, **_k):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(vectorwrite.IndexWriter, "_rebuild", broken)
        chunks.delete(gone)
        with pytest.raises(OSError):
            idx.sync(chunks.store)
        assert idx._read_state() == st  # the old marker and files stay
        rows, bits, i8 = _files(root, st)
        dead = np.arange(10, 20)
        assert not rows[dead].any() and not bits[dead].any() and not i8[dead].any()
        assert np.abs(np.linalg.norm(rows[:10], axis=1) - 1).max() < 1e-5
    finally:
        chunks.store.close()


# -- 9. the answer-code digest covers what the answer modules import ---------------------------------------------------
APPLIANCE = Path(answer_code.__file__).parent
# Imported by an answer module, not in the digest, and why. A module listed only for a constant an answer module
# reads (CONSTANTS_ONLY) is not followed: its own imports make chunks, whose text the key holds.
NOT_LISTED = {
    "answer_cache": "the cache the key is for", "answer_code": "this digest",
    "answer_sources": "retrieval: the sources are in the key", "retrieve": "retrieval: the sources are in the key",
    "rerank": "retrieval: the sources are in the key", "store": "retrieval: the sources are in the key",
    "answer_stream": "only streams", "querylog": "logs an answer made", "types": "data classes",
    "errors": "error types: a failure is no answer", "question_fit": "raises for a question too long to ask",
    "config": "the settings resolved are in the key", "builtin_adapters": "the 'auto' settings' values are in the key",
    "calibrated": "the 'auto' settings' values are in the key; is_number checks a refusal model file as it loads",
    "refs": "the model and adapter ids are in the key", "registry": "the model and adapter ids are in the key",
    "home": "the model and adapter ids are in the key", "default_models": "the model and adapter ids are in the key",
    "ggufinfo": "reads a model file (its id is in the key)", "machine": "threads and memory: not what is answered",
    "llamalog": "llama.cpp's log and errors", "atomic": "writes files", "filelock": "locks files",
    "hashing": "sha256 of files and texts",
}
CONSTANTS_ONLY = {"ingest.chunker": "TABLE_KINDS", "ingest.loaders": "KINDS"}


def _imports(module: str) -> set[str]:
    """The ragtune.appliance modules `module` (a name of ANSWER_MODULES) imports, anywhere in its code."""
    path = APPLIANCE.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.level or node.level - 1 > len(package):
            continue  # absolute, or above ragtune.appliance (`from .. import __version__`)
        base = package[:len(package) - node.level + 1]
        names = [node.module] if node.module else [a.name for a in node.names]
        for name in names:
            full = ".".join(base + name.split("."))
            found = APPLIANCE.joinpath(*full.split("."))
            if found.with_suffix(".py").exists() or (found / "__init__.py").exists():
                out.add(full)
    return out


def test_every_module_an_answer_module_imports_is_listed_or_says_why_not():
    listed = set(answer_code.ANSWER_MODULES)
    missing = {}
    for module in listed - set(CONSTANTS_ONLY):
        for name in _imports(module) - listed - set(NOT_LISTED):
            missing.setdefault(name, []).append(module)
    assert not missing, f"imported by answer modules, not in ANSWER_MODULES nor NOT_LISTED: {missing}"
    assert not listed & set(NOT_LISTED)
    assert {"ingest.chunker", "ingest.loaders", "tablehead", "jsonl", "vocab", "chat_template"} <= listed


def test_cell_spans_constants_are_in_the_digest(monkeypatch):
    from ragtune.appliance.ingest import chunker, loaders

    assert chunker.TABLE_KINDS and loaders.KINDS  # still where the digest reads them
    read = answer_code._source
    answer_code.answer_code_digest.cache_clear()
    try:
        base = answer_code.answer_code_digest()
        for name in CONSTANTS_ONLY:
            monkeypatch.setattr(answer_code, "_source", lambda full, n=name: read(full) + (
                "\n# changed\n" if full == f"ragtune.appliance.{n}" else ""))
            answer_code.answer_code_digest.cache_clear()
            assert answer_code.answer_code_digest() != base, name
            assert read(f"ragtune.appliance.{name}"), name
    finally:
        answer_code.answer_code_digest.cache_clear()
