"""Percentile classes, 亩均效益 style: A类 前25%（含）, B类 26%–70%, C类 71%–95%, D类 后5%."""
from fractions import Fraction

import numpy as np
import pytest

from engine.classes import EXEMPT_LABEL, classify, parse_scheme

NAN = np.nan
SCHEME = "A<=25%; B<=70%; C<=95%; D"


def counts(labels):
    return {k: int((labels == k).sum()) for k in ("A", "B", "C", "D", "", EXEMPT_LABEL)}


def test_twenty_units_5_9_5_1():
    # position = rank / 20: A rank <= 5 (25%), B <= 14 (70%), C <= 19 (95%), D rank 20
    labels = classify(np.arange(20, 0, -1.0), SCHEME)
    assert labels.tolist() == ["A"] * 5 + ["B"] * 9 + ["C"] * 5 + ["D"]


def test_tie_at_a_boundary_shares_the_better_class():
    # ranks 5 and 6 tied -> both competition rank 5 -> both A (6 A's); then B for ranks 7..14
    s = np.arange(20, 0, -1.0)
    s[5] = s[4]
    assert counts(classify(s, SCHEME)) == {"A": 6, "B": 8, "C": 5, "D": 1, "": 0, EXEMPT_LABEL: 0}
    # a tie at 14/15 (70%): both rank 14 -> B
    s = np.arange(20, 0, -1.0)
    s[14] = s[13]
    labels = classify(s, SCHEME)
    assert labels[13] == labels[14] == "B" and counts(labels)["C"] == 4


def test_exempt_and_blank_units_are_not_counted():
    # 4 ranked units (the exempt and the blank ones are left out):
    # 1/4 = 25% A, 2/4 = 50% B, 3/4 = 75% C, 4/4 D
    labels = classify([90, 80, 70, 60, 99, NAN], SCHEME, exempt=[False, False, False, False, True, False])
    assert labels.tolist() == ["A", "B", "C", "D", EXEMPT_LABEL, ""]


def test_groups_count_separately():
    # group x has 4 units -> 25% A, 50% B, 75% C, 100% D; group y has 1 unit -> 1/1 = 100% -> D
    labels = classify([4, 3, 2, 1, 50], SCHEME, groups=["x", "x", "x", "x", "y"])
    assert labels.tolist() == ["A", "B", "C", "D", "D"]


def test_lower_is_better():
    # ascending: the smallest value is ranked first
    assert classify([1, 2, 3, 4], SCHEME, ascending=True).tolist() == ["A", "B", "C", "D"]


def test_full_width_and_chinese_scheme_text():
    rules = parse_scheme("A类≤25％；B类＜＝70％；C类<=95%；D类")
    assert [r.label for r in rules] == ["A类", "B类", "C类", "D类"]
    assert [r.bound for r in rules] == [Fraction(1, 4), Fraction(7, 10), Fraction(19, 20), None]


def test_exclusive_bound_and_fraction_bounds():
    # A<25%: 5/20 is not below 25%, so only ranks 1..4 are A
    labels = classify(np.arange(20, 0, -1.0), "A<25%; B<=0.7; C")
    assert counts(labels)["A"] == 4 and counts(labels)["B"] == 10 and counts(labels)["C"] == 6


@pytest.mark.parametrize("text, message", [
    ("", "为空"),
    ("A<=70%; B<=25%; C", "递增"),
    ("A; B<=50%; C", "递增"),
    ("A<=25%; A", "重复"),
    ("A<=x", "无法识别"),
    ("A<=25%; B<=90%", "最后一类"),
    ("A<=2; B", "0到100%"),
])
def test_scheme_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_scheme(text)
