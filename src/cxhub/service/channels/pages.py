"""The public support form, `/support/<workspace slug>`: no sign-in, in the visitor's language.

A refused submission shows the form again with what the visitor typed and a clear message
(400, or 429 with `Retry-After` when rate-limited); the spam checks live in `webform`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.errors import DomainError
from cxhub.core.tenancy import Workspace
from cxhub.service.channels import webform
from cxhub.service.tickets.attachments import (
    AttachmentStore,
    AttachmentTooLarge,
    store_attachment,
)
from cxhub.web.shell import render, shell_of

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

LIMITS = {"name": 240, "email": 320, "subject": 500, "description": 20_000}
TOO_LONG = "Your message is too long."
ATTACHMENT_TOO_LARGE = "The attachment is too large."


def _use_visitor_language(request: Request, workspace: Workspace) -> None:
    """The browser's language, else the workspace's default."""
    shell = shell_of(request)
    locale = None if request.headers.get("accept-language") else workspace.default_locale
    request.state.viewer = shell.viewer(request, None, locale=locale)


def _form(
    request: Request,
    workspace: Workspace,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    secret = str(get_runtime(request).settings.secret_key)
    context: dict[str, Any] = {
        "slug": workspace.slug,
        "workspace_name": workspace.name,
        "form_token": webform.form_token(secret, workspace.slug),
        "values": {key: (values or {}).get(key, "") for key in LIMITS},
        "limits": LIMITS,
        "error": error,
        "ticket_number": None,
    }
    return render(
        request, "channels/support.html", context, status_code=status_code, headers=headers
    )


@router.get("/support/{workspace_slug}", response_class=HTMLResponse)
def support_form(request: Request, workspace_slug: str, session: DbSession) -> HTMLResponse:
    workspace = webform.open_support_workspace(session, workspace_slug)
    _use_visitor_language(request, workspace)
    return _form(request, workspace)


def _stored_attachment(
    request: Request, session: DbSession, workspace: Workspace, upload: UploadFile | None
) -> list[int]:
    if upload is None or not upload.filename:
        return []
    settings = get_runtime(request).settings
    limit = int(settings.attachment_max_bytes)
    content = upload.file.read(limit + 1)
    if not content:
        return []
    attachment = store_attachment(
        session,
        store=AttachmentStore(settings.data_dir / "attachments"),
        workspace_id=workspace.id,
        filename=upload.filename,
        content_type=upload.content_type or "application/octet-stream",
        content=content,
        max_bytes=limit,
    )
    return [attachment.id]


@router.post("/support/{workspace_slug}", response_class=HTMLResponse)
def support_submit(
    request: Request,
    workspace_slug: str,
    session: DbSession,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    website: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form()] = "",
    attachment: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    workspace = webform.open_support_workspace(session, workspace_slug)
    _use_visitor_language(request, workspace)
    values = {"name": name, "email": email, "subject": subject, "description": description}
    client = request.client.host if request.client else None
    decision = webform.submission_limiter(request.app.state).hit(
        webform.limiter_key(workspace.slug, client)
    )
    if not decision.allowed:
        return _form(
            request,
            workspace,
            values=values,
            error=webform.RATE_LIMITED,
            status_code=429,
            headers={"Retry-After": str(decision.retry_after)},
        )
    if any(len(values[key]) > limit for key, limit in LIMITS.items()):
        return _form(request, workspace, values=values, error=TOO_LONG, status_code=400)
    support_request = webform.SupportRequest(
        name=name, email=email, subject=subject, description=description, honeypot=website
    )
    secret = str(get_runtime(request).settings.secret_key)
    try:
        webform.check_form_token(secret, workspace.slug, form_token)
        webform.check_content(support_request)
        attachment_ids = _stored_attachment(request, session, workspace, attachment)
        result = webform.submit_support_request(
            session, workspace=workspace, request=support_request, attachment_ids=attachment_ids
        )
    except webform.FormRejected as exc:
        return _form(request, workspace, values=values, error=exc.message, status_code=400)
    except AttachmentTooLarge:
        return _form(request, workspace, values=values, error=ATTACHMENT_TOO_LARGE, status_code=400)
    except DomainError:
        return _form(request, workspace, values=values, error=webform.NOT_ACCEPTED, status_code=400)
    if result.created_ticket and result.ticket.language is None:
        result.ticket.language = request.state.viewer.language
    return render(
        request,
        "channels/support.html",
        {
            "slug": workspace.slug,
            "workspace_name": workspace.name,
            "ticket_number": result.ticket.number,
            "error": None,
        },
    )


_EN = [
    "Contact support",
    "Thank you! We received your request.",
    "Your ticket number is {number}.",
    "We will reply by email.",
    "Leave this field empty",
    "Your name",
    "Email",
    "Subject",
    "How can we help?",
    "Attachment (optional)",
    "Send",
    webform.TOO_FAST,
    webform.EXPIRED,
    webform.TOO_MANY_LINKS,
    webform.NOT_ACCEPTED,
    webform.MISSING_FIELDS,
    webform.BAD_EMAIL,
    webform.RATE_LIMITED,
    TOO_LONG,
    ATTACHMENT_TOO_LARGE,
]

MESSAGES: dict[str, dict[str, str]] = {
    "en": {m: m for m in _EN},
    "it": dict(
        zip(
            _EN,
            [
                "Contatta l'assistenza",
                "Grazie! Abbiamo ricevuto la tua richiesta.",
                "Il numero del tuo ticket è {number}.",
                "Ti risponderemo via email.",
                "Lascia vuoto questo campo",
                "Il tuo nome",
                "Email",
                "Oggetto",
                "Come possiamo aiutarti?",
                "Allegato (facoltativo)",
                "Invia",
                "Il modulo è stato inviato troppo in fretta. Attendi un momento e invialo di nuovo.",
                "Il modulo è scaduto. Invialo di nuovo.",
                "Il tuo messaggio contiene troppi link.",
                "Non è stato possibile inviare il tuo messaggio.",
                "Compila tutti i campi.",
                "Inserisci un indirizzo email valido.",
                "Troppe richieste. Riprova tra qualche minuto.",
                "Il tuo messaggio è troppo lungo.",
                "L'allegato è troppo grande.",
            ],
            strict=True,
        )
    ),
    "zh": dict(
        zip(
            _EN,
            [
                "联系客服",
                "谢谢！我们已收到您的请求。",
                "您的工单编号是 {number}。",
                "我们会通过电子邮件回复您。",
                "请勿填写此字段",
                "您的姓名",
                "电子邮件",
                "主题",
                "我们能为您做些什么？",
                "附件（可选）",
                "发送",
                "表单提交过快。请稍候再重新提交。",
                "表单已过期。请重新提交。",
                "您的消息包含的链接过多。",
                "无法发送您的消息。",
                "请填写所有字段。",
                "请输入有效的电子邮件地址。",
                "请求过多。请几分钟后再试。",
                "您的消息过长。",
                "附件过大。",
            ],
            strict=True,
        )
    ),
    "id": dict(
        zip(
            _EN,
            [
                "Hubungi dukungan",
                "Terima kasih! Kami telah menerima permintaan Anda.",
                "Nomor tiket Anda adalah {number}.",
                "Kami akan membalas melalui email.",
                "Biarkan kolom ini kosong",
                "Nama Anda",
                "Email",
                "Subjek",
                "Apa yang bisa kami bantu?",
                "Lampiran (opsional)",
                "Kirim",
                "Formulir ini dikirim terlalu cepat. Tunggu sebentar lalu kirim lagi.",
                "Formulir ini sudah kedaluwarsa. Silakan kirim lagi.",
                "Pesan Anda berisi terlalu banyak tautan.",
                "Pesan Anda tidak dapat dikirim.",
                "Harap isi semua kolom.",
                "Masukkan alamat email yang valid.",
                "Terlalu banyak permintaan. Coba lagi dalam beberapa menit.",
                "Pesan Anda terlalu panjang.",
                "Lampiran terlalu besar.",
            ],
            strict=True,
        )
    ),
}
