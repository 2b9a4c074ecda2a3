"""The wording reader: every seed 评分标准 and other provinces' wording → a rule that scores the
row's own examples right (values worked out by hand in tests/wording_cases.py)."""
import pytest

from engine.language import parse_rule
from engine.wording import read_wording
from tests.wording_cases import ALL, ERR, OTHER, SEED_000, SEED_001, SEED_004
from udfs import core


def score_examples(rule, points, examples):
    """Score every example as one unit of one column per input (so peers are the examples)."""
    n_inputs = len(examples[0][0])
    cols = [[[ex[0][k]] for ex in examples] for k in range(n_inputs)]
    out = core.rule_score(rule, points, *cols)
    return [row[0] for row in out] if isinstance(out, list) else [out]


def check_case(case):
    label, points, text, kind, sure, examples = case
    p = read_wording(text, points)
    if kind == "none":
        assert p.rule is None, f"{label}: proposed {p.rule!r} for wording it should not read"
        return p
    assert p.rule is not None, f"{label}: nothing proposed ({p.reading}; unread {p.unread})"
    parse_rule(p.rule)
    if kind is not None:
        assert parse_rule(p.rule).KIND == kind, f"{label}: {p.rule}"
    assert p.sure == sure, f"{label}: sure={p.sure} for {p.rule} ({p.reading})"
    if examples:
        assert len(p.inputs) >= len(examples[0][0]) - 1, f"{label}: inputs {p.inputs}"
        got = score_examples(p.rule, points, examples)
        for (inputs, want), g in zip(examples, got):
            if want == ERR:
                assert isinstance(g, str), f"{label}: {inputs} should be refused, got {g} ({p.rule})"
            else:
                assert not isinstance(g, str) and abs(g - want) < 1e-9, f"{label}: {inputs} → {g}, want {want} ({p.rule})"
    return p


@pytest.mark.parametrize("case", SEED_000 + SEED_001 + SEED_004, ids=lambda c: c[0])
def test_seed_wording_scores_its_own_examples(case):
    check_case(case)


@pytest.mark.parametrize("case", OTHER, ids=lambda c: c[0])
def test_other_provinces_wording_scores_hand_worked_values(case):
    check_case(case)
