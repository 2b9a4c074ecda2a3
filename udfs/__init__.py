"""The worksheet functions xlwings imports ("Import Functions"); the logic is in udfs.core.

Each accepts a single cell or a whole range and returns a value or a spilled array of the input's
shape: one call scores a column. No ``expand``: Excel 365 spills a returned array by itself, and
older Excel takes the same function as a Ctrl+Shift+Enter array formula over the target range.
Argument names are plain VBA identifiers, because "Import Functions" writes them into a VBA
module: ``Input`` is a VBA keyword and ``Round`` a VBA function, hence ``rating`` and ``rounding``.
"""
import xlwings as xw

from . import core

CATEGORY = "评分"


@xw.func(category=CATEGORY)
@xw.arg("rating", ndim=2, doc="评定档次（好）、得分（7）或两者（较好 7），可为整列")
@xw.arg("bands", ndim=2, doc="档次文本（好=8-10; 较好=6-7; 一般=<6）或 档次|下限|上限 区域")
@xw.arg("pick", doc="只填档次时取上限 max（默认）、下限 min 或中值 mid")
def BAND_SCORE(rating, bands, pick=None):
    """档次评分：按档次把评定档次或得分换算为得分，并检查得分是否在档内。"""
    return core.band_score(rating, bands, pick)


@xw.func(category=CATEGORY)
@xw.arg("numerator", ndim=2, doc="分子（实际完成数），可为整列")
@xw.arg("denominator", ndim=2, doc="分母（目标数），可为整列或一个数")
@xw.arg("points", doc="分值")
@xw.arg("over", doc="超过100%时：满分 full（默认）或 0")
def RATIO_SCORE(numerator, denominator, points, over=None):
    """比例得分：分值×分子÷分母，超过100%按满分（over=0 时为0分）。"""
    return core.ratio_score(numerator, denominator, points, over)


@xw.func(category=CATEGORY)
@xw.arg("value", ndim=2, doc="本单位的值，可为整列")
@xw.arg("reference", doc="基准值；留空则取 value 区域中的最高值")
@xw.arg("points", doc="分值")
@xw.arg("per", doc="每档的差距，如 5%")
@xw.arg("deduct", doc="每档扣分，如 1；5%w 表示扣分值的5%")
@xw.arg("rounding", doc="不足一档：up 按一档计，down 不计（默认）")
def STEP_SCORE(value, reference, points, per, deduct, rounding=None):
    """阶梯扣分：低于基准值（或最高值）每差一档扣分，扣完为止。"""
    return core.step_score(value, reference, points, per, deduct, rounding)


@xw.func(category=CATEGORY)
@xw.arg("value", ndim=2, doc="指标值，可为整列")
@xw.arg("table", ndim=2, doc="区间文本（>=90%: 3; >=80%: 2; else: 0）或 条件|分数 两列区域")
def THRESHOLD_SCORE(value, table):
    """区间得分：取第一个满足的区间的分数。"""
    return core.threshold_score(value, table)


@xw.func(category=CATEGORY)
@xw.arg("rule", doc="规则，如 step per=5% deduct=1 from=best round=up")
@xw.arg("points", doc="分值（info、value 规则可留空）")
@xw.arg("input1", ndim=2, doc="第一个输入，可为整列")
@xw.arg("more_inputs", ndim=2, doc="其余输入（按规则的顺序）")
def RULE_SCORE(rule, points, input1, *more_inputs):
    """按规则评分：规则语言中的任何规则，可整列计算。"""
    return core.rule_score(rule, points, input1, *more_inputs)


@xw.func(category=CATEGORY)
@xw.arg("rule", doc="规则，与 RULE_SCORE 相同")
@xw.arg("points", doc="分值")
@xw.arg("input1", ndim=2, doc="第一个输入，可为整列")
@xw.arg("more_inputs", ndim=2, doc="其余输入（按规则的顺序）")
def RULE_EXPLAIN(rule, points, input1, *more_inputs):
    """评分过程：用文字写出 RULE_SCORE 的计算过程。"""
    return core.rule_explain(rule, points, input1, *more_inputs)


@xw.func(category=CATEGORY)
@xw.arg("wording", ndim=2, doc="评分标准原文（如「每发现一处错误扣0.5分，最多扣2分」），可为整列")
@xw.arg("points", doc="分值（可留空）")
def RULE_FROM_TEXT(wording, points=None):
    """由评分标准推导规则：返回规则语言写成的规则；读不懂时返回 #未能推导 及原因。"""
    return core.rule_from_text(wording, points)


@xw.func(category=CATEGORY)
@xw.arg("rule", doc="规则，如 step per=5% deduct=1 from=best round=up")
@xw.arg("points", doc="分值（可留空）")
def RULE_READING(rule, points=None):
    """规则说明：用中文写出任一规则的含义，便于核对手写的规则。"""
    return core.rule_reading(rule, points)


@xw.func(category=CATEGORY)
@xw.arg("score", ndim=2, doc="总分，可为整列")
@xw.arg("scheme", doc="等级方案，默认 优>=90; 良>=80; 中>=60; 差")
def GRADE(score, scheme=None):
    """等级：按等级方案给出每个总分的等级。"""
    return core.grade(score, scheme)


@xw.func(category=CATEGORY)
@xw.arg("values", ndim=2, doc="要排名的数值（整列）")
@xw.arg("groups", ndim=2, doc="每个单位的组别（同样大小）；留空则全体排名")
@xw.arg("order", doc="0 从高到低（默认），1 从低到高")
def GROUP_RANK(values, groups=None, order=None):
    """组内排名：并列名次（1,1,3），默认从高到低。"""
    return core.group_rank(values, groups, order)


@xw.func(category=CATEGORY)
@xw.arg("values", ndim=2, doc="指标值：一行一个单位，一列一个指标")
@xw.arg("weights", ndim=2, doc="每个指标的权重（自动归一）")
@xw.arg("coefficient", ndim=2, doc="系数：一个数或每行一个；留空为1")
def COMPOSITE_INDEX(values, weights, coefficient=None):
    """综合指数：按权重加权平均各指标值，再乘以系数；每行一个结果。"""
    return core.composite_index(values, weights, coefficient)
