"""`ragtune doctor` on a home with files that failed to ingest (round 53, h7): it said nothing of them. Now a
`failed-files` warn line counts them, a line per reason (the commonest first, 3 files named each), and its hint names
the commands that list them (`ragtune ingest PATH`) and read them again (`--retry-failed`); no line when none failed
or only empty files did (nothing in them to answer from), and the line goes once the files are fixed and ingested."""

from __future__ import annotations

from ragtune.appliance.doctor import diagnose
from ragtune.appliance.ingest import ingest_paths

from . import msg_build as mb


def _lines(home) -> dict[str, tuple[str, str, str | None]]:
    return {c.name: (c.status, c.detail, c.hint) for c in diagnose(home, quick=True).checks}


def test_failed_files_are_counted_by_reason_with_the_commands(settings, fake, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "meals.txt").write_text("Meals are covered up to 40 euros a day.\n")
    ingest_paths(settings, [share], embedder=fake)
    assert "failed-files" not in _lines(settings.home)
    locked = mb.cfb([mb.Node("EncryptionInfo", b"\0" * 200), mb.Node("EncryptedPackage", b"x" * 5000)])
    for name in ("a.docx", "b.xlsx", "c.pptx", "d.docx"):
        (share / name).write_bytes(locked)
    (share / "empty.txt").write_bytes(b"")  # nothing to answer from: no line of its own
    (share / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    ingest_paths(settings, [share], embedder=fake)
    status, detail, hint = _lines(settings.home)["failed-files"]
    assert status == "warn"
    first, *reasons = detail.split("\n")
    assert first == "5 files could not be ingested, so nothing is answered from them:"  # (not counting the empty one)
    pw = "password-protected (encrypted) Office file: save a copy without the password"
    assert reasons[0] == f"{pw} (4): {share / 'a.docx'}, {share / 'b.xlsx'}, {share / 'c.pptx'} …"
    assert reasons[1] == f"corrupt PDF: Stream has ended unexpectedly (1): {share / 'bad.pdf'}"
    assert len(reasons) == 2
    assert "`ragtune ingest PATH` again lists them" in hint and "--retry-failed" in hint
    for name in ("a.docx", "b.xlsx", "c.pptx", "d.docx", "bad.pdf"):  # fixed: removed, the next ingest forgets them
        (share / name).unlink()
    ingest_paths(settings, [share], embedder=fake)
    assert "failed-files" not in _lines(settings.home)  # (empty.txt still remembered: no line)


def test_an_old_store_without_the_table_says_nothing():
    from ragtune.appliance.doctor_files import check_failures

    class Old:
        def ingest_failures(self):
            raise RuntimeError("no such table: ingest_failures")

    class Rep:
        checks: list = []

        def add(self, *a):
            self.checks.append(a)

    rep = Rep()
    check_failures(Old(), rep)
    assert rep.checks == []
