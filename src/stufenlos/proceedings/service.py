"""Running a participation proceeding: phases, fixes, contributions, comments, supports,
moderation and decisions.

Functions take an open :class:`~sqlalchemy.orm.Session` and leave committing to the
caller (:meth:`stufenlos.plan.store.PlanStore.session` commits on success and rolls
back on error, so a refused step changes nothing). Editors are the plan's editor
accounts and need its ``edit`` role; every edit, moderation and decision is written to
the plan's audit log, and the public ones appear in the plan's Atom feed. Submitted
text is cleaned and stripped of e-mail addresses and phone numbers with the report
channel's rules (:mod:`stufenlos.reports.privacy`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stufenlos.plan.commands import require_role
from stufenlos.plan.models import Editor
from stufenlos.plan.store import record
from stufenlos.proceedings.models import (
    PHASES,
    Comment,
    Contribution,
    ContributionContact,
    ContributionPhoto,
    Fix,
    Proceeding,
    Support,
)
from stufenlos.proceedings.schemas import (
    MAX_COMMENT_CHARS,
    CommentIn,
    ContributionIn,
    DecisionIn,
    PhaseError,
    PhaseIn,
    ProceedingCreate,
    ProceedingError,
    ProceedingInputError,
    ProceedingNotFoundError,
    schedule_from_starts,
)
from stufenlos.reports.errors import ReportInputError
from stufenlos.reports.privacy import (
    MAX_DESCRIPTION_CHARS,
    CleanPhoto,
    clean_email,
    clean_text,
    redact_contacts,
)

__all__ = [
    "CommentIn",
    "ContributionIn",
    "DecisionIn",
    "PhaseError",
    "PhaseIn",
    "ProceedingCreate",
    "ProceedingError",
    "ProceedingInputError",
    "ProceedingNotFoundError",
    "add_comment",
    "add_fix",
    "contribute",
    "create_proceeding",
    "decide",
    "get_proceeding",
    "moderate",
    "moderation_queue",
    "most_helped",
    "move_phase",
    "people_by_group",
    "proceeding_detail",
    "proceeding_list",
    "schedule_from_starts",
    "support",
    "supporter_hash",
]

def get_proceeding(session: Session, key: str | int) -> Proceeding:
    """The proceeding with id or slug ``key``."""
    stmt = select(Proceeding)
    if isinstance(key, int) or re.fullmatch(r"[0-9]{1,9}", key):
        stmt = stmt.where(Proceeding.id == int(key))
    else:
        stmt = stmt.where(Proceeding.slug == str(key))
    found = session.scalar(stmt)
    if found is None:
        msg = f"no proceeding {key!r}"
        raise ProceedingNotFoundError(msg)
    return found


def _get(session: Session, model: Any, item_id: int, what: str) -> Any:
    found = session.get(model, item_id)
    if found is None:
        msg = f"no {what} {item_id}"
        raise ProceedingNotFoundError(msg)
    return found


def _in_phase(p: Proceeding, *phases: str, doing: str) -> None:
    if p.phase not in phases:
        msg = (f"{doing} is open in the {' or '.join(phases)} phase; proceeding "
               f"{p.slug!r} is in the {p.phase} phase")
        raise PhaseError(msg)


def _public_contribution(c: Contribution) -> dict[str, Any]:
    """The fields of a contribution anyone may see (no contact, no client hash)."""
    return {"id": c.id, "proceeding_id": c.proceeding_id, "fix_id": c.fix_id,
            "category": c.category, "text": c.text, "lat": c.lat, "lon": c.lon,
            "address": c.address, "created_at": c.created_at.isoformat(),
            "decision": c.decision, "decision_reason": c.decision_reason or {},
            "decided_at": c.decided_at.isoformat() if c.decided_at else None}


def _fix_dict(f: Fix) -> dict[str, Any]:
    return {"id": f.id, "proceeding_id": f.proceeding_id, "position": f.position,
            "title": f.title, "change": f.change, "lat": f.lat, "lon": f.lon,
            "effect": f.effect, "effect_note": f.effect_note, "decision": f.decision,
            "decision_reason": f.decision_reason or {},
            "decided_at": f.decided_at.isoformat() if f.decided_at else None}


def _proceeding_dict(p: Proceeding) -> dict[str, Any]:
    return {"id": p.id, "slug": p.slug, "city": p.city, "title": p.title,
            "description": p.description, "body": p.body, "area": p.area, "phase": p.phase,
            "phases": list(PHASES), "schedule": p.schedule, "category": p.category,
            "budget_min": p.budget_min, "result": p.result or {},
            "created_at": p.created_at.isoformat(), "updated_at": p.updated_at.isoformat()}


def _touch(p: Proceeding) -> None:
    p.updated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)


# ---------------------------------------------------------------- editors


def create_proceeding(session: Session, editor: Editor, data: ProceedingCreate) -> Proceeding:
    """Create a proceeding in the information phase (needs the ``edit`` role)."""
    require_role(editor, "edit")
    if session.scalar(select(Proceeding.id).where(Proceeding.slug == data.slug)) is not None:
        from stufenlos.plan.store import PlanConflictError

        msg = f"proceeding {data.slug!r} exists already"
        raise PlanConflictError(msg)
    p = Proceeding(slug=data.slug, city=data.city, title=data.title,
                   description=data.description, body=data.body, area=data.area,
                   phase="information",
                   schedule={k: v.model_dump(mode="json") for k, v in data.schedule.items()},
                   category=data.category, budget_min=data.budget_min, result={})
    session.add(p)
    session.flush()
    record(session, actor=editor.username, action="create", obj=p,
           summary=f"proceeding {p.slug}: {p.title.get('en') or p.title.get('de')}",
           after=_proceeding_dict(p))
    return p


def add_fix(session: Session, editor: Editor, proceeding: str | int, *,
            change: dict[str, Any], effect: list[dict[str, Any]], note: str,
            location: tuple[float, float] | None,
            title: dict[str, str] | None = None) -> Fix:
    """Add a planned fix with its computed effect (:func:`~stufenlos.proceedings.effects.
    compute_effect`); open in the information and participation phases."""
    require_role(editor, "edit")
    p = get_proceeding(session, proceeding)
    _in_phase(p, "information", "participation", doing="adding a fix")
    from stufenlos.proceedings.effects import change_title

    position = int(session.scalar(select(func.count(Fix.id))
                                  .where(Fix.proceeding_id == p.id)) or 0)
    fix = Fix(proceeding_id=p.id, position=position, title=title or change_title(change),
              change=change, lat=location[0] if location else None,
              lon=location[1] if location else None, effect=effect, effect_note=note,
              decision_reason={})
    session.add(fix)
    session.flush()
    _touch(p)
    helped = ", ".join(f"{r['profile']}: {r.get('gained_population', 0):g}" for r in effect)
    record(session, actor=editor.username, action="create", obj=fix,
           summary=f"proceeding {p.slug}: fix {fix.title.get('en')} (people gaining access "
                   f"{helped or 'not computed'})", after=_fix_dict(fix))
    return fix


def move_phase(session: Session, editor: Editor, proceeding: str | int,
               data: PhaseIn) -> Proceeding:
    """Move a proceeding to the next phase (never back, never skipping one)."""
    require_role(editor, "edit")
    p = get_proceeding(session, proceeding)
    now, wanted = PHASES.index(p.phase), PHASES.index(data.phase)
    if wanted != now + 1:
        msg = (f"proceeding {p.slug!r} is in the {p.phase} phase; it can only move on to "
               f"{PHASES[now + 1] if now + 1 < len(PHASES) else 'nothing (it is finished)'}")
        raise PhaseError(msg)
    before = _proceeding_dict(p)
    p.phase = data.phase
    if data.phase == "result":
        p.result = data.result
    _touch(p)
    record(session, actor=editor.username, action="update", obj=p, before=before,
           summary=f"proceeding {p.slug}: {before['phase']} phase -> {p.phase} phase",
           after=_proceeding_dict(p))
    return p


def decide(session: Session, editor: Editor, target: Literal["fix", "contribution"],
           item_id: int, data: DecisionIn) -> Fix | Contribution:
    """Answer a fix or a published contribution (evaluation and result phases)."""
    require_role(editor, "edit")
    model = Fix if target == "fix" else Contribution
    item = _get(session, model, item_id, target)
    if isinstance(item, Contribution) and item.status != "published":
        msg = f"contribution {item_id} is not published"
        raise ProceedingNotFoundError(msg)
    p = _get(session, Proceeding, item.proceeding_id, "proceeding")
    _in_phase(p, "evaluation", "result", doing="deciding")
    before = _fix_dict(item) if isinstance(item, Fix) else _public_contribution(item)
    item.decision = data.decision
    item.decision_reason = data.reason
    item.decided_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _touch(p)
    reason = data.reason.get("en") or data.reason.get("de") or ""
    label = item.title.get("en") if isinstance(item, Fix) else f"#{item.id}"
    words = data.decision.replace("_", " ")
    record(session, actor=editor.username, action="decide", obj=item, before=before,
           summary=f"proceeding {p.slug}: {target} {label} {words}"
                   + (f": {reason}" if reason else ""),
           after=_fix_dict(item) if isinstance(item, Fix) else _public_contribution(item))
    return item


# ---------------------------------------------------------------- the public


def _clean(text: str, max_chars: int) -> str:
    """Plain text without markup, e-mail addresses or phone numbers (as in reports)."""
    cleaned = redact_contacts(clean_text(text, field="text", max_chars=max_chars))
    if not cleaned:
        msg = "is empty once markup is removed"
        raise ReportInputError(msg, field="text")
    return cleaned


def contribute(session: Session, proceeding: str | int, data: ContributionIn, *,
               client: str, photo: CleanPhoto | None = None) -> Contribution:
    """Store a contribution (status ``submitted``: public only once a moderator publishes it).

    The text is cleaned and stripped of e-mail addresses and phone numbers; the optional
    e-mail goes to its own table; a photo must come through
    :func:`stufenlos.reports.privacy.clean_photo`. A contribution with an address but no
    point is placed where the address names exactly one street of the city.
    """
    p = get_proceeding(session, proceeding)
    _in_phase(p, "participation", doing="contributing")
    text = _clean(data.text, MAX_DESCRIPTION_CHARS)
    address = clean_text(data.address, field="address", max_chars=400, multiline=False) or None
    email = clean_email(data.email)
    lat, lon = data.lat, data.lon
    if data.fix_id is not None:
        fix = session.get(Fix, data.fix_id)
        if fix is None or fix.proceeding_id != p.id:
            msg = f"proceeding {p.slug!r} has no fix {data.fix_id}"
            raise ProceedingNotFoundError(msg)
        if lat is None:
            lat, lon = fix.lat, fix.lon
    if lat is None and address:
        from stufenlos.reports.routing_effect import locate_address

        place = locate_address(p.city, address).place
        if place is not None:
            lat, lon = round(place.lat, 7), round(place.lon, 7)
    c = Contribution(proceeding_id=p.id, fix_id=data.fix_id, category=data.category, text=text,
                     lat=lat, lon=lon, address=address, status="submitted",
                     decision_reason={}, client_hash=client)
    session.add(c)
    session.flush()
    if email:
        session.add(ContributionContact(contribution_id=c.id, email=email))
    if photo is not None:
        session.add(ContributionPhoto(contribution_id=c.id, content_type=photo.content_type,
                                      width=photo.width, height=photo.height, data=photo.data))
    # not public until moderated: the feed must not carry unchecked text
    record(session, actor="public", action="submit", obj=c, public=False,
           summary=f"proceeding {p.slug}: contribution #{c.id} ({c.category}) submitted",
           after={"id": c.id, "category": c.category, "photo": photo is not None})
    return c


def add_comment(session: Session, contribution_id: int, data: CommentIn, *,
                client: str) -> Comment:
    """Store a comment on a published contribution (pre-moderated, like contributions)."""
    c = _get(session, Contribution, contribution_id, "contribution")
    if c.status != "published":
        msg = f"no contribution {contribution_id}"
        raise ProceedingNotFoundError(msg)
    p = _get(session, Proceeding, c.proceeding_id, "proceeding")
    _in_phase(p, "participation", doing="commenting")
    text = _clean(data.text, MAX_COMMENT_CHARS)
    comment = Comment(contribution_id=c.id, text=text, status="submitted", client_hash=client)
    session.add(comment)
    session.flush()
    record(session, actor="public", action="submit", obj=comment, public=False,
           summary=f"proceeding {p.slug}: comment #{comment.id} on contribution #{c.id}",
           after={"id": comment.id, "contribution_id": c.id})
    return comment


def supporter_hash(token: str, *, salt: str) -> str:
    """The stored stand-in for a supporter's token (salted SHA-256; the token is never kept)."""
    return hashlib.sha256(f"{salt}|support|{token}".encode()).hexdigest()


def support(session: Session, target: Literal["fix", "contribution"], item_id: int, *,
            supporter: str) -> tuple[bool, int]:
    """Count one person's support of a fix or a published contribution, once.

    Returns
    -------
    counted, total
        Whether this support was new, and the target's supports now.
    """
    model = Fix if target == "fix" else Contribution
    item = _get(session, model, item_id, target)
    if isinstance(item, Contribution) and item.status != "published":
        msg = f"no contribution {item_id}"
        raise ProceedingNotFoundError(msg)
    p = _get(session, Proceeding, item.proceeding_id, "proceeding")
    _in_phase(p, "participation", doing="supporting")
    counted = True
    try:
        with session.begin_nested():
            session.add(Support(proceeding_id=p.id, target=target, target_id=item_id,
                                supporter=supporter))
    except IntegrityError:  # this person supported it already
        counted = False
    return counted, _support_count(session, target, item_id)


def _support_count(session: Session, target: str, item_id: int) -> int:
    return int(session.scalar(select(func.count(Support.id)).where(
        Support.target == target, Support.target_id == item_id)) or 0)


def _support_counts(session: Session, proceeding_id: int) -> dict[tuple[str, int], int]:
    rows = session.execute(
        select(Support.target, Support.target_id, func.count(Support.id))
        .where(Support.proceeding_id == proceeding_id)
        .group_by(Support.target, Support.target_id)).all()
    return {(t, int(i)): int(n) for t, i, n in rows}


# ---------------------------------------------------------------- moderation


def moderation_queue(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Contributions and comments waiting for a moderator, oldest first."""
    contributions = session.scalars(select(Contribution).where(
        Contribution.status == "submitted").order_by(Contribution.id)).all()
    comments = session.scalars(select(Comment).where(
        Comment.status == "submitted").order_by(Comment.id)).all()
    photos = set(session.scalars(select(ContributionPhoto.contribution_id).where(
        ContributionPhoto.contribution_id.in_([c.id for c in contributions]))))
    return {
        "contributions": [_public_contribution(c) | {"status": c.status,
                                                      "photo": c.id in photos}
                          for c in contributions],
        "comments": [{"id": m.id, "contribution_id": m.contribution_id, "text": m.text,
                      "created_at": m.created_at.isoformat()} for m in comments],
    }


def moderate(session: Session, target: Literal["contribution", "comment"], item_id: int, *,
             publish: bool, actor: str) -> Contribution | Comment:
    """Publish or reject a submitted contribution or comment."""
    model = Contribution if target == "contribution" else Comment
    item = _get(session, model, item_id, target)
    if item.status != "submitted":
        msg = f"{target} {item_id} is {item.status} already"
        raise PhaseError(msg)
    item.status = "published" if publish else "rejected"
    if isinstance(item, Contribution):
        item.moderated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        slug = _get(session, Proceeding, item.proceeding_id, "proceeding").slug
    else:
        parent = _get(session, Contribution, item.contribution_id, "contribution")
        slug = _get(session, Proceeding, parent.proceeding_id, "proceeding").slug
    record(session, actor=actor, action="publish" if publish else "reject", obj=item,
           public=publish,
           summary=f"proceeding {slug}: {target} #{item.id} "
                   f"{'published' if publish else 'rejected'}",
           after={"id": item.id, "status": item.status})
    return item


# ---------------------------------------------------------------- reading


def proceeding_list(session: Session) -> list[dict[str, Any]]:
    """Every proceeding with its fixes and how many contributions are public, newest first."""
    out = []
    for p in session.scalars(select(Proceeding).order_by(Proceeding.id.desc())):
        counts = _support_counts(session, p.id)
        fixes = session.scalars(select(Fix).where(Fix.proceeding_id == p.id)
                                .order_by(Fix.position)).all()
        published = int(session.scalar(select(func.count(Contribution.id)).where(
            Contribution.proceeding_id == p.id, Contribution.status == "published")) or 0)
        out.append(_proceeding_dict(p) | {
            "fixes": [_fix_dict(f) | {"supports": counts.get(("fix", f.id), 0)} for f in fixes],
            "contributions": published})
    return out


def people_by_group(effect: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """People who newly gain access, per profile and population group, from a fix's
    stored effect: ``{"wheelchair": {"population": 812.0, "age65": 160.0, ...}}``."""
    return {r["profile"]: {k.removeprefix("gained_"): float(v or 0.0) for k, v in r.items()
                           if k.startswith("gained_")} for r in effect}


def most_helped(fix: dict[str, Any]) -> float:
    """The most people a fix gives access, over the profiles of its stored effect (the
    key "sorted by people helped" orders by; no scenario is run)."""
    return max((float(r.get("gained_population") or 0.0) for r in fix["effect"]), default=0.0)


#: how a proceeding's fixes may be ordered: as planned, or most people helped first
FixOrder = Literal["position", "helped"]


def proceeding_detail(session: Session, key: str | int, *,
                      order: FixOrder = "position") -> dict[str, Any]:
    """A proceeding with its fixes, published contributions and comments, supports and
    decisions (nothing unmoderated, no contact data).

    ``order="helped"`` lists the fixes with the most people helped first (by their
    stored effects; ties keep the planned order).
    """
    p = get_proceeding(session, key)
    counts = _support_counts(session, p.id)
    fixes = session.scalars(select(Fix).where(Fix.proceeding_id == p.id)
                            .order_by(Fix.position)).all()
    contributions = session.scalars(select(Contribution).where(
        Contribution.proceeding_id == p.id, Contribution.status == "published")
        .order_by(Contribution.id)).all()
    ids = [c.id for c in contributions]
    comments: dict[int, list[dict[str, Any]]] = {}
    for m in session.scalars(select(Comment).where(
            Comment.contribution_id.in_(ids), Comment.status == "published")
            .order_by(Comment.id)):
        comments.setdefault(m.contribution_id, []).append(
            {"id": m.id, "text": m.text, "created_at": m.created_at.isoformat()})
    photos = set(session.scalars(select(ContributionPhoto.contribution_id).where(
        ContributionPhoto.contribution_id.in_(ids))))
    out = _proceeding_dict(p) | {
        "fixes": [_fix_dict(f) | {"supports": counts.get(("fix", f.id), 0)} for f in fixes],
        "contributions": [_public_contribution(c) | {
            "supports": counts.get(("contribution", c.id), 0),
            "comments": comments.get(c.id, []), "photo": c.id in photos}
            for c in contributions],
    }
    if order == "helped":
        out["fixes"].sort(key=lambda f: -most_helped(f))  # stable: ties keep position
    out["outcome"] = _outcome(out) if p.phase == "result" else None
    return out


ADOPTED = ("adopted", "adopted_in_part")


def _outcome(d: dict[str, Any]) -> dict[str, Any]:
    """The published result: every decision with its reason and supports, and for each
    adopted fix the people it helps (gaining access, per profile and group)."""
    def answer(item: dict[str, Any]) -> dict[str, Any]:
        return {"id": item["id"], "decision": item["decision"],
                "reason": item["decision_reason"], "supports": item["supports"]}

    return {
        "text": d["result"],
        "fixes": [answer(f) | {"title": f["title"], "people_helped": people_by_group(
            f["effect"]) if f["decision"] in ADOPTED else {}} for f in d["fixes"]],
        "contributions": [answer(c) for c in d["contributions"]],
    }


def photo_of(session: Session, contribution_id: int) -> ContributionPhoto:
    """The photo of a published contribution."""
    c = session.get(Contribution, contribution_id)
    found = session.get(ContributionPhoto, contribution_id)
    if c is None or c.status != "published" or found is None:
        msg = f"no photo of contribution {contribution_id}"
        raise ProceedingNotFoundError(msg)
    return found
