"""Normalisation of e-mail domains, web sites and company names for matching.

Domains are compared by their *registrable* part: ``mail.eu.acme.co.uk`` and ``acme.co.uk``
are the same company. Without a downloaded Public Suffix List we keep the two-level suffixes
that matter for B2B data (``co.uk``, ``com.br``, ...); anything else is ``<name>.<tld>``.
Company names lose case, accents, punctuation and legal-form words (``Inc``, ``GmbH``,
``Ltda``...), so ``ACME, Inc.`` and ``Acme`` normalise alike.
"""

from __future__ import annotations

import re
import unicodedata

# Free and consumer mail providers: their domain says nothing about the employer.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.com.br", "yahoo.fr",
        "ymail.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.com.br", "outlook.com",
        "outlook.com.br", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com",
        "protonmail.com", "proton.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com",
        "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com",
        "bol.com.br", "uol.com.br", "terra.com.br", "ig.com.br", "orange.fr", "free.fr",
        "laposte.net", "libero.it", "t-online.de", "comcast.net", "verizon.net", "att.net",
        "fastmail.com", "hey.com", "tutanota.com", "rediffmail.com",
    }
)  # fmt: skip

# Second-level public suffixes under which the company name is the third label.
TWO_LEVEL_SUFFIXES = frozenset(
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "com.br", "net.br", "org.br",
        "com.au", "net.au", "org.au", "co.nz", "co.jp", "co.kr", "co.in", "co.za", "com.mx",
        "com.ar", "com.co", "com.cn", "com.hk", "com.sg", "com.tr", "com.tw", "co.il", "com.pl",
        "com.es", "com.pt", "co.id", "com.my", "com.ph", "com.vn", "com.ng", "com.eg",
    }
)  # fmt: skip

LEGAL_FORMS = frozenset(
    {
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "plc", "corp", "corporation",
        "co", "company", "gmbh", "ag", "kg", "ug", "sa", "sas", "sarl", "srl", "spa", "bv", "nv",
        "oy", "ab", "as", "aps", "pty", "pte", "kk", "ltda", "eireli", "me", "mei", "sl", "slu",
        "the", "group", "holdings", "holding",
    }
)  # fmt: skip

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def registrable_domain(host: str | None) -> str | None:
    """``www.eu.acme.co.uk`` → ``acme.co.uk``; ``None`` for blanks and hosts without a dot.

    Args:
        host: a host name (any case, surrounding spaces and a trailing dot allowed).
    """
    if not host:
        return None
    labels = [part for part in host.strip().lower().rstrip(".").split(".") if part]
    if len(labels) < 2:
        return None
    keep = 3 if ".".join(labels[-2:]) in TWO_LEVEL_SUFFIXES and len(labels) >= 3 else 2
    return ".".join(labels[-keep:])


def email_domain(email: str | None) -> str | None:
    """The registrable domain of an address (``ana@Sales.Acme.com`` → ``acme.com``)."""
    if not email or "@" not in email:
        return None
    return registrable_domain(email.rsplit("@", 1)[1])


def website_domain(website: str | None) -> str | None:
    """The registrable domain of a URL or bare host (``https://www.acme.com/x`` → ``acme.com``).

    Ports, paths, query strings and user-info are ignored; an e-mail address is accepted too.
    """
    if not website:
        return None
    text = website.strip().lower()
    if "@" in text and "/" not in text:
        return email_domain(text)
    text = _SCHEME.sub("", text)
    host = re.split(r"[/?#]", text, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    return registrable_domain(host)


def is_free_mail(domain: str | None) -> bool:
    """True when ``domain`` (already registrable) belongs to a consumer mail provider."""
    return domain is not None and domain in FREE_MAIL_DOMAINS


def company_key(name: str | None) -> str:
    """A company name reduced for comparison: ``"ACME, Inc."`` → ``"acme"``.

    Accents are folded (``São`` → ``sao``), punctuation becomes a space, legal-form words are
    dropped unless that would leave nothing (``"The Company"`` stays ``"the company"``).
    """
    if not name:
        return ""
    folded = unicodedata.normalize("NFKD", name.lower())
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch))
    ascii_text = ascii_text.replace("&", " and ")
    words = _NON_WORD.sub(" ", ascii_text).split()
    kept = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(kept or words)
