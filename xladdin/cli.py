"""``rubricxl``: the ribbon's work on files, for batch runs, CI and colleagues without Excel."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import handlers, report as printout
from .hosts.files import FileHost, check_writable
from .layout import UNIT_SHOWN, clip, find_sheet
from .pdf import to_pdf
from .protocol import ReadError
from .template import template_sheets
from .xlsxpkg import PackageError, new_package, write_package


def samples_folder() -> Path:
    """The sample workbooks: installed with the package (xladdin/samples), or the repo's workbooks/."""
    here = Path(__file__).resolve().parent
    installed = here / "samples"
    return installed if any(installed.glob("*.xlsx")) else here.parent / "workbooks"


class Bar:
    """A one-line progress bar on stderr (only where stderr is a terminal)."""

    def __init__(self, label: str, enabled: bool):
        self.label, self.enabled, self.start = label, enabled, time.perf_counter()

    def __call__(self, stage: str, share: float) -> None:
        if not self.enabled:
            return
        filled = int(share * 30)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {stage} "
                         f"{time.perf_counter() - self.start:5.1f}s")
        if share >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _print_report(report: handlers.Report, limit: int | None = None) -> None:
    result = report.result
    shown = range(len(result)) if limit is None else range(min(limit, len(result)))
    for i in shown:
        print("  " + result.summary(i, clip(result.units[i], UNIT_SHOWN)))
    if limit is not None and len(result) > limit:
        print(f"  …共{len(result)}个单位")
    errors = len(report.errors)
    hints = len(report.issues) - errors
    print(f"  问题：{errors}个错误，{hints}个提示" + ("（详见「问题」表）" if report.issues else ""))


def cmd_rescore(args) -> int:
    try:
        host = FileHost(args.book, args.output)
        bar = Bar(Path(args.book).name, sys.stderr.isatty() and not args.quiet)
        previous = FileHost(args.previous) if args.previous else None
        report = handlers.rescore(host, bar, previous)
    except ReadError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"{host.out}：已重新评分")
    if not args.quiet:
        _print_report(report, limit=50)
        for issue in report.errors[:20]:
            print("  " + issue.line())
    return report.exit_code


def cmd_export(args) -> int:
    if Path(args.output).resolve() == Path(args.book).resolve():
        print(f"错误：公式版应写入另一个文件（-o 与「{args.book}」相同）；原工作簿保持不变", file=sys.stderr)
        return 2
    try:
        host = FileHost(args.book, args.output)
        bar = Bar(Path(args.book).name, sys.stderr.isatty() and not args.quiet)
        report, summary = handlers.export(host, bar)
    except ReadError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"{host.out}：已导出公式版（{summary.formulas}个公式单元格，{summary.kept}个单元格保留数值并加批注）")
    if not args.quiet:
        for heading, reasons in summary.reasons.items():
            print(f"  「{heading}」保留数值：{'；'.join(reasons)}")
    return report.exit_code


def cmd_report(args) -> int:
    try:
        host = FileHost(args.book, args.output)
        report = handlers.report(host, Bar(Path(args.book).name, sys.stderr.isatty() and not args.quiet))
        print(f"{host.out}：已生成「{printout.SCORE_CARDS}」「{printout.RANKINGS}」（{printout.describe(report.result)}）")
        if args.pdf:
            print(f"{report_pdf(host.out)}：已生成 PDF")
    except ReadError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return report.exit_code


def report_pdf(book: Path) -> Path:
    """The report sheets of a written workbook as BOOK.pdf beside it (LibreOffice headless)."""
    keep = (printout.SCORE_CARDS, printout.RANKINGS)
    target = book.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="rubricxl-pdf-") as tmp:
        only = Path(tmp) / (book.stem + ".xlsx")
        try:
            write_package(book, only, [], remove=[n for n in FileHost(book).sheet_names() if n not in keep])
        except PackageError as exc:
            raise ReadError(str(exc)) from None
        [pdf] = to_pdf([only], Path(tmp) / "pdf")
        try:
            pdf.replace(target)
        except OSError as exc:
            raise ReadError(f"无法写入「{target}」：{exc.strerror or exc}") from None
    return target


def cmd_validate(args) -> int:
    try:
        host = FileHost(args.book)
        issues = handlers.validate(host)
        if args.reading:
            for row, name, rule, reading in handlers.readings(host):
                print(f"第{row}行「{name}」{rule}：{reading}" if row else f"「{name}」{rule}：{reading}")
    except ReadError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for issue in issues:
        print(issue.line())
    if not issues:
        print("未发现问题")
    return 1 if any(i.severity == "错误" for i in issues) else 0


def cmd_new(args) -> int:
    out = Path(args.output)
    try:
        if out.exists():
            return _new_into(out, args.force)
        check_writable(out)
        new_package(out, template_sheets())
    except (ReadError, PackageError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"已新建细则工作簿：{out}")
    return 0


def _new_into(out: Path, force: bool) -> int:
    """``new`` on an existing file never loses data: a workbook without a rubric gets the example
    sheets added (as 新建细则 does); one that holds a rubric is left alone; ``--force`` only
    replaces a workbook whose every sheet is empty."""
    host = FileHost(out)
    filled = [n for n in host.sheet_names() if any(v is not None for row in host.read(n) for v in row)]
    if force and not filled:
        check_writable(out)
        new_package(out, template_sheets())
        print(f"已新建细则工作簿：{out}（原工作簿为空，已替换）")
        return 0
    if find_sheet(host, "rubric") is not None:
        print(f"错误：「{out}」已有「{find_sheet(host, 'rubric')}」工作表，未修改（rubricxl new 不会覆盖已有数据，"
              "--force 也只替换空工作簿）：请换一个文件名", file=sys.stderr)
        return 2
    added = handlers.insert_template(host)
    print(f"已在「{out}」中加入示例工作表：{'、'.join(added)}（原有工作表未改动）")
    return 0


def cmd_rule(args) -> int:
    """推导规则: one 评分标准 → the proposed rule, its inputs and its reading (exit 0 sure, 1 unsure, 2 none)."""
    from engine.wording import read_wording
    proposal = read_wording(args.text, args.points)
    if args.json:
        print(json.dumps(proposal.as_json(), ensure_ascii=False))
    else:
        print(f"规则：{proposal.rule or '（未能推导）'}")
        if proposal.inputs:
            print("输入：" + "，".join(f"{i['name']}（{i['what']}）" for i in proposal.inputs))
        print(f"说明：{proposal.reading}")
        if proposal.rule:
            print("把握：" + ("确定" if proposal.sure else "存疑，请核对"))
        if proposal.unread:
            print("未读懂：" + "；".join(f"「{u}」" for u in proposal.unread))
    return 0 if proposal.sure and proposal.rule else 1 if proposal.rule else 2


def cmd_suggest(args) -> int:
    """推导规则 on a file: exit 0 when every row got a sure rule, 1 when some are unsure or unread."""
    try:
        host = FileHost(args.book, args.output)
        found, _ = handlers.suggest(host)
    except ReadError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    filled = sum(s.filled for s in found)
    sure = sum(s.filled and s.proposal.sure for s in found)
    print(f"{host.out}：{len(found)}行规则为空且有评分标准，已填写{filled}行（其中{sure}行确定，"
          f"{filled - sure}行存疑，请核对），{len(found) - filled}行未填写；详见「问题」表")
    for s in found:
        mark = ("确定" if s.proposal.sure else "存疑") if s.filled else "未填"
        print(f"  第{s.row + 1}行 [{mark}] {s.proposal.rule or ''}  {s.proposal.reading}")
    return 0 if sure == len(found) else 1


def cmd_demo(args) -> int:
    folder = Path(args.samples) if args.samples else samples_folder()
    books = sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$"))
    if not books:
        print(f"错误：「{folder}」中没有示例工作簿", file=sys.stderr)
        return 2
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    worst = 0
    for book in books:
        target = out_dir / book.name
        try:
            report = handlers.rescore(FileHost(book, target))
        except ReadError as exc:
            print(f"{book.name}：错误：{exc}")
            worst = 2
            continue
        print(f"{book.name} → {target}")
        _print_report(report, limit=args.limit)
        worst = max(worst, report.exit_code)
    return worst


def cmd_sensitivity(args) -> int:
    try:
        host = FileHost(args.book, args.output)
        report = handlers.sensitivity(host, args.n, args.mode, args.spread, args.seed)
    except (ReadError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"{host.out}：已写入「敏感性」工作表（{args.n}次权重扰动）")
    return report.exit_code


def cmd_addin_build(args) -> int:
    from .addin_build import build_addin
    path = build_addin(Path(args.output))
    print(f"已生成加载项：{path}")
    return 0


_ARGPARSE_ZH = [   # argparse's own English messages (Python 3.10-3.13) → Chinese
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"argument 命令: invalid choice: (.*?) \(choose from (.*)\)", r"没有命令 \1（可用：\2）"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", r"参数 \1 的值 \2 无效（可选：\3）"),
    (r"argument (\S+): invalid int value: (.*)", r"参数 \1 应为整数，而不是 \2"),
    (r"argument (\S+): invalid float value: (.*)", r"参数 \1 应为数值，而不是 \2"),
    (r"argument (\S+): expected one argument", r"参数 \1 后面需要一个值"),
    (r"argument (\S+): expected at least one argument", r"参数 \1 后面至少需要一个值"),
    (r"argument (\S+): expected at most one argument", r"参数 \1 后面最多一个值"),
    (r"argument (\S+): ignored explicit argument (.*)", r"参数 \1 不接受值 \2"),
    (r"argument (\S+): not allowed with argument (.*)", r"参数 \1 不能与 \2 同时使用"),
    (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 有歧义，可能是：\2"),
    (r"one of the arguments (.*) is required", r"需要以下参数之一：\1"),
    (r"argument (\S+): (.*)", r"参数 \1：\2"),
]


def _zh(message: str) -> str:
    """argparse's message in Chinese (an unknown one is kept as it is, behind a Chinese label)."""
    for pattern, repl in _ARGPARSE_ZH:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, repl, message)
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    """argparse speaking Chinese: usage, section titles, -h, and every error message."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示此帮助信息并退出")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{_zh(message)}（用 -h 查看帮助）\n")


def _points_arg(text: str) -> Decimal:
    """--points: a number of points not below 0 (a typing slip is a usage error, not a reading without points)."""
    from engine.numbers import to_decimal
    try:
        value = to_decimal(text)
    except (ValueError, InvalidOperation):
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"分值应为不小于0的数，而不是「{text}」")
    return value


def _addin_folder(args) -> Path | None:
    from .addin_install import xlstart
    return Path(args.dir) if args.dir else xlstart()


def _print_findings(findings) -> int:
    for finding in findings:
        print("  " + finding.line())
    failed = sum(1 for f in findings if f.ok is False)
    print("检查通过" if not failed else f"检查未通过：{failed}项失败（见上面的 [失败]）")
    return 1 if failed else 0


def cmd_addin_install(args) -> int:
    from .addin_install import XLSTART_HINT, install
    folder = _addin_folder(args)
    if folder is None:
        print("错误：此系统上找不到 Excel 的启动文件夹（XLSTART）。请在装有 Excel 的 Windows 电脑上，用将要运行 "
              f"rubricxl 的 Python 执行本命令，加载项会放到 {XLSTART_HINT}；或用 --dir 指定文件夹"
              "（再在 Excel 的“文件 → 选项 → 加载项”中浏览选中其中的 rubricxl.xlam）。", file=sys.stderr)
        return 2
    try:
        done, findings = install(folder)
    except PermissionError as exc:
        print(f"错误：无法写入「{exc.filename}」：加载项可能正被 Excel 使用，请先关闭 Excel 再运行本命令。", file=sys.stderr)
        return 2
    for line in done:
        print(line)
    print("安装后的检查：")
    code = _print_findings(findings)
    if code == 0:
        print("请重新启动 Excel：功能区出现“评分”选项卡，函数向导的“评分”类别中列出全部函数。")
    return code


def cmd_addin_check(args) -> int:
    from .addin_install import check
    print("检查 rubricxl 加载项（不作任何改动）：")
    return _print_findings(check(_addin_folder(args)))


def parser() -> argparse.ArgumentParser:
    p = ChineseParser(prog="rubricxl", description="考核评分细则：在 Excel 工作簿中评分、汇总、排名")
    sub = p.add_subparsers(dest="command", required=True, title="命令", metavar="命令")
    r = sub.add_parser("rescore", help="重新评分：写入 得分/平均/评分过程/问题 工作表",
                       description="重新评分：写入 得分/平均/评分过程/问题 工作表（其他内容不变）")
    r.add_argument("book", metavar="工作簿", help="要评分的 .xlsx/.xlsm 工作簿")
    r.add_argument("-o", "--output", metavar="文件", help="写入另一个文件（默认写回原文件；缺少的文件夹会自动创建）")
    r.add_argument("-q", "--quiet", action="store_true", help="不显示各单位得分与进度")
    r.add_argument("--previous", metavar="文件", help="上期已评分的工作簿：用其「得分」表的排名计算排名变化")
    r.set_defaults(func=cmd_rescore)
    e = sub.add_parser("export", help="导出公式版：得分与平均写成原生公式，无需 rubricxl 即可重算",
                       description="导出公式版：另存一份得分、合计、等级、排名与平均都是原生公式的副本，"
                                   "在 Excel、WPS 或 LibreOffice 中修改数据即可重算（原工作簿不变）")
    e.add_argument("book", metavar="工作簿", help="要导出的 .xlsx/.xlsm 工作簿")
    e.add_argument("-o", "--output", required=True, metavar="文件", help="公式版文件（如 考核_公式版.xlsx）")
    e.add_argument("-q", "--quiet", action="store_true", help="不显示保留数值的原因")
    e.set_defaults(func=cmd_export)
    rp = sub.add_parser("report", help="生成报表：重新评分并写入可打印的 评分表（每单位一页）和 排名表",
                        description="生成报表：重新评分，并写入可打印的 评分表（每单位一页）和 排名表（总分及各汇总指标，全部及分组）")
    rp.add_argument("book", metavar="工作簿", help="要生成报表的 .xlsx/.xlsm 工作簿")
    rp.add_argument("-o", "--output", metavar="文件", help="写入另一个文件（默认写回原文件）")
    rp.add_argument("--pdf", action="store_true", help="另用 LibreOffice 把评分表和排名表生成同名 PDF")
    rp.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    rp.set_defaults(func=cmd_report)
    v = sub.add_parser("validate", help="校验细则：列出问题，不写文件", description="校验细则：列出问题，不写文件")
    v.add_argument("book", metavar="工作簿", help="要校验的 .xlsx/.xlsm 工作簿")
    v.add_argument("--reading", action="store_true", help="同时列出每行规则的规则说明（中文含义）")
    v.set_defaults(func=cmd_validate)
    n = sub.add_parser("new", help="新建带示例的细则工作簿（不会覆盖已有数据）",
                       description="新建带示例的细则工作簿；文件已存在且没有「细则」表时，只加入示例工作表")
    n.add_argument("output", metavar="文件", help="新工作簿的文件名（.xlsx）")
    n.add_argument("--force", action="store_true", help="替换已存在但全空的工作簿（有数据的工作簿从不替换）")
    n.set_defaults(func=cmd_new)
    ru = sub.add_parser("rule", help="由评分标准（文字）推导规则，并给出规则说明",
                        description="由评分标准（文字）推导规则：给出规则、输入和规则说明；确定退出码0，存疑1，未能推导2")
    ru.add_argument("text", metavar="评分标准", help="评分标准原文，如「每发现一处错误扣0.5分，最多扣2分」")
    ru.add_argument("--points", type=_points_arg, metavar="分值", help="该行的分值")
    ru.add_argument("--json", action="store_true", help="输出一个 JSON 对象（rule、inputs、reading、sure、unread）")
    ru.set_defaults(func=cmd_rule)
    sg = sub.add_parser("suggest", help="推导规则：为规则为空的细则行按评分标准填写规则和输入",
                        description="推导规则：为「规则」为空的细则行按「评分标准」填写规则（及输入），只填空白单元格并加批注，"
                                    "每行的规则说明列在「问题」表")
    sg.add_argument("book", metavar="工作簿", help="要推导规则的 .xlsx/.xlsm 工作簿")
    sg.add_argument("-o", "--output", metavar="文件", help="写入另一个文件（默认写回原文件）")
    sg.set_defaults(func=cmd_suggest)
    d = sub.add_parser("demo", help="对每个示例工作簿重新评分，输出到 out/",
                       description="对随软件安装的每个示例工作簿重新评分，结果写入输出文件夹")
    d.add_argument("--out", default="out", metavar="文件夹", help="输出文件夹（默认 out）")
    d.add_argument("--samples", metavar="文件夹", help="示例工作簿所在文件夹（默认为随软件安装的示例）")
    d.add_argument("--limit", type=int, default=20, metavar="个数", help="每个工作簿最多显示的单位数（默认20）")
    d.set_defaults(func=cmd_demo)
    s = sub.add_parser("sensitivity", help="排名敏感性：扰动权重，写入「敏感性」工作表",
                       description="排名敏感性：多次随机扰动权重后重新排名，写入「敏感性」工作表")
    s.add_argument("book", metavar="工作簿", help="要分析的 .xlsx/.xlsm 工作簿")
    s.add_argument("-n", type=int, default=1000, metavar="次数", help="扰动次数（默认1000）")
    s.add_argument("--mode", choices=["uniform", "dirichlet"], default="uniform",
                   help="扰动方式：uniform 为各权重独立均匀扰动，dirichlet 为按狄利克雷分布重抽权重（默认 uniform）")
    s.add_argument("--spread", type=float, default=0.2, metavar="幅度",
                   help="均匀扰动的相对幅度（默认0.2，即±20%%）")
    s.add_argument("--seed", type=int, default=0, metavar="种子", help="随机数种子，相同种子结果相同（默认0）")
    s.add_argument("-o", "--output", metavar="文件", help="写入另一个文件（默认写回原文件）")
    s.set_defaults(func=cmd_sensitivity)
    a = sub.add_parser("addin", help="Excel 加载项", description="Excel 加载项")
    asub = a.add_subparsers(dest="addin_command", required=True, title="命令", metavar="命令")
    b = asub.add_parser("build", help="由仓库中的源文件生成 rubricxl.xlam", description="由源文件生成 rubricxl.xlam")
    b.add_argument("-o", "--output", default="out", metavar="文件夹", help="输出文件夹（默认 out）")
    b.set_defaults(func=cmd_addin_build)
    i = asub.add_parser("install", help="为已安装的 xlwings 生成加载项，放入 Excel 的启动文件夹（XLSTART），指向本 Python 并检查")
    i.add_argument("--dir", metavar="文件夹", help="放加载项的文件夹（默认为 Windows 的 XLSTART）")
    i.set_defaults(func=cmd_addin_install)
    c = asub.add_parser("check", help="检查已安装的加载项和本 Python（不作改动）；遇到问题时先运行它")
    c.add_argument("--dir", metavar="文件夹", help="加载项所在的文件夹（默认为 Windows 的 XLSTART）")
    c.set_defaults(func=cmd_addin_check)
    return p


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:          # `rubricxl demo | head`: the reader left; not an error
        sys.stderr.close()
        return 0
    except Exception as exc:         # a bug of ours: say so plainly (RUBRICXL_DEBUG=1 shows the traceback)
        if os.environ.get("RUBRICXL_DEBUG"):
            raise
        print(f"错误：rubricxl 内部错误（{type(exc).__name__}: {exc}）。文件未被修改；"
              "请将此信息和工作簿反馈给维护者（设置 RUBRICXL_DEBUG=1 可显示详细信息）", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
