"""BCP 47 language tags for subtitle and audio tracks.

Media files label tracks with ISO 639-2 codes (``eng``, ``ger``, ``fre``),
HLS wants BCP 47 (RFC 5646) in ``LANGUAGE=``, and players match a viewer's
preferred language by comparing tags, so ``eng``, ``EN`` and ``en`` must
all become ``en``: a three-letter code is replaced by the two-letter one
whenever one exists (RFC 5646 section 2.2.1 asks for the shortest code).
Tags are checked against the RFC's syntax, not against the IANA registry,
so a well-formed tag for a language we do not list is still accepted."""
from __future__ import annotations

import re

# Two-letter code, ISO 639-2/T, ISO 639-2/B where it differs ("-" if not), English name.
_TABLE = """
af afr - Afrikaans|am amh - Amharic|ar ara - Arabic|az aze - Azerbaijani|be bel - Belarusian
bg bul - Bulgarian|bn ben - Bengali|bs bos - Bosnian|ca cat - Catalan|cs ces cze Czech
cy cym wel Welsh|da dan - Danish|de deu ger German|el ell gre Greek|en eng - English
eo epo - Esperanto|es spa - Spanish|et est - Estonian|eu eus baq Basque|fa fas per Persian
fi fin - Finnish|fr fra fre French|ga gle - Irish|gl glg - Galician|gu guj - Gujarati
he heb - Hebrew|hi hin - Hindi|hr hrv - Croatian|hu hun - Hungarian|hy hye arm Armenian
id ind - Indonesian|is isl ice Icelandic|it ita - Italian|ja jpn - Japanese|ka kat geo Georgian
kk kaz - Kazakh|km khm - Khmer|kn kan - Kannada|ko kor - Korean|la lat - Latin
lo lao - Lao|lt lit - Lithuanian|lv lav - Latvian|mk mkd mac Macedonian|ml mal - Malayalam
mn mon - Mongolian|mr mar - Marathi|ms msa may Malay|my mya bur Burmese|nb nob - Norwegian Bokmål
ne nep - Nepali|nl nld dut Dutch|nn nno - Norwegian Nynorsk|no nor - Norwegian|pa pan - Punjabi
pl pol - Polish|pt por - Portuguese|ro ron rum Romanian|ru rus - Russian|si sin - Sinhala
sk slk slo Slovak|sl slv - Slovenian|sq sqi alb Albanian|sr srp - Serbian|sv swe - Swedish
sw swa - Swahili|ta tam - Tamil|te tel - Telugu|th tha - Thai|tl tgl - Tagalog
tr tur - Turkish|uk ukr - Ukrainian|ur urd - Urdu|uz uzb - Uzbek|vi vie - Vietnamese
yo yor - Yoruba|zh zho chi Chinese|zu zul - Zulu
"""
_ROWS = [row.split(" ", 3) for row in _TABLE.replace("\n", "|").split("|") if row.strip()]
_THREE_TO_TWO = {code: two for two, t, b, _ in _ROWS for code in (t, b) if code != "-"}
_LANGUAGES = {two: name for two, _, _, name in _ROWS} | {
    "yue": "Cantonese", "fil": "Filipino", "und": "Unknown language",
    "mul": "Multiple languages", "zxx": "No linguistic content",
}
_DEPRECATED = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
_EXTLANG_PREFIXES = {"zh", "ar", "ms", "sgn"}
_SCRIPTS = {"Hans": "Simplified", "Hant": "Traditional", "Latn": "Latin", "Cyrl": "Cyrillic",
            "Arab": "Arabic", "Deva": "Devanagari", "Jpan": "Japanese", "Kore": "Korean"}
_REGIONS = {
    "001": "World", "150": "Europe", "419": "Latin America", "AE": "United Arab Emirates", "AR": "Argentina",
    "AT": "Austria", "AU": "Australia", "BD": "Bangladesh", "BE": "Belgium", "BR": "Brazil", "CA": "Canada",
    "CH": "Switzerland", "CL": "Chile", "CN": "China", "CO": "Colombia", "DE": "Germany", "DK": "Denmark",
    "EG": "Egypt", "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom", "GR": "Greece",
    "HK": "Hong Kong", "ID": "Indonesia", "IE": "Ireland", "IL": "Israel", "IN": "India", "IR": "Iran",
    "IT": "Italy", "JP": "Japan", "KR": "South Korea", "MA": "Morocco", "MX": "Mexico", "MY": "Malaysia",
    "NL": "Netherlands", "NO": "Norway", "NZ": "New Zealand", "PH": "Philippines", "PK": "Pakistan",
    "PL": "Poland", "PT": "Portugal", "RU": "Russia", "SA": "Saudi Arabia", "SE": "Sweden", "SG": "Singapore",
    "TH": "Thailand", "TR": "Türkiye", "TW": "Taiwan", "UA": "Ukraine", "US": "United States",
    "VN": "Vietnam", "ZA": "South Africa",
}

_ALNUM = re.compile(r"[A-Za-z0-9]{1,8}")
_VARIANT = re.compile(r"[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}")
_HINT = "Use a code such as 'en', 'pt-BR', 'es-419' or 'zh-Hant'."


def _invalid(tag: str, reason: str) -> ValueError:
    return ValueError(f"'{tag}' is not a valid language tag: {reason}. {_HINT}")


def _language(tag: str, parts: list[str]) -> str:
    first = parts.pop(0).lower()
    if not first.isalpha() or not 2 <= len(first) <= 3:
        raise _invalid(tag, f"'{first}' is not a language code (two or three letters)")
    extlangs: list[str] = []
    while parts and len(parts[0]) == 3 and parts[0].isalpha():
        if first not in _EXTLANG_PREFIXES or len(extlangs) == 1:
            raise _invalid(tag, f"'{parts[0]}' is neither a region (two letters, as 'US', or three digits, "
                                "as '419') nor a script (four letters, as 'Hant')")
        extlangs.append(parts.pop(0).lower())
    first = extlangs[0] if extlangs else first
    first = _THREE_TO_TWO.get(first, first)
    return _DEPRECATED.get(first, first)


def _private_use(tag: str, parts: list[str]) -> list[str]:
    if len(parts) < 2 or not all(_ALNUM.fullmatch(p) for p in parts[1:]):
        raise _invalid(tag, "a private part 'x-' must be followed by one or more codes")
    return [p.lower() for p in parts]


def _extensions(tag: str, parts: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    while parts:
        singleton = parts[0].lower()
        if singleton == "x":
            return out + _private_use(tag, parts)
        if len(singleton) != 1 or singleton in seen:
            raise _invalid(tag, f"'{parts[0]}' is not allowed here")
        seen.add(singleton)
        parts.pop(0)
        body = []
        while parts and len(parts[0]) > 1:
            if not re.fullmatch(r"[A-Za-z0-9]{2,8}", parts[0]):
                raise _invalid(tag, f"'{parts[0]}' is not allowed here")
            body.append(parts.pop(0).lower())
        if not body:
            raise _invalid(tag, f"the extension '{singleton}' has nothing after it")
        out += [singleton, *body]
    return out


def language_tag_normalise(tag: str) -> str:
    """The canonical BCP 47 form: ``EN-us`` -> ``en-US``, ``ger`` -> ``de``,
    ``zh-hant-tw`` -> ``zh-Hant-TW``. Raises ValueError for malformed tags."""
    raw = tag.strip().replace("_", "-")
    if not raw:
        raise ValueError(f"A language tag is needed. {_HINT}")
    parts = raw.split("-")
    if not all(_ALNUM.fullmatch(p) for p in parts):
        raise _invalid(tag, "it may hold only letters and digits, in parts of up to 8, joined by '-'")
    if parts[0].lower() == "x":
        return "-".join(_private_use(tag, parts))
    out = [_language(tag, parts)]
    if parts and len(parts[0]) == 4 and parts[0].isalpha():
        out.append(parts.pop(0).title())
    if parts and ((len(parts[0]) == 2 and parts[0].isalpha()) or (len(parts[0]) == 3 and parts[0].isdigit())):
        out.append(parts.pop(0).upper())
    variants: list[str] = []
    while parts and _VARIANT.fullmatch(parts[0]):
        variant = parts.pop(0).lower()
        if variant in variants:
            raise _invalid(tag, f"the variant '{variant}' appears twice")
        variants.append(variant)
    return "-".join(out + variants + _extensions(tag, parts))


def language_name(tag: str) -> str:
    """An English name for player menus: ``pt-BR`` -> ``Portuguese (Brazil)``,
    ``zh-Hant-TW`` -> ``Chinese (Traditional, Taiwan)``. A tag we cannot
    name is returned as given (normalised when it is valid)."""
    try:
        canonical = language_tag_normalise(tag)
    except ValueError:
        return tag
    parts = canonical.split("-")
    name = _LANGUAGES.get(parts[0])
    if name is None:
        return canonical
    details = []
    for part in parts[1:3]:
        if len(part) == 4 and part.isalpha():
            details.append(_SCRIPTS.get(part, part))
        elif part.isupper() or part.isdigit():
            details.append(_REGIONS.get(part, part))
    return f"{name} ({', '.join(details)})" if details else name


def language_choices() -> list[tuple[str, str]]:
    """``[(tag, English name)]`` of the languages we can name, by name: what
    a profile's language menus offer."""
    return sorted(((code, name) for code, name in _LANGUAGES.items() if len(code) == 2), key=lambda c: c[1])
