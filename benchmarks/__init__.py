"""Benchmarks: each script prints what it measured and how to rerun it.

Run them from the repository root with ``PYTHONPATH=.`` (they import each other as
``benchmarks.*``, the test server as ``tests.llm_server``).
"""
