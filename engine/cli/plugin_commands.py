"""Reader plugin commands: ``formix plugins list|validate|enable|disable|install``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine import plugin_services
from engine.cli._output import emit_json


def register(subparsers: Any) -> None:
    """Add the ``plugins`` command and its sub-commands."""
    plugins = subparsers.add_parser(
        "plugins", help="list, check, switch on/off and install reader plugins",
        description="Reader plugins teach Formix new file formats (see PLUGINS.md).",
    )
    commands = plugins.add_subparsers(dest="plugins_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="installed plugins with version and status")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=_list)

    validate = commands.add_parser(
        "validate", help="check a plugin folder or its formix.toml before packaging")
    validate.add_argument("path", type=Path)
    validate.add_argument("--json", action="store_true")
    validate.set_defaults(handler=_validate)

    for action, enabled in (("enable", True), ("disable", False)):
        switch = commands.add_parser(
            action, help=f"switch a plugin {'on' if enabled else 'off'} (kept across restarts)")
        switch.add_argument("name", help="the plugin's name as `formix plugins list` shows it")
        switch.set_defaults(handler=_switch, enabled=enabled)

    install = commands.add_parser(
        "install", help="install a plugin wheel offline, without pip, for this user")
    install.add_argument("wheel", type=Path, help="a .whl built with `pip wheel --no-deps`")
    install.add_argument("--json", action="store_true")
    install.set_defaults(handler=_install)


def _list(args: argparse.Namespace) -> int:
    plugins = plugin_services.list_plugins()
    if args.json:
        emit_json([p.to_dict() for p in plugins])
        return 0
    if not plugins:
        print("no reader plugins found")
        return 0
    width = max(len(p.name) for p in plugins)
    for plugin in plugins:
        contract = plugin.contract or "?"
        print(f"{plugin.name:<{width}}  {plugin.version:<9} {plugin.status:<8} "
              f"contract {contract:<5} {plugin.source:<11} {plugin.display_name}")
        if plugin.readers:
            print(f"{'':<{width}}  readers: {', '.join(plugin.readers)}")
        if plugin.error:
            print(f"{'':<{width}}  error: {plugin.error}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    problems = plugin_services.validate_plugin(args.path)
    if args.json:
        emit_json({"path": str(args.path), "ok": not problems, "problems": problems})
    elif problems:
        print(f"{args.path}: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  - {problem}")
    else:
        print(f"{args.path}: the plugin is valid")
    return 1 if problems else 0


def _switch(args: argparse.Namespace) -> int:
    plugin_services.set_plugin_enabled(args.name, args.enabled)
    print(f"plugin '{args.name}' {'enabled' if args.enabled else 'disabled'}")
    return 0


def _install(args: argparse.Namespace) -> int:
    name = plugin_services.install_plugin_wheel(args.wheel)
    if args.json:
        emit_json({"wheel": str(args.wheel), "plugin": name})
    else:
        print(f"installed plugin '{name}' from {args.wheel.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m engine.cli.plugin_commands ACTION …``: these commands without the rest."""
    import sys

    from engine.errors import FormixError

    parser = argparse.ArgumentParser(prog="formix")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["plugins", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.handler(args))
    except FormixError as error:
        print(f"formix: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
