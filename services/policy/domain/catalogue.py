"""The fixed vocabulary of decisions (rule ids in catalogue order, outcomes and their
precedence, actions): part of policy's event contract, declared in shared/contracts/policy.py."""

from shared.contracts.policy import Action, Outcome, RuleId

__all__ = ["Action", "Outcome", "RuleId"]
