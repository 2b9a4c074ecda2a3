"""The wording reader on other provinces' 评分标准 (tests/wording_cases_provinces.py): every case
scores its hand-worked examples, and no case gets a sure reading that is wrong; plus the two
language additions the reader proposes (ratio min=, bonus by=count) scored through the engine."""
from decimal import Decimal

import pytest

from engine.language import parse_rule
from engine.wording import read_wording
from tests.test_engine_rules import assert_scores, score_one
from tests.wording_cases_provinces import ALL as CASES
from tests.wording_cases_provinces import NOT_READ, PROVINCES, check_province_case, classify


@pytest.mark.parametrize("case", [c for c in CASES if c[0] not in NOT_READ], ids=lambda c: c[0])
def test_other_provinces_wording_scores_its_hand_worked_examples(case):
    check_province_case(case)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in NOT_READ], ids=lambda c: c[0])
def test_wording_not_read_yet_gets_no_sure_rule(case):
    got = read_wording(case[2], case[1])
    assert got.rule is None or not got.sure, f"{case[0]}: {got.rule} is sure; move it out of NOT_READ"


def test_no_province_wording_gets_a_sure_wrong_rule():
    wrong = [c[0] for c in CASES if classify(c)[0] == "WRONG"]
    assert wrong == []
    assert len(PROVINCES) >= 80 and len({c[0] for c in CASES}) == len(CASES)


def test_a_deduction_item_worth_nothing_keeps_its_cap():
    # 扣分项 (分值 0): 发生一起扣1分，最多扣5分 → 0, −2 (2 incidents), −5 (8 capped at 5).
    got = read_wording("扣分项：辖区发生一起群体性事件扣1分，最多扣5分", 0)
    assert got.rule == "deduct each=1 cap=5" and got.sure
    ind, _ = score_one(got.rule, 0, [0, 2, 8])
    assert_scores(ind.score, [0, -2, -5])


def test_ratio_below_its_cut_off_scores_nothing_and_says_why():
    # ratio min=60% on 10 points: 59.99% → 0; 60% → 6; 85% → 8.5; 120% → 10; and from two amounts
    # 59/100 → 0, 60/100 → 6. The working names the cut-off.
    ind, _ = score_one("ratio min=60%", 10, [0.5999, 0.6, 0.85, 1.2])
    assert_scores(ind.score, [0, 6, 8.5, 10])
    assert "低于门槛60%，不得分" in ind.explanations()[0]
    ind, _ = score_one("ratio min=60%", 10, [59, 60], [100, 100])
    assert_scores(ind.score, [0, 6])
    assert "比率低于60%不得分" in parse_rule("ratio 门槛=60%").reading(Decimal(10))


def test_bonus_counts_each_item_at_its_level():
    # 省级每篇0.5分、国家级每篇1分，最多加3分: (2, 1) → 2; (4, 2) → 4 capped 3; (0, 0) → 0; 1.5 articles → 错误.
    ind, _ = score_one("bonus 省级=0.5; 国家级=1 by=count cap=3", None, [2, 4, 0, 1.5], [1, 2, 0, 0])
    assert ind.score.tolist()[:3] == [2, 3, 0]
    text = ind.explanations()
    assert text[0] == "省级2项×0.5分＋国家级1项×1分，计2分，加2分"
    assert "最多加3分" in text[1] and text[2] == "无加分事项，不加分"
    assert ind.score.tolist()[3] != ind.score.tolist()[3]          # 1.5 articles: blank (NaN), not 0


@pytest.mark.parametrize("bad,why", [("bonus each=1 by=count", "需要级别表"), ("bonus 省级=1 by=sideways", "by（计法）"),
                                     ("ratio min=0", "min（门槛）"), ("ratio min=150%", "min（门槛）")])
def test_the_new_options_refuse_bad_values_in_chinese(bad, why):
    from engine.clauses import RuleError
    with pytest.raises(RuleError, match=why.replace("（", r"\（").replace("）", r"\）")):
        parse_rule(bad)
