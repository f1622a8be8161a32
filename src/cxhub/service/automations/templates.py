"""Placeholder rendering for notification, reply and note templates.

Admins write templates, so a template is untrusted input that runs on every matching ticket. Three
layers keep it harmless and predictable:

1. When a rule is saved, `validate_template` parses the template and accepts only a small Jinja
   subset: `{{ ticket.number }}`-style placeholders from an allow list, `{% if %}`, comparisons,
   and a few text filters. Anything else (attribute access on other objects, subscripts, calls,
   loops, imports, arithmetic) is a `TemplateProblem` naming the offending part, so the admin
   sees the mistake at once instead of a ticket silently failing later.
2. Rendering runs in Jinja's `SandboxedEnvironment` with `StrictUndefined`, and the only values
   it can reach are plain dicts of strings built by the engine: there is no object to escape
   through even if layer 1 had a hole.
3. Autoescape is off because the output is plain text (email bodies are escaped where they are
   turned into HTML, not here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache, lru_cache

from jinja2 import StrictUndefined, Template, TemplateError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

MAX_TEMPLATE_CHARS = 20_000

#: Placeholders every rule kind may use.
TICKET_PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "ticket.number",
        "ticket.subject",
        "ticket.status",
        "ticket.priority",
        "ticket.type",
        "ticket.channel",
        "ticket.tags",
        "ticket.url",
        "requester.name",
        "requester.first_name",
        "requester.email",
        "account.name",
        "account.tier",
    }
)
#: Triggers react to a message, so they may quote it.
TRIGGER_PLACEHOLDERS = TICKET_PLACEHOLDERS | {"message.text"}
#: Automations run on the clock: no agent, no message.
AUTOMATION_PLACEHOLDERS = TICKET_PLACEHOLDERS
#: Macros are applied by an agent, so they may sign with the agent's name.
MACRO_PLACEHOLDERS = TICKET_PLACEHOLDERS | {"agent.name", "agent.first_name", "agent.email"}
ALL_PLACEHOLDERS = TRIGGER_PLACEHOLDERS | MACRO_PLACEHOLDERS

#: Text filters only: none can allocate unbounded memory or reach an object.
ALLOWED_FILTERS = frozenset(
    {"upper", "lower", "title", "capitalize", "trim", "default", "d", "truncate"}
)
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
    nodes.List,
    nodes.Tuple,
    nodes.Keyword,
    nodes.Filter,
    nodes.Test,
)
_NODE_NAMES = {
    "For": "{% for %} loops",
    "Assign": "{% set %}",
    "AssignBlock": "{% set %}",
    "Macro": "{% macro %}",
    "CallBlock": "{% call %}",
    "Include": "{% include %}",
    "Import": "{% import %}",
    "FromImport": "{% from … import %}",
    "Extends": "{% extends %}",
    "Block": "{% block %}",
    "Call": "calls",
    "Getitem": "subscripts ([…])",
    **dict.fromkeys(
        ("Add", "Sub", "Mul", "Div", "FloorDiv", "Mod", "Pow", "Neg", "Pos"), "arithmetic"
    ),
}


class TemplateProblem(ValueError):
    """A template that cannot be saved or rendered; the message says what to fix.

    A `ValueError`, so raising it inside a Pydantic validator becomes an ordinary validation error
    on the rule being saved.
    """


@cache
def _environment() -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True
    )
    environment.filters = {name: environment.filters[name] for name in ALLOWED_FILTERS}
    environment.globals.clear()
    return environment


def _dotted(node: nodes.Getattr) -> str | None:
    """`ticket.number` for `Getattr(Name('ticket'), 'number')`; None when the base is not a
    bare name (`''.__class__`)."""
    parts = [node.attr]
    current: nodes.Node = node.node
    while isinstance(current, nodes.Getattr):
        parts.append(current.attr)
        current = current.node
    if not isinstance(current, nodes.Name):
        return None
    parts.append(current.name)
    return ".".join(reversed(parts))


def _suggest(allowed: Iterable[str]) -> str:
    return ", ".join(sorted(allowed))


def _check_node(node: nodes.Node, allowed: frozenset[str], found: set[str]) -> None:
    if isinstance(node, nodes.Getattr):
        path = _dotted(node)
        if path is None:
            raise TemplateProblem(
                f"'.{node.attr}' is only allowed on a placeholder such as ticket.number"
            )
        if path not in allowed:
            raise TemplateProblem(
                f"unknown placeholder {{{{ {path} }}}}; available: {_suggest(allowed)}"
            )
        found.add(path)
        return
    if isinstance(node, nodes.Name):
        raise TemplateProblem(
            f"unknown placeholder {{{{ {node.name} }}}}; available: {_suggest(allowed)}"
        )
    if not isinstance(node, _ALLOWED_NODES):
        kind = type(node).__name__
        raise TemplateProblem(f"{_NODE_NAMES.get(kind, kind)} not allowed in templates")
    if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
        raise TemplateProblem(
            f"unknown filter |{node.name}; available: {_suggest(ALLOWED_FILTERS)}"
        )
    if isinstance(node, nodes.Test) and node.name not in _environment().tests:
        raise TemplateProblem(f"unknown test 'is {node.name}'")
    for child in node.iter_child_nodes():
        _check_node(child, allowed, found)


@lru_cache(maxsize=1024)
def _compile(source: str, allowed: frozenset[str]) -> tuple[Template, frozenset[str]]:
    """Check and compile once; rules are saved rarely and rendered often, so this is cached."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateProblem(f"templates are limited to {MAX_TEMPLATE_CHARS} characters")
    environment = _environment()
    try:
        tree = environment.parse(source)
    except TemplateError as error:
        raise TemplateProblem(f"template syntax error: {error}") from error
    found: set[str] = set()
    _check_node(tree, allowed, found)
    try:
        template = environment.from_string(source)
    except TemplateError as error:
        raise TemplateProblem(f"template syntax error: {error}") from error
    return template, frozenset(found)


def validate_template(source: str, *, allowed: frozenset[str]) -> frozenset[str]:
    """Raise `TemplateProblem` unless `source` is a safe template using only `allowed`
    placeholders; return the placeholders it uses.

    Besides the syntax check, the template is rendered once with every placeholder set to a
    sample value, so a mistake that only shows at render time (a filter given the wrong argument)
    is also caught when the rule is saved.
    """
    template, found = _compile(source, allowed)
    try:
        template.render(_nest(dict.fromkeys(allowed, "sample")))
    except (TemplateError, TypeError, ValueError, ArithmeticError) as error:
        raise TemplateProblem(f"template cannot be rendered: {error}") from error
    return found


def render_template(source: str, values: Mapping[str, str]) -> str:
    """Render `source` with `values` (`{"ticket.number": "42", ...}`); the keys are also the
    allow list, so a template can only reach what the caller chose to expose."""
    template, _ = _compile(source, frozenset(values))
    try:
        return template.render(_nest(values))
    except UndefinedError as error:
        raise TemplateProblem(f"template uses a value that was not provided: {error}") from error
    except SecurityError as error:
        raise TemplateProblem(f"template tried an unsafe operation: {error}") from error


def _nest(values: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """`{"ticket.number": "42"}` → `{"ticket": {"number": "42"}}`: plain dicts, nothing else."""
    nested: dict[str, dict[str, str]] = {}
    for dotted, value in values.items():
        group, _, name = dotted.partition(".")
        nested.setdefault(group, {})[name] = value
    return nested
