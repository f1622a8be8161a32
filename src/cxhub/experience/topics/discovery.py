"""Topic discovery: cluster customer texts, choose the number of topics, label each cluster.

No database here (plain texts in, topics out), so it is measured on BANKING77 and benchmarked
on its own. The steps, all seeded (`DiscoveryParams.seed`) so a run is reproducible:

1. hashed word + character n-grams, sublinear TF, IDF from the corpus (`features.py`);
   then each language is clustered on its own (steps 2-4; languages with few texts together);
2. LSA: a truncated SVD fitted on at most `svd_sample` texts, then every text projected and
   L2-normalised (cosine geometry, a few dozen dense dimensions for k-means);
3. the number of topics, unless given: k-means for each candidate k on a sample of
   `k_sample` texts, scored by the cosine silhouette; the best k wins (ties: the smaller);
4. MiniBatchKMeans with that k on all texts; clusters smaller than `min_topic_size` are
   dropped (their texts get no topic);
5. per topic: keywords and label by class-based TF-IDF (`labels.py`), the nearest intent of the
   fixed taxonomy when enough members carry it, and the signature used to classify new texts
   (`centroids.py`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from cxhub.experience.topics.centroids import Signature, signature_of
from cxhub.experience.topics.features import learn_idf, term_counts, tfidf
from cxhub.experience.topics.labels import cluster_keywords, label_of

#: A cluster's taxonomy intent: the most common intent of its members, if at least this share.
INTENT_SHARE = 0.3
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
K_CANDIDATES = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 80, 100, 128)


@dataclass(frozen=True)
class DiscoveryParams:
    seed: int = 7
    k: int | None = None  # None: chosen automatically among K_CANDIDATES
    max_topics: int = 100
    min_topic_size: int = 5
    components: int = 128
    lsa_features: int = 30_000
    svd_sample: int = 20_000
    k_sample: int = 2_000
    label_sample: int = 30_000
    #: BLAS/OpenMP threads: one by default, so a discovery job never spins every core of a
    #: host that also serves requests (and no thread oversubscription on a busy machine)
    threads: int = 1


@dataclass(frozen=True)
class DiscoveredTopic:
    index: int
    label: str
    keywords: list[str]
    size: int
    intent: str | None
    signature: Signature
    language: str = "und"


@dataclass
class Discovery:
    topics: list[DiscoveredTopic]
    #: per text: the index of its topic in `topics`, or -1
    assignments: np.ndarray
    #: per text: cosine between the text and its topic's centroid (LSA space)
    scores: np.ndarray
    idf: dict[int, float]
    default_idf: float
    #: per language group: the silhouette of each candidate k (empty when k was given)
    k_scores: dict[str, dict[int, float]] = field(default_factory=dict)


def _sample(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


def embed_lsa(weighted: sparse.csr_matrix, params: DiscoveryParams) -> np.ndarray:
    """Project TF-IDF rows to `components` LSA dimensions, rows L2-normalised. Only the
    `lsa_features` features found in most texts (and in two at least) take part: the
    rest of the 2^19 hashed columns are rare, say little about topics and make the SVD slow."""
    n = weighted.shape[0]
    df = np.bincount(weighted.indices, minlength=weighted.shape[1])
    columns = np.argsort(-df, kind="stable")[: params.lsa_features]
    columns = np.sort(columns[df[columns] >= 2])
    reduced = normalize(weighted[:, columns])
    components = max(2, min(params.components, n - 1, columns.size - 1))
    svd = TruncatedSVD(n_components=components, random_state=params.seed, n_iter=4)
    rng = np.random.default_rng(params.seed)
    svd.fit(reduced[_sample(n, params.svd_sample, rng)])
    vectors: np.ndarray = normalize(svd.transform(reduced)).astype(np.float32)
    return vectors


def choose_k(vectors: np.ndarray, params: DiscoveryParams) -> tuple[int, dict[int, float]]:
    """The candidate k with the best cosine silhouette on a seeded sample."""
    n = vectors.shape[0]
    limit = min(params.max_topics, max(2, n // max(params.min_topic_size, 1)))
    candidates = [k for k in K_CANDIDATES if k <= limit] or [max(2, min(limit, n - 1))]
    rng = np.random.default_rng(params.seed)
    sample = vectors[_sample(n, params.k_sample, rng)]
    scores: dict[int, float] = {}
    for k in candidates:
        if k >= sample.shape[0]:
            continue
        labels = KMeans(n_clusters=k, random_state=params.seed, n_init=1).fit_predict(sample)
        if len(set(labels.tolist())) < 2:
            continue
        scores[k] = round(float(silhouette_score(sample, labels, metric="cosine")), 4)
    if not scores:
        return candidates[0], scores
    best = max(scores.values())
    return min(k for k, s in scores.items() if s == best), scores


def _mean_direction(rows: np.ndarray) -> tuple[float, ...]:
    mean = normalize(rows.mean(axis=0, keepdims=True))[0]
    return tuple(round(float(x), 5) for x in mean)


def _intent(members: Sequence[str | None]) -> str | None:
    known = Counter(i for i in members if i)
    if not known or not members:
        return None
    intent, count = known.most_common(1)[0]
    return intent if count / len(members) >= INTENT_SHARE else None


def language_groups(
    texts: Sequence[str], languages: Sequence[str | None] | None, min_group: int
) -> dict[str, np.ndarray]:
    """Row indices per language (given, or `zh` for Han script and `und` otherwise); languages
    with fewer than `min_group` texts are pooled under `mixed`."""
    codes = [
        (languages[i] if languages is not None and languages[i] else None)
        or ("zh" if _HAN.search(text) else "und")
        for i, text in enumerate(texts)
    ]
    groups: dict[str, list[int]] = {}
    for row, code in enumerate(codes):
        groups.setdefault(code, []).append(row)
    pooled = [r for rows in groups.values() if len(rows) < min_group for r in rows]
    result = {code: np.asarray(rows) for code, rows in groups.items() if len(rows) >= min_group}
    if pooled:
        result["mixed"] = np.asarray(sorted(pooled))
    return dict(sorted(result.items()))


def _cluster(
    vectors: np.ndarray, params: DiscoveryParams, k: int | None
) -> tuple[np.ndarray, np.ndarray, dict[int, float]]:
    """(cluster per row, cosine to its centre, silhouette per candidate k) of one group."""
    n = vectors.shape[0]
    k_scores: dict[int, float] = {}
    if k is None:
        k, k_scores = choose_k(vectors, params)
    k = max(2, min(k, n - 1))
    model = MiniBatchKMeans(
        n_clusters=k, random_state=params.seed, n_init=3, batch_size=4096, max_iter=100
    )
    raw = model.fit_predict(vectors)
    centres = normalize(model.cluster_centers_)
    return raw, np.einsum("ij,ij->i", vectors, centres[raw]), k_scores


def discover(
    texts: Sequence[str],
    *,
    params: DiscoveryParams | None = None,
    intents: Sequence[str | None] | None = None,
    languages: Sequence[str | None] | None = None,
    embeddings: np.ndarray | None = None,
) -> Discovery:
    """Cluster `texts` into topics. `intents` (optional, per text) names the fixed-taxonomy
    intent text analytics gave it; `languages` its language. Lexical features cannot tell that
    "refund", "rimborso" and "退款" are one issue, so each language is clustered on its own
    (a team merges the topics of one issue across languages). With `embeddings` (the accurate
    mode's multilingual e5 vectors, one row per text) all languages are clustered together on
    them instead, and each topic's signature also keeps its mean embedding."""
    params = params or DiscoveryParams()
    with threadpool_limits(limits=params.threads):
        return _discover(texts, params, intents, languages, embeddings)


def _discover(
    texts: Sequence[str],
    params: DiscoveryParams,
    intents: Sequence[str | None] | None,
    languages: Sequence[str | None] | None,
    embeddings: np.ndarray | None = None,
) -> Discovery:
    n = len(texts)
    if n < max(2 * params.min_topic_size, 3):
        return Discovery([], np.full(n, -1), np.zeros(n), {}, 1.0)
    counts = term_counts(texts)
    idf = learn_idf(counts)
    weighted = tfidf(counts, idf)
    raw = np.full(n, -1)
    scores = np.zeros(n)
    k_scores: dict[str, dict[int, float]] = {}
    group_of: dict[int, str] = {}
    offset = 0
    dense = normalize(embeddings).astype(np.float32) if embeddings is not None else None
    groups = (
        {"multi": np.arange(n)}
        if dense is not None
        else language_groups(texts, languages, 2 * params.min_topic_size)
    )
    for code, rows in groups.items():
        group_k = None if params.k is None else max(2, round(params.k * rows.size / n))
        if rows.size < 3:
            continue
        vectors = dense[rows] if dense is not None else embed_lsa(weighted[rows], params)
        clusters, cosines, k_scores[code] = _cluster(vectors, params, group_k)
        raw[rows] = clusters + offset
        scores[rows] = cosines
        group_of.update({offset + c: code for c in range(int(clusters.max()) + 1)})
        offset += int(clusters.max()) + 1
    sizes = np.bincount(raw[raw >= 0], minlength=offset)
    kept = [c for c in range(offset) if sizes[c] >= params.min_topic_size]
    renumber = np.full(offset + 1, -1)
    renumber[kept] = np.arange(len(kept))
    assignments = np.where(raw >= 0, renumber[raw], -1)
    scores = np.where(assignments >= 0, scores, 0.0)

    rng = np.random.default_rng(params.seed)
    label_rows = _sample(n, params.label_sample, rng)
    keywords = cluster_keywords([texts[i] for i in label_rows], assignments[label_rows], len(kept))
    topics: list[DiscoveredTopic] = []
    for new, old in enumerate(kept):
        members = np.where(raw == old)[0]
        centroid = np.asarray(weighted[members].mean(axis=0)).ravel()
        member_intents = [intents[i] for i in members] if intents is not None else []
        topics.append(
            DiscoveredTopic(
                index=new,
                label=label_of(keywords[new]),
                keywords=keywords[new],
                size=int(members.size),
                intent=_intent(member_intents),
                signature=replace(
                    signature_of(centroid),
                    embedding=_mean_direction(dense[members]) if dense is not None else None,
                ),
                language=group_of[old],
            )
        )
    used = sorted({i for t in topics for i in t.signature.indices})
    occurrences = np.bincount(counts.indices, minlength=idf.size)
    default_idf = float((idf * occurrences).sum() / max(occurrences.sum(), 1))
    return Discovery(
        topics=topics,
        assignments=assignments,
        scores=np.round(scores, 4),
        idf={i: round(float(idf[i]), 5) for i in used},
        default_idf=round(default_idf, 5),
        k_scores=k_scores,
    )
