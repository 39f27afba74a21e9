"""Frozen entry of the windowed ``Formix`` executable (started by ``installers/entry.py``).

``Formix [PROJECT]`` opens the desktop application. ``FORMIX_SMOKE_EXIT=1`` is a test hook
for CI and the bundle smoke test: the application starts as usual (the demo offer is
skipped), prints the time from process start to the main window's first paint, e.g.
``formix-smoke: window shown after 0.61 s``, then builds every workflow page once (pages are
imported lazily, so a module missing from the bundle shows only there) and quits. It exits 1
when a page fails or no window is painted within ``FORMIX_SMOKE_TIMEOUT`` seconds (60).

``QT_QPA_PLATFORM`` is not forced: the user's platform (xcb, wayland, windows, cocoa) is used,
and CI sets ``offscreen`` itself.
"""

import multiprocessing
import os
import sys
import time


def _process_age_seconds() -> float | None:
    """Seconds since this process started (bootloader included), where the OS tells."""
    try:  # Linux: start time in clock ticks after boot, against the uptime
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5); fields[0] is field 3
        with open("/proc/uptime", encoding="ascii") as uptime:
            now = float(uptime.read().split()[0])
        return now - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


_SCRIPT_STARTED = time.perf_counter()
_KEEP: list[object] = []


def _install_smoke_hook() -> None:
    """Quit after the first paint of a main window; report the time it took."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])

    class _FirstPaint(QObject):
        done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (not self.done and event.type() == QEvent.Type.Paint
                    and isinstance(watched, QMainWindow)):
                self.done = True
                age = _process_age_seconds()
                since_script = time.perf_counter() - _SCRIPT_STARTED
                shown = age if age is not None else since_script
                print(f"formix-smoke: window shown after {shown:.2f} s "
                      f"(python entry script: {since_script:.2f} s; "
                      f"platform {app.platformName()})", flush=True)
                QTimer.singleShot(0, lambda: _visit_pages(app, watched))
            return False

    hook = _FirstPaint(app)
    app.installEventFilter(hook)

    def _give_up() -> None:
        print("formix-smoke: no window was shown", file=sys.stderr, flush=True)
        app.exit(1)

    timeout = float(os.environ.get("FORMIX_SMOKE_TIMEOUT", "60"))
    QTimer.singleShot(int(timeout * 1000), _give_up)
    _KEEP.append(hook)  # the filter must live as long as the application


def _visit_pages(app: object, window: object) -> None:
    """Build every workflow page once (they are imported lazily: a module missing from the
    bundle would only show when a user opens the page), then quit; exit 1 on any error."""
    import traceback

    started = time.perf_counter()
    errors = []
    try:
        from desktop.main_window import PAGES

        for index, (title, _module, _class) in enumerate(PAGES):
            try:
                window.page(index)  # type: ignore[attr-defined]
            except Exception:  # a page that cannot be built fails the smoke test
                errors.append(f"{title}: {traceback.format_exc()}")
    except Exception:
        errors.append(traceback.format_exc())
    if errors:
        print("formix-smoke: pages failed:\n" + "\n".join(errors), file=sys.stderr, flush=True)
    else:
        print(f"formix-smoke: {len(PAGES)} pages built in {time.perf_counter() - started:.2f} s",
              flush=True)
    app.exit(1 if errors else 0)  # type: ignore[attr-defined]


def run() -> int:
    """Open the desktop application with ``sys.argv`` (or run the smoke test)."""
    arguments = sys.argv[1:]
    if os.environ.get("FORMIX_SMOKE_EXIT") == "1":
        _install_smoke_hook()
        arguments = ["--no-demo-offer"]
    from desktop.app import main

    return main(arguments)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(run())
