"""Real sentence pairs of the gold corpora (data/gold), as the align stage hands them over."""

from __future__ import annotations

from parallelner.schema import EntitySpan, ParallelSample, Status, TargetSpan


def sample(src_lang: str, tgt_lang: str, source: str, src_spans: list[tuple[int, int, str]],
           target: str, tgt_spans: list[tuple[int, int, int]], sid: str = "s1",
           status: Status = Status.accepted) -> ParallelSample:
    """``tgt_spans``: (start, end, source index)."""
    ents = [EntitySpan(start=s, end=e, label=lab) for s, e, lab in src_spans]
    return ParallelSample(
        id=sid, source_lang=src_lang, target_lang=tgt_lang, source_text=source,
        source_entities=ents, target_text=target,
        target_entities=[TargetSpan(start=s, end=e, label=ents[i].label, source_index=i,
                                    confidence=1.0) for s, e, i in tgt_spans],
        confidence=1.0, status=status)


def seagal() -> ParallelSample:
    """UNER PUD en-zh n01029-0004: the target puts the entities in another order."""
    return sample(
        "en", "zh",
        "Earlier this year Seagal was given Serbian nationality after offering to set up a "
        "martial arts school in the capital Belgrade.",
        [(18, 24, "PER"), (117, 125, "LOC")],
        "西格爾提出在首都貝爾格萊德開辦一所武術學校後，於今年較早時候被授予塞爾維亞國籍。",
        [(0, 3, 0), (8, 13, 1)], sid="uner-en-zh-n01029-0004")


def segni() -> ParallelSample:
    """Europarl en-de 19."""
    return sample("en", "de", "Thank you, Mr Segni, I shall do so gladly.", [(14, 19, "PER")],
                  "Vielen Dank, Herr Segni, das will ich gerne tun.", [(18, 23, 0)],
                  sid="europarl-en-de-19")


def evans() -> ParallelSample:
    """Europarl en-de 11."""
    return sample(
        "en", "de",
        "Yes, Mr Evans, I feel an initiative of the type you have just suggested would be "
        "entirely appropriate.", [(8, 13, "PER")],
        "Ja, Herr Evans, ich denke, daß eine derartige Initiative durchaus angebracht ist.",
        [(9, 14, 0)], sid="europarl-en-de-11")
