"""LLM tasks: each builds requests and reads answers, with no I/O (distilabel/spacy-llm style)."""
