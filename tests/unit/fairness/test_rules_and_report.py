"""The rule table and the report shape the API relies on."""

from __future__ import annotations

from domain.fairness import ALL_RULES, RULES
from tests.unit.fairness.briefs import audit, fair_brief


def test_rule_ids_are_unique_and_named_for_their_family() -> None:
    assert len(RULES) == len(ALL_RULES)
    assert all(rule.id.split(".")[0] in {"scope", "pay", "conduct"} for rule in ALL_RULES)


def test_every_rule_has_a_category_a_severity_and_an_explanation() -> None:
    for rule in ALL_RULES:
        assert rule.category in {"unpaid", "vague", "conduct"}
        assert rule.severity in {"info", "warning", "blocking"}
        assert rule.explanation.endswith(".") and len(rule.explanation) > 40, rule.id
        assert rule.cites, rule.id


def test_a_flag_takes_its_category_and_severity_from_its_rule() -> None:
    flag = RULES["pay.zero_or_missing"].flag("no pay is given", ["pay"], {"x": 1})
    assert (flag.category, flag.severity, flag.evidence, flag.data) == (
        "unpaid",
        "blocking",
        ("pay",),
        {"x": 1},
    )


def test_the_report_lists_blocking_flags_first_in_the_api_shape() -> None:
    report = audit(fair_brief(pay=None, deadline=None, check_in_cadence=None))
    assert [f.rule for f in report.flags] == [
        "pay.zero_or_missing",
        "scope.no_deadline",
        "scope.no_check_in_cadence",
    ]
    assert report.to_dict() == {"flags": [f.to_dict() for f in report.flags], "blocking": True}
    assert set(report.flags[0].to_dict()) == {"rule", "category", "severity", "reason", "evidence"}
    assert report.flags[0].to_dict()["evidence"] == ["pay"]
    assert report.blocking_rules == ("pay.zero_or_missing",)
