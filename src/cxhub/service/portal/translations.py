"""The portal's messages in every UI language (added to the shell's catalogues by its pages).

English ids are the English text, as everywhere in the UI (web/i18n). `tests/service/portal/
test_portal_i18n.py` checks that every message the portal's templates and pages use is here,
in every language, with the same placeholders.
"""

from __future__ import annotations

from cxhub.web.i18n import catalogues_from_rows

_ROWS: list[tuple[str, str, str, str]] = [
    # (English, Italiano, 中文, Bahasa Indonesia)
    ("Skip to content", "Vai al contenuto", "跳到内容", "Langsung ke konten"),
    ("Main", "Principale", "主导航", "Utama"),
    ("Sign in", "Accedi", "登录", "Masuk"),
    ("Sign out", "Esci", "退出", "Keluar"),
    ("Email", "Email", "电子邮件", "Email"),
    (
        "Sign in to follow your requests",
        "Accedi per seguire le tue richieste",
        "登录以跟进您的请求",
        "Masuk untuk mengikuti permintaan Anda",
    ),
    (
        "Enter the email address you write to us from. We will email you a link to sign in, no "
        "password needed.",
        "Inserisci l'indirizzo email da cui ci scrivi. Ti invieremo via email un link per "
        "accedere, senza password.",
        "请输入您给我们写信时使用的电子邮件地址。我们会通过电子邮件向您发送登录链接，无需密码。",
        "Masukkan alamat email yang Anda gunakan untuk menghubungi kami. Kami akan mengirimkan "
        "tautan masuk melalui email, tanpa kata sandi.",
    ),
    (
        "Email me a sign-in link",
        "Inviami un link di accesso",
        "给我发送登录链接",
        "Kirimi saya tautan masuk",
    ),
    ("Sign in to {portal}", "Accedi a {portal}", "登录 {portal}", "Masuk ke {portal}"),
    (
        "If this address belongs to a customer of ours, a sign-in link is on its way.",
        "Se questo indirizzo appartiene a un nostro cliente, un link di accesso è in arrivo.",
        "如果此地址属于我们的客户，登录链接已在发送途中。",
        "Jika alamat ini milik pelanggan kami, tautan masuk sedang dikirim.",
    ),
    (
        "Your sign-in form expired. Please try again.",
        "Il modulo di accesso è scaduto. Riprova.",
        "您的登录表单已过期。请重试。",
        "Formulir masuk Anda kedaluwarsa. Silakan coba lagi.",
    ),
    (
        "Too many requests. Please try again in a few minutes.",
        "Troppe richieste. Riprova tra qualche minuto.",
        "请求过多。请几分钟后再试。",
        "Terlalu banyak permintaan. Silakan coba lagi dalam beberapa menit.",
    ),
    (
        "This sign-in link has expired or was already used. Ask for a new one.",
        "Questo link di accesso è scaduto o è già stato usato. Richiedine uno nuovo.",
        "此登录链接已过期或已被使用。请重新申请。",
        "Tautan masuk ini sudah kedaluwarsa atau sudah digunakan. Minta tautan baru.",
    ),
    ("You are signed out.", "Sei uscito.", "您已退出。", "Anda telah keluar."),
    ("My requests", "Le mie richieste", "我的请求", "Permintaan saya"),
    ("Your surveys", "I tuoi sondaggi", "您的问卷", "Survei Anda"),
    ("New request", "Nuova richiesta", "新请求", "Permintaan baru"),
    ("Which requests", "Quali richieste", "哪些请求", "Permintaan yang mana"),
    ("Mine", "Mie", "我的", "Milik saya"),
    ("My organisation", "La mia organizzazione", "我的组织", "Organisasi saya"),
    ("Subject", "Oggetto", "主题", "Subjek"),
    ("Status", "Stato", "状态", "Status"),
    ("Last update", "Ultimo aggiornamento", "最后更新", "Pembaruan terakhir"),
    (
        "You have no requests yet.",
        "Non hai ancora richieste.",
        "您还没有任何请求。",
        "Anda belum memiliki permintaan.",
    ),
    ("Older requests", "Richieste precedenti", "更早的请求", "Permintaan sebelumnya"),
    ("Newest requests", "Richieste più recenti", "最新的请求", "Permintaan terbaru"),
    ("Received", "Ricevuta", "已收到", "Diterima"),
    ("In progress", "In lavorazione", "处理中", "Sedang diproses"),
    (
        "Waiting for your reply",
        "In attesa di una tua risposta",
        "等待您的回复",
        "Menunggu balasan Anda",
    ),
    ("Solved", "Risolta", "已解决", "Selesai"),
    ("Closed", "Chiusa", "已关闭", "Ditutup"),
    (
        "How can we help?",
        "Come possiamo aiutarti?",
        "我们能为您做些什么？",
        "Apa yang bisa kami bantu?",
    ),
    ("Attachments (optional)", "Allegati (facoltativi)", "附件（可选）", "Lampiran (opsional)"),
    ("Send request", "Invia richiesta", "发送请求", "Kirim permintaan"),
    (
        "Back to my requests",
        "Torna alle mie richieste",
        "返回我的请求",
        "Kembali ke permintaan saya",
    ),
    ("You", "Tu", "您", "Anda"),
    ("Requester", "Richiedente", "请求人", "Pemohon"),
    ("Your reply", "La tua risposta", "您的回复", "Balasan Anda"),
    ("Send reply", "Invia risposta", "发送回复", "Kirim balasan"),
    (
        "This ticket is closed. Open a new request if you need more help.",
        "Questo ticket è chiuso. Apri una nuova richiesta se hai bisogno di altro aiuto.",
        "此工单已关闭。如需更多帮助，请提交新的请求。",
        "Tiket ini sudah ditutup. Buat permintaan baru jika Anda memerlukan bantuan lagi.",
    ),
    ("How did we do?", "Come siamo andati?", "我们做得怎么样？", "Bagaimana layanan kami?"),
    (
        "Your rating: {score} of 5",
        "La tua valutazione: {score} su 5",
        "您的评分：{score}/5",
        "Penilaian Anda: {score} dari 5",
    ),
    (
        "How satisfied are you with the support you received?",
        "Quanto sei soddisfatto dell'assistenza ricevuta?",
        "您对收到的支持服务满意吗？",
        "Seberapa puas Anda dengan dukungan yang Anda terima?",
    ),
    ("Very unsatisfied", "Molto insoddisfatto", "非常不满意", "Sangat tidak puas"),
    ("Unsatisfied", "Insoddisfatto", "不满意", "Tidak puas"),
    ("Neutral", "Neutrale", "一般", "Netral"),
    ("Satisfied", "Soddisfatto", "满意", "Puas"),
    ("Very satisfied", "Molto soddisfatto", "非常满意", "Sangat puas"),
    (
        "Anything you would like to add? (optional)",
        "Vuoi aggiungere qualcosa? (facoltativo)",
        "还有什么想补充的吗？（可选）",
        "Ada yang ingin Anda tambahkan? (opsional)",
    ),
    ("Send rating", "Invia valutazione", "提交评分", "Kirim penilaian"),
    (
        "Please fill in every field.",
        "Compila tutti i campi.",
        "请填写所有字段。",
        "Harap isi semua kolom.",
    ),
    (
        "Your message is too long.",
        "Il tuo messaggio è troppo lungo.",
        "您的消息过长。",
        "Pesan Anda terlalu panjang.",
    ),
    (
        "Your reply was sent.",
        "La tua risposta è stata inviata.",
        "您的回复已发送。",
        "Balasan Anda telah terkirim.",
    ),
    (
        "Thank you for your feedback!",
        "Grazie per il tuo riscontro!",
        "感谢您的反馈！",
        "Terima kasih atas masukan Anda!",
    ),
    (
        "This ticket can no longer be rated.",
        "Questo ticket non può più essere valutato.",
        "此工单已无法评分。",
        "Tiket ini tidak dapat dinilai lagi.",
    ),
    (
        "Attach at most {count} files.",
        "Allega al massimo {count} file.",
        "最多附加 {count} 个文件。",
        "Lampirkan paling banyak {count} berkas.",
    ),
    (
        "This kind of file cannot be attached: {name}.",
        "Questo tipo di file non può essere allegato: {name}.",
        "无法附加此类文件：{name}。",
        "Jenis berkas ini tidak dapat dilampirkan: {name}.",
    ),
    (
        "The attachment is too large.",
        "L'allegato è troppo grande.",
        "附件过大。",
        "Lampiran terlalu besar.",
    ),
]

MESSAGES: dict[str, dict[str, str]] = catalogues_from_rows(_ROWS)
