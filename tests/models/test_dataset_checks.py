"""Bad training data found in round 37's sweep of the tuning commands: wrong field types, empty sources, answers
not in their cited sources, other system prompts, splits edited after their config, merges of one dataset twice or
of other build settings, re-cut hard folders (ragtune/models/dataset.py, curate.py, merge.py, hard.py)."""

import json

import pytest

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError
from ragtune.cli import main
from ragtune.models.curate import CurateConfig, curate, report_markdown, write_curated
from ragtune.models.dataset import answer_in_sources, read_dataset, validate_example, write_jsonl
from ragtune.models.hard import select_hard
from ragtune.models.merge import merge_datasets

CTX = [{"id": "S1", "text": "The depot opens at 07:00 and closes at 19:00 on weekdays."},
       {"id": "S2", "text": "Gate 4 is staffed by two guards."}]


def ex(answer="07:00", cites=("S1",), date="2024-01-10", **meta):
    out = ({"status": "ok", "answer": answer, "citations": list(cites)} if answer else
           {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []})
    return prompt.training_example(prompt.SYSTEM_PROMPT, CTX, "When does the depot open?", out, date=date, **meta)


@pytest.mark.parametrize("date,ok", [("2024-01-10", True), ("2024-01-10T08:00:00Z", True), (None, True),
                                     (20240110, False), ("10/01/2024", False), ([1], False)])
def test_dates_must_be_iso_strings(date, ok):
    errs = validate_example(ex(date=date), "f:1")
    assert (errs == []) is ok, errs
    if not ok:
        assert any(e.startswith("meta.date must be an ISO date string") for e in errs)


def test_an_empty_source_is_refused():
    e = ex()
    e["prompt"]["context"][1]["text"] = "  "
    assert "prompt.context[1].text is empty" in validate_example(e, "f:1")


def test_answers_not_in_their_cited_sources_are_found():
    assert answer_in_sources(ex("07:00")) and answer_in_sources(ex(None))
    assert answer_in_sources(ex("It opens at 07:00."))  # stopwords and punctuation aside, the source's words
    assert not answer_in_sources(ex("08:00"))  # a number the source does not hold
    assert not answer_in_sources(ex("07:00", cites=("S2",)))  # in the context, but not in the source cited


def test_curation_reports_ungrounded_answers_and_other_prompts_by_line():
    other = ex("07:00")
    other["prompt"]["system"] = "You are a pirate."
    lines = [("d.jsonl:1", ex()), ("d.jsonl:2", ex("Purple elephants")), ("d.jsonl:3", other)]
    train, _, report = curate(lines, CurateConfig(mix_frac=0.0, holdout_frac=0.0))
    assert len(train) == 3  # kept: counted for a person to look at, not dropped
    ck = report["checks"]
    assert ck["answer_not_in_cited_sources"] == 1 and ck["answer_not_in_cited_examples"] == ["d.jsonl:2"]
    assert ck["other_system_prompt"] == 1 and ck["other_system_prompt_examples"] == ["d.jsonl:3"]
    md = report_markdown(report)
    assert "- d.jsonl:2: answer not in its cited sources" in md and "- d.jsonl:3: another system prompt" in md


def test_a_split_edited_after_its_config_is_refused(tmp_path):
    write_curated(tmp_path / "d", [ex(), ex(None)], [ex(date="2024-02-01")], {"config": {}})
    assert read_dataset(tmp_path / "d").train
    with open(tmp_path / "d" / "train.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(ex("19:00")) + "\n")
    with pytest.raises(InputError, match=r"d/train.jsonl: changed since dataset_config.json was written"):
        read_dataset(tmp_path / "d")
    (tmp_path / "d" / "holdout.jsonl").unlink()
    (tmp_path / "d" / "dataset_config.json").unlink()  # the way out the hint gives: the files as they are
    assert len(read_dataset(tmp_path / "d").train) == 3


def _built(path, rows, k=3, style="short"):
    write_curated(path, rows, [], {"config": {}},
                  options={"serving": {"k": k, "chunk_tokens": 200}, "raft": {"answer_style": style}})
    return path


def test_merge_refuses_one_dataset_twice_and_other_build_settings(tmp_path):
    a = _built(tmp_path / "a", [ex(), ex(None)])
    with pytest.raises(InputError, match=r"the same dataset as .*a \(sha256"):
        merge_datasets([a, tmp_path / "a"], tmp_path / "m")
    b = _built(tmp_path / "b", [ex("07:00", date="2024-03-01")], k=6)
    with pytest.raises(InputError, match=r"b: built with other settings than .*a: serving.k 3 vs 6") as ei:
        merge_datasets([a, b], tmp_path / "m")
    assert "--allow-mixed" in ei.value.hint and not (tmp_path / "m").exists()
    cfg = merge_datasets([a, b], tmp_path / "m", allow_mixed=True)
    assert cfg["allow_mixed"] is True and cfg["train"]["lines"] == 2  # b's line is a's (another date): kept once
    c = _built(tmp_path / "c", [ex("19:00", date="2024-04-01")], style="sentence")
    with pytest.raises(InputError, match=r"raft.answer_style 'short' vs 'sentence'"):
        merge_datasets([a, c], tmp_path / "m2")
    # a merged folder as a source carries its sources' shape
    with pytest.raises(InputError, match=r"serving.k 6 vs 3"):
        merge_datasets([b, tmp_path / "m"], tmp_path / "m3")


def test_merge_writes_only_into_a_new_empty_or_earlier_merge_folder(tmp_path, capsys):
    a = _built(tmp_path / "a", [ex(), ex(None)])
    b = _built(tmp_path / "b", [ex("07:00", date="2024-03-01")])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert main(["dataset", "merge", str(a), str(b), "--out", str(mine)]) == 2
    assert "mine: not written into (it holds notes.txt)" in capsys.readouterr().err
    built = _built(tmp_path / "built", [ex("19:00", date="2024-05-01")])
    with pytest.raises(InputError, match="it holds report.json, report.md"):  # its report would describe other lines
        merge_datasets([a, b], built)
    first = merge_datasets([a, b], tmp_path / "m")
    assert merge_datasets([a, b], tmp_path / "m") == first  # an earlier merge: written again, the same bytes
    (tmp_path / "m" / "dataset_config.json").unlink()  # a merge cut short (the config goes first)
    assert merge_datasets([a, b], tmp_path / "m")["dataset_sha256"] == first["dataset_sha256"]


def _hard_src(path, holdout):
    path.mkdir()
    ctx = [{"id": "S1", "text": "In 2023 there were 20,000 events and 50,000 cardholders."}]
    hard = prompt.training_example(prompt.SYSTEM_PROMPT, ctx, "How many events?",
                                   {"status": "ok", "answer": "20,000", "citations": ["S1"]})
    write_jsonl(path / "train.jsonl", [hard, ex(None)])
    if holdout:
        write_jsonl(path / "holdout.jsonl", [ex(date="2024-09-01")])
    return path


def test_a_hard_cut_made_again_keeps_no_stale_holdout(tmp_path):
    out = tmp_path / "hard"
    select_hard(_hard_src(tmp_path / "with", holdout=True), out, 2)
    assert (out / "holdout.jsonl").is_file()
    cfg = select_hard(_hard_src(tmp_path / "without", holdout=False), out, 2)
    assert not (out / "holdout.jsonl").exists()  # was the first source's holdout, beside the second's lines
    assert cfg["source"].endswith("without") and read_dataset(out).holdout == []
