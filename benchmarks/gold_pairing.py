"""Where does pairing gold entities by sound disagree with pairing them by strings alone?

The align benchmarks pair each source entity with the target entity that translates it, label by
label. Between Chinese and English, strings alone cannot tell 巴達爾普爾 from 德里, so names of
the same label were paired by their order; ``_gold.py`` now also compares how they sound
(pinyin against letters). This lists every UNER en-zh pair where the two pairings differ, with
how much better the sound pairing sounds (the sum of the pinyin/letter ratios of its pairs,
minus that of the string pairing) and which one the benchmarks use, so a reader can check by
eye which one is right.

Run:  PYTHONPATH=. .venv/bin/python benchmarks/gold_pairing.py
"""

from __future__ import annotations

from rapidfuzz import fuzz  # noqa: E402

from benchmarks._gold import _SOUND_MARGIN, _assign, _sound, pairs
from parallelner.align.translit import sound_alike  # noqa: E402


def main() -> None:
    rows = []
    for p in pairs()[0]:
        if p.corpus != "uner en-zh":
            continue
        by_strings = _assign(p.source, p.target, fuzz.ratio)
        by_sound = _assign(p.source, p.target, _sound(p.source, p.target))
        if by_strings is None or by_sound is None or by_strings == by_sound:
            continue
        names = [e.surface(p.source.text) for e in p.source.entities]
        chinese = [e.surface(p.target.text) for e in p.target.entities]

        def sound(mapping: tuple[int, ...], names=names, chinese=chinese) -> float:
            return sum(sound_alike(names[i], chinese[j]) for i, j in enumerate(mapping))

        moved = [i for i in range(len(names)) if by_sound[i] != by_strings[i]]
        rows.append((sound(by_sound) - sound(by_strings), p.source.id,
                     [(names[i], chinese[by_sound[i]], chinese[by_strings[i]]) for i in moved]))
    rows.sort(key=lambda r: -r[0])
    print(f"{len(rows)} en-zh pairs pair their entities differently by sound than by strings\n")
    print(f"margin  used     sentence        name -> by sound / by strings   (the benchmark uses "
          f"the sound pairing from a margin of {_SOUND_MARGIN:g})")
    for margin, sid, moved in rows:
        shown = "; ".join(f"{n} -> {a} / {b}" for n, a, b in moved)
        used = "sound" if margin >= _SOUND_MARGIN else "strings"
        print(f"{margin:6.1f}  {used:7}  {sid:14}  {shown}")
    print("\nRerun: PYTHONPATH=. .venv/bin/python benchmarks/gold_pairing.py")


if __name__ == "__main__":
    main()
