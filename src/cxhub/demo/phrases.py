"""What customers and staff say in the demo's messages, in the customer's own language.

Message touchpoints (e-mails, chats, SMS, social posts, reviews) carry a short summary written in
the contact's language, chosen by the message's polarity so the text agrees with its sentiment
value — text analytics and sentiment charts then show something coherent. Placeholders:
`{feature}` (a product feature), `{csm}` (the account's CSM) and `{vendor}`.
"""

from __future__ import annotations

import random

Polarity = str  # "pos" | "neu" | "neg"
Catalogue = dict[str, dict[Polarity, tuple[str, ...]]]

_EN: Catalogue = {
    "email.received": {
        "pos": ("Thanks, the new {feature} dashboard is exactly what our team needed.", "Quick note to say {feature} saved us hours this week. Great work!"),
        "neu": ("Could you send the invoice for last month to our finance team?", "How do we add more seats to our plan before the next sprint?"),
        "neg": ("{feature} has been timing out since yesterday and our weekly report is blocked.", "We were charged twice this month, please fix this as soon as possible."),
    },
    "email.sent": {
        "neu": ("Following up on your question about {feature}: here is a short guide.", "Recap of today's call and the next steps we agreed."),
        "onboarding": ("Welcome to {vendor}! Your kickoff with {csm} is booked; here is the checklist.",),
        "renewal": ("Your {vendor} subscription renews next month; {csm} would like to review your plan.",),
    },
    "chat.conversation": {
        "pos": ("Got it working, thanks for the quick help with {feature}!", "Perfect, that fixed the filter. You are all super helpful."),
        "neu": ("Asked how to export a {feature} report to CSV; shared the docs link.", "Wanted to know whether SSO is included in the Business plan."),
        "neg": ("Still cannot log in after the password reset, this is the third time today.", "{feature} shows different numbers than our warehouse. Very frustrating."),
    },
    "sms.sent": {"neu": ("Reminder: your call with {csm} is tomorrow at 10:00. Reply C to confirm.", "Your {vendor} support ticket has been updated. Check your inbox for details.")},
    "sms.received": {
        "pos": ("Confirmed, thanks!",),
        "neu": ("C",),
        "neg": ("Can't make it, please reschedule.",),
    },
    "social.mention": {
        "pos": ("Loving the new {feature} in @{vendor}, our PMs finally agree on the numbers.", "Shoutout to the @{vendor} support team, fixed in 10 minutes."),
        "neu": ("Anyone using @{vendor} {feature} with a Snowflake warehouse?",),
        "neg": ("@{vendor} is down again? {feature} won't load for our whole team.", "Third outage this month @{vendor}, not great."),
    },
    "review.posted": {
        "pos": ("Five stars: {feature} made our product reviews data-driven.", "Easy to set up, and the support team actually answers."),
        "neu": ("Solid analytics tool; pricing gets steep as you add seats.",),
        "neg": ("Powerful but {feature} is slow on large projects and support took days.",),
    },
}  # fmt: skip

_IT: Catalogue = {
    "email.received": {
        "pos": ("Grazie, la nuova dashboard {feature} è proprio quello che ci serviva.", "Volevo dirvi che {feature} ci ha fatto risparmiare ore questa settimana. Ottimo lavoro!"),
        "neu": ("Potete inviare la fattura del mese scorso al nostro ufficio amministrazione?", "Come possiamo aggiungere altre licenze prima del prossimo sprint?"),
        "neg": ("{feature} va in timeout da ieri e il report settimanale è bloccato.", "Ci avete addebitato due volte questo mese, vi prego di sistemare al più presto."),
    },
    "email.sent": {
        "neu": ("In merito alla sua domanda su {feature}, ecco una breve guida.", "Riepilogo della chiamata di oggi e dei prossimi passi concordati."),
        "onboarding": ("Benvenuti in {vendor}! Il kickoff con {csm} è confermato: ecco la checklist.",),
        "renewal": ("L'abbonamento {vendor} si rinnova il mese prossimo; {csm} vorrebbe rivedere il piano con voi.",),
    },
    "chat.conversation": {
        "pos": ("Funziona, grazie per l'aiuto rapido con {feature}!", "Perfetto, il filtro ora va. Siete stati gentilissimi."),
        "neu": ("Chiede come esportare un report {feature} in CSV; inviato il link alla documentazione.", "Vuole sapere se il SSO è incluso nel piano Business."),
        "neg": ("Non riesco ancora ad accedere dopo il reset della password, è la terza volta oggi.", "{feature} mostra numeri diversi dal nostro data warehouse. Molto frustrante."),
    },
    "sms.sent": {"neu": ("Promemoria: la chiamata con {csm} è domani alle 10:00. Risponda C per confermare.",)},
    "sms.received": {"pos": ("Confermato, grazie!",), "neu": ("C",), "neg": ("Non riesco, possiamo spostare?",)},
    "social.mention": {
        "pos": ("Il nuovo {feature} di @{vendor} è fantastico, finalmente i PM concordano sui numeri.", "Complimenti al supporto @{vendor}, risolto in 10 minuti."),
        "neu": ("Qualcuno usa @{vendor} {feature} con BigQuery?",),
        "neg": ("@{vendor} di nuovo giù? {feature} non si carica per tutto il team.",),
    },
    "review.posted": {
        "pos": ("Cinque stelle: con {feature} le nostre decisioni di prodotto si basano sui dati.", "Facile da configurare e il supporto risponde davvero."),
        "neu": ("Buon tool di analytics; il prezzo cresce parecchio con le licenze.",),
        "neg": ("Potente, ma {feature} è lento sui progetti grandi e il supporto ci ha messo giorni.",),
    },
}  # fmt: skip

_ZH: Catalogue = {
    "email.received": {
        "pos": ("谢谢，新的{feature}看板正是我们团队需要的。", "这周{feature}帮我们节省了好几个小时，非常感谢！"),
        "neu": ("请把上个月的发票发给我们财务部门。", "下个迭代前我们怎样增加席位？"),
        "neg": ("{feature}从昨天开始一直超时，我们的周报发不出去。", "这个月被重复扣费了，请尽快处理。"),
    },
    "email.sent": {
        "neu": ("关于您咨询的{feature}问题，附上一份简短的使用指南。", "今天通话的纪要和约定的下一步。"),
        "onboarding": ("欢迎使用{vendor}！您与{csm}的启动会议已确认，附上上线清单。",),
        "renewal": ("您的{vendor}订阅将于下月续约，{csm}希望与您一起回顾方案。",),
    },
    "chat.conversation": {
        "pos": ("已经可以用了，感谢你们对{feature}的快速支持！", "好的，筛选器修好了，你们太给力了。"),
        "neu": ("询问如何把{feature}报表导出为CSV，已发送文档链接。", "想了解商业版是否包含单点登录。"),
        "neg": ("重置密码后还是登录不了，今天已经第三次了。", "{feature}的数据和我们数仓对不上，非常困扰。"),
    },
    "sms.sent": {"neu": ("提醒：您与{csm}的通话定于明天10:00，回复C确认。",)},
    "sms.received": {"pos": ("已确认，谢谢！",), "neu": ("C",), "neg": ("明天没空，能改时间吗？",)},
    "social.mention": {
        "pos": ("@{vendor} 新上线的{feature}太好用了，产品团队终于对数字达成一致。", "点赞 @{vendor} 客服，十分钟就解决了。"),
        "neu": ("有人在用 @{vendor} 的{feature}对接阿里云数仓吗？",),
        "neg": ("@{vendor} 又挂了？整个团队的{feature}都打不开。",),
    },
    "review.posted": {
        "pos": ("五星推荐：{feature}让我们的产品决策有了数据依据。", "上手简单，客服响应也很及时。"),
        "neu": ("分析功能扎实，但席位多了价格偏高。",),
        "neg": ("功能强大，但大项目里{feature}很慢，客服几天才回复。",),
    },
}  # fmt: skip

_ID: Catalogue = {
    "email.received": {
        "pos": ("Terima kasih, dashboard {feature} yang baru persis yang dibutuhkan tim kami.", "Minggu ini {feature} menghemat waktu kami berjam-jam. Mantap!"),
        "neu": ("Mohon kirimkan invoice bulan lalu ke tim keuangan kami.", "Bagaimana cara menambah seat sebelum sprint berikutnya?"),
        "neg": ("{feature} timeout sejak kemarin dan laporan mingguan kami tertahan.", "Kami ditagih dua kali bulan ini, mohon segera diperbaiki."),
    },
    "email.sent": {
        "neu": ("Menindaklanjuti pertanyaan Anda tentang {feature}, berikut panduan singkatnya.", "Ringkasan panggilan hari ini dan langkah selanjutnya yang disepakati."),
        "onboarding": ("Selamat datang di {vendor}! Kickoff bersama {csm} sudah dijadwalkan; berikut checklist-nya.",),
        "renewal": ("Langganan {vendor} Anda diperpanjang bulan depan; {csm} ingin meninjau paket Anda.",),
    },
    "chat.conversation": {
        "pos": ("Sudah bisa, terima kasih atas bantuan cepatnya soal {feature}!", "Sip, filternya sudah jalan. Kalian sangat membantu."),
        "neu": ("Bertanya cara ekspor laporan {feature} ke CSV; sudah dikirim tautan dokumentasi.", "Ingin tahu apakah SSO termasuk dalam paket Business."),
        "neg": ("Masih tidak bisa login setelah reset password, sudah tiga kali hari ini.", "Angka di {feature} beda dengan data warehouse kami. Sangat mengecewakan."),
    },
    "sms.sent": {"neu": ("Pengingat: panggilan dengan {csm} besok pukul 10:00. Balas C untuk konfirmasi.",)},
    "sms.received": {"pos": ("Oke, terima kasih!",), "neu": ("C",), "neg": ("Tidak bisa besok, bisa dijadwal ulang?",)},
    "social.mention": {
        "pos": ("{feature} baru dari @{vendor} keren banget, tim produk akhirnya sepakat soal angka.", "Salut buat support @{vendor}, beres dalam 10 menit."),
        "neu": ("Ada yang pakai @{vendor} {feature} dengan BigQuery?",),
        "neg": ("@{vendor} down lagi? {feature} tidak bisa dibuka seluruh tim.",),
    },
    "review.posted": {
        "pos": ("Bintang lima: {feature} membuat keputusan produk kami berbasis data.", "Mudah dipasang dan tim support benar-benar merespons."),
        "neu": ("Alat analitik yang solid; harganya naik cepat kalau seat bertambah.",),
        "neg": ("Fiturnya lengkap, tapi {feature} lambat di proyek besar dan support lama membalas.",),
    },
}  # fmt: skip


def _minor(
    thanks: str,
    invoice: str,
    broken: str,
    follow_up: str,
    welcome: str,
    renewal: str,
    chat_ok: str,
    chat_q: str,
    chat_bad: str,
    reminder: str,
    post_ok: str,
    post_bad: str,
    review_ok: str,
    review_bad: str,
) -> Catalogue:
    """A smaller catalogue (one line per slot) for the languages beyond the first four."""
    return {
        "email.received": {"pos": (thanks,), "neu": (invoice,), "neg": (broken,)},
        "email.sent": {"neu": (follow_up,), "onboarding": (welcome,), "renewal": (renewal,)},
        "chat.conversation": {"pos": (chat_ok,), "neu": (chat_q,), "neg": (chat_bad,)},
        "sms.sent": {"neu": (reminder,)},
        "sms.received": {"pos": ("OK!",), "neu": ("C",), "neg": ("?",)},
        "social.mention": {"pos": (post_ok,), "neu": (post_ok,), "neg": (post_bad,)},
        "review.posted": {"pos": (review_ok,), "neu": (review_ok,), "neg": (review_bad,)},
    }


PHRASES: dict[str, Catalogue] = {
    "en": _EN,
    "it": _IT,
    "zh": _ZH,
    "id": _ID,
    "de": _minor(
        "Danke, das neue {feature}-Dashboard ist genau das, was wir brauchten.",
        "Bitte senden Sie die Rechnung vom letzten Monat an unsere Buchhaltung.",
        "{feature} bricht seit gestern mit einem Timeout ab, unser Wochenbericht hängt.",
        "Zu Ihrer Frage zu {feature}: anbei eine kurze Anleitung.",
        "Willkommen bei {vendor}! Ihr Kickoff mit {csm} steht, hier die Checkliste.",
        "Ihr {vendor}-Abo verlängert sich nächsten Monat; {csm} möchte Ihren Plan besprechen.",
        "Läuft jetzt, danke für die schnelle Hilfe mit {feature}!",
        "Fragt, wie man einen {feature}-Bericht als CSV exportiert.",
        "Nach dem Passwort-Reset komme ich immer noch nicht rein.",
        "Erinnerung: Ihr Termin mit {csm} ist morgen um 10:00 Uhr.",
        "Das neue {feature} von @{vendor} ist großartig.",
        "@{vendor} schon wieder down? {feature} lädt nicht.",
        "Fünf Sterne: {feature} hat unsere Produktarbeit datengetrieben gemacht.",
        "Mächtig, aber {feature} ist bei großen Projekten langsam.",
    ),
    "fr": _minor(
        "Merci, le nouveau tableau de bord {feature} est exactement ce qu'il nous fallait.",
        "Pouvez-vous envoyer la facture du mois dernier à notre service comptable ?",
        "{feature} expire depuis hier et notre rapport hebdomadaire est bloqué.",
        "Suite à votre question sur {feature}, voici un court guide.",
        "Bienvenue chez {vendor} ! Votre lancement avec {csm} est confirmé.",
        "Votre abonnement {vendor} est renouvelé le mois prochain ; {csm} souhaite faire le point.",
        "Ça marche, merci pour l'aide rapide sur {feature} !",
        "Demande comment exporter un rapport {feature} en CSV.",
        "Toujours impossible de me connecter après la réinitialisation du mot de passe.",
        "Rappel : votre appel avec {csm} est demain à 10h00.",
        "Le nouveau {feature} de @{vendor} est top.",
        "@{vendor} encore en panne ? {feature} ne charge plus.",
        "Cinq étoiles : {feature} a rendu nos décisions produit factuelles.",
        "Puissant, mais {feature} est lent sur les gros projets.",
    ),
    "es": _minor(
        "Gracias, el nuevo panel de {feature} es justo lo que necesitábamos.",
        "¿Podéis enviar la factura del mes pasado a nuestro departamento financiero?",
        "{feature} da timeout desde ayer y el informe semanal está bloqueado.",
        "Sobre su pregunta de {feature}, le enviamos una breve guía.",
        "¡Bienvenidos a {vendor}! El kickoff con {csm} está confirmado.",
        "Su suscripción a {vendor} se renueva el mes que viene; {csm} quiere revisar el plan.",
        "¡Ya funciona, gracias por la ayuda rápida con {feature}!",
        "Pregunta cómo exportar un informe de {feature} a CSV.",
        "Sigo sin poder entrar después de restablecer la contraseña.",
        "Recordatorio: su llamada con {csm} es mañana a las 10:00.",
        "El nuevo {feature} de @{vendor} es genial.",
        "¿@{vendor} caído otra vez? {feature} no carga.",
        "Cinco estrellas: {feature} hizo que decidamos con datos.",
        "Potente, pero {feature} va lento en proyectos grandes.",
    ),
    "pt": _minor(
        "Obrigado, o novo painel de {feature} é exatamente o que precisávamos.",
        "Podem enviar a fatura do mês passado para o nosso financeiro?",
        "{feature} está dando timeout desde ontem e o relatório semanal travou.",
        "Sobre sua dúvida de {feature}, segue um guia rápido.",
        "Bem-vindos à {vendor}! O kickoff com {csm} está confirmado.",
        "Sua assinatura {vendor} renova no mês que vem; {csm} quer revisar o plano.",
        "Funcionou, obrigado pela ajuda rápida com {feature}!",
        "Pergunta como exportar um relatório de {feature} em CSV.",
        "Ainda não consigo entrar depois de redefinir a senha.",
        "Lembrete: sua ligação com {csm} é amanhã às 10:00.",
        "O novo {feature} da @{vendor} é ótimo.",
        "@{vendor} fora do ar de novo? {feature} não carrega.",
        "Cinco estrelas: {feature} deixou nossas decisões de produto baseadas em dados.",
        "Poderoso, mas {feature} é lento em projetos grandes.",
    ),
}

MESSAGE_KINDS = frozenset(_EN)


def polarity_of(sentiment: float) -> Polarity:
    return "pos" if sentiment > 0.25 else "neg" if sentiment < -0.25 else "neu"


def message_text(
    rng: random.Random, *, language: str, kind: str, slot: Polarity, **values: str
) -> str:
    """A message summary in `language` (English when the language has no catalogue)."""
    catalogue = PHRASES.get(language, _EN)[kind]
    lines = catalogue.get(slot) or catalogue.get("neu") or next(iter(catalogue.values()))
    return rng.choice(lines).format(**values)


# --- Helpdesk tickets --------------------------------------------------------------------------
#
# Each support topic has, per language, a subject, the customer's description and the agent's
# answer that solves it. Placeholders: `{feature}`, `{name}` (the customer's first name), `{agent}`
# (the agent's first name), `{vendor}`. Outage subjects carry the word the "outage" trigger looks
# for in each language (outage, disservizio, 故障, gangguan).

TopicTexts = tuple[str, str, str]  # subject, description, solving answer
SUPPORT_LANGUAGES = ("en", "it", "zh", "id")

SUPPORT_TOPICS: dict[str, dict[str, TopicTexts]] = {
    "login": {
        "en": ("Cannot log in after password reset", "Hi, I reset my password twice but the login page keeps saying the link has expired. Can you help?", "Hi {name}, your account was locked after several attempts. I have unlocked it and sent a fresh reset link, valid for 24 hours."),
        "it": ("Non riesco ad accedere dopo il reset della password", "Buongiorno, ho resettato la password due volte ma la pagina di login dice che il link è scaduto. Potete aiutarmi?", "Ciao {name}, l'account si era bloccato dopo troppi tentativi. L'ho sbloccato e le ho inviato un nuovo link valido 24 ore."),
        "zh": ("重置密码后无法登录", "你好，我重置了两次密码，但登录页面一直提示链接已过期，请帮忙看一下。", "{name}您好，您的账号因多次尝试被锁定，我已解锁并重新发送了重置链接，24小时内有效。"),
        "id": ("Tidak bisa login setelah reset password", "Halo, saya sudah reset password dua kali tapi halaman login selalu bilang tautannya kedaluwarsa. Mohon bantuannya.", "Halo {name}, akun Anda terkunci setelah beberapa percobaan. Sudah saya buka dan saya kirim tautan reset baru yang berlaku 24 jam."),
    },
    "billing": {
        "en": ("Charged twice this month", "We were charged twice for our {vendor} subscription this month. Please refund the duplicate payment.", "Hi {name}, you are right: the card was charged twice because of a retry. The duplicate has been refunded and should appear within 5 business days."),
        "it": ("Doppio addebito questo mese", "Questo mese ci avete addebitato due volte l'abbonamento {vendor}. Vi chiediamo il rimborso del pagamento doppio.", "Ciao {name}, ha ragione: la carta è stata addebitata due volte per un nuovo tentativo automatico. Il doppio addebito è stato rimborsato, lo vedrà entro 5 giorni lavorativi."),
        "zh": ("本月被重复扣费", "我们本月的{vendor}订阅被扣了两次费用，请退还重复的款项。", "{name}您好，确实因为系统重试导致重复扣款，重复的款项已退回，5个工作日内到账。"),
        "id": ("Tertagih dua kali bulan ini", "Langganan {vendor} kami tertagih dua kali bulan ini. Mohon kembalikan pembayaran gandanya.", "Halo {name}, betul, kartu tertagih dua kali karena percobaan ulang otomatis. Dana sudah dikembalikan dan akan masuk dalam 5 hari kerja."),
    },
    "invoice": {
        "en": ("Invoice for last month", "Could you send last month's invoice to our finance team? They need the VAT number on it.", "Hi {name}, I have attached last month's invoice with your VAT number and added your finance team as billing contact."),
        "it": ("Fattura del mese scorso", "Potete inviare la fattura del mese scorso all'amministrazione? Serve la partita IVA in fattura.", "Ciao {name}, in allegato la fattura del mese scorso con la partita IVA; ho aggiunto l'amministrazione come contatto di fatturazione."),
        "zh": ("需要上个月的发票", "请把上个月的发票发给我们财务，发票上需要有税号。", "{name}您好，附件是上个月带税号的发票，我们也已把贵司财务添加为账单联系人。"),
        "id": ("Invoice bulan lalu", "Bisa kirimkan invoice bulan lalu ke tim keuangan kami? Perlu ada NPWP di invoice-nya.", "Halo {name}, terlampir invoice bulan lalu dengan NPWP Anda, dan tim keuangan sudah saya tambahkan sebagai kontak penagihan."),
    },
    "export": {
        "en": ("How do I export a {feature} report to CSV?", "Hi, I need to share a {feature} report with our board. Is there a way to export it to CSV or Excel?", "Hi {name}, open the report, click the ⋯ menu and choose Export → CSV. Scheduled exports are under Settings → Deliveries."),
        "it": ("Come esportare un report {feature} in CSV?", "Buongiorno, devo condividere un report {feature} con il CdA. Si può esportare in CSV o Excel?", "Ciao {name}, apra il report, clicchi sul menu ⋯ e scelga Esporta → CSV. Gli export programmati sono in Impostazioni → Invii."),
        "zh": ("如何把{feature}报表导出为CSV？", "你好，我需要把{feature}报表分享给管理层，可以导出成CSV或Excel吗？", "{name}您好，打开报表后点击右上角⋯菜单，选择导出→CSV即可；定时导出在设置→推送中配置。"),
        "id": ("Cara ekspor laporan {feature} ke CSV?", "Halo, saya perlu membagikan laporan {feature} ke direksi. Apakah bisa diekspor ke CSV atau Excel?", "Halo {name}, buka laporannya, klik menu ⋯ lalu pilih Ekspor → CSV. Ekspor terjadwal ada di Pengaturan → Pengiriman."),
    },
    "performance": {
        "en": ("{feature} keeps timing out", "{feature} has been timing out since yesterday on our main project, so our weekly report is blocked.", "Hi {name}, a slow query on your project's largest event table caused the timeouts. We added an index and {feature} now loads in under three seconds."),
        "it": ("{feature} va continuamente in timeout", "Da ieri {feature} va in timeout sul progetto principale e il report settimanale è bloccato.", "Ciao {name}, i timeout erano dovuti a una query lenta sulla tabella eventi più grande. Abbiamo aggiunto un indice e ora {feature} si carica in meno di tre secondi."),
        "zh": ("{feature}一直超时", "从昨天开始{feature}在我们的主项目上一直超时，周报发不出去。", "{name}您好，超时是由于最大的事件表上一条慢查询造成的，我们已添加索引，现在{feature}三秒内就能加载。"),
        "id": ("{feature} terus timeout", "Sejak kemarin {feature} selalu timeout di proyek utama kami, laporan mingguan jadi tertahan.", "Halo {name}, timeout disebabkan query lambat di tabel event terbesar. Kami sudah menambah indeks dan {feature} kini terbuka di bawah tiga detik."),
    },
    "data": {
        "en": ("{feature} numbers don't match our warehouse", "The weekly active users in {feature} are about 8% lower than in our Snowflake warehouse. Which one is right?", "Hi {name}, the difference comes from the time zone: {feature} counted weeks in UTC. I switched the project to your local time zone and the numbers now match."),
        "it": ("I numeri di {feature} non tornano con il data warehouse", "Gli utenti attivi settimanali in {feature} sono circa l'8% in meno rispetto a BigQuery. Quale dato è corretto?", "Ciao {name}, la differenza dipende dal fuso orario: {feature} contava le settimane in UTC. Ho impostato il fuso orario del progetto e ora i numeri coincidono."),
        "zh": ("{feature}的数据和数仓对不上", "{feature}里的周活跃用户比我们数仓里少了大约8%，以哪个为准？", "{name}您好，差异来自时区：{feature}按UTC统计周数据。我已把项目改为本地时区，现在数据一致了。"),
        "id": ("Angka {feature} beda dengan data warehouse", "Pengguna aktif mingguan di {feature} sekitar 8% lebih rendah dibanding BigQuery kami. Mana yang benar?", "Halo {name}, perbedaannya karena zona waktu: {feature} menghitung minggu dalam UTC. Proyek sudah saya ubah ke zona waktu lokal dan angkanya kini cocok."),
    },
    "sso": {
        "en": ("Setting up SSO with Okta", "We want to enforce single sign-on with Okta for all our users. What do we need to configure?", "Hi {name}, SSO is now enabled on your workspace. Use the SAML metadata URL from Settings → Security in Okta, then switch on enforcement once you have tested one login."),
        "it": ("Configurare il SSO con Azure AD", "Vogliamo rendere obbligatorio il single sign-on con Azure AD per tutti gli utenti. Cosa dobbiamo configurare?", "Ciao {name}, il SSO è attivo sul vostro workspace. Inserite in Azure AD l'URL dei metadati SAML che trovate in Impostazioni → Sicurezza e attivate l'obbligo dopo un primo accesso di prova."),
        "zh": ("如何配置单点登录（SSO）", "我们希望所有用户都通过企业微信统一身份登录，需要怎么配置？", "{name}您好，您的工作区已开通SSO。请在身份提供商中填入设置→安全里的SAML元数据地址，测试登录成功后再开启强制登录。"),
        "id": ("Mengatur SSO dengan Google Workspace", "Kami ingin semua pengguna wajib login lewat SSO Google Workspace. Apa yang perlu dikonfigurasi?", "Halo {name}, SSO sudah aktif di workspace Anda. Masukkan URL metadata SAML dari Pengaturan → Keamanan ke Google Workspace, lalu aktifkan kewajiban SSO setelah satu login uji berhasil."),
    },
    "seats": {
        "en": ("Add 10 seats to our plan", "Our analytics team is growing. Can we add 10 seats before the next sprint, and how is it billed?", "Hi {name}, 10 seats have been added. They are billed pro rata on your next invoice; you can invite the new users right away."),
        "it": ("Aggiungere 10 licenze al piano", "Il team analytics sta crescendo: possiamo aggiungere 10 licenze prima del prossimo sprint? Come vengono fatturate?", "Ciao {name}, ho aggiunto 10 licenze, fatturate pro rata nella prossima fattura. Può invitare subito i nuovi utenti."),
        "zh": ("增加10个席位", "我们的分析团队在扩大，下个迭代前能增加10个席位吗？费用怎么算？", "{name}您好，已为您增加10个席位，费用按比例计入下一张账单，现在就可以邀请新成员了。"),
        "id": ("Tambah 10 seat ke paket kami", "Tim analitik kami bertambah. Bisa tambah 10 seat sebelum sprint berikutnya? Bagaimana penagihannya?", "Halo {name}, 10 seat sudah ditambahkan dan ditagih prorata di invoice berikutnya. Pengguna baru bisa langsung diundang."),
    },
    "integration": {
        "en": ("Warehouse sync failing since last night", "The nightly sync to our warehouse failed with 'permission denied on schema analytics'. Nothing changed on our side.", "Hi {name}, the sync user lost its grant after your schema was recreated. I re-ran the sync with the grant restored and yesterday's data is complete."),
        "it": ("La sincronizzazione con il warehouse fallisce da stanotte", "La sincronizzazione notturna è fallita con 'permission denied on schema analytics'. Da parte nostra non è cambiato nulla.", "Ciao {name}, l'utente di sincronizzazione aveva perso i permessi dopo la ricreazione dello schema. Li ho ripristinati, ho rilanciato la sincronizzazione e i dati di ieri sono completi."),
        "zh": ("数仓同步从昨晚开始失败", "昨晚的数仓同步失败，报错“permission denied on schema analytics”，我们这边没有做任何改动。", "{name}您好，schema重建后同步账号的权限丢失了。权限恢复后我已重新同步，昨天的数据已完整。"),
        "id": ("Sinkronisasi warehouse gagal sejak semalam", "Sinkronisasi malam ke warehouse kami gagal dengan pesan 'permission denied on schema analytics'. Tidak ada perubahan di sisi kami.", "Halo {name}, user sinkronisasi kehilangan izin setelah schema dibuat ulang. Izin sudah dipulihkan, sinkronisasi saya jalankan ulang dan data kemarin sudah lengkap."),
    },
    "feature_request": {
        "en": ("Feature request: alerts in Slack for {feature}", "It would be great to get {feature} alerts in a Slack channel instead of e-mail. Is that on the roadmap?", "Hi {name}, thanks for the idea! I have added your vote to the Slack alerts request; the product team plans it for next quarter and I will let you know when it ships."),
        "it": ("Richiesta: avvisi di {feature} su Teams", "Sarebbe utile ricevere gli avvisi di {feature} in un canale Teams invece che via e-mail. È in roadmap?", "Ciao {name}, grazie per il suggerimento! Ho aggiunto il vostro voto alla richiesta; il team prodotto la prevede per il prossimo trimestre e la avviserò al rilascio."),
        "zh": ("功能建议：{feature}提醒推送到钉钉", "希望{feature}的提醒能推送到钉钉群，而不是邮件。这个在规划中吗？", "{name}您好，感谢建议！我已为该需求记录您的投票，产品团队计划下季度上线，发布时会通知您。"),
        "id": ("Permintaan fitur: notifikasi {feature} ke WhatsApp", "Akan sangat membantu kalau notifikasi {feature} bisa dikirim ke grup WhatsApp, bukan e-mail. Apakah ada di roadmap?", "Halo {name}, terima kasih atas idenya! Suara Anda sudah saya tambahkan; tim produk merencanakannya kuartal depan dan saya kabari saat dirilis."),
    },
    "outage": {
        "en": ("Outage: dashboards not loading for the whole team", "None of our dashboards load since this morning, we only get a spinner. This is blocking our whole team.", "Hi {name}, the incident is resolved: a failed database failover made dashboards unavailable for 47 minutes. Everything is back to normal and a post-mortem will follow on our status page."),
        "it": ("Disservizio: le dashboard non si caricano per tutto il team", "Da stamattina nessuna dashboard si carica, vediamo solo la rotellina. Tutto il team è bloccato.", "Ciao {name}, il disservizio è risolto: un failover del database non riuscito ha reso le dashboard irraggiungibili per 47 minuti. Ora è tutto regolare; pubblicheremo l'analisi sulla pagina di stato."),
        "zh": ("故障：整个团队的看板都打不开", "从今天上午开始所有看板都打不开，一直在转圈，整个团队都无法工作。", "{name}您好，故障已恢复：一次数据库主备切换失败导致看板不可用47分钟，现在一切正常，事后分析会发布在状态页。"),
        "id": ("Gangguan: dashboard tidak bisa dibuka seluruh tim", "Sejak pagi semua dashboard tidak bisa dibuka, hanya muncul loading. Seluruh tim kami terhambat.", "Halo {name}, gangguan sudah teratasi: failover database yang gagal membuat dashboard tidak tersedia selama 47 menit. Semua sudah normal dan laporan insiden akan dimuat di halaman status."),
    },
}  # fmt: skip

# Thread lines shared by every topic, per language.
SUPPORT_LINES: dict[str, dict[str, str]] = {
    "en": {
        "ask_details": "Hi {name}, thanks for reaching out. Could you send a screenshot and the name of the project so I can reproduce it?",
        "details": "Sure, here it is. The project is our production one, the screenshot is attached.",
        "working_on_it": "Thanks {name}, I can reproduce it and I am looking into it now. I will update you shortly.",
        "escalated": "Hi {name}, I have passed this to our engineering team with all the details. I will update you as soon as I hear back.",
        "fixed": "Good news {name}: engineering deployed a fix this morning. Could you check on your side?",
        "still_broken": "Sorry, it is happening again today. Could you take another look?",
        "thanks": "That works, thank you so much!",
        "more_info": "One more question: does this also apply to our second workspace?",
        "yes_both": "Yes, {name}, it applies to both workspaces. Anything else I can help with?",
    },
    "it": {
        "ask_details": "Ciao {name}, grazie per averci scritto. Può inviarci uno screenshot e il nome del progetto, così provo a riprodurre il problema?",
        "details": "Certo, eccolo. Il progetto è quello di produzione, screenshot in allegato.",
        "working_on_it": "Grazie {name}, riesco a riprodurlo e ci sto lavorando. La aggiorno a breve.",
        "escalated": "Ciao {name}, ho passato la segnalazione al team di sviluppo con tutti i dettagli. La aggiorno appena ho una risposta.",
        "fixed": "Buone notizie {name}: stamattina è stata rilasciata la correzione. Può verificare da parte sua?",
        "still_broken": "Mi spiace, oggi il problema si ripresenta. Potete ricontrollare?",
        "thanks": "Ora funziona, grazie mille!",
        "more_info": "Un'altra domanda: vale anche per il nostro secondo workspace?",
        "yes_both": "Sì {name}, vale per entrambi i workspace. Posso aiutarla in altro?",
    },
    "zh": {
        "ask_details": "{name}您好，感谢联系我们。能否发一张截图并告诉我项目名称，方便我复现问题？",
        "details": "好的，是生产环境的项目，截图见附件。",
        "working_on_it": "谢谢{name}，问题已复现，我正在处理，稍后给您回复。",
        "escalated": "{name}您好，我已把详细信息转给研发团队，有进展会第一时间通知您。",
        "fixed": "{name}您好，好消息：研发今天上午已发布修复，请您那边确认一下。",
        "still_broken": "不好意思，今天问题又出现了，能再看一下吗？",
        "thanks": "可以了，非常感谢！",
        "more_info": "还有一个问题：这对我们的第二个工作区也适用吗？",
        "yes_both": "是的{name}，两个工作区都适用。还有其他可以帮您的吗？",
    },
    "id": {
        "ask_details": "Halo {name}, terima kasih sudah menghubungi kami. Boleh kirim screenshot dan nama proyeknya supaya bisa saya coba ulang?",
        "details": "Tentu, ini dia. Proyeknya yang produksi, screenshot terlampir.",
        "working_on_it": "Terima kasih {name}, masalahnya sudah bisa saya reproduksi dan sedang saya tangani. Segera saya kabari.",
        "escalated": "Halo {name}, sudah saya teruskan ke tim engineering dengan semua detailnya. Saya kabari begitu ada jawaban.",
        "fixed": "Kabar baik {name}: tim engineering sudah merilis perbaikan pagi ini. Bisa dicek dari sisi Anda?",
        "still_broken": "Maaf, hari ini masalahnya muncul lagi. Bisa dicek ulang?",
        "thanks": "Sudah bisa, terima kasih banyak!",
        "more_info": "Satu pertanyaan lagi: apakah ini juga berlaku untuk workspace kedua kami?",
        "yes_both": "Ya {name}, berlaku untuk kedua workspace. Ada lagi yang bisa saya bantu?",
    },
}  # fmt: skip

# Internal notes are the team's own language: English.
INTERNAL_NOTES = (
    "Checked the logs: same error as the known issue in the sync worker. Linked to the bug.",
    "Customer is on an enterprise renewal this quarter, keep the CSM in the loop.",
    "Reproduced on staging with the customer's project settings.",
    "Second ticket from this account this week; flagged to the account owner.",
    "Refund approved by finance.",
    "Waiting for engineering, asked in #support-escalations.",
)

CSAT_COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"pos": ("Quick and clear answer, thanks!", "Solved in minutes, great support."), "neg": ("It took three days to get a real answer.", "The problem is back and nobody followed up.")},
    "it": {"pos": ("Risposta veloce e chiara, grazie!", "Risolto in pochi minuti, ottimo supporto."), "neg": ("Ci sono voluti tre giorni per avere una risposta.", "Il problema è tornato e nessuno ci ha ricontattati.")},
    "zh": {"pos": ("回复又快又清楚，谢谢！", "几分钟就解决了，服务很好。"), "neg": ("三天才得到有效回复。", "问题又出现了，也没人跟进。")},
    "id": {"pos": ("Jawaban cepat dan jelas, terima kasih!", "Beres dalam hitungan menit, supportnya mantap."), "neg": ("Butuh tiga hari untuk dapat jawaban yang jelas.", "Masalahnya muncul lagi dan tidak ada yang menindaklanjuti.")},
}  # fmt: skip


def support_language(locale: str | None) -> str:
    """The language a contact writes tickets in: their own if the demo has support phrases for
    it, English otherwise."""
    language = (locale or "en").split("-")[0]
    return language if language in SUPPORT_LANGUAGES else "en"
