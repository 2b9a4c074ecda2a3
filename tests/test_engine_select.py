"""督查激励 selection (seed 002: quotas, vetoes, the recommendation cap, no double reward), one small hand-worked case per article."""
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from engine.clauses import SettingError
from engine.select import (CITY_SELECTED, NOT_SELECTED, OVER_CAP, PENDING, SELECTED, VETOED, SelectionRules,
                           SelectionSettings, select)

NAN = np.nan
CAT = "促进工业稳增长和转型升级"
DIGITAL = "建设信息基础设施和推进产业数字化、数字产业化"
ACCIDENT = "第六条（六）：近三年发生重大、特大安全生产事故"


def frame(rows, **extra):
    """rows: (unit, level, parent, score[, category]); 所辖县数 is 25 (cap 5) unless given."""
    df = pd.DataFrame([dict(unit=r[0], level=r[1], parent=r[2], score=r[3],
                            category=r[4] if len(r) > 4 else CAT) for r in rows])
    df["所辖县数"] = np.where(df["level"] == "市", 25, NAN)
    for k, v in extra.items():
        df[k] = v
    return df


def status(result):
    return dict(zip(result.table["unit"], result.table["status"]))


def cities(scores):
    return [(f"市{i}", "市", "", s) for i, s in enumerate(scores)]


def test_article5_top_three_cities():
    # 第五条: 3 cities; 第九条: sorted by score
    r = select(frame(cities([70, 90, 80, 85, 75])))
    assert status(r) == {"市0": NOT_SELECTED, "市1": SELECTED, "市2": SELECTED, "市3": SELECTED, "市4": NOT_SELECTED}
    assert r.table["rank"].tolist() == [5, 1, 3, 2, 4]
    assert r.table["reason"][1] == "第五条、第九条：按得分排序列第1名，在3个名额内，入选"
    assert r.table["reason"][0] == "第五条：按得分排序列第5名，未进入前3名"


def test_article5_fewer_candidates_than_places_all_selected():
    r = select(frame(cities([60, 50])))
    assert set(status(r).values()) == {SELECTED}
    row = r.summary.set_index("level").loc["市"]
    assert (row["selected"], row["remaining"]) == (2, 1) and "1个名额空缺" in row["note"]


def test_article9_tie_straddling_the_quota_is_pending_not_broken():
    # 90, 85 inside; the two 80s compete for the one place left; 70 out
    r = select(frame(cities([90, 85, 80, 80, 70])))
    assert list(status(r).values()) == [SELECTED, SELECTED, PENDING, PENDING, NOT_SELECTED]
    assert "剩余1个名额" in r.table["reason"][2]
    row = r.summary.set_index("level").loc["市"]
    assert (row["selected"], row["pending"], row["remaining"]) == (2, 2, 1)
    assert "2个市得分并列，争剩余1个名额" in row["note"]


def test_article9_tie_inside_the_quota_is_selected():
    # 90, 90, 80 fill the 3 places exactly (ranks 1, 1, 3)
    r = select(frame(cities([90, 90, 80, 70])))
    assert list(status(r).values()) == [SELECTED, SELECTED, SELECTED, NOT_SELECTED]


def test_article9_ties_on_displayed_scores():
    # 80.004 and 80.0 show as 80.00: with decimals=2 they tie at the cutoff
    r = select(frame(cities([90, 85, 80.004, 80.0])), decimals=2)
    assert list(status(r).values()) == [SELECTED, SELECTED, PENDING, PENDING]
    r = select(frame(cities([90, 85, 80.004, 80.0])))
    assert list(status(r).values()) == [SELECTED, SELECTED, SELECTED, NOT_SELECTED]


def test_article9_unscored_candidate_is_not_ranked():
    r = select(frame(cities([90, NAN])))
    assert status(r)["市1"] == NOT_SELECTED and np.isnan(r.table["rank"][1])
    assert r.table["reason"][1].startswith("第九条")


def test_article6_veto_before_ranking():
    # the best city had a major accident: vetoed whatever its score, the 4th-best moves up
    df = frame(cities([99, 90, 85, 80, 70]), 安全事故=["是", "否", 0, False, NAN])
    r = select(df, vetoes={"安全事故": ACCIDENT})
    assert list(status(r).values()) == [VETOED, SELECTED, SELECTED, SELECTED, NOT_SELECTED]
    assert r.table["reason"][0] == ACCIDENT and np.isnan(r.table["rank"][0])
    assert r.table["rank"].tolist()[1:] == [1, 2, 3, 4]


def test_article6_several_vetoes_are_all_named():
    df = frame(cities([99]), 安全事故=[True], 环境事故=[1])
    r = select(df, vetoes={"安全事故": ACCIDENT, "环境事故": "第六条（六）：近三年发生重大、特大环境事故"})
    assert r.table["reason"][0] == ACCIDENT + "；第六条（六）：近三年发生重大、特大环境事故"


def test_veto_value_that_is_not_yes_or_no_is_an_error():
    with pytest.raises(ValueError, match="安全事故.*第1行.*也许"):
        select(frame(cities([99]), 安全事故=["也许"]), vetoes={"安全事故": ACCIDENT})


def counties(city, scores):
    return [(f"{city}县{i}", "县", city, s) for i, s in enumerate(scores)]


def test_article8_cap_keeps_each_citys_best_fifth():
    # 12 counties -> floor(12/5) = 2 recommended: 95 and 90 kept, 85 over the cap
    df = frame(counties("甲", [85, 95, 90]))
    df["所辖县数"] = 12
    r = select(df)
    assert status(r) == {"甲县0": OVER_CAP, "甲县1": SELECTED, "甲县2": SELECTED}
    assert "（甲辖12个，至多推荐2个）" in r.table["reason"][0] and r.table["reason"][0].startswith("第八条")


def test_article8_fewer_than_five_counties_cap_zero():
    # 4 counties -> floor(4/5) = 0
    df = frame(counties("乙", [95]))
    df["所辖县数"] = 4
    assert status(select(df)) == {"乙县0": OVER_CAP}


def test_article8_count_from_the_city_row():
    # the city's own row carries 所辖县数 = 10 -> cap 2; the city itself does not count.
    # The cap comes before 第十三条: the counties kept are then excluded because 丙 is selected.
    df = frame([("丙", "市", "", 50)] + counties("丙", [90, 80, 70]))
    df.loc[0, "所辖县数"] = 10
    assert status(select(df)) == {"丙": SELECTED, "丙县0": CITY_SELECTED, "丙县1": CITY_SELECTED, "丙县2": OVER_CAP}
    r = select(df, rules=SelectionRules(exclude_lower_of_selected_upper=False))
    assert status(r) == {"丙": SELECTED, "丙县0": SELECTED, "丙县1": SELECTED, "丙县2": OVER_CAP}


def test_article8_vetoed_county_does_not_use_a_place():
    # cap 2: the vetoed 99 is out first, so 90 and 80 are both kept
    df = frame(counties("丁", [99, 90, 80]), 安全事故=["是", "否", "否"])
    df["所辖县数"] = 10
    assert list(status(select(df, vetoes={"安全事故": ACCIDENT})).values()) == [VETOED, SELECTED, SELECTED]


def test_article8_tie_straddling_the_cap_is_pending():
    # cap 2: 95 kept; the two 90s compete for 1 place
    df = frame(counties("戊", [95, 90, 90, 80]))
    df["所辖县数"] = 10
    r = select(df)
    assert list(status(r).values()) == [SELECTED, PENDING, PENDING, OVER_CAP]
    assert "剩余1个推荐名额待定" in r.table["reason"][1]
    assert "戊推荐名额2个，2个县得分并列争1个名额" in r.summary.set_index("level").loc["县", "note"]


def test_article8_missing_county_count_is_an_error_naming_the_city():
    with pytest.raises(ValueError, match="己.*所辖县数"):
        select(frame(counties("己", [90])))


def test_article8_cap_can_be_switched_off():
    assert list(status(select(frame(counties("己", [90, 80])), county_count=None)).values()) == [SELECTED] * 2


def test_article13_counties_of_a_selected_city_give_way():
    # cities 甲 (selected) and 乙 (4th, not selected); county quota 2: 甲's 95 gives way, so 乙's
    # 80 and 70 take the places
    df = frame(cities([90, 85, 80]) + [("乙", "市", "", 10)]
               + [("甲县", "县", "市0", 95), ("乙县1", "县", "乙", 80), ("乙县2", "县", "乙", 70), ("乙县3", "县", "乙", 60)])
    r = select(df, rules=SelectionRules(quotas={"县": 2}))
    s = status(r)
    assert s["市0"] == SELECTED and s["乙"] == NOT_SELECTED
    assert s["甲县"] == CITY_SELECTED and (s["乙县1"], s["乙县2"], s["乙县3"]) == (SELECTED, SELECTED, NOT_SELECTED)
    assert r.table.set_index("unit").loc["甲县", "reason"] == "第十三条：所属设区市「市0」已获督查激励，原则上不再重复激励"


def test_article13_same_category_only():
    # 市0 is selected under the digital category; its county competes in the other category
    df = frame([("市0", "市", "", 90, DIGITAL), ("市0县", "县", "市0", 95, CAT)])
    assert status(select(df)) == {"市0": SELECTED, "市0县": SELECTED}


def test_article13_can_be_switched_off():
    df = frame(cities([90]) + [("市0县", "县", "市0", 95)])
    assert status(select(df, rules=SelectionRules(exclude_lower_of_selected_upper=False)))["市0县"] == SELECTED


def test_article13_pending_city_is_noted_for_its_counties():
    df = frame(cities([90, 85, 80, 80]) + [("市3县", "县", "市3", 95)])
    r = select(df)
    assert status(r)["市3县"] == SELECTED
    assert "市3并列待定" in r.summary.set_index("level").loc["县", "note"]


def test_article5_thirteen_counties_with_a_tie_at_the_cutoff():
    # 15 counties spread over 5 cities (cap 5 each); scores 100, 99, ..., 88, 88, 86: the 13th and
    # 14th tie at 88 -> 12 selected, 2 pending for the last place, 1 out
    scores = list(range(100, 88, -1)) + [88, 88, 86]
    df = frame([(f"县{i}", "县", f"市{i % 5}", s) for i, s in enumerate(scores)])
    df["所辖县数"] = 25
    r = select(df)
    st = list(status(r).values())
    assert st[:12] == [SELECTED] * 12 and st[12:] == [PENDING, PENDING, NOT_SELECTED]
    row = r.summary.set_index("level").loc["县"]
    assert (row["quota"], row["selected"], row["pending"], row["remaining"]) == (13, 12, 2, 1)


def test_categories_are_selected_separately():
    df = frame([(f"市{i}", "市", "", 90 - i, CAT) for i in range(4)]
               + [(f"市{i}", "市", "", 50 + i, DIGITAL) for i in range(4)])
    r = select(df)
    picked = r.table[r.table["status"] == SELECTED]
    assert picked.groupby("category")["unit"].apply(list).to_dict() == {
        CAT: ["市0", "市1", "市2"], DIGITAL: ["市1", "市2", "市3"]}


@pytest.mark.parametrize("rows, message", [
    ([("A", "省", "", 1)], "层级"),
    ([("A", "县", "", 1)], "缺少所属设区市"),
    ([("A", "市", "", 1), ("A", "市", "", 2)], "重复"),
])
def test_input_errors(rows, message):
    with pytest.raises(ValueError, match=message):
        select(frame(rows))


def test_settings_text_becomes_the_measures_and_a_bad_value_names_its_key():
    got = SelectionSettings.parse({"quotas": "设区市=2个; 县级市=5", "share": "25%; 第七条", "no_double": "否",
                                   "vetoes": "安全事故; 失信=第七条（七）", "category_column": "方向"})
    # 设区市/县级市 are the words for 市/县; 25% = 1/4; 否 turns the no-double-reward rule off; a veto
    # without a reason gets the default articles' wording.
    assert got.rules.quotas == {"市": 2, "县": 5} and got.rules.share == Fraction(1, 4)
    assert got.rules.cap_article == "第七条" and got.rules.exclude_lower_of_selected_upper is False
    assert got.vetoes == (("安全事故", "第六条（六）、第七条（七）：不具备申报基本条件（安全事故）"), ("失信", "第七条（七）"))
    assert (got.category_column, got.level_column) == ("方向", None)
    assert SelectionSettings.parse({"quotas": "市=1", "share": "无"}).rules.share is None
    for texts, field in (({"quotas": "市=-1"}, "quotas"), ({"quotas": "省=2"}, "quotas"),
                         ({"quotas": "市=2", "share": "3/2"}, "share"), ({"quotas": "市=2", "no_double": "也许"}, "no_double"),
                         ({"quotas": "市=2", "vetoes": "=理由"}, "vetoes")):
        with pytest.raises(SettingError) as err:
            SelectionSettings.parse(texts)
        assert err.value.field == field
