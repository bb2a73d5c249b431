"""Theme suggestions: which Leefbaarometer dimension (or session theme) a story's words point to.

Dutch and English keyword lists per dimension, extendable per session (`SessionSettings.keywords`).
Words are compared after normalisation: case and accents ignored, doubled vowels collapsed, simple Dutch
and English plural/diminutive/inflection endings removed. A keyword also matches the start of a longer
word (`speeltuin` → `speeltuinen`, `parkeer…`) and the end of a Dutch compound (`speeltuin` →
`kinderspeeltuin`); where several keywords fit one word, the longest wins (`buurthuis` beats `huis`).
The result is a suggestion with its reasons, shown to the facilitator; nothing is applied by itself.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.models import DIMENSIONS

KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "woningvoorraad": {
        "nl": ("woning", "huis", "flat", "portiekflat", "galerijflat", "appartement", "huur", "huurwoning",
               "huurprijs", "huurder", "koopwoning", "sociale huur", "corporatie", "woningcorporatie",
               "woningbouwvereniging", "verhuurder", "huisbaas", "nieuwbouw", "sloop", "slopen", "renovatie",
               "renoveren", "schimmel", "vocht", "tocht", "isolatie", "isoleren", "lekkage", "woningnood",
               "wachtlijst", "starterswoning", "seniorenwoning", "leegstand", "kamerverhuur", "energielabel",
               "woonruimte", "verhuizen"),
        "en": ("house", "housing", "home", "flat", "apartment", "rent", "rental", "landlord", "tenant",
               "social housing", "housing association", "mortgage", "new build", "demolition", "renovation",
               "mould", "mold", "damp", "insulation", "leak", "overcrowded", "waiting list", "vacant",
               "affordable"),
    },
    "fysieke_omgeving": {
        "nl": ("groen", "park", "plantsoen", "boom", "bloem", "gras", "grasveld", "berm", "natuur", "water",
               "vijver", "gracht", "straat", "stoep", "trottoir", "bestrating", "weg", "fietspad", "verkeer",
               "parkeren", "parkeerplaats", "auto", "lantaarnpaal", "verlichting", "straatverlichting", "plein",
               "bank", "openbare ruimte", "afval", "vuilnis", "zwerfvuil", "container", "rommel", "hondenpoep",
               "schoon", "vies", "gevel", "uitzicht", "zebrapad", "oversteken", "drempel", "kapot", "fiets"),
        "en": ("green", "park", "tree", "flower", "grass", "nature", "pond", "canal", "street", "pavement",
               "sidewalk", "road", "cycle path", "bike lane", "traffic", "parking", "car", "streetlight",
               "lighting", "square", "bench", "public space", "litter", "rubbish", "garbage", "trash", "bin",
               "dog poo", "clean", "dirty", "crossing"),
    },
    "voorzieningen": {
        "nl": ("winkel", "supermarkt", "markt", "school", "basisschool", "huisarts", "dokter", "apotheek",
               "zorgcentrum", "thuiszorg", "bibliotheek", "buurthuis", "wijkcentrum", "buurtcentrum",
               "speeltuin", "sportveld", "sporthal", "zwembad", "bushalte", "bus", "tram", "trein", "station",
               "openbaar vervoer",
               "kinderopvang", "crèche", "café", "restaurant", "horeca", "postkantoor", "pinautomaat",
               "geldautomaat", "gezondheidscentrum", "jongerencentrum", "voorziening", "buurtwinkel",
               "kinderboerderij", "wijkgebouw", "consultatiebureau"),
        "en": ("shop", "supermarket", "market", "school", "doctor", "gp", "pharmacy", "health centre",
               "library", "community centre", "community center", "playground", "sports", "swimming pool",
               "bus stop", "bus", "tram", "train", "station", "public transport", "childcare", "café",
               "restaurant", "post office", "cash machine", "atm", "facility", "facilities"),
    },
    "sociale_samenhang": {
        "nl": ("buren", "buurman", "buurvrouw", "buurtgenoot", "contact", "elkaar", "samen", "gezellig",
               "saamhorigheid", "eenzaam", "eenzaamheid", "vrijwilliger", "vrijwilligerswerk",
               "bewonersvereniging", "bewonerscommissie", "buurtfeest", "straatfeest", "ontmoeten",
               "ontmoeting", "groeten", "kennen", "vertrouwen", "meedoen", "betrokken", "betrokkenheid",
               "activiteit", "nieuwkomer", "samenleven", "samenwerking", "helpen", "hulp", "mantelzorg",
               "tolken", "buurtapp", "welkom", "verbinding"),
        "en": ("neighbour", "neighbor", "together", "community", "lonely", "loneliness", "volunteer",
               "residents association", "street party", "get to know", "know each other", "trust", "friendly", "help",
               "belong", "welcome", "newcomer", "isolated", "get together"),
    },
    "overlast_onveiligheid": {
        "nl": ("overlast", "onveilig", "veilig", "veiligheid", "inbraak", "inbreken", "ingebroken", "diefstal",
               "gestolen",
               "criminaliteit", "drugs", "dealen", "gedeald", "dealer", "hangjongeren", "hangplek", "vandalisme",
               "vernieling", "graffiti", "geluidsoverlast", "lawaai", "herrie", "ruzie", "geweld", "bedreiging",
               "politie", "wijkagent", "handhaving", "boa", "donker", "intimidatie", "overval", "vuurwerk",
               "scooter", "racen", "te hard", "hardrijders", "dronken", "burenruzie", "angst", "bang", "eng"),
        "en": ("nuisance", "unsafe", "safe", "safety", "burglary", "theft", "stolen", "crime", "drugs", "dealing",
               "dealer", "loitering", "vandalism", "noise", "noisy", "loud", "fight", "violence", "threat",
               "police", "harassment", "dark", "scary", "afraid", "speeding", "drunk", "antisocial"),
    },
}

MAX_KEYWORD_CHARS = 40
MAX_KEYWORDS_PER_DIMENSION = 100
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_DIMINUTIVES = ("etjes", "etje", "tjes", "tje", "pjes", "pje", "jes", "je")
_CONSONANTS = set("bcdfghjklmnpqrtvwxz")
_MIN_AFFIX_MATCH = 4  # shorter keywords only match whole words
_MIN_COMPOUND_REST = 3
_FILLERS = {"een", "het", "van", "voor", "met", "and", "the", "for", "with"}


@dataclass(frozen=True)
class Suggestion:
    """A dimension (or theme) the text points to, how strongly, and the words that gave it away."""

    target: str
    score: int
    matched: tuple[str, ...]


def fold(word: str) -> str:
    """Lower case without accents: `Café` → `cafe`."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise_word(word: str) -> str:
    """The comparable stem of one word (Dutch and English endings, same rules on both sides).

    Examples:
        >>> [normalise_word(w) for w in ("Bomen", "boom", "speeltuintjes", "huizen", "huis", "fietsen", "fiets")]
        ['bom', 'bom', 'speltuin', 'huis', 'huis', 'fiet', 'fiet']
        >>> normalise_word("Straten") == normalise_word("straat"), normalise_word("homes") == normalise_word("home")
        (True, True)
    """
    w = re.sub(r"([aeou])\1", r"\1", fold(word))
    for _ in range(4):
        stripped = _strip_one(w)
        if stripped == w:
            break
        w = stripped
    if len(w) > 3 and w[-1] == w[-2] and w[-1] in _CONSONANTS | {"s"}:
        w = w[:-1]
    if len(w) > 3 and w[-1] in "zv":
        w = w[:-1] + {"z": "s", "v": "f"}[w[-1]]
    return w


def _strip_one(w: str) -> str:
    for suffix in _DIMINUTIVES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[:-len(suffix)]
    if w.endswith(("ches", "shes", "xes", "sses")) and len(w) > 5:
        return w[:-2]
    if w.endswith("s") and len(w) >= 4 and (w[-2] in _CONSONANTS or w[-2] == "e"):
        return w[:-1]
    if w.endswith("e") and len(w) >= 4:
        return w[:-1]
    if w.endswith("en") and len(w) >= 5:
        return w[:-2]
    return w


def tokens(text: str) -> list[tuple[str, str]]:
    """(word as written, normalised stem) for every word of two letters or more."""
    return [(m.group(0), normalise_word(m.group(0))) for m in _TOKEN.finditer(text or "") if len(m.group(0)) >= 2]


def parse_keywords(raw: str) -> list[str]:
    """A facilitator's keyword list (commas, semicolons or new lines) cleaned and de-duplicated.

    Examples:
        >>> parse_keywords("jeu de boules, Speelplek;  speelplek\\n\\n*kinderboerderij*")
        ['jeu de boules', 'Speelplek', 'kinderboerderij']
    """
    seen, result = set(), []
    for part in re.split(r"[,;\n]", raw or ""):
        cleaned = " ".join(part.replace("*", " ").split())[:MAX_KEYWORD_CHARS]
        if cleaned and fold(cleaned) not in seen and len(result) < MAX_KEYWORDS_PER_DIMENSION:
            seen.add(fold(cleaned))
            result.append(cleaned)
    return result


def lexicon(extra: Mapping[str, Iterable[str]] | None = None) -> dict[str, list[str]]:
    """Built-in keywords (both languages) plus a session's own, per dimension."""
    words = {dim: [*KEYWORDS[dim]["nl"], *KEYWORDS[dim]["en"]] for dim in DIMENSIONS}
    for dim, more in (extra or {}).items():
        if dim in words:
            words[dim].extend(str(w) for w in more)
    return words


def _matches(keyword: tuple[str, ...], stems: list[str], start: int) -> bool:
    if start + len(keyword) > len(stems):
        return False
    *head, last = keyword
    if any(stems[start + i] != k for i, k in enumerate(head)):
        return False
    word = stems[start + len(head)]
    if word == last:
        return True
    if len(last) < _MIN_AFFIX_MATCH:
        return False
    return word.startswith(last) or (not head and word.endswith(last) and len(word) - len(last) >= _MIN_COMPOUND_REST)


def rank(text: str, keywords: Mapping[str, Iterable[str]], *, order: Iterable[str] | None = None) -> list[Suggestion]:
    """Targets whose keywords occur in `text`, best first (most distinct matched words, then `order`)."""
    found = tokens(text)
    stems = [stem for _, stem in found]
    compiled = [(target, tuple(normalise_word(part) for part in _TOKEN.findall(kw) if len(part) >= 2))
                for target, kws in keywords.items() for kw in kws]
    compiled = [(target, kw) for target, kw in compiled if kw]
    hits: dict[str, dict[str, str]] = {}
    i = 0
    while i < len(stems):
        candidates = [(sum(map(len, kw)), target, kw) for target, kw in compiled if _matches(kw, stems, i)]
        if not candidates:
            i += 1
            continue
        best = max(length for length, _, _ in candidates)
        span = max(len(kw) for length, _, kw in candidates if length == best)
        written = " ".join(word for word, _ in found[i:i + span])
        for length, target, kw in candidates:
            if length == best:
                hits.setdefault(target, {}).setdefault(fold(written), written)
        i += span
    position = {target: n for n, target in enumerate(order or keywords)}
    ranked = [Suggestion(target, len(words), tuple(words.values())) for target, words in hits.items()]
    return sorted(ranked, key=lambda s: (-s.score, position.get(s.target, len(position))))


def suggest_dimensions(text: str, extra: Mapping[str, Iterable[str]] | None = None, *,
                       limit: int = 2) -> list[Suggestion]:
    """Ranked dimension suggestions for a story.

    Examples:
        >>> [(s.target, s.matched) for s in suggest_dimensions("De speeltuintjes zijn kapot en vies")]
        [('fysieke_omgeving', ('kapot', 'vies')), ('voorzieningen', ('speeltuintjes',))]
        >>> suggest_dimensions("Ik woon hier graag")
        []
    """
    return rank(text, lexicon(extra), order=DIMENSIONS)[:limit]


def suggest_themes(text: str, themes: Iterable[str], *, limit: int = 3) -> list[Suggestion]:
    """Session themes whose own name occurs in the text (`Groen en water` matches `het water`)."""
    names = {theme: [part for part in _TOKEN.findall(theme) if len(part) >= 3 and fold(part) not in _FILLERS]
             for theme in themes}
    return rank(text, names)[:limit]

