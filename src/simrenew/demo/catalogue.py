"""Demo catalogue: four Belgian brands with illustrative (not official) bundles and top-ups."""

from typing import Any

DEMO_CUSTOMER = ("demo@simrenew.example", "Renew-Demo-2026")
DEMO_ADMIN = ("admin@simrenew.example", "Admin-Demo-2026")
# Back-office logins, one per staff role (e-mail, password, role code, name); each verifies with the
# demo authenticator (simrenew.staff.demo). Shop staff and cashiers come with the shop and retail demos.
DEMO_STAFF = [
    ("support@simrenew.example", "Support-Demo-2026", "customer-service", "Sofie Janssens"),
    ("marketing@simrenew.example", "Marketing-Demo-2026", "marketing", "Lucas Dubois"),
    ("finance@simrenew.example", "Finance-Demo-2026", "finance", "Wei Zhang"),
]
DEMO_LINE = "+32472000001"  # the demo customer's line: Proximus, index 1

BundleSpec = tuple[str, int, int | None, int | None, int | None, int]

# Brussels as each language of the site names it (the official Brussel / Bruxelles, and Brüssel).
BRUSSELS = {"nl": "Brussel", "fr": "Bruxelles", "de": "Brüssel", "zh-hans": "布鲁塞尔"}

BRANDS: list[dict[str, Any]] = [
    {
        "code": "proximus",
        "name": "Proximus",
        "primary_colour": "#5c2d91",
        "accent_colour": "#00b2a9",
        "support_phone": "6000",
        "official_domains": "www.proximus.be\nmy.proximus.be",
        "credit_validity_days": 365,
        "grace_days": 30,
        # The seller on receipts: the operator's public company data (BCE/KBO).
        "legal_name": "Proximus SA/NV",
        "legal_street": "Boulevard du Roi Albert II 27",
        "legal_postal_code": "1030",
        "legal_city": "Brussels",
        "legal_cities": BRUSSELS,
        "vat_number": "BE0202239951",
        "prefixes": ["0472", "0475", "0476"],
    },
    {
        "code": "base",
        "name": "BASE",
        "primary_colour": "#00855f",
        "accent_colour": "#b5d334",
        "support_phone": "1922",
        "official_domains": "www.base.be",
        "credit_validity_days": 365,
        "grace_days": 30,
        "legal_name": "Telenet BV",
        "legal_street": "Liersesteenweg 4",
        "legal_postal_code": "2800",
        "legal_city": "Mechelen",
        "vat_number": "BE0473416418",
        "prefixes": ["0485", "0486", "0487"],
    },
    {
        "code": "telenet",
        "name": "Telenet",
        "primary_colour": "#1a1a1a",
        "accent_colour": "#ffc421",
        "support_phone": "0800 66 000",
        "official_domains": "www2.telenet.be",
        "credit_validity_days": 365,
        "grace_days": 30,
        "legal_name": "Telenet BV",
        "legal_street": "Liersesteenweg 4",
        "legal_postal_code": "2800",
        "legal_city": "Mechelen",
        "vat_number": "BE0473416418",
        "prefixes": ["0468", "0467"],
    },
    {
        "code": "orange",
        "name": "Orange Belgium",
        "primary_colour": "#ff7900",
        "accent_colour": "#000000",
        "support_phone": "5000",
        "official_domains": "www.orange.be",
        "credit_validity_days": 365,
        "grace_days": 30,
        "legal_name": "Orange Belgium SA/NV",
        "legal_street": "Avenue du Bourget 3",
        "legal_postal_code": "1140",
        "legal_city": "Brussels",
        "legal_cities": BRUSSELS,
        "vat_number": "BE0456810810",
        "prefixes": ["0495", "0496", "0497"],
    },
]


def demo_number(brand_code: str, index: int) -> str:
    """The E.164 number of a brand's demo line `index` (1, 2, …): one of the brand's prefixes, taken in
    turn, then the index; the demo customer's line is Proximus 1. README and `make demo` name these."""
    if brand_code == "proximus" and index == 1:
        return DEMO_LINE
    prefixes = next(spec["prefixes"] for spec in BRANDS if spec["code"] == brand_code)
    return f"+32{prefixes[index % len(prefixes)][1:]}{index:06d}"


# Demo lines to try for linking and gift top-ups (brand code, index), as the banner prints them.
EXAMPLE_LINES = [("base", 2), ("telenet", 3), ("orange", 4)]
# Lines whose holder is not identified whatever the draw (demo_identities): one to identify at the shop desk.
NOT_IDENTIFIED_LINES = [("proximus", 5)]

# (code, price cents, data MB or None, minutes or None, sms or None, validity days)
BUNDLES: dict[str, list[BundleSpec]] = {
    "proximus": [
        ("pay-go-s", 1000, 3072, 120, None, 30),
        ("pay-go-m", 1500, 8192, 300, None, 30),
        ("pay-go-l", 2000, 20480, None, None, 30),
        ("pay-go-xl", 3000, 51200, None, None, 30),
    ],
    "base": [
        ("base-10", 1000, 4096, 100, 100, 30),
        ("base-15", 1500, 10240, None, None, 30),
        ("base-25", 2500, 30720, None, None, 30),
    ],
    "telenet": [
        ("prepaid-10", 1000, 5120, 150, None, 30),
        ("prepaid-20", 2000, 15360, None, None, 30),
        ("prepaid-30", 3000, 40960, None, None, 30),
        ("data-only-7", 700, 6144, 0, 0, 30),
    ],
    "orange": [
        ("go-light", 1000, 4096, 120, None, 30),
        ("go-plus", 1500, 10240, None, None, 30),
        ("go-extreme", 2500, 35840, None, None, 30),
        ("go-weekly", 500, 2048, 30, None, 7),
    ],
}

TOPUP_AMOUNTS: dict[str, dict[str, Any]] = {
    "proximus": {"topup_amounts": [1000, 1500, 2000, 2500, 5000]},
    "base": {"topup_amounts": [1000, 1500, 2500, 5000]},
    "telenet": {"topup_min_amount": 500, "topup_max_amount": 10000, "topup_step_amount": 500},
    "orange": {"topup_amounts": [1000, 1500, 2000, 3000, 5000]},
}

# What a customer pays to use a method: (fixed cents, basis points). Shown in every quote.
FEES = {
    "creditcard": (25, 0),
    "bancontact": (0, 0),
    "kbc": (0, 0),
    "belfius": (0, 0),
    "applepay": (25, 0),
    "paypal": (35, 190),
    "banktransfer": (0, 0),
}


def bundle_title(code: str) -> str:
    """pay-go-xl → Pay Go XL: the bundle's brand name, the same in every language."""
    return " ".join(word.upper() if word in {"s", "m", "l", "xl"} else word.capitalize() for word in code.split("-"))


def bundle_names(code: str) -> dict[str, str]:
    title = bundle_title(code)
    return {lang: title for lang in ("en", "nl", "fr", "de", "zh-hans")}


def bundle_descriptions(data_mb: int | None, minutes: int | None, days: int) -> dict[str, str]:
    data = "∞" if data_mb is None else (f"{data_mb // 1024} GB" if data_mb >= 1024 else f"{data_mb} MB")
    phrases = {
        "en": ("mobile data", "unlimited calls", f"{minutes} minutes of calls", f"valid {days} days"),
        "nl": ("mobiele data", "onbeperkt bellen", f"{minutes} belminuten", f"{days} dagen geldig"),
        "fr": ("données mobiles", "appels illimités", f"{minutes} minutes d'appel", f"valable {days} jours"),
        "de": ("mobile Daten", "unbegrenzt telefonieren", f"{minutes} Gesprächsminuten", f"{days} Tage gültig"),
        "zh-hans": ("移动数据", "无限通话", f"{minutes} 分钟通话", f"有效期 {days} 天"),
    }
    result = {}
    for lang, (data_word, unlimited, limited, valid) in phrases.items():
        voice = unlimited if minutes is None else (limited if minutes else "")
        result[lang] = ", ".join(part for part in (f"{data} {data_word}", voice, valid) if part)
    return result


TOPUP_NAMES = {"en": "Top-up", "nl": "Herladen", "fr": "Recharge", "de": "Aufladen", "zh-hans": "充值"}


# Out-of-bundle rates, VAT included (illustrative): data cents per MB, calls cents per minute and their
# rounding (1: per second, 60: per started minute), SMS cents each, EU roaming fair use (MB a month at
# home rates) and the surcharge beyond it (cents per MB).
CHARGING_RATES: dict[str, tuple[int, int, int, int, int, int]] = {
    "proximus": (10, 12, 1, 10, 20480, 1),
    "base": (8, 10, 60, 9, 15360, 1),
    "telenet": (9, 12, 60, 10, 18432, 1),
    "orange": (10, 11, 1, 10, 17408, 1),
}


def charging_rates(brand_code: str) -> list[tuple[int, dict[str, int | None]]]:
    """The brand's demo rates (charging.Rate fields) by rating group: 10 data (bytes), 20 calls
    (seconds), 30 SMS, 40 EU roaming (bytes)."""
    data, voice, rounding, sms, fair_use_mb, surcharge = CHARGING_RATES[brand_code]
    mb = 1024 * 1024

    def rate(price: int, per: int, step: int, fair_use: int | None = None) -> dict[str, int | None]:
        return {"price_amount": price, "per_units": per, "rounding_units": step, "fair_use_units": fair_use}

    return [
        (10, rate(data, mb, 1024)),
        (20, rate(voice, 60, rounding)),
        (30, rate(sms, 1, 1)),
        (40, rate(surcharge, mb, 1024, fair_use_mb * mb)),
    ]
