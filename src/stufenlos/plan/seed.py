"""The Hamburg OGP Local action plan 2022–2024, in our own words (German and English).

Facts come from the plan's public pages at the Open Government Partnership
(the plan, its two commitment pages and the independent monitor's inception
report). Where those pages give no figure or date, the field stays empty
(``None``) and the pages say "not recorded" instead of showing a guess.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stufenlos.plan.models import (
    ActionPlan,
    Assessment,
    Body,
    CoCreationFigure,
    Commitment,
    DialogueEvent,
    Meeting,
    Milestone,
    Stakeholder,
)
from stufenlos.plan.service import record

__all__ = ["PLAN_SLUG", "SOURCES", "seed_hamburg"]

logger = logging.getLogger(__name__)

PLAN_SLUG = "hamburg-2022-2024"
_OGP = "https://www.opengovpartnership.org"
#: where the seeded facts come from
SOURCES = {
    "plan": f"{_OGP}/members/hamburg-germany/",
    "DEHHB0001": f"{_OGP}/members/hamburg-germany/commitments/DEHHB0001",
    "DEHHB0002": f"{_OGP}/members/hamburg-germany/commitments/dehhb0002",
    "inception": f"{_OGP}/members/hamburg-germany/",
}

SENATSKANZLEI = "Senatskanzlei Hamburg – Amt für IT und Digitalisierung"
KOERBER = "Körber-Stiftung"
CIVITALIS = "Civitalis GmbH"
MONITOR = "Unabhängiges Monitoring (Stiftung Datenschutz)"


def _t(de: str, en: str) -> dict[str, str]:
    return {"de": de, "en": en}


_INSTITUTIONS = [
    {"name": SENATSKANZLEI, "role": "lead"},
    {"name": KOERBER, "role": "civil_society"},
    {"name": CIVITALIS, "role": "supporting"},
]

_COMMITMENTS: list[dict[str, Any]] = [
    {
        "slug": "data-dialogues",
        "code": "DEHHB0001",
        "title": _t("Datendialoge durchführen", "Carrying out data dialogues"),
        "problem": _t(
            "Alle erzeugen und nutzen täglich Daten, doch die Debatte darüber ist oft abstrakt "
            "und gilt als Thema für Fachleute. Viele finden keinen Zugang und haben Sorgen, "
            "die niemand aufgreift.",
            "Everyone creates and uses data every day, yet the debate about it is often "
            "abstract and treated as a topic for experts. Many people find no way in, and "
            "their worries go unanswered.",
        ),
        "action": _t(
            "Die Senatskanzlei lädt mit Partnern zu einer Reihe von Datendialogen ein (der Plan "
            "nennt vier Veranstaltungen): Räume, in denen Verwaltung und Zivilgesellschaft über "
            "Daten sprechen, mit wechselnden Themen und Zielgruppen. Bestehende Hamburger "
            "Initiativen zur Datenkompetenz werden eingebunden.",
            "The Senate Chancellery and partners host a series of data dialogues (the plan "
            "names four events): spaces where administration and civil society talk about "
            "data, with changing topics and audiences. Existing Hamburg initiatives on data "
            "literacy are brought in.",
        ),
        "expected_results": _t(
            "Mehr Datenkompetenz, verständliche Daten für alle Gruppen und gemeinsam "
            "entwickelte Handlungsansätze für Hamburg.",
            "More data literacy, data that every group can understand, and approaches for "
            "Hamburg developed together.",
        ),
        "ogp_values": ["access_to_information", "civic_participation"],
        "milestones": [
            {
                "slug": "dd-events",
                "feature": None,
                "title": _t("Datendialoge veranstalten", "Hold the data-dialogue events"),
                "description": _t(
                    "Die Reihe begann im März 2023. Wie viele Veranstaltungen stattfanden, "
                    "ist hier nicht erfasst.",
                    "The series started in March 2023. How many events took place is not "
                    "recorded here.",
                ),
                "status": "in_progress",
            },
            {
                "slug": "dd-explainers",
                "feature": "explainers",
                "title": _t(
                    "Jeder Datensatz in verständlicher Sprache erklärt",
                    "Every dataset explained in plain language",
                ),
                "description": _t(
                    "stufenlos erklärt jeden veröffentlichten Datensatz auf Deutsch, Englisch "
                    "und in Leichter Sprache, mit Glossar.",
                    "stufenlos explains every dataset it publishes in German, English and "
                    "easy-read German, with a glossary.",
                ),
                "status": "in_progress",
            },
        ],
    },
    {
        "slug": "mobility",
        "code": "DEHHB0002",
        "title": _t(
            "Mobilitätsangebote zugänglicher und sichtbarer machen",
            "Improving accessibility and visibility of mobility services",
        ),
        "problem": _t(
            "Mobilität öffnet Wege zu Arbeit, Freizeit und anderen Menschen. Gruppen stoßen "
            "dabei auf verschiedene Hürden, doch heutige Fahrgastinformationen gehen nur "
            "teilweise auf individuelle Bedürfnisse ein.",
            "Mobility opens the way to work, leisure and other people. Different groups meet "
            "different obstacles, yet today's public-transport information takes individual "
            "needs only partly into account.",
        ),
        "action": _t(
            "Bereits öffentliche Daten nutzen, um die Mobilität von Menschen mit "
            "eingeschränkter Mobilität, älteren und benachteiligten Menschen zu verbessern: "
            "umfassendere Informationszugänge (etwa eine Infostele oder ein "
            "Barriere-Informationssystem) gemeinsam mit den Betroffenen gestalten, in offenen "
            "Formaten veröffentlichen, Meldewege einrichten und Beteiligung ermöglichen.",
            "Use data that is already public to improve mobility for people with reduced "
            "mobility, older people and disadvantaged groups: design fuller information access "
            "points (such as an information pillar or a barrier information system) with the "
            "people affected, publish in open formats, set up reporting channels and open the "
            "process to participation.",
        ),
        "expected_results": _t(
            "Bessere Verfügbarkeit von Mobilitätsdaten, weniger Ausgrenzung, mehr "
            "gesellschaftliche Rechenschaft und Bewusstsein für die Hürden verschiedener Gruppen.",
            "Better availability of mobility data, less marginalisation, stronger social "
            "accountability and awareness of the obstacles different groups face.",
        ),
        "ogp_values": [
            "access_to_information",
            "civic_participation",
            "technology_and_innovation",
        ],
        "milestones": [
            {
                "slug": "mob-working-group",
                "feature": None,
                "title": _t(
                    "Arbeitsgruppe Mobilität mit Betroffenen",
                    "Working group on mobility with the people affected",
                ),
                "description": _t(
                    "Die Arbeitsgruppe Mobilität traf sich erstmals im Februar 2023.",
                    "The mobility working group first met in February 2023.",
                ),
                "status": "done",
                "evidence": [{"label": "Inception report (OGP)", "url": SOURCES["inception"]}],
            },
            {
                "slug": "mob-barrier-information",
                "feature": "barriers",
                "title": _t("Barriere-Informationssystem", "Barrier information system"),
                "description": _t(
                    "Stufen, Bordsteine, Steigungen, Engstellen, Aufzüge und gemeldete "
                    "Hindernisse mit Quelle, Status und Alter, offen veröffentlicht.",
                    "Steps, kerbs, slopes, narrow passages, elevators and reported obstacles "
                    "with source, status and age, published openly.",
                ),
                "status": "in_progress",
            },
            {
                "slug": "mob-information-pillar",
                "feature": "pillar",
                "title": _t("Infostele je Haltestelle", "Information pillar per stop"),
                "description": _t(
                    "Große Schrift: nächste Abfahrten, stufenlose Wege, Aufzugsstatus.",
                    "Large print: next departures, step-free ways, elevator status.",
                ),
                "status": "in_progress",
            },
            {
                "slug": "mob-reporting-channel",
                "feature": "reports",
                "title": _t("Meldeweg für Barrieren", "Reporting channel for barriers"),
                "description": _t(
                    "Alle können Barrieren und defekte Aufzüge melden, auch anonym; die Stadt "
                    "antwortet öffentlich.",
                    "Anyone can report barriers and broken elevators, also anonymously; the "
                    "city answers in public.",
                ),
                "status": "in_progress",
            },
            {
                "slug": "mob-open-formats",
                "feature": "catalog",
                "title": _t("Offene Formate und Datenkatalog", "Open formats and data catalogue"),
                "description": _t(
                    "Alle Daten als GeoJSON, CSV und JSON, beschrieben im DCAT-AP.de-Katalog.",
                    "All data as GeoJSON, CSV and JSON, described in the DCAT-AP.de catalogue.",
                ),
                "status": "in_progress",
            },
        ],
    },
]

_INCEPTION_TEXT = _t(
    "Das unabhängige Monitoring stufte die Verpflichtung als überprüfbar und relevant für "
    "die OGP-Werte ein: eine positive Veränderung einer Praxis, aber keine verbindliche "
    "Regelung für die Verwaltung.",
    "The independent monitor found the commitment verifiable and relevant to OGP values: a "
    "positive change to a practice, but not a binding change across government.",
)
_END_TEXT = _t(
    "Der Abschlussbericht zur Verpflichtung ist veröffentlicht. Sein Umsetzungsgrad ist hier "
    "noch nicht erfasst.",
    "The end-of-commitment report is published. Its completion level is not recorded here yet.",
)

_BODIES: list[dict[str, Any]] = [
    {
        "slug": "steering-group",
        "kind": "steering_group",
        "name": _t("Steuerungsgruppe", "Steering group"),
        "description": _t(
            "Leitet den OGP-Local-Prozess gemeinsam: das Amt für IT und Digitalisierung der "
            "Senatskanzlei und die Körber-Stiftung als zivilgesellschaftliche Partnerin.",
            "Leads the OGP Local process jointly: the Senate Chancellery's department for IT "
            "and digitalisation and the Körber-Stiftung as civil-society partner.",
        ),
        "members": [SENATSKANZLEI, KOERBER],
        "meeting_rhythm": {},
    },
    {
        "slug": "forum",
        "kind": "forum",
        "name": _t("Multi-Stakeholder-Forum", "Multi-stakeholder forum"),
        "description": _t(
            "Raum für Beteiligung mit Zivilgesellschaft, Verwaltung und Wissenschaft; "
            "Kern sind Senatskanzlei und Körber-Stiftung.",
            "A space for participation with civil society, administration and academia; "
            "the Senate Chancellery and the Körber-Stiftung are its core.",
        ),
        "members": [SENATSKANZLEI, KOERBER],
        "meeting_rhythm": {},
        "meetings": [
            {
                "date": dt.date(2022, 10, 5),
                "title": _t("Forumssitzung in der Ko-Kreation", "Forum meeting during co-creation"),
                "decisions": {},
                "minutes_url": None,
            }
        ],
    },
    {
        "slug": "working-group-mobility",
        "kind": "working_group",
        "name": _t("Arbeitsgruppe Mobilität", "Working group on mobility"),
        "description": _t(
            "Begleitet die Mobilitätsverpflichtung DEHHB0002 mit Betroffenen; erstes Treffen "
            "im Februar 2023.",
            "Accompanies the mobility commitment DEHHB0002 with the people affected; first met "
            "in February 2023.",
        ),
        "members": [],
        "meeting_rhythm": _t("vierteljährlich", "quarterly"),
    },
]

_STAKEHOLDERS = [
    (SENATSKANZLEI, "government", _t("federführend", "lead institution")),
    (KOERBER, "civil_society", _t("zivilgesellschaftliche Partnerin", "civil-society partner")),
    (CIVITALIS, "private_sector", _t("beteiligte Institution", "institution involved")),
    (
        "Hochschule (Studierende Public Management)",
        "academia",
        _t("bewertete Verpflichtungen in der Ko-Kreation", "evaluated draft commitments"),
    ),
]

_COCREATION = [
    (
        "academia",
        40,
        None,
        _t(
            "Studierende des Public Managements bewerteten die Entwürfe der Verpflichtungen.",
            "Public-management students evaluated the draft commitments.",
        ),
    ),
    (
        "all",
        None,
        7,
        _t(
            "Ko-Kreation über fünf Monate mit sieben Treffen; Teilnehmendenzahl nicht erfasst.",
            "Five months of co-creation with seven meetings; number of participants not recorded.",
        ),
    ),
    ("civil_society", None, None, _t("nicht erfasst", "not recorded")),
    ("government", None, None, _t("nicht erfasst", "not recorded")),
]


def seed_hamburg(session: Session, *, actor: str = "seed") -> bool:
    """Insert the Hamburg 2022–2024 plan unless it is there; ``True`` when inserted."""
    if session.scalar(select(ActionPlan).where(ActionPlan.slug == PLAN_SLUG)):
        logger.info("plan %s exists; nothing to seed", PLAN_SLUG)
        return False
    plan = ActionPlan(
        slug=PLAN_SLUG,
        title=_t(
            "Aktionsplan Hamburg 2022–2024 (OGP Local)",
            "Hamburg action plan 2022–2024 (OGP Local)",
        ),
        summary=_t(
            "Hamburgs erster Aktionsplan im Programm OGP Local der Open Government "
            "Partnership, gemeinsam entwickelt von Verwaltung, Zivilgesellschaft und "
            "Wissenschaft. Zwei Verpflichtungen: Datendialoge und zugänglichere "
            "Mobilitätsangebote.",
            "Hamburg's first action plan in the Open Government Partnership's OGP Local "
            "programme, developed by administration, civil society and academia together. "
            "Two commitments: data dialogues and more accessible mobility services.",
        ),
        government="Freie und Hansestadt Hamburg",
        submitted_on=dt.date(2022, 11, 30),
        start_date=None,
        end_date=dt.date(2024, 12, 31),
        url=SOURCES["plan"],
    )
    session.add(plan)
    session.flush()
    record(session, actor=actor, action="create", obj=plan, summary="action plan Hamburg 2022–2024")
    for pos, spec in enumerate(_COMMITMENTS):
        c = Commitment(
            plan_id=plan.id,
            position=pos,
            slug=spec["slug"],
            code=spec["code"],
            title=spec["title"],
            problem=spec["problem"],
            action=spec["action"],
            expected_results=spec["expected_results"],
            institutions=_INSTITUTIONS,
            ogp_values=spec["ogp_values"],
            start_date=dt.date(2023, 1, 1),
            end_date=dt.date(2024, 10, 31),
        )
        session.add(c)
        session.flush()
        record(session, actor=actor, action="create", obj=c, summary=f"commitment {c.code}")
        for mpos, ms in enumerate(spec["milestones"]):
            m = Milestone(commitment_id=c.id, position=mpos, **ms)
            session.add(m)
            session.flush()
            record(session, actor=actor, action="create", obj=m, summary=f"milestone {m.slug}")
        for kind, text in (("inception", _INCEPTION_TEXT), ("end_of_commitment", _END_TEXT)):
            a = Assessment(
                commitment_id=c.id,
                kind=kind,
                verifiable=True if kind == "inception" else None,
                relevant=True if kind == "inception" else None,
                completion=None,
                text=text,
                published=None,
                author=MONITOR,
            )
            session.add(a)
            session.flush()
            record(session, actor=actor, action="create", obj=a, summary=f"{c.code}: {kind}")
    for spec in _BODIES:
        meetings = spec.get("meetings", [])
        b = Body(plan_id=plan.id, **{k: v for k, v in spec.items() if k != "meetings"})
        session.add(b)
        session.flush()
        record(session, actor=actor, action="create", obj=b, summary=f"body {b.slug}")
        for ms in meetings:
            m = Meeting(body_id=b.id, **ms)
            session.add(m)
            session.flush()
            record(session, actor=actor, action="create", obj=m, summary=f"{b.slug}: meeting")
    for name, sector, role in _STAKEHOLDERS:
        s = Stakeholder(plan_id=plan.id, name=name, sector=sector, role=role, endorsed=None)
        session.add(s)
        session.flush()
        record(session, actor=actor, action="create", obj=s, summary=f"stakeholder {name}")
    for sector, participants, meetings_n, note in _COCREATION:
        f = CoCreationFigure(
            plan_id=plan.id,
            sector=sector,
            participants=participants,
            meetings=meetings_n,
            note=note,
        )
        session.add(f)
        session.flush()
        record(session, actor=actor, action="create", obj=f, summary=f"co-creation: {sector}")
    event = DialogueEvent(
        slug="data-dialogue-kickoff-2023",
        topic=_t("Auftakt der Datendialoge", "Kick-off of the data dialogues"),
        audience=_t(
            "Öffentlichkeit, Zivilgesellschaft, Verwaltung", "Public, civil society, administration"
        ),
        date=None,
        place="Hamburg",
        online=False,
        materials=[],
        outcomes=_t(
            "Erste Veranstaltung der Reihe im März 2023; genaues Datum und Ergebnisse sind hier "
            "nicht erfasst.",
            "First event of the series in March 2023; exact date and outcomes are not "
            "recorded here.",
        ),
    )
    session.add(event)
    session.flush()
    record(session, actor=actor, action="create", obj=event, summary="data dialogue kick-off")
    logger.info("seeded plan %s", PLAN_SLUG)
    return True
