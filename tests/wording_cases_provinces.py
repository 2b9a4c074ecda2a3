"""评分标准 wording of the kind other provinces' and cities' 绩效考核评分细则 use (预算绩效, 营商环境,
安全生产, 信访, 环保, 教育, 卫健, 政务公开, 数字政府, 党建, 乡村振兴, 就业, 统计 …), written for this
test set and deliberately unlike the seed rows: other phrasings, full-width digits and symbols,
units (万元, 亿元, 倍, 级, 名, 天), cut-offs, bonuses, deductions per item and per person.

Each case: (label, points, wording, kind, sure, examples), as in tests/wording_cases.py, except:

- ``sure`` may be None: either answer is acceptable (the wording is clear enough to read, but a
  reader that says "unsure" is not wrong);
- ``examples`` may be a dict {number of inputs: examples}: wording that may fairly be read with one
  input (the rate) or two (its amounts) is scored with the examples of the proposal's arity.

Every expected score is worked out by hand in the comment above it. A case whose ``sure`` is False
must never be proposed as sure: a confident reading there is wrong. ``kind="none"`` means no rule
should be proposed at all (the language cannot express the wording).
"""
from engine.language import parse_rule
from engine.wording import read_wording
from tests.wording_cases import ERR, score_examples

PROVINCES = [
    # ------------------------------------------------------------------ 预算绩效
    # ≥95% → 5; [85%, 95%) → 3; <85% → 0.
    ("预算执行率三段全角符号", 5, "预算执行率≥95%得满分；85%≤预算执行率＜95%，得3分；预算执行率＜85%，不得分", "threshold", True,
     [((0.95,), 5), ((0.9499,), 3), ((0.85,), 3), ((0.8499,), 0)]),
    # target 100 %, whole 1-point steps of 0.2: 98.5 % → 1 step → 3.8; 90 % → 10 steps → 2; 70 % → 6 > 4 → 0.
    ("执行率每降低1个百分点", 4, "年度预算执行率（1-12月）达到100%的得满分，每降低1个百分点扣0.2分，扣完为止", "step", True,
     [((1,), 4), ((0.985,), 3.8), ((0.9,), 2), ((0.7,), 0)]),
    # rate of two counts: 10/10 → 5; 8/10 = 80 % (含) → 3; 9/10 → 3; 7/10 → 80%以下 → 0.
    ("目标完成率含不含全角", 5, "绩效目标完成率＝已完成绩效指标数/绩效指标总数×100％。完成率100％得满分，完成率在80％（含）"
     "至100％（不含）之间的得3分，80％以下不得分", "threshold", True,
     [((10, 10), 5), ((8, 10), 3), ((9, 10), 3), ((7, 10), 0)]),
    # per quarter missed: 0.5 each, floor 0: 1 → 1.5; 4 → 0.
    ("季度进度每次扣", 2, "项目资金支出进度每季度末未达到序时进度的，每次扣0.5分", "deduct", True,
     [((0,), 2), ((1,), 1.5), ((4,), 0)]),
    # lower is better; 5 % (含) full; then 0.5 per whole point above 5 %, at most 2 off:
    # 5.99 % → 0 steps → 3; 6 % → 2.5; 6.5 % → 2.5; 7 % → 2; 20 % → 15 steps = 7.5, capped 2 → 1.
    ("结余占比以内每增加", 3, "结转结余资金占比在5%以内（含5%）的得满分，每增加1个百分点扣0.5分，最多扣2分", None, True,
     [((0.05,), 3), ((0.0599,), 3), ((0.06,), 2.5), ((0.065,), 2.5), ((0.07,), 2), ((0.2,), 1)]),
    # three outcomes by what happened: 按时 1, 逾期 0.5, 未报送 0 (a label each).
    ("按时逾期未报送", 1, "绩效自评报告按时报送的得1分，逾期报送的得0.5分，未报送的不得分", "band", True,
     [(("按时",), 1), (("逾期",), 0.5), (("未报送",), 0)]),
    # (1 − 调整数/年初数) is not a rate the language computes from two amounts: never sure.
    ("一减调整率", 2, "部门预算编制准确率=（1-预算调整数/年初预算数）×100%，准确率≥90%得2分，每下降1%扣0.2分", None, False, []),
    # rate above 100 %: 1.2倍 is 120 %; two amounts or the ratio: 120/100 → 3; 110/100 → 2; 100/100 → 2; 99/100 → 0.
    ("倍数区间", 3, "人才引进数量达到上年的1.2倍以上的得满分，达到1倍（含）—1.2倍（不含）的得2分，低于上年的不得分", None, None,
     {2: [((120, 100), 3), ((110, 100), 2), ((100, 100), 2), ((99, 100), 0)],
      1: [((1.2,), 3), ((1.1,), 2), ((1,), 2), ((0.99,), 0)]}),
    # amounts in 万元: ≥5000 → 3; [3000, 5000) → 2; <3000 → 0.
    ("万元三段", 3, "本级财政科技投入达到5000万元以上的得满分，3000万元（含）—5000万元的得2分，3000万元以下不得分", "threshold", True,
     [((5000,), 3), ((4999,), 2), ((3000,), 2), ((2999,), 0)]),
    # on time 0 days → 1; 3 days → 0.7; 15 days → 0.
    ("逾期每天扣", 1, "按时完成年度预算决算公开的得满分；逾期公开的，每逾期1天扣0.1分，扣完为止", "deduct", True,
     [((0,), 1), ((3,), 0.7), ((15,), 0)]),
    # 100 % → 1; else 0.
    ("覆盖率否则得0分", 1, "预算绩效目标覆盖率达100%的得1分，否则得0分", "pass", True, [((1,), 1), ((0.99,), 0)]),
    # lower is better above 3 %: 3.99 % → 3; 4 % → 2.5; 8 % → 5 steps → 0.5; 10 % → 0.
    ("增幅以内每超过", 3, "人均财政供养人员经费支出增幅控制在3%以内的得满分，超过3%的，每超过1个百分点扣0.5分，扣完为止", None, True,
     [((0.03,), 3), ((0.0399,), 3), ((0.04,), 2.5), ((0.08,), 0.5), ((0.1,), 0)]),
    # three stages named by what was done.
    ("监控三档", 2, "开展绩效运行监控且形成监控报告的得2分；开展监控但未形成报告的得1分；未开展监控的不得分", None, False, []),
    # a deviation both ways is not in the language.
    ("偏离度两侧", 3, "重点项目投资完成率在95%-105%之间得满分，偏离度每超过1个百分点扣0.5分", None, False, []),
    # 95 % (含) and above → 3; [90 %, 95 %) → 2; below 90 % (不含) → 0.
    ("含不含三处", 3, "审计发现问题整改率95%（含）以上得满分，90%（含）—95%（不含）得2分，90%（不含）以下不得分", "threshold", True,
     [((0.95,), 3), ((0.9499,), 2), ((0.9,), 2), ((0.8999,), 0)]),

    # ------------------------------------------------------------------ 营商环境
    # lower is better: ≤1 day full; then 1 per whole 0.5 day above 1: 1.4 → 4; 1.5 → 3; 2.6 → 3 steps → 1; 3.5 → 0.
    ("工作日每超过0.5", 4, "企业开办时间压缩至1个工作日以内的得满分，超过1个工作日的，每超过0.5个工作日扣1分", None, True,
     [((1,), 4), ((1.4,), 4), ((1.5,), 3), ((2.6,), 1), ((3.5,), 0)]),
    # ≥90 → 3; 80–90 → 2; 70–80 → 1; <70 → 0; 80 % sits in two written ranges: the higher band, unsure.
    ("破折号区间共界", 3, "政务服务“一网通办”率达到90%以上的，得3分；80%—90%的，得2分；70%—80%的，得1分；70%以下的，不得分",
     "threshold", False, [((0.9,), 3), ((0.85,), 2), ((0.8,), 2), ((0.7,), 1), ((0.6999,), 0)]),
    # target 100 %, 0.2 per whole point below, cut-off below 90 %: 95 % → 4; 90 % → 3; 89.99 % → 0 (not 3).
    ("每降低且低于不得分", 5, "12345热线工单按期办结率100%得满分，每降低1个百分点扣0.2分，低于90%的不得分", None, True,
     [((1,), 5), ((0.95,), 4), ((0.9,), 3), ((0.8999,), 0)]),
    # the rank itself is the input (a province-wide ranking): 1–3 → 5; 4–6 → 3; 7–10 → 2; 11 on → 0.
    ("全省名次段", 5, "营商环境评价得分在全省排名前3名的得满分，第4—6名得3分，第7—10名得2分，10名以后不得分", "rank", True,
     [((1,), 5), ((3,), 5), ((4,), 3), ((10,), 2), ((11,), 0)]),
    # 100 % → 2; anything less → 0.
    ("双随机未达到", 2, "“双随机、一公开”抽查任务完成率达到100%的得2分，未达到的不得分", "pass", True, [((1,), 2), ((0.99,), 0)]),
    # ratio to the provincial average, full at or above it: 5/10 → 2; 12/10 → 4.
    ("与全省平均比值", 4, "市场主体净增长率高于全省平均水平的得满分；低于全省平均水平的，按其与全省平均水平的比值计分", "ratio", True,
     [((12, 10), 4), ((5, 10), 2), ((10, 10), 4)]),
    # 0.2 per case not put right, at most 1 off: 3 → 1.4; 10 → 1.
    ("每件最多扣", 2, "政务服务“好差评”差评整改率100%得满分，差评未按期整改的，每件扣0.2分，最多扣1分", "deduct", True,
     [((0,), 2), ((3,), 1.4), ((10,), 1)]),
    # relative to the first unit: 5 × v / best: 80 → 4; 50 → 2.5.
    ("与第一名比值", 5, "信用信息归集数量在全市排名第一的得满分，其余按与第一名的比值得分", None, True,
     [((100,), 5), ((80,), 4), ((50,), 2.5)]),
    # two amounts or the rate: 开工率 ≥100 % → 3; ≥90 % → 2; ≥80 % → 1; <80 % → 0.
    ("开工率以上三档", 3, "项目开工率=已开工项目数÷计划开工项目数，开工率100%得3分，90%以上得2分，80%以上得1分，80%以下不得分",
     "threshold", True, [((10, 10), 3), ((9, 10), 2), ((8, 10), 1), ((7, 10), 0)]),
    # target 5 亿元: 6 × 到位资金 ÷ 5, capped: 2.5 亿元 (a rate of 50 %) → 3; 6 亿元 (120 %) → 6. One input is
    # the completion rate (the target is in a remark), two are the amount and the target.
    ("亿元目标按比例", 6, "招商引资到位资金完成年度目标任务（5亿元）的得满分，未完成的按完成比例计分", None, None,
     {1: [((1,), 6), ((0.5,), 3), ((1.2,), 6)], 2: [((5, 5), 6), ((2.5, 5), 3), ((6, 5), 6)]}),
    # target 10 firms, 0.5 per firm short: 9 → 3.5; 5 → 1.5; 0 → 0.
    ("每少1家", 4, "新增规上工业企业数量达到10家以上的得满分，每少1家扣0.5分", "step", True,
     [((10,), 4), ((12,), 4), ((9,), 3.5), ((5,), 1.5), ((0,), 0)]),
    # ≥10 % → 5; [5 %, 10 %) → 60 % of 5 = 3; [0, 5 %) → 1.5; negative → 0.
    ("分值百分比负增长", 5, "固定资产投资增速≥10%得满分；5%≤增速＜10%，得60%分值；0≤增速＜5%得30%分值；负增长不得分", "threshold", True,
     [((0.1,), 5), ((0.05,), 3), ((0,), 1.5), ((-0.01,), 0)]),
    # a bonus per whole point above 100 %: 101 % → 0.05; 105.5 % → 5 steps → 0.25; 120 % → 1, capped 0.5.
    ("超过100每超加分", None, "实际利用外资完成率超过100%的，每超过1个百分点加0.05分，最多加0.5分", "bonus", True,
     [((1,), 0), ((1.01,), 0.05), ((1.055,), 0.25), ((1.2,), 0.5)]),
    # both targets must be met: 200 亿元 and 6 %.
    ("两个条件且", 4, "规上工业增加值达到200亿元且增速不低于6%的得满分，否则不得分", None, None,
     {2: [((200, 0.06), 4), ((210, 0.05), 0), ((199, 0.08), 0)]}),

    # ------------------------------------------------------------------ 安全生产
    # three kinds of accident with different deductions: one count input cannot say which.
    ("三类事故分别扣", 10, "发生一般生产安全事故的，每起扣2分；发生较大生产安全事故的，每起扣5分；发生重大及以上生产安全事故的，本项不得分",
     None, False, []),
    # deaths against the quota: 3 of 5 → 5; 5 of 5 → 5; 6 of 5 → 0 (or a yes/no answer).
    ("控制在指标以内", 5, "生产安全事故死亡人数控制在下达指标以内的得满分，超过控制指标的不得分", None, None,
     {2: [((3, 5), 5), ((5, 5), 5), ((6, 5), 0)]}),
    # 1 per major hazard not put right: 2 → 1; 5 → 0.
    ("重大隐患每有1项", 3, "安全生产隐患排查整改率达到100%，每有1项重大隐患未按期整改的扣1分，扣完为止", "deduct", True,
     [((0,), 3), ((2,), 1), ((5,), 0)]),
    # two different failings, 0.5 each: a count of failings would do, but the wording names two items.
    ("两项各扣0.5", 1, "未按规定召开安全生产专题会议的，扣0.5分；会议未研究部署年度重点工作的，扣0.5分", None, False, []),
    # target 100 %, 0.5 per whole 5 points below, 0 below 80 %: 96 % → 2; 95 % → 1.5; 85 % → 0.5; 80 % → 0.
    ("每低5个百分点低于80", 2, "安全生产执法检查计划完成率≥100%得2分；每低5个百分点扣0.5分；完成率低于80%的，本项不得分", None, True,
     [((1,), 2), ((0.96,), 2), ((0.95,), 1.5), ((0.85,), 0.5), ((0.8,), 0), ((0.79,), 0)]),
    # levels by trend: 下降 5; 持平 60 % = 3; 上升 0.
    ("同比下降持平上升", 5, "较大以上生产安全事故起数同比下降的得满分，持平的得60%分值，上升的不得分", "band", True,
     [(("下降",), 5), (("持平",), 3), (("上升",), 0)]),
    # 一起 is per accident: 2 → 3; 6 → 0.
    ("发生一起扣", 5, "辖区内发生一起道路交通亡人事故扣1分，扣完为止", "deduct", True, [((0,), 5), ((2,), 3), ((6,), 0)]),
    # a deduction and a veto in one cell: two rules.
    ("每起扣并否决", 10, "辖区内发生较大火灾事故的，每起扣3分，最高扣6分；发生重大火灾事故的，实行一票否决", None, False, []),
    # no floor: 10 − 2 × 3 = 4; 10 − 2 × 6 = −2.
    ("不设下限", 10, "每发生一起安全生产责任事故扣2分，不设下限", "deduct", True, [((3,), 4), ((6,), -2)]),
    # a deduction item (分值 0): −1 each, at most −5 (scored in tests/test_wording_provinces.py: the
    # worksheet function takes no 0-point rows).
    ("扣分项最多扣5", 0, "扣分项：辖区发生一起群体性事件扣1分，最多扣5分", "deduct", True, []),

    # ------------------------------------------------------------------ 信访
    # two rates, both must reach 100 %: one step rule cannot take two inputs.
    ("两率均达到", 4, "信访事项及时受理率、按期办结率均达到100%的得满分，每低1个百分点扣0.5分", None, False, []),
    ("两类上访每人次", 3, "发生赴省进京非正常上访的，每人次扣0.5分；造成严重影响的，每人次扣1分", None, False, []),
    # all ends written: ≥90 → 3; [80, 90) → 2; [70, 80) → 1; <70 → 0.
    ("满意率含不含全写", 3, "群众满意率90%以上的得3分，80%（含）—90%（不含）得2分，70%（含）—80%（不含）得1分，70%以下不得分",
     "threshold", True, [((0.9,), 3), ((0.85,), 2), ((0.8,), 2), ((0.7999,), 1), ((0.7,), 1), ((0.6999,), 0)]),
    # target 85 %, 0.3 per whole point below: 84.5 → 3; 84 → 2.7; 80 → 1.5; 70 → 0.
    ("化解率不低于每低于", 3, "初次信访事项一次性化解率不低于85%的，得满分；每低于1个百分点，扣0.3分，扣完为止", "step", True,
     [((0.85,), 3), ((0.845,), 3), ((0.84,), 2.7), ((0.8,), 1.5), ((0.7,), 0)]),
    # a bonus per case, capped at 1: 3 → 0.6; 8 → 1.
    ("每化解1件加分", 1, "每化解1件省交办信访积案加0.2分，最高加1分", "bonus", True, [((0,), 0), ((3,), 0.6), ((8,), 1)]),

    # ------------------------------------------------------------------ 环保
    # the step is a difference from a target in μg/m³ (two inputs): the language has no such step.
    ("微克每超过目标", 3, "PM2.5平均浓度完成年度目标的得满分，未完成的，每超过目标值1微克/立方米扣0.5分，扣完为止", None, False, []),
    # the bracket is a remark: ≥80 → 4; [70, 80) → 3; <70 → 0.
    ("括号内达到", 4, "地表水国考断面水质优良（达到或优于Ⅲ类）比例≥80%得满分，70%≤比例＜80%得3分，比例＜70%不得分", "threshold", True,
     [((0.8,), 4), ((0.75,), 3), ((0.7,), 3), ((0.6999,), 0)]),
    # 0.5 per problem, floor 0 (扣完本项分值): 4 → 1; 7 → 0.
    ("最多扣完本项分值", 3, "中央环保督察反馈问题整改完成率100%的得满分，每有1个问题未按期完成整改扣0.5分，最多扣完本项分值", "deduct", True,
     [((0,), 3), ((4,), 1), ((7,), 0)]),
    # 发生…的不得分: a yes/no input; 是 (it happened) → 0.
    ("发生即不得分", 5, "发生重大及以上突发环境事件的，本项不得分", None, True, [(("是",), 0), (("否",), 5)]),
    ("比上年下降再扣", 4, "空气质量优良天数比率达到省定目标的得满分；每低于目标1个百分点扣1分；比上年下降的，再扣1分", None, False, []),

    # ------------------------------------------------------------------ 教育
    # target 99.5 %, 0.5 per whole 0.1 point below: 99.45 → 2; 99.4 → 1.5; 99.2 → 0.5; 99 → 0.
    ("零点一个百分点", 2, "义务教育阶段适龄儿童少年入学率达到99.5%以上的得2分，每降低0.1个百分点扣0.5分", "step", True,
     [((0.995,), 2), ((0.9945,), 2), ((0.994,), 1.5), ((0.992,), 0.5), ((0.99,), 0)]),
    # two amounts: 95/100 → 3; 90/100 → 2; 85/100 → 2; 84/100 → 0.
    ("培训率两数含", 3, "教师培训完成率=实际参训人数/应参训人数×100%，完成率95%（含）以上得满分，85%（含）—95%得2分，85%以下得0分",
     "threshold", True, [((95, 100), 3), ((90, 100), 2), ((85, 100), 2), ((84, 100), 0)]),
    ("扣分并否决教育", 5, "发生一起学生非正常死亡事件扣2分，发生重大校园安全事故的实行一票否决", None, False, []),
    ("名次进退", 5, "中考成绩全市排名每前进一个名次加0.5分，每后退一个名次扣0.5分", None, False, []),
    # counts: ≥7 → 3; 4–6 → 2; <4 → 0.
    ("次数至区间", 3, "全年开展执法检查次数4次至6次的得2分，7次及以上得满分，不足4次不得分", "threshold", True,
     [((7,), 3), ((6,), 2), ((4,), 2), ((3,), 0)]),

    # ------------------------------------------------------------------ 卫健
    # a rate per 100,000 typed as per-100,000 numbers: ≤10 → 2; 10.5 → 0. Never the fraction 10/10.
    ("十万分之", 2, "孕产妇死亡率控制在10/10万以内的得2分，超过的不得分", None, None, [((8,), 2), ((10,), 2), ((10.5,), 0)]),
    # target 75 %, 0.2 per whole point below, 0 below 60 %: 70 → 2; 65 → 1; 64.99 → 10 steps → 1; 59 → 0.
    ("签约率低于60不得分", 3, "家庭医生签约服务重点人群签约率≥75%得满分，每低1个百分点扣0.2分，低于60%不得分", None, True,
     [((0.75,), 3), ((0.7,), 2), ((0.65,), 1), ((0.6499,), 1), ((0.59,), 0)]),
    # 4 × v ÷ 28 %, capped: 21 % → 3; 14 % → 2; 30 % → 4.
    ("实际值除目标值", 4, "居民健康素养水平达到省定目标（28%）的得满分，未达到的按实际值/目标值×分值计分", None, True,
     [((0.28,), 4), ((0.21,), 3), ((0.14,), 2), ((0.3,), 4)]),
    # lower is better in DDDs: 40 → 2; 41 → 1.5; 41.5 → 1.5; 43 → 0.5; 50 → 0.
    ("DDDs每超过", 2, "医疗机构抗菌药物使用强度≤40DDDs得满分，每超过1个DDDs扣0.5分", None, True,
     [((40,), 2), ((41,), 1.5), ((41.5,), 1.5), ((43,), 0.5), ((50,), 0)]),
    # grades: ≥4 → 2; 3 → 1; <3 → 0.
    ("级别三档", 2, "二级以上公立医院电子病历系统应用水平分级评价达到4级及以上的得满分，3级得1分，3级以下不得分", "threshold", True,
     [((4,), 2), ((5,), 2), ((3,), 1), ((2,), 0)]),
    ("漏报迟报两种", 2, "每发现1例法定传染病漏报扣0.5分，迟报每例扣0.2分", None, False, []),
    # full-width digits: target 95 %, 0.5 per whole point: 94 → 2.5; 93.5 → 2.5; 90 → 0.5; 80 → 0.
    ("全角数字阶梯", 3, "城乡居民医保参保率９５％及以上得满分，每降低１个百分点扣０.５分", "step", True,
     [((0.95,), 3), ((0.94,), 2.5), ((0.935,), 2.5), ((0.9,), 0.5), ((0.8,), 0)]),
    # 98 % target, 0.5 per whole 0.5 point: 97.6 → 2; 97.5 → 1.5; 97 → 1; 96 → 0.
    ("每下降0.5个百分点", 2, "食品安全抽检合格率不低于98%，每下降0.5个百分点扣0.5分，扣完为止", "step", True,
     [((0.98,), 2), ((0.976,), 2), ((0.975,), 1.5), ((0.97,), 1), ((0.96,), 0)]),

    # ------------------------------------------------------------------ 政务公开
    # a date is not a bound: published on time → 1; not → 0.
    ("日期不是界限", 1, "政府信息公开年度报告未在1月31日前发布的，扣1分", None, True, [(("是",), 1), (("否",), 0)]),
    # a third-party score in 分 as the condition: ≥90 → 5; 80–90 → 4; 70–80 → 3; <70 → 0; 80 in two ranges → unsure.
    ("得分条件分段", 5, "政务公开第三方评估得分90分（含）以上的得满分，80-90分得4分，70-80分得3分，70分以下不得分", None, False, []),
    ("两类逾期纠错", 3, "依申请公开答复逾期的，每件扣0.5分；被行政复议纠错或诉讼败诉的，每件扣1分", None, False, []),
    # 0.2 per place found: 3 → 1.4; 20 → 0.
    ("每发现一处不及时", 2, "按时更新政府网站、政务新媒体，栏目更新不及时的，每发现一处扣0.2分，扣完为止", "deduct", True,
     [((0,), 2), ((3,), 1.4), ((20,), 0)]),
    # 100 % → 1; else 0.
    ("整合率否则", 1, "政务新媒体开设整合率达到100%得1分，否则不得分", "pass", True, [((1,), 1), ((0.98,), 0)]),
    ("或出现严重错误", 2, "网站抽查合格率＜80%或出现严重错误表述的，本项不得分", None, False, []),
    # scores as conditions, written with 分 and symbols: ≥90 → 4; [80, 90) → 3; <80 → 0.
    ("满意度得分符号", 4, "满意度调查得分≥90分得满分，80分≤得分＜90分得3分，得分＜80分不得分", "threshold", True,
     [((90,), 4), ((85,), 3), ((80,), 3), ((79.9,), 0)]),

    # ------------------------------------------------------------------ 数字政府
    ("响应率四段", 3, "政务数据共享需求响应率≥95%得3分，90%≤响应率＜95%得2分，85%≤响应率＜90%得1分，响应率＜85%得0分", "threshold", True,
     [((0.95,), 3), ((0.9,), 2), ((0.85,), 1), ((0.8499,), 0)]),
    # growth: ≥20 % → 3; [10 %, 20 %) → 2; [0, 10 %) → 1; negative → 0.
    ("增长负增长", 3, "公共数据开放数据集数量较上年增长20%以上的得满分，增长10%（含）—20%的得2分，增长10%以下的得1分，负增长的不得分",
     "threshold", True, [((0.2,), 3), ((0.15,), 2), ((0.1,), 2), ((0.05,), 1), ((0,), 1), ((-0.01,), 0)]),
    # bonus above 80 %: 80 % → 0; 81.5 % → 0.1; 85 % → 0.5; 100 % → 2, capped 1.
    ("以上每超过加分", None, "电子证照应用率达到80%以上的，每超过1个百分点加0.1分，最高加1分", "bonus", True,
     [((0.8,), 0), ((0.815,), 0.1), ((0.85,), 0.5), ((1,), 1)]),
    # ＞80 % → 2; 60–80 % (80 not above 80) → 1; <60 % → 0.
    ("全角符号波浪号", 2, "档案数字化完成率＞８０％得２分；６０％～８０％得１分；＜６０％不得分", "threshold", True,
     [((0.8001,), 2), ((0.8,), 1), ((0.6,), 1), ((0.5999,), 0)]),

    # ------------------------------------------------------------------ 党建
    # target 12 sessions, 0.5 per one short: 11 → 2.5; 8 → 1; 5 → 0.
    ("学习不少于12次", 3, "党组理论学习中心组全年集体学习不少于12次的得满分，每少1次扣0.5分", "step", True,
     [((12,), 3), ((13,), 3), ((11,), 2.5), ((8,), 1), ((5,), 0)]),
    # 0.2 per session missed: 4 → 1.2; 11 → 0.
    ("每缺1次", 2, "“三会一课”制度落实情况：每缺1次扣0.2分，扣完为止", "deduct", True, [((0,), 2), ((4,), 1.2), ((11,), 0)]),
    ("处分每人次并不得分", 5, "班子成员受到党纪政务处分的，每人次扣2分；发生严重违纪违法案件的，本项不得分", None, False, []),
    # grade shares: 好 5; 较好 80 % = 4; 一般 60 % = 3; 差 0.
    ("等次得分值百分比", 5, "党建工作考核结果为“好”的得满分，“较好”的得80%，“一般”的得60%，“差”的不得分", "band", True,
     [(("好",), 5), (("较好",), 4), (("一般",), 3), (("差",), 0)]),
    # full, or 1–3 off at the assessor's judgement: 3, or 0–2.
    ("视情扣1至3分", 3, "意识形态工作责任制落实到位的得满分，落实不到位的视情扣1—3分", None, None, [((3,), 3), ((1.5,), 1.5)]),
    # 0.1 per person-time: 3 → 0.7; 12 → 0.
    ("每人次扣", 1, "干部职工参加集中培训缺勤的，每人次扣0.1分", "deduct", True, [((0,), 1), ((3,), 0.7), ((12,), 0)]),

    # ------------------------------------------------------------------ 乡村振兴、农业、就业
    ("高于全省平均每低", 4, "农村居民人均可支配收入增速高于全省平均水平的得满分，每低0.1个百分点扣0.2分", None, False, []),
    # ≥100 % → 5; [90 %, 100 %) → 3; <90 % → 0.
    ("以上不足100", 5, "高标准农田建设任务完成率达到100%的得满分，完成率在90%以上不足100%的得3分，90%以下不得分", "threshold", True,
     [((1,), 5), ((0.95,), 3), ((0.9,), 3), ((0.8999,), 0)]),
    # target 100 %, 0.1 per whole point: 95 → 0.5; 80 → 0.
    ("设定率每低", 1, "衔接资金项目绩效目标设定率100%得1分，每低1个百分点扣0.1分", "step", True,
     [((1,), 1), ((0.95,), 0.5), ((0.8,), 0)]),
    ("规模性返贫否决", None, "出现规模性返贫问题的，实行“一票否决”", "veto", True, []),
    # rate of the target: 98.5 % → 1 step → 2.7; 90 % → 0.
    ("每少完成1%", 3, "城镇新增就业人数完成年度目标的得满分，每少完成1%扣0.3分", None, None,
     {1: [((1,), 3), ((0.985,), 2.7), ((0.9,), 0)], 2: [((10000, 10000), 3), ((9850, 10000), 2.7), ((9000, 10000), 0)]}),
    # this year against last year (two inputs), or 是/否.
    ("不低于上年", 2, "森林覆盖率保持稳定（不低于上年）的得满分，下降的不得分", None, None,
     {2: [((30.1, 30), 2), ((30, 30), 2), ((29.9, 30), 0)]}),
    # a bonus above full points inside one row: not the step's own add (it stays within the points).
    ("超额加分超出满分", 4, "参保扩面任务完成率达到100%得满分，每低1%扣0.2分；超额完成的每超1%加0.1分，加分最多不超过1分", None, False, []),
    ("两项均完成一项未完成", 4, "耕地保有量、永久基本农田保护面积均完成省下达任务的得满分，一项未完成扣2分", None, None,
     [((0,), 4), ((1,), 2), ((2,), 0)]),
    # 80 %–90 % 按比例 between two bounds: several readings (rate × points, or from 0 at 80 % to full at 90 %).
    ("中段按比例", 2, "综合执法人员持证率≥90%得满分，80%≤持证率＜90%按比例得分，＜80%不得分", None, False, []),

    # ------------------------------------------------------------------ cut-offs with 按比例 (a ratio with a floor)
    # below 60 % nothing; from 60 % on points × rate (not rescaled from 60 %): 50 % → 0; 60 % → 6; 85 % → 8.5; 110 % → 10.
    ("不足60按完成率乘分值", 10, "任务完成率低于60%的不得分，60%及以上的按完成率×分值计分", "ratio", True,
     [((0.5,), 0), ((0.6,), 6), ((0.85,), 8.5), ((1.1,), 10)]),
    # same reading with the short wording: 59 % → 0; 60 % → 3; 80 % → 4; 100 % → 5.
    ("不足60以上按比例", 5, "完成率不足60%不得分，60%以上按比例得分", "ratio", True,
     [((0.59,), 0), ((0.6,), 3), ((0.8,), 4), ((1,), 5)]),
    # 按完成比例 with the cut-off written first as 以下: 50 % (以下 bare: below 50 %) → 0; 50 % → 1.5; 90 % → 2.7.
    ("以下不得分按完成比例", 3, "整改完成率50%以下的不得分，其余按完成比例得分", "ratio", True,
     [((0.49,), 0), ((0.5,), 1.5), ((0.9,), 2.7), ((1,), 3)]),

    # ------------------------------------------------------------------ bonuses per item at each level
    # one count per level: 2 省级 + 1 国家级 → 2; 4 + 2 → 4, capped 3; none → 0.
    ("每篇分级加分", None, "省级媒体每刊发1篇加0.5分，国家级媒体每刊发1篇加1分，最多加3分", "bonus", True,
     [((2, 1), 2), ((4, 2), 3), ((0, 0), 0)]),
    # levels in the order written (省级 first): 1 省级 + 1 国家级 → 1.5.
    ("论文每篇分级", None, "在省级以上刊物发表论文的，省级每篇加0.5分、国家级每篇加1分，最多加3分", "bonus", True,
     [((1, 1), 1.5), ((0, 2), 2), ((6, 1), 3)]),
    # three levels, per item, cap 5, written highest first: (国家, 省, 市) = (1, 2, 2) → 2 + 2 + 1 = 5; (0, 1, 1) → 1.5.
    ("表彰每项分级", None, "获得国家级表彰的每项加2分，省级表彰每项加1分，市级表彰每项加0.5分，加分最高不超过5分", "bonus", True,
     [((1, 2, 2), 5), ((0, 1, 1), 1.5), ((3, 0, 0), 5), ((0, 0, 0), 0)]),
    # same event at the highest level once: 2 for 国务院安委会, 1 for 省安委会.
    ("同一事项按最高级别", None, "获国务院安委会通报表扬的加2分，获省安委会通报表扬的加1分（同一事项按最高级别加分，不重复加分）", None, None, []),
    # a count of quarters, 0.5 each, at most 2: 3 → 1.5; 4 → 2.
    ("每次加最多加", None, "季度工作进度排名全市前三的，每次加0.5分，全年最多加2分", "bonus", True, [((0,), 0), ((3,), 1.5), ((4,), 2)]),
    # per month, 0.2 each, at most 2: 6 → 1.2; 12 → 2.
    ("每个月加分", None, "全年12个月中，月度排名进入全省前5名的，每个月加0.2分，最多加2分", "bonus", True,
     [((0,), 0), ((6,), 1.2), ((12,), 2)]),

    # ------------------------------------------------------------------ ranks
    # values ranked, 0.5 a place: 90 → 10; 85 → 9.5; 80 → 9.
    ("依次递减", 10, "各县（市、区）按得分高低排名，第1名得10分，第2名得9.5分，依次递减0.5分", "rank", True,
     [((90,), 10), ((85,), 9.5), ((80,), 9)]),
    # read as a yes/no (or a count of times) that takes the 2 points once: in the bottom three → 0.
    ("排名后三位扣分", 2, "考核结果排名后三位的，扣2分", None, None, [((0,), 2), ((1,), 0)]),

    # ------------------------------------------------------------------ ratios from amounts
    # two amounts: 8/10 → 3.2; 10/10 → 4.
    ("办结率乘分值", 4, "环境信访件办结率＝按期办结件数/受理件数×100%，办结率达100%得满分，低于100%的按办结率×分值计分", "ratio", True,
     [((8, 10), 3.2), ((10, 10), 4)]),
]


# Cases the reader does not read yet, and why. Each must get nothing or an unsure proposal (never a
# sure one); a reader that learns one should move it out of here and let its examples decide.
NOT_READ = {
    "十万分之": "a rate per 100,000 (10/10万) is not a unit the reader knows; it is not taken as 10/10",
    "每少完成1%": "the target is named (完成年度目标), not a number: 1% of what is not said",
    "不低于上年": "the comparison with last year is only in a bracket remark",
    "两项均完成一项未完成": "two targets and a deduction per target missed: a count of misses is not named",
    "同一事项按最高级别": "the levels are bodies (国务院安委会, 省安委会), not the honour levels 国家级/省级",
}


def check_province_case(case):
    """Assert one case: kind, sureness (when it matters) and the examples of the proposal's arity."""
    label, points, text, kind, sure, examples = case
    p = read_wording(text, points)
    if kind == "none":
        assert p.rule is None, f"{label}: proposed {p.rule!r}"
        return p
    if sure is False and p.rule is None:
        return p                                  # nothing proposed is fine where no reading is sure
    assert p.rule is not None, f"{label}: nothing proposed ({p.reading}; unread {p.unread})"
    parse_rule(p.rule)
    if kind is not None:
        assert parse_rule(p.rule).KIND == kind, f"{label}: {p.rule}"
    if sure is not None:
        assert p.sure == sure, f"{label}: sure={p.sure} for {p.rule} ({p.reading})"
    if isinstance(examples, dict):
        arity = len(p.inputs)
        examples = examples.get(arity) or examples.get(arity - 1)
        assert examples is not None, f"{label}: {arity} inputs {p.inputs} ({p.rule})"
    if examples:
        got = score_examples(p.rule, points, examples)
        for (inputs, want), g in zip(examples, got):
            if want == ERR:
                assert isinstance(g, str), f"{label}: {inputs} should be refused, got {g} ({p.rule})"
            else:
                assert not isinstance(g, str) and abs(g - want) < 1e-9, \
                    f"{label}: {inputs} → {g}, want {want} ({p.rule})"
    return p


def classify(case):
    """right+sure, right+unsure, unsure (proposed, unsure, not right), nothing, or WRONG (a sure wrong reading)."""
    label, points, text, kind, sure, examples = case
    p = read_wording(text, points)
    if p.rule is None:
        return "nothing", p
    try:
        check_province_case((label, points, text, kind, None, examples))
        right = True
    except AssertionError:
        right = False
    if p.sure and (not right or sure is False):
        return "WRONG", p
    if not right or (sure is False and not examples):
        return "unsure", p
    return ("right+sure" if p.sure else "right+unsure"), p
