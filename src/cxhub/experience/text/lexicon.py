"""Small hand-written polarity lexicons: the bridge that lets the fast model reach languages it
has no training data for (Portuguese, Chinese).

The fast model learns, from the en/it/id training sets, how much a *lexicon hit* weighs (four
columns: positive, negative, negated positive, negated negative). Because the columns are shared by
every language, a Portuguese "ótimo" or a Chinese "好吃" lights the same column as an English
"great". The words were written for this project from general language knowledge (not extracted
from any data set), so they carry the project's own licence. Deliberately short: common,
unambiguous customer-experience words only.
"""

from __future__ import annotations

import re

_POSITIVE_WORDS = {
    "en": (
        "good great excellent amazing awesome love loved lovely perfect happy glad thanks thank "
        "fantastic wonderful best nice helpful fast quick easy recommend satisfied pleased "
        "brilliant enjoy enjoyed beautiful friendly resolved solved impressed superb fine cool "
        "favourite favorite smooth reliable"
    ),
    "it": (
        "buono buona buoni ottimo ottima ottimi bene bello bella bellissimo bellissima grazie "
        "perfetto perfetta eccellente fantastico fantastica felice contento contenta "
        "soddisfatto soddisfatta veloce rapido rapida consiglio gentile gentili amo adoro "
        "grande brava bravo bravi complimenti meraviglioso meravigliosa piace risolto"
    ),
    "id": (
        "bagus baik enak mantap puas senang suka ramah cepat nyaman bersih murah terima kasih "
        "terbaik hebat keren lezat memuaskan rekomendasi recommended top oke cantik indah "
        "menyenangkan mantab sukses membantu lancar"
    ),
    "pt": (
        "bom boa bons boas ótimo ótima otimo otima excelente perfeito perfeita adorei amei "
        "gostei obrigado obrigada rápido rapido rápida rapida recomendo satisfeito satisfeita "
        "feliz lindo linda maravilhoso maravilhosa parabéns parabens bem certinho correto "
        "qualidade super top"
    ),
}
_NEGATIVE_WORDS = {
    "en": (
        "bad terrible awful horrible worst hate hated poor slow broken wrong disappointed "
        "disappointing angry annoyed annoying useless rude problem problems issue issues fail "
        "failed failure refund never late missing error worse sad waste scam cancel complaint "
        "unacceptable ridiculous stuck"
    ),
    "it": (
        "male cattivo cattiva pessimo pessima orribile terribile schifo odio lento lenta rotto "
        "rotta sbagliato deluso delusa delusione arrabbiato problema problemi errore peggio "
        "peggiore vergogna inutile triste ritardo truffa mai basta disastro ridicolo"
    ),
    "id": (
        "buruk jelek kecewa mengecewakan lambat lama mahal kotor rusak parah payah benci marah "
        "masalah gagal salah sedih hancur bohong penipuan tipu lelet menyesal sampah"
    ),
    "pt": (
        "ruim péssimo pessimo péssima pessima horrível horrivel terrível terrivel problema "
        "problemas atraso atrasado atrasou errado errada defeito quebrado quebrada decepcionado "
        "decepcionada decepção nunca faltando falta faltou reclamação lamentável cancelar "
        "devolução devolver insatisfeito insatisfeita demora demorou pior"
    ),
}
POSITIVE: dict[str, frozenset[str]] = {
    lang: frozenset(w.split()) for lang, w in _POSITIVE_WORDS.items()
}
NEGATIVE: dict[str, frozenset[str]] = {
    lang: frozenset(w.split()) for lang, w in _NEGATIVE_WORDS.items()
}

#: Chinese has no spaces: matched as substrings, longest first.
_POSITIVE_ZH_WORDS = "好吃 不错 满意 喜欢 推荐 很好 非常好 方便 干净 舒适 热情 好评 赞 棒 快 新鲜 实惠 值得 好 周到 准时 美味 划算"
_NEGATIVE_ZH_WORDS = "难吃 差 失望 糟糕 垃圾 太慢 慢 脏 贵 冷了 凉了 投诉 退款 不满 问题 坑 恶心 差评 再也不 难 吵 旧 少 没有"
POSITIVE_ZH = tuple(_POSITIVE_ZH_WORDS.split())
NEGATIVE_ZH = tuple(_NEGATIVE_ZH_WORDS.split())
_NEGATOR_WORDS = (
    "not no never don't doesn't didn't isn't wasn't aren't can't won't cannot non mai "
    "niente nessuno tidak bukan belum tak kurang não nao nem nunca "
)
NEGATORS = frozenset(_NEGATOR_WORDS.split())
NEGATORS_ZH = ("不", "没", "别", "未")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_ALL_POSITIVE = frozenset().union(*POSITIVE.values())
_ALL_NEGATIVE = frozenset().union(*NEGATIVE.values())


def polarity_counts(text: str) -> tuple[int, int, int, int]:
    """(positive, negative, negated positive, negated negative) lexicon hits in `text`.

    A hit is negated when one of the two previous words is a negator ("not good", "não gostei").
    Every language's lexicon is consulted at once: no language guess is needed, and the lexicons
    barely overlap.
    """
    pos = neg = neg_pos = neg_neg = 0
    words = [w.lower() for w in _WORD.findall(text)]
    for index, word in enumerate(words):
        negated = any(w in NEGATORS for w in words[max(0, index - 2) : index])
        if word in _ALL_POSITIVE:
            if negated:
                neg_pos += 1
            else:
                pos += 1
        elif word in _ALL_NEGATIVE:
            if negated:
                neg_neg += 1
            else:
                neg += 1
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        zh = _chinese_counts(text)
        pos, neg, neg_pos, neg_neg = pos + zh[0], neg + zh[1], neg_pos + zh[2], neg_neg + zh[3]
    return pos, neg, neg_pos, neg_neg


def _chinese_counts(text: str) -> tuple[int, int, int, int]:
    pos = neg = neg_pos = neg_neg = 0
    consumed = [False] * len(text)
    for words, is_positive in ((NEGATIVE_ZH, False), (POSITIVE_ZH, True)):
        for word in sorted(words, key=len, reverse=True):
            start = text.find(word)
            while start >= 0:
                end = start + len(word)
                if not any(consumed[start:end]):
                    for i in range(start, end):
                        consumed[i] = True
                    negated = start > 0 and text[start - 1] in NEGATORS_ZH
                    if is_positive:
                        neg_pos, pos = (neg_pos + 1, pos) if negated else (neg_pos, pos + 1)
                    else:
                        neg_neg, neg = (neg_neg + 1, neg) if negated else (neg_neg, neg + 1)
                start = text.find(word, end)
    return pos, neg, neg_pos, neg_neg
