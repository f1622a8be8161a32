"""The customer's CSAT page: reached from the e-mail's one-click links, no sign-in (the link's
token is the credential, valid for this one survey)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.service.csat import service
from cxhub.web.shell import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/csat/{token}", response_class=HTMLResponse)
def csat_page(
    request: Request, token: str, session: DbSession, score: int | None = None
) -> HTMLResponse:
    """One-click rating: the e-mail links carry `?score=N`; the page then offers a comment."""
    survey = service.open_survey(session, token)
    error = None
    if score is not None:
        if 1 <= score <= 5:
            service.record_rating(session, survey=survey, score=score)
        else:
            error = "Choose a rating from 1 to 5."
    return render(
        request,
        "csat/rate.html",
        {"survey": survey, "token": token, "error": error, "thanks": False},
    )


@router.post("/csat/{token}", response_class=HTMLResponse)
def csat_submit(
    request: Request,
    token: str,
    session: DbSession,
    score: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=5000)] = "",
) -> HTMLResponse:
    survey = service.open_survey(session, token)
    service.record_rating(session, survey=survey, score=score, comment=comment)
    return render(
        request, "csat/rate.html", {"survey": survey, "token": token, "error": None, "thanks": True}
    )


_EN = [
    "How did we do?",
    "Thank you for your feedback!",
    "How satisfied are you with the support you received?",
    "Rating",
    "Very unsatisfied",
    "Unsatisfied",
    "Neutral",
    "Satisfied",
    "Very satisfied",
    "Anything you would like to add? (optional)",
    "Send",
    "Choose a rating from 1 to 5.",
]

MESSAGES: dict[str, dict[str, str]] = {
    "en": {m: m for m in _EN},
    "it": dict(
        zip(
            _EN,
            [
                "Come siamo andati?",
                "Grazie per il tuo riscontro!",
                "Quanto sei soddisfatto dell'assistenza ricevuta?",
                "Valutazione",
                "Molto insoddisfatto",
                "Insoddisfatto",
                "Neutrale",
                "Soddisfatto",
                "Molto soddisfatto",
                "Vuoi aggiungere qualcosa? (facoltativo)",
                "Invia",
                "Scegli una valutazione da 1 a 5.",
            ],
            strict=True,
        )
    ),
    "zh": dict(
        zip(
            _EN,
            [
                "我们做得怎么样？",
                "感谢您的反馈！",
                "您对收到的支持服务满意吗？",
                "评分",
                "非常不满意",
                "不满意",
                "一般",
                "满意",
                "非常满意",
                "还有什么想补充的吗？（可选）",
                "发送",
                "请选择 1 到 5 的评分。",
            ],
            strict=True,
        )
    ),
    "id": dict(
        zip(
            _EN,
            [
                "Bagaimana layanan kami?",
                "Terima kasih atas masukan Anda!",
                "Seberapa puas Anda dengan dukungan yang Anda terima?",
                "Penilaian",
                "Sangat tidak puas",
                "Tidak puas",
                "Netral",
                "Puas",
                "Sangat puas",
                "Ada yang ingin Anda tambahkan? (opsional)",
                "Kirim",
                "Pilih penilaian dari 1 sampai 5.",
            ],
            strict=True,
        )
    ),
}
