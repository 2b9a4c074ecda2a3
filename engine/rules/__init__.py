"""One class per rule kind; each parses its clauses, scores a column of units and explains a score."""
from .band import BandRule
from ..clauses import RuleError
from .base import INVALID, MISSING, NOT_ASSESSED, OK, Ctx, InputColumn, Outcome, Rule, apply_rule
from .bonus import BonusRule
from .counts import CheckRule, DeductRule, ManualRule, ValueRule
from .rates import InfoRule, PassRule, RatioRule, RelativeRule, StepRule, ThresholdRule
from .standing import RankRule, VetoRule

KINDS: tuple[type[Rule], ...] = (BandRule, RatioRule, StepRule, ThresholdRule, DeductRule, CheckRule,
                                 PassRule, ManualRule, RelativeRule, InfoRule, ValueRule, BonusRule, VetoRule,
                                 RankRule)
KINDS_BY_NAME = {cls.KIND: cls for cls in KINDS}

__all__ = ["KINDS", "KINDS_BY_NAME", "Rule", "RuleError", "Outcome", "InputColumn", "Ctx",
           "OK", "MISSING", "INVALID", "NOT_ASSESSED", "apply_rule"] + [c.__name__ for c in KINDS]
