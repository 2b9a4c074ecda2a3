"""Read back what the add-in's generated VBA module says, by running its few statement forms.

The module spells Chinese with ChrW, so a test cannot grep for it: this evaluates the string
assignments (``s = "a" & ChrW(&H8BC4&) & s``), ``Select Case`` of MessageText, ``ReDim`` and each
``Application.MacroOptions`` line exactly as VBA would, independently of the generator.
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r'\s*(?:"((?:[^"]|"")*)"|ChrW\(&H([0-9A-Fa-f]{1,4})&?\)|(\w+(?:\(\d+\))?))\s*(&|$)')
_ASSIGN = re.compile(r"^\s*(\w+(?:\(\d+\))?) = (.+)$")
_MACRO = re.compile(r"""^\s*Application\.MacroOptions Macro:="'" & ThisWorkbook\.Name & "'!(\w+)", """
                    r"Description:=(\w+), Category:=(\w+), ArgumentDescriptions:=(\w+)$")


def value(expr: str, variables: dict[str, str]) -> str:
    """The string a VBA expression of literals, ChrW calls and variables joined by & evaluates to."""
    units: list[str] = []
    pos = 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        assert match and match.end() > pos, f"not a VBA string expression: {expr[pos:]!r}"
        literal, code, name, _ = match.groups()
        if literal is not None:
            units.append(literal.replace('""', '"'))
        elif code is not None:
            units.append(chr(int(code, 16)))
        else:
            units.append(variables[name])
        pos = match.end()
    return "".join(units)      # UTF-16 code units, as VBA holds them: a pair may span two statements


def _text(units: str) -> str:
    """A VBA string (UTF-16 code units, surrogate pairs as two units) as Python text."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def run(code: str) -> tuple[dict[str, str], dict[str, dict]]:
    """(MessageText's text by key, MacroOptions by function name) of the generated module."""
    variables: dict[str, str] = {}
    messages: dict[str, str] = {}
    registered: dict[str, dict] = {}
    case = None
    for line in code.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if case and (stripped.startswith("Case ") or stripped == "End Select"):
            messages[case] = _text(variables["s"])
            case = None
        if match := re.fullmatch(r'Case "(\w+)"', stripped):
            case = match.group(1)
            variables.pop("s", None)
        elif match := re.fullmatch(r"ReDim (\w+)\(1 To (\d+)\)", stripped):
            for key in [k for k in variables if k.startswith(match.group(1) + "(")]:
                del variables[key]
            variables[match.group(1)] = int(match.group(2))
        elif match := _MACRO.match(line):
            name, desc, category, args = match.groups()
            assert name not in registered, f"{name} registered twice"
            registered[name] = {"Description": _text(variables[desc]), "Category": _text(variables[category]),
                                "ArgumentDescriptions": [_text(variables[f"{args}({i})"])
                                                         for i in range(1, variables[args] + 1)]}
        elif (match := _ASSIGN.match(line)) and not stripped.startswith(("Dim ", "'")):
            target, expr = match.groups()
            variables[target] = value(expr, variables)
    return messages, registered
