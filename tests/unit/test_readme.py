"""The README documents every fairness rule and every configuration variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from domain.fairness import ALL_RULES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_fairness_rule_is_in_the_readme_table() -> None:
    missing = [rule.id for rule in ALL_RULES if f"`{rule.id}`" not in README]
    assert missing == []


def test_every_environment_variable_read_by_the_settings_is_documented() -> None:
    source = (ROOT / "api" / "settings.py").read_text()
    names = set(re.findall(r'_(?:env|hours)\("([A-Z_]+)"', source))
    assert names, "the settings read no variables?"
    assert sorted(n for n in names if f"`{n}`" not in README) == []
