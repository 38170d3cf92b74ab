"""Return policy: the one import point for the model, the loader and the engine.

Split in three modules so each stays readable; callers import from here:
`from counter_app.domain.policy import evaluate, load_policy_file, LineFacts, ...`.
"""

from __future__ import annotations

from counter_app.domain.policy_engine import MESSAGE_TEMPLATES, evaluate, unknown_order_decision
from counter_app.domain.policy_loader import (
    PolicyHolder,
    default_policy_path,
    load_policy,
    load_policy_file,
)
from counter_app.domain.policy_model import (
    DISPOSITIONS,
    KNOWN_CONDITIONS,
    OUTCOMES,
    REFUND_TENDERS,
    ApprovalRule,
    CategoryRule,
    ConditionRule,
    CustomerHistory,
    Decision,
    FrequentReturnerRule,
    HolidayExtension,
    Inspection,
    LineFacts,
    PastReturn,
    Policy,
    PolicyError,
    Reason,
    ReasonRule,
    ReceiptlessRule,
    SerialRule,
    TenderRule,
)

__all__ = [
    "DISPOSITIONS",
    "KNOWN_CONDITIONS",
    "MESSAGE_TEMPLATES",
    "OUTCOMES",
    "REFUND_TENDERS",
    "ApprovalRule",
    "CategoryRule",
    "ConditionRule",
    "CustomerHistory",
    "Decision",
    "FrequentReturnerRule",
    "HolidayExtension",
    "Inspection",
    "LineFacts",
    "PastReturn",
    "Policy",
    "PolicyError",
    "PolicyHolder",
    "Reason",
    "ReasonRule",
    "ReceiptlessRule",
    "SerialRule",
    "TenderRule",
    "default_policy_path",
    "evaluate",
    "load_policy",
    "load_policy_file",
    "unknown_order_decision",
]
