"""Shared by the ingest tests: tiny real documents of every format, broken ones, and a fast fake embedder
(the real tokenizer, hashed bag-of-words vectors) so pipeline tests do not pay for ONNX inference."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import numpy as np


def real_tokenizer():
    from tokenizers import Tokenizer

    from ragtune.appliance.default_models import locate_all

    tok = Tokenizer.from_file(str(locate_all("all-minilm-l6-v2-int8")[1]))
    tok.no_truncation()
    tok.no_padding()
    return tok


class FakeEmbedder:
    """Bag of lower-cased words hashed into 384 dims, L2-normalised: deterministic, fast, similar texts close."""

    max_seq_len = 256
    dim = 384
    model_id = "fake-embedder-0001"

    def __init__(self, tokenizer=None, *, fail_on: str | None = None, bad_dim_on: str | None = None):
        self.tokenizer = tokenizer or real_tokenizer()
        self.fail_on = fail_on
        self.bad_dim_on = bad_dim_on
        self.calls = 0
        self.encoded = 0

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v + 1.0 / np.sqrt(self.dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        from ragtune.appliance.errors import ModelError

        self.calls += 1
        self.encoded += len(texts)
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise ModelError("fake inference failure")
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._vec(text)

    def close(self) -> None:
        pass


class BadDimEmbedder(FakeEmbedder):
    """Returns a wrong-sized vector for texts containing a marker: the vec0 insert then fails mid-document."""

    def encode(self, texts: list[str]) -> np.ndarray:
        out = super().encode(texts)
        if self.bad_dim_on and any(self.bad_dim_on in t for t in texts):
            return np.concatenate([out, np.zeros((len(texts), 1), np.float32)], axis=1)
        return out


# -- documents ------------------------------------------------------------------------------------
def pdf_bytes(text: str = "The quarterly report covers revenue growth.", *, title: str = "Report",
              date: str = "D:20230405120000Z", password: str | None = None) -> bytes:
    import pypdf
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = pypdf.PdfWriter()
    page = w.add_blank_page(612, 792)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(font)})})
    cs = DecodedStreamObject()
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    cs.set_data(f"BT /F1 12 Tf 72 712 Td ({safe}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = w._add_object(cs)
    w.add_metadata({"/Title": title, "/CreationDate": date})
    if password:
        w.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def docx_bytes(heading: str = "Travel policy", body: str = "Employees book trains for trips under 500 km.",
               *, created=None) -> bytes:
    import datetime

    import docx

    d = docx.Document()
    d.add_heading(heading, level=1)
    d.add_paragraph(body)
    t = d.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text = "Limit"
    t.rows[0].cells[1].text = "500 km"
    d.core_properties.created = created or datetime.datetime(2022, 3, 1, 9, 0, 0)
    d.core_properties.title = ""
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


GOOD = {
    "cats.md": "---\ntitle: Cats\ndate: 2021-06-01\n---\n# Cats\n\nCats sleep sixteen hours a day and purr when content.\n",
    "dogs.txt": "Dogs are loyal companions. They need daily walks and enjoy fetching sticks.\n",
    "garden.html": ("<html><head><title>Garden</title><meta name='date' content='2020-04-02'>"
                    "<style>p{color:red}</style><script>var x='scriptword';</script></head><body><nav>navword menu</nav>"
                    "<h1>Garden tips</h1><p>Water tomatoes in the morning. Mulch keeps soil moist.</p></body></html>"),
}


def write_good(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, text in GOOD.items():
        p = folder / name
        p.write_text(text, encoding="utf-8")
        out[name] = p
    p = folder / "report.pdf"
    p.write_bytes(pdf_bytes())
    out["report.pdf"] = p
    p = folder / "policy.docx"
    p.write_bytes(docx_bytes())
    out["policy.docx"] = p
    return out


def write_bad(folder: Path) -> dict[str, Path]:
    """One file per bad-input kind that can be made as a plain file (size limit is a setting, not a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    bad = {
        "corrupt.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage without xref or trailer",
        "locked.pdf": pdf_bytes("secret text", password="s3cret"),
        "binary.txt": bytes(range(256)) * 8,
        "empty.md": b"",
        "latin1.txt": "caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"),
        "broken.docx": b"PK\x03\x04 this is not really a zip archive",
    }
    out = {}
    for name, raw in bad.items():
        p = folder / name
        p.write_bytes(raw)
        out[name] = p
    return out
