"""The next-best-action panel's UI messages in every language of the shell (en, it, zh, id),
including the rules' reasons (rules.py), which are message ids with `{placeholders}`."""

from __future__ import annotations

from cxhub.web.i18n import catalogues_from_rows

_ROWS: tuple[tuple[str, str, str, str], ...] = (
    (
        "Next best actions",
        "Prossime azioni consigliate",
        "下一步最佳行动",
        "Tindakan terbaik berikutnya",
    ),
    (
        "Show next best actions",
        "Mostra le prossime azioni",
        "显示下一步最佳行动",
        "Tampilkan tindakan berikutnya",
    ),
    ("Reply to the ticket", "Rispondi al ticket", "回复工单", "Balas tiket"),
    ("Call the detractor", "Chiama il detrattore", "致电贬损者", "Telepon detraktor"),
    ("Start the renewal", "Avvia il rinnovo", "启动续约", "Mulai perpanjangan"),
    ("Re-engage", "Riallaccia il rapporto", "重新互动", "Libatkan kembali"),
    ("Offer more seats", "Offri più postazioni", "提供更多席位", "Tawarkan kursi tambahan"),
    ("Send the guide", "Invia la guida", "发送指南", "Kirim panduan"),
    (
        "Ticket #{number} has breached its SLA: reply now.",
        "Il ticket #{number} ha superato lo SLA: rispondi ora.",
        "工单 #{number} 已违反 SLA：请立即回复。",
        "Tiket #{number} melanggar SLA: balas sekarang.",
    ),
    (
        "Ticket #{number} is due within {hours} hours: reply before it breaches.",
        "Il ticket #{number} scade entro {hours} ore: rispondi prima che superi lo SLA.",
        "工单 #{number} 将在 {hours} 小时内到期：请在违约前回复。",
        "Tiket #{number} jatuh tempo dalam {hours} jam: balas sebelum melanggar.",
    ),
    (
        "Answered NPS {score}: call to hear what went wrong.",
        "Ha risposto NPS {score}: chiama per capire cosa non è andato.",
        "NPS 评分为 {score}：致电了解问题所在。",
        "Menjawab NPS {score}: telepon untuk mendengar apa yang salah.",
    ),
    (
        "Renews on {renewal_on} ({days_left} days): start the renewal conversation.",
        "Si rinnova il {renewal_on} (tra {days_left} giorni): avvia la conversazione di rinnovo.",
        "将于 {renewal_on} 续约（还有 {days_left} 天）：开始续约沟通。",
        "Diperpanjang pada {renewal_on} ({days_left} hari): mulai percakapan perpanjangan.",
    ),
    (
        "{negative} of {texts} recent messages were negative: re-engage.",
        "{negative} di {texts} messaggi recenti erano negativi: riallaccia il rapporto.",
        "最近 {texts} 条消息中有 {negative} 条为负面：请重新互动。",
        "{negative} dari {texts} pesan terbaru bernada negatif: libatkan kembali.",
    ),
    (
        "Uses {active} of {licensed} seats and is healthy: offer more seats.",
        "Usa {active} di {licensed} postazioni ed è in salute: offri più postazioni.",
        "已使用 {licensed} 个席位中的 {active} 个且状况良好：提供更多席位。",
        "Memakai {active} dari {licensed} kursi dan sehat: tawarkan kursi tambahan.",
    ),
    (
        "Has not used {feature}: send the guide \u201c{article_title}\u201d.",
        "Non ha usato {feature}: invia la guida \u201c{article_title}\u201d.",
        "尚未使用 {feature}：发送指南\u201c{article_title}\u201d。",
        "Belum memakai {feature}: kirim panduan \u201c{article_title}\u201d.",
    ),
    ("Taken", "Eseguita", "已执行", "Dilakukan"),
    ("Dismissed", "Scartata", "已忽略", "Diabaikan"),
    ("Snoozed", "Rimandata", "已推迟", "Ditunda"),
    ("Replied", "Risposto", "已回复", "Dibalas"),
    ("Resolved", "Risolto", "已解决", "Terselesaikan"),
    ("Renewed", "Rinnovato", "已续约", "Diperpanjang"),
    ("Expanded", "Ampliato", "已扩展", "Diperluas"),
    ("Re-engaged", "Rapporto ripreso", "已重新互动", "Terlibat kembali"),
    ("Churned", "Perso", "已流失", "Berhenti"),
    ("No response", "Nessuna risposta", "无回应", "Tidak ada respons"),
    ("Other", "Altro", "其他", "Lainnya"),
    ("Score", "Punteggio", "得分", "Skor"),
    ("Open", "Apri", "打开", "Buka"),
    ("Take", "Esegui", "执行", "Lakukan"),
    ("Take: {action}", "Esegui: {action}", "执行：{action}", "Lakukan: {action}"),
    ("Snooze", "Rimanda", "推迟", "Tunda"),
    ("Snooze: {action}", "Rimanda: {action}", "推迟：{action}", "Tunda: {action}"),
    ("Dismiss", "Scarta", "忽略", "Abaikan"),
    ("Dismiss: {action}", "Scarta: {action}", "忽略：{action}", "Abaikan: {action}"),
    (
        "No action needed right now.",
        "Nessuna azione necessaria ora.",
        "目前无需采取行动。",
        "Tidak perlu tindakan saat ini.",
    ),
    ("Recent decisions", "Decisioni recenti", "最近的决定", "Keputusan terbaru"),
    ("Outcome", "Esito", "结果", "Hasil"),
    ("Record outcome", "Registra l'esito", "记录结果", "Catat hasil"),
    (
        "Action marked as taken.",
        "Azione segnata come eseguita.",
        "行动已标记为已执行。",
        "Tindakan ditandai dilakukan.",
    ),
    ("Action dismissed.", "Azione scartata.", "行动已忽略。", "Tindakan diabaikan."),
    (
        "Action snoozed for 7 days.",
        "Azione rimandata di 7 giorni.",
        "行动已推迟 7 天。",
        "Tindakan ditunda 7 hari.",
    ),
    (
        "That action is no longer offered.",
        "Quell'azione non è più proposta.",
        "该行动已不再提供。",
        "Tindakan itu tidak lagi ditawarkan.",
    ),
    ("Outcome recorded.", "Esito registrato.", "结果已记录。", "Hasil dicatat."),
)

MESSAGES: dict[str, dict[str, str]] = catalogues_from_rows(_ROWS)
