"""Helpdesk data at volume for `bench_helpdesk`: tickets, threads, tags, search index, SLA targets
and CSAT, written with raw batched inserts (setup, not the code under test).

The search documents are built from the product's own analysis (`search_text.tokens`): each
message is a few sentences from a fixed, multilingual phrase book, so the tokens of a sentence are
computed once and reused; every 997th ticket is checked against `index_document` on the real
texts, so the index holds exactly what the product would have written.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks.bench_customer_record import (
    CONTACT_COLUMNS,
    IDENTIFIER_COLUMNS,
    PeopleGenerator,
    _contact_rows,
)
from cxhub.service.tickets.search_text import index_document, is_cjk, tokens

DAY = 86_400.0
HOUR = 3_600.0
AGENTS = 50
TEAMS = ["Billing", "Technical", "Shipping", "Accounts", "Enterprise"]
TAGS = [
    ("billing", 30),
    ("refund", 18),
    ("bug", 16),
    ("login", 14),
    ("shipping", 14),
    ("vip", 6),
    ("feature-request", 9),
    ("invoice", 10),
    ("cancellation", 7),
    ("urgent", 5),
    ("printer", 6),
    ("mobile-app", 8),
    ("api", 4),
    ("onboarding", 5),
    ("gdpr", 2),
    ("enterprise", 3),
    ("churn-risk", 2),
    ("duplicate", 2),
    ("warranty", 3),
    ("sso", 2),
]
CHANNELS = [("email", 55), ("web", 20), ("chat", 12), ("phone", 8), ("social", 3), ("sms", 2)]
PRIORITIES = [("low", 15), ("normal", 60), ("high", 20), ("urgent", 5)]
FIRST_REPLY_TARGET_H = {"low": 24.0, "normal": 8.0, "high": 4.0, "urgent": 1.0}
RARE_WORD = "kaleidoscope"  # about one message in 40,000

# Customer and agent sentences per language; `#` marks where an order number goes.
PHRASES: dict[str, tuple[list[str], list[str], list[str]]] = {
    # (subjects, customer sentences, agent sentences)
    "en": (
        [
            "Printer offline after update",
            "Charged twice for my order",
            "Refund request",
            "Cannot log in to my account",
            "Where is my delivery?",
            "Invoice missing",
            "App crashes on startup",
            "Upgrade to the enterprise plan",
            "Cancel my subscription",
            "Password reset email never arrives",
            "Wrong item received",
            "Question about pricing",
        ],
        [
            "My printer is offline again after the latest update.",
            "I was charged twice, please refund the second payment.",
            "The invoice for order # is missing from my account.",
            "I cannot log in to my account, the password reset email never arrives.",
            "The delivery is late and tracking shows no movement since Monday.",
            "Thanks, that fixed it!",
            "Could you send me a copy of the receipt?",
            "The mobile app crashes when I open the settings page.",
            "We would like to upgrade our plan to enterprise for twenty seats.",
            "Please cancel my subscription at the end of the month.",
            "I received the wrong item in order #, can I exchange it?",
            "Is there a discount for annual billing?",
            "It still does not work, any news?",
        ],
        [
            "Thanks for reaching out, I am looking into this now.",
            "Could you share a screenshot of the error message?",
            "I have issued a refund, it should appear within five business days.",
            "Please try clearing the cache and restarting the device.",
            "I have escalated this to our engineering team.",
            "Your order # has been shipped again with express delivery.",
            "I have reset your password, please check your inbox.",
            "Glad to hear it works now, I will close this ticket.",
        ],
    ),
    "it": (
        [
            "Stampante non funziona",
            "Addebito doppio",
            "Richiesta di rimborso",
            "Non riesco ad accedere",
            "Dov'è il mio ordine?",
            "Fattura mancante",
        ],
        [
            "La stampante non funziona più dopo l'aggiornamento.",
            "Ho ricevuto un addebito doppio, vorrei un rimborso.",
            "La fattura dell'ordine # non è ancora arrivata.",
            "Non riesco ad accedere al mio account da ieri.",
            "La consegna è in ritardo di una settimana.",
            "Grazie, ora funziona!",
            "Potete inviarmi una copia della ricevuta?",
        ],
        [
            "Grazie per averci contattato, stiamo verificando.",
            "Abbiamo emesso il rimborso, lo vedrà entro cinque giorni lavorativi.",
            "Può inviarci uno screenshot dell'errore?",
            "L'ordine # è stato spedito di nuovo con corriere espresso.",
        ],
    ),
    "zh": (
        ["打印机无法连接", "重复扣款", "申请退款", "无法登录账户", "快递延迟", "发票没有收到"],
        [
            "打印机坏了，更新以后无法连接网络。",
            "我被重复扣款了，请退款。",
            "订单 # 的发票还没有收到。",
            "无法登录我的账户，密码重置邮件收不到。",
            "快递延迟了，物流信息一直没有更新。",
            "谢谢，问题已经解决了！",
            "请问年付有优惠吗？",
        ],
        [
            "您好，我们正在处理您的问题。",
            "退款已经处理，五个工作日内到账。",
            "请提供错误信息的截图。",
            "订单 # 已经重新发货。",
        ],
    ),
    "id": (
        [
            "Printer tidak terhubung",
            "Ditagih dua kali",
            "Permintaan pengembalian dana",
            "Tidak bisa masuk akun",
            "Pesanan belum sampai",
        ],
        [
            "Printer saya tidak bisa terhubung ke jaringan setelah pembaruan.",
            "Saya ditagih dua kali, mohon pengembalian dana.",
            "Faktur untuk pesanan # belum diterima.",
            "Tidak bisa masuk ke akun saya.",
            "Terima kasih, sudah berhasil!",
        ],
        [
            "Terima kasih telah menghubungi kami, kami sedang memeriksa.",
            "Dana sudah dikembalikan, akan masuk dalam lima hari kerja.",
            "Pesanan # sudah dikirim ulang.",
        ],
    ),
}


def _weighted(table: Sequence[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    values = [v for v, _ in table]
    cumulative, total = [], 0
    for _, weight in table:
        total += weight
        cumulative.append(total)
    return values, cumulative


@dataclass
class LoadPlan:
    url: str
    tickets: int
    messages_per_ticket: float
    seed: int
    now: float  # epoch seconds the data is built around (the run's "now", whole hour)


@dataclass
class Dataset:
    workspace_id: int
    agent_ids: list[int]
    team_ids: list[int]
    token: str
    now: float
    counts: dict[str, int] = field(default_factory=dict)
    load_seconds: dict[str, float] = field(default_factory=dict)
    loader_peak_rss_mib: float = 0.0


class Sentence:
    """A phrase-book sentence and its tokens, analysed once (an order number splits it)."""

    def __init__(self, text: str) -> None:
        self.text = text
        before, _, after = text.partition("#")
        self.has_number = "#" in text
        self.before, self.after = before.rstrip(), after.lstrip()
        self.tokens_before = tokens(self.before)
        self.tokens_after = tokens(self.after)

    def render(self, number: int) -> tuple[str, list[str]]:
        if not self.has_number:
            return self.text, self.tokens_before
        return (
            f"{self.before} {number} {self.after}",
            [*self.tokens_before, str(number), *self.tokens_after],
        )


PHRASE_BOOK = {
    lang: ([Sentence(s) for s in subj], [Sentence(s) for s in cust], [Sentence(s) for s in agent])
    for lang, (subj, cust, agent) in PHRASES.items()
}
RARE = Sentence(f"The {RARE_WORD} pattern appears on every printed page.")


def _document(all_tokens: list[str], cjk: bool) -> str:
    """`index_document` from already analysed tokens (the same joining and CJK tail)."""
    if not cjk:
        return " ".join(all_tokens)
    present = set(all_tokens)
    characters = dict.fromkeys(c for word in all_tokens for c in word if is_cjk(c))
    return " ".join(all_tokens + [c for c in characters if c not in present])


@dataclass
class Batch:
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[Any, ...]] = field(default_factory=list)
    documents: list[tuple[int, str]] = field(default_factory=list)
    sla_targets: list[tuple[Any, ...]] = field(default_factory=list)
    csat: list[tuple[Any, ...]] = field(default_factory=list)

    def size(self) -> int:
        return len(self.tickets)


TICKET_COLUMNS = (
    "id, workspace_id, number, subject, status, priority, channel, requester_id, assignee_id, "
    "team_id, custom_fields, language, is_spam, merged_into_id, created_at, updated_at, "
    "status_changed_at, first_replied_at, last_customer_message_at, last_agent_reply_at, "
    "solved_at, first_solved_at, closed_at, reopen_count, agent_reply_count, next_sla_due_at, "
    "sla_policy_id, sla_breached, first_reply_business_seconds, resolution_business_seconds"
)
MESSAGE_COLUMNS = (
    "workspace_id, ticket_id, author_kind, author_user_id, author_contact_id, is_public, "
    "channel, body_text, delivery_status, delivery_attempts, created_at"
)
TAG_COLUMNS = "workspace_id, ticket_id, tag"
SLA_COLUMNS = (
    "workspace_id, ticket_id, policy_id, metric, target_minutes, started_at, due_at, pauses, "
    "fulfilled_at, breached_at, closed, cancelled"
)
CSAT_COLUMNS = (
    "workspace_id, ticket_id, contact_id, assignee_id, token_sha256, requested_at, score, "
    "rated_at, channel"
)


class TicketGenerator:
    """Deterministic from the seed. One year of tickets ending at `now`, ids in creation order."""

    def __init__(
        self,
        plan: LoadPlan,
        ws: int,
        agents: list[int],
        teams: list[int],
        contacts: int,
        policy_id: int,
        dialect: str,
    ) -> None:
        self.rng = random.Random(plan.seed + 1)
        self.plan, self.ws, self.agents, self.teams = plan, ws, agents, teams
        self.contacts, self.policy_id, self.dialect = contacts, policy_id, dialect
        self.channels = _weighted(CHANNELS)
        self.priorities = _weighted(PRIORITIES)
        self.tags = _weighted(TAGS)
        # A few agents carry more tickets than others (a skewed but not extreme load).
        self.agent_weights = _weighted([(a, 5 + (i * 7) % 11) for i, a in enumerate(agents)])
        self.langs = _weighted([("en", 55), ("it", 20), ("zh", 15), ("id", 10)])
        self.span = 365 * DAY
        self.start = plan.now - self.span
        self.checked = 0

    def ts(self, epoch: float | None) -> str | None:
        if epoch is None:
            return None
        moment = datetime.fromtimestamp(epoch, UTC)
        if self.dialect == "sqlite":
            return f"{moment:%Y-%m-%d %H:%M:%S.%f}"
        return moment.isoformat()

    def _pick(self, table: tuple[list[Any], list[int]]) -> Any:
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    def _status(self, age: float) -> str:
        r = self.rng.random()
        if age < DAY:
            table = (("new", 0.35), ("open", 0.75), ("pending", 0.85), ("solved", 1.0))
        elif age < 14 * DAY:
            table = (
                ("new", 0.03),
                ("open", 0.28),
                ("pending", 0.43),
                ("on_hold", 0.48),
                ("solved", 1.0),
            )
        else:
            table = (
                ("open", 0.012),
                ("pending", 0.022),
                ("on_hold", 0.025),
                ("solved", 0.035),
                ("closed", 1.0),
            )
        return next(status for status, bound in table if r < bound)

    def generate(self, first: int, count: int) -> Batch:
        rng, ws, now = self.rng, self.ws, self.plan.now
        batch = Batch()
        total = self.plan.tickets
        mean_extra = max(0.01, self.plan.messages_per_ticket - 0.5)
        for ticket_id in range(first, first + count):
            created = self.start + (ticket_id - 0.5) / total * self.span + rng.uniform(-60, 60)
            created = min(created, now - 60)
            age = now - created
            status = self._status(age)
            lang = self._pick(self.langs)
            subjects, customer, agent_lines = PHRASE_BOOK[lang]
            priority = self._pick(self.priorities)
            channel = self._pick(self.channels)
            requester = 1 + int(self.contacts * rng.random() ** 2)
            spam = rng.random() < 0.01
            merged_into = None
            if not spam and ticket_id > 100 and rng.random() < 0.005:
                merged_into = ticket_id - rng.randint(1, 50)
            if spam or merged_into:
                status = "closed" if age > 14 * DAY else "solved"
            assignee = None
            if status != "new" or rng.random() < 0.25:
                assignee = self._pick(self.agent_weights) if rng.random() < 0.97 else None
            team = self.teams[self.agents.index(assignee) % len(self.teams)] if assignee else None
            if team is None and rng.random() < 0.6:
                team = rng.choice(self.teams)
            # The thread: customer first, then agent and customer in turn.
            messages = 1 if status == "new" else 1 + int(rng.expovariate(1 / mean_extra))
            order_number = 100_000 + ticket_id
            subject_sentence = rng.choice(subjects)
            subject, doc_tokens = subject_sentence.render(order_number)
            doc_tokens = list(doc_tokens)
            texts = [subject]
            solved = None
            if status in ("solved", "closed"):
                solved = created + min(age * 0.9, rng.lognormvariate(11.0, 1.3))
            last_moment = solved or now - rng.uniform(0, min(age, 2 * DAY))
            moment = created
            first_reply = last_agent = last_customer = None
            agent_replies = 0
            step = (last_moment - created) / messages
            for index in range(messages):
                from_customer = index % 2 == 0
                lines = customer if from_customer else agent_lines
                picked = [rng.choice(lines) for _ in range(1 + (rng.random() < 0.6))]
                if rng.random() < 1 / 40_000:
                    picked.append(RARE)
                body_parts, body_tokens = [], []
                for sentence in picked:
                    text, toks = sentence.render(order_number)
                    body_parts.append(text)
                    body_tokens.extend(toks)
                body = " ".join(body_parts)
                texts.append(body)
                doc_tokens.extend(body_tokens)
                public = from_customer or rng.random() > 0.1
                if from_customer:
                    last_customer = moment
                else:
                    if public:
                        agent_replies += 1
                        first_reply = first_reply or moment
                    last_agent = moment
                batch.messages.append(
                    (
                        ws,
                        ticket_id,
                        "customer" if from_customer else "agent",
                        None if from_customer else (assignee or self.agents[0]),
                        requester if from_customer else None,
                        1 if public else 0,
                        channel,
                        body,
                        "sent" if (not from_customer and public and channel == "email") else None,
                        0 if from_customer else 1,
                        self.ts(moment),
                    )
                )
                moment += step * rng.uniform(0.5, 1.0)
            updated = max(moment, last_moment) if solved is None else solved
            closed_at = solved + 4 * DAY if status == "closed" and solved else None
            if closed_at:
                updated = min(now, closed_at)
            reopen = 1 if solved and rng.random() < 0.06 else 0
            first_solved = solved - rng.uniform(DAY, 3 * DAY) if reopen and solved else solved
            if first_solved is not None:
                first_solved = max(created + 60, first_solved)
            has_policy = rng.random() < 0.6
            due = None
            breached = False
            target_h = FIRST_REPLY_TARGET_H[priority]
            if has_policy:
                fr_due = created + target_h * HOUR
                res_due = created + 6 * target_h * HOUR
                fr_breach = (first_reply or now) > fr_due
                res_breach = (solved or now) > res_due
                breached = fr_breach or res_breach
                for metric, due_at, done, missed, minutes in (
                    ("first_reply", fr_due, first_reply, fr_breach, target_h * 60),
                    ("resolution", res_due, solved, res_breach, target_h * 360),
                ):
                    finished = done is not None or missed
                    batch.sla_targets.append(
                        (
                            ws,
                            ticket_id,
                            self.policy_id,
                            metric,
                            int(minutes),
                            self.ts(created),
                            self.ts(due_at),
                            "[]",
                            self.ts(done),
                            self.ts(due_at) if missed else None,
                            1 if finished else 0,
                            0,
                        )
                    )
                if status in ("new", "open", "on_hold"):
                    due = fr_due if first_reply is None else res_due
            texts_document = _document(doc_tokens, lang == "zh")
            if ticket_id % 997 == 0:
                expected = index_document(texts)
                assert texts_document == expected, f"search document differs for {ticket_id}"
                self.checked += 1
            if not spam and merged_into is None:
                batch.documents.append((ticket_id, texts_document))
            for _ in range(int(rng.random() ** 1.5 * 3.6)):
                tag = self._pick(self.tags)
                if not any(t[1] == ticket_id and t[2] == tag for t in batch.tags[-3:]):
                    batch.tags.append((ws, ticket_id, tag))
            if solved and not spam and merged_into is None and rng.random() < 0.35:
                rated = rng.random() < 0.3
                score = rng.choices((5, 4, 3, 2, 1), (55, 20, 8, 6, 11))[0] if rated else None
                batch.csat.append(
                    (
                        ws,
                        ticket_id,
                        requester,
                        assignee,
                        f"{ticket_id:064x}",
                        self.ts(solved),
                        score,
                        self.ts(min(now, solved + rng.expovariate(1 / (6 * HOUR))))
                        if rated
                        else None,
                        "email",
                    )
                )
            batch.tickets.append(
                (
                    ticket_id,
                    ws,
                    ticket_id,
                    subject,
                    status,
                    priority,
                    channel,
                    requester,
                    assignee,
                    team,
                    "{}",
                    lang,
                    1 if spam else 0,
                    merged_into,
                    self.ts(created),
                    self.ts(updated),
                    self.ts(solved or created),
                    self.ts(first_reply),
                    self.ts(last_customer),
                    self.ts(last_agent),
                    self.ts(solved),
                    self.ts(first_solved),
                    self.ts(closed_at),
                    reopen,
                    agent_replies,
                    self.ts(due),
                    self.policy_id if has_policy else None,
                    1 if breached else 0,
                    int(first_reply - created) if first_reply else None,
                    int(solved - created) if solved else None,
                )
            )
        return batch


# --- setup through the services, then the bulk load --------------------------------------------


def create_people(url: str, agents: int = AGENTS) -> tuple[int, list[int], list[int], str, int]:
    """Workspace, agents, teams, an SLA policy and an agent's API token, through the services."""
    from cxhub.core.db import SYSTEM_SCOPE, make_engine, make_session_factory, unit_of_work
    from cxhub.core.permissions import Role
    from cxhub.people import service as people
    from cxhub.people.schemas import TeamCreate, UserCreate
    from cxhub.service.sla.models import SlaPolicy

    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with unit_of_work(factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="helpdesk", name="Helpdesk bench")
            session.info["workspace_id"] = workspace.id
            users = [
                people.create_user(
                    session,
                    workspace_id=workspace.id,
                    data=UserCreate(
                        email=f"agent{i}@example.com",
                        name=f"Agent {i}",
                        role=Role.ADMIN if i == 0 else Role.AGENT,
                    ),
                )
                for i in range(agents)
            ]
            agent_ids = [u.id for u in users]
            teams = [
                people.create_team(
                    session,
                    workspace_id=workspace.id,
                    data=TeamCreate(name=name, member_ids=agent_ids[i :: len(TEAMS)]),
                ).id
                for i, name in enumerate(TEAMS)
            ]
            policy = SlaPolicy(workspace_id=workspace.id, name="Standard", targets={})
            session.add(policy)
            session.flush()
            token = people.create_api_token(session, user=users[1], name="benchmark").secret
            return workspace.id, agent_ids, teams, token, policy.id
    finally:
        engine.dispose()


TABLES = (
    "contacts",
    "contact_identifiers",
    "tickets",
    "ticket_messages",
    "ticket_tags",
    "ticket_sla_targets",
    "csat_surveys",
)


def _insert_sql(table: str, columns: str, mark: str) -> str:
    return f"INSERT INTO {table} ({columns}) VALUES ({','.join([mark] * len(columns.split(',')))})"


class SqliteWriter:
    def __init__(self, url: str) -> None:
        path = make_url(url).database
        assert path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-524288")
        self.indexes = self.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
            f"AND tbl_name IN {TABLES}"
        ).fetchall()
        for name, _ in self.indexes:
            self.db.execute(f'DROP INDEX "{name}"')
        self.db.execute("BEGIN")

    def rows(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        self.db.executemany(_insert_sql(table, columns, "?"), rows)

    def documents(self, rows: list[tuple[int, str]]) -> None:
        self.db.executemany("INSERT INTO ticket_search (rowid, document) VALUES (?, ?)", rows)

    def checkpoint(self) -> None:
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def finish(self, timings: dict[str, float]) -> None:
        self.db.execute("COMMIT")
        started = time.perf_counter()
        for _, sql in self.indexes:
            self.db.execute(sql)
        self.db.execute(
            "INSERT INTO ticket_counters (workspace_id, last_number) "
            "SELECT workspace_id, max(number) FROM tickets GROUP BY workspace_id"
        )
        timings["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        # What a real install has after a while: statistics, and a merged FTS5 index. cxhub
        # itself never runs ANALYZE or the FTS5 'optimize' command (see docs/benchmarks.md).
        self.db.execute("ANALYZE")
        self.db.execute("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")
        timings["analyze + fts optimize"] = time.perf_counter() - started
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()


class PostgresWriter:
    def __init__(self, url: str) -> None:
        import psycopg

        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.db = psycopg.connect(dsn, autocommit=True)
        self.indexes = self.db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            (list(TABLES),),
        ).fetchall()
        for name, _ in self.indexes:
            self.db.execute(f'DROP INDEX "{name}"')
        self.db.execute("CREATE TEMP TABLE search_load (ticket_id bigint, document text)")

    def rows(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        with self.db.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def documents(self, rows: list[tuple[int, str]]) -> None:
        self.rows("search_load", "ticket_id, document", rows)  # type: ignore[arg-type]

    def checkpoint(self) -> None:
        pass

    def finish(self, timings: dict[str, float]) -> None:
        started = time.perf_counter()
        self.db.execute(
            "INSERT INTO ticket_search (ticket_id, document) "
            "SELECT ticket_id, to_tsvector('simple'::regconfig, document) FROM search_load"
        )
        timings["tsvector"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, sql in self.indexes:
            self.db.execute(sql)
        for table in ("contacts", "tickets", "ticket_messages"):
            self.db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        self.db.execute(
            "INSERT INTO ticket_counters (workspace_id, last_number) "
            "SELECT workspace_id, max(number) FROM tickets GROUP BY workspace_id"
        )
        timings["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        self.db.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - started
        self.db.close()


def _contacts(
    gen: PeopleGenerator, ws: int, count: int, dialect: str
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    contacts: list[tuple[Any, ...]] = []
    identifiers: list[tuple[Any, ...]] = []
    for contact, ids, _ in _contact_rows(gen, ws, 1, count, dialect):
        contacts.append(contact)
        identifiers.extend(ids)
        if len(contacts) >= 20_000:
            yield contacts, identifiers
            contacts, identifiers = [], []
    yield contacts, identifiers


def load(plan: LoadPlan) -> Dataset:
    """Runs in a child process: migrations, people through the services, then the bulk load."""
    import resource

    from cxhub.core.migrate import upgrade_database

    timings: dict[str, float] = {}
    started = time.perf_counter()
    upgrade_database(plan.url)
    timings["migrations"] = time.perf_counter() - started
    ws, agents, teams, token, policy_id = create_people(plan.url)
    dialect = "sqlite" if plan.url.startswith("sqlite") else "pg"
    writer: SqliteWriter | PostgresWriter = (
        SqliteWriter(plan.url) if dialect == "sqlite" else PostgresWriter(plan.url)
    )
    counts = dict.fromkeys(
        (
            "contacts",
            "identifiers",
            "tickets",
            "messages",
            "tags",
            "search documents",
            "sla targets",
            "csat surveys",
        ),
        0,
    )
    started = time.perf_counter()
    contacts = max(1000, plan.tickets // 5)
    for batch_c, batch_i in _contacts(PeopleGenerator(plan.seed), ws, contacts, dialect):
        writer.rows("contacts", CONTACT_COLUMNS, batch_c)
        writer.rows("contact_identifiers", IDENTIFIER_COLUMNS, batch_i)
        counts["contacts"] += len(batch_c)
        counts["identifiers"] += len(batch_i)
    timings["contacts"] = time.perf_counter() - started
    started = time.perf_counter()
    generator = TicketGenerator(plan, ws, agents, teams, contacts, policy_id, dialect)
    chunk = 20_000
    for first in range(1, plan.tickets + 1, chunk):
        batch = generator.generate(first, min(chunk, plan.tickets + 1 - first))
        writer.rows("tickets", TICKET_COLUMNS, batch.tickets)
        writer.rows("ticket_messages", MESSAGE_COLUMNS, batch.messages)
        writer.rows("ticket_tags", TAG_COLUMNS, batch.tags)
        writer.documents(batch.documents)
        writer.rows("ticket_sla_targets", SLA_COLUMNS, batch.sla_targets)
        writer.rows("csat_surveys", CSAT_COLUMNS, batch.csat)
        for name, rows in (
            ("tickets", batch.tickets),
            ("messages", batch.messages),
            ("tags", batch.tags),
            ("search documents", batch.documents),
            ("sla targets", batch.sla_targets),
            ("csat surveys", batch.csat),
        ):
            counts[name] += len(rows)
        if first // chunk % 10 == 9:
            writer.checkpoint()
            print(f"    {first + chunk - 1:,} tickets ...", flush=True)
    timings["tickets+threads+index"] = time.perf_counter() - started
    writer.finish(timings)
    counts["documents checked against index_document"] = generator.checked
    return Dataset(
        workspace_id=ws,
        agent_ids=agents,
        team_ids=teams,
        token=token,
        now=plan.now,
        counts=counts,
        load_seconds=timings,
        loader_peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def default_now() -> float:
    """The data is built around the current hour, so "breaching within 1h" and the last 90 days
    mean what they mean at measuring time (a cached database is only reused for 12 hours)."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0).timestamp()


__all__ = ["Dataset", "LoadPlan", "default_now", "load", "timedelta"]
