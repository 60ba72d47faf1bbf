import json

import pytest
from click.testing import CliRunner

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError
from ragtune.cli import cli, main
from ragtune.models.dataset import read_examples, write_jsonl
from ragtune.models.hard import is_hard, select_hard


def ex(question, ctx, answer=None):
    out = ({"status": "ok", "answer": answer, "citations": ["S1"]} if answer else
           {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []})
    return prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": ctx}], question, out)


CONTROLLER = "Each controller stores up to 50,000 cardholders and 20,000 events. It keeps working offline."


def test_a_number_beside_another_number_is_hard():
    assert is_hard(ex("How many events does a controller keep?", CONTROLLER, "20,000 events"))


def test_a_name_beside_a_name_the_question_does_not_ask_about_is_hard():
    ctx = "The canal was reopened in 2006 by the chairwoman, Ingrid Falk, who steered the boat Judit Avel."
    assert is_hard(ex("Who reopened the canal?", ctx, "Ingrid Falk"))
    # the only other name is the one the question asks about: no look-alike
    assert not is_hard(ex("Who steered the boat at Dray?", "At Dray the boat was steered by Ingrid Falk.",
                          "Ingrid Falk"))


def test_a_lone_answer_and_refusals_are_not_hard():
    assert not is_hard(ex("What does the controller do offline?", CONTROLLER, "keeps working offline"))
    assert not is_hard(ex("How many doors?", CONTROLLER))
    # the look-alike must be in the answer's own sentence
    assert not is_hard(ex("When is the market?", "The market is every Tuesday. It began in 1402.", "every Tuesday"))


def _dataset(tmp_path, hard=6, easy=6, refused=4):
    rows = ([ex(f"How many events, {i}?", CONTROLLER, "20,000 events") for i in range(hard)]
            + [ex(f"What offline, {i}?", CONTROLLER, "keeps working offline") for i in range(easy)]
            + [ex(f"How many doors, {i}?", CONTROLLER) for i in range(refused)])
    src = tmp_path / "data"
    src.mkdir()
    write_jsonl(src / "train.jsonl", rows)
    write_jsonl(src / "holdout.jsonl", rows[:2])
    return src


def test_select_keeps_the_refusal_share_and_the_holdout(tmp_path):
    src = _dataset(tmp_path)
    cfg = select_hard(src, tmp_path / "hard", examples=8, seed=3)
    assert (cfg["examples"], cfg["hard"], cfg["refusals"], cfg["source_hard"]) == (8, 6, 2, 6)  # share 4/16
    lines = [e for _, e in read_examples(tmp_path / "hard" / "train.jsonl")]
    assert sum(e["output"]["status"] == "refused" for e in lines) == 2
    assert all(is_hard(e) for e in lines if e["output"]["status"] == "ok")
    assert (tmp_path / "hard" / "holdout.jsonl").read_bytes() == (src / "holdout.jsonl").read_bytes()
    saved = json.loads((tmp_path / "hard" / "hard_config.json").read_text())
    assert saved == cfg and saved["seed"] == 3
    # the same seed gives the same file
    assert select_hard(src, tmp_path / "again", 8, 3)["train_sha256"] == cfg["train_sha256"]


def test_exclude_skips_the_lines_of_an_earlier_cut(tmp_path):
    src = _dataset(tmp_path, hard=8, refused=8)
    first = select_hard(src, tmp_path / "first", examples=8, seed=1)  # 5 hard + 3 refusals (share 8/22)
    seen = {json.dumps(e, sort_keys=True) for _, e in read_examples(tmp_path / "first" / "train.jsonl")}
    second = select_hard(src, tmp_path / "second", examples=8, seed=1, exclude=(tmp_path / "first",))
    lines = [e for _, e in read_examples(tmp_path / "second" / "train.jsonl")]
    assert not seen & {json.dumps(e, sort_keys=True) for e in lines}
    # the refusal share stays the source's; the source's counts are the whole source's
    assert (second["refusals"], second["source_lines"]) == (first["refusals"], first["source_lines"])
    assert second["excluded"] == {"datasets": {str(tmp_path / "first"): first["train_sha256"]}, "lines": 8}
    assert "excluded" not in first
    with pytest.raises(InputError, match="--exclude .*no train.jsonl"):
        select_hard(src, tmp_path / "third", 8, exclude=(tmp_path / "nothing",))
    everything = tmp_path / "everything"
    everything.mkdir()
    (everything / "train.jsonl").write_bytes((src / "train.jsonl").read_bytes())
    with pytest.raises(InputError, match="every line is in an --exclude dataset"):
        select_hard(src, tmp_path / "third", 8, exclude=(everything,))


def test_bad_input_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no train.jsonl"):
        select_hard(tmp_path, tmp_path / "out", 10)
    src = _dataset(tmp_path, hard=0)
    with pytest.raises(InputError, match="no answered line"):
        select_hard(src, tmp_path / "out", 10)
    before = (src / "train.jsonl").read_bytes()
    with pytest.raises(InputError, match="is the source dataset"):
        select_hard(src, src, 10)
    other = tmp_path / "other"
    other.mkdir()
    (other / "train.jsonl").write_text("mine\n")
    with pytest.raises(InputError, match="holds another dataset"):
        select_hard(src, other, 10)
    assert (src / "train.jsonl").read_bytes() == before and (other / "train.jsonl").read_text() == "mine\n"
    (src / "train.jsonl").write_text('{"prompt": 1}\n')
    with pytest.raises(InputError, match=r"train.jsonl:1"):
        select_hard(src, tmp_path / "out", 10)


def test_cli(tmp_path, capsys):
    src = _dataset(tmp_path, hard=10)
    res = CliRunner().invoke(cli, ["dataset", "hard", str(src), "--out", str(tmp_path / "h"), "--examples", "8",
                                   "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["examples"] == 8
    res = CliRunner().invoke(cli, ["dataset", "hard", str(src), "--out", str(tmp_path / "h3"), "--examples", "4",
                                   "--exclude", str(tmp_path / "h"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["excluded"]["lines"] == 8
    assert main(["dataset", "hard", str(tmp_path / "none"), "--out", str(tmp_path / "h2")]) == 2
    err = capsys.readouterr().err
    assert "no train.jsonl" in err and "hint:" in err and "Traceback" not in err


def test_an_out_under_a_file_is_an_input_error(tmp_path):
    """Sweep: `dataset hard SRC --out FILE/sub` ended in an internal error (NotADirectoryError)."""
    src = _dataset(tmp_path, hard=10)
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match=r"cannot create this folder: .*f is a file"):
        select_hard(src, tmp_path / "f" / "h", 8)
