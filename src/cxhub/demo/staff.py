"""The demo vendor's own people: who signs in, who owns which accounts, which teams exist.

A fixed cast rather than random names, so docs and walkthroughs can refer to "Chiara in Support
EMEA" or "the APAC CSMs" and stay true whatever the seed.
"""

from __future__ import annotations

from cxhub.demo.records import StaffMember

VENDOR_NAME = "Lumora"
VENDOR_TAGLINE = "Product analytics for B2B software teams"
DEFAULT_SLUG = "lumora-demo"
STAFF_DOMAIN = "lumora.example"  # reserved TLD: staff addresses can never reach a real mailbox
ADMIN_KEY = "admin"
# Printed on the console by `cxhub serve --demo`; it is a demo, not a secret (see docs/demo.md).
DEMO_PASSWORD = "lumora-demo-2026"  # noqa: S105

TEAMS: dict[str, str] = {
    "Support EMEA": "Tickets from Europe, the Middle East and Africa (English, Italian, German, French).",
    "Support APAC": "Tickets from Asia-Pacific (Chinese, Indonesian, English).",
    "Support Americas": "Tickets from North and South America.",
    "Escalations": "Outages and incidents: senior agents of every region, assigned by hand.",
    "Customer Success": "CSMs who own the customer portfolio, onboarding and renewals.",
}

STAFF: tuple[StaffMember, ...] = (
    StaffMember(ADMIN_KEY, "Maya Lindqvist", "admin", "en", "Europe/London", "global"),
    StaffMember("tom.fletcher", "Tom Fletcher", "agent", "en", "Europe/London", "emea", ("Support EMEA", "Escalations")),
    StaffMember("chiara.valli", "Chiara Valli", "agent", "it", "Europe/Rome", "emea", ("Support EMEA",)),
    StaffMember("xiaoyu.lin", "林晓雨", "agent", "zh", "Asia/Shanghai", "apac", ("Support APAC", "Escalations")),
    StaffMember("putu.lestari", "Putu Ayu Lestari", "agent", "id", "Asia/Makassar", "apac", ("Support APAC",)),
    StaffMember("jake.morrison", "Jake Morrison", "agent", "en", "America/Chicago", "americas", ("Support Americas", "Escalations")),
    StaffMember("sofia.ramos", "Sofia Ramos", "agent", "en", "America/Los_Angeles", "americas", ("Support Americas",)),
    StaffMember("daniel.okafor", "Daniel Okafor", "csm", "en", "America/New_York", "americas", ("Customer Success",)),
    StaffMember("rachel.kim", "Rachel Kim", "csm", "en", "America/Los_Angeles", "americas", ("Customer Success",)),
    StaffMember("federica.gatti", "Federica Gatti", "csm", "it", "Europe/Rome", "emea", ("Customer Success",)),
    StaffMember("oliver.bennett", "Oliver Bennett", "csm", "en", "Europe/London", "emea", ("Customer Success",)),
    StaffMember("jingyi.chen", "陈静怡", "csm", "zh", "Asia/Shanghai", "apac", ("Customer Success",)),
    StaffMember("rudi.hartanto", "Rudi Hartanto", "csm", "id", "Asia/Jakarta", "apac", ("Customer Success",)),
    StaffMember("emma.walsh", "Emma Walsh", "csm", "en", "Australia/Sydney", "apac", ("Customer Success",)),
    StaffMember("priya.raman", "Priya Raman", "analyst", "en", "Europe/London", "global"),
    StaffMember("sam.taylor", "Sam Taylor", "viewer", "en", "America/New_York", "global"),
)  # fmt: skip

COUNTRY_REGION = {
    "US": "americas", "BR": "americas", "GB": "emea", "IT": "emea", "DE": "emea", "FR": "emea",
    "ES": "emea", "CN": "apac", "ID": "apac", "AU": "apac",
}  # fmt: skip


def staff_domain(slug: str) -> str:
    """User e-mails are unique per installation, so a non-default demo slug gets its own domain."""
    return STAFF_DOMAIN if slug == DEFAULT_SLUG else f"{slug}.{STAFF_DOMAIN}"


def staff_email(member: StaffMember, slug: str) -> str:
    return f"{member.key}@{staff_domain(slug)}"


def csms_for(country: str) -> list[StaffMember]:
    region = COUNTRY_REGION.get(country, "americas")
    return [m for m in STAFF if m.role == "csm" and m.region == region]
