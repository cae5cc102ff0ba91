"""Where the generated company sells: regions, countries, cities, currencies and time zones.

Everything is static reference data; :data:`CITIES` flattens it into NumPy-friendly tables so
that a city index gives its country, region, currency and phone prefix by array lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO currency with its minor digits and the USD value of one unit around the history."""

    code: str
    exponent: int
    usd_per_unit: float
    monthly_volatility: float


CURRENCIES: tuple[Currency, ...] = (
    Currency("USD", 2, 1.0, 0.0),
    Currency("EUR", 2, 1.09, 0.018),
    Currency("GBP", 2, 1.27, 0.018),
    Currency("CAD", 2, 0.74, 0.014),
    Currency("AUD", 2, 0.66, 0.022),
    Currency("JPY", 0, 0.0068, 0.025),
    Currency("BRL", 2, 0.19, 0.03),
)
CURRENCY_INDEX = {c.code: i for i, c in enumerate(CURRENCIES)}


@dataclass(frozen=True, slots=True)
class City:
    """A city; postal codes are ``prefix`` + ``digits`` random digits + ``suffix``."""

    name: str
    state: str
    postal_prefix: str
    postal_digits: int
    postal_suffix: str = ""
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    currency: str
    phone_prefix: str
    name_locale: str
    tld: str
    legal_forms: tuple[str, ...]
    weight: float
    cities: tuple[City, ...]
    time_zone: str = "America/New_York"


@dataclass(frozen=True, slots=True)
class Region:
    """A sales region: its share of the business and the time zones its reps work in."""

    name: str
    code: str
    share: float
    time_zones: tuple[tuple[str, float], ...]
    countries: tuple[Country, ...]


C = City
US = Country(
    "United States", "USD", "+1", "en", ".com", ("Inc.", "LLC", "Corp."), 0.85,
    (C("New York", "NY", "100", 2, weight=3), C("San Francisco", "CA", "941", 2, weight=2.5),
     C("Austin", "TX", "787", 2), C("Chicago", "IL", "606", 2, weight=2),
     C("Boston", "MA", "021", 2, weight=1.5), C("Seattle", "WA", "981", 2, weight=1.5),
     C("Atlanta", "GA", "303", 2), C("Denver", "CO", "802", 2), C("Miami", "FL", "331", 2)),
    "America/New_York",
)  # fmt: skip
CANADA = Country(
    "Canada", "CAD", "+1", "en", ".ca", ("Inc.", "Ltd."), 0.15,
    (C("Toronto", "ON", "M5V ", 1, "A1", 3), C("Vancouver", "BC", "V6B ", 1, "K2", 2),
     C("Montreal", "QC", "H3B ", 1, "Z7", 1.5)),
    "America/Toronto",
)  # fmt: skip
UK = Country(
    "United Kingdom", "GBP", "+44", "en", ".co.uk", ("Ltd", "PLC"), 0.30,
    (C("London", "England", "EC1A ", 1, "BB", 4), C("Manchester", "England", "M1 ", 1, "AE"),
     C("Edinburgh", "Scotland", "EH1 ", 1, "YZ")),
    "Europe/London",
)  # fmt: skip
GERMANY = Country(
    "Germany", "EUR", "+49", "de", ".de", ("GmbH", "AG"), 0.25,
    (C("Berlin", "Berlin", "10", 3, weight=2), C("Munich", "Bavaria", "80", 3, weight=2),
     C("Hamburg", "Hamburg", "20", 3), C("Frankfurt", "Hesse", "60", 3)),
    "Europe/Berlin",
)  # fmt: skip
FRANCE = Country(
    "France", "EUR", "+33", "fr", ".fr", ("SAS", "SA"), 0.18,
    (C("Paris", "Île-de-France", "750", 2, weight=3), C("Lyon", "Auvergne-Rhône-Alpes", "690", 2),
     C("Toulouse", "Occitanie", "310", 2)),
    "Europe/Paris",
)  # fmt: skip
NETHERLANDS = Country(
    "Netherlands", "EUR", "+31", "nl", ".nl", ("B.V.", "N.V."), 0.10,
    (C("Amsterdam", "North Holland", "10", 2, " AB", 2),
     C("Rotterdam", "South Holland", "30", 2, " CD"), C("Utrecht", "Utrecht", "35", 2, " EF")),
    "Europe/Amsterdam",
)  # fmt: skip
SPAIN = Country(
    "Spain", "EUR", "+34", "es", ".es", ("S.L.", "S.A."), 0.10,
    (C("Madrid", "Community of Madrid", "280", 2, weight=2),
     C("Barcelona", "Catalonia", "080", 2, weight=2),
     C("Valencia", "Valencian Community", "460", 2)),
    "Europe/Madrid",
)  # fmt: skip
IRELAND = Country(
    "Ireland", "EUR", "+353", "en", ".ie", ("Ltd", "DAC"), 0.07,
    (C("Dublin", "Leinster", "D02 ", 2, "X5", 3), C("Cork", "Munster", "T12 ", 2, "K8")),
    "Europe/Dublin",
)  # fmt: skip
AUSTRALIA = Country(
    "Australia", "AUD", "+61", "en", ".com.au", ("Pty Ltd",), 0.45,
    (C("Sydney", "NSW", "20", 2, weight=3), C("Melbourne", "VIC", "30", 2, weight=2.5),
     C("Brisbane", "QLD", "40", 2), C("Perth", "WA", "60", 2)),
    "Australia/Sydney",
)  # fmt: skip
JAPAN = Country(
    "Japan", "JPY", "+81", "ja", ".co.jp", ("K.K.", "G.K."), 0.35,
    (C("Tokyo", "Tokyo", "100-", 4, weight=4), C("Osaka", "Osaka", "530-", 4, weight=2),
     C("Yokohama", "Kanagawa", "220-", 4), C("Fukuoka", "Fukuoka", "810-", 4)),
    "Asia/Tokyo",
)  # fmt: skip
SINGAPORE = Country(
    "Singapore", "USD", "+65", "en", ".sg", ("Pte Ltd",), 0.20,
    (C("Singapore", "Singapore", "01", 4),),
    "Asia/Singapore",
)  # fmt: skip
BRAZIL = Country(
    "Brazil", "BRL", "+55", "pt", ".com.br", ("Ltda", "S.A."), 0.60,
    (C("São Paulo", "SP", "01", 3, "-000", 4), C("Rio de Janeiro", "RJ", "20", 3, "-000", 2),
     C("Belo Horizonte", "MG", "30", 3, "-000"), C("Curitiba", "PR", "80", 3, "-000")),
    "America/Sao_Paulo",
)  # fmt: skip
MEXICO = Country(
    "Mexico", "USD", "+52", "es", ".com.mx", ("S.A. de C.V.",), 0.40,
    (C("Mexico City", "CDMX", "06", 3, weight=3), C("Monterrey", "Nuevo León", "64", 3),
     C("Guadalajara", "Jalisco", "44", 3)),
    "America/Mexico_City",
)  # fmt: skip

REGIONS: tuple[Region, ...] = (
    Region(
        "North America", "NA", 0.45,
        (("America/New_York", 0.4), ("America/Chicago", 0.25), ("America/Denver", 0.1),
         ("America/Los_Angeles", 0.2), ("America/Toronto", 0.05)),
        (US, CANADA),
    ),
    Region(
        "EMEA", "EMEA", 0.30,
        (("Europe/London", 0.35), ("Europe/Berlin", 0.2), ("Europe/Paris", 0.15),
         ("Europe/Amsterdam", 0.1), ("Europe/Madrid", 0.1), ("Europe/Dublin", 0.1)),
        (UK, GERMANY, FRANCE, NETHERLANDS, SPAIN, IRELAND),
    ),
    Region(
        "APAC", "APAC", 0.15,
        (("Australia/Sydney", 0.45), ("Asia/Tokyo", 0.35), ("Asia/Singapore", 0.2)),
        (AUSTRALIA, JAPAN, SINGAPORE),
    ),
    Region(
        "LATAM", "LATAM", 0.10,
        (("America/Sao_Paulo", 0.6), ("America/Mexico_City", 0.4)),
        (BRAZIL, MEXICO),
    ),
)  # fmt: skip

# Every time zone a rep can work in, with its region.
TIME_ZONES: tuple[str, ...] = tuple(tz for region in REGIONS for tz, _ in region.time_zones)
COUNTRIES: tuple[Country, ...] = tuple(c for region in REGIONS for c in region.countries)


@dataclass(frozen=True)
class CityTable:
    """All cities flattened: per city its country, region, currency and sampling weight."""

    cities: tuple[City, ...]
    country: npt.NDArray[np.int64]
    region: npt.NDArray[np.int64]
    currency: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]

    def in_region(self, region: int) -> npt.NDArray[np.float64]:
        """Sampling probabilities of the cities of one region (zero elsewhere)."""
        weights = np.where(self.region == region, self.weight, 0.0)
        return np.asarray(weights / weights.sum(), dtype=np.float64)


def _city_table() -> CityTable:
    cities: list[City] = []
    country: list[int] = []
    region: list[int] = []
    weight: list[float] = []
    for region_index, reg in enumerate(REGIONS):
        for cty in reg.countries:
            total = sum(city.weight for city in cty.cities)
            for city in cty.cities:
                cities.append(city)
                country.append(COUNTRIES.index(cty))
                region.append(region_index)
                weight.append(reg.share * cty.weight * city.weight / total)
    currency = [CURRENCY_INDEX[COUNTRIES[c].currency] for c in country]
    return CityTable(
        tuple(cities),
        np.array(country),
        np.array(region),
        np.array(currency),
        np.array(weight) / sum(weight),
    )


CITIES = _city_table()
