"""Frozen entry of the ``formix`` console executable (started by ``installers/entry.py``).

Kept out of ``engine`` on purpose: only the frozen build needs ``freeze_support`` (the link
benchmark and other multiprocessing users spawn child processes that re-enter the
executable; ``entry.py`` calls it first, so a child runs its task instead of the CLI).
"""

import sys


def run() -> int:
    """Run the ``formix`` command line with ``sys.argv``."""
    # engine/__init__ sets OMP_WAIT_POLICY=PASSIVE before lightgbm can be imported.
    from engine.cli import main

    return main()


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(run())
