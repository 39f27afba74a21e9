#!/usr/bin/env bash
# Build the Linux bundle: dist/formix/ (one folder, `Formix` desktop + `formix` CLI) and
# dist/formix-<version>-linux-x86_64.tar.gz (the folder, a .desktop entry, an icon and
# install.sh). Offline-friendly: PyInstaller is installed from the package index once.
#
#   bash installers/build.sh                 # uses the project's .venv (installers/setup-dev.sh)
#   FORMIX_BUILD_PYTHON=/path/python bash installers/build.sh   # another environment
# No AppImage: its runtime is not packaged by Debian or PyPI (see installers/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PYTHON=${FORMIX_BUILD_PYTHON:-$ROOT/.venv/bin/python}
if [ ! -x "$PYTHON" ]; then
  echo "build: $PYTHON not found; run installers/setup-dev.sh first" >&2
  exit 2
fi
# PyInstaller 6.x: the spec uses the 6.x layout (_internal/ beside the executables).
PYINSTALLER_SPEC='pyinstaller>=6.10,<7'
if ! "$PYTHON" -c 'import PyInstaller, sys; v = tuple(map(int, PyInstaller.__version__.split(".")[:2])); sys.exit(not ((6, 10) <= v < (7, 0)))' 2>/dev/null; then
  echo "build: installing $PYINSTALLER_SPEC"
  "$PYTHON" -m pip install -q "$PYINSTALLER_SPEC"
fi
# The formix distribution metadata (entry points of the built-in readers) must be installed:
# the spec copies it into the bundle.
"$PYTHON" - <<'EOF'
import importlib.metadata as m, sys
names = {e.name for e in m.entry_points(group="formix.readers") if e.dist and e.dist.name == "formix"}
missing = {"tabular", "historian", "lims", "sql"} - names
if missing:
    sys.exit(f"build: formix is not installed with its entry points ({sorted(missing)} missing); "
             "run installers/setup-dev.sh")
EOF

VERSION=$("$PYTHON" -c 'import engine; print(engine.__version__)')
ARCH=$(uname -m)
NAME="formix-$VERSION-linux-$ARCH"
echo "build: Formix $VERSION ($ARCH) with $("$PYTHON" -m PyInstaller --version 2>/dev/null | tail -1)"

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
  installers/formix.spec
echo "build: PyInstaller took $(( $(date +%s) - start )) s"

BUNDLE=dist/formix
test -x "$BUNDLE/Formix" && test -x "$BUNDLE/formix"

# Desktop integration files travel inside the bundle so install.sh finds them beside it.
mkdir -p "$BUNDLE/share"
cp installers/linux/formix.desktop installers/linux/formix.svg installers/linux/formix.png \
   "$BUNDLE/share/"
cp installers/linux/install.sh "$BUNDLE/install.sh"
chmod +x "$BUNDLE/install.sh"
cp engine/demo/data/ATTRIBUTION.md "$BUNDLE/share/ATTRIBUTION.md"

# The archive unpacks to one folder, formix-<version>/, ready for install.sh.
rm -f "dist/$NAME.tar.gz"
tar -C dist --transform "s,^formix,formix-$VERSION,S" -czf "dist/$NAME.tar.gz" formix
echo "build: dist/$NAME.tar.gz ($(du -sh "dist/$NAME.tar.gz" | cut -f1)); unpacked $(du -sh "$BUNDLE" | cut -f1)"
