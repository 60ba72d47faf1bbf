"""BEIR-format datasets: corpus.jsonl, queries.jsonl, qrels/<split>.tsv.

Every line is validated; errors name `file:line`. The corpus is streamed (it can be large); queries and qrels
are loaded whole (they are small and needed as a whole by evaluation).
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError, located
from .normalize import check_unicode, displayable


@dataclass
class BeirSet:
    corpus_path: Path
    queries: list[dict[str, Any]] = field(default_factory=list)
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)
    root: Path | None = None
    # queries left out because their text is blank: ["queries.jsonl:LINE: _id"] (disflqa-dev has one)
    skipped_queries: list[str] = field(default_factory=list)
    query_lines: dict[str, int] = field(default_factory=dict)  # _id -> its line in queries.jsonl (for errors)
    doc_ids: set[str] = field(default_factory=set)  # every corpus _id (a query's context_id must name one)

    def corpus(self) -> Iterator[dict[str, str]]:
        return iter_corpus(self.corpus_path)


def _open_bytes(path: Path):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{located(path)}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{located(path)}: is a directory, expected a file") from None
    except OSError as exc:
        raise InputError(f"{located(path)}: cannot read: {exc.strerror or exc}") from None


def _iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of every line, decoded one line at a time so errors name the right line."""
    with _open_bytes(path) as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a BOM is tolerated
            try:
                yield lineno, raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{located(path, lineno)}: not UTF-8 text") from None


def _iter_json_lines(path: Path, unicode_checked: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line, read one line at a time (corpora are large) and parsed by
    the project's one JSONL line parser: a bad byte or a cut-short line is reported at its own line and column.
    `unicode_checked`: a string that is not valid Unicode (a "\\udce9" escape) is an error naming its line and field."""
    from .jsonl import check_line_unicode, expect_object, parse_line

    with _open_bytes(path) as fh:
        for lineno, raw in enumerate(fh, start=1):
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            where = located(path, lineno)
            obj = expect_object(parse_line(raw, where), where)
            yield lineno, check_line_unicode(obj, raw, where) if unicode_checked else obj


def _req_str(obj: dict[str, Any], key: str, path: Path, lineno: int, *, allow_empty: bool = False) -> str:
    if key not in obj:
        raise InputError(f"{located(path, lineno)}: missing field '{key}'")
    v = obj[key]
    if isinstance(v, (int,)) and not isinstance(v, bool) and key == "_id":
        v = str(v)  # some BEIR sets use numeric ids
    if not isinstance(v, str):
        raise InputError(f"{located(path, lineno)}: field '{key}' must be a string, got {type(v).__name__}")
    if not allow_empty and not v.strip():
        raise InputError(f"{located(path, lineno)}: field '{key}' is empty")
    return v


def iter_corpus(path: Path | str, *, not_unicode: set[str] | None = None) -> Iterator[dict[str, Any]]:
    """Stream corpus rows as {_id, title, text} (+ 'date' when the row has a string date).

    Raises InputError naming file:line on bad JSON, missing/empty _id or text, an _id that is not valid Unicode
    (a "\\udce9" escape: ids are keys, qrels name them), or a duplicate _id. A lone surrogate in the title, text or
    date is replaced by U+FFFD instead: it is not a character (a mis-escaped byte, half an emoji), it cannot be
    stored as UTF-8, and one of them should not fail every other row of a large corpus. `not_unicode`, when given,
    gets the _id of each such row as it is read (before the row is yielded): the ingest summary says how many, for
    nothing else tells, and counting them here costs no second read of the file."""
    path = Path(path)
    seen: set[str] = set()
    for lineno, obj in _iter_json_lines(path):
        _id = check_unicode(_req_str(obj, "_id", path, lineno), f"{located(path, lineno)}: field '_id'")
        raw_text = _req_str(obj, "text", path, lineno)
        text = displayable(raw_text)
        title = obj.get("title", "")
        if title is None:
            title = ""
        if not isinstance(title, str):
            raise InputError(f"{located(path, lineno)}: field 'title' must be a string, got {type(title).__name__}")
        if _id in seen:
            raise InputError(f"{located(path, lineno)}: duplicate _id '{_id}'")
        seen.add(_id)
        row: dict[str, Any] = {"_id": _id, "title": displayable(title), "text": text}
        date = _date(obj)
        if date is not None:
            if not isinstance(date, str):
                raise InputError(f"{located(path, lineno)}: field 'date' must be a string (ISO date)")
            row["date"] = displayable(date)
        # displayable changes a string only to replace a lone surrogate (a U+FFFD the corpus itself holds is kept)
        if not_unicode is not None and (text != raw_text or row["title"] != title or row.get("date", date) != date):
            not_unicode.add(_id)
        yield row


def _date(obj: dict[str, Any]) -> Any:
    date = obj.get("date")
    if date is None and isinstance(obj.get("metadata"), dict):
        date = obj["metadata"].get("date")
    return date


def load_queries(path: Path | str, *, skipped: list[str] | None = None,
                 line_of: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """[{_id, text, metadata}] in file order. metadata defaults to {} and must be an object.

    A query whose text is blank cannot be asked: it is left out, and named in `skipped` ("file:line: id")
    when a list is passed. A missing 'text' field is still an error, and so is a string that is not valid Unicode
    (a "\\udce9" escape in the id, the question or a gold answer). `line_of` (when passed) gets each query's line."""
    path = Path(path)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for lineno, obj in _iter_json_lines(path, unicode_checked=True):
        _id = _req_str(obj, "_id", path, lineno)
        text = _req_str(obj, "text", path, lineno, allow_empty=True)
        meta = obj.get("metadata", {})
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise InputError(f"{located(path, lineno)}: field 'metadata' must be an object")
        if _id in seen:
            raise InputError(f"{located(path, lineno)}: duplicate _id '{_id}'")
        seen.add(_id)
        if line_of is not None:
            line_of[_id] = lineno
        if not text.strip():
            if skipped is not None:
                skipped.append(f"{located(path, lineno)}: {_id}")
            continue
        out.append({"_id": _id, "text": text, "metadata": meta})
    return out


HEADER = "query-id<TAB>corpus-id<TAB>score"


def _is_int(text: str) -> bool:
    try:
        int(text.strip())
    except ValueError:
        return False
    return True


def _shape_hint(line: str, name: str) -> str:
    """What a qrels row that is not three tab-separated fields looks like, and how to convert the file: a TREC qrels
    file (`qid 0 docid score`) and space-separated columns are common, and "got 1 field" said neither."""
    fields = line.split()
    name = shlex.quote(name)  # the awk keeps only rows ending in an integer: an old header is dropped
    awk = ("awk 'BEGIN {OFS=\"\\t\"; print \"query-id\", \"corpus-id\", \"score\"} $NF ~ /^-?[0-9]/ "
           f"{{print $1, %s}}' {name} > {name}.new, then replace {name} with it")
    if len(fields) == 4 and _is_int(fields[3]):
        return ("; this looks like a TREC qrels file (query-id, iteration, corpus-id, score): drop the second column "
                "and separate the fields with tabs, e.g. " + awk % "$3, $4")
    if len(fields) == 3 and "\t" not in line:
        return "; the fields are separated by spaces: BEIR qrels separate them with tabs, e.g. " + awk % "$2, $3"
    return ""


def load_qrels(path: Path | str, *, line_of: dict[tuple[str, str], int] | None = None) -> dict[str, dict[str, int]]:
    """qrels TSV (query-id, corpus-id, score) -> {qid: {docid: score}}, with its header line or without: a first
    row of three tab-separated fields whose third is an integer is data (a header's third field is a name).
    `line_of` (when passed) gets the line of each (qid, docid) judgement."""
    path = Path(path)
    out: dict[str, dict[str, int]] = {}
    lines = [line.rstrip("\r\n") for _, line in _iter_lines(path)]
    if not lines or not lines[0].strip():
        raise InputError(f"{located(path, 1)}: empty qrels file (expected a header '{HEADER}')")
    header = [h.strip().lower() for h in lines[0].split("\t")]
    first = 1  # the line the judgements start at
    if len(header) == 3 and _is_int(header[2]):
        first = 0  # no header: the first row is a judgement
    elif len(header) < 3 or header[0] not in ("query-id", "query_id", "qid") or \
            header[1] not in ("corpus-id", "corpus_id", "docid", "doc-id"):
        raise InputError(f"{located(path, 1)}: expected header '{HEADER}' (or, without one, a first judgement "
                         f"'QUERY-ID<TAB>CORPUS-ID<TAB>INTEGER'), got {lines[0]!r:.80}"
                         f"{_shape_hint(lines[0], path.name)}")
    for i, line in enumerate(lines[first:], start=first + 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise InputError(f"{located(path, i)}: expected 3 tab-separated fields, got {len(parts)}"
                             f"{_shape_hint(line, path.name)}")
        qid, docid, score = (p.strip() for p in parts)
        if not qid or not docid:
            raise InputError(f"{located(path, i)}: empty query-id or corpus-id")
        try:
            s = int(score)
        except ValueError:
            try:
                f = float(score)
            except ValueError:
                f = math.nan
            if not math.isfinite(f) or f != int(f):  # "nan", "inf", "1e400" (a float), "1.5"
                raise InputError(f"{located(path, i)}: score must be an integer, got {score!r:.40}") from None
            s = int(f)
        docs = out.setdefault(qid, {})
        if docid in docs:
            raise InputError(f"{located(path, i)}: duplicate judgement for ({qid}, {docid})")
        docs[docid] = s
        if line_of is not None:
            line_of[(qid, docid)] = i
    return out


def load_beir(directory: Path | str, *, split: str = "test") -> BeirSet:
    """A BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv. The corpus is validated in full here
    (one streaming pass) so that errors surface before any work starts; it is re-streamed on use."""
    root = Path(directory)
    if not root.is_dir():
        raise InputError(f"{located(root)}: not a directory (expected a BEIR folder with corpus.jsonl, queries.jsonl, qrels/)")
    corpus = root / "corpus.jsonl"
    queries_path = root / "queries.jsonl"
    qrels_path = root / "qrels" / f"{split}.tsv"
    for p in (corpus, queries_path, qrels_path):
        if p.is_dir():
            raise InputError(f"{located(p)}: is a directory, expected a file (a BEIR folder has corpus.jsonl, "
                             f"queries.jsonl, qrels/{split}.tsv)")
        if not p.is_file():
            others = sorted(q.name for q in qrels_path.parent.glob("*.tsv")) if p == qrels_path else []
            found = f"; qrels/ holds only {', '.join(others)}: the {split} judgements are read" if others else ""
            raise InputError(f"{located(p)}: missing (a BEIR folder has corpus.jsonl, queries.jsonl, "
                             f"qrels/{split}.tsv{found})")
    ids = set()
    for row in iter_corpus(corpus):
        ids.add(row["_id"])
    if not ids:  # found here, not after a run was recorded and the ingest of nothing failed
        raise InputError(f"{located(corpus)}: no documents (the file is empty or every line is blank)")
    skipped: list[str] = []
    query_lines: dict[str, int] = {}
    queries = load_queries(queries_path, skipped=skipped, line_of=query_lines)
    skipped_ids = {s.rsplit(": ", 1)[-1] for s in skipped}
    qrel_lines: dict[tuple[str, str], int] = {}
    qrels = load_qrels(qrels_path, line_of=qrel_lines)
    qids = {q["_id"] for q in queries}
    for qid in list(qrels):
        if qid in skipped_ids:
            del qrels[qid]  # judgements of a blank query are unusable
            continue
        if qid not in qids:
            line = min(qrel_lines[(qid, d)] for d in qrels[qid])
            raise InputError(f"{located(qrels_path, line)}: query-id '{qid}' is not in {queries_path.name}")
        for d in qrels[qid]:
            if d not in ids:
                raise InputError(f"{located(qrels_path, qrel_lines[(qid, d)])}: corpus-id '{d}' (query {qid}) is not "
                                 f"in {corpus.name}")
    return BeirSet(corpus_path=corpus, queries=queries, qrels=qrels, root=root, skipped_queries=skipped,
                   query_lines=query_lines, doc_ids=ids)
