#!/usr/bin/env bash
# Provides the Schemathesis CLI at the pinned version and prints its path (last line of stdout).
# It lives in a virtual environment of its own under the Turumba cache, built once per version and
# reused by every later run; nothing is written inside the repository. A marker file written last
# tells a finished environment from one an interrupted run left half-built.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
CACHE_ROOT=${TURUMBA_CACHE:-$HOME/.cache/turumba}
VENV=$CACHE_ROOT/schemathesis/$SCHEMATHESIS_VERSION
MARKER=$VENV/.complete

log() { printf '[schemathesis] %s\n' "$*" >&2; }
die() { printf '[schemathesis] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -f "$MARKER" ] && [ -x "$VENV/bin/st" ]; then echo "$VENV/bin/st"; exit 0; fi

# 3.12 or 3.13 first: Hypothesis on 3.11.7 can fail with "AST constructor recursion depth
# mismatch" (a CPython 3.11 bug) while drawing from long patterns. pyenv's shims only answer for
# an activated version, so its installed interpreters are tried by path as well.
candidates=(python3.12 python3.13)
if command -v pyenv >/dev/null 2>&1; then
  for p in "$(pyenv root)"/versions/3.1[23].*/bin/python3; do [ -x "$p" ] && candidates+=("$p"); done
fi
candidates+=(python3.11 python3)
python=""
for candidate in "${candidates[@]}"; do
  if "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' >/dev/null 2>&1; then
    python=$candidate
    break
  fi
done
[ -n "$python" ] || die "Python 3.10 or newer with the venv module is needed to install Schemathesis"

mkdir -p "$CACHE_ROOT/schemathesis"
exec 9>"$CACHE_ROOT/schemathesis/.lock"
# Another run may be installing right now: wait for it, then reuse its result.
flock 9
if [ -f "$MARKER" ] && [ -x "$VENV/bin/st" ]; then echo "$VENV/bin/st"; exit 0; fi

log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV ($($python --version))"
rm -rf "$VENV"
"$python" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2 ||
  die "pip could not install schemathesis==$SCHEMATHESIS_VERSION"
version=$("$VENV/bin/st" --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')
[ "$version" = "$SCHEMATHESIS_VERSION" ] || die "installed schemathesis reports version '$version'"
touch "$MARKER"
echo "$VENV/bin/st"
