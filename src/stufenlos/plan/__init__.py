"""Open government around the platform: action-plan tracker, data dialogues, explainers."""

from __future__ import annotations

__all__: list[str] = []
