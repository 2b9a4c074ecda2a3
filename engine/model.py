"""The rubric as validated models: indicators (leaves with rules), aggregate nodes, settings."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .clauses import interval
from .numbers import normalize_text, parse_number_text
from .rules import Rule

DEFAULT_GRADES = "优>=90; 良>=80; 中>=60; 差"
SHARE_GRADES = "优>=90%; 良>=80%; 中>=60%; 差"      # the default on 得分率 where full points are not 100
RANK_BASES = {"总分": "总分", "total": "总分", "得分率": "得分率", "share": "得分率"}
LEVEL_NAMES = ("一级", "二级", "三级", "四级")
METHODS = {"求和": "sum", "sum": "sum", "加总": "sum", "加权平均": "wmean", "wmean": "wmean",
           "加权": "wmean", "平均": "wmean", "mean": "wmean", "几何平均": "gmean", "gmean": "gmean",
           "加权几何平均": "gmean"}
RANKINGS = {"competition": "competition", "并列": "competition", "标准": "competition",
            "dense": "dense", "密集": "dense", "ordinal": "ordinal", "顺序": "ordinal"}


class Grade(BaseModel):
    model_config = ConfigDict(frozen=True)
    label: str
    op: Literal[">=", ">"] | None = None
    bound: Decimal | None = None
    share: bool = False          # '优>=90%': 90% of the full points


class GradeScheme(BaseModel):
    """优>=90; 良>=80; 中>=60; 差 — first grade whose bound the total reaches; the last is the rest."""

    model_config = ConfigDict(frozen=True)
    grades: tuple[Grade, ...]
    text: str = DEFAULT_GRADES

    @classmethod
    def parse(cls, text: str) -> "GradeScheme":
        t = normalize_text(str(text))
        grades = []
        parts = [p.strip() for p in t.split(";") if p.strip()]
        for k, part in enumerate(parts, start=1):
            m = re.fullmatch(r"(.+?)\s*(>=|>)\s*(.+)", part)
            if not m:
                if k != len(parts):
                    raise ValueError(f"等级「{part}」缺少分数线（如 优>=90），只有最后一档可以不写")
                grades.append(Grade(label=part))
                continue
            iv = interval(m.group(2) + m.group(3))
            grades.append(Grade(label=m.group(1).strip(), op=m.group(2), bound=iv.lo, share=iv.pct))
        if not grades:
            raise ValueError("等级方案为空")
        if all(g.bound is None for g in grades):     # one label for everyone: a mistyped scheme
            raise ValueError(f"「{t}」没有分数线，应写成「优>=90; 良>=80; 中>=60; 差」（各档用分号隔开）")
        bounds = [g.bound for g in grades if g.bound is not None]
        if bounds != sorted(bounds, reverse=True):
            raise ValueError("等级分数线应从高到低排列")
        return cls(grades=tuple(grades), text=text)

    def grade(self, totals: np.ndarray, full: np.ndarray | float | None = None) -> np.ndarray:
        """Grade labels ('' where the total is blank). Exact: totals are already rounded decimals."""
        totals = np.asarray(totals, dtype=float)
        if full is None and any(g.share for g in self.grades):
            raise ValueError("按百分比划分的等级需要满分")
        out = np.full(totals.shape, "", dtype=object)
        done = np.isnan(totals)
        for g in self.grades:
            if g.bound is None:
                hit = ~done
            else:
                bound = float(g.bound) * (np.asarray(full, dtype=float) if g.share else 1.0)
                eps = 1e-9 * np.maximum(1, np.abs(bound))
                hit = ~done & ((totals >= bound - eps) if g.op == ">=" else (totals > bound + eps))
            out[hit] = g.label
            done |= hit
        return out


class Settings(BaseModel):
    """The 设置 sheet. Levels count from 1 (一级); aggregate[L] combines level-L items into their parent."""

    model_config = ConfigDict(frozen=True)
    grades: GradeScheme | None = None               # None: the default scheme (see ``scheme``)
    decimals: int = Field(2, ge=0, le=10)
    ranking: Literal["competition", "dense", "ordinal"] = "competition"
    rank_groups: str = "组别"
    aggregate: str = "sum"                          # default for every level
    aggregate_levels: dict[int, str] = Field(default_factory=dict)
    coefficient: str | None = None
    round_each_level: bool = True
    missing: str = "blank"                          # 缺失值: blank / skip / scale, default for every level
    missing_levels: dict[int, str] = Field(default_factory=dict)
    min_share: float | None = None                  # 最少数据: share of children a skipping node needs
    min_share_levels: dict[int, float] = Field(default_factory=dict)
    total_cap: Decimal | Literal["full"] | None = None   # 总分上限: a number, or the full points
    rank_by: Literal["总分", "得分率"] = "总分"
    blank: frozenset[str] = frozenset()             # 等级/排名/汇总 whose setting is broken: left blank

    def scheme(self, on_share: bool) -> GradeScheme:
        """The grade scheme in force: the one set, else 90/80/60 on points or on 得分率."""
        return self.grades or GradeScheme.parse(SHARE_GRADES if on_share else DEFAULT_GRADES)

    @staticmethod
    def parse_total_cap(text: str) -> Decimal | Literal["full"]:
        """'100' or '满分' (the unit's full points, bonus excluded)."""
        t = normalize_text(str(text)).strip()
        if t.lower() in ("满分", "full", "分值"):
            return "full"
        return interval(t).lo if t else None

    def method_for(self, level: int) -> str:
        return self.aggregate_levels.get(level, self.aggregate)

    def missing_for(self, level: int) -> str:
        return self.missing_levels.get(level, self.missing)

    def min_share_for(self, level: int) -> float | None:
        return self.min_share_levels.get(level, self.min_share)

    @staticmethod
    def parse_aggregate(text: str) -> tuple[str, dict[int, str]]:
        """'求和' / 'wmean' / '一级=加权平均; 二级=求和' → (default, per level)."""
        return _per_level(text, _method, "sum")

    @staticmethod
    def parse_missing(text: str) -> tuple[str, dict[int, str]]:
        """'跳过' / '一级=跳过; 二级=空白' / '跳过按比例折算' → (default, per level) of blank/skip/scale."""
        return _per_level(text, _missing_mode, "blank")

    @staticmethod
    def parse_min_share(text: str) -> tuple[float | None, dict[int, float]]:
        """'2/3' / '66%' / '0.5' / '一级=2/3; 二级=50%' → (default, per level)."""
        return _per_level(text, _share, None)

    def check_missing(self, depth: int) -> None:
        """A 求和 level may skip only with 按比例折算: a plain skip would silently lower totals.

        `depth`: the rubric's number of levels (level L combines level-L items into their parent)."""
        for level in range(1, depth + 1):
            if self.missing_for(level) == "skip" and self.method_for(level) == "sum":
                raise ValueError(f"{LEVEL_NAMES[level - 1] if level <= 4 else level}按求和汇总，"
                                 "跳过缺失的下级会少算分数：应写「跳过按比例折算」，或改为加权平均")


def _per_level(text: str, parse, default):
    """'value' or 'level=value; …' (levels 一级/二级/… or 1/2/…) → (default, {level: value})."""
    t = normalize_text(str(text))
    levels = {}
    for part in (p.strip() for p in t.split(";") if p.strip()):
        if "=" in part:
            key, _, value = (x.strip() for x in part.partition("="))
            level = _level_number(key)
            if level is None:
                raise ValueError(f"「{key}」不是层级（应为 一级/二级/三级 或 1/2/3）")
            levels[level] = parse(value)
        else:
            default = parse(part)
    return default, levels


def _missing_mode(text: str) -> str:
    """空白 → blank, 跳过 → skip, anything with 折算 (跳过按比例折算) → scale."""
    t = text.replace(" ", "")
    if "折算" in t:
        return "scale"
    if t in ("跳过", "skip", "忽略"):
        return "skip"
    if t in ("空白", "blank", "留空"):
        return "blank"
    raise ValueError(f"缺失值处理「{text}」无效（可用：空白、跳过、跳过按比例折算）")


def _share(text: str) -> float:
    t = text.replace(" ", "")
    try:
        if "/" in t:
            a, _, b = t.partition("/")
            share = float(parse_number_text(a)) / float(parse_number_text(b))
        else:
            share = float(parse_number_text(t))
    except (ValueError, ZeroDivisionError):
        share = -1.0
    if not 0 < share <= 1:
        raise ValueError(f"最少数据「{text}」无效，应为0到1之间的比例（如 2/3、66%）")
    return share


def _method(text: str) -> str:
    m = METHODS.get(text.strip().lower())
    if m is None:
        raise ValueError(f"汇总方式「{text}」无效（可用：求和、加权平均、几何平均）")
    return m


def _level_number(key: str) -> int | None:
    key = key.strip().replace("指标", "")
    if key in LEVEL_NAMES:
        return LEVEL_NAMES.index(key) + 1
    return int(key) if key.isdigit() else None


NORMALIZE_NAMES = {"none": "none", "无": "none", "minmax": "minmax", "极差": "minmax", "极差标准化": "minmax",
                   "zscore": "zscore", "标准分": "zscore", "z分数": "zscore", "best": "distance_to_best",
                   "distance_to_best": "distance_to_best", "最优": "distance_to_best", "对最优": "distance_to_best",
                   "benchmark": "ratio_to_benchmark", "ratio_to_benchmark": "ratio_to_benchmark", "对标": "ratio_to_benchmark",
                   "目标值": "ratio_to_benchmark", "reference": "ratio_to_reference", "ratio_to_reference": "ratio_to_reference",
                   "基期": "ratio_to_reference", "参照": "ratio_to_reference", "percentile": "percentile",
                   "百分位": "percentile"}
LOWER_WORDS = ("逆向", "lower", "越小越好", "低优", "负向", "-")


class Normalization(BaseModel):
    """How an indicator's raw value becomes comparable before aggregation (minmax 0-100, …)."""

    model_config = ConfigDict(frozen=True)
    method: str
    higher_is_better: bool = True
    benchmark: Decimal | None = None
    reference: str | None = None          # the unit whose value is 100 (base region / year)
    cap: Decimal | None = None
    base: Decimal = Decimal(100)

    @classmethod
    def parse(cls, text: str, direction: str = "") -> "Normalization":
        """'minmax', 'benchmark=24.097 cap=120', 'reference=浦东新区', '极差'; direction 正向/逆向."""
        parts = normalize_text(str(text)).split()
        if not parts:
            raise ValueError("标准化方法为空")
        head, _, head_value = parts[0].partition("=")
        method = NORMALIZE_NAMES.get(head.lower())
        if method is None:
            raise ValueError(f"标准化方法「{parts[0]}」无效（可用：minmax、zscore、best、benchmark=、reference=、percentile）")
        fields: dict = {"method": method, "higher_is_better": not direction.strip().lower().startswith(LOWER_WORDS)}
        options = dict(p.partition("=")[::2] for p in parts[1:])
        if head_value:
            options[{"ratio_to_reference": "reference"}.get(method, "benchmark")] = head_value
        for key, value in options.items():
            if key in ("benchmark", "基准", "cap", "上限", "base", "基数"):
                name = {"基准": "benchmark", "上限": "cap", "基数": "base"}.get(key, key)
                fields[name] = interval(value).lo
            elif key in ("reference", "参照"):
                fields["reference"] = value
            else:
                raise ValueError(f"标准化选项「{key}」无效")
        if method == "ratio_to_benchmark" and fields.get("benchmark") is None:
            raise ValueError("对标标准化需要基准值，如 benchmark=24.097")
        if method == "ratio_to_reference" and not fields.get("reference"):
            raise ValueError("基期标准化需要参照单位，如 reference=浦东新区")
        return cls(**fields)


IMPUTE_NAMES = {"均值": "mean", "平均值": "mean", "mean": "mean", "中位数": "median", "median": "median",
                "组内均值": "group_mean", "group_mean": "group_mean", "组内中位数": "group_median",
                "group_median": "group_median", "上期": "previous", "previous": "previous"}
NO_WORDS = ("不插补", "无", "none", "否", "不处理")
OUTLIER_NAMES = {"缩尾": "winsorise", "winsorise": "winsorise", "winsorize": "winsorise", "对数": "log",
                 "log": "log", "对数变换": "log"}


class Imputation(BaseModel):
    """How an indicator's missing values are filled in (插补): method and, where needed, a 数据 column."""

    model_config = ConfigDict(frozen=True)
    method: str
    column: str | None = None     # group column (组内…, default 组别) or the previous period's column (上期)

    @classmethod
    def parse(cls, text: str) -> "Imputation | None":
        """'组内均值', '组内中位数=区域', '上期=2022年值', '均值', '不插补' (None)."""
        t = normalize_text(str(text)).strip()
        head, _, column = (x.strip() for x in t.replace("＝", "=").partition("="))
        if head.lower() in NO_WORDS:
            return None
        method = IMPUTE_NAMES.get(head.lower())
        if method is None:
            raise ValueError(f"插补方法「{t}」无效（可用：均值、中位数、组内均值、组内中位数、上期=列名、不插补）")
        if method == "previous" and not column:
            raise ValueError("上期插补须写明上期数值所在的数据列，如「上期=2022年值」")
        if method in ("mean", "median") and column:
            raise ValueError(f"「{head}」不按列分组，不需要「={column}」（组内插补请写 组内均值={column}）")
        return cls(method=method, column=column or None)


def parse_outliers(text: str) -> str | None:
    """'缩尾' → 'winsorise', '对数' → 'log', '无' → None (异常值)."""
    t = normalize_text(str(text)).strip().lower()
    if t in NO_WORDS:
        return None
    if t not in OUTLIER_NAMES:
        raise ValueError(f"异常值处理「{text}」无效（可用：缩尾、对数、无）")
    return OUTLIER_NAMES[t]


class Indicator(BaseModel):
    """A leaf row of 细则: one rule, its points, its inputs, the groups it applies to."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    id: str | None = None
    path: tuple[str, ...]                     # level cells from 一级 down; the last is the name
    points: Decimal | None = None
    rule: Rule
    inputs: tuple[str, ...]
    groups: frozenset[str] | None = None      # None: every unit
    weight: Decimal | None = Field(None, ge=0)
    criteria: str = ""
    normalize: Normalization | None = None
    impute: Imputation | None = None          # 插补: fill missing values before normalising
    outliers: str | None = None               # 异常值: 'winsorise' / 'log' before normalising
    row: int | None = None                    # the 细则 row it came from (1-based), for messages

    @field_validator("path")
    @classmethod
    def _named(cls, v):
        if not v or not v[-1]:
            raise ValueError("指标缺少名称")
        return v

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def key(self) -> str:
        """Group variants of one indicator share their id (or, without ids, their path)."""
        return self.id or "/".join(self.path)

    @property
    def label(self) -> str:
        """The name without a leading code (B11预算调整率 → 预算调整率), as the working mentions it."""
        return re.sub(r"^[A-Za-z]+\d+\s*", "", self.name) or self.name

    @property
    def column(self) -> str:
        """The 得分 column heading: '编号 名称' where the rubric has ids."""
        if self.id and not self.name.startswith(self.id):
            return f"{self.id} {self.name}"
        return self.name

    def applies_to(self, groups: np.ndarray) -> np.ndarray:
        if self.groups is None:
            return np.ones(len(groups), dtype=bool)
        return np.isin(groups.astype(str), list(self.groups))


class NodeSpec(BaseModel):
    """An aggregate row of 细则 (no rule, no input): it names a node and gives its weight."""

    model_config = ConfigDict(frozen=True)
    path: tuple[str, ...]
    weight: Decimal | None = Field(None, ge=0)
    points: Decimal | None = None
    groups: frozenset[str] | None = None
    row: int | None = None


class Rubric(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    indicators: tuple[Indicator, ...]
    nodes: tuple[NodeSpec, ...] = ()
    settings: Settings = Field(default_factory=Settings)
