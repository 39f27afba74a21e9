"""The ``formix`` command line: the same engine services the desktop uses, no extra logic.

Each sub-module registers its sub-commands with ``register(subparsers)``; a handler takes the
parsed arguments and returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from engine import __version__
from engine.errors import FormixError
from engine.types import is_server_location

# Modules that add sub-commands (each has ``register(subparsers) -> None``) and the commands
# each adds: only the module of the command being run is imported, so start-up stays fast.
_COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "engine.cli.data_commands": ("init", "info", "import", "imports", "table", "demo"),
    "engine.cli.model_commands": ("evaluate", "train", "predict"),
    "engine.cli.optimise_commands": ("optimize", "optimise", "recommend", "trials"),
    "engine.cli.plugin_commands": ("plugins",),
    "engine.cli.bench_commands": ("bench",),
    "engine.cli.selftest_commands": ("selftest",),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``command``, only the module defining it is loaded."""
    parser = argparse.ArgumentParser(
        prog="formix",
        description="Formix: optimise recipes and process settings from plant data. "
        "Run without arguments (or with --demo, or a .formix file) to open the desktop "
        "application.",
    )
    parser.add_argument("--version", action="version", version=f"formix {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [m for m, commands in _COMMAND_MODULES.items() if command in commands]
    for name in modules or _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:  # that group of commands is not built yet
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``formix`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or _is_desktop_call(args_list):
        return _start_desktop(args_list)
    parser = build_parser(args_list[0])
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except FormixError as error:
        print(f"formix: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("formix: interrupted", file=sys.stderr)
        return 130


def _is_desktop_call(args: list[str]) -> bool:
    """``formix --demo``, ``formix PROJECT.formix`` or ``formix DATABASE_URL`` open the desktop
    application."""
    first = args[0]
    project = first.endswith(".formix") or is_server_location(first)
    return first == "--demo" or (project and len(args) == 1)


def _start_desktop(args: list[str]) -> int:
    try:
        app = importlib.import_module("desktop.app")
    except ModuleNotFoundError as error:
        print(
            f"formix: the desktop application is not available ({error}). "
            "Install it with `pip install formix[desktop]`, or run `formix demo` headless.",
            file=sys.stderr,
        )
        return 2
    return int(app.main(args))
