"""The topic explorer's UI messages in every language of the shell (en, it, zh, id)."""

from __future__ import annotations

from cxhub.web.i18n import catalogues_from_rows

_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("Topics", "Argomenti", "话题", "Topik"),
    ("Topic", "Argomento", "话题", "Topik"),
    ("Topic explorer", "Esplora argomenti", "话题浏览", "Penjelajah topik"),
    ("Texts", "Testi", "文本", "Teks"),
    ("Last 35 days", "Ultimi 35 giorni", "最近 35 天", "35 hari terakhir"),
    ("Negative", "Negativo", "负面", "Negatif"),
    ("Trending", "In crescita", "上升中", "Sedang naik"),
    ("Ignored", "Ignorato", "已忽略", "Diabaikan"),
    ("Keywords", "Parole chiave", "关键词", "Kata kunci"),
    ("Intent", "Intento", "意图", "Maksud"),
    ("Language", "Lingua", "语言", "Bahasa"),
    ("Name", "Nome", "名称", "Nama"),
    ("Rename", "Rinomina", "重命名", "Ganti nama"),
    ("Ignore", "Ignora", "忽略", "Abaikan"),
    ("Restore", "Ripristina", "恢复", "Pulihkan"),
    ("Merge into", "Unisci a", "合并到", "Gabungkan ke"),
    ("Merge", "Unisci", "合并", "Gabungkan"),
    ("Examples", "Esempi", "示例", "Contoh"),
    ("Ticket", "Ticket", "工单", "Tiket"),
    ("Repeat contacts", "Contatti ripetuti", "重复联系", "Kontak berulang"),
    ("Contacts", "Contatti", "联系次数", "Kontak"),
    ("Accounts", "Aziende", "客户公司", "Akun"),
    ("Download CSV", "Scarica CSV", "下载 CSV", "Unduh CSV"),
    ("Topic saved.", "Argomento salvato.", "话题已保存。", "Topik disimpan."),
    ("Topics merged.", "Argomenti uniti.", "话题已合并。", "Topik digabungkan."),
    ("Topic split.", "Argomento diviso.", "话题已拆分。", "Topik dipecah."),
    (
        "Split into sub-topics",
        "Dividi in sotto-argomenti",
        "拆分为子话题",
        "Pecah menjadi subtopik",
    ),
    ("Split", "Dividi", "拆分", "Pecah"),
    (
        "Move to a new topic",
        "Sposta in un nuovo argomento",
        "移到新话题",
        "Pindahkan ke topik baru",
    ),
    ("New topic title", "Titolo del nuovo argomento", "新话题标题", "Judul topik baru"),
    (
        "No topics yet: run a discovery.",
        "Ancora nessun argomento: avvia una scoperta.",
        "暂无话题：请运行发现。",
        "Belum ada topik: jalankan penemuan.",
    ),
    ("Discover topics", "Scopri argomenti", "发现话题", "Temukan topik"),
    (
        "Discovery queued.",
        "Scoperta messa in coda.",
        "发现任务已排队。",
        "Penemuan dimasukkan antrean.",
    ),
    ("No examples.", "Nessun esempio.", "暂无示例。", "Tidak ada contoh."),
    ("All topics", "Tutti gli argomenti", "所有话题", "Semua topik"),
)

MESSAGES = catalogues_from_rows(_ROWS)
