"""``KNOWN_OPEN``: grammar features the CI-profile fuzz tests leave out, each
with the open issue item it waits for.

This is the ONE place where a known failure class may be excluded.  The long
run (``python -m tests.fuzz.run``) ignores it and generates every feature.
When the fixes for an item are merged, delete its entries here: CI then
fuzzes those constructs too.  Feature names are the ones the grammars tag
(:mod:`.scalar`, :mod:`.arrays`).
"""

KNOWN_OPEN: dict = {
    # feature tag: the issue item its failures belong to (filled by the triage)
}


def scalar_features() -> set:
    from .scalar import ALL_FEATURES
    return ALL_FEATURES - set(KNOWN_OPEN)


def array_features() -> set:
    from .arrays import ALL_FEATURES
    return ALL_FEATURES - set(KNOWN_OPEN)
