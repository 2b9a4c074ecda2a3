"""Rank sensitivity to the weights: batched runs, determinism, hand-worked extremes."""
import numpy as np
import pytest

from engine.aggregate import Tree, aggregate, resolve_weights
from engine.rank import rank
from engine.clauses import SettingError
from engine.sensitivity import SensitivitySettings, perturb_weights, rank_sensitivity

NAN = np.nan


def two_leaf_tree(method="wmean"):
    return Tree(parent=np.array([2, 2, -1]), n_leaves=2, method=("", "", method), weight=np.array([1, 1, NAN]))


def test_swing_units_span_all_ranks_and_the_middle_unit_stays_second():
    # A = (100, 0), B = (0, 100), C = (50, 50). With equal weights all total 50 (rank 1, tied).
    # Whenever w1 > w2: A > C > B; whenever w1 < w2: B > C > A. So C is 2nd in (almost) every run
    # and A, B reach both 1st and 3rd.
    r = rank_sensitivity(two_leaf_tree(), [[100, 0], [0, 100], [50, 50]], n_runs=400)
    assert r.base_rank.tolist() == [1, 1, 1]
    assert (r.p05[2], r.median_rank[2], r.p95[2]) == (2, 2, 2)
    assert r.p05[0] == 1 and r.p95[0] == 3 and r.p05[1] == 1 and r.p95[1] == 3


def test_sum_tree_ranks_never_move():
    # weights do not enter a sum: totals 10, 30, 20 in every run -> ranks 3, 1, 2
    r = rank_sensitivity(two_leaf_tree("sum"), [[5, 5], [10, 20], [0, 20]], n_runs=50, spread=0.5)
    for q in (r.base_rank, r.p05, r.median_rank, r.p95):
        assert q.tolist() == [3, 1, 2]


def test_zero_spread_gives_the_base_rank():
    x = np.random.default_rng(3).uniform(0, 100, (30, 2)).round(2)
    r = rank_sensitivity(two_leaf_tree(), x, n_runs=20, spread=0.0)
    assert np.array_equal(r.median_rank, r.base_rank) and np.array_equal(r.p05, r.p95)


def test_deterministic_for_a_seed():
    x = np.random.default_rng(4).uniform(0, 100, (40, 2)).round(2)
    a = rank_sensitivity(two_leaf_tree(), x, n_runs=100, seed=7)
    b = rank_sensitivity(two_leaf_tree(), x, n_runs=100, seed=7)
    assert all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("median_rank", "p05", "p95"))


def nested_tree():
    # 6 leaves -> 2 wmean nodes (3 each) -> wmean root
    return Tree(parent=np.array([6, 6, 6, 7, 7, 7, 8, 8, -1]), n_leaves=6, method=("",) * 6 + ("wmean",) * 3,
                weight=np.array([1, 2, 3, 3, 2, 1, 2, 1, NAN]))


@pytest.mark.parametrize("mode", ["uniform", "dirichlet"])
def test_batched_runs_equal_one_aggregate_per_run(mode):
    # reference path: aggregate() once per weight set, then rank; must match the batched pass
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 100, (25, 6)).round(2)
    assessed = rng.random((25, 6)) > 0.1
    tree = nested_tree()
    runs = perturb_weights(tree, 30, mode, seed=11)
    ranks = np.array([rank(aggregate(tree, x, assessed, weights=w).values[:, -1]).rank for w in runs])
    r = rank_sensitivity(tree, x, assessed, n_runs=30, mode=mode, seed=11)
    np.testing.assert_array_equal(r.median_rank, np.median(ranks, axis=0))
    np.testing.assert_array_equal(r.p05, np.percentile(ranks, 5, axis=0))


def test_perturbations_stay_in_range():
    tree = nested_tree()
    w = resolve_weights(tree)
    u = perturb_weights(tree, 200, "uniform", spread=0.2)
    assert np.all(u >= 0.8 * w - 1e-12) and np.all(u <= 1.2 * w + 1e-12)
    d = perturb_weights(tree, 200, "dirichlet", concentration=50)
    np.testing.assert_allclose(d[:, :3].sum(axis=1), 1)
    np.testing.assert_allclose(d[:, 6:8].sum(axis=1), 1)
    # the mean share stays near the given one (1/6, 2/6, 3/6)
    np.testing.assert_allclose(d[:, :3].mean(axis=0), [1 / 6, 2 / 6, 3 / 6], atol=0.03)


def test_unit_without_a_total_has_no_rank():
    r = rank_sensitivity(two_leaf_tree(), [[NAN, 10], [5, 5]], n_runs=10)
    assert np.isnan(r.base_rank[0]) and np.isnan(r.median_rank[0]) and r.median_rank[1] == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="扰动方式"):
        perturb_weights(two_leaf_tree(), 5, "normal")
    with pytest.raises(ValueError, match="spread"):
        perturb_weights(two_leaf_tree(), 5, spread=1.5)


def test_sensitivity_setting_words():
    assert SensitivitySettings.parse("否") is None and SensitivitySettings.parse("0") is None
    assert SensitivitySettings.parse("是") == SensitivitySettings() == SensitivitySettings.parse("1")
    assert SensitivitySettings.parse("次数=200次; 方式=狄利克雷, 幅度=10%; 种子=3") == \
        SensitivitySettings(n_runs=200, mode="dirichlet", spread=0.1, seed=3)
    for text, says in (("次数=0", "无法识别"), ("方式=正态", "无法识别"), ("颜色=红", "无法识别"),
                       ("幅度=100%", "扰动幅度「1」无效")):
        with pytest.raises(SettingError, match=says) as err:
            SensitivitySettings.parse(text)
        assert err.value.field == "sensitivity"
