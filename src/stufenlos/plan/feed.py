"""The plan's Atom feed entries, written for people ("Milestone 'Kiosk pilot' is now done").

Each public audit entry of the plan becomes one :class:`~stufenlos.feeds.FeedEntry`
in German, English or easy-read German (``ls``), told from the values before
and after the change; :func:`plan_feed_entries` gives those of the whole plan or
of one commitment (the commitment itself, its milestones, quarterly updates and
assessments). The document is written by :func:`stufenlos.feeds.atom_feed`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stufenlos.feeds import FeedEntry
from stufenlos.i18n import N_, translator
from stufenlos.plan.models import AuditEntry, Commitment

__all__ = ["MILESTONE_STATUS_SENTENCES", "change_text", "commitment_name", "plan_feed_entries"]

#: milestone status -> the sentence telling a milestone now has it (msgids, ``{name}``)
MILESTONE_STATUS_SENTENCES: dict[str, str] = {
    "unknown": N_("Milestone {name} now has no recorded status"),
    "planned": N_("Milestone {name} is now planned"),
    "in_progress": N_("Milestone {name} is now in progress"),
    "done": N_("Milestone {name} is now done"),
    "delayed": N_("Milestone {name} is now delayed"),
    "cancelled": N_("Milestone {name} is now cancelled"),
}
#: the entities of one commitment's feed, and the field naming their commitment
_OF_COMMITMENT = {"milestones": "commitment_id", "status_updates": "commitment_id",
                  "assessments": "commitment_id"}
#: assessment kind -> the sentence announcing a new one (msgid)
_NEW_ASSESSMENT = {"inception": N_("New inception assessment of {of}"),
                   "end_of_commitment": N_("New end-of-commitment assessment of {of}")}


def _title(text: Any, lang: str) -> str:
    if not isinstance(text, dict):
        return str(text or "")
    if lang == "ls":
        lang = "de"
    return text.get(lang) or text.get("de") or text.get("en") or ""


def _quote(title: str, lang: str) -> str:
    return f"'{title}'" if lang == "en" else f"„{title}“"


def change_text(entry: AuditEntry, lang: str, *,
                commitments: dict[int, dict[str, Any]] | None = None) -> str:
    """One sentence saying what ``entry`` changed, in ``lang`` (``de``, ``en``, ``ls``).

    Falls back to the entry's stored summary for changes without a wording.
    """
    t = translator(lang)
    after = entry.after or {}
    before = entry.before or {}
    name = _quote(_title(after.get("title"), lang), lang)
    commitment = (commitments or {}).get(after.get("commitment_id") or -1)
    of = _quote(_title(commitment["title"], lang), lang) if commitment else ""
    if entry.entity == "milestones":
        if entry.action == "create":
            return t.gettext("New milestone {name}", name=name)
        if before.get("status") != after.get("status") and after.get("status"):
            status = after["status"]
            if status in MILESTONE_STATUS_SENTENCES:
                return t.gettext(MILESTONE_STATUS_SENTENCES[status], name=name)
            return t.gettext("Milestone {name} is now {status}", name=name, status=status)
        if before.get("due_date") != after.get("due_date"):
            due = after.get("due_date")
            if due:
                return t.gettext("Milestone {name} is now due on {due}", name=name, due=due)
            return t.gettext("Milestone {name} has no due date any more", name=name)
        if before.get("evidence") != after.get("evidence"):
            return t.gettext("Milestone {name}: evidence changed", name=name)
    if entry.entity == "status_updates":
        # "{pct} percent", not "{pct} %": a "%" before a letter reads as printf to Babel
        return t.gettext("Quarterly update {quarter} on {of}: {pct} percent complete",
                         quarter=after.get("quarter", ""), of=of, pct=after.get("progress_pct"))
    if entry.entity == "assessments":
        sentence = _NEW_ASSESSMENT.get(after.get("kind", ""), N_("New assessment of {of}"))
        return t.gettext(sentence, of=of)
    if entry.entity == "stakeholders" and after.get("endorsed") is not None and (
            entry.action == "create" or before.get("endorsed") != after.get("endorsed")):
        who = _quote(str(after.get("name", "")), lang)
        if after["endorsed"]:
            return t.gettext("{who} endorses the action plan", who=who)
        return t.gettext("{who} does not endorse the action plan", who=who)
    if entry.entity == "commitments" and entry.action == "create":
        return t.gettext("New commitment {name}", name=name)
    return entry.summary or f"{entry.action} {entry.entity}"


def plan_feed_entries(
    session: Session, *, base: str, lang: str = "de", commitment: str | None = None,
    limit: int = 200,
) -> list[FeedEntry]:
    """The newest public plan changes as feed entries (all, or of one commitment).

    Parameters
    ----------
    session
        A session of the plan store.
    base
        The public base URL of the site (links in the entries).
    lang
        ``de``, ``en`` or ``ls``.
    commitment
        Slug or OGP code of a commitment: only its own changes.
    limit
        At most this many entries.

    Raises
    ------
    stufenlos.plan.service.PlanNotFoundError
        No commitment ``commitment``.
    """
    from stufenlos.plan.store import PlanNotFoundError

    commitments = {c.id: {"title": c.title, "slug": c.slug, "code": c.code}
                   for c in session.scalars(select(Commitment))}
    stmt = select(AuditEntry).where(AuditEntry.public.is_(True))
    wanted: int | None = None
    if commitment is not None:
        wanted = next((cid for cid, c in commitments.items()
                       if commitment in (c["slug"], c["code"])), None)
        if wanted is None:
            msg = f"no commitment {commitment!r}"
            raise PlanNotFoundError(msg)
        stmt = stmt.where(AuditEntry.entity.in_(["commitments", *_OF_COMMITMENT]))
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    suffix = f"?lang={lang}"
    out: list[FeedEntry] = []
    for e in session.scalars(stmt):
        after = e.after or {}
        owner = e.entity_id if e.entity == "commitments" else after.get(
            _OF_COMMITMENT.get(e.entity, ""))
        if wanted is not None and owner != wanted:
            continue
        page = (f"{base}/plan/commitments/{commitments[owner]['slug']}{suffix}"
                if owner in commitments else f"{base}/plan{suffix}")
        at = e.at if e.at.tzinfo else e.at.replace(tzinfo=dt.UTC)
        out.append(FeedEntry(id=f"{base}/plan/changes/{e.id}",
                             title=change_text(e, lang, commitments=commitments),
                             updated=at, link=page,
                             category=e.entity, author=e.actor))
        if len(out) >= limit:
            break
    return out


def commitment_name(session: Session, slug: str, lang: str) -> str:
    """The title of commitment ``slug`` (slug or OGP code) in ``lang``; ``slug`` if unknown."""
    c = session.scalar(select(Commitment).where((Commitment.slug == slug)
                                                | (Commitment.code == slug)))
    return _title(c.title, lang) if c is not None else slug
