"""Open government around the platform: action-plan tracker, data dialogues, explainers.

Start with :class:`PlanStore` (the plan tables in the application database),
:func:`seed_hamburg` (the Hamburg OGP Local plan 2022–2024) and
:func:`plan_overview` (everything a plan page shows).
"""

from __future__ import annotations

from stufenlos.plan.seed import seed_hamburg
from stufenlos.plan.service import PlanStore, commitment_detail, plan_overview

__all__ = ["PlanStore", "commitment_detail", "plan_overview", "seed_hamburg"]
