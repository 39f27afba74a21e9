#!/usr/bin/env bash
# Install Formix from the unpacked bundle (this script sits beside the Formix executable).
#
#   sudo ./install.sh            # system-wide: /opt/formix, commands in /usr/local/bin
#   ./install.sh                 # this user: ~/.local/opt/formix, commands in ~/.local/bin
#   ./install.sh --prefix DIR    # the bundle goes to DIR/formix (--bin DIR, --share DIR too)
#   ./install.sh --uninstall     # remove what an earlier install put there (same mode)
#
# No network access is needed. Installs the `formix` command, `formix-desktop` (the desktop
# application), a desktop menu entry and its icon; replaces an earlier installation.
set -euo pipefail

SOURCE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -eq 0 ]; then
  PREFIX=/opt; BIN=/usr/local/bin; SHARE=/usr/local/share
else
  PREFIX="$HOME/.local/opt"; BIN="$HOME/.local/bin"; SHARE="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
ACTION=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --share) SHARE=$2; shift 2 ;;
    --uninstall) ACTION=uninstall; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install: unknown option $1" >&2; exit 2 ;;
  esac
done
TARGET="$PREFIX/formix"

remove() {
  rm -f "$BIN/formix" "$BIN/formix-desktop" \
        "$SHARE/applications/formix.desktop" \
        "$SHARE/icons/hicolor/scalable/apps/formix.svg" \
        "$SHARE/icons/hicolor/256x256/apps/formix.png"
  if [ -d "$TARGET" ] && [ -x "$TARGET/formix" ]; then rm -rf "$TARGET"; fi
}

refresh_menus() {
  command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database -q "$SHARE/applications" 2>/dev/null || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 \
    && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" 2>/dev/null || true
}

if [ "$ACTION" = uninstall ]; then
  remove; refresh_menus
  echo "install: Formix removed from $TARGET (user data and plugins are kept)"
  exit 0
fi

if [ ! -x "$SOURCE/Formix" ] || [ ! -x "$SOURCE/formix" ] || [ ! -d "$SOURCE/_internal" ]; then
  echo "install: run this script from the unpacked Formix folder" >&2
  exit 2
fi
if [ "$SOURCE" != "$TARGET" ]; then
  remove
  mkdir -p "$PREFIX"
  # Copy next to the target first, then rename: an interrupted copy leaves no half install.
  STAGING="$PREFIX/.formix-install-$$"
  rm -rf "$STAGING"
  cp -a "$SOURCE" "$STAGING"
  mv "$STAGING" "$TARGET"
fi

mkdir -p "$BIN" "$SHARE/applications" "$SHARE/icons/hicolor/scalable/apps" \
         "$SHARE/icons/hicolor/256x256/apps"
ln -sfn "$TARGET/formix" "$BIN/formix"
ln -sfn "$TARGET/Formix" "$BIN/formix-desktop"
sed "s,^Exec=.*,Exec=\"$TARGET/Formix\" %f," "$TARGET/share/formix.desktop" \
  > "$SHARE/applications/formix.desktop"
cp "$TARGET/share/formix.svg" "$SHARE/icons/hicolor/scalable/apps/formix.svg"
cp "$TARGET/share/formix.png" "$SHARE/icons/hicolor/256x256/apps/formix.png"
refresh_menus

echo "install: Formix installed in $TARGET"
echo "install: commands $BIN/formix and $BIN/formix-desktop; menu entry 'Formix'"
case ":$PATH:" in *":$BIN:"*) ;; *) echo "install: add $BIN to PATH to run formix by name" ;; esac
