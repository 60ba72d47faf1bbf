"""Round 55: the bundled corpus's evidence spans copied from HTML tables as the loader wrote them before (`| Adult |
£7.20 | £5.60 |`), re-copied from the text as ingest now reads it (loaders/web_tables.py: `Ticket: Adult; Peak:
£7.20; Off-peak: £5.60`). corpus.validate_row wants each answerable row's evidence to occur in its gold document as
ingested; a row's evidence that no longer does is replaced by the span of ONE line of the new text that holds its
cells in order, from the first cell's start to the last one's end ("Adult; Peak: £7.20; Off-peak: £5.60"), kept
only when the answer is still a span of it and it is at most MAX_EVIDENCE_CHARS; any other row is listed, unchanged.
Only the evidence value of those rows changes in the file (the rest of each line byte for byte).

usage: python benchmarks/r55_html_tables_evidence.py check   (lists the rows and their new evidence)
       python benchmarks/r55_html_tables_evidence.py write   (rewrites them in ragtune/models/corpus/*/*.jsonl)"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _new_evidence(ev: str, answer: str, lines: list[str], max_chars: int) -> str | None:
    from ragtune.models.corpus import norm_ws

    cells = [c.strip() for c in norm_ws(ev).split("|") if c.strip()]
    if not cells:
        return None
    for line in lines:
        pos, start = 0, -1
        for c in cells:
            at = line.find(c, pos)
            if at < 0:
                break
            start = at if start < 0 else start
            pos = at + len(c)
        else:
            span = line[start:pos]
            if norm_ws(answer) in span and len(span) <= max_chars:
                return span
    return None


def main(mode: str) -> int:
    from ragtune.appliance.ingest.loaders import load_file
    from ragtune.models.corpus import MAX_EVIDENCE_CHARS, doc_text, load_domains, norm_ws

    domains = load_domains()
    fixed = unresolved = 0
    for name, d in sorted(domains.items()):
        for qfile in sorted(d.qa.parent.glob("*.jsonl")):
            raw = qfile.read_text(encoding="utf-8").split("\n")
            changed = False
            for i, line in enumerate(raw):
                if not line.strip():
                    continue
                obj = json.loads(line)
                ev, gold = obj.get("evidence"), obj.get("gold_doc")
                if not ev or not gold:
                    continue
                path = d.docs / gold
                if not path.is_file() or norm_ws(ev) in doc_text(path):
                    continue
                lines = [norm_ws(x) for x in load_file(path).text.splitlines() if x.strip()]
                new = _new_evidence(ev, obj.get("answer") or "", lines, MAX_EVIDENCE_CHARS)
                where = f"{qfile.relative_to(ROOT)}:{i + 1}"
                if new is None:
                    unresolved += 1
                    print(f"UNRESOLVED {where}: {ev!r}")
                    continue
                for ascii_ in (False, True):
                    old_enc = json.dumps(ev, ensure_ascii=ascii_)
                    if line.count(old_enc) == 1:
                        raw[i] = line.replace(old_enc, json.dumps(new, ensure_ascii=ascii_))
                        break
                else:
                    unresolved += 1
                    print(f"UNRESOLVED {where}: evidence not found once in its line as JSON")
                    continue
                assert json.loads(raw[i]) == {**obj, "evidence": new}
                fixed += 1
                changed = True
                print(f"{where}: {ev!r}\n    -> {new!r}")
            if changed and mode == "write":
                qfile.write_text("\n".join(raw), encoding="utf-8")
    print(f"{fixed} rows re-copied, {unresolved} unresolved ({'written' if mode == 'write' else 'not written'})")
    return 1 if unresolved else 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("check", "write"):
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
