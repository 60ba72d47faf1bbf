"""Shared by the ingest tests: tiny real documents of every format, broken ones, a fast fake embedder (the real
tokenizer, hashed bag-of-words vectors) so pipeline tests do not pay for ONNX inference, and one file's CLI ingest."""

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
    reads: int | None = None  # tokens the model reads of a text (None: max_seq_len, as the real one)

    def __init__(self, tokenizer=None, *, fail_on: str | None = None, bad_dim_on: str | None = None):
        self.tokenizer = tokenizer or real_tokenizer()
        self.fail_on = fail_on
        self.bad_dim_on = bad_dim_on
        self.calls = 0
        self.encoded = 0

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """What the real Embedder runs the model on (embed.py `token_ids`): a copy of the tokenizer that adds
        [CLS]/[SEP] and truncates at `max_seq_len`. The bag-of-words vectors below agree: whitespace and case,
        which the tokenizer folds, change no word."""
        if getattr(self, "_enc", None) is None:
            from tokenizers import Tokenizer

            self._enc = Tokenizer.from_str(self.tokenizer.to_str())
            self._enc.enable_truncation(max_length=self.reads or self.max_seq_len)
        return [e.ids for e in self._enc.encode_batch(list(texts))]

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


class NarrowEmbedder(FakeEmbedder):
    """Chunks as a 256-token model but reads only the first `reads` tokens of a text ([CLS]/[SEP] included):
    what a real embedder does to a text longer than its max_seq_len. Its vectors come from those tokens only."""

    reads = 48

    def _vec(self, text: str) -> np.ndarray:
        return super()._vec(self.tokenizer.decode(self.token_ids([text])[0]))


class BadDimEmbedder(FakeEmbedder):
    """Returns a wrong-sized vector for texts containing a marker: the vec0 insert then fails mid-document."""

    def encode(self, texts: list[str]) -> np.ndarray:
        out = super().encode(texts)
        if self.bad_dim_on and any(self.bad_dim_on in t for t in texts):
            return np.concatenate([out, np.zeros((len(texts), 1), np.float32)], axis=1)
        return out


def cli_ingest_one(home, path: Path, data: bytes, monkeypatch, tokenizer, capsys) -> None:
    """`ragtune ingest PATH --json` of one file given by name, embedding with FakeEmbedder (no ONNX): writes `data` at
    `path` (its folder made), asserts the run exits 0 with nothing failed and consumes its output."""
    import json

    import ragtune.appliance.embed
    from ragtune.cli import main

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))
    path.parent.mkdir()
    path.write_bytes(data)
    assert main(["--home", str(home.root), "ingest", str(path), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj.get("failed") in (0, [], {}, None), obj


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


def pdf_pages_bytes(pages: list, *, image_pages: int = 0) -> bytes:
    """A PDF with one page per item: a list of lines (drawn top down, 14 pt apart; a (x, y, text) tuple places a
    line itself) or a raw content stream (str). Then `image_pages` pages holding only an image (a scan)."""
    import pypdf
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = pypdf.PdfWriter()
    font = w._add_object(DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                           NameObject("/Subtype"): NameObject("/Type1"),
                                           NameObject("/BaseFont"): NameObject("/Helvetica")}))

    def esc(t: str) -> str:
        return t.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    for lines in [*pages, *([None] * image_pages)]:
        page = w.add_blank_page(612, 792)
        cs = DecodedStreamObject()
        if lines is None:
            page[NameObject("/Resources")] = DictionaryObject(
                {NameObject("/XObject"): DictionaryObject({NameObject("/Im1"): one_pixel_image(w)})})
            cs.set_data(b"q 600 0 0 780 0 0 cm /Im1 Do Q")
        else:
            page[NameObject("/Resources")] = DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
            if isinstance(lines, str):
                data = lines
            else:
                placed = [x if isinstance(x, tuple) else (72, 740 - 14 * i, x) for i, x in enumerate(lines)]
                data = "\n".join(f"BT /F1 10 Tf {x} {y} Td ({esc(t)}) Tj ET" for x, y, t in placed)
            cs.set_data(data.encode("latin-1"))
        page[NameObject("/Contents")] = w._add_object(cs)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_DOCX_NS = (W_NS + ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
            ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
            ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
            ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
            ' xmlns:v="urn:schemas-microsoft-com:vml"'
            ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def docx_xml_bytes(*blocks, footnotes: dict[str, str] | None = None, build=None) -> bytes:
    """A DOCX whose body is python-docx's (`build(document)` may add to it) followed by `blocks`: raw WordprocessingML
    body elements (`<w:p>…</w:p>`, `<w:sdt>…`; the w/wps/wp/a/mc/v/r prefixes are declared). `footnotes`: id -> text,
    written as a real footnotes part (with Word's separator note)."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    d = docx.Document()
    if build is not None:
        build(d)
    body = d.element.body
    for xml in blocks:
        el = parse_xml(xml.replace("<w:p>", f"<w:p {_DOCX_NS}>", 1).replace("<w:sdt>", f"<w:sdt {_DOCX_NS}>", 1))
        body.insert(len(body) - 1, el)  # before the section properties
    if footnotes:
        notes = "".join(f'<w:footnote w:id="{k}"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {v}'
                        f'</w:t></w:r></w:p></w:footnote>' for k, v in footnotes.items())
        xml = (f'<w:footnotes {W_NS}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
               f'</w:footnote>{notes}</w:footnotes>')
        part = Part(PackURI("/word/footnotes.xml"),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml", xml.encode(),
                    d.part.package)
        d.part.relate_to(part, RT.FOOTNOTES)
    buf = io.BytesIO()
    d.save(buf)
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


def one_pixel_image(w):
    """A 1x1 grey image XObject added to the pypdf writer `w` (a page "with an image", as a scan is)."""
    from pypdf.generic import NameObject, NumberObject, StreamObject

    img = StreamObject()
    img._data = b"\x00"
    img.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(1), NameObject("/Height"): NumberObject(1),
                NameObject("/ColorSpace"): NameObject("/DeviceGray"), NameObject("/BitsPerComponent"): NumberObject(8)})
    return w._add_object(img)
