"""A GGUF file's header, read with the standard library: magic, version, metadata and the tensor table, with the
file's length checked against where the tensor data must end. Used to refuse a file that is not what it claims
to be (not GGUF, cut short, a model registered as a LoRA adapter or the other way round) before llama.cpp sees it.

Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (little-endian; versions 2 and 3)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError

MAGIC = b"GGUF"
# (elements per block, bytes per block) of the ggml tensor types; an unknown type skips the length check.
_BLOCKS = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 36),
           10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
           24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 30: (1, 2)}
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_LIMIT = 1 << 24  # counts above this are a damaged header, not a model
_MAX_NESTING = 8  # arrays of arrays (the spec allows them; models hold none)


class GGUFError(InputError):
    """Not a readable GGUF file; the message names the file and what is wrong."""


@dataclass
class GGUFInfo:
    path: Path
    version: int
    metadata: dict[str, Any] = field(default_factory=dict)  # scalars and strings; arrays as their length
    n_tensors: int = 0
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # tensor name -> dims, ggml order (ne0 first)

    @property
    def type(self) -> str:
        """'adapter' for a LoRA (general.type), else 'model' (the spec's default)."""
        return str(self.metadata.get("general.type", "model"))

    @property
    def is_lora(self) -> bool:
        return self.type == "adapter" and self.metadata.get("adapter.type") == "lora"

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))


class _Reader:
    def __init__(self, fh: BinaryIO, path: Path, size: int):
        self.fh, self.path, self.size = fh, path, size
        self.pos = fh.tell()  # kept here: a tell() per field made reading a vocabulary twice as slow

    def _truncated(self) -> GGUFError:
        return GGUFError(f"{self.path}: truncated GGUF file: the header ends at byte {self.size}")

    def skip(self, n: int) -> None:
        if n > self.size - self.pos:
            raise self._truncated()
        self.pos += n
        self.fh.seek(n, 1)

    def take(self, n: int) -> bytes:
        # A length read from the file is checked against what is left of it before anything is read: a damaged
        # length must not make read() allocate megabytes for a file of a few hundred bytes.
        if n > self.size - self.pos:
            raise self._truncated()
        self.pos += n
        b = self.fh.read(n)
        if len(b) != n:  # the file shrank while being read
            raise self._truncated()
        return b

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        n = self.unpack("<Q")
        if n > _LIMIT:
            raise GGUFError(f"{self.path}: damaged GGUF header (a {n}-byte string)")
        return self.take(n).decode("utf-8", errors="replace")

    def value(self, vtype: int, depth: int = 0) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            etype, n = self.unpack("<I"), self.unpack("<Q")
            if n > _LIMIT:
                raise GGUFError(f"{self.path}: damaged GGUF header (an array of {n} values)")
            if depth >= _MAX_NESTING:  # arrays of arrays thousands deep: Python's recursion limit, not a model
                raise GGUFError(f"{self.path}: damaged GGUF header (arrays nested {depth + 1} deep)")
            if etype in _SCALARS:  # skip without building a list (vocabularies are large)
                self.skip(struct.calcsize(_SCALARS[etype]) * n)
            else:
                for _ in range(n):
                    self.value(etype, depth + 1)
            return n
        raise GGUFError(f"{self.path}: damaged GGUF header (unknown value type {vtype})")


def read_gguf(path: Path | str) -> GGUFInfo:
    """The header of the GGUF file at `path`; GGUFError when it is not one, or is cut short."""
    path = Path(path)
    try:
        size = path.stat().st_size
        fh = open(path, "rb")
    except IsADirectoryError:
        raise GGUFError(f"{path}: is a folder, not a GGUF file") from None
    except OSError as exc:
        raise GGUFError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        if fh.read(4) != MAGIC:
            raise GGUFError(f"{path}: not a GGUF file (bad magic: the file does not start with 'GGUF')")
        r = _Reader(fh, path, size)
        version = r.unpack("<I")
        if version not in (2, 3):
            raise GGUFError(f"{path}: unsupported GGUF version {version} (2 and 3 are read)")
        n_tensors, n_kv = r.unpack("<Q"), r.unpack("<Q")
        if n_tensors > _LIMIT or n_kv > _LIMIT:
            raise GGUFError(f"{path}: damaged GGUF header ({n_tensors} tensors, {n_kv} metadata keys)")
        info = GGUFInfo(path, version, n_tensors=n_tensors)
        for _ in range(n_kv):
            key = r.string()
            info.metadata[key] = r.value(r.unpack("<I"))
        ends: list[tuple[int, str]] = []
        for _ in range(n_tensors):
            name = r.string()
            n_dims = r.unpack("<I")
            if n_dims > 8:
                raise GGUFError(f"{path}: damaged GGUF header (tensor {name} has {n_dims} dimensions)")
            dims = tuple(r.unpack("<Q") for _ in range(n_dims))
            info.shapes[name] = dims
            count = 1
            for d in dims:
                count *= d
            ttype, offset = r.unpack("<I"), r.unpack("<Q")
            per, nbytes = _BLOCKS.get(ttype, (1, 0))
            ends.append((offset + (count // per) * nbytes, name))
        align = info.metadata.get("general.alignment", 32)
        align = align if isinstance(align, int) and align > 0 else 32
        data_start = -(-fh.tell() // align) * align
    if ends:
        end, name = max(ends)
        if data_start + end > size:
            raise GGUFError(f"{path}: truncated GGUF file: tensor {name} ends at byte {data_start + end}, "
                            f"the file has {size}")
    return info


def check_gguf_kind(path: Path | str, *, lora: bool) -> GGUFInfo:
    """The header, after checking the file is a GGUF LoRA adapter (lora=True) or a GGUF model (lora=False) of an
    architecture the installed llama.cpp knows (check_architecture)."""
    info = read_gguf(path)
    if lora and not info.is_lora:
        raise GGUFError(f"{path}: a GGUF {info.type} (general.type={info.type!r}), not a LoRA adapter",
                        hint="convert a peft adapter with: ragtune convert lora ADAPTER --base BASE --out FILE")
    if not lora and info.type == "adapter":
        raise GGUFError(f"{path}: a GGUF LoRA adapter, not a model", hint="register it with --kind lora-gguf")
    check_architecture(info)
    return info


# -- the architectures llama.cpp knows ----------------------------------------------------------------------------
# Asked of the llama.cpp that will load the model, not of the `gguf` package: its MODEL_ARCH list follows another
# release (gguf 0.19.0 lacked 28 of the 153 architectures of llama-cpp-python 0.3.36's llama.cpp), so it would refuse
# models that load.
_ARCH_NAME = "_Z13llm_arch_name8llm_arch"  # const char * llm_arch_name(llm_arch): llama-arch.cpp, exported
_ARCHS: list[frozenset[str] | None] = []


def known_architectures() -> frozenset[str] | None:
    """The `general.architecture` names the installed llama.cpp loads (its own table, LLM_ARCH_NAMES, read through
    `llm_arch_name` for each enum value until it answers "unknown"), or None when it cannot be asked (no
    llama-cpp-python, a build that does not export the function): then nothing is refused here. Read once."""
    if not _ARCHS:
        _ARCHS.append(_read_architectures())
    return _ARCHS[0]


def _read_architectures() -> frozenset[str] | None:
    import ctypes
    import importlib.util
    import os
    import sys

    try:
        mod = sys.modules.get("llama_cpp.llama_cpp")
        if mod is not None:  # the library the generator uses, already loaded
            lib = mod._lib
        else:  # the one llama_cpp would load (llama_cpp.py: LLAMA_CPP_LIB_PATH, else its lib/), without its import
            spec = importlib.util.find_spec("llama_cpp")
            if spec is None or not spec.submodule_search_locations:
                return None
            base = Path(os.environ.get("LLAMA_CPP_LIB_PATH") or Path(list(spec.submodule_search_locations)[0], "lib"))
            found = [base / n for n in ("libllama.so", "libllama.dylib", "llama.dll", "libllama.dll")
                     if (base / n).is_file()]
            if not found:
                return None
            lib = ctypes.CDLL(str(found[0]))
        name = getattr(lib, _ARCH_NAME)
    except (OSError, AttributeError, ImportError, ValueError):
        return None
    name.restype, name.argtypes = ctypes.c_char_p, [ctypes.c_int]
    names = set()
    for i in range(4096):
        got = name(i)
        if got is None or got == b"unknown":
            break
        names.add(got.decode("utf-8", "replace"))
    names.discard("(unknown)")  # LLM_ARCH_UNKNOWN's own name: not one a model may have
    return frozenset(names) if "llama" in names else None  # not the table we expect: do not refuse by it


def check_architecture(info: GGUFInfo) -> None:
    """GGUFError when the file's `general.architecture` is one the installed llama.cpp does not know: it would fail
    at every load with "unknown model architecture". No architecture at all, or llama.cpp not askable: not checked
    here (the loader has the last word). First check_whole: a split part, an embedding model."""
    check_whole(info)
    arch = info.architecture
    known = known_architectures() if arch else None
    if known is None or arch in known:
        return
    message, hint = architecture_message(info.path, arch)
    raise GGUFError(message, hint=hint)


# encoder-only architectures: they make vectors, never text (llama.cpp's embedding models)
_ENCODERS = frozenset({"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "neo-bert",
                       "modern-bert", "t5encoder"})


def check_whole(info: GGUFInfo) -> None:
    """GGUFError for a file that is not a whole chat model by itself: one part of a split GGUF (the registry keeps one
    file per artifact; a copy of part 1 alone fails at load, part 2 is no model) or an embedding model given as a
    model (no text head: it cannot answer)."""
    count = info.metadata.get("split.count")
    if isinstance(count, int) and count > 1:
        part = info.metadata.get("split.no", 0)
        raise GGUFError(f"{info.path}: part {part + 1 if isinstance(part, int) else '?'} of a GGUF split into "
                        f"{count} files; ragtune registers and serves one whole file",
                        hint="merge the parts into one file first: llama-gguf-split --merge FIRST-PART.gguf "
                             "MERGED.gguf (llama.cpp's tool), then add MERGED.gguf")
    arch = info.architecture
    if info.type != "adapter" and (arch in _ENCODERS or f"{arch}.pooling_type" in info.metadata):
        raise GGUFError(f"{info.path}: an embedding model (general.architecture '{arch}'), not a chat model: "
                        "it makes vectors, not answers",
                        hint="add a chat (instruct) model's GGUF; retrieval's vectors come from [embed] model")


def model_facts(info: GGUFInfo) -> dict[str, Any]:
    """What `models show` says of a GGUF: architecture, parameters (counted from the tensor table), quantization
    (general.file_type), training context length and chat template (chat_template.template_facts)."""
    from .chat_template import template_facts

    meta, arch = info.metadata, info.architecture
    params = 0
    for dims in info.shapes.values():
        n = 1
        for d in dims:
            n *= d
        params += n
    ftype = meta.get("general.file_type")
    quant = None
    if isinstance(ftype, int):
        try:
            import gguf

            quant = gguf.LlamaFileType(ftype).name.removeprefix("MOSTLY_")
        except (ImportError, ValueError):
            quant = f"file_type {ftype}"
    facts: dict[str, Any] = {
        "type": info.type, "architecture": arch or None, "name": meta.get("general.name"),
        "parameters": params, "quantization": quant, "context_length": meta.get(f"{arch}.context_length"),
        "gguf_version": info.version, "tensors": info.n_tensors,
    }
    if info.type != "adapter":
        facts["chat_template"] = template_facts(meta.get("tokenizer.chat_template"), info.path)
    if isinstance(meta.get("split.count"), int):
        facts["split"] = {"part": meta.get("split.no"), "count": meta["split.count"]}
    return facts


def architecture_message(path: Path | str, arch: str) -> tuple[str, str]:
    """(message, hint) for a GGUF of an architecture the installed llama.cpp does not know (also said by
    generate.py when llama.cpp refuses to load a model registered before this check)."""
    try:
        from importlib.metadata import version

        build = f"llama-cpp-python {version('llama_cpp_python')}"
    except Exception:  # noqa: BLE001 - only for the message
        build = "llama-cpp-python"
    from .text import escaped

    return (f"{path}: its architecture '{escaped(arch)}' (general.architecture) is not one the installed llama.cpp "
            f"({build}) can load",
            f"serve a model of an architecture it supports (llama, qwen2, gemma2, phi3, …), or upgrade "
            f"llama-cpp-python to a version that supports '{escaped(arch)}' (pip install -U llama-cpp-python)")


def lora_misfit(lora: GGUFInfo, model: GGUFInfo) -> str | None:
    """Why the GGUF LoRA `lora` cannot be applied to the GGUF model `model`, from their headers alone, or None: it
    fits. llama.cpp's own rules (llama-adapter.cpp): the same architecture, every `X.lora_a`/`X.lora_b` pair for a
    tensor X the model has, lora_a [in, r] and lora_b [r, out] (ggml order) around X's [in, out]. Checked when a LoRA
    is registered with a model as its base or activated on one (registry.py), not first at an answer."""
    arch = lora.architecture
    if arch and model.architecture and arch != model.architecture:
        return f"it is a LoRA for the {arch!r} architecture, the model's is {model.architecture!r}"
    for name, a in sorted(lora.shapes.items()):
        if not name.endswith(".lora_a"):
            continue
        target = name[: -len(".lora_a")]
        w, b = model.shapes.get(target), lora.shapes.get(target + ".lora_b")
        if w is None:
            return f"it has LoRA tensors for {target}, which the model does not have"
        if b is None or len(a) != 2 or len(b) != 2 or len(w) != 2 or target == "token_embd.weight":
            continue  # not a pair of matrices, or an embedding's (stored flipped): llama.cpp has the last word
        if a[0] != w[0] or b[1] != w[1] or a[1] != b[0]:
            return (f"its LoRA for {target} is {b[1]}×{a[0]} (rank {a[1]}), the model's weight is {w[1]}×{w[0]}")
    return None


def load_template_error(path: Path, exc: Exception) -> ModelError:
    """A template error Llama() raised while loading `path`: the header's own account of which template is broken
    (a named one's key and its --remove-metadata hint), else the load's error with the default template's hint."""
    from .chat_template import CHAT_TEMPLATE, TEMPLATE_HINT, template_errors
    from .errors import ModelError
    from .text import shown_path

    try:
        found = [e for e in template_errors(read_gguf(path).metadata, path) if f"{CHAT_TEMPLATE}." in e.message]
    except Exception:  # noqa: BLE001 - the load's own error is still worth saying
        found = []  # (the default template's: the load's own words, as before)
    return found[0] if found else ModelError(f"{shown_path(path)}: its chat template cannot be read: {exc}",
                                             hint=TEMPLATE_HINT)
