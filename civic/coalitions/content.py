"""A position version's text as stored and hashed: normalised, serialised canonically, then SHA-256.

The content hash lets anyone check that the text an organisation endorsed is the text shown, from what
the page or the export gives them (docs/coalitions.md#content-hash):

1. Each text (French, English) is normalised: Unicode NFC, every line end ("\\r\\n", "\\r") made "\\n",
   spaces and line ends at its start and end removed. Texts are stored already normalised, so the texts
   shown and exported are exactly those hashed.
2. The canonical serialisation is the JSON object {"en": <English text>, "fr": <French text>,
   "reference": "fr" or "en"}: keys sorted, no spaces between tokens (separators "," and ":"),
   characters outside ASCII written as themselves (not \\u escapes), encoded in UTF-8.
3. The hash is the SHA-256 of those bytes, written as 64 lowercase hexadecimal digits.

In Python: hashlib.sha256(json.dumps({"en": en, "fr": fr, "reference": ref}, ensure_ascii=False,
sort_keys=True, separators=(",", ":")).encode()).hexdigest(). This module imports nothing of Flask.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata

LANGUAGES = ("fr", "en")


def normalise(text: str) -> str:
    """Return the text as stored and hashed: NFC, "\\n" line ends, no surrounding blank space."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def canonical(text_fr: str, text_en: str, reference: str) -> bytes:
    """Return the bytes the content hash is computed on (the texts must already be normalised)."""
    if reference not in LANGUAGES:
        raise ValueError(f"reference language must be one of {LANGUAGES}, not {reference!r}")
    document = {"en": text_en, "fr": text_fr, "reference": reference}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(text_fr: str, text_en: str, reference: str) -> str:
    """Return the SHA-256 (hex) of the canonical serialisation of the normalised texts."""
    return hashlib.sha256(canonical(normalise(text_fr), normalise(text_en), reference)).hexdigest()
