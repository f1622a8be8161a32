"""Language identification: Unicode script first (Han, kana, Hangul are unambiguous), then the
`lingua` library (Apache-2.0, ships its n-gram models, nothing downloaded) restricted to a fixed
candidate set, which makes it both faster and more accurate on short texts.

Malay is deliberately not a candidate: it is nearly identical to Indonesian in writing and our
users write Indonesian, so Malay text is reported as `id` (a documented limit).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

UNDETERMINED = "und"
CANDIDATES = ("en", "it", "id", "pt", "es", "fr", "de", "nl")
_MIN_LETTERS = 2
#: Below this length the full model is used even in fast mode: short texts are where the
#: trigram-only model errs ("I want to cancel my order" -> French) and they are cheap anyway.
SHORT_TEXT = 200


def _script_language(text: str) -> str | None:
    han = kana = hangul = 0
    for ch in text:
        code = ord(ch)
        if 0x3040 <= code <= 0x30FF:
            kana += 1
        elif 0xAC00 <= code <= 0xD7AF:
            hangul += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
            han += 1
    if kana:
        return "ja"
    if hangul:
        return "ko"
    letters = sum(ch.isalpha() for ch in text)
    if han and han * 3 >= letters:
        return "zh"
    return None


@lru_cache(maxsize=2)
def _detector(high_accuracy: bool) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in CANDIDATES]
    # The models load when the detector is built, not on its first detections (lingua's default):
    # a server builds both at startup (`preload_detectors`), off its requests' path.
    builder = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models()
    if not high_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def preload_detectors() -> None:
    """Build both detectors now, their language models loaded (~1.4 CPU-s and ~200 MB once per
    process; the fast detector shares the accurate one's loaded models)."""
    _detector(True)
    _detector(False)


def detect_languages(texts: Sequence[str], *, high_accuracy: bool = False) -> list[str]:
    """ISO 639-1 code per text (`und` when there is too little text to tell).

    `high_accuracy` uses lingua's full model for every text (the accurate mode); otherwise only
    texts shorter than `SHORT_TEXT` get it and longer ones the faster trigram model.
    """
    answers: list[str] = []
    pending: list[int] = []
    for index, text in enumerate(texts):
        by_script = _script_language(text)
        if by_script is not None:
            answers.append(by_script)
        elif sum(ch.isalpha() for ch in text) < _MIN_LETTERS:
            answers.append(UNDETERMINED)
        else:
            answers.append(UNDETERMINED)
            pending.append(index)
    short = [i for i in pending if high_accuracy or len(texts[i]) < SHORT_TEXT]
    long = [i for i in pending if not (high_accuracy or len(texts[i]) < SHORT_TEXT)]
    for indexes, detector in ((short, _detector(True)), (long, _detector(False))):
        if indexes:
            found = detector.detect_languages_in_parallel_of([texts[i] for i in indexes])
            for index, language in zip(indexes, found, strict=True):
                if language is not None:
                    answers[index] = language.iso_code_639_1.name.lower()
    return answers
