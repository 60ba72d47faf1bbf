"""BEIR reader: the real format, and file:line errors for every kind of bad line."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.beir import iter_corpus, load_beir, load_qrels, load_queries
from ragtune.appliance.errors import InputError
from tests.conftest import SHARED_EVAL


def _write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((json.dumps(x) if not isinstance(x, str) else x) + "\n" for x in lines), encoding="utf-8")
    return path


@pytest.fixture
def beir_dir(tmp_path):
    d = tmp_path / "set"
    _write(d / "corpus.jsonl", [{"_id": "d1", "title": "One", "text": "first"},
                                {"_id": 2, "title": None, "text": "second", "date": "2020-01-01"}])
    _write(d / "queries.jsonl", [{"_id": "q1", "text": "what first", "metadata": {"answers": ["first"]}},
                                 {"_id": "q2", "text": "what second"},
                                 {"_id": "q3", "text": "   ", "metadata": {}}])
    (d / "qrels").mkdir()
    (d / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\t2\t1\nq3\td1\t1\n")
    return d


def test_load_beir(beir_dir):
    b = load_beir(beir_dir)
    assert b.corpus_path == beir_dir / "corpus.jsonl"
    rows = list(b.corpus())
    assert rows[0] == {"_id": "d1", "title": "One", "text": "first"}
    assert rows[1] == {"_id": "2", "title": "", "text": "second", "date": "2020-01-01"}
    assert [q["_id"] for q in b.queries] == ["q1", "q2"]
    assert b.queries[0]["metadata"] == {"answers": ["first"]} and b.queries[1]["metadata"] == {}
    assert b.qrels == {"q1": {"d1": 1}, "q2": {"2": 1}}  # the blank query and its judgement are left out
    assert b.skipped_queries == [f"{beir_dir / 'queries.jsonl'}:3: q3"]


@pytest.mark.parametrize("lines,line,msg", [
    (['{"_id": "a", "text": "x"}', '{"_id": "b", "text": '], 2, "truncated JSON: the line ends at column 21"),
    (['{"_id": "a", "text": "x"}', '{"_id": "b" "text": "y"}'], 2, "invalid JSON at column 13"),
    (['{"_id": "a", "text": "x"}', '[1, 2]'], 2, "expected a JSON object"),
    (['{"text": "x"}'], 1, "missing field '_id'"),
    (['{"_id": "a"}'], 1, "missing field 'text'"),
    (['{"_id": "a", "text": ""}'], 1, "field 'text' is empty"),
    (['{"_id": "a", "text": 5}'], 1, "must be a string"),
    (['{"_id": "a", "text": "x"}', '', '{"_id": "a", "text": "y"}'], 3, "duplicate _id 'a'"),
    (['{"_id": "a", "text": "x", "title": 3}'], 1, "'title' must be a string"),
])
def test_corpus_errors_name_file_and_line(tmp_path, lines, line, msg):
    p = tmp_path / "corpus.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        list(iter_corpus(p))
    assert f"{p}:{line}" in str(ei.value) and msg in str(ei.value)


def test_corpus_not_utf8(tmp_path):
    p = tmp_path / "corpus.jsonl"
    p.write_bytes(b'{"_id": "a", "text": "x"}\n{"_id": "b", "text": "caf\xe9"}\n')
    with pytest.raises(InputError, match=r"corpus.jsonl:2: not UTF-8"):
        list(iter_corpus(p))


def test_queries_errors(tmp_path):
    p = _write(tmp_path / "queries.jsonl", [{"_id": "q1", "text": "a", "metadata": []}])
    with pytest.raises(InputError, match=r"queries.jsonl:1: field 'metadata' must be an object"):
        load_queries(p)
    p = _write(tmp_path / "q2.jsonl", [{"_id": "q1", "text": "a"}, {"_id": "q1", "text": "b"}])
    with pytest.raises(InputError, match=r"q2.jsonl:2: duplicate _id"):
        load_queries(p)


@pytest.mark.parametrize("text,line,msg", [
    ("", 1, "empty qrels"),
    ("q\td\ts\n", 1, "expected header"),
    ("query-id\tcorpus-id\tscore\nq1\td1\n", 2, "expected 3 tab-separated fields"),
    ("query-id\tcorpus-id\tscore\nq1\td1\thigh\n", 2, "score must be an integer"),
    ("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td1\t1\n", 3, "duplicate judgement"),
])
def test_qrels_errors(tmp_path, text, line, msg):
    p = tmp_path / "test.tsv"
    p.write_text(text)
    with pytest.raises(InputError) as ei:
        load_qrels(p)
    assert f"{p}:{line}" in str(ei.value) and msg in str(ei.value)


def test_qrels_referential_checks(beir_dir):
    (beir_dir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\tmissing\t1\n")
    with pytest.raises(InputError, match="corpus-id 'missing'"):
        load_beir(beir_dir)
    (beir_dir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq9\td1\t1\n")
    with pytest.raises(InputError, match="query-id 'q9'"):
        load_beir(beir_dir)


def test_qrels_referential_errors_name_the_line(beir_dir):
    """Sweep: a qrels judgement naming an unknown query or document was reported without its line."""
    qrels = beir_dir / "qrels" / "test.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\tmissing\t1\n")
    with pytest.raises(InputError, match=rf"^{qrels}:3: corpus-id 'missing' \(query q2\)"):
        load_beir(beir_dir)
    qrels.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n\nq9\td1\t1\n")
    with pytest.raises(InputError, match=rf"^{qrels}:4: query-id 'q9' is not in queries.jsonl"):
        load_beir(beir_dir)


def test_load_beir_records_each_querys_line(beir_dir):
    assert load_beir(beir_dir).query_lines == {"q1": 1, "q2": 2, "q3": 3}


def test_missing_files(tmp_path, beir_dir):
    with pytest.raises(InputError, match="not a directory"):
        load_beir(tmp_path / "nope")
    (beir_dir / "queries.jsonl").unlink()
    with pytest.raises(InputError, match="queries.jsonl: missing"):
        load_beir(beir_dir)
    with pytest.raises(InputError, match="file not found"):
        list(iter_corpus(tmp_path / "none.jsonl"))


def test_real_disflqa_dev():
    d = SHARED_EVAL / "disflqa-dev"
    if not (d / "corpus.jsonl").exists():
        pytest.skip("shared eval data not present")
    b = load_beir(d)
    assert sum(1 for _ in b.corpus()) == 634
    assert len(b.queries) == 4203 and len(b.skipped_queries) == 1  # one upstream question is blank
    assert all(q["text"].strip() for q in b.queries)
    assert "answerable" in b.queries[0]["metadata"]
    assert set(b.qrels) == {q["_id"] for q in b.queries}


SURROGATE_ROWS = ['{"_id": "d1", "title": "T\\ud800", "text": "one"}',
                  '{"_id": 2, "text": "two \\ud83d\\ude00 \\\\udce9 \\ufffd"}',  # a pair, an escaped backslash, a real �
                  '{"_id": "d3", "text": "three", "metadata": {"date": "2020\\udfff"}}',
                  '{"_id": "d4", "text": "caf\\udce9"}', '{"_id": "d5", "title": "\\ufffd", "text": "five", "date": null}']


def _counting_opens(monkeypatch, module, path) -> list[int]:
    """Patch `open` as `module` sees it; the list grows by one each time `path` is opened."""
    import builtins

    opens: list[int] = []
    real = builtins.open

    def counted(file, *a, **kw):
        if str(file) == str(path):
            opens.append(1)
        return real(file, *a, **kw)

    monkeypatch.setattr(module, "open", counted, raising=False)
    return opens


def test_iter_corpus_names_the_rows_given_a_replacement_character_as_it_reads(tmp_path, monkeypatch):
    """The rows whose title, text or date held a lone surrogate (stored with U+FFFD) were found by reading the
    corpus a second time; now the one read that yields the rows records them."""
    import ragtune.appliance.beir as beir

    p = _write(tmp_path / "corpus.jsonl", SURROGATE_ROWS)
    plain = list(iter_corpus(p))
    opens = _counting_opens(monkeypatch, beir, p)
    ids: set[str] = set()
    assert list(iter_corpus(p, not_unicode=ids)) == plain  # what is yielded (and stored) is unchanged
    assert ids == {"d1", "d3", "d4"} and len(opens) == 1
    assert plain[0]["title"] == "T\ufffd" and plain[2]["date"] == "2020\ufffd"


def test_ingest_counts_those_rows_without_reading_the_corpus_again(settings, tmp_path, fake, monkeypatch):
    import builtins

    from ragtune.appliance.ingest.pipeline import ingest_paths

    p = _write(tmp_path / "set" / "corpus.jsonl", SURROGATE_ROWS)
    opens = _counting_opens(monkeypatch, builtins, p)
    s = ingest_paths(settings, [p], embedder=fake)
    assert s.added == 5 and s.failed == []
    assert s.notes == [(str(p), "3 rows had text that is not valid Unicode (a lone surrogate such as \\udce9 in the "
                                "title, text or date): stored with \ufffd in its place")]
    # its rows counted for the progress total, the file validated whole, its rows stored: a 4th read counted U+FFFD
    assert len(opens) <= 3, len(opens)
