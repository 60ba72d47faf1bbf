"""The RAFT-style builder: which sources hold the answer, the example kinds, distractors, shuffling, augmentation,
the scratch-home cache and the CLI. Unit tests run on a fake store/retriever; one slow test uses the real ones."""

import json
import random
import re
import shutil
from types import SimpleNamespace

import pytest

from ragtune.appliance.config import Settings
from ragtune.appliance.errors import ConfigError, InputError
from ragtune.appliance.types import Hit
from ragtune.models import augment, raft
from ragtune.models.dataset import validate_example
from ragtune.models.scratch import Scratch

# --------------------------------------------------------------------------------------------------------------
# Which sources hold the answer
# --------------------------------------------------------------------------------------------------------------

EV = "The Harrow Line opened to passengers in 1897, two years after the bridge."


def test_span_holds_evidence_or_answer_with_most_of_it():
    assert raft.span_holds("Intro.  The Harrow Line opened to\npassengers in 1897, two years after the bridge. More.", EV, "1897")
    # a chunk boundary cut the evidence: the answer with more than half of the evidence still counts
    assert raft.span_holds("... The Harrow Line opened to passengers in 1897, two", EV, "1897")
    # the answer with too little of its evidence does not (it could be another 1897)
    assert not raft.span_holds("in 1897, two years", EV, "1897")
    assert not raft.span_holds("The Harrow Line opened to passengers in 1898, two years after the bridge.", EV, "1897")
    assert not raft.span_holds("anything", "", "1897")


def test_mentions_is_whole_word_and_case_insensitive():
    assert raft.mentions("engineer MIRA TOLVANE retired", "Mira Tolvane")
    assert not raft.mentions("in 18970 it", "1897")
    assert raft.mentions("cost EUR 180.", "EUR 180.")


# --------------------------------------------------------------------------------------------------------------
# Question augmentation
# --------------------------------------------------------------------------------------------------------------

Q = "When did the Harrow Line open to passengers in 1897?"


def test_augmentations_are_distinct_seeded_and_keep_numbers():
    a = augment.variants(Q, "plain", 3, augment.KINDS, random.Random("s:1"))
    b = augment.variants(Q, "plain", 3, augment.KINDS, random.Random("s:1"))
    assert a == b and len(a) == 3 and len({q for _, q in a} | {Q}) == 4
    kinds = dict(a)
    assert kinds["keywords"] == "harrow line open passengers 1897"
    assert "1897" in kinds["typo"] and kinds["typo"].lower() != Q.lower()
    assert kinds["disfluent"] != Q and "1897" in kinds["disfluent"]
    # a terse question gets no keyword form of itself
    assert "keywords" not in dict(augment.variants("harrow line opening year", "terse", 3, augment.KINDS, random.Random(0)))


def test_typos_never_touch_numbers():
    rng = random.Random(3)
    for _ in range(50):
        t = augment.typo("Is room 2417 on floor 12 near the library?", rng)
        assert "2417" in t and "12" in t


def test_false_starts_are_undone_by_serving_normalisation():
    from ragtune.appliance.normalize import normalize_query

    undone = 0
    for seed in range(40):
        rng = random.Random(seed)
        v = augment.disfluent("where was the bridge at Oskar Point built", rng)
        undone += normalize_query(v).lower() == "where was the bridge at oskar point built"
    assert undone >= 5  # the corrections the normaliser knows are undone; fillers/stutters are left to the model


# --------------------------------------------------------------------------------------------------------------
# The builder on a fake scratch home
# --------------------------------------------------------------------------------------------------------------

DOCS = {
    "rail/harrow.md": ["The Harrow Line opened to passengers in 1897, two years after the bridge. Its engineer was Mira Tolvane.",
                       "The Harrow Line was extended to Oskar Point in 1903 and electrified much later."],
    "rail/vell.md": ["The Vell Line opened to passengers in 1911; the Vell bridge has nine arches.",
                     "Vell trains ran every hour from the Vell terminus."],
    "towns/oskar.md": ["Oskar Point is a fishing town of 4,000 people on the estuary.",
                       "Ferries crossed at Oskar Point until 1950, when the bridge replaced them."],
    "towns/brisk.md": ["Brisk holds a market every Thursday in the square.", "The Brisk library opened in 1930."],
}
ROOT = "/docs"


class FakeStore:
    def __init__(self):
        self.rows = {}
        cid = 0
        for path, chunks in DOCS.items():
            for i, text in enumerate(chunks):
                cid += 1
                self.rows[cid] = {"id": cid, "doc_id": hash(path) % 1000, "ord": i, "text": text, "start_char": 0,
                                  "end_char": len(text), "n_tokens": 100, "sha256": "", "source": f"{ROOT}/{path}",
                                  "title": path, "doc_date": "2024-05-01" if "harrow" in path else None}

    def chunk_sources(self):
        return [(c, r["source"]) for c, r in self.rows.items()]

    def chunks_by_ids(self, ids):
        return {i: dict(self.rows[i]) for i in ids}


class FakeRetriever:
    """Ranks chunks by shared words with the question; the top k are the hits, the rest the candidates."""

    def __init__(self, settings):
        self.store = FakeStore()
        self.calls = []

    def retrieve(self, q, *, k, use_cache=True, normalized=None):
        self.calls.append((q, k))
        words = set(re.findall(r"\w+", q.lower()))
        ranked = sorted(self.store.rows.values(), key=lambda r: (-len(words & set(re.findall(r"\w+", r["text"].lower()))), r["id"]))
        hits = [Hit(chunk_id=r["id"], doc_id=r["doc_id"], text=r["text"], source=r["source"], n_tokens=100) for r in ranked]
        return SimpleNamespace(hits=hits[:k], candidates=hits, normalized_query=q.strip())

    def close(self):
        pass


@pytest.fixture
def fake(monkeypatch):
    import ragtune.appliance.retrieve as retrieve_mod

    monkeypatch.setattr(retrieve_mod, "Retriever", FakeRetriever)
    monkeypatch.setattr(raft, "scratch_home", lambda s, docs, **kw: Scratch(s, docs, __import__("pathlib").Path(ROOT),
                                                                             {"docs": 4, "chunks": 8, "seconds": 0}, True))


ANS = {"id": "t-a001", "question": "When did the Harrow Line open to passengers?", "answer": "1897",
       "evidence": "The Harrow Line opened to passengers in 1897", "gold_doc": "rail/harrow.md", "answerable": True,
       "intent": "date", "style": "plain"}
MISS = {"id": "t-a002", "question": "Who built the Vell terminus line?", "answer": "Mira Tolvane",
        "evidence": "Its engineer was Mira Tolvane.", "gold_doc": "rail/harrow.md", "answerable": True,
        "intent": "fact", "style": "plain"}
UNANS = {"id": "t-u001", "question": "How many arches has the Oskar Point bridge?", "answer": "", "gold_doc": None,
         "answerable": False, "intent": "fact", "style": "plain", "near_doc": "towns/brisk.md", "why": "absent_detail"}


def _build(rows, tmp_path, **kw):
    s = Settings().replace("retrieve", context_tokens=1100)
    base = dict(drop_share=0.0, oracle_share=0.0, distractor_share=0.0, shuffle_share=0.0, inject_share=0.0, k=3)
    base.update(kw)
    return raft.build(s, [raft.QASet("test", rows, tmp_path, "t")], raft.RaftConfig(**base))


def _by_kind(rows):
    out = {}
    for r in rows:
        out.setdefault(r["meta"]["kind"], []).append(r)
    return out


def test_answer_cites_only_the_source_holding_it(fake, tmp_path):
    rows, stats = _build([ANS], tmp_path)
    (ex,) = rows
    assert validate_example(ex, "x") == []
    assert ex["output"]["status"] == "ok" and ex["output"]["answer"] == "1897"
    cited = [c["text"] for c in ex["prompt"]["context"] if c["id"] in ex["output"]["citations"]]
    assert len(cited) == 1 and "1897" in cited[0]
    assert ex["meta"]["kind"] == "answer" and ex["meta"]["date"] == "2024-05-01"
    assert stats.to_json()["answer_recall_at_k"] == 1.0


def test_sentence_style_answers_with_the_evidence(fake, tmp_path):
    (ex,), _ = _build([ANS], tmp_path, answer_style="sentence")
    assert ex["output"]["answer"] == "The Harrow Line opened to passengers in 1897"


def test_drop_removes_every_source_with_the_answer(fake, tmp_path):
    rows, stats = _build([ANS], tmp_path, drop_share=1.0)
    kinds = _by_kind(rows)
    (drop,) = kinds["drop"]
    assert drop["output"]["status"] == "refused" and drop["output"]["citations"] == []
    assert len(drop["prompt"]["context"]) == 3  # refilled from the next candidates
    assert not any("1897" in c["text"] for c in drop["prompt"]["context"])
    assert stats.to_json()["refusal_share"] == 0.5


def test_not_retrieved_is_a_refusal_and_oracle_puts_the_gold_chunk_in(fake, tmp_path):
    rows, stats = _build([MISS], tmp_path, k=1, oracle_share=1.0)  # k=1: the engineer chunk is not the top hit
    kinds = _by_kind(rows)
    (nr,), (orc,) = kinds["not_retrieved"], kinds["oracle"]
    assert nr["output"]["status"] == "refused"
    assert orc["output"]["status"] == "ok" and orc["output"]["answer"] == "Mira Tolvane"
    assert any("Mira Tolvane" in c["text"] for c in orc["prompt"]["context"] if c["id"] in orc["output"]["citations"])
    assert stats.answer_retrieved == 0 and stats.answerable_questions == 1


def test_unanswerable_context_holds_the_near_miss_document(fake, tmp_path):
    rows, stats = _build([UNANS], tmp_path, k=2)
    (ex,) = rows
    assert ex["output"]["status"] == "refused" and ex["meta"]["kind"] == "unanswerable"
    assert any("Brisk" in c["text"] for c in ex["prompt"]["context"]) and len(ex["prompt"]["context"]) == 2
    assert stats.near_inserted == 1


def test_distractors_come_from_other_documents_and_shuffling_moves_the_answer(fake, tmp_path):
    rows = []
    for i in range(30):
        rows.append(dict(ANS, id=f"t-a{100 + i}"))
    out, stats = _build(rows, tmp_path, distractor_share=1.0, shuffle_share=1.0, k=4)
    positions = stats.to_json()["answer_positions"]
    assert len(positions) >= 3  # the answer is not always S1
    assert stats.distracted == 30
    for ex in out:
        texts = [c["text"] for c in ex["prompt"]["context"]]
        assert len(texts) <= 4 and len(set(texts)) == len(texts)
        assert ex["output"]["citations"] and all(
            "1897" in c["text"] for c in ex["prompt"]["context"] if c["id"] in ex["output"]["citations"])


def test_augmented_variants_are_distinct_examples_with_the_same_target(fake, tmp_path):
    rows, stats = _build([ANS], tmp_path, augment=3)
    assert len(rows) == 4 and len({r["prompt"]["user"] for r in rows}) == 4
    assert {r["output"]["answer"] for r in rows} == {"1897"}
    assert sorted(r["meta"].get("augment") or "" for r in rows) == ["", "disfluent", "keywords", "typo"]
    assert all(r["meta"]["original"] == ANS["question"] for r in rows if r["meta"].get("augment"))
    assert len({r["meta"]["date"] for r in rows}) == 1  # one question, one side of the temporal split


def test_builds_are_reproducible_per_question(fake, tmp_path):
    a, _ = _build([ANS, UNANS], tmp_path, drop_share=0.5, distractor_share=0.5, shuffle_share=0.5, augment=1, seed=7)
    b, _ = _build([UNANS, ANS], tmp_path, drop_share=0.5, distractor_share=0.5, shuffle_share=0.5, augment=1, seed=7)
    key = lambda rows: sorted(json.dumps(r, sort_keys=True) for r in rows)  # noqa: E731
    assert key(a) == key(b)


def test_k_and_token_budget_bound_the_context(fake, tmp_path):
    s = Settings().replace("retrieve", context_tokens=250)  # 100 tokens per fake chunk: 2 fit
    rows, _ = raft.build(s, [raft.QASet("test", [ANS] * 3, tmp_path, "t")],
                         raft.RaftConfig(k=6, distractor_share=1.0, max_distractors=3, shuffle_share=0, drop_share=0))
    assert all(len(r["prompt"]["context"]) <= 2 for r in rows)


def test_raft_config_is_validated():
    for bad in ({"k": 7}, {"chunk_tokens": 300}, {"answer_style": "essay"}, {"drop_share": 1.5},
                {"augment": 4}, {"augment_kinds": ("shout",)}, {"max_distractors": 0}):
        with pytest.raises(ConfigError):
            raft.RaftConfig(**bad)


def test_sets_for_refuses_dev_domains_and_bad_folders(tmp_path):
    from ragtune.models import corpus as cp

    dev = [d.name for d in cp.load_domains().values() if d.split == "dev" and d.has_data]
    if dev:
        with pytest.raises(InputError, match="dev domain"):
            raft.sets_for([dev[0]])
    with pytest.raises(InputError, match="must hold docs/ and qa.jsonl"):
        raft.sets_for([str(tmp_path)])
    with pytest.raises(InputError, match="--qa needs --docs"):
        raft.sets_for(qa=str(tmp_path / "q.jsonl"))


# --------------------------------------------------------------------------------------------------------------
# The real thing: scratch ingest (cached), serving retrieval, the CLI
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_cli_builds_a_folder_in_the_corpus_format_and_reuses_its_scratch_home(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    from ragtune.cli import main
    from ragtune.models import corpus as cp

    dom = cp.load_domains()["history"]
    if not dom.has_data:
        pytest.skip("the history domain has not landed")
    rows = [r for r in cp.load_corpus(["history"])]
    docs = sorted({r["gold_doc"] for r in rows if r["answerable"]})[:2]
    pick = [r for r in rows if r.get("gold_doc") in docs][:8] + [r for r in rows if r.get("near_doc") in docs][:3]
    folder = tmp_path / "mine"
    for d in docs:
        (folder / "docs" / d).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(dom.docs / d, folder / "docs" / d)
    (folder / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in pick), encoding="utf-8")
    out = tmp_path / "ds"
    args = ["dataset", "build", "--corpus", str(folder), "--out", str(out), "--no-fit", "--augment", "1",
            "--drop-share", "0.5", "--holdout-frac", "0", "--mix-frac", "0", "--json"]
    assert main(args) == 0
    rep = json.loads(capsys.readouterr().out)
    b = rep["build"]
    assert b["questions"] == len(pick) and b["examples"] >= 2 * len(pick)
    assert b["kinds"]["answer"] >= 4 and b["kinds"]["unanswerable"] >= 2 and b["scratch"][0]["cached"] is False
    assert rep["build_options"]["raft"]["augment"] == 1 and rep["build_options"]["serving"]["k"] == 6
    cfg = json.loads((out / "dataset_config.json").read_text())
    assert cfg["build_options"]["raft"]["drop_share"] == 0.5
    lines = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    assert len(lines) == b["examples"] and all(validate_example(x, "x") == [] for x in lines)
    for x in lines:
        if x["output"]["status"] == "ok":
            row = next(r for r in pick if r["id"] == x["meta"]["qa_id"])
            cited = [c["text"] for c in x["prompt"]["context"] if c["id"] in x["output"]["citations"]]
            assert x["output"]["answer"] == row["answer"] and all(raft.span_holds(t, row["evidence"], row["answer"]) for t in cited)
    assert main(args) == 0  # the second build reuses the scratch home
    assert json.loads(capsys.readouterr().out)["build"]["scratch"][0]["cached"] is True


def test_cli_source_errors(tmp_path, capsys):
    from ragtune.cli import main

    assert main(["dataset", "build", "--out", str(tmp_path / "o")]) == 2
    assert "give a source" in capsys.readouterr().err
    assert main(["dataset", "build", "--from-log", "x.jsonl", "--from-pack", "--out", str(tmp_path / "o")]) == 2
    assert "on its own" in capsys.readouterr().err
    assert main(["dataset", "build", "--corpus", "atlantis", "--out", str(tmp_path / "o")]) == 2
    assert "not a corpus domain" in capsys.readouterr().err
    assert main(["dataset", "build", "--from-pack", "--k", "9", "--out", str(tmp_path / "o")]) == 2
    assert "dataset.k" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_injected_sources_are_never_cited_and_keep_the_target(fake, tmp_path):
    from ragtune.models import inject

    rows = [dict(ANS, id=f"t-a{200 + i}") for i in range(20)] + [dict(UNANS, id=f"t-u{200 + i}") for i in range(10)]
    out, stats = _build(rows, tmp_path, inject_share=1.0, k=3)
    assert sum(stats.injected.values()) == 30 and set(stats.injected) <= set(inject.NAMES)
    for ex in out:
        assert ex["meta"]["injected"] in inject.NAMES
        injected = [c for c, cid in zip(ex["prompt"]["context"], ex["meta"]["chunk_ids"]) if cid == -1]
        assert len(injected) == 1 and injected[0]["id"] not in ex["output"]["citations"]
        if ex["meta"]["answerable"]:
            assert ex["output"] == {"status": "ok", "answer": "1897", "citations": ex["output"]["citations"]}
            assert ex["output"]["citations"]
        else:
            assert ex["output"]["status"] == "refused"


def test_distractors_never_push_the_context_past_k(fake, tmp_path):
    two = dict(ANS, evidence="The Harrow Line", answer="Harrow Line", question="harrow line")  # held by 2 chunks
    out, _ = _build([dict(two, id=f"t-a{300 + i}") for i in range(10)], tmp_path, k=2, distractor_share=1.0)
    assert all(len(ex["prompt"]["context"]) <= 2 for ex in out)
    assert all(len(ex["output"]["citations"]) == 2 for ex in out)


# --------------------------------------------------------------------------------------------------------------
# Another question file of the corpus domains (--questions contrast)
# --------------------------------------------------------------------------------------------------------------

def test_sets_for_reads_the_named_question_file_of_corpus_domains_only(tmp_path):
    from ragtune.models import corpus as cp

    with_file = [d.name for d in cp.select(["train"]) if d.questions("contrast").is_file()]
    if not with_file:
        pytest.skip("no contrast.jsonl has landed")
    name = with_file[0]
    qa, = raft.sets_for([name], limit=2)
    assert qa.label == f"corpus:{name}"  # qa keeps its bare label: existing builds do not change
    con, = raft.sets_for([name], limit=2, questions="contrast")
    assert con.label == f"corpus:{name}/contrast" and con.domain == name and con.docs == qa.docs
    assert {r["id"] for r in con.rows}.isdisjoint(r["id"] for r in qa.rows) and len(con.rows) == 2
    assert [s.label for s in raft.sets_for(["train"], questions="contrast")] == [f"corpus:{n}/contrast" for n in with_file]
    folder = tmp_path / "mine"
    (folder / "docs" / "rail").mkdir(parents=True)
    (folder / "docs" / "rail" / "harrow.md").write_text(DOCS["rail/harrow.md"][0] + "\n", encoding="utf-8")
    (folder / "qa.jsonl").write_text(json.dumps(dict(ANS, id="mine-a001")) + "\n", encoding="utf-8")
    labels = [s.label for s in raft.sets_for([name, str(folder)], limit=1, questions="contrast")]
    assert labels == [f"folder:{folder}", f"corpus:{name}/contrast"]  # a folder reads its own qa.jsonl
    with pytest.raises(InputError, match="only corpus domains have other question files"):
        raft.sets_for(pack=True, questions="contrast")
    with pytest.raises(InputError, match="question file '../qa': not a name"):
        raft.sets_for([name], questions="../qa")
    dev = [d.name for d in cp.load_domains().values() if d.split == "dev" and d.has_data]
    if dev and not cp.load_domains()[dev[0]].questions("contrast").is_file():
        with pytest.raises(InputError, match=f"--corpus {dev[0]}: the domain has no contrast.jsonl"):
            raft.sets_for([dev[0]], allow_dev=True, questions="contrast")


def test_dataset_options_questions_is_validated_and_a_flag_only_when_set():
    from ragtune.cli.dataset_cmd import build_cmd
    from ragtune.models.build import DatasetOptions

    assert DatasetOptions().questions == "qa" and "--questions" not in DatasetOptions(corpus=["train"]).argv()
    opts = DatasetOptions(corpus=["train"], questions="contrast")
    assert opts.argv() == ["--corpus", "train", "--questions", "contrast"]
    assert build_cmd.make_context("build", opts.argv() + ["--out", "x"]).params["questions"] == "contrast"
    assert build_cmd.make_context("build", ["--out", "x"]).params["questions"] == "qa"
    for bad in ("", "Contrast", "../qa", "qa.jsonl", 1, None):
        with pytest.raises(ConfigError, match=r"dataset.questions: must name a question file"):
            DatasetOptions(questions=bad)


def test_a_build_from_another_question_file_records_it(fake, tmp_path, monkeypatch):
    """build_dataset end to end on the fake scratch home: the sets' labels and `questions` in dataset_config.json."""
    from ragtune.models import corpus as cp
    from ragtune.models.build import DatasetOptions, build_dataset

    with_file = [d.name for d in cp.select(["train"]) if d.questions("contrast").is_file()]
    if not with_file:
        pytest.skip("no contrast.jsonl has landed")
    s = Settings().replace("retrieve", context_tokens=1100)
    common = dict(corpus=[with_file[0]], limit=3, fit=False, holdout_frac=0.0, mix_frac=0.0, k=3)
    rep = build_dataset(s, DatasetOptions(questions="contrast", **common), tmp_path / "c")
    cfg = json.loads((tmp_path / "c" / "dataset_config.json").read_text())
    assert cfg["build_options"]["questions"] == "contrast"
    assert [x["label"] for x in cfg["build_options"]["sets"]] == [f"corpus:{with_file[0]}/contrast"]
    assert rep["build"]["questions"] == 3 and set(rep["build"]["by_source"]) == {f"corpus:{with_file[0]}/contrast"}
    build_dataset(s, DatasetOptions(**common), tmp_path / "q")
    cfg = json.loads((tmp_path / "q" / "dataset_config.json").read_text())
    assert "questions" not in cfg["build_options"] and cfg["build_options"]["sets"][0]["label"] == f"corpus:{with_file[0]}"
    with pytest.raises(InputError, match="--from-log is passed through on its own"):
        build_dataset(s, DatasetOptions(from_log="x.jsonl", questions="contrast"), tmp_path / "l")


@pytest.mark.parametrize("under", ["", "sub", "sub/train.jsonl"])
def test_an_out_at_or_under_a_file_fails_before_the_build(tmp_path, under):
    """Sweep: `dataset build --out FILE` built the whole dataset, then ended in an internal error (FileExistsError)."""
    from ragtune.models.build import DatasetOptions, build_dataset

    f = tmp_path / "f"
    f.write_text("x")
    never = tmp_path / "never-read.jsonl"  # the source is not read: the out folder is checked first
    with pytest.raises(InputError, match=rf"^{f}(/sub)?: (exists and is not a folder|cannot create this folder: {f} is a file)"):
        build_dataset(Settings(), DatasetOptions(from_log=str(never)), f / under if under else f)
    assert f.read_text() == "x"


def test_cli_questions_errors(tmp_path, capsys):
    from ragtune.cli import main

    out = str(tmp_path / "o")
    assert main(["dataset", "build", "--corpus", "train", "--questions", "Nope!", "--out", out]) == 2
    assert "dataset.questions" in capsys.readouterr().err
    assert main(["dataset", "build", "--from-pack", "--questions", "contrast", "--out", out]) == 2
    assert "only corpus domains have other question files" in capsys.readouterr().err
    assert main(["dataset", "build", "--corpus", "train", "--questions", "nothing-here", "--out", out]) == 2
    assert "no train domain has a nothing-here.jsonl" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("marker", ["[1]", '{"key": 5}', "\"text\""])
def test_a_damaged_scratch_marker_is_rebuilt_not_a_crash(settings, tmp_path, monkeypatch, marker):
    """Sweep: a scratch home's scratch.json that parsed but was not an object ended in an AttributeError."""
    import ragtune.appliance.ingest.pipeline as pipeline
    from ragtune.models import scratch

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nsome text\n", encoding="utf-8")
    key, _ = scratch.docs_fingerprint(settings, docs)
    root = tmp_path / "cache" / key[:24]
    root.mkdir(parents=True)
    (root / scratch.MARKER).write_text(marker, encoding="utf-8")
    calls = []
    monkeypatch.setattr(pipeline, "ingest_paths", lambda s, paths, prune: calls.append(paths) or SimpleNamespace(
        added=1, updated=0, unchanged=0, chunks_added=1, failed=[]))
    got = scratch.scratch_home(settings, docs, cache_root=tmp_path / "cache")
    assert calls and not got.cached and got.info["key"] == key  # rebuilt, marker rewritten
