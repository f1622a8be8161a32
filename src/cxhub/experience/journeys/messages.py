"""Messages of the journey pages: English message ids with Italian, Chinese and Indonesian
translations, one row per message (`web.i18n.catalogues_from_rows`)."""

from __future__ import annotations

from cxhub.web.i18n import catalogues_from_rows

ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("Journeys", "Percorsi", "客户旅程", "Perjalanan"),
    ("Customer journeys", "Percorsi dei clienti", "客户旅程", "Perjalanan pelanggan"),
    ("New journey", "Nuovo percorso", "新建旅程", "Perjalanan baru"),
    ("Edit journey", "Modifica percorso", "编辑旅程", "Ubah perjalanan"),
    ("Name", "Nome", "名称", "Nama"),
    ("Description", "Descrizione", "描述", "Deskripsi"),
    ("Stages", "Fasi", "阶段", "Tahap"),
    ("Active", "Attivo", "启用", "Aktif"),
    ("Save", "Salva", "保存", "Simpan"),
    ("Edit", "Modifica", "编辑", "Ubah"),
    ("Analytics", "Analisi", "分析", "Analitik"),
    ("Journey saved.", "Percorso salvato.", "旅程已保存。", "Perjalanan disimpan."),
    (
        "No journey yet. Create one to see how customers move through their stages.",
        "Ancora nessun percorso. Creane uno per vedere come i clienti attraversano le fasi.",
        "还没有旅程。创建一个，查看客户如何经过各个阶段。",
        "Belum ada perjalanan. Buat satu untuk melihat bagaimana pelanggan melewati tahapnya.",
    ),
    (
        'Stages and rules as JSON: a list of {"key", "name", "rules"}. Leave empty for the seven default stages.',
        'Fasi e regole in JSON: una lista di {"key", "name", "rules"}. Lascia vuoto per le sette fasi predefinite.',
        '以 JSON 表示的阶段和规则：{"key", "name", "rules"} 的列表。留空则使用七个默认阶段。',
        'Tahap dan aturan sebagai JSON: daftar {"key", "name", "rules"}. Kosongkan untuk tujuh tahap bawaan.',
    ),
    (
        "The stages are not valid JSON.",
        "Le fasi non sono JSON valido.",
        "阶段不是有效的 JSON。",
        "Tahap bukan JSON yang valid.",
    ),
    ("From", "Dal", "从", "Dari"),
    ("Until", "Al", "至", "Sampai"),
    ("Show", "Mostra", "显示", "Tampilkan"),
    ("Funnel", "Imbuto", "漏斗", "Corong"),
    ("Touchpoint paths", "Percorsi dei punti di contatto", "触点路径", "Jalur titik kontak"),
    ("Time in stage", "Tempo nella fase", "阶段停留时间", "Waktu di tahap"),
    ("Stage", "Fase", "阶段", "Tahap"),
    ("Reached", "Raggiunta", "到达", "Dicapai"),
    (
        "Conversion to next",
        "Conversione alla successiva",
        "转化到下一阶段",
        "Konversi ke berikutnya",
    ),
    ("Drop-off", "Abbandoni", "流失", "Berhenti"),
    ("Entered", "Entrati", "进入", "Masuk"),
    ("Left", "Usciti", "离开", "Keluar"),
    ("Median", "Mediana", "中位数", "Median"),
    ("90th percentile", "90° percentile", "第 90 百分位", "Persentil ke-90"),
    (
        "NPS and sentiment by stage",
        "NPS e sentiment per fase",
        "各阶段的 NPS 与情感",
        "NPS dan sentimen per tahap",
    ),
    (
        "NPS and sentiment by touchpoint",
        "NPS e sentiment per punto di contatto",
        "各触点的 NPS 与情感",
        "NPS dan sentimen per titik kontak",
    ),
    ("Channel", "Canale", "渠道", "Kanal"),
    ("Touchpoint", "Punto di contatto", "触点", "Titik kontak"),
    ("Touchpoints", "Punti di contatto", "触点", "Titik kontak"),
    ("Responses", "Risposte", "回复", "Tanggapan"),
    ("NPS", "NPS", "NPS", "NPS"),
    ("Mean sentiment", "Sentiment medio", "平均情感", "Sentimen rata-rata"),
    ("Most common paths", "Percorsi più comuni", "最常见路径", "Jalur paling umum"),
    ("Customers", "Clienti", "客户", "Pelanggan"),
    ("Path", "Percorso", "路径", "Jalur"),
    ("Step {n}", "Passo {n}", "第 {n} 步", "Langkah {n}"),
    ("No data yet.", "Ancora nessun dato.", "暂无数据。", "Belum ada data."),
    ("Show the data", "Mostra i dati", "显示数据", "Tampilkan data"),
    (
        "Enter dates as year-month-day.",
        "Inserisci le date come anno-mese-giorno.",
        "请按 年-月-日 输入日期。",
        "Masukkan tanggal sebagai tahun-bulan-hari.",
    ),
)

MESSAGES = catalogues_from_rows(ROWS)
