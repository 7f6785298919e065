"""Export and publish: accepted parallel samples -> a Hugging Face dataset with a real card.

- ``inputs``: which records (a run's ``reviewed.jsonl``, else ``final.jsonl``; or any JSONL) and
  run facts to read;
- ``build``: select accepted samples, drop exact duplicates, split by sentence/document groups;
- ``features``: the declared ``datasets.Features`` of the dataset and its views;
- ``views``: ``bio`` (tokens + BIO tags) and ``code`` (KnowCoder prompt/completion) views;
- ``card``: statistics and the dataset card (``card_template.md``);
- ``write``: parquet shards (JSONL, save_to_disk copies on request), card, under ``<run>/dataset/``;
- ``runner.export``: all of the above with progress bars; ``publish``: push to the Hub.
"""
