"""The CX dashboard's UI messages in every language of the shell (en, it, zh, id)."""

from __future__ import annotations

from cxhub.web.i18n import catalogues_from_rows

_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("Customer experience", "Esperienza cliente", "客户体验", "Pengalaman pelanggan"),
    ("Experience", "Esperienza", "体验", "Pengalaman"),
    ("Repeat window", "Finestra di ripetizione", "重复窗口", "Jendela pengulangan"),
    ("{days} days", "{days} giorni", "{days} 天", "{days} hari"),
    (
        "Choose a repeat window from the list.",
        "Scegli una finestra di ripetizione dall'elenco.",
        "请从列表中选择重复窗口。",
        "Pilih jendela pengulangan dari daftar.",
    ),
    ("Connected experience", "Esperienza connessa", "互联体验", "Pengalaman terhubung"),
    (
        "Connected-experience score",
        "Punteggio di esperienza connessa",
        "互联体验得分",
        "Skor pengalaman terhubung",
    ),
    (
        "0–100, higher is better",
        "0–100, più alto è meglio",
        "0–100，越高越好",
        "0–100, makin tinggi makin baik",
    ),
    ("Repeat contact rate", "Tasso di contatti ripetuti", "重复联系率", "Tingkat kontak berulang"),
    (
        "{count} of {total} tickets",
        "{count} di {total} ticket",
        "{total} 个工单中的 {count} 个",
        "{count} dari {total} tiket",
    ),
    ("Channel switching", "Cambio di canale", "渠道切换", "Perpindahan kanal"),
    ("Repeated information", "Informazioni ripetute", "重复提供的信息", "Informasi berulang"),
    (
        "First-contact resolution",
        "Risoluzione al primo contatto",
        "首次联系解决率",
        "Penyelesaian kontak pertama",
    ),
    (
        "{count} of {total} solved",
        "{count} di {total} risolti",
        "{total} 个已解决中的 {count} 个",
        "{count} dari {total} terselesaikan",
    ),
    (
        "A repeat is another ticket of the same customer on the same topic within {days} days.",
        "Una ripetizione è un altro ticket dello stesso cliente sullo stesso argomento entro {days} giorni.",
        "重复是指同一客户在 {days} 天内就同一主题提交的另一个工单。",
        "Pengulangan adalah tiket lain dari pelanggan yang sama dengan topik yang sama dalam {days} hari.",
    ),
    (
        "Customers with the lowest score",
        "Clienti con il punteggio più basso",
        "得分最低的客户",
        "Pelanggan dengan skor terendah",
    ),
    ("Customer", "Cliente", "客户", "Pelanggan"),
    ("Score", "Punteggio", "得分", "Skor"),
    ("Tickets", "Ticket", "工单", "Tiket"),
    (
        "Connected experience by week",
        "Esperienza connessa per settimana",
        "每周互联体验",
        "Pengalaman terhubung per minggu",
    ),
    ("Score / percent", "Punteggio / percentuale", "得分 / 百分比", "Skor / persen"),
    ("Sentiment by channel", "Sentiment per canale", "各渠道情感", "Sentimen per kanal"),
    ("Messages", "Messaggi", "消息", "Pesan"),
    ("Positive", "Positivo", "正面", "Positif"),
    ("Neutral", "Neutro", "中性", "Netral"),
    ("Negative", "Negativo", "负面", "Negatif"),
    ("CSAT by week", "CSAT per settimana", "每周 CSAT", "CSAT per minggu"),
    ("Percent", "Percentuale", "百分比", "Persen"),
    ("NPS by week", "NPS per settimana", "每周 NPS", "NPS per minggu"),
    ("NPS", "NPS", "NPS", "NPS"),
    ("CSAT and NPS", "CSAT e NPS", "CSAT 和 NPS", "CSAT dan NPS"),
    ("Top negative topics", "Argomenti più negativi", "负面最多的主题", "Topik paling negatif"),
    ("Topic", "Argomento", "主题", "Topik"),
    ("Negative messages", "Messaggi negativi", "负面消息", "Pesan negatif"),
    ("Negative share", "Quota negativa", "负面占比", "Porsi negatif"),
)

MESSAGES: dict[str, dict[str, str]] = catalogues_from_rows(_ROWS)
