"""The one Atom 1.0 writer of the app: plan changes, report histories, area alerts.

Every feed is built from :class:`FeedEntry` values by :func:`atom_feed`, on top
of ``feedgen`` (a well-kept writer of valid RFC 4287 documents); texts lose the
characters XML cannot hold, so a stray control character in a report or plan
text cannot break a feed. Features that publish changes (the plan, reports,
participation) only produce entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from stufenlos._util import xml_text

__all__ = ["ATOM_MEDIA_TYPE", "FeedEntry", "atom_feed"]

ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: a change, written for people.

    Parameters
    ----------
    id
        A permanent, unique IRI (the entry's ``atom:id``).
    title
        One sentence saying what happened.
    updated
        When it happened (timezone-aware).
    link
        The page that shows the changed thing.
    summary
        Optional further text.
    category
        Optional term (e.g. ``milestone`` or a report status).
    author
        Who made the change; ``stufenlos`` when nobody is named.
    """

    id: str
    title: str
    updated: dt.datetime
    link: str
    summary: str = ""
    category: str | None = None
    author: str = "stufenlos"


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def atom_feed(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    page_url: str,
    entries: Iterable[FeedEntry],
    language: str = "de",
    updated: dt.datetime | None = None,
) -> bytes:
    """An Atom 1.0 document with ``entries``, newest first.

    Parameters
    ----------
    feed_id, title
        The feed's ``atom:id`` and title.
    self_url, page_url
        Where the feed itself and the page it follows are.
    entries
        In any order; the document lists them newest first.
    language
        ``xml:lang`` of the texts (``de``, ``en``).
    updated
        The feed's ``updated``; default the newest entry's time (an empty feed:
        the Unix epoch, so the same data always gives the same document).

    Returns
    -------
    bytes
        UTF-8 XML.
    """
    from feedgen.feed import FeedGenerator

    items = sorted(entries, key=lambda e: (_aware(e.updated), e.id))
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(xml_text(title))
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.language(language)
    fg.author({"name": "stufenlos"})
    fg.generator("stufenlos")
    newest = _aware(items[-1].updated) if items else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    fg.updated(_aware(updated) if updated is not None else newest)
    for e in items:  # feedgen prepends each entry: adding oldest first lists newest first
        fe = fg.add_entry()
        fe.id(e.id)
        fe.title(xml_text(e.title))
        fe.updated(_aware(e.updated))
        fe.published(_aware(e.updated))
        fe.author({"name": xml_text(e.author)})
        fe.link(href=e.link, rel="alternate", type="text/html")
        if e.category:
            fe.category(term=xml_text(e.category))
        fe.summary(xml_text(e.summary or e.title))
    return fg.atom_str(pretty=True)
