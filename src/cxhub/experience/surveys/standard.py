"""The standard questions (NPS, CSAT, CES) with their scales and shipped translations, question
validation, the choice of a respondent's language, and the classification of an answer as
unhappy. Pure: no database, so it is tested with plain values.

Scales follow docs/metrics.md: NPS 0–10 ("How likely are you to recommend…"), CSAT 1–5 ("How
satisfied…"), CES 1–7 in the CES 2.0 wording ("…made it easy…", 7 = strongly agree, so higher
means less effort).
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "it", "zh", "id")
KINDS = ("nps", "csat", "ces", "custom")
QUESTION_TYPES = ("nps", "csat", "ces", "rating", "choice", "text")
SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
MAX_QUESTIONS = 20
MAX_TEXT = 1000

#: Standard wording per kind and language; `{brand}` is the workspace's name.
STANDARD_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "nps": {
        "en": {
            "text": "How likely are you to recommend {brand} to a friend or colleague?",
            "low": "Not at all likely",
            "high": "Extremely likely",
        },
        "it": {
            "text": "Quanto è probabile che tu consigli {brand} a un amico o a un collega?",
            "low": "Per niente probabile",
            "high": "Estremamente probabile",
        },
        "zh": {
            "text": "您有多大可能向朋友或同事推荐{brand}？",
            "low": "完全不可能",
            "high": "极有可能",
        },
        "id": {
            "text": "Seberapa besar kemungkinan Anda merekomendasikan {brand} kepada teman "
            "atau kolega?",
            "low": "Sangat tidak mungkin",
            "high": "Sangat mungkin",
        },
    },
    "csat": {
        "en": {
            "text": "How satisfied were you with {brand}?",
            "low": "Very unsatisfied",
            "high": "Very satisfied",
        },
        "it": {
            "text": "Quanto sei soddisfatto di {brand}?",
            "low": "Molto insoddisfatto",
            "high": "Molto soddisfatto",
        },
        "zh": {"text": "您对{brand}的满意程度如何？", "low": "非常不满意", "high": "非常满意"},
        "id": {
            "text": "Seberapa puas Anda dengan {brand}?",
            "low": "Sangat tidak puas",
            "high": "Sangat puas",
        },
    },
    "ces": {
        "en": {
            "text": "{brand} made it easy for me to handle my issue.",
            "low": "Strongly disagree",
            "high": "Strongly agree",
        },
        "it": {
            "text": "{brand} mi ha reso facile risolvere la mia questione.",
            "low": "Per niente d'accordo",
            "high": "Completamente d'accordo",
        },
        "zh": {
            "text": "{brand}让我能够轻松地处理我的问题。",
            "low": "非常不同意",
            "high": "非常同意",
        },
        "id": {
            "text": "{brand} memudahkan saya untuk menyelesaikan masalah saya.",
            "low": "Sangat tidak setuju",
            "high": "Sangat setuju",
        },
    },
}

COMMENT_TEXTS = {
    "en": "What is the main reason for your answer? (optional)",
    "it": "Qual è il motivo principale della tua risposta? (facoltativo)",
    "zh": "您给出这个评分的主要原因是什么？（可选）",
    "id": "Apa alasan utama jawaban Anda? (opsional)",
}


class QuestionError(ValueError):
    """A question list that cannot be asked; `field` names the offending part."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def language_for(locale: str | None, available: list[str] | tuple[str, ...], default: str) -> str:
    """The contact's primary language when the survey has it, else the survey's default."""
    primary = (locale or "").replace("_", "-").split("-")[0].lower()
    if primary in available:
        return primary
    return default if default in available else (available[0] if available else "en")


def standard_question(kind: str, *, key: str | None = None) -> dict[str, Any]:
    """The standard headline question of `kind` with every shipped translation."""
    low, high = SCALES[kind]
    return {
        "key": key or kind,
        "type": kind,
        "required": True,
        "min": low,
        "max": high,
        "texts": {lang: texts["text"] for lang, texts in STANDARD_TEXTS[kind].items()},
        "labels": {
            lang: [texts["low"], texts["high"]] for lang, texts in STANDARD_TEXTS[kind].items()
        },
    }


def comment_question() -> dict[str, Any]:
    return {"key": "comment", "type": "text", "required": False, "texts": dict(COMMENT_TEXTS)}


def default_questions(kind: str) -> list[dict[str, Any]]:
    """What a new survey of `kind` asks when no questions are given."""
    if kind == "custom":
        return [comment_question()]
    return [standard_question(kind), comment_question()]


def _texts(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise QuestionError("texts must map a language to a text", field)
    cleaned: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise QuestionError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}", field)
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise QuestionError(f"text for {lang} must be 1–{MAX_TEXT} characters", field)
        cleaned[lang] = text.strip()
    return cleaned


def normalise_questions(kind: str, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate and complete a question list: standard questions get their scale and shipped
    texts (custom wording may override them), keys are unique, choice questions have options,
    and the headline question of an NPS/CSAT/CES survey comes first."""
    if kind not in KINDS:
        raise QuestionError(f"kind must be one of {', '.join(KINDS)}", "kind")
    if not raw:
        return default_questions(kind)
    if len(raw) > MAX_QUESTIONS:
        raise QuestionError(f"at most {MAX_QUESTIONS} questions", "questions")
    seen: set[str] = set()
    result: list[dict[str, Any]] = []
    for index, question in enumerate(raw):
        where = f"questions.{index}"
        qtype = question.get("type")
        if qtype not in QUESTION_TYPES:
            raise QuestionError(f"type must be one of {', '.join(QUESTION_TYPES)}", where)
        key = str(question.get("key") or f"q{index + 1}")
        if not key.replace("_", "").isalnum() or len(key) > 40 or key in seen:
            raise QuestionError("key must be unique, letters, digits or _", f"{where}.key")
        seen.add(key)
        if qtype in SCALES:
            item = standard_question(qtype, key=key)
            if question.get("texts"):
                item["texts"] = {**item["texts"], **_texts(question["texts"], f"{where}.texts")}
        else:
            item = {"key": key, "type": qtype, "texts": _texts(question.get("texts"), where)}
            if qtype == "rating":
                low, high = int(question.get("min", 1)), int(question.get("max", 5))
                if not 0 <= low < high <= 10:
                    raise QuestionError("a rating scale is within 0..10", f"{where}.max")
                item.update(min=low, max=high)
            if qtype == "choice":
                options = question.get("options")
                if not isinstance(options, dict) or not options:
                    raise QuestionError("options must map a language to choices", where)
                item["options"] = {}
                for lang, choices in options.items():
                    if lang not in LANGUAGES or not isinstance(choices, list) or not choices:
                        raise QuestionError("options need a known language and choices", where)
                    item["options"][lang] = [str(c)[:200] for c in choices][:20]
        item["required"] = bool(question.get("required", qtype in SCALES))
        result.append(item)
    if kind in SCALES and result[0]["type"] != kind:
        raise QuestionError(f"the first question of a {kind} survey is its {kind} question", where)
    return result


def headline(questions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The question whose answer is the response's `score`."""
    for question in questions:
        if question["type"] in ("nps", "csat", "ces", "rating"):
            return question
    return None


def check_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """Answers keyed by question, each within its scale or options; raises QuestionError."""
    clean: dict[str, Any] = {}
    known = {q["key"]: q for q in questions}
    for key in answers:
        if key not in known:
            raise QuestionError(f"no question {key!r} in this survey", f"answers.{key}")
    for key, question in known.items():
        value = answers.get(key)
        if value is None or value == "":
            if question.get("required"):
                raise QuestionError("this question needs an answer", f"answers.{key}")
            continue
        if "min" in question:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise QuestionError("a whole number is expected", f"answers.{key}")
            try:
                number = int(value)
            except ValueError:
                raise QuestionError("a whole number is expected", f"answers.{key}") from None
            if not question["min"] <= number <= question["max"]:
                raise QuestionError(
                    f"the answer is {question['min']}–{question['max']}", f"answers.{key}"
                )
            clean[key] = number
        elif question["type"] == "choice":
            options = {o for choices in question["options"].values() for o in choices}
            if str(value) not in options:
                raise QuestionError("not one of the options", f"answers.{key}")
            clean[key] = str(value)
        else:
            text = str(value).strip()
            if len(text) > 5000:
                raise QuestionError("at most 5000 characters", f"answers.{key}")
            if text:
                clean[key] = text
    return clean


def unhappy_reason(kind: str, score: int | None) -> str | None:
    """Why a headline score needs a follow-up: an NPS detractor (0–6), a CSAT 1–2, or a CES
    1–3 (disagreeing that it was easy, on the CES 2.0 scale where higher means less effort)."""
    if score is None:
        return None
    if kind == "nps" and score <= 6:
        return "detractor"
    if kind == "csat" and score <= 2:
        return "dissatisfied"
    if kind == "ces" and score <= 3:
        return "high_effort"
    return None
