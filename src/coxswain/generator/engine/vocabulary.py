"""Words the generator draws from: people's names by locale, titles, industries, company names.

Lists are short on purpose (a few dozen entries each): variety comes from combining them. Every
name has an ASCII "slug" (accents stripped, lower case) used in e-mail addresses and domains.
"""

from __future__ import annotations

import unicodedata

NAME_LOCALES: tuple[str, ...] = ("en", "de", "fr", "nl", "es", "pt", "ja")

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
           "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
           "Sarah", "Daniel", "Karen", "Matthew", "Emily", "Andrew", "Olivia", "Ryan", "Grace",
           "Priya", "Wei", "Aisha", "Liam", "Chloe", "Noah"),
    "de": ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Hannah", "Maximilian", "Sophie", "Paul",
           "Laura", "Tobias", "Julia", "Stefan", "Katrin", "Jan", "Miriam", "Florian", "Sabine"),
    "fr": ("Louis", "Camille", "Hugo", "Léa", "Jules", "Manon", "Arthur", "Chloé", "Théo",
           "Inès", "Antoine", "Élodie", "Nicolas", "Margaux", "Julien", "Céline"),
    "nl": ("Daan", "Emma", "Sem", "Julia", "Lars", "Sanne", "Bram", "Fleur", "Thijs", "Lotte",
           "Ruben", "Iris", "Joris", "Anouk"),
    "es": ("Alejandro", "Lucía", "Pablo", "María", "Javier", "Carmen", "Diego", "Sofía",
           "Sergio", "Elena", "Andrés", "Paula", "Mateo", "Valentina", "Carlos", "Isabel"),
    "pt": ("João", "Ana", "Pedro", "Beatriz", "Lucas", "Mariana", "Gabriel", "Juliana",
           "Rafael", "Camila", "Thiago", "Larissa", "Bruno", "Fernanda", "Gustavo", "Letícia"),
    "ja": ("Hiroshi", "Yuki", "Takeshi", "Aiko", "Kenji", "Haruka", "Daichi", "Sakura", "Ren",
           "Yui", "Sota", "Mei", "Kaito", "Naomi"),
}  # fmt: skip

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
           "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White",
           "Harris", "Clark", "Lewis", "Walker", "Young", "King", "Wright", "Scott", "Green",
           "Baker", "Adams", "Nelson", "Patel", "Chen", "Murphy", "O'Brien", "Kelly", "Evans"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
           "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Fournier"),
    "nl": ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
           "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos"),
    "es": ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez",
           "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno"),
    "pt": ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
           "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Barbosa"),
    "ja": ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
           "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Matsumoto"),
}  # fmt: skip

CONTACT_TITLES: tuple[tuple[str, float], ...] = (
    ("CEO", 0.04), ("CFO", 0.04), ("COO", 0.03), ("CTO", 0.04), ("CIO", 0.03),
    ("VP of Sales", 0.08), ("VP of Operations", 0.05), ("VP of Finance", 0.04),
    ("Head of Revenue Operations", 0.07), ("Sales Operations Manager", 0.09),
    ("Director of Sales", 0.08), ("IT Director", 0.06), ("Procurement Manager", 0.06),
    ("Operations Manager", 0.07), ("Finance Manager", 0.05), ("Marketing Director", 0.05),
    ("Business Analyst", 0.05), ("Account Manager", 0.03),
)  # fmt: skip

INDUSTRIES: tuple[tuple[str, float], ...] = (
    ("Software", 0.16), ("Financial Services", 0.09), ("Healthcare", 0.08),
    ("Manufacturing", 0.1), ("Retail", 0.08), ("Logistics", 0.06), ("Telecommunications", 0.04),
    ("Education", 0.05), ("Media", 0.04), ("Professional Services", 0.09), ("Energy", 0.04),
    ("Construction", 0.05), ("Hospitality", 0.04), ("Real Estate", 0.04), ("Insurance", 0.04),
)  # fmt: skip

COMPANY_ROOTS: tuple[str, ...] = (
    "Acorn", "Alder", "Amber", "Apex", "Arbor", "Aster", "Atlas", "Aurora", "Beacon", "Birch",
    "Blue", "Bold", "Bright", "Cardinal", "Cedar", "Clear", "Cobalt", "Copper", "Coral", "Crest",
    "Crimson", "Crystal", "Delta", "Eagle", "Echo", "Ember", "Emerald", "Falcon", "Fern", "Flint",
    "Golden", "Granite", "Green", "Harbor", "Hazel", "Horizon", "Indigo", "Iron", "Ivory", "Jade",
    "Juniper", "Keystone", "Lake", "Laurel", "Lumen", "Maple", "Meridian", "Midnight", "Nimbus",
    "North", "Oak", "Onyx", "Orchid", "Pine", "Polar", "Prairie", "Quartz", "Raven", "Red",
    "River", "Sage", "Silver", "Sky", "Spruce", "Stone", "Summit", "Sun", "Swift", "Terra",
    "Tidal", "True", "Velvet", "Vista", "West", "Willow", "Zenith",
)  # fmt: skip

COMPANY_NOUNS: tuple[str, ...] = (
    "Anchor", "Arc", "Bay", "Bridge", "Brook", "Canyon", "Cliff", "Cloud", "Coast", "Creek",
    "Dale", "Field", "Forge", "Gate", "Glen", "Grove", "Hill", "Hollow", "Isle", "Key", "Leaf",
    "Light", "Line", "Mark", "Mesa", "Mill", "Moor", "Path", "Peak", "Point", "Port", "Ridge",
    "Rock", "Shore", "Spring", "Star", "Stream", "Tower", "Trail", "Vale", "View", "Wave",
    "Well", "Wind", "Wood", "Works", "Yard", "Pointe",
)  # fmt: skip

COMPANY_DESCRIPTORS: tuple[str, ...] = (
    "Analytics", "Logistics", "Health", "Foods", "Robotics", "Systems", "Labs", "Group",
    "Partners", "Holdings", "Technologies", "Software", "Energy", "Media", "Capital", "Retail",
    "Manufacturing", "Consulting", "Networks", "Industries", "Solutions", "Dynamics", "Brands",
    "Security", "Logic", "Supply", "Motors", "Studios", "Pharma", "Finance", "Insurance", "Realty",
)  # fmt: skip

DISQUALIFIED_REASONS: tuple[str, ...] = (
    "No budget", "Not a fit", "Student or personal use", "Competitor", "Duplicate",
    "Unresponsive", "Bad contact data", "Too small",
)  # fmt: skip

OPEN_NEXT_STEPS: tuple[tuple[str, ...], ...] = (
    ("Book discovery call", "Research account", "Send intro e-mail"),
    ("Confirm budget and timeline", "Identify decision makers"),
    ("Run product demo", "Map requirements", "Technical deep dive"),
    ("Send proposal", "Review pricing with champion", "Present business case"),
    ("Legal review of contract", "Procurement sign-off", "Finalise terms"),
)  # fmt: skip


def slug(text: str) -> str:
    """ASCII lower-case form of a name for e-mails and domains: ``"O'Brien"`` → ``"obrien"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def flat_names(table: dict[str, tuple[str, ...]]) -> tuple[tuple[str, ...], dict[str, range]]:
    """All names of ``table`` in one tuple, with the index range of each locale."""
    names: list[str] = []
    ranges: dict[str, range] = {}
    for locale in NAME_LOCALES:
        ranges[locale] = range(len(names), len(names) + len(table[locale]))
        names.extend(table[locale])
    return tuple(names), ranges
