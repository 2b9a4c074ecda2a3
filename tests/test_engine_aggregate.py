"""Aggregation through the indicator tree, half-up rounding and group means."""
import numpy as np
import pytest

from engine.aggregate import (MISSING_CHILD, MISSING_COEFFICIENT, MISSING_SCORE, NEGATIVE_CHILD, NOT_ASSESSED,
                              OK, REASONS, ZERO_WEIGHT, Tree, aggregate, group_means, resolve_weights,
                              sum_rows)
from engine.rounding import round_half_up

NAN = np.nan


# --- rounding -----------------------------------------------------------------------------------

@pytest.mark.parametrize("x, d, expected", [
    (1.005, 2, 1.01),           # stored as 1.00499999999999989..., Excel prints 1.01
    (2.675, 2, 2.68),           # Python's round gives 2.67
    (0.125, 2, 0.13),           # exact binary tie: half up, not half even
    (-2.675, 2, -2.68),         # away from zero
    (2.5, 0, 3.0), (-2.5, 0, -3.0), (0.5, 0, 1.0),
    (1.0049, 2, 1.0),           # really below the tie
    (125.0, -1, 130.0),         # Excel ROUND(125, -1)
    (0.1 + 0.2, 2, 0.3),
    (1000000.0045, 2, 1000000.0),  # large amounts keep their digits: not a tie
    (1000000.005, 2, 1000000.01),
    (-0.001, 2, 0.0),
])
def test_round_half_up_matches_excel(x, d, expected):
    assert round_half_up(x, d) == expected


def test_round_half_up_sums_and_means_of_two_decimal_numbers():
    # (1.00 + 1.01) / 2 = 1.005 -> 1.01; 11.50 + 21.48 + 37.00 + 21.00 + 3.00 = 93.98 (seed 001 total)
    assert round_half_up((1.00 + 1.01) / 2, 2) == 1.01
    assert round_half_up(sum([11.50, 21.48, 37.00, 21.00, 3.00]), 2) == 93.98


def test_round_half_up_arrays_keep_nan_and_shape():
    out = round_half_up(np.array([[1.005, NAN], [np.inf, -1.005]]), 2)
    assert out.shape == (2, 2)
    assert out[0, 0] == 1.01 and np.isnan(out[0, 1]) and out[1, 0] == np.inf and out[1, 1] == -1.01
    assert isinstance(round_half_up(1.005, 2), float)



def test_round_half_up_arrays_agree_with_decimal_on_typed_amounts():
    # amounts as typed (3 decimals, signs, up to 10^9) rounded to 2 places: the array path must
    # print what Decimal's ROUND_HALF_UP prints for the decimal text, ties included
    from decimal import ROUND_HALF_UP, Decimal
    rng = np.random.default_rng(3)
    typed = rng.integers(-10**12, 10**12, 20000) // rng.choice([1, 10, 1000, 10**6], 20000)
    x = typed / 1000
    expected = [float(Decimal(int(t)).scaleb(-3).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) for t in typed]
    assert round_half_up(x, 2).tolist() == expected

# --- trees --------------------------------------------------------------------------------------

def small_tree(method_x="wmean", weights=(1, 3, NAN, NAN, NAN)):
    """Leaves a, b under X (method_x); c directly under the root; root = sum(X, c)."""
    return Tree(parent=np.array([3, 3, 4, 4, -1]), n_leaves=3, method=("", "", "", method_x, "sum"),
                weight=np.array(weights, dtype=float), names=("a", "b", "c", "X", "总分"))


def test_weighted_mean_then_sum():
    # X = (80*1 + 90*3) / 4 = 87.5; total = 87.5 + 5 = 92.5
    r = aggregate(small_tree(), [[80, 90, 5]])
    assert r.values[0].tolist() == [80, 90, 5, 87.5, 92.5]
    assert r.reason[0].tolist() == [OK] * 5 and r.assessed[0].all()


def test_not_assessed_child_is_excluded_and_weights_renormalised():
    # a not assessed (its group has no row): X = 90 (b alone, weight 3/3), not (0*1 + 90*3)/4
    r = aggregate(small_tree(), [[NAN, 90, 5]], [[False, True, True]])
    assert r.values[0, 3] == 90 and r.values[0, 4] == 95
    assert r.reason[0, 0] == NOT_ASSESSED and not r.assessed[0, 0] and r.assessed[0, 3]


def test_not_assessed_leaf_value_is_ignored():
    # a value given for a leaf the unit is not assessed on does not count, and is shown blank
    r = aggregate(small_tree(), [[10, 90, 5]], [[False, True, True]])
    assert np.isnan(r.values[0, 0]) and r.values[0, 3] == 90


def test_missing_child_blanks_its_ancestors_never_zero():
    r = aggregate(small_tree(), [[80, NAN, 5]])
    assert np.isnan(r.values[0, 3]) and np.isnan(r.values[0, 4])
    assert r.reason[0].tolist() == [OK, MISSING_SCORE, OK, MISSING_CHILD, MISSING_CHILD]
    assert r.messages()[0, 3] == "缺少下级得分" == REASONS[MISSING_CHILD]


def test_node_without_assessed_children_is_not_assessed():
    # X has no assessed child: not assessed, so the total is c alone; nothing assessed: no total
    r = aggregate(small_tree(), [[NAN, NAN, 5], [NAN, NAN, NAN]], [[False, False, True], [False, False, False]])
    assert not r.assessed[0, 3] and r.reason[0, 3] == NOT_ASSESSED and r.values[0, 4] == 5
    assert not r.assessed[1, 4] and r.reason[1, 4] == NOT_ASSESSED and np.isnan(r.values[1, 4])


def test_blank_weights_all_blank_are_equal():
    # weights of a and b both blank: X = (80 + 91) / 2 = 85.5
    r = aggregate(small_tree(weights=(NAN, NAN, NAN, NAN, NAN)), [[80, 91, 0]])
    assert r.values[0, 3] == 85.5


def test_blank_weight_among_given_takes_their_mean():
    # X has children weighted 2, blank, 4: the blank counts as 3.
    # (10*2 + 20*3 + 30*4) / 9 = 200/9 = 22.222... -> 22.22
    t = Tree(parent=np.array([3, 3, 3, -1]), n_leaves=3, method=("", "", "", "wmean"),
             weight=np.array([2, NAN, 4, NAN]))
    assert resolve_weights(t)[:3].tolist() == [2, 3, 4]
    assert aggregate(t, [[10, 20, 30]]).values[0, 3] == 22.22


def test_weight_override():
    # weights 1:1 instead of 1:3: X = (80 + 90) / 2 = 85
    r = aggregate(small_tree(), [[80, 90, 5]], weights=np.array([1, 1, NAN, NAN, NAN]))
    assert r.values[0, 3] == 85 and r.values[0, 4] == 90


def test_zero_weight_sum_is_reported():
    # b (weight 3) not assessed, a has weight 0: no weight left in X
    r = aggregate(small_tree(weights=(0, 3, NAN, NAN, NAN)), [[80, NAN, 5]], [[True, False, True]])
    assert np.isnan(r.values[0, 3]) and r.reason[0, 3] == ZERO_WEIGHT


def test_geometric_mean():
    # equal weights: sqrt(4 * 16) = 8; weights 1:3 on 1 and 16: 1**(1/4) * 16**(3/4) = 8.
    # A zero child gives 0; a negative child blanks the node.
    t = small_tree("gmean", weights=(NAN, NAN, NAN, NAN, NAN))
    assert aggregate(t, [[4, 16, 0]]).values[0, 3] == 8
    assert aggregate(small_tree("gmean"), [[1, 16, 0]]).values[0, 3] == 8
    assert aggregate(t, [[0, 16, 0]]).values[0, 3] == 0
    r = aggregate(t, [[-1, 16, 0]])
    assert np.isnan(r.values[0, 3]) and r.reason[0, 3] == NEGATIVE_CHILD


def test_geometric_mean_zero_weight_zero_child_does_not_count():
    # a = 0 with weight 0: 0**0 = 1, so X = 9**1 = 9
    r = aggregate(small_tree("gmean", weights=(0, 1, NAN, NAN, NAN)), [[0, 9, 0]])
    assert r.values[0, 3] == 9


def test_rounding_each_level_or_only_at_the_root():
    # X = a + b = 0.333 + 0.333 = 0.666 -> 0.67; Y likewise; total 1.34 when each level is rounded,
    # 1.332 -> 1.33 when only the root is.
    t = Tree(parent=np.array([4, 4, 5, 5, 6, 6, -1]), n_leaves=4, method=("",) * 4 + ("sum",) * 3,
             weight=np.full(7, NAN))
    x = [[0.333, 0.333, 0.333, 0.333]]
    assert aggregate(t, x).values[0, 4:].tolist() == [0.67, 0.67, 1.34]
    r = aggregate(t, x, round_each_level=False)
    assert r.values[0, 6] == 1.33 and r.values[0, 4] == pytest.approx(0.666)
    assert aggregate(t, x, decimals=None).values[0, 6] == pytest.approx(1.332)


def test_half_up_at_an_aggregate():
    # mean of 1.00 and 1.01 is 1.005: 1.01 as Excel prints it (Python's round gives 1.0)
    r = aggregate(small_tree(weights=(1, 1, NAN, NAN, NAN)), [[1.00, 1.01, 0]])
    assert r.values[0, 3] == 1.01


def test_seed_001_total_from_first_level_subtotals():
    # additive subtotals of seed 001: A 11.50, B 21.48, C 37.00, D 21.00, E 3.00 -> 93.98
    t = Tree(parent=np.array([5] * 5 + [-1]), n_leaves=5, method=("",) * 5 + ("sum",), weight=np.full(6, NAN))
    assert aggregate(t, [[11.50, 21.48, 37.00, 21.00, 3.00]]).values[0, 5] == 93.98


def test_coefficient_multiplies_the_root():
    # 系数 (seed 003): 100 * 0.98 = 98; a blank coefficient blanks the total
    r = aggregate(small_tree(), [[80, 90, 12.5], [80, 90, 12.5]], coefficient=[0.98, NAN])
    assert r.values[0, 4] == 98.0
    assert np.isnan(r.values[1, 4]) and r.reason[1, 4] == MISSING_COEFFICIENT


def test_many_units_are_vectorised_consistently():
    rng = np.random.default_rng(0)
    x = np.round(rng.uniform(0, 100, (50, 3)), 2)
    r = aggregate(small_tree(), x)
    # each row by hand formula: X = (a + 3b)/4 rounded, total = X + c rounded
    x_expected = round_half_up((x[:, 0] + 3 * x[:, 1]) / 4, 2)
    assert np.array_equal(r.values[:, 3], x_expected)
    assert np.array_equal(r.values[:, 4], round_half_up(x_expected + x[:, 2], 2))


@pytest.mark.parametrize("kwargs, message", [
    (dict(parent=[2, 2, -1, 2]), "根"),                       # root not last
    (dict(parent=[3, 0, 3, -1]), "上级"),                     # a leaf as parent
    (dict(method=("", "", "", "avg")), "汇总方式"),
    (dict(weight=[-1, 1, 1, NAN]), "权重"),
])
def test_tree_validation_messages_are_chinese(kwargs, message):
    base = dict(parent=[3, 3, 3, -1], n_leaves=3, method=("", "", "", "sum"), weight=[1, 1, 1, NAN])
    with pytest.raises(ValueError, match=message):
        Tree(**{**base, **kwargs})


def test_aggregate_node_without_children_is_rejected():
    with pytest.raises(ValueError, match="没有下级"):
        Tree(parent=[4, 4, 4, 5, 5, -1], n_leaves=3, method=("",) * 3 + ("sum",) * 3, weight=[NAN] * 6)


# --- group means (seed 003) ----------------------------------------------------------------

# 智慧城市发展水平指数 and 新型基础设施指数 of the 16 districts, typed from seed 003 表3-2 / 表3-3.
DISTRICTS = {  # name: (region, index, 新型基础设施指数)
    "浦东": ("中心城区", 133.41, 121.96), "徐汇": ("中心城区", 126.74, 124.68),
    "黄浦": ("中心城区", 125.32, 135.76), "静安": ("中心城区", 117.02, 129.76),
    "普陀": ("中心城区", 115.92, 132.92), "长宁": ("中心城区", 115.52, 125.30),
    "虹口": ("中心城区", 113.89, 141.74), "杨浦": ("中心城区", 107.70, 122.82),
    "宝山": ("郊区", 110.94, 116.91), "嘉定": ("郊区", 106.69, 103.34),
    "闵行": ("郊区", 105.39, 116.31), "金山": ("郊区", 104.30, 102.87),
    "青浦": ("郊区", 103.03, 109.31), "松江": ("郊区", 93.82, 112.95),
    "奉贤": ("郊区", 89.35, 107.04), "崇明": ("郊区", 87.31, 102.85),
}


def test_seed_003_city_index_is_the_mean_of_district_indices():
    groups = [g for g, _, _ in DISTRICTS.values()]
    values = np.array([[v, infra] for _, v, infra in DISTRICTS.values()])
    means, overall = group_means(values, groups)
    # published: 中心城区 119.44, 郊区 100.10 (800.83/8 = 100.10375), 全市 109.77 (1756.35/16)
    assert list(means.index) == ["中心城区", "郊区"]
    assert means.loc["中心城区", 0] == 119.44 and means.loc["郊区", 0] == 100.10 and overall[0] == 109.77
    # 新型基础设施指数: published 郊区 108.95 and 全市 119.16 match; the published 中心城区 129.36
    # cannot come from the printed values (1034.94 / 8 = 129.3675 -> 129.37), so the report
    # averaged unrounded district values. We average what is printed.
    assert means.loc["郊区", 1] == 108.95 and overall[1] == 119.16 and means.loc["中心城区", 1] == 129.37


def test_group_means_ignore_blanks():
    # group a: column 0 mean of 1 and 3 = 2, column 1 all blank -> NaN; the blank-group unit counts
    # only in the overall mean: (1 + 3 + 5 + 8) / 4 = 4.25
    means, overall = group_means([[1, NAN], [3, NAN], [5, 2], [8, 4]], ["a", "a", "b", None])
    assert means.loc["a", 0] == 2 and np.isnan(means.loc["a", 1]) and means.loc["b", 1] == 2
    assert list(means.index) == ["a", "b"]
    assert overall.tolist() == [4.25, 3.0]


# --- node-major sums ----------------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 2, 7, 8, 9, 16, 40, 129, 300])
def test_unrounded_subtotals_do_not_move_with_the_layout(k):
    # Scoring adds indicator rows node-major; the sums must equal numpy's x.sum(-1) of the unit-major
    # table bit for bit: pairwise for a C-ordered table, one column after another for a column
    # selection (Fortran-ordered). Magnitudes spread over 16 decades make any other order show.
    rng = np.random.default_rng(k)
    table = rng.standard_normal((400, k + 3)) * 10.0 ** rng.integers(-8, 8, (400, k + 3))
    table[:3] = -0.0
    rows = [np.ascontiguousarray(table[:, i]) for i in range(k)]
    assert sum_rows(rows).tobytes() == table[:, :k].copy().sum(-1).tobytes()
    assert sum_rows(rows, pairwise=False).tobytes() == table[:, np.arange(k)].sum(-1).tobytes()


def test_sum_tree_with_blank_scores_equals_sums_worked_unit_by_unit():
    # 30 leaves under 6 subtotals under the root, every unit assessed on every leaf, 1% blank
    # scores: each subtotal is the Decimal sum of its leaves (blank if one is blank), the total
    # the sum of the subtotals, all rounded half-up; the node-major fast path must agree.
    from decimal import ROUND_HALF_UP, Decimal
    rng = np.random.default_rng(5)
    n_units, n_leaves, n_mid = 500, 30, 6
    parent = [n_leaves + k % n_mid for k in range(n_leaves)] + [n_leaves + n_mid] * n_mid + [-1]
    tree = Tree(parent=np.array(parent), n_leaves=n_leaves, method=("",) * n_leaves + ("sum",) * (n_mid + 1),
                weight=np.full(len(parent), np.nan))
    leaf = np.round(rng.uniform(0, 10, (n_units, n_leaves)), 2)
    leaf[rng.random(leaf.shape) < 0.01] = np.nan
    agg = aggregate(tree, leaf)
    values = agg.values

    def dec_sum(xs):
        if any(x is None for x in xs):
            return None
        return sum(xs, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    for u in range(n_units):
        cells = [None if np.isnan(x) else Decimal(repr(x)) for x in leaf[u].tolist()]
        subtotals = [dec_sum(cells[k::n_mid]) for k in range(n_mid)]
        expected = [*subtotals, dec_sum(subtotals)]
        got = values[u, n_leaves:].tolist()
        assert [None if np.isnan(g) else Decimal(repr(g)) for g in got] == expected, u
        assert agg.reason[u, n_leaves:].tolist() == [MISSING_CHILD if e is None else OK for e in expected], u
