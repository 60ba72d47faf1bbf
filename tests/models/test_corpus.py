"""The behaviour corpus: the whole corpus validates, and every kind of bad line is a file:line error."""

import json
import re

import pytest

from ragtune.appliance.errors import InputError
from ragtune.models import corpus as cp

# --------------------------------------------------------------------------------------------------------------
# The whole corpus, as it stands (it grows during the project: this must pass on whatever has landed)
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def whole():
    return cp.load_domains(), cp.load_corpus()


def test_every_domain_with_data_validates(whole):
    domains, rows = whole
    with_data = {d.name for d in domains.values() if d.has_data}
    assert {r["domain"] for r in rows} == with_data
    for name in with_data:  # docs/ beside qa.jsonl, never qa.jsonl inside docs/
        assert domains[name].docs.is_dir() and not list(domains[name].docs.rglob("qa.jsonl"))


def test_at_least_two_dev_only_domains(whole):
    domains, _ = whole
    assert sum(d.split == "dev" for d in domains.values()) >= 2
    assert sum(d.split == "train" for d in domains.values()) >= 2


def test_unanswerable_share_per_domain(whole):
    _, rows = whole
    assert cp.check_shares(rows) == []


def test_ids_unique_across_the_corpus(whole):
    _, rows = whole
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))


def _assert_spans(domains, rows):
    """Every answerable row's evidence is a span of its document and its answer a span of the evidence."""
    for r in rows:
        if r["answerable"]:
            text = cp.doc_text(domains[r["domain"]].docs / r["gold_doc"])
            assert cp.norm_ws(r["evidence"]) in text and cp.norm_ws(r["answer"]) in cp.norm_ws(r["evidence"]), r["id"]


def test_every_answer_is_a_span_of_evidence_in_its_document(whole):
    _assert_spans(*whole)


# --------------------------------------------------------------------------------------------------------------
# The second question file of a domain (contrast.jsonl), read only when asked for
# --------------------------------------------------------------------------------------------------------------


def test_every_contrast_file_validates_beside_its_qa_file(whole):
    domains, qa_rows = whole
    with_file = sorted(n for n, d in domains.items() if d.questions("contrast").is_file())
    assert with_file, "no domain has a contrast.jsonl"
    rows = cp.load_corpus(questions="contrast")  # each row validated: literal spans, ids, no duplicate in a file
    assert {r["domain"] for r in rows} == set(with_file)
    assert all(domains[n].split == "train" and domains[n].has_data for n in with_file)  # never a dev domain
    seen: dict[str, str] = {}  # one id space: qa.jsonl then contrast.jsonl of every domain
    for n in with_file:
        cp.load_domain(domains[n], domains, seen)
    for n in with_file:
        cp.load_domain(domains[n], domains, seen, "contrast")  # a clash is "duplicate id … (first at …qa.jsonl:N)"
    for n in with_file:
        asked = {cp._question_key(r["question"]) for r in qa_rows if r["domain"] == n}
        dup = [r["id"] for r in rows if r["domain"] == n and cp._question_key(r["question"]) in asked]
        assert dup == [], f"{n}: contrast questions already in qa.jsonl: {dup}"
    _assert_spans(domains, rows)


def test_the_default_reads_only_qa_jsonl(whole):
    domains, rows = whole
    assert cp.load_corpus(questions="qa") == rows
    assert not any(r["id"] in {x["id"] for x in rows} for r in cp.load_corpus(questions="contrast"))
    d = next(iter(domains.values()))
    assert d.questions() == d.qa and d.questions("contrast") == d.qa.with_name("contrast.jsonl")


# --------------------------------------------------------------------------------------------------------------
# Each error on a small corpus
# --------------------------------------------------------------------------------------------------------------

DOC = "# The Harrow Line\n\nThe Harrow Line opened to passengers in 1897.\nIts engineer was   Mira Tolvane.\n"


def _row(**kw):
    r = {"id": "towns-a001", "question": "When did the Harrow Line open?", "answer": "1897",
         "evidence": "The Harrow Line opened to passengers in 1897.", "gold_doc": "rail/harrow.md",
         "answerable": True, "intent": "date", "domain": "towns", "style": "plain"}
    r.update(kw)
    return r


UNANS = {"id": "towns-u001", "question": "How long is the Harrow Line?", "answer": "", "gold_doc": None,
         "answerable": False, "intent": "fact", "domain": "towns", "style": "terse", "near_doc": "rail/harrow.md",
         "why": "absent_detail"}


@pytest.fixture
def root(tmp_path):
    (tmp_path / "domains.json").write_text(json.dumps({
        "towns": {"split": "train", "shape": "encyclopedia", "about": "x"},
        "clinics": {"split": "dev", "shape": "leaflet", "about": "y"}}), encoding="utf-8")
    for dom in ("towns", "clinics"):
        (tmp_path / dom / "docs" / "rail").mkdir(parents=True)
        (tmp_path / dom / "docs" / "rail" / "harrow.md").write_text(DOC, encoding="utf-8")
    return tmp_path


def _write(root, rows, domain="towns"):
    path = root / domain / "qa.jsonl"
    path.write_bytes(b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows))
    return path


def _load(root, *names):
    cp._TEXT_CACHE.clear()
    return cp.load_corpus(list(names) or None, root=root)


def test_a_good_small_corpus_loads(root):
    _write(root, [_row(), _row(id="towns-a002", question="Who engineered it?", answer="Mira Tolvane",
                               evidence="Its engineer was Mira Tolvane."), UNANS])
    rows = _load(root)
    assert len(rows) == 3 and cp.counts(rows)["unanswerable_share"] == {"towns": 0.333}


@pytest.mark.parametrize("row, message", [
    (_row(evidence="The Harrow Line opened in 1898."), r"qa.jsonl:2: evidence .* does not occur in its document rail/harrow.md"),
    (_row(answer="1898"), r"qa.jsonl:2: answer '1898' does not occur in its evidence"),
    (_row(domain="nowhere"), r"qa.jsonl:2: unknown domain 'nowhere'"),
    (_row(domain="clinics"), r"qa.jsonl:2: domain 'clinics' in the file of domain 'towns'"),
    (_row(style="shouty"), r"qa.jsonl:2: unknown style 'shouty'"),
    (_row(intent="gossip"), r"qa.jsonl:2: unknown intent 'gossip'"),
    (dict(UNANS, why="lazy"), r"qa.jsonl:2: unknown why 'lazy'"),
    (dict(UNANS, near_doc=None), r"qa.jsonl:2: a near miss .* needs 'near_doc'"),
    (dict(UNANS, near_doc="rail/other.md"), r"qa.jsonl:2: near_doc 'rail/other.md' is not a file"),
    (_row(gold_doc="../../clinics/docs/rail/harrow.md"), r"qa.jsonl:2: gold_doc .* must stay inside towns/docs/"),
    (_row(gold_doc="rail/missing.md"), r"qa.jsonl:2: gold_doc 'rail/missing.md' is not a file"),
    (_row(id="towns-u009"), r"qa.jsonl:2: id 'towns-u009' must look like 'towns-a001'"),
    (_row(date="2024-02-30"), r"qa.jsonl:2: 'date' must be a real date"),
    (_row(extra=1), r"qa.jsonl:2: unknown key\(s\): extra"),
    (_row(evidence="The Harrow Line opened to passengers in 1897. " * 8, answer="1897"), r"qa.jsonl:2: evidence is \d+ characters"),
    (_row(answerable="yes"), r"qa.jsonl:2: 'answerable' is missing or not a bool"),
    (dict(UNANS, answer="1897"), r"qa.jsonl:2: an unanswerable question has an empty answer"),
])
def test_bad_rows_name_file_and_line(root, row, message):
    first = _row() if row["id"] == UNANS["id"] else UNANS  # a good line first: the error must name line 2
    _write(root, [first, row])
    with pytest.raises(InputError, match=message):
        _load(root)


def test_evidence_whitespace_runs_count_as_one_space(root):
    _write(root, [UNANS, _row(evidence="Its engineer was Mira\n Tolvane.", answer="Mira Tolvane")])
    assert len(_load(root)) == 2


def test_duplicate_id_across_domains_names_both_places(root):
    _write(root, [_row()])
    _write(root, [_row(domain="clinics", id="towns-a001")], domain="clinics")
    with pytest.raises(InputError, match=r"clinics/qa.jsonl:1: id 'towns-a001' must look like 'clinics-a001'"):
        _load(root)
    _write(root, [_row(), _row(question="Opening year of the Harrow Line?")])
    with pytest.raises(InputError, match=r"towns/qa.jsonl:2: duplicate id 'towns-a001' \(first at .*towns/qa.jsonl:1\)"):
        _load(root, "towns")


def test_duplicate_question_text(root):
    _write(root, [_row(), _row(id="towns-a002", question="when did the harrow line open")])
    with pytest.raises(InputError, match=r"qa.jsonl:2: duplicate question"):
        _load(root)


def test_non_utf8_is_reported_on_its_own_line(root):
    bad = json.dumps(_row(id="towns-a002", question="When did the Harrow Line open to riders?")).encode()
    bad = bad.replace(b"riders", b"rid\xe9rs")
    _write(root, [_row(), bad, UNANS])
    with pytest.raises(InputError, match=r"qa.jsonl:2: not UTF-8 text: byte 0xe9 at column \d+"):
        _load(root)


def test_truncated_json_line_reports_its_real_column(root):
    line = json.dumps(_row(id="towns-a002", question="Who built it?")).encode()
    cut = line[:57]
    _write(root, [_row(), UNANS, cut])
    with pytest.raises(InputError, match=rf"qa.jsonl:3: truncated JSON: the line ends at column {len(cut) + 1}"):
        _load(root)
    _write(root, [_row(), b'{"id": "towns-a002",, "x": 1}'])
    with pytest.raises(InputError, match=r"qa.jsonl:2: invalid JSON at column 21"):
        _load(root)


def test_domain_folder_not_in_domains_json(root):
    (root / "stray" / "docs").mkdir(parents=True)
    with pytest.raises(InputError, match=r"stray: domain folder 'stray' is not listed in domains.json"):
        cp.load_domains(root)


@pytest.mark.parametrize("domains, message", [
    ({"\udce9towns": 1}, "domain '\\udce9towns' must be an object"),
    ({"t\x1bowns": {"split": "train", "x\udce9": 1}}, "domain 't\\x1bowns': unknown key(s) x\\udce9"),
    ({"\udce9towns": {"split": "nope"}}, "domain '\\udce9towns': split must be one of"),
], ids=["not-an-object", "unknown-key", "split"])
def test_a_domain_name_that_is_not_unicode_is_named_printably(tmp_path, domains, message):
    """domains.json's keys (a "\\udce9" escape): named escaped, never a lone surrogate no stream can take."""
    (tmp_path / "domains.json").write_text(json.dumps(domains), encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)) as e:
        cp.load_domains(tmp_path)
    str(e.value).encode("utf-8")


def test_unanswerable_share_floor(root):
    _write(root, [_row(), _row(id="towns-a002", question="Engineer?", answer="Mira Tolvane",
                               evidence="Its engineer was Mira Tolvane."), UNANS,
                  _row(id="towns-a003", question="Passenger opening year", answer="1897")])
    assert cp.check_shares(_load(root)) == ["domain 'towns': unanswerable share 25.0% < 30%"]


def test_select_refuses_dev_domains_unless_allowed(root):
    _write(root, [_row(), UNANS])
    _write(root, [_row(domain="clinics", id="clinics-a001")], domain="clinics")
    assert [d.name for d in cp.select(["train"], root=root)] == ["towns"]
    with pytest.raises(InputError, match="'clinics' is a dev domain"):
        cp.select(["clinics"], root=root)
    with pytest.raises(InputError, match="'clinics' is a dev domain"):
        cp.select(["all"], root=root)
    assert [d.name for d in cp.select(["all"], allow_dev=True, root=root)] == ["clinics", "towns"]
    with pytest.raises(InputError, match="not a corpus domain"):
        cp.select(["atlantis"], root=root)


def test_select_and_load_another_question_file(root):
    _write(root, [_row(), UNANS])
    _write(root, [_row(domain="clinics", id="clinics-a001")], domain="clinics")
    (root / "towns" / "contrast.jsonl").write_text(json.dumps(_row(
        id="towns-a501", question="Who was the Harrow Line's engineer?", answer="Mira Tolvane",
        evidence="Its engineer was Mira Tolvane.")) + "\n", encoding="utf-8")
    assert [d.name for d in cp.select(["train"], root=root, questions="contrast")] == ["towns"]
    assert [d.name for d in cp.select(["towns"], root=root, questions="contrast")] == ["towns"]
    assert [r["id"] for r in _load(root, "towns")] == ["towns-a001", "towns-u001"]  # the default: qa.jsonl only
    cp._TEXT_CACHE.clear()
    assert [r["id"] for r in cp.load_corpus(root=root, questions="contrast")] == ["towns-a501"]
    with pytest.raises(InputError, match=r"--corpus clinics: the domain has no contrast.jsonl") as e:
        cp.select(["clinics"], allow_dev=True, root=root, questions="contrast")
    assert "domains with it: towns" in str(e.value)
    with pytest.raises(InputError, match=r"--corpus dev: no dev domain has a contrast.jsonl"):
        cp.select(["dev"], allow_dev=True, root=root, questions="contrast")
    with pytest.raises(InputError, match=r"--corpus train: no train domain has a hard.jsonl"):
        cp.select(["train"], root=root, questions="hard")
    (root / "towns" / "contrast.jsonl").write_text(json.dumps(_row(id="towns-a9")) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"towns/contrast.jsonl:1: duplicate id 'towns-a9' \(first at "):
        seen = {"towns-a9": "towns/qa.jsonl:1"}
        cp.load_domain(cp.load_domains(root)["towns"], cp.load_domains(root), seen, "contrast")


@pytest.mark.parametrize("name", ["", "QA", "../qa", "qa.jsonl", "con trast", "1st", "docs/qa", None, 3])
def test_a_question_file_name_is_checked(root, name):
    _write(root, [_row(), UNANS])
    for call in (lambda: cp.select(["train"], root=root, questions=name),
                 lambda: cp.load_corpus(root=root, questions=name),
                 lambda: cp.load_domains(root)["towns"].questions(name)):
        with pytest.raises(InputError, match=r"question file .*: not a name"):
            call()


def test_cli_module_exit_codes(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "ragtune.models.corpus"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["questions"] > 0
    r = subprocess.run([sys.executable, "-m", "ragtune.models.corpus", "atlantis"], capture_output=True, text=True)
    assert r.returncode == 2 and re.search(r"unknown corpus domain 'atlantis'", r.stderr)
