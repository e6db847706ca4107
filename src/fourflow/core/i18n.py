"""Translations (English and Simplified Chinese) from Babel catalogs.

Catalogs are the ``.po`` files under ``core/locales``; they are read at start-up so no
compiled ``.mo`` file has to be built or committed. Strings are marked with ``_`` where
they are shown at once, and with ``N_`` where they are declared now and shown later.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from babel.messages.pofile import read_po

Language = Literal["en", "zh_Hans"]
LANGUAGES: tuple[Language, ...] = ("en", "zh_Hans")
DEFAULT_LANGUAGE: Language = "en"
LOCALES_DIRECTORY = Path(__file__).resolve().parent / "locales"

_current_language: ContextVar[Language] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for extraction without translating it yet."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: Language) -> dict[str, str]:
    path = LOCALES_DIRECTORY / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language)
    translations: dict[str, str] = {}
    for message in parsed:
        if message.id and message.string and not message.fuzzy and isinstance(message.id, str):
            translations[message.id] = str(message.string)
    return translations


def translate(message: str, language: Language | None = None, **params: Any) -> str:
    """The message in the language (the current one by default), with ``{name}`` filled in."""
    text = catalog(language or _current_language.get()).get(message, message)
    return text.format(**params) if params else text


_ = translate


def current_language() -> Language:
    return _current_language.get()


def set_current_language(language: Language) -> None:
    _current_language.set(language)


def parse_language(value: str | None) -> Language | None:
    """Map a language tag (``zh-CN``, ``zh_Hans``, ``en-GB`` …) to a supported language."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        # Traditional-script tags are not served by this catalog; fall through to None.
        if tag in ("zh-hant", "zh-tw", "zh-hk", "zh-mo") or tag.startswith("zh-hant"):
            return None
        return "zh_Hans"
    if tag.startswith("en"):
        return "en"
    return None


def negotiate_language(accept_language: str | None) -> Language:
    """Pick the best supported language from an ``Accept-Language`` header."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _separator, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, tag))
    for negative_quality, _position, tag in sorted(weighted):
        if negative_quality < 0:
            language = parse_language(tag)
            if language is not None:
                return language
    return DEFAULT_LANGUAGE


def html_language_tag(language: Language) -> str:
    return "zh-Hans" if language == "zh_Hans" else "en"
