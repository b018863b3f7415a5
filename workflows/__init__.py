"""Use cases, lifecycles and the reads each page needs, one package per area a person would name (see
docs/architecture.md). Imports point down to forms/, accounting/ and storage/; areas import the engine and
the areas they read, never in a circle (tests/test_layering.py)."""
