"""Templates: only allow-listed placeholders, checked when saved; rendering stays in the sandbox."""

from __future__ import annotations

import re

import pytest

from cxhub.service.automations.templates import (
    MACRO_PLACEHOLDERS,
    TICKET_PLACEHOLDERS,
    TemplateProblem,
    render_template,
    validate_template,
)

VALUES = {"ticket.number": "7", "ticket.subject": "Fattura errata", "requester.first_name": "Anna"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ ''.__class__ }}", "only allowed on a placeholder"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "not allowed"),
        ("{{ ticket.__class__ }}", "unknown placeholder"),
        ("{{ ticket.subject.__class__.__init__.__globals__ }}", "unknown placeholder"),
        ("{{ ticket.subject.upper() }}", "calls not allowed"),
        ("{{ ticket['number'] }}", "subscripts"),
        ("{{ ticket.subject|attr('__class__') }}", "unknown filter |attr"),
        ("{{ ticket.subject * 1000000 }}", "arithmetic not allowed"),
        ("{{ range(10) }}", "calls not allowed"),
        ("{{ lipsum }}", "unknown placeholder {{ lipsum }}"),
        ("{% for c in ticket.subject %}{{ c }}{% endfor %}", "loops not allowed"),
        ("{% set x = 1 %}", "{% set %}"),
        ("{% include 'secrets.txt' %}", "{% include %}"),
        ("{{ ticket.secret_notes }}", "unknown placeholder {{ ticket.secret_notes }}"),
        ("Hello {{ requester.first_name", "template syntax error"),
        ("{{ ticket.subject|truncate('many') }}", "cannot be rendered"),
    ],
)
def test_unsafe_or_unknown_templates_are_refused(source: str, message: str) -> None:
    with pytest.raises(TemplateProblem, match=re.escape(message)):
        validate_template(source, allowed=TICKET_PLACEHOLDERS)


def test_agent_placeholders_are_only_for_macros() -> None:
    with pytest.raises(TemplateProblem, match=re.escape("available: account.name")):
        validate_template("{{ agent.name }}", allowed=TICKET_PLACEHOLDERS)
    assert validate_template("{{ agent.name }}", allowed=MACRO_PLACEHOLDERS) == {"agent.name"}


def test_validation_returns_the_placeholders_used() -> None:
    source = (
        "{% if ticket.priority in ['high', 'urgent'] %}Presto!{% endif %} "
        "#{{ ticket.number }} {{ requester.first_name|default('cliente')|title }}"
    )
    found = validate_template(source, allowed=TICKET_PLACEHOLDERS)
    assert found == {"ticket.priority", "ticket.number", "requester.first_name"}


def test_rendering_is_plain_text_without_escaping() -> None:
    values = VALUES | {"ticket.subject": '<b>Fattura</b> & "IVA"'}
    assert render_template("{{ ticket.subject }}", values) == '<b>Fattura</b> & "IVA"'


def test_rendering_unicode_and_filters() -> None:
    assert render_template(
        "Ciao {{ requester.first_name|upper }}, 工单 #{{ ticket.number }}", VALUES
    ) == ("Ciao ANNA, 工单 #7")


def test_rendering_only_reaches_the_values_given() -> None:
    # the render call's values are its allow list: anything else is refused, never looked up
    with pytest.raises(TemplateProblem, match="unknown placeholder"):
        render_template("{{ ticket.url }}", VALUES)
    with pytest.raises(TemplateProblem, match="only allowed on a placeholder"):
        render_template("{{ ''.__class__ }}", VALUES)


def test_oversized_templates_are_refused() -> None:
    with pytest.raises(TemplateProblem, match="limited to"):
        validate_template("x" * 20_001, allowed=TICKET_PLACEHOLDERS)


def test_the_sandbox_blocks_dunder_access_even_without_validation() -> None:
    # layer 2 on its own: the environment rendering uses is a Jinja sandbox
    from jinja2.exceptions import SecurityError

    from cxhub.service.automations.templates import _environment

    template = _environment().from_string("{{ ''.__class__.__mro__ }}")
    with pytest.raises(SecurityError):
        template.render()
