"""Language names for prompts: models follow "into German" better than "into de"."""

from __future__ import annotations

_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian",
    "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "lt": "Lithuanian", "lv": "Latvian", "nl": "Dutch", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sv": "Swedish", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese",
    "zh": "Simplified Chinese",
}


# As a source a code may cover several scripts (zh: Simplified or Traditional); as a target it
# names the one we want written.
_SOURCE_NAMES = {"zh": "Chinese"}


def language_name(code: str, source: bool = False) -> str:
    """English name of an ISO 639-1 code; an unknown code is passed through as it is."""
    if source and code in _SOURCE_NAMES:
        return _SOURCE_NAMES[code]
    return _NAMES.get(code, code)
