"""R52 mend (mA, findings 2–4: no change of behaviour). `Store.eval_done_by` sorts a run's rows in one query as
run.py did by parsing each in Python; the permutation of shown ids, its round keys now made once, gives the numbers
it gave before; `is_shown` is the range `decode` takes."""

from __future__ import annotations

import json

from ragtune.appliance.store import Store
from ragtune.serve.publicid import SHOWN, PublicIds, is_shown

CODE = "c0de" * 16
ROWS = {  # qid -> stored result text, as a row may hold it
    "done": json.dumps({"answer": "a", "answer_code": CODE}),
    "other": json.dumps({"answer": "a", "answer_code": "beef"}),
    "unrecorded": json.dumps({"answer": "a"}),
    "code_not_str": json.dumps({"answer_code": 7}),
    "nested": json.dumps({"x": {"answer_code": CODE}}),
    "array": json.dumps([{"answer_code": CODE}]),
    "string": json.dumps(CODE),
    "not_json": "answer_code, not json",
    "nan": '{"answer_code": "%s", "x": NaN}' % CODE,
    "huge": '{"answer_code": "%s", "x": 1e999}' % CODE,
    "deep": '{"answer_code": "%s", "x": %s}' % (CODE, "[" * 3000 + "]" * 3000),
}


def test_eval_done_by_sorts_rows_as_the_python_reading_did(settings):
    with Store(settings.home.db_path) as st:
        st.ensure_eval_run("r", "beir", {})
        st.ensure_eval_run("s", "beir", {})
        with st.transaction():
            for qid, text in ROWS.items():
                st.conn.execute("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('r', 'A', ?, ?)",
                                (qid, text))
            st.conn.execute("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('s', 'A', 'x', ?)",
                            (ROWS["done"],))  # another run's row: not this one's
        # the reading run.py made before: eval_items (a damaged row skipped), then the code of each
        stored, every = st.eval_items("r"), st.eval_done("r")
        want = {k for k, res in stored.items() if res.get("answer_code") == CODE}
        assert st.eval_done_by("r", CODE) == (want, len(stored) - len(want), len(every - set(stored)))
        assert want == {("A", "done"), ("A", "huge")}
        assert st.eval_done_by("none", CODE) == (set(), 0, 0)


def test_the_permutation_gives_the_numbers_it_gave():
    ids = PublicIds(key=bytes(range(32)))
    assert [ids.encode("log", n) for n in (0, 1, 48, SHOWN - 1)] == \
        [6201909115664173, 6057466567275972, 6703177047770659, 5260060274133402]
    assert [ids.encode("chunk", n) for n in (0, 1, 48)] == [8857015137952025, 5419324486347773, 8262707005223745]
    assert all(ids.decode(k, ids.encode(k, n)) == n for k in ("log", "chunk") for n in range(0, 5000, 7))
    assert [is_shown(n) for n in (SHOWN - 1, SHOWN, 2 * SHOWN - 1, 2 * SHOWN)] == [False, True, True, False]
    assert ids.encode("log", SHOWN) == SHOWN and ids.decode("log", 2 * SHOWN) is None
