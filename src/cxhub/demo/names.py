"""Name, phone, mailbox and time-zone catalogues for the demo's people, one per locale.

Small hand-written lists (no downloaded data) covering the languages of cxhub's first users —
English (US, UK, Australia), Italian, Simplified Chinese and Indonesian — plus a few others, so the
demo exercises non-Latin names, mononyms, per-country phone formats and local mailbox providers.
Chinese names carry their pinyin so e-mail addresses can be romanised the way people really do.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

PhoneFormat = Callable[[random.Random], str]


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def _phone_us(rng: random.Random) -> str:
    area = rng.choice(["212", "312", "415", "512", "617", "646", "206", "303", "404", "737"])
    return f"+1 ({area}) {rng.randrange(200, 999)}-{_digits(rng, 4)}"


def _phone_gb(rng: random.Random) -> str:
    return f"+44 7{_digits(rng, 3)} {_digits(rng, 6)}"


def _phone_au(rng: random.Random) -> str:
    return f"+61 4{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}"


def _phone_it(rng: random.Random) -> str:
    return f"+39 3{rng.choice('234689')}{_digits(rng, 1)} {_digits(rng, 3)} {_digits(rng, 4)}"


def _phone_cn(rng: random.Random) -> str:
    prefix = rng.choice(["138", "139", "135", "186", "158", "177", "199"])
    return f"+86 {prefix} {_digits(rng, 4)} {_digits(rng, 4)}"


def _phone_id(rng: random.Random) -> str:
    prefix = rng.choice(["811", "812", "813", "821", "852", "857", "878"])
    return f"+62 {prefix}-{_digits(rng, 4)}-{_digits(rng, 4)}"


def _phone_de(rng: random.Random) -> str:
    return f"+49 15{_digits(rng, 1)} {_digits(rng, 8)}"


def _phone_fr(rng: random.Random) -> str:
    return "+33 6 " + " ".join(_digits(rng, 2) for _ in range(4))


def _phone_es(rng: random.Random) -> str:
    return f"+34 6{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}"


def _phone_br(rng: random.Random) -> str:
    return f"+55 11 9{_digits(rng, 4)}-{_digits(rng, 4)}"


@dataclass(frozen=True)
class LocaleProfile:
    """How people of one locale are named, reached and located."""

    code: str
    country: str
    time_zones: tuple[tuple[str, int], ...]  # (IANA name, UTC offset in hours, DST ignored)
    given_names: tuple[str, ...]
    family_names: tuple[str, ...]
    free_mail: tuple[str, ...]
    phone: PhoneFormat
    romanised: dict[str, str] | None = None  # Han characters -> pinyin, for e-mail local parts
    mononym_share: float = 0.0  # people known by one name only (common in Indonesia)

    @property
    def language(self) -> str:
        return self.code.split("-")[0]

    def ascii_name(self, name: str) -> str:
        """A name as it would appear in an e-mail address: romanised, unaccented, lower case."""
        if self.romanised is not None:
            return self.romanised[name]
        decomposed = unicodedata.normalize("NFKD", name)
        plain = "".join(c for c in decomposed if c.isascii() and c.isalnum())
        return plain.lower()


_EN_GIVEN_US = "James Mary Michael Jennifer David Sarah Daniel Emily Christopher Jessica Matthew Ashley Ryan Megan Tyler Lauren Brandon Olivia Kevin Hannah Marcus Tiffany Jordan Alexis Andre Keisha Carlos Priya Ethan Chloe"
_EN_FAMILY_US = "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis Walker Patel Nguyen Kim Robinson"
_EN_GIVEN_GB = "Oliver Amelia Harry Isla George Ava Jack Emily Charlie Sophie Thomas Grace Alfie Poppy William Freya Oscar Evie Henry Imogen Rhys Siobhan Callum Niamh Hamish Eleanor"
_EN_FAMILY_GB = "Smith Jones Taylor Brown Davies Evans Wilson Thomas Roberts Johnson Walker Wright Robinson Thompson White Hughes Edwards Green Hall Wood Harris Lewis Clarke Patel Khan Murphy MacDonald Campbell"
_EN_GIVEN_AU = "Jack Charlotte Noah Mia William Olivia Thomas Ruby Lachlan Chloe Cooper Zoe Riley Matilda Hamish Sienna Liam Jasmine Mitchell Tahlia"
_EN_FAMILY_AU = "Smith Jones Williams Brown Wilson Taylor Nguyen Johnson Martin White Anderson Walker Thompson Kelly Ryan O'Brien Mitchell Campbell Stewart Murray"
_IT_GIVEN = "Giulia Marco Francesca Alessandro Chiara Luca Sara Matteo Elena Andrea Valentina Davide Federica Simone Martina Lorenzo Silvia Giorgio Paola Niccolò Beatrice Stefano Alessia Riccardo Ilaria Tommaso Elisa Gabriele Noemi Pietro"
_IT_FAMILY = "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De_Luca Mancini Costa Giordano Rizzo Lombardi Moretti D'Angelo Fontana Caruso Barbieri Galli Ferri Vitale Sala Fumagalli Brambilla"
_ZH_GIVEN = {
    "伟": "wei", "芳": "fang", "娜": "na", "秀英": "xiuying", "敏": "min", "静": "jing",
    "丽": "li", "强": "qiang", "磊": "lei", "军": "jun", "洋": "yang", "勇": "yong", "艳": "yan",
    "杰": "jie", "娟": "juan", "涛": "tao", "明": "ming", "超": "chao", "秀兰": "xiulan",
    "霞": "xia", "平": "ping", "刚": "gang", "建华": "jianhua", "晓明": "xiaoming",
    "思远": "siyuan", "子涵": "zihan", "浩然": "haoran", "雨桐": "yutong", "欣怡": "xinyi",
    "志强": "zhiqiang", "海燕": "haiyan", "俊杰": "junjie",
}  # fmt: skip
_ZH_FAMILY = {
    "王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang",
    "黄": "huang", "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma",
    "朱": "zhu", "胡": "hu", "郭": "guo", "何": "he", "林": "lin", "罗": "luo", "高": "gao",
    "郑": "zheng", "梁": "liang", "谢": "xie", "宋": "song", "唐": "tang", "韩": "han",
    "冯": "feng", "邓": "deng", "曹": "cao", "欧阳": "ouyang",
}  # fmt: skip
_ID_GIVEN = "Budi Siti Agus Dewi Rizky Putri Andi Wahyu Sri Adi Indah Fajar Nur Rina Hendra Ayu Dimas Lestari Yusuf Fitri Bayu Ratna Eko Wulan Arief Kurniawati Suharti Bambang Mega Teguh"
_ID_FAMILY = "Santoso Wijaya Saputra Pratama Hidayat Kusuma Siregar Nasution Simanjuntak Halim Setiawan Gunawan Susanto Hakim Lubis Purnomo Rahman Hartono Sitompul Wibowo Tanoto Harahap"
_DE_GIVEN = "Lukas Anna Jonas Lea Felix Hannah Maximilian Laura Paul Katharina Jürgen Sabine"
_DE_FAMILY = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Krüger Wolf"
)
_FR_GIVEN = "Camille Louis Chloé Hugo Léa Arthur Manon Jules Inès Théo Élodie Mathieu"
_FR_FAMILY = "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Lefèvre Girard"
_ES_GIVEN = "Lucía Hugo Martina Pablo Sofía Álvaro Carmen Javier Marta Sergio Paula Adrián"
_ES_FAMILY = (
    "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Ruiz Díaz Moreno"
)
_PT_GIVEN = "João Maria Pedro Ana Lucas Juliana Gabriel Fernanda Rafael Camila Thiago Beatriz"
_PT_FAMILY = "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro"

_EN_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com")

LOCALES: dict[str, LocaleProfile] = {
    profile.code: profile
    for profile in (
        LocaleProfile(
            "en-US",
            "US",
            (
                ("America/New_York", -5),
                ("America/Chicago", -6),
                ("America/Denver", -7),
                ("America/Los_Angeles", -8),
            ),
            tuple(_EN_GIVEN_US.split()),
            tuple(_EN_FAMILY_US.split()),
            (*_EN_MAIL, "aol.com"),
            _phone_us,
        ),
        LocaleProfile(
            "en-GB",
            "GB",
            (("Europe/London", 0),),
            tuple(_EN_GIVEN_GB.split()),
            tuple(_EN_FAMILY_GB.split()),
            _EN_MAIL,
            _phone_gb,
        ),
        LocaleProfile(
            "en-AU",
            "AU",
            (
                ("Australia/Sydney", 10),
                ("Australia/Melbourne", 10),
                ("Australia/Brisbane", 10),
                ("Australia/Perth", 8),
            ),
            tuple(_EN_GIVEN_AU.split()),
            tuple(_EN_FAMILY_AU.split()),
            _EN_MAIL,
            _phone_au,
        ),
        LocaleProfile(
            "it-IT",
            "IT",
            (("Europe/Rome", 1),),
            tuple(_IT_GIVEN.split()),
            tuple(name.replace("_", " ") for name in _IT_FAMILY.split()),
            ("gmail.com", "libero.it", "virgilio.it", "hotmail.it", "alice.it", "tiscali.it"),
            _phone_it,
        ),
        LocaleProfile(
            "zh-CN",
            "CN",
            (("Asia/Shanghai", 8),),
            tuple(_ZH_GIVEN),
            tuple(_ZH_FAMILY),
            ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com"),
            _phone_cn,
            romanised={**_ZH_GIVEN, **_ZH_FAMILY},
        ),
        LocaleProfile(
            "id-ID",
            "ID",
            (("Asia/Jakarta", 7), ("Asia/Makassar", 8), ("Asia/Jayapura", 9)),
            tuple(_ID_GIVEN.split()),
            tuple(_ID_FAMILY.split()),
            ("gmail.com", "yahoo.co.id", "yahoo.com", "outlook.com"),
            _phone_id,
            mononym_share=0.12,
        ),
        LocaleProfile(
            "de-DE",
            "DE",
            (("Europe/Berlin", 1),),
            tuple(_DE_GIVEN.split()),
            tuple(_DE_FAMILY.split()),
            ("gmx.net", "gmail.com", "gmx.com"),
            _phone_de,
        ),
        LocaleProfile(
            "fr-FR",
            "FR",
            (("Europe/Paris", 1),),
            tuple(_FR_GIVEN.split()),
            tuple(_FR_FAMILY.split()),
            ("gmail.com", "outlook.com", "hotmail.com"),
            _phone_fr,
        ),
        LocaleProfile(
            "es-ES",
            "ES",
            (("Europe/Madrid", 1),),
            tuple(_ES_GIVEN.split()),
            tuple(_ES_FAMILY.split()),
            ("gmail.com", "hotmail.com", "outlook.com"),
            _phone_es,
        ),
        LocaleProfile(
            "pt-BR",
            "BR",
            (("America/Sao_Paulo", -3),),
            tuple(_PT_GIVEN.split()),
            tuple(_PT_FAMILY.split()),
            ("gmail.com", "hotmail.com", "outlook.com"),
            _phone_br,
        ),
    )
}

# Share of the customer base per locale: heavy on the first users' languages, a tail of others.
LOCALE_WEIGHTS: dict[str, float] = {
    "en-US": 0.28, "en-GB": 0.10, "en-AU": 0.06, "it-IT": 0.16, "zh-CN": 0.15, "id-ID": 0.14,
    "de-DE": 0.04, "fr-FR": 0.03, "es-ES": 0.02, "pt-BR": 0.02,
}  # fmt: skip


def pick_locale(rng: random.Random) -> LocaleProfile:
    codes = list(LOCALE_WEIGHTS)
    return LOCALES[rng.choices(codes, weights=[LOCALE_WEIGHTS[c] for c in codes])[0]]


def unique_phone(rng: random.Random, profile: LocaleProfile, taken: set[str]) -> str:
    """A phone number in the country's usual written format, distinct once normalised."""
    while True:
        phone = profile.phone(rng)
        digits = "".join(c for c in phone if c.isdigit())
        if digits not in taken:
            taken.add(digits)
            return phone
