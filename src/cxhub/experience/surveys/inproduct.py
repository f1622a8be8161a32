"""In-product surveys: which contact an in-product visitor is (never creating one), and the
survey as the widget shows it (texts in one language). Service level: no HTTP types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.customers.contacts.schemas import ContactIdentifiers
from cxhub.customers.contacts.service import get_contact, normalise_identifiers, owners_of
from cxhub.experience.surveys import standard
from cxhub.experience.surveys.distribution import brand_name, invite_contact, sampled
from cxhub.experience.surveys.mail import question_text
from cxhub.experience.surveys.models import Survey


def known_contact(session: Session, *, user_id: str | None, email: str | None) -> int | None:
    """The existing contact holding the product user id (preferred) or the e-mail; None for an
    unknown visitor. In-product calls never create contacts."""
    if not user_id and not email:
        return None
    try:
        keys = normalise_identifiers(
            ContactIdentifiers(
                external_ids=[user_id] if user_id else [], emails=[email] if email else []
            )
        )
    except ValidationFailed:
        return None
    owners = owners_of(session, keys)
    for key in keys:
        if key in owners:
            return owners[key]
    return None


def widget_view(session: Session, survey: Survey, language: str) -> dict[str, Any]:
    """The survey as the widget renders it: texts resolved to one language, `{brand}` filled."""
    brand = brand_name(session, survey.workspace_id)
    questions = []
    for question in survey.questions:
        item: dict[str, Any] = {
            "key": question["key"],
            "type": question["type"],
            "required": question.get("required", False),
            "text": question_text(question, language, brand),
        }
        if "min" in question:
            item.update(min=question["min"], max=question["max"])
            labels = question.get("labels", {})
            if isinstance(labels, dict) and labels.get(language):
                item["labels"] = labels[language]
        if question["type"] == "choice":
            options = question["options"]
            item["options"] = options.get(language) or next(iter(options.values()))
        questions.append(item)
    return {
        "survey": survey.public_key,
        "kind": survey.kind,
        "language": language,
        "questions": questions,
    }


@dataclass(frozen=True)
class Display:
    show: bool
    reason: str
    token: str | None
    language: str


def display(
    session: Session,
    survey: Survey,
    *,
    contact_id: int | None,
    anonymous_id: str | None,
    locale: str | None,
    touchpoint: str | None,
    public_url: str,
) -> Display:
    """Whether the widget may show the survey now. A known contact goes through sampling and the
    workspace throttle (showing it counts as asking); an anonymous visitor only through sampling
    (the snippet remembers answered surveys in the browser)."""
    if "in_product" not in survey.channels:
        raise ValidationFailed("this survey is not offered in-product", field="survey")
    if contact_id is None:
        language = standard.language_for(locale, survey.languages, survey.default_language)
        shown = sampled(
            survey_id=survey.id,
            contact_id=0,
            percent=survey.sample_percent,
            salt=anonymous_id or utcnow().isoformat(),
        )
        return Display(shown, "anonymous" if shown else "not_sampled", None, language)
    contact = get_contact(session, contact_id=contact_id)
    language = standard.language_for(
        locale or contact.locale, survey.languages, survey.default_language
    )
    result = invite_contact(
        session,
        survey=survey,
        contact_id=contact.id,
        channel="in_product",
        public_url=public_url,
        touchpoint=touchpoint,
        salt=utcnow().date().isoformat(),
    )
    return Display(result.status == "invited", result.status, result.token, language)
