"""Data-subject requests in the web UI: from a contact's page, download everything held on the
person (art. 15/20) or erase them (art. 17); admins see the erasure log at `/privacy`.

The same services as the API (`privacy.service`, `privacy.erasure`) do the work and write the
audit entries; both actions are POST forms with the CSRF token, so a link or an image cannot
trigger them, and erasing asks for the contact's number to be typed, like the API's `confirm`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.errors import Conflict
from cxhub.core.permissions import Permission, Role
from cxhub.customers.contacts import service as contacts
from cxhub.customers.contacts.schemas import ContactOut
from cxhub.privacy import erasure, service
from cxhub.privacy.models import ErasureRecord
from cxhub.web.auth import CsrfProtected, page_permission
from cxhub.web.flash import add_flash
from cxhub.web.i18n import catalogues_from_rows
from cxhub.web.shell import NavItem, Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (
    NavItem(
        "Privacy",
        "/privacy",
        Permission.PRIVACY_MANAGE,
        order=95,
        roles=frozenset({Role.ADMIN}),
        icon="lock",
    ),
)

CanExport = Annotated[Viewer, page_permission(Permission.DATA_EXPORT)]
CanErase = Annotated[Viewer, page_permission(Permission.PRIVACY_MANAGE)]

ERASED = "The contact's personal data was erased."
NOT_CONFIRMED = "Type the contact's number to confirm the erasure."
ALREADY_ERASED = "This contact was already erased."
RECENT_ERASURES = 50


def _actor(viewer: Viewer) -> int:
    assert viewer.principal is not None  # page_permission admitted a signed-in viewer
    return viewer.principal.user_id


@router.get("/contacts/{contact_id}/privacy", response_class=HTMLResponse)
def contact_privacy_page(
    request: Request, contact_id: int, session: DbSession, viewer: CanExport
) -> HTMLResponse:
    contact = contacts.get_contact(session, contact_id=contact_id)
    return render(
        request,
        "privacy/contact.html",
        {"contact": ContactOut.of(contact), "can_erase": viewer.can(Permission.PRIVACY_MANAGE)},
    )


@router.post("/contacts/{contact_id}/privacy/export", dependencies=[CsrfProtected])
def download_export(
    request: Request, contact_id: int, session: DbSession, viewer: CanExport
) -> Response:
    """The same JSON document as `GET /api/v1/contacts/{id}/export`, as a file download."""
    document = service.export_contact(
        session,
        contact_id=contact_id,
        actor_user_id=_actor(viewer),
        data_dir=get_runtime(request).settings.data_dir,
    )
    return Response(
        document.model_dump_json(indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="contact-{document.contact.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/contacts/{contact_id}/privacy/erase", dependencies=[CsrfProtected])
def erase_from_page(
    request: Request,
    contact_id: int,
    session: DbSession,
    viewer: CanErase,
    confirm: Annotated[str, Form(max_length=30)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    if confirm.strip().lstrip("#") != str(contact_id):
        response = RedirectResponse(f"/contacts/{contact_id}/privacy", status_code=303)
        add_flash(request, response, NOT_CONFIRMED, "error")
        return response
    try:
        record = erasure.erase_contact(
            session,
            contact_id=contact_id,
            actor_user_id=_actor(viewer),
            data_dir=get_runtime(request).settings.data_dir,
            reason=reason.strip() or None,
            failed_jobs_kept=get_runtime(request).settings.jobs_backend == "redis",
        )
    except Conflict:
        response = RedirectResponse("/privacy", status_code=303)
        add_flash(request, response, ALREADY_ERASED, "error")
        return response
    response = RedirectResponse(f"/privacy#erasure-{record.id}", status_code=303)
    add_flash(request, response, ERASED, "success")
    return response


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(request: Request, session: DbSession, viewer: CanErase) -> HTMLResponse:
    """The erasure log: who erased which contact number, when, and what was removed."""
    erasures = list(
        session.scalars(
            select(ErasureRecord).order_by(ErasureRecord.id.desc()).limit(RECENT_ERASURES)
        )
    )
    return render(request, "privacy/index.html", {"erasures": erasures})


_ENGLISH = (
    "Privacy",
    "Data-subject requests",
    "Download everything held",
    "A JSON file with the profile, timeline, tickets with every message, surveys, subscriptions, "
    "usage events and e-mails of this person. The download is recorded in the audit log.",
    "Download JSON",
    "Erase this person",
    "Personal data is removed or anonymised everywhere: profile, timeline, messages, "
    "attachments, survey comments, usage events. Counts and ratings stay, attributed to an "
    "erased placeholder. This cannot be undone.",
    "Type the contact's number ({number}) to confirm",
    "Reason (optional)",
    "Erase permanently",
    "Erasures",
    "Erasure",
    "Contact",
    "Erased at",
    "Status",
    "What was removed",
    "No contact has been erased in this workspace.",
    "Export or erase personal data",
    "files pending",
    "complete",
    ERASED,
    NOT_CONFIRMED,
    ALREADY_ERASED,
)

_ITALIAN = (
    "Privacy",
    "Richieste degli interessati",
    "Scarica tutti i dati conservati",
    "Un file JSON con profilo, cronologia, ticket con ogni messaggio, sondaggi, abbonamenti, "
    "eventi di utilizzo ed e-mail di questa persona. Il download viene registrato nel registro "
    "di controllo.",
    "Scarica JSON",
    "Cancella questa persona",
    "I dati personali vengono rimossi o resi anonimi ovunque: profilo, cronologia, messaggi, "
    "allegati, commenti ai sondaggi, eventi di utilizzo. Conteggi e valutazioni restano, "
    "attribuiti a un segnaposto cancellato. L'operazione è irreversibile.",
    "Digita il numero del contatto ({number}) per confermare",
    "Motivo (facoltativo)",
    "Cancella definitivamente",
    "Cancellazioni",
    "Cancellazione",
    "Contatto",
    "Cancellato il",
    "Stato",
    "Cosa è stato rimosso",
    "Nessun contatto è stato cancellato in questo spazio di lavoro.",
    "Esporta o cancella i dati personali",
    "file in attesa",
    "completata",
    "I dati personali del contatto sono stati cancellati.",
    "Digita il numero del contatto per confermare la cancellazione.",
    "Questo contatto era già stato cancellato.",
)

_CHINESE = (
    "隐私",
    "数据主体请求",
    "下载所保存的全部数据",
    "一个 JSON 文件，包含此人的资料、时间线、工单及每条消息、调查、订阅、使用事件和电子邮件。"
    "下载会记录在审计日志中。",
    "下载 JSON",
    "删除此人",
    "个人数据将在所有位置被删除或匿名化：资料、时间线、消息、附件、调查评论、使用事件。"
    "计数和评分会保留，归属于一个已删除的占位联系人。此操作无法撤销。",
    "输入联系人编号（{number}）以确认",
    "原因（可选）",
    "永久删除",
    "删除记录",
    "删除",
    "联系人",
    "删除时间",
    "状态",
    "删除的内容",
    "此工作区尚未删除任何联系人。",
    "导出或删除个人数据",
    "文件待处理",
    "已完成",
    "该联系人的个人数据已删除。",
    "请输入联系人编号以确认删除。",
    "该联系人已被删除。",
)

_INDONESIAN = (
    "Privasi",
    "Permintaan subjek data",
    "Unduh semua data yang disimpan",
    "Berkas JSON berisi profil, linimasa, tiket beserta setiap pesan, survei, langganan, "
    "peristiwa penggunaan, dan e-mail orang ini. Unduhan dicatat di log audit.",
    "Unduh JSON",
    "Hapus orang ini",
    "Data pribadi dihapus atau dianonimkan di mana pun: profil, linimasa, pesan, lampiran, "
    "komentar survei, peristiwa penggunaan. Jumlah dan penilaian tetap ada, dikaitkan dengan "
    "kontak pengganti yang dihapus. Tindakan ini tidak dapat dibatalkan.",
    "Ketik nomor kontak ({number}) untuk mengonfirmasi",
    "Alasan (opsional)",
    "Hapus permanen",
    "Penghapusan",
    "Penghapusan",
    "Kontak",
    "Dihapus pada",
    "Status",
    "Yang dihapus",
    "Belum ada kontak yang dihapus di ruang kerja ini.",
    "Ekspor atau hapus data pribadi",
    "berkas tertunda",
    "selesai",
    "Data pribadi kontak telah dihapus.",
    "Ketik nomor kontak untuk mengonfirmasi penghapusan.",
    "Kontak ini sudah dihapus sebelumnya.",
)

#: This page's messages in every language of the shell.
MESSAGES: dict[str, dict[str, str]] = catalogues_from_rows(
    list(zip(_ENGLISH, _ITALIAN, _CHINESE, _INDONESIAN, strict=True))
)
