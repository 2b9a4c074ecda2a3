"""Plain-Chinese readings (规则说明) of any rule, so an official can check a rule in words."""
from __future__ import annotations

from .language import parse_rule
from .numbers import to_decimal
from .rules import Rule

NA_READINGS = {"full": "输入为「不涉及」「不适用」时得满分", "exclude": "输入为「不涉及」「不适用」时本项不参与考核（不计入满分）"}


def read_rule(rule_or_text: Rule | str, points=None) -> str:
    """The reading of a rule (text or parsed), for a row worth ``points`` (None: not known).

    Raises RuleError (from the parser) for rule text that does not parse."""
    rule = parse_rule(rule_or_text) if isinstance(rule_or_text, str) else rule_or_text
    pts = None if points is None else to_decimal(points)
    text = rule.reading(pts)
    if rule.na is not None:
        text += "；" + NA_READINGS[rule.na]
    return text
