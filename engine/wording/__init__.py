"""The wording reader: an official's 评分标准 (Chinese scoring wording) + points → a proposed rule.

Pure and deterministic. ``read_wording(text, points)`` never raises: what it cannot read it lists
in ``unread`` and proposes nothing rather than a confident wrong rule. See docs/wording.md.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel

from ..numbers import is_blank, to_decimal
from .phrases import phrase_facts
from .reader import build, gather
from .tokens import lex
from .vocabulary import SCORING_HINTS

__all__ = ["Proposal", "clear_caches", "propose", "read_wording"]


class Proposal(BaseModel):
    """What the reader proposes for one wording."""

    rule: str | None
    inputs: list[dict]          # [{"name": ..., "what": 金额/比率/个数/是否/评分/等级/…}], in rule order
    reading: str                # 规则说明 in plain Chinese
    sure: bool
    unread: list[str]           # phrases with scoring words that were not understood

    def as_json(self) -> dict:
        return self.model_dump()


def clear_caches() -> None:
    """Forget the phrases read so far (benchmarks time the reader from cold)."""
    lex.cache_clear()
    phrase_facts.cache_clear()


def _points(points) -> Decimal | None:
    if points is None or is_blank(points):
        return None
    try:
        p = to_decimal(points)
    except (ValueError, InvalidOperation):
        return None
    return p if p.is_finite() and p >= 0 else None


def read_wording(text, points=None, name: str = "") -> Proposal:
    """Propose a rule for one 评分标准. ``name`` (the indicator's name) names a single generic input."""
    try:
        return propose(str(text) if text is not None else "", _points(points), name or "")
    except Exception:           # the contract: any text in, never an exception out
        short = str(text)[:40] if text is not None else ""
        return Proposal(rule=None, inputs=[], reading="未能读取这段评分标准", sure=False, unread=[short] if short else [])


def propose(text: str, points: Decimal | None, name: str = "") -> Proposal:
    """The reader itself, without the safety net of read_wording (a bug here raises; tests use it)."""
    if not text.strip():
        return Proposal(rule=None, inputs=[], reading="评分标准为空", sure=False, unread=[])
    w = gather(text, points, name)
    draft = build(w)
    unread = list(dict.fromkeys(w.unread))
    if draft is None:
        if not unread:
            hinted = [s for s in _sentences(text) if any(h in s for h in SCORING_HINTS)]
            unread = hinted[:3] or [text.strip()[:40]]
        need = "（需要分值）" if points is None and _needs_points(w) else ""
        return Proposal(rule=None, inputs=[], reading="未能从评分标准推导出规则" + need, sure=False, unread=unread)
    reading = ""
    for part in (r for r in draft.reading if r):
        reading += part if not reading or part.startswith("（") else "；" + part
    doubts = list(dict.fromkeys(draft.doubts))
    if doubts:
        reading += "。存疑：" + "；".join(doubts)
    if unread:
        reading += "。未读懂：" + "；".join(f"「{u}」" for u in unread)
    # 输入 lists names separated by , 、 ; — a name must not contain them
    inputs = [{"name": re.sub(r"[、,;，；]", "/", n), "what": what} for n, what in draft.inputs]
    return Proposal(rule=draft.rule, inputs=inputs, reading=reading, sure=not doubts and not unread, unread=unread)


def _needs_points(w) -> bool:
    return any(a.kind in ("step", "each") for a in w.arms)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。；;\n]", text) if s.strip()]
