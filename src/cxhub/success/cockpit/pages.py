"""The CSM cockpit page (`/success/cockpit`) and its task-completion form."""

from __future__ import annotations

from typing import Annotated

from babel.numbers import format_currency
from babel.units import format_unit
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound
from cxhub.core.permissions import Permission, Role
from cxhub.success.cockpit.service import RENEWAL_WINDOWS, cockpit
from cxhub.success.tasks import service as tasks
from cxhub.web.auth import CsrfProtected, page_permission
from cxhub.web.flash import add_flash
from cxhub.web.i18n import Catalogue
from cxhub.web.shell import NavItem, Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (
    NavItem(
        "Cockpit",
        "/success/cockpit",
        Permission.SUCCESS_READ,
        order=4,
        roles=frozenset({Role.CSM, Role.ADMIN}),
        icon="chart",
    ),
)

CanRead = Annotated[Viewer, page_permission(Permission.SUCCESS_READ)]
CanWrite = Annotated[Viewer, page_permission(Permission.SUCCESS_WRITE)]

TASK_DONE = "Task completed."
TASK_GONE = "That task no longer exists."
FLASH_MESSAGES = (TASK_DONE, TASK_GONE)


def _principal_ids(viewer: Viewer) -> tuple[int, int]:
    assert viewer.principal is not None  # page_permission admitted a signed-in viewer
    return viewer.principal.workspace_id, viewer.principal.user_id


@router.get("/success/cockpit", response_class=HTMLResponse)
def cockpit_page(request: Request, session: DbSession, viewer: CanRead) -> HTMLResponse:
    workspace_id, user_id = _principal_ids(viewer)
    today = viewer.fmt.local(utcnow()).date()
    view = cockpit(session, workspace_id=workspace_id, owner_id=user_id, today=today)
    translate = request.app.state.web_shell.translator(viewer.language)
    locale = viewer.fmt.locale

    def money(cents: int, currency: str) -> str:
        return str(format_currency(cents / 100, currency, locale=locale))

    def days_label(days: int) -> str:
        """ "1 day", "27 days" in the viewer's language (CLDR plural rules)."""
        return str(format_unit(days, "duration-day", length="long", locale=locale))

    labels = {
        30: translate("Due within 30 days"),
        60: translate("Due in 30–60 days"),
        90: translate("Due in 60–90 days"),
    }
    assert set(labels) == set(RENEWAL_WINDOWS)
    return render(
        request,
        "success/cockpit.html",
        {
            "cockpit": view,
            "money": money,
            "days_label": days_label,
            "renewal_labels": labels,
            "priority_labels": {"high": translate("High"), "urgent": translate("Urgent")},
        },
    )


@router.post("/success/cockpit/tasks/{task_id}/complete", dependencies=[CsrfProtected])
def complete_task(
    request: Request, task_id: int, session: DbSession, viewer: CanWrite
) -> RedirectResponse:
    _, user_id = _principal_ids(viewer)
    response = RedirectResponse("/success/cockpit", status_code=303)
    try:
        tasks.complete_task(session, task_id=task_id, by_user_id=user_id)
    except NotFound:
        add_flash(request, response, TASK_GONE, "error")
        return response
    add_flash(request, response, TASK_DONE, "success")
    return response


#: The cockpit's own messages in every language of the shell.
MESSAGES: dict[str, Catalogue] = {
    "en": {
        "ARR": "ARR",
        "ARR {amount}": "ARR {amount}",
        "CSM cockpit": "CSM cockpit",
        "Cockpit": "Cockpit",
        "Complete": "Complete",
        "Complete task: {title}": "Complete task: {title}",
        "Due in 30–60 days": "Due in 30–60 days",
        "Due in 60–90 days": "Due in 60–90 days",
        "Due in the next 7 days": "Due in the next 7 days",
        "Due within 30 days": "Due within 30 days",
        "Health": "Health",
        "High": "High",
        "My accounts": "My accounts",
        "My accounts, at-risk first": "My accounts, at-risk first",
        "Next renewal": "Next renewal",
        "No renewal in this window.": "No renewal in this window.",
        "No task due this week.": "No task due this week.",
        "Not scored": "Not scored",
        "Nothing overdue.": "Nothing overdue.",
        "Open tasks": "Open tasks",
        "Overdue": "Overdue",
        "Plan": "Plan",
        "Renewals": "Renewals",
        "Renews on": "Renews on",
        "Score": "Score",
        "Showing your first {count} accounts.": "Showing your first {count} accounts.",
        "Task completed.": "Task completed.",
        "Tasks": "Tasks",
        "That task no longer exists.": "That task no longer exists.",
        "Urgent": "Urgent",
        "You own no accounts yet.": "You own no accounts yet.",
        "Your accounts, renewals and tasks, at-risk first.": "Your accounts, renewals and tasks, at-risk first.",
        "due {day}": "due {day}",
        "from a playbook": "from a playbook",
        "in {period}": "in {period}",
    },
    "it": {
        "ARR": "ARR",
        "ARR {amount}": "ARR {amount}",
        "CSM cockpit": "Cruscotto CSM",
        "Cockpit": "Cruscotto",
        "Complete": "Completa",
        "Complete task: {title}": "Completa l'attività: {title}",
        "Due in 30–60 days": "In scadenza tra 30 e 60 giorni",
        "Due in 60–90 days": "In scadenza tra 60 e 90 giorni",
        "Due in the next 7 days": "In scadenza nei prossimi 7 giorni",
        "Due within 30 days": "In scadenza entro 30 giorni",
        "Health": "Salute",
        "High": "Alta",
        "My accounts": "I miei account",
        "My accounts, at-risk first": "I miei account, prima quelli a rischio",
        "Next renewal": "Prossimo rinnovo",
        "No renewal in this window.": "Nessun rinnovo in questo periodo.",
        "No task due this week.": "Nessuna attività in scadenza questa settimana.",
        "Not scored": "Senza punteggio",
        "Nothing overdue.": "Niente in ritardo.",
        "Open tasks": "Attività aperte",
        "Overdue": "In ritardo",
        "Plan": "Piano",
        "Renewals": "Rinnovi",
        "Renews on": "Si rinnova il",
        "Score": "Punteggio",
        "Showing your first {count} accounts.": "Sono mostrati i tuoi primi {count} account.",
        "Task completed.": "Attività completata.",
        "Tasks": "Attività",
        "That task no longer exists.": "Questa attività non esiste più.",
        "Urgent": "Urgente",
        "You own no accounts yet.": "Non sei ancora responsabile di alcun account.",
        "Your accounts, renewals and tasks, at-risk first.": "I tuoi account, rinnovi e attività, prima quelli a rischio.",
        "due {day}": "scade il {day}",
        "from a playbook": "da un playbook",
        "in {period}": "tra {period}",
    },
    "zh": {
        "ARR": "年度经常性收入",
        "ARR {amount}": "年度经常性收入 {amount}",
        "CSM cockpit": "客户成功工作台",
        "Cockpit": "工作台",
        "Complete": "完成",
        "Complete task: {title}": "完成任务：{title}",
        "Due in 30–60 days": "30–60 天内到期",
        "Due in 60–90 days": "60–90 天内到期",
        "Due in the next 7 days": "未来 7 天内到期",
        "Due within 30 days": "30 天内到期",
        "Health": "健康度",
        "High": "高",
        "My accounts": "我的客户",
        "My accounts, at-risk first": "我的客户（风险优先）",
        "Next renewal": "下次续约",
        "No renewal in this window.": "此期间没有续约。",
        "No task due this week.": "本周没有到期的任务。",
        "Not scored": "未评分",
        "Nothing overdue.": "没有逾期任务。",
        "Open tasks": "未完成任务",
        "Overdue": "已逾期",
        "Plan": "套餐",
        "Renewals": "续约",
        "Renews on": "续约日期",
        "Score": "分数",
        "Showing your first {count} accounts.": "仅显示你的前 {count} 个客户。",
        "Task completed.": "任务已完成。",
        "Tasks": "任务",
        "That task no longer exists.": "该任务已不存在。",
        "Urgent": "紧急",
        "You own no accounts yet.": "你还没有负责的客户。",
        "Your accounts, renewals and tasks, at-risk first.": "你的客户、续约和任务，风险优先。",
        "due {day}": "{day} 到期",
        "from a playbook": "来自行动手册",
        "in {period}": "{period}后",
    },
    "id": {
        "ARR": "ARR",
        "ARR {amount}": "ARR {amount}",
        "CSM cockpit": "Kokpit CSM",
        "Cockpit": "Kokpit",
        "Complete": "Selesaikan",
        "Complete task: {title}": "Selesaikan tugas: {title}",
        "Due in 30–60 days": "Jatuh tempo dalam 30–60 hari",
        "Due in 60–90 days": "Jatuh tempo dalam 60–90 hari",
        "Due in the next 7 days": "Jatuh tempo dalam 7 hari ke depan",
        "Due within 30 days": "Jatuh tempo dalam 30 hari",
        "Health": "Kesehatan",
        "High": "Tinggi",
        "My accounts": "Akun saya",
        "My accounts, at-risk first": "Akun saya, yang berisiko lebih dulu",
        "Next renewal": "Perpanjangan berikutnya",
        "No renewal in this window.": "Tidak ada perpanjangan dalam rentang ini.",
        "No task due this week.": "Tidak ada tugas yang jatuh tempo minggu ini.",
        "Not scored": "Belum dinilai",
        "Nothing overdue.": "Tidak ada yang terlambat.",
        "Open tasks": "Tugas terbuka",
        "Overdue": "Terlambat",
        "Plan": "Paket",
        "Renewals": "Perpanjangan",
        "Renews on": "Diperpanjang pada",
        "Score": "Skor",
        "Showing your first {count} accounts.": "Menampilkan {count} akun pertama Anda.",
        "Task completed.": "Tugas selesai.",
        "Tasks": "Tugas",
        "That task no longer exists.": "Tugas itu sudah tidak ada.",
        "Urgent": "Mendesak",
        "You own no accounts yet.": "Anda belum memiliki akun.",
        "Your accounts, renewals and tasks, at-risk first.": "Akun, perpanjangan, dan tugas Anda, yang berisiko lebih dulu.",
        "due {day}": "jatuh tempo {day}",
        "from a playbook": "dari playbook",
        "in {period}": "dalam {period}",
    },
}
