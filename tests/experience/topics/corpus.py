"""A small hand-written multilingual corpus with three clear recurring issues (refunds,
password resets, late deliveries) in English, Italian, Indonesian and Chinese."""

from __future__ import annotations

REFUND = [
    "I want a refund for my order, the product is broken",
    "Please refund my money, the item arrived broken",
    "Still waiting for my refund after two weeks",
    "How long does a refund take? I returned the broken item",
    "Refund not received yet for the returned order",
    "Vorrei un rimborso, il prodotto è rotto",
    "Il rimborso non è ancora arrivato",
    "Saya minta refund, barangnya rusak",
    "Refund saya belum masuk",
    "我要退款，商品坏了",
    "退款还没有到账",
    "退款申请什么时候处理",
    "申请退款被拒绝了",
    "退款进度怎么查",
]
PASSWORD = [
    "I forgot my password and cannot log in",
    "Password reset email never arrives, cannot log in",
    "How do I reset my password? Login fails",
    "My password stopped working, locked out of login",
    "Reset password link expired, still cannot log in",
    "Ho dimenticato la password, non riesco ad accedere",
    "Il link per reimpostare la password non funziona",
    "Saya lupa password dan tidak bisa login",
    "Link reset password tidak berfungsi",
    "我忘记密码了，无法登录",
    "重置密码的邮件没有收到",
    "密码重置链接过期了",
    "登录时密码错误",
    "无法重置登录密码",
]
DELIVERY = [
    "My delivery is late, the parcel has not arrived",
    "The courier delivery is late again, where is my parcel",
    "Parcel delivery delayed by a week",
    "Tracking says the parcel delivery is late",
    "Late delivery, the parcel is stuck with the courier",
    "La consegna è in ritardo, il pacco non è arrivato",
    "Il corriere non ha consegnato il pacco",
    "Paket saya belum sampai, pengiriman terlambat",
    "Pengiriman paket terlambat lagi",
    "快递还没到，配送太慢了",
    "包裹配送延迟了一周",
    "快递员一直没有配送包裹",
    "包裹物流太慢",
    "快递配送延迟",
]
THEMES = {"refund": REFUND, "password": PASSWORD, "delivery": DELIVERY}


LANGUAGES = ["en"] * 5 + ["it"] * 2 + ["id"] * 2 + ["zh"] * 5  # of each theme's rows


def labelled() -> tuple[list[str], list[str], list[str]]:
    """(texts, theme of each, language of each)."""
    texts: list[str] = []
    labels: list[str] = []
    languages: list[str] = []
    for theme, rows in THEMES.items():
        texts.extend(rows)
        labels.extend([theme] * len(rows))
        languages.extend(LANGUAGES)
    return texts, labels, languages
