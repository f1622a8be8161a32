"""Readable topic labels: the words and phrases that set a cluster apart (class-based TF-IDF).

For cluster c and term t, with tf(t, c) the share of c's term occurrences that are t, f(t) the
occurrences of t in all clusters and A the mean number of term occurrences per cluster:

    c-tf-idf(t, c) = tf(t, c) * ln(1 + A / f(t))        (Grootendorst, BERTopic, 2022)

A term is a word or a pair of adjacent words outside the stop lists (en, it, id, pt); in Chinese,
which has no spaces, a pair of adjacent Han characters. A term must occur in at least
`MIN_TEXTS` texts of the corpus and `MIN_CLUSTER_TEXTS` of the cluster, so a label never
quotes what one customer alone wrote (a name, an order reference).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from cxhub.experience.topics.features import clean

LABEL_TERMS = 3
KEYWORDS = 10
MIN_TEXTS = 3
MIN_CLUSTER_TEXTS = 2
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")

_STOP_TEXT = (
    # English
    "a about after again all also am an and any are as at be been before being but by can "
    "could did do does doing don for from get got had has have having he her here hi hello "
    "him his how i if in into is it its just me my myself no not now of on once only or other "
    "our out over please so some still such than thank thanks that the their them then there "
    "these they this those through to too up us very was we were what when where which while "
    "who why will with would you your yours im ive dont cant didnt doesnt isnt wont hasnt "
    "havent wasnt youre thats whats theres ok okay yes one two way want need know like s t "
    # Italian
    "il lo la i gli le un una uno di da del della dei delle al alla ai alle dal nel nella con "
    "su per tra fra e ed o ma che chi cui non si mi ti ci vi ne è sono sei siamo ho hai ha "
    "abbiamo hanno mio mia miei mie tuo tua suo sua nostro questo questa quello quella come "
    "dove quando perché anche ancora già più molto grazie ciao buongiorno salve sto stato "
    "essere avere fare posso può vorrei potete "
    # Indonesian
    "yang dan di ke dari ini itu saya aku kamu anda kami kita dia mereka ada tidak tak bisa "
    "sudah belum akan dengan untuk pada juga atau tapi tetapi karena jadi apa bagaimana kenapa "
    "mengapa kapan mana ya halo terima kasih tolong mohon sih dong kok nya lagi masih sangat "
    "banget bagi oleh agar supaya "
    # Portuguese
    "o os as um uma de do da dos das em no na nos nas por para com não que se eu meu minha "
    "você é está estou foi ser ter tem obrigado obrigada olá"
)
STOPWORDS = frozenset(_STOP_TEXT.split())
_ZH_STOP_TEXT = (
    "我的 你的 我们 你们 他们 什么 怎么 可以 一个 没有 这个 那个 就是 还是 但是 因为 所以 "
    "如果 已经 现在 请问 谢谢 您好 你好 为什么 是不 不是 了吗 的吗 一下 时候 我想 我要 我在 "
    "在我 了我 我已 是我"
)
ZH_STOP = frozenset(_ZH_STOP_TEXT.split())


def terms(text: str) -> list[str]:
    """The label candidates of a text: words and adjacent word pairs (stop words break pairs),
    and pairs of adjacent Han characters."""
    found: list[str] = []
    cleaned = clean(text)
    for run in _HAN.findall(cleaned):
        found.extend(g for g in (run[i : i + 2] for i in range(len(run) - 1)) if g not in ZH_STOP)
    words = [w for w in _WORD.findall(_HAN.sub(" ", cleaned)) if len(w) > 1]
    previous: str | None = None
    for word in words:
        if word in STOPWORDS:
            previous = None
            continue
        found.append(word)
        if previous is not None:
            found.append(f"{previous} {word}")
        previous = word
    return found


def class_tfidf(
    counts: sparse.csr_matrix, clusters: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(c-tf-idf scores k x V, texts per cluster containing each term k x V) from term counts
    per text and the cluster of each text (-1 = none)."""
    kept = clusters >= 0
    rows = counts[kept]
    members = sparse.csr_matrix(
        (np.ones(int(kept.sum()), dtype=np.float64), (clusters[kept], np.arange(int(kept.sum())))),
        shape=(k, rows.shape[0]),
    )
    per_class = np.asarray((members @ rows).todense(), dtype=np.float64)
    binary = rows.copy()
    binary.data = np.ones_like(binary.data)
    texts_with = np.asarray((members @ binary).todense(), dtype=np.float64)
    totals = per_class.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    tf = per_class / totals
    frequency = per_class.sum(axis=0)
    frequency[frequency == 0] = 1.0
    mean_terms = per_class.sum() / max(k, 1)
    return tf * np.log(1.0 + mean_terms / frequency), texts_with


def _pick(ranked: list[str], limit: int) -> list[str]:
    """Best terms first, skipping a word already inside a chosen phrase (and vice versa)."""
    chosen: list[str] = []
    for term in ranked:
        parts = set(term.split())
        if any(parts <= set(c.split()) or set(c.split()) <= parts for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    return chosen


def cluster_keywords(
    texts: Sequence[str], clusters: np.ndarray, k: int, *, keywords: int = KEYWORDS
) -> list[list[str]]:
    """Per cluster, its most distinctive terms, best first (an empty list when none qualifies)."""
    if not texts or k == 0:
        return [[] for _ in range(k)]
    vectorizer = CountVectorizer(analyzer=terms, min_df=min(MIN_TEXTS, len(texts)))
    try:
        counts = sparse.csr_matrix(vectorizer.fit_transform(texts))
    except ValueError:  # no term reaches min_df
        return [[] for _ in range(k)]
    vocabulary = vectorizer.get_feature_names_out()
    scores, texts_with = class_tfidf(counts, np.asarray(clusters), k)
    words = np.array([term.count(" ") + 1 for term in vocabulary])
    result: list[list[str]] = []
    for c in range(k):
        eligible = np.where(texts_with[c] >= MIN_CLUSTER_TEXTS, scores[c], 0.0)
        # best score first; on a tie the phrase (more specific), then alphabetical
        order = [i for i in np.lexsort((-words, -eligible))[: keywords * 3] if eligible[i] > 0]
        result.append(_pick([str(vocabulary[i]) for i in order], keywords))
    return result


def label_of(keywords: Sequence[str]) -> str:
    """The readable label: the first `LABEL_TERMS` keywords, or a placeholder."""
    return " · ".join(keywords[:LABEL_TERMS]) if keywords else "(no distinctive terms)"
