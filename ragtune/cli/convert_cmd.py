"""`ragtune convert …`: adapter -> merged model -> GGUF -> quantized GGUF, adapter -> GGUF LoRA, two GGUF LoRAs -> one.
Needs the [convert] extra (torch/transformers/peft, imported lazily by the converters)."""

from __future__ import annotations

import click

from ..appliance.text import escaped, is_utf8
from .common import FiniteFloatRange, artifact_name, artifact_note, checked_path, cli, pass_app, print_json, say, shown_path

_progress = say  # the converters' progress lines name their paths

# llama.cpp's convert scripts take their paths as UTF-8 text (and the run's log repeats them): a path whose bytes are
# not UTF-8 failed after minutes of work, or inside the script. Checked as the arguments are parsed (before torch).
_SCRIPT = "llama.cpp's convert script and its log take it as UTF-8 text"
_script_path = checked_path(utf8=_SCRIPT)


def _registry(app):
    from ragtune.appliance.registry import Registry

    return Registry(app.settings.home)


def _report(result, as_json: bool) -> None:
    if as_json:
        print_json(result.to_json())
    else:
        a = result.artifact
        click.echo(f"{a.id}  {a.kind}  {shown_path(result.out)}  ({result.seconds:.1f} s)")
        # `convert gguf` refuses a path that is not UTF-8: then the id and the registered (safe) name
        src, name = (result.out, result.out.name) if is_utf8(result.out) else (a.id[:12], a.name)
        nxt = {"lora-gguf": f"ragtune ask --adapter {a.id[:12]} QUESTION (try it), ragtune models activate {a.id[:12]} "
                            f"(serve it) or ragtune rollout start {a.id[:12]} --share 10 (canary it)",
               "hf-model": f"ragtune convert gguf {escaped(src)} --out {escaped(name)}.gguf"}.get(a.kind)
        if nxt:
            click.echo(f"next: {nxt}", err=True)
    artifact_note(result.artifact.note)


_sdist_opt = click.option("--sdist", type=click.Path(dir_okay=True), envvar="RAGTUNE_LLAMA_SDIST",
                          callback=checked_path(reads="an sdist .tar.gz or a folder holding it", utf8=_SCRIPT),
                          help="llama-cpp-python sdist (.tar.gz, or a directory holding it) of the installed version.")
_threads_opt = click.option("--threads", type=click.IntRange(1, 256), default=2, show_default=True, help="CPU threads.")
_force_opt = click.option("--force", is_flag=True, help="Replace OUT if it exists.")
_json_opt = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
_name_opt = click.option("--name", callback=artifact_name, help="Registry name (default: the output's name).")


@cli.group("convert")
def convert_group() -> None:
    """Turn a trained adapter into artifacts llama.cpp serves (merge, GGUF, quantize, GGUF LoRA, soup)."""


@convert_group.command("merge")
@click.argument("adapter")
@click.option("--base", help="Base model: HF dir, GGUF file, or registry id/name (loaded in full precision); "
              "default: the base recorded by `ragtune train` in the adapter's adapter_manifest.json.")
@click.option("--out", required=True, type=click.Path(),
              callback=checked_path(utf8="the next step, `ragtune convert gguf`, takes it as UTF-8 text"),
              help="Output directory (a Hugging Face model).")
@click.option("--dtype", type=click.Choice(["float32", "bfloat16"]), default="float32", show_default=True, help="Precision to merge in.")
@_threads_opt
@_force_opt
@_name_opt
@_json_opt
@pass_app
def convert_merge(app, adapter: str, base: str, out: str, dtype: str, threads: int, force: bool, name, as_json: bool) -> None:
    """Merge a peft LoRA ADAPTER (dir or registry id) into its full-precision base; registers kind hf-model."""
    from ragtune.converters.merge import merge

    _report(merge(adapter, base, out, registry=_registry(app), dtype=dtype, threads=threads, force=force,
                  name=name, progress=_progress), as_json)


@convert_group.command("gguf")
@click.argument("model_dir", callback=_script_path)
@click.option("--out", required=True, type=click.Path(dir_okay=False), callback=_script_path, help="Output .gguf file.")
@click.option("--outtype", type=click.Choice(["f16", "f32", "bf16", "q8_0"]), default="f16", show_default=True, help="Tensor type.")
@_sdist_opt
@_threads_opt
@_force_opt
@_name_opt
@_json_opt
@pass_app
def convert_gguf(app, model_dir: str, out: str, outtype: str, sdist, threads: int, force: bool, name, as_json: bool) -> None:
    """Convert a Hugging Face model dir to GGUF with llama.cpp's convert_hf_to_gguf.py (installed version)."""
    from ragtune.converters.gguf import to_gguf

    _report(to_gguf(model_dir, out, outtype=outtype, registry=_registry(app), sdist=sdist, threads=threads,
                    force=force, name=name, progress=_progress), as_json)


@convert_group.command("quantize")
@click.argument("model")
@click.option("--type", "qtype", type=click.Choice(["Q4_K_M", "Q5_K_M", "Q8_0", "Q4_0"], case_sensitive=False),
              default="Q4_K_M", show_default=True, help="Quantization type.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output .gguf file.")
@_threads_opt
@_force_opt
@_name_opt
@_json_opt
@pass_app
def convert_quantize(app, model: str, qtype: str, out: str, threads: int, force: bool, name, as_json: bool) -> None:
    """Quantize a f32/f16/bf16 GGUF (file or registry id) with llama.cpp's quantizer."""
    from ragtune.converters.quantize import quantize

    _report(quantize(model, out, qtype=qtype, registry=_registry(app), threads=threads, force=force, name=name,
                     progress=_progress), as_json)


@convert_group.command("lora")
@click.argument("adapter", callback=_script_path)
@click.option("--base", callback=_script_path,
              help="The adapter's base: HF dir, GGUF file, or registry id/name (only its config is read); "
              "default: the base recorded in the adapter's adapter_manifest.json.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), callback=_script_path,
              help="Output .gguf LoRA file.")
@click.option("--outtype", type=click.Choice(["f32", "f16", "bf16", "q8_0"]), default="f32", show_default=True, help="Tensor type.")
@click.option("--gguf-base", callback=_script_path,
              help="Lineage: the GGUF (id/name/path) the adapter will be served on, when --base is an HF dir.")
@_sdist_opt
@_threads_opt
@_force_opt
@_name_opt
@_json_opt
@pass_app
def convert_lora(app, adapter: str, base: str, out: str, outtype: str, gguf_base, sdist, threads: int, force: bool, name, as_json: bool) -> None:
    """Convert a peft LoRA ADAPTER to a GGUF LoRA for run-time switching (then: ragtune models activate ID)."""
    from ragtune.converters.lora import lora_to_gguf

    _report(lora_to_gguf(adapter, base, out, outtype=outtype, gguf_base=gguf_base, registry=_registry(app),
                         sdist=sdist, threads=threads, force=force, name=name, progress=_progress), as_json)


@convert_group.command("soup")
@click.argument("a")
@click.argument("b")
@click.option("--weight", type=FiniteFloatRange(0.0, 1.0), default=0.5, show_default=True,
              help="B's share: the soup is (1 - weight)·A + weight·B.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output .gguf LoRA file.")
@_force_opt
@_name_opt
@_json_opt
@pass_app
def convert_soup(app, a: str, b: str, weight: float, out: str, force: bool, name, as_json: bool) -> None:
    """Average two GGUF LoRAs A and B of one base into one GGUF LoRA (exact: rank rA + rB)."""
    from ragtune.converters.soup import soup

    _report(soup(a, b, out, weight=weight, registry=_registry(app), force=force, name=name, progress=_progress),
            as_json)
