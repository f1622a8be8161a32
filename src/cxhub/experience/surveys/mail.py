"""The survey e-mail: the headline question with one link per score (the page opens with that
score chosen, the customer confirms and may comment), in the invitation's language, through the
project's outbound mail (queued, delivered by SMTP and retried like every system e-mail)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cxhub.experience.surveys import standard
from cxhub.experience.surveys.models import Survey
from cxhub.service.mail.models import OutboundEmail
from cxhub.service.mail.outbound import queue_system_email

SUBJECTS = {
    "en": "{brand} would like your feedback",
    "it": "{brand} vorrebbe il tuo parere",
    "zh": "{brand}希望听取您的意见",
    "id": "{brand} ingin mendengar pendapat Anda",
}
OPEN_LINK = {
    "en": "Answer the survey: {link}",
    "it": "Rispondi al sondaggio: {link}",
    "zh": "填写问卷：{link}",
    "id": "Jawab survei: {link}",
}
ONE_CLICK = {
    "en": "Choose your answer:",
    "it": "Scegli la tua risposta:",
    "zh": "请选择您的答案：",
    "id": "Pilih jawaban Anda:",
}


def question_text(question: dict[str, object], language: str, brand: str) -> str:
    texts = question.get("texts")
    assert isinstance(texts, dict)
    text = texts.get(language) or texts.get("en") or next(iter(texts.values()))
    return str(text).replace("{brand}", brand)


def queue_survey_email(
    session: Session, *, survey: Survey, language: str, to: str, link: str, brand: str
) -> OutboundEmail | None:
    """None when the workspace has no mailbox to send from."""
    lines: list[str] = []
    intro = (survey.intro or {}).get(language)
    if intro:
        lines += [str(intro), ""]
    head = standard.headline(survey.questions)
    if head is not None:
        lines += [question_text(head, language, brand), "", ONE_CLICK[language]]
        labels = (
            head.get("labels", {}).get(language) if isinstance(head.get("labels"), dict) else None
        )
        for score in range(int(head["min"]), int(head["max"]) + 1):
            label = ""
            if labels and score == head["min"]:
                label = f" ({labels[0]})"
            elif labels and score == head["max"]:
                label = f" ({labels[1]})"
            lines.append(f"{score}{label}: {link}?score={score}")
        lines.append("")
    lines.append(OPEN_LINK[language].format(link=link))
    return queue_system_email(
        session,
        workspace_id=survey.workspace_id,
        kind="survey",
        to=to,
        subject=SUBJECTS[language].format(brand=brand),
        text="\n".join(lines),
    )
