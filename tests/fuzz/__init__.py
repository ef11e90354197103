"""Grammar-driven differential fuzzer (see tests/test_grammar_fuzz.py)."""
