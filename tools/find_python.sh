#!/usr/bin/env bash
# Print the path of a Python X.Y interpreter for the Makefile's per-core virtual environments.
# Looks in $PYENV_ROOT, `pyenv root` and ~/.pyenv (versions/X.Y.*), then pythonX.Y on PATH; each candidate
# must really run as X.Y (a pyenv shim for a version not selected does not).
set -u
want=${1:?usage: find_python.sh X.Y}
is_version() { "$1" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))" 2>/dev/null; }
roots=()
[ -n "${PYENV_ROOT:-}" ] && roots+=("$PYENV_ROOT")
command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root 2>/dev/null)")
roots+=("$HOME/.pyenv")
for root in "${roots[@]}"; do
  # newest patch release first
  for dir in $(ls -d "$root"/versions/"$want".* 2>/dev/null | sort -t. -k3,3nr); do
    if is_version "$dir/bin/python$want"; then echo "$dir/bin/python$want"; exit 0; fi
  done
done
if candidate=$(command -v "python$want" 2>/dev/null) && is_version "$candidate"; then echo "$candidate"; exit 0; fi
echo "find_python.sh: no Python $want found (looked in \$PYENV_ROOT, \`pyenv root\`, ~/.pyenv and python$want on PATH);" \
     "install it, e.g. \`pyenv install $want\`, or put python$want on PATH" >&2
exit 1
