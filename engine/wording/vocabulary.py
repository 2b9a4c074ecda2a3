"""The phrases officials use in 评分标准, as data: phrase → (token type, value).

New wording should need a new row here, not new code. Token types:

- ``cmp``: a comparator before its number (达到90%), value the operator;
- ``post``: a comparator after its number (90%以上), value the operator;
- ``incl``: (含)/(不含) after a bound, overriding the comparator's own inclusion;
- ``act``: what happens to the score: ``deduct`` (扣), ``add`` (加), ``score`` (得);
- ``step``: 每低/每超 — a step below (``below``) or above (``above``) a reference;
- ``each``: 每发现/每次/每项 — a per-incident deduction;
- ``full`` / ``zero``: 得满分 / 不得分;
- ``prop``: 按完成比例得分; ``disc``: 酌情 (an assessor's score within the range);
- ``floor``: 扣完为止 (the score stops at 0); ``capd`` / ``capa``: 最高扣 / 最高加;
- ``share``: 各占 (equal sub-point shares); ``weight``: 权重分 (the row's points);
- ``yesno``: 是否/有无; ``neg``: 未/没有 (a condition that fails); ``else``: 否则; ``ok``: 符合;
- ``best``: 最高…的 (the best unit is the reference);
- ``nofloor``: 不设下限 (the score may go below 0); ``state``: a word that is itself a condition on
  the value (负增长 → below 0).
"""
from __future__ import annotations

import re

# Comparators written before the number. 以上/达到/不低于 include the bound, 超过/低于/不足 exclude it
# (《民法典》第1259条: 以上、以下、以内 include the number; 不满、超过 do not).
BEFORE = {
    "大于等于": ">=", "高于或等于": ">=", "不低于或等于": ">", "低于或等于": "<=", "大于或等于": ">=", "不低于": ">=", "不少于": ">=", "不小于": ">=", "达到": ">=",
    "超过": ">", "超出": ">", "高于": ">", "大于": ">", "多于": ">", "超": ">",
    "低于": "<", "不足": "<", "少于": "<", "小于": "<", "未达到": "<", "未达": "<", "不到": "<",
    "小于等于": "<=", "小于或等于": "<=", "不超过": "<=", "不高于": "<=", "不多于": "<=", "不大于": "<=",
    "等于": "=", "达": ">=",
}
# Comparators written after the number. A bare 以下 is exclusive (the drafter writes 及以下 when the
# bound is meant); 以上/以内/及以下 include it.
AFTER = {"及以上": ">=", "以上": ">=", "及其以上": ">=", "及以下": "<=", "以内": "<=", "以下": "<"}
SYMBOLS = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "="}
INCLUSION = {"(含)": True, "(含本数)": True, "(不含)": False, "(不含本数)": False}

ACTIONS = {"扣减": "deduct", "扣除": "deduct", "扣": "deduct", "减去": "deduct", "减": "deduct",
           "加": "add", "奖励": "add", "得": "score", "计": "score", "给予": "score", "给": "score"}
STEP_BELOW = ("每低于", "每低", "每下降", "每减少", "每少于", "每少", "每降低", "每差", "每落后", "每滞后")
STEP_ABOVE = ("每超过", "每超出", "每超", "每高于", "每高", "每增加", "每增长", "每提高", "每上升", "每多")
EACH = ("发生一起", "发现一起", "出现一起", "发现一处", "出现一处", "发现一例", "出现一例", "每发现", "每获得", "每取得", "每获", "每被", "每出现", "每发生", "每存在", "每有", "每次", "每项", "每个", "每例", "每处", "每起",
        "每条", "每人", "每家", "每篇", "每件", "每单", "每")     # a bare 每 last: 每延迟报送一次
FULL = ("得满分", "为满分", "得全分", "给满分", "计满分", "满分")
ZERO = ("该项不得分", "本项不得分", "此项不得分", "不得分", "得0分", "计0分", "记0分", "为0分", "不计分",
        "得零分", "该项为0分")
PROPORTIONAL = ("按实际完成比例得分", "按完成比例得分", "按比例得分", "按完成比例计分", "按比例计分",
                "按完成率得分", "按完成率计分", "按完成比例", "按比例")
DISCRETION = ("视情扣分", "视情给分", "视情节", "视情", "评分人直接评分", "由评分人评分", "评分人评分", "直接评分", "综合评分", "酌情扣分", "酌情给分", "酌情得分", "酌情加分", "视情况扣分", "视情况给分", "视情况", "酌情",
              "适当扣分")
FLOOR = ("最低不低于0分", "最低不少于0分", "最多扣完本项分值", "最多扣完该项分值", "扣完本项分值为止", "扣完该项分值为止", "扣完为止", "扣完即止", "扣完为限", "扣满为止", "直至扣完", "扣至0分为止", "扣至零分为止",
         "最低为0分", "最低0分", "最低得0分", "扣完本项分值为止")
# The score may go below zero (a deduction without a floor).
NO_FLOOR = ("不设下限", "不设最低分", "不设扣分下限", "可扣至负分", "扣分不设上限")
CAP_DEDUCT = ("扣分最高不超过", "扣分最多不超过", "累计扣分不超过", "扣分不超过", "最多扣除", "最高扣除", "最多扣", "最高扣", "累计最多扣",
              "最多扣减", "扣分上限为", "扣分上限")
CAP_ADD = ("加分最高不超过", "加分最多不超过", "累计加分不超过", "加分不超过", "最多加", "最高加", "加分上限为", "加分上限")
SHARE = ("分别占权重分的", "各占权重分的", "分别占权重的", "各占权重的", "分别占", "各占", "每项占")
WEIGHT = ("的权重分", "权重分的", "权重分", "的分值", "分值的", "该项分值", "权重")
YESNO = ("是否", "有无", "有没有")
NEGATIVE = ("未按", "未能", "未", "没有", "无")
ELSE = ("否则", "反之", "其他情况", "其余")
OK_WORDS = ("符合", "达成", "完成", "为「是」", "为“是”", "为\"是\"", "为是")
INFO = ("只计算展示", "仅计算展示", "只展示", "仅展示", "仅作展示", "不计分,仅", "仅作参考", "只作参考")
VALUE = ("作为本指标的值", "直接取值", "取值作为本指标")
ONCE = ("一经发现", "一经查实", "一经查出", "一经核实")
VETO = ("一票否决", "实行一票否决", "予以否决", "总分计为", "总分按", "直接定为", "不得评为")
RANK_STEP = ("依次递减", "每降一名", "每下降一名", "每降低一名", "每后退一名", "每降一位", "每下降一位", "名次每下降1位",
             "每低一名", "每落后一名")
BEST = ("最高", "最优", "最快", "最好", "第一名", "第1名", "排名第一", "排名第1", "第一位")
GROUP = ("组内", "本组", "同组")
# 不涉及: an input saying the row does not apply; what it then scores.
NOT_APPLICABLE = ("不涉及", "不适用", "无此项", "无该项")
NA_EXCLUDE = ("不参与考核", "不纳入考核", "不考核", "不计入", "不参与评分", "不参加考核")
# Levels of a bonus table (国家级3分、省级2分), highest first.
HONOUR_LEVELS = ("国家级", "全国", "部级", "省级", "市级", "区级", "县级")

# A started step counts in full: 不足5%的按5%计算.
# Rates rounded before use: 先四舍五入到0.01% → 2 decimals of a percent.
RATE_ROUNDING = re.compile(r"(?:先)?(?:四舍五入|保留)(?:到|至)?(0\.(0*)1|1)%")
# 按满意率×分值计分 and the like: points in proportion to a rate.
PROPORTION = re.compile(r"按[^,;。]{0,12}?(?:率|比例|比率|比值|/目标值)(?:\*|乘以)?(?:本项|该项)?(?:分值|权重分?|满分)?"
                        r"(?:计分|得分|计算得分)")
# Restatements in brackets that add nothing to the reading: (含90%), (不含6分), (含两端), (0.1分).
RESTATED = re.compile(r"\((?:不)?含(?:两端|本数|\d+(?:\.\d+)?(?:%|分|个百分点)?)\)|\(\d+(?:\.\d+)?分\)")
STARTED = re.compile(r"[(]?不足(\d+(?:\.\d+)?)(%|个百分点|百分点)?(?:的部分|的)?[,]?按(?:\1(?:%|个百分点|百分点)?|一档)计(?:算)?[)]?")
# Sub-points: ①②③, (1)(2), 1. / 1、 at the start of a part.
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
SUBPOINT = re.compile(r"(?:^|(?<=[。；;,，\s]))(?:[(（]\d{1,2}[)）]|\d{1,2}[.、](?!\d))")

# The row itself as a subject (本项得满分): not a level or a condition.
ITEM_WORDS = ("本项", "该项", "此项", "本指标", "该指标")
# Ordinary words that contain an action character (加 in 增加值, 得 in 获得, 计 in 统计): plain text.
PLAIN = ("增加值", "附加值", "加强", "加快", "加大", "加速", "参加", "增加", "更加", "追加", "添加", "叠加", "加工",
         "取得", "获得", "得到", "赢得", "计划", "统计", "设计", "会计", "审计", "合计", "累计", "共计", "计算",
         "计量", "预计", "总计", "估计", "减少", "减排", "减量", "减免", "减税", "核减", "递减", "扣留", "超期", "超时", "超标", "超量",
         "扣分项", "加分项", "扣分事项", "加分事项", "得分率",
         "每年", "每半年", "每季度", "每月", "每周", "每日")      # a period, not a count of incidents

# Band adjectives: the level name is the one ending nearest the end of its phrase (ties: longest).
LEVELS = ("优秀", "优", "良好", "良", "中等", "中", "合格", "不合格", "基本合格", "较好", "好", "一般", "较差", "差",
          "显著", "较显著", "明显", "较明显", "不明显", "突出", "较突出", "大", "较大", "小", "较小", "高", "较高",
          "低", "较低", "快", "较快", "慢", "较慢", "强", "较强", "弱", "较弱", "未体现", "未完成", "基本完成",
          "完成", "超额完成", "到位", "基本到位", "不到位", "充分", "较充分", "不充分", "规范", "较规范", "不规范",
          "称职", "基本称职", "不称职", "满意", "较满意", "基本满意", "不满意", "达标", "基本达标", "不达标",
          "按时", "及时", "逾期", "不及时", "下降", "持平", "上升", "提高", "降低", "增长", "增加", "减少")

# What an input is, from the words of its name (first match wins).
INPUT_KINDS = (
    (("得分率",), "比率"),
    (("得分", "评分", "分数"), "数值"),
    (("率", "比重", "占比", "比例", "增速", "增幅", "增长", "幅度", "满意度"), "比率"),
    (("速率", "速度", "网速", "带宽"), "数值"),
    (("金额", "总额", "余额", "资金", "经费", "预算", "支出", "收入", "投资", "产值", "营收", "税收", "费用", "元"), "金额"),
    (("数量", "个数", "家数", "户数", "人数", "次数", "项数", "数", "量"), "个数"),
)
# Chinese numerals in 一例/两处 (incident wording).
NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
MEASURES = "例处次项个起条名家篇件单人户份"
UNITS = ("个百分点", "百分点", "%", "‰", "分", "万元", "亿元", "元", "家", "个", "项", "次", "人", "户", "件", "篇", "起", "例", "处", "个工作日", "工作日", "天", "级", "倍", "P")
# 发现1处, 出现1次, 发生1起: one incident (as 发现一处), the count being what follows.
EACH_ONE = re.compile(r"(?:发生|发现|出现|查出)1(?=[起次处例件个项])")
# 逾期1天, 迟报1次: each late day or report, read as 每逾期1天 (the lateness is what is counted).
LATE_ONE = re.compile(r"(逾期|超期|延期|延误|迟报|迟交|晚报|漏报|错报)1[天日次个项件份]")
# Words that state a condition on the value by themselves (负增长的不得分: growth below 0).
STATES = {"负增长": "<0", "零增长": "=0", "正增长": ">0", "未增长": "<=0"}
# A number right after Latin letters is part of a name (PM2.5, PM10), not a quantity.
NAMED_NUMBER = re.compile(r"(?<=[A-Za-z])\d+(?:\.\d+)?")
# Places in a ranking: 前3名 (≤3), 第4—6名 (4–6), 10名以后 (>10), 10名及以后 (≥10); the input is the rank.
_PLACE = r"(\d+|[一二两三四五六七八九十]{1,3})"
RANK_TOP = re.compile(r"(?:排名|名次)?前" + _PLACE + r"(?:名|位)")
RANK_RANGE = re.compile(r"第" + _PLACE + r"(?:名|位)?[-~至到]第?" + _PLACE + r"(?:名|位)")
RANK_AFTER = re.compile(r"(?:第)?" + _PLACE + r"(?:名|位)(及以后|以后|之后|以外|以下)")
# Words between a comparator and its number that make the number a margin over a benchmark
# (高于全市平均1个百分点): the condition is on a difference the reader does not compute.
BENCHMARKS = ("平均", "上年", "同期", "全省", "全市", "全国", "全区")
# Fractions in words: 三分之二 is 2/3 (a rate).
FRACTION_WORDS = re.compile(r"(\d+|[一二两三四五六七八九十])分之(\d+|[一二两三四五六七八九十])")
# Words for numbers: 得一半分值 is 50% of the points.
WORD_NUMBERS = {"一半": ("0.5", "%")}
# The target written in a remark (达到省定目标（28%）): the number is the target.
TARGET_REMARK = re.compile(r"(目标(?:值|任务)?)\((\d+(?:\.\d+)?(?:%|万元|亿元|元|个|家|人|项|次)?)\)")
# Dates are not bounds: 1月31日, 6月底, 3日.
DATE = re.compile(r"\d{1,2}月(?:\d{1,2}日|底|末|初|中旬|上旬|下旬)?|\d{1,2}日")

# Words that make a phrase worth reading; a phrase with none of them is description, not a rule.
SCORING_HINTS = ("得", "扣", "加", "分", "满分", "%", "比例", "酌情", "为止")
