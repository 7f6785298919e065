"""The issue codes of the round trip, in the form of ``parallelner.align.issues.CODES``.

Kept here until the stages are rewired; ``CODES`` of the align stage can take them as they are
(same ``Code`` type: action, penalty, meaning, scope).
"""

from __future__ import annotations

from ..align.issues import Action, Code

_N, _F = Action.note, Action.refine

VERIFY_CODES: dict[str, Code] = {
    c.code: c
    for c in [
        Code("roundtrip_name_changed", _F, 0.5, "an entity came back from the round trip as "
             "another name: the translation may name someone or something else", True),
        Code("roundtrip_content_dropped", _F, 0.5, "the end of the source, or much of it, did not "
             "come back from the round trip: an early stop or a dropped clause"),
        Code("roundtrip_number_changed", _F, 0.4, "a number of the source did not come back from "
             "the round trip, or one came back that the source does not have"),
        Code("roundtrip_negation_lost", _F, 0.4, "the source negates more often than the "
             "back-translation: the translation may say the opposite"),
        Code("roundtrip_name_missing", _F, 0.4, "an entity came back without its tag and its "
             "name is nowhere in the back-translation: the translation may name someone or "
             "something else, or leave the name out", True),
        Code("roundtrip_tag_lost", _N, 0.05, "an entity came back without its tag; its name was "
             "found in the back-translation by search", True),
        Code("roundtrip_unavailable", _N, 0.0, "the round trip gave no usable back-translation: "
             "nothing was checked"),
    ]
}
