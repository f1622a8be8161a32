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
