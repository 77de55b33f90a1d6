"""The only code that writes recognition: rules, the evaluation of awards, and kudos."""

from quotaflow.recognition.actions.awards import EvaluationResult, evaluate_awards
from quotaflow.recognition.actions.kudos import give_kudos
from quotaflow.recognition.actions.rules import create_rule, deactivate_rule, spec_of, update_rule

__all__ = [
    "EvaluationResult",
    "create_rule",
    "deactivate_rule",
    "evaluate_awards",
    "give_kudos",
    "spec_of",
    "update_rule",
]
