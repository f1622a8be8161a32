"""Documentation is part of the change: every setting, CLI command and option, domain event and
permission is named in its reference page, so an undocumented addition fails the build."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

import cxhub
from cxhub.cli import app as cli_app
from cxhub.core.events import registered_event_types
from cxhub.core.permissions import Permission, Role
from cxhub.core.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _doc(name: str) -> str:
    path = DOCS / name
    assert path.is_file(), f"docs/{name} is missing"
    return path.read_text(encoding="utf-8")


def _load_every_events_module() -> None:
    """Events register when their module is imported; import every `events` module there is."""
    for module in pkgutil.walk_packages(cxhub.__path__, prefix="cxhub."):
        if module.name.rsplit(".", 1)[-1] == "events":
            importlib.import_module(module.name)


def _is_group(command: Any) -> bool:
    # Typer ships its own copy of Click, so go by behaviour, not by class
    return hasattr(command, "list_commands")


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every leaf command under `group`, with its path of names (`("workspace", "create")`)."""
    context = group.context_class(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is None or command.hidden:
            continue
        path = (*prefix, name)
        if _is_group(command):
            yield from _commands(command, path)
        else:
            yield path, command


def _long_options(command: Any) -> list[str]:
    return [
        option
        for param in command.params
        if param.param_type_name == "option" and not getattr(param, "hidden", False)
        for option in param.opts
        if option.startswith("--")
    ]


def test_every_setting_is_documented() -> None:
    doc = _doc("configuration.md")
    missing = [
        f"CXHUB_{name.upper()}"
        for name in Settings.model_fields
        if f"CXHUB_{name.upper()}" not in doc
    ]
    assert missing == []


def test_every_cli_command_and_option_is_documented() -> None:
    doc = _doc("cli.md")
    root = typer.main.get_command(cli_app)
    assert _is_group(root)
    commands = list(_commands(root))
    assert len(commands) >= 6
    missing = [" ".join(path) for path, _ in commands if f"cxhub {' '.join(path)}" not in doc]
    assert missing == [], "document these commands in docs/cli.md as `cxhub <command>`"
    undocumented_options = [
        f"cxhub {' '.join(path)} {option}"
        for path, command in commands
        for option in _long_options(command)
        if option not in doc
    ]
    undocumented_options += [f"cxhub {o}" for o in _long_options(root) if o not in doc]
    assert undocumented_options == []


def test_every_domain_event_is_documented() -> None:
    _load_every_events_module()
    names = sorted(registered_event_types())
    assert "contact.merged" in names
    doc = _doc("events.md")
    assert [name for name in names if f"`{name}`" not in doc] == []
    for name, event_type in registered_event_types().items():
        section = doc.split(f"`{name}`", 1)[1][:1500]
        fields = [f for f in event_type.model_fields if f"`{f}`" not in section]
        assert fields == [], f"document the fields of {name} next to it"


def test_every_permission_and_role_is_documented() -> None:
    doc = _doc("permissions.md")
    assert [p.value for p in Permission if f"`{p.value}`" not in doc] == []
    assert [r.value for r in Role if r.value not in doc] == []


@pytest.mark.parametrize(
    "page",
    [
        "configuration.md",
        "api.md",
        "events.md",
        "permissions.md",
        "cli.md",
        "architecture.md",
        "deployment.md",
        "metrics.md",
        "adr/README.md",
    ],
)
def test_reference_pages_exist_and_their_local_links_resolve(page: str) -> None:
    text = _doc(page)
    assert len(text) > 500, f"docs/{page} is a stub"
    base = (DOCS / page).parent
    broken = [
        target
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
        if "://" not in target
        and not (base / target).exists()
        and target != "import-export.md"  # written by the import/export change
    ]
    assert broken == []


def test_every_adr_is_indexed() -> None:
    index = _doc("adr/README.md")
    adrs = sorted(p.name for p in (DOCS / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert len(adrs) >= 9
    assert [name for name in adrs if name not in index] == []
    for name in adrs:
        text = (DOCS / "adr" / name).read_text(encoding="utf-8")
        for heading in ("## Context", "## Decision", "## Consequences"):
            assert heading in text, f"{name} lacks {heading}"
