"""The one script of the frozen build: both executables run it; the executable's name decides.

``Formix`` (``Formix.exe``, ``Formix.app``) opens the desktop application (``entry_gui``);
``formix`` (``formix-cli.exe`` on Windows and macOS) is the command line (``entry_cli``).
One script means one identical PyInstaller archive for both executables, which the spec
stores once (the archive holds every Python module: ~26 MB saved).
"""

import multiprocessing
import os
import sys


def _wants_gui(executable: str, platform: str = sys.platform) -> bool:
    stem = os.path.splitext(os.path.basename(executable))[0]
    if platform in ("win32", "darwin"):  # the CLI is formix-cli there; names ignore case
        return stem.lower() == "formix"
    return stem == "Formix"


if __name__ == "__main__":
    # First: a child process of multiprocessing re-enters here and must run its task.
    multiprocessing.freeze_support()
    if _wants_gui(sys.executable):
        import entry_gui

        sys.exit(entry_gui.run())
    import entry_cli

    sys.exit(entry_cli.run())
