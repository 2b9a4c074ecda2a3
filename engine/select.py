"""Rank-and-quota selection (督查激励 style): vetoes, a recommendation cap per upper unit, quotas per
level, and no double reward, with every rule and its article text given as data (`SelectionRules`).

The defaults are the Shandong 督查激励 measures (seed 002, 2024 revision). Per category (the
督查激励 direction), in this order:
1. Vetoes (第六条（六）/第七条（七）): a truthy veto column makes the candidate 不符合条件.
   A candidate without a committee score cannot be sorted (第九条) and is 未入选.
2. Recommendation cap (第八条): each upper unit (市) recommends at most floor(n × share) of its n
   lower units (县), share 1/5; its best-scored eligible lower units are kept, the others are
   超出推荐名额.
3. Quota (第五条/第九条): upper units sorted by score, the best `quotas[upper]` (3) are 入选.
4. No double reward (第十三条): lower units whose upper unit is 入选 in the same category are
   所属市已入选 (chosen reading: "重复" means the same category).
5. Quota: the remaining lower units sorted by score, the best `quotas[lower]` (13) are 入选.
No article breaks ties: a tie straddling a cap or a quota makes every tied candidate 并列待定,
and the summary says how many places remain. Fewer candidates than places: all are selected.
Another province's measures need only other `SelectionRules` values (设置 keys in a workbook).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from engine.clauses import SettingError
from engine.numbers import normalize_text, parse_bool, parse_number_text
from engine.rank import rank

SELECTED, NOT_SELECTED, VETOED, OVER_CAP, CITY_SELECTED, PENDING = (
    "入选", "未入选", "不符合条件", "超出推荐名额", "所属市已入选", "并列待定")
CITY, COUNTY = "市", "县"
DEFAULT_COLUMNS = {"unit": "unit", "level": "level", "parent": "parent", "category": "category", "score": "score"}
LEVEL_WORDS = {CITY: ("市", "设区市", "地级市"),
               COUNTY: ("县", "区", "县级市", "县(市,区)", "县(市区)", "县市区", "县区")}
VETO_ARTICLES = "第六条（六）、第七条（七）"
NO_SHARE_WORDS = ("无", "不限", "none")


class SelectionRules(BaseModel):
    """The selection measures as data; the defaults are seed 002's articles.

    `share` is the recommendation cap (an upper unit of n lower units recommends at most
    floor(n × share); None: no cap). `exclude_lower_of_selected_upper` is the no-double-reward
    rule. The `*_article` texts open the reasons shown beside every candidate.
    """
    model_config = ConfigDict(frozen=True)

    quotas: dict[str, int] = Field(default_factory=lambda: {CITY: 3, COUNTY: 13})
    share: Fraction | None = Fraction(1, 5)
    exclude_lower_of_selected_upper: bool = True
    quota_article: str = "第五条"
    order_article: str = "第九条"
    cap_article: str = "第八条：推荐数量原则上不超过所辖县（市、区）总数的五分之一"
    exclusion_article: str = "第十三条：所属设区市「{上级}」已获督查激励，原则上不再重复激励"

    def cap(self, n: int) -> int:
        """Most lower units an upper unit of `n` may recommend: floor(n × share)."""
        return int(n * self.share)

    def exclusion_reason(self, upper: str) -> str:
        """The exclusion article with the upper unit's name in place of {上级} (or after it)."""
        text = self.exclusion_article
        return text.replace("{上级}", upper) if "{上级}" in text else f"{text}（{upper}）"


def level_of(text: str) -> str | None:
    """市 or 县 for the words officials use for a level (设区市, 县级市, 县(市,区) …); None otherwise."""
    t = normalize_text(text).replace(" ", "")
    return next((lv for lv, words in LEVEL_WORDS.items() if t in words), None)


class SelectionSettings(BaseModel):
    """Everything 设置 says about a selection: the measures (`rules`), the veto columns with the
    reason each shows, and the 数据 columns for level, category and a city's county count (None:
    not named, the default heading is looked for). Columns are checked where 数据 is read."""
    model_config = ConfigDict(frozen=True)

    rules: SelectionRules
    vetoes: tuple[tuple[str, str], ...] = ()
    level_column: str | None = None
    category_column: str | None = None
    county_count_column: str | None = None

    @classmethod
    def parse(cls, texts: Mapping[str, str]) -> "SelectionSettings":
        """From the 设置 texts by field (quotas, share, no_double, quota_article, order_article,
        vetoes, level_column, category_column, county_count). Raises SettingError(field, …) for
        the first value it cannot read."""
        values: dict = {"quotas": _quotas(texts.get("quotas", ""))}
        share, share_text = _value_and_text(texts.get("share", ""))
        if share:
            if share in NO_SHARE_WORDS:
                values["share"] = None
            else:
                try:
                    values["share"] = _fraction(share)
                except (ValueError, ArithmeticError):
                    raise SettingError("share", f"「{share}」无法识别，应形如「1/5」「20%」或「无」") from None
            if share_text:
                values["cap_article"] = share_text
        rule, rule_text = _value_and_text(texts.get("no_double", ""))
        if rule:
            try:
                values["exclude_lower_of_selected_upper"] = parse_bool(rule)
            except ValueError:
                raise SettingError("no_double", f"「{rule}」应为 是/否") from None
            if rule_text:
                values["exclusion_article"] = rule_text
        for field in ("quota_article", "order_article"):
            if text := texts.get(field):
                values[field] = text
        return cls(rules=SelectionRules(**values), vetoes=_vetoes(texts.get("vetoes", "")),
                   level_column=texts.get("level_column") or None,
                   category_column=texts.get("category_column") or None,
                   county_count_column=texts.get("county_count") or None)


def _quotas(text: str) -> dict[str, int]:
    """`市=3; 县=13` → {市: 3, 县: 13}; a level left out keeps the 第五条 number."""
    out = {}
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", text))):
        key, eq, value = (p.strip() for p in part.partition("="))
        level = level_of(key)
        try:
            number = parse_number_text(value.removesuffix("个")) if eq else None
        except ValueError:
            number = None
        if level is None or number is None or number < 0 or number != int(number):
            raise SettingError("quotas", f"「{part}」无法识别，应形如「市=3; 县=13」")
        out[level] = int(number)
    return out


def _value_and_text(setting: str) -> tuple[str, str]:
    """`值; 条款文本` → (值, 条款文本); the article text is optional."""
    value, _, text = normalize_text(setting).partition(";")
    return value.strip(), text.strip()


def _fraction(text: str) -> Fraction:
    """`1/5`, `20%` or `0.2` → a Fraction in (0, 1]; ValueError otherwise."""
    num, slash, den = text.replace(" ", "").partition("/")
    value = Fraction(int(num), int(den)) if slash else Fraction(str(parse_number_text(text)))
    if not 0 < value <= 1:
        raise ValueError(text)
    return value


def _vetoes(text: str) -> tuple[tuple[str, str], ...]:
    """否决条件: `列名` or `列名=理由`, `;`-separated → ((column, reason shown), …)."""
    out = []
    for part in filter(None, (p.strip() for p in re.split(r"[;；\n]", text))):
        name, _, reason = part.replace("＝", "=").partition("=")
        name, reason = normalize_text(name), reason.strip()
        if not name:
            raise SettingError("vetoes", f"「{part}」缺少列名")
        out.append((name, reason or f"{VETO_ARTICLES}：不具备申报基本条件（{name}）"))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class Selection:
    table: pd.DataFrame    # the candidates in input order + status, reason, rank
    summary: pd.DataFrame  # per category and level: quota, selected, pending, remaining, note


def select(candidates: pd.DataFrame, vetoes: Mapping[str, str] | None = None,
           rules: SelectionRules | None = None, county_count: str | None = "所辖县数",
           decimals: int | None = None, columns: Mapping[str, str] | None = None) -> Selection:
    """Decide every candidate's status (see the module docstring).

    `vetoes` maps a column to the Chinese reason shown when it is truthy (是/有/True/1).
    `county_count` names the column holding a city's number of counties (on the city's row or on
    its counties' rows); None (or `rules.share` None) skips the cap. `rank` is the candidate's
    place in the committee's sorting: eligible, scored candidates of its category and level.
    """
    rules = rules or SelectionRules()
    cols = {**DEFAULT_COLUMNS, **(columns or {})}
    quotas = {**SelectionRules().quotas, **rules.quotas}
    df = candidates.reset_index(drop=True)
    missing = [c for c in [*cols.values(), *(vetoes or {})] if c not in df.columns]
    if missing:
        raise ValueError(f"候选名单缺少列：{'、'.join(missing)}")
    unit = df[cols["unit"]].astype(str).str.strip().to_numpy()
    level = df[cols["level"]].astype(str).str.strip().to_numpy()
    parent = df[cols["parent"]].fillna("").astype(str).str.strip().to_numpy()
    category = df[cols["category"]].fillna("").astype(str).str.strip().to_numpy()
    score = pd.to_numeric(df[cols["score"]], errors="coerce").to_numpy(dtype=float)
    _check(unit, level, parent, category)

    status = np.full(len(df), "", dtype=object)
    reason = np.full(len(df), "", dtype=object)
    for col, why in (vetoes or {}).items():
        hit = np.array([_truthy(x, col, i) for i, x in enumerate(df[col])], dtype=bool)
        status[hit] = VETOED
        reason[hit] = [f"{r}；{why}" if r else why for r in reason[hit]]
    unscored = (status == "") & np.isnan(score)
    status[unscored] = NOT_SELECTED
    reason[unscored] = f"{rules.order_article}：缺少评审得分，未参与排序"

    ranks = np.full(len(df), np.nan)
    rows = []
    for cat in dict.fromkeys(category):
        in_cat = category == cat
        for lv in (CITY, COUNTY):
            idx = np.flatnonzero(in_cat & (level == lv) & (status == ""))
            ranks[idx] = rank(score[idx], decimals=decimals).rank
        notes = []
        if county_count is not None and rules.share is not None:
            notes += _apply_cap(df, county_count, in_cat, unit, level, parent, score, status, reason, decimals,
                                rules)
        city_idx = np.flatnonzero(in_cat & (level == CITY) & (status == ""))
        rows.append(_apply_quota(cat, CITY, city_idx, quotas[CITY], score, status, reason, decimals, rules))
        if rules.exclude_lower_of_selected_upper:
            chosen = set(unit[in_cat & (level == CITY) & (status == SELECTED)])
            pending = set(unit[in_cat & (level == CITY) & (status == PENDING)])
            for i in np.flatnonzero(in_cat & (level == COUNTY) & (status == "")):
                if parent[i] in chosen:
                    status[i] = CITY_SELECTED
                    reason[i] = rules.exclusion_reason(parent[i])
            affected = sorted(pending & set(parent[in_cat & (level == COUNTY) & (status == "")]))
            if affected:
                notes.append(f"设区市{'、'.join(affected)}并列待定；若入选，其所属县按不重复激励的规定"
                             "不再激励，县级结果需相应调整")
        county_idx = np.flatnonzero(in_cat & (level == COUNTY) & (status == ""))
        rows.append(_apply_quota(cat, COUNTY, county_idx, quotas[COUNTY], score, status, reason, decimals, rules,
                                 notes))

    table = df.copy()
    table["status"], table["reason"], table["rank"] = status, reason, ranks
    return Selection(table, pd.DataFrame(rows))


def _check(unit, level, parent, category):
    bad = [f"第{i + 1}行「{lv}」" for i, lv in enumerate(level) if lv not in (CITY, COUNTY)]
    if bad:
        raise ValueError(f"层级应为「市」或「县」：{'、'.join(bad[:5])}")
    orphan = [f"第{i + 1}行「{u}」" for i, (u, lv, p) in enumerate(zip(unit, level, parent)) if lv == COUNTY and not p]
    if orphan:
        raise ValueError(f"县缺少所属设区市：{'、'.join(orphan[:5])}")
    seen = pd.Series(list(zip(category, unit))).duplicated()
    if seen.any():
        i = int(np.flatnonzero(seen.to_numpy())[0])
        raise ValueError(f"「{unit[i]}」在类别「{category[i]}」中重复申报（第{i + 1}行）")


def _truthy(x, col, i) -> bool:
    """A veto cell: blank is 否; otherwise the project's one yes/no vocabulary (engine.numbers)."""
    if x is None or (isinstance(x, float) and np.isnan(x)) or (isinstance(x, str) and not x.strip()):
        return False
    if isinstance(x, (bool, np.bool_, int, float, np.integer, np.floating)):
        return bool(x)      # a count of incidents vetoes as soon as it is not 0
    try:
        return parse_bool(x)
    except ValueError:
        raise ValueError(f"列「{col}」第{i + 1}行的值「{x}」无法识别为是/否") from None


def _cut(values, quota: int, decimals):
    """Competition ranks; who is inside the quota, who is in a tie straddling it; places left."""
    r = rank(values, decimals=decimals).rank
    _, inv, counts = np.unique(r, return_inverse=True, return_counts=True)
    last = r + counts[inv] - 1
    inside = last <= quota
    tie = (r <= quota) & ~inside
    return r, inside, tie, quota - int(inside.sum())


def _county_counts(df, col, unit, level, parent) -> dict[str, int]:
    if col not in df.columns:
        raise ValueError(f"候选名单缺少列：{col}")
    counts: dict[str, int] = {}
    for i, x in enumerate(pd.to_numeric(df[col], errors="coerce")):
        if np.isnan(x):
            continue
        city = unit[i] if level[i] == CITY else parent[i]
        if x < 0 or x != int(x) or counts.get(city, int(x)) != int(x):
            raise ValueError(f"设区市「{city}」的所辖县数无效或前后不一致（第{i + 1}行）")
        counts[city] = int(x)
    return counts


def _apply_cap(df, col, in_cat, unit, level, parent, score, status, reason, decimals, rules) -> list[str]:
    """The recommendation cap: keep each city's best floor(n × share) eligible counties of this category."""
    counts = _county_counts(df, col, unit, level, parent)
    notes = []
    pool = in_cat & (level == COUNTY) & (status == "")
    for city in dict.fromkeys(parent[pool]):
        if city not in counts:
            raise ValueError(f"设区市「{city}」缺少所辖县数（列「{col}」），无法检查第八条推荐名额")
        idx = np.flatnonzero(pool & (parent == city))
        n, cap = counts[city], rules.cap(counts[city])
        r, inside, tie, left = _cut(score[idx], cap, decimals)
        rule = f"{rules.cap_article}（{city}辖{n}个，至多推荐{cap}个）"
        for j, i in enumerate(idx):
            if tie[j]:
                status[i], reason[i] = PENDING, f"{rule}；本县在本市推荐中列第{r[j]:g}名，与他县得分并列，剩余{left}个推荐名额待定"
            elif not inside[j]:
                status[i], reason[i] = OVER_CAP, f"{rule}；本县在本市推荐中列第{r[j]:g}名"
        if tie.any():
            notes.append(f"{city}推荐名额{cap}个，{int(tie.sum())}个县得分并列争{left}个名额，待推荐单位确定")
    return notes


def _apply_quota(cat, lv, idx, quota, score, status, reason, decimals, rules, notes=()) -> dict:
    """The quota: the best `quota` of `idx` by score are 入选; ties at the cutoff are 并列待定."""
    r, inside, tie, left = _cut(score[idx], quota, decimals)
    who = "市" if lv == CITY else "县（市、区）"
    both = f"{rules.quota_article}、{rules.order_article}"
    for j, i in enumerate(idx):
        place = f"按得分排序列第{r[j]:g}名"
        if inside[j]:
            status[i], reason[i] = SELECTED, f"{both}：{place}，在{quota}个名额内，入选"
        elif tie[j]:
            status[i], reason[i] = PENDING, (f"{both}：{place}，与其他{who}得分并列，剩余{left}个名额；"
                                             "办法未规定并列处理，需评审委员会确定")
        else:
            status[i], reason[i] = NOT_SELECTED, f"{rules.quota_article}：{place}，未进入前{quota}名"
    note = list(notes)
    if tie.any():
        note.insert(0, f"{int(tie.sum())}个{who}得分并列，争剩余{left}个名额，待评审委员会确定")
    elif left > 0:
        note.insert(0, f"符合条件的{who}不足，{left}个名额空缺")
    return {"category": cat, "level": lv, "quota": quota, "selected": int(inside.sum()),
            "pending": int(tie.sum()), "remaining": left, "note": "；".join(note)}
