"""How much does a unit's rank depend on the chosen weights? (Monte Carlo over weight sets)

Leaf scores are fixed, so all runs of a chunk are aggregated in one batched pass (leaf-level
parents are matrix products over the runs). Only weights inside `wmean`/`gmean` parents matter:
an all-`sum` tree gives the same rank in every run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from engine.aggregate import Tree, aggregate_runs, check_leaf_inputs, resolve_weights
from engine.clauses import SettingError
from engine.numbers import parse_number_text, yes_no_word
from engine.rank import rank_codes

MODES = ("uniform", "dirichlet")
_CHUNK_CELLS = 1_000_000  # runs x units per batched pass (~8 MB per node)
PARAM_KEYS = {"次数": "n_runs", "n": "n_runs", "runs": "n_runs", "方式": "mode", "mode": "mode",
              "幅度": "spread", "spread": "spread", "种子": "seed", "seed": "seed"}
MODE_WORDS = {"uniform": "uniform", "均匀": "uniform", "dirichlet": "dirichlet", "狄利克雷": "dirichlet"}


class SensitivitySettings(BaseModel):
    """How the weights are perturbed: `n_runs` weight sets, drawn by `mode`, ±`spread`, from `seed`.

    Built by `checked` (command options) or `parse` (设置 敏感性), which raise Chinese errors, so a
    sheet is only ever made from arguments that make sense.
    """
    model_config = ConfigDict(frozen=True)

    n_runs: int = 1000
    mode: str = "uniform"
    spread: float = 0.2
    seed: int = 0

    @classmethod
    def checked(cls, n_runs: int = 1000, mode: str = "uniform", spread: float = 0.2,
                seed: int = 0) -> "SensitivitySettings":
        """The settings, or ValueError (Chinese) naming the argument that is out of range."""
        if mode not in MODES:
            raise ValueError(f"扰动方式「{mode}」无效，应为 uniform 或 dirichlet")
        if not 0 <= spread < 1:
            raise ValueError(f"扰动幅度「{spread:g}」无效，应在0到1之间（如0.2表示±20%）")
        if n_runs < 1:
            raise ValueError(f"扰动次数「{n_runs}」无效，应为正整数")
        return cls(n_runs=n_runs, mode=mode, spread=spread, seed=seed)

    @classmethod
    def parse(cls, text: str) -> "SensitivitySettings | None":
        """设置 敏感性: 是 (defaults), 否 (None: no sheet), or `次数=1000; 方式=uniform; 幅度=20%; 种子=0`.

        Raises SettingError("sensitivity", …) for a part it cannot read or a value out of range."""
        answer = yes_no_word(text) if text not in ("0", "1") else text == "1"
        if answer is False:
            return None
        params: dict = {}
        for part in ([] if answer else filter(None, (p.strip() for p in re.split(r"[;,\n]", text)))):
            key, _, value = (p.strip() for p in part.partition("="))
            field = PARAM_KEYS.get(key.lower())
            try:
                if field == "mode":
                    params[field] = MODE_WORDS[value.lower()]
                elif field == "spread":
                    params[field] = float(parse_number_text(value))
                elif field in ("n_runs", "seed"):
                    number = parse_number_text(value.removesuffix("次"))
                    if number != int(number) or number < (1 if field == "n_runs" else 0):
                        raise ValueError
                    params[field] = int(number)
                else:
                    raise ValueError
            except (ValueError, KeyError):
                raise SettingError("sensitivity", f"「{part}」无法识别，应形如「次数=1000; 方式=uniform; 幅度=20%; 种子=0」") \
                    from None
        try:
            return cls.checked(**params)
        except ValueError as exc:
            raise SettingError("sensitivity", str(exc)) from None


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    base_rank: np.ndarray    # (U,) rank with the given weights
    median_rank: np.ndarray  # (U,) over the runs; NaN for a unit without a total
    p05: np.ndarray          # (U,) 5th percentile (the optimistic end)
    p95: np.ndarray          # (U,) 95th percentile (the pessimistic end)
    n_runs: int


def perturb_weights(tree: Tree, n_runs: int, mode: str = "uniform", spread: float = 0.2,
                    concentration: float = 100.0, seed: int = 0, weights=None) -> np.ndarray:
    """(n_runs, N) weight sets around the tree's effective weights.

    uniform: each weight times 1 + U(-spread, spread). dirichlet: within each parent, shares drawn
    from Dirichlet(concentration * given shares); larger concentration = closer to the given ones.
    """
    if mode not in MODES:
        raise ValueError(f"扰动方式「{mode}」无效，应为 uniform 或 dirichlet")
    if not 0 <= spread < 1:
        raise ValueError("扰动幅度 spread 应在 0 到 1 之间（不含1）")
    if concentration <= 0:
        raise ValueError("集中度 concentration 应大于0")
    w = resolve_weights(tree, weights)
    rng = np.random.default_rng(seed)
    if mode == "uniform":
        return w * rng.uniform(1 - spread, 1 + spread, size=(n_runs, tree.n))
    out = np.ones((n_runs, tree.n))
    for p in range(tree.n_leaves, tree.n):
        c = tree.children[p]
        total = w[c].sum()
        if total > 0:
            g = rng.gamma(concentration * w[c] / total, size=(n_runs, len(c)))
            out[:, c] = g / g.sum(axis=1, keepdims=True)
    return out


def rank_sensitivity(tree: Tree, leaf_scores, assessed=None, n_runs: int = 1000, mode: str = "uniform",
                     spread: float = 0.2, concentration: float = 100.0, seed: int = 0, decimals: int | None = 2,
                     method: str = "competition", round_each_level: bool = True,
                     coefficient=None, points=None, ceiling=None) -> SensitivityResult:
    """Rank of each unit's total under `n_runs` perturbed weight sets; deterministic for a seed.

    `coefficient` (U,) multiplies each total as scoring does (设置 系数); the tree's missing-data
    handling (skip, 最少数据, 按比例折算 with the leaves' `points`) applies in every run as in scoring.
    `ceiling` (U,) caps each total as scoring does (总分上限, 一票否决; NaN blanks the unit)."""
    leaf, mask = check_leaf_inputs(tree, leaf_scores, assessed)
    leaf = np.ascontiguousarray(leaf)                  # node-major rows, read by every chunk of runs
    mask = None if mask is None else np.ascontiguousarray(mask)
    n_units, root = leaf.shape[1], tree.n - 1
    points = None if points is None else np.ascontiguousarray(np.asarray(points, dtype=float).T)

    def totals(w):
        t = aggregate_runs(tree, leaf, mask, w, decimals, round_each_level, coefficient, points=points)[0][root]
        return t if ceiling is None else np.minimum(t, np.asarray(ceiling, dtype=float))

    base = rank_codes(totals(resolve_weights(tree)[None, :])[0], np.zeros(n_units, np.int64), method).rank
    runs = perturb_weights(tree, n_runs, mode, spread, concentration, seed)
    ranks = np.empty((n_runs, n_units))
    step = max(1, _CHUNK_CELLS // max(n_units, 1))
    for start in range(0, n_runs, step):
        t = totals(runs[start:start + step])
        codes = np.repeat(np.arange(len(t), dtype=np.int64), n_units)  # one group per run
        ranks[start:start + len(t)] = rank_codes(t.ravel(), codes, method).rank.reshape(t.shape)
    q = np.full((3, n_units), np.nan)
    whole = ~np.isnan(ranks).any(axis=0)
    if n_runs and whole.any():
        q[:, whole] = np.percentile(ranks[:, whole], [5, 50, 95], axis=0)
    return SensitivityResult(base, q[1], q[0], q[2], n_runs)
