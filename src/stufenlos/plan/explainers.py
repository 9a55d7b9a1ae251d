"""Plain-language explainers of every published dataset, and the glossary.

Each explainer answers four questions — what it is, where it comes from, how
fresh it is, what it cannot tell you — in German (``de``), English (``en``)
and easy-read German (``ls``, Leichte Sprache: short sentences, one idea per
sentence, common words). The keys match the dataset keys of
:mod:`stufenlos.catalog`, and a test checks that every dataset has one.
"""

from __future__ import annotations

from typing import Final

__all__ = ["EXPLAINERS", "GLOSSARY", "LANGUAGES", "QUESTIONS"]

#: language codes: German, English, easy-read German (Leichte Sprache)
LANGUAGES: Final = ("de", "en", "ls")
QUESTIONS: Final = ("what", "source", "freshness", "limits")

Text = dict[str, str]


def _q(de: str, en: str, ls: str) -> Text:
    return {"de": de, "en": en, "ls": ls}


EXPLAINERS: Final[dict[str, dict[str, Text]]] = {
    "network": {
        "title": _q("Fußwegenetz", "Pedestrian network", "Die Wege zum Gehen"),
        "what": _q(
            "Alle Gehwege, Wege, Treppen, Übergänge und Aufzüge einer Stadt als Netz aus Punkten "
            "und Strecken, mit Breite, Belag, Steigung und Bordsteinen, soweit bekannt.",
            "Every footway, path, stair, crossing and elevator of a city as a network of points "
            "and segments, with width, surface, incline and kerbs where known.",
            "Das sind alle Wege zum Gehen in einer Stadt. Auch Treppen und Aufzüge. "
            "Wir wissen oft: Wie breit ist der Weg? Ist er steil?",
        ),
        "source": _q(
            "OpenStreetMap, von Freiwilligen erfasst (© OpenStreetMap-Mitwirkende, ODbL).",
            "OpenStreetMap, mapped by volunteers (© OpenStreetMap contributors, ODbL).",
            "Die Daten kommen von OpenStreetMap. Das ist eine Karte. "
            "Viele Menschen tragen dort Wege ein. Sie machen das freiwillig.",
        ),
        "freshness": _q(
            "So aktuell wie der letzte Import der Stadt; das Importdatum steht in den Metadaten.",
            "As fresh as the city's last import; the metadata show the import date.",
            "Wir holen die Daten ab und zu neu. Wir schreiben dazu: wann zuletzt.",
        ),
        "limits": _q(
            "Viele Wege haben keine Angaben zu Bordsteinhöhe, Breite oder Steigung. Solche "
            "Lücken zeigen wir als „unbekannt“, nicht als „barrierefrei“.",
            "Many ways lack kerb height, width or incline. We show such gaps as “unknown”, "
            "never as “step-free”.",
            "Bei vielen Wegen fehlt etwas. Zum Beispiel: Wie hoch ist der Bordstein? "
            "Dann schreiben wir: Das wissen wir nicht.",
        ),
    },
    "barriers": {
        "title": _q("Barrieren", "Barriers", "Hindernisse auf dem Weg"),
        "what": _q(
            "Stufen, hohe Bordsteine, steile Stellen, Engstellen, schlechter Belag, Aufzüge, "
            "Rampen und gemeldete Hindernisse, jeweils mit Ort, Art, Quelle und Alter.",
            "Steps, high kerbs, steep spots, narrow passages, bad surfaces, elevators, ramps "
            "and reported obstacles, each with place, kind, source and age.",
            "Hier stehen Hindernisse. Zum Beispiel: Stufen. Hohe Bordsteine. Steile Wege. "
            "Wir schreiben auch: Wo ist das Hindernis? Woher wissen wir das?",
        ),
        "source": _q(
            "Aus dem Fußwegenetz (OpenStreetMap) abgeleitet und um bestätigte Meldungen ergänzt.",
            "Derived from the pedestrian network (OpenStreetMap), plus confirmed reports.",
            "Die Daten kommen aus OpenStreetMap. Und von Menschen, die uns etwas melden.",
        ),
        "freshness": _q(
            "Karten-Barrieren: Stand des letzten Imports. Meldungen: sobald sie bestätigt sind.",
            "Map barriers: as of the last import. Reports: as soon as they are confirmed.",
            "Meldungen zeigen wir sofort, wenn sie geprüft sind.",
        ),
        "limits": _q(
            "Was niemand erfasst oder gemeldet hat, fehlt. Ein Weg ohne Barriere-Eintrag ist "
            "nicht sicher barrierefrei.",
            "What nobody mapped or reported is missing. A way without a barrier entry is not "
            "guaranteed to be step-free.",
            "Manche Hindernisse kennen wir nicht. Dann fehlen sie hier. "
            "Bitte melden Sie uns Hindernisse.",
        ),
    },
    "elevators": {
        "title": _q("Aufzugsstatus", "Elevator status", "Geht der Aufzug?"),
        "what": _q(
            "Ob Aufzüge an Haltestellen und Bahnhöfen gerade funktionieren, mit Zeitpunkt der "
            "letzten Meldung.",
            "Whether elevators at stops and stations work right now, with the time of the last "
            "status report.",
            "Hier steht: Geht der Aufzug am Bahnhof? Oder ist er kaputt?",
        ),
        "source": _q(
            "Statusmeldungen der Betreiber (zum Beispiel DB Station&Service, CC BY 4.0) und "
            "Meldungen von Fahrgästen.",
            "Status feeds of the operators (for example DB Station&Service, CC BY 4.0) and "
            "reports of passengers.",
            "Die Bahn sagt uns: Dieser Aufzug geht. Oder: Er geht nicht. "
            "Fahrgäste können uns das auch sagen.",
        ),
        "freshness": _q(
            "Minuten bis Stunden alt; jede Angabe zeigt ihr Alter.",
            "Minutes to hours old; every value shows its age.",
            "Wir schreiben immer dazu: Wie alt ist die Nachricht?",
        ),
        "limits": _q(
            "Nicht alle Betreiber melden; ein Aufzug ohne Meldung hat den Status „unbekannt“.",
            "Not every operator reports; an elevator without a report has status “unknown”.",
            "Manche Aufzüge melden nichts. Dann wissen wir nicht, ob sie gehen.",
        ),
    },
    "reports": {
        "title": _q("Meldungen", "Reports", "Meldungen von Menschen"),
        "what": _q(
            "Gemeldete Barrieren und defekte Aufzüge, mit Status (offen, bestätigt, behoben) "
            "und der öffentlichen Antwort der Stadt; ohne persönliche Daten.",
            "Reported barriers and broken elevators, with status (open, confirmed, fixed) and "
            "the city's public answer; without personal data.",
            "Menschen melden Hindernisse. Die Stadt antwortet. Alle können das lesen. "
            "Namen zeigen wir nicht.",
        ),
        "source": _q(
            "Meldungen über stufenlos (Open311 GeoReport v2), auch anonym.",
            "Reports made through stufenlos (Open311 GeoReport v2), anonymous ones included.",
            "Die Meldungen kommen über stufenlos. Sie können ohne Namen melden.",
        ),
        "freshness": _q(
            "Sofort: jede Meldung und jede Antwort erscheint, sobald sie gespeichert ist.",
            "Immediate: every report and every answer appears as soon as it is stored.",
            "Neue Meldungen sehen Sie sofort.",
        ),
        "limits": _q(
            "Meldungen zeigen, wo Menschen Probleme bemerkt haben, nicht wo alle Probleme sind.",
            "Reports show where people noticed problems, not where all problems are.",
            "Nicht jedes Hindernis wird gemeldet.",
        ),
    },
    "analysis": {
        "title": _q(
            "Erreichbarkeits-Analysen", "Accessibility analyses", "Was kann man erreichen?"
        ),
        "what": _q(
            "Wie viele Menschen (etwa ab 65) Arztpraxen, Apotheken, Läden, stufenlose "
            "Haltestellen und Toiletten je Stadtteil stufenlos erreichen.",
            "How many people (such as those aged 65+) reach doctors, pharmacies, shops, "
            "step-free stops and toilets per district without steps.",
            "Wir rechnen aus: Kommen ältere Menschen ohne Stufen zum Arzt? "
            "Zur Apotheke? Zum Einkaufen? Das zeigen wir für jeden Stadtteil.",
        ),
        "source": _q(
            "Berechnet aus Fußwegenetz, Barrieren und amtlicher Bevölkerungsstatistik "
            "(z. B. Statistikamt Nord).",
            "Computed from the pedestrian network, barriers and official population statistics "
            "(e.g. Statistikamt Nord).",
            "Wir rechnen mit den Wegen, den Hindernissen und mit Zahlen der Stadt über die "
            "Menschen.",
        ),
        "freshness": _q(
            "Neu berechnet nach jedem Import; Bevölkerungszahlen haben ihr eigenes Stichjahr.",
            "Recomputed after every import; population figures have their own reference year.",
            "Wir rechnen neu, wenn es neue Daten gibt.",
        ),
        "limits": _q(
            "Ein Modell: Es nimmt Gehgeschwindigkeit und Grenzen eines Profils an und kennt "
            "unbekannte Barrieren nicht.",
            "A model: it assumes one profile's speed and limits and cannot know unknown barriers.",
            "Das ist eine Rechnung. Die Wirklichkeit kann anders sein.",
        ),
    },
    "ogc-places": {
        "title": _q("Parkplätze und Park-and-Ride", "Parking and park-and-ride",
                    "Park-Plätze"),
        "what": _q(
            "Behindertenparkplätze, Park-and-Ride-Anlagen und Parkhäuser mit der Zahl ihrer "
            "Stellplätze für Menschen mit Behinderung und, wo angegeben, ob sie barrierefrei "
            "sind.",
            "Disabled parking spaces, park-and-ride facilities and car parks with their number "
            "of spaces for disabled people and, where given, whether they are step-free.",
            "Hier steht: Wo gibt es Park-Plätze für Menschen mit Behinderung? "
            "Wie viele gibt es dort?",
        ),
        "source": _q(
            "Die Urban Data Platform der Stadt (OGC API Features), unter der Lizenz der Stadt "
            "(etwa Datenlizenz Deutschland – Namensnennung 2.0).",
            "The city's Urban Data Platform (OGC API Features), under the city's licence "
            "(such as Data licence Germany – attribution 2.0).",
            "Die Daten kommen von der Stadt. Die Stadt stellt sie ins Internet.",
        ),
        "freshness": _q(
            "So aktuell wie die Antwort der Plattform beim letzten Import; ihr Zeitstempel "
            "steht bei jedem Ort. Eine gespeicherte Antwort kann nur eine Stichprobe sein.",
            "As fresh as the platform's answer at the last import; its time stamp is given "
            "with every place. A saved answer may be only a sample.",
            "Bei jedem Ort steht: Wann haben wir das von der Stadt geholt?",
        ),
        "limits": _q(
            "Freie Plätze ändern sich laufend und werden nicht übernommen. Ob ein Parkplatz "
            "stufenlos zu erreichen ist, sagt die Quelle meist nicht.",
            "Free spaces change all the time and are not kept. The source mostly does not say "
            "whether a space can be reached without steps.",
            "Wir wissen nicht: Ist gerade ein Platz frei? Oft wissen wir auch nicht: "
            "Gibt es Stufen auf dem Weg?",
        ),
    },
    "action-plan": {
        "title": _q("Aktionsplan", "Action plan", "Der Plan der Stadt"),
        "what": _q(
            "Der Open-Government-Aktionsplan: Verpflichtungen, Meilensteine, Quartalsberichte, "
            "Gremien, Beschlüsse und die Bewertungen des unabhängigen Monitorings.",
            "The open-government action plan: commitments, milestones, quarterly updates, "
            "bodies, decisions and the independent monitor's assessments.",
            "Die Stadt hat einen Plan. Sie hat etwas versprochen. "
            "Hier sehen Sie: Was hat die Stadt schon geschafft?",
        ),
        "source": _q(
            "Der veröffentlichte Plan und die Berichte der Open Government Partnership, in "
            "eigenen Worten; Aktualisierungen durch die zuständigen Redaktionen.",
            "The published plan and the Open Government Partnership's reports, in our own "
            "words; updates by the responsible editors.",
            "Die Stadt schreibt hier, was sie macht. Jede Änderung wird gespeichert.",
        ),
        "freshness": _q(
            "Jede Änderung erscheint sofort und im Atom-Feed.",
            "Every change appears at once and in the Atom feed.",
            "Änderungen sehen Sie sofort.",
        ),
        "limits": _q(
            "Wo die Quellen keine Zahl oder kein Datum nennen, steht „nicht erfasst“.",
            "Where the sources give no figure or date, it says “not recorded”.",
            "Manchmal fehlt eine Zahl. Dann steht da: nicht erfasst.",
        ),
    },
    "proceedings": {
        "title": _q("Beteiligungsverfahren", "Participation proceedings", "Mitreden"),
        "what": _q(
            "Geplante Maßnahmen eines Gebiets, jede mit den Menschen, denen sie Zugang gibt, "
            "dazu Beiträge, Kommentare, Unterstützungen und die Entscheidungen der Stelle.",
            "Planned fixes in an area, each with the people it gives access, with "
            "contributions, comments, supports and the responsible body's decisions.",
            "Die Stadt plant Umbauten. Sie können dazu etwas schreiben. "
            "Die Stadt sagt dann: Das machen wir. Oder: Das machen wir nicht. Und warum.",
        ),
        "source": _q(
            "Die Maßnahmen und ihre Wirkung berechnet die Was-wäre-wenn-Analyse aus dem "
            "Fußwegenetz und der Bevölkerungsstatistik; Beiträge schreiben Menschen anonym.",
            "The fixes and their effect come from the what-if analysis of the footpath "
            "network and population statistics; people write contributions anonymously.",
            "Ein Computer rechnet: Wem hilft ein Umbau? Die Beiträge schreiben Menschen. "
            "Ohne Namen.",
        ),
        "freshness": _q(
            "Beiträge erscheinen, sobald die Moderation sie geprüft hat; Entscheidungen sofort "
            "und im Atom-Feed.",
            "Contributions appear once moderators have checked them; decisions at once and "
            "in the Atom feed.",
            "Ein Beitrag wird erst geprüft. Dann sehen ihn alle.",
        ),
        "limits": _q(
            "Die Zahl der Menschen ist eine Schätzung: Einwohner eines Stadtteils gelten als "
            "gleichmäßig verteilt. Eine Unterstützung zählt einmal je Browser, nicht je Person.",
            "The number of people is an estimate: residents of a district count as spread "
            "evenly. A support counts once per browser, not per person.",
            "Die Zahlen sind geschätzt. Sie sind nicht ganz genau.",
        ),
    },
}

#: accessibility terms used across the app, with the OSM tag they come from
GLOSSARY: Final[dict[str, dict[str, object]]] = {
    "step-free": {
        "term": _q("stufenlos", "step-free", "ohne Stufen"),
        "osm": None,
        "text": _q(
            "Ohne Stufen, Treppen und hohe Kanten, also mit Rollstuhl, Rollator oder "
            "Kinderwagen passierbar.",
            "Without steps, stairs or high edges, so passable with a wheelchair, walker or pram.",
            "Es gibt keine Stufen. Man kommt mit dem Rollstuhl durch.",
        ),
    },
    "kerb": {
        "term": _q("Bordstein", "kerb", "Bordstein"),
        "osm": "kerb",
        "text": _q(
            "Die Kante zwischen Gehweg und Fahrbahn. Abgesenkt („lowered“) meist etwa 3 cm, "
            "bündig („flush“) 0 cm, hoch („raised“) darüber.",
            "The edge between footway and road. Lowered usually about 3 cm, flush 0 cm, "
            "raised above that.",
            "Der Bordstein ist die Kante am Gehweg. Manchmal ist die Kante hoch. "
            "Dann ist es schwer mit dem Rollstuhl.",
        ),
    },
    "incline": {
        "term": _q("Steigung", "incline", "steiler Weg"),
        "osm": "incline",
        "text": _q(
            "Wie steil ein Weg ist, in Prozent: 6 % heißt 6 m Höhe auf 100 m Länge.",
            "How steep a way is, in percent: 6 % means 6 m of height over 100 m of length.",
            "Ein Weg kann bergauf gehen. Dann ist er steil. Das ist schwer mit dem Rollstuhl.",
        ),
    },
    "tactile-paving": {
        "term": _q("Blindenleitsystem", "tactile paving", "Rillen im Boden"),
        "osm": "tactile_paving",
        "text": _q(
            "Platten mit Rillen oder Noppen, die blinde Menschen mit Stock oder Füßen ertasten.",
            "Slabs with grooves or studs that blind people feel with a cane or their feet.",
            "Im Boden sind Rillen. Blinde Menschen fühlen die Rillen mit dem Stock.",
        ),
    },
    "surface": {
        "term": _q("Belag", "surface", "Boden vom Weg"),
        "osm": "surface",
        "text": _q(
            "Woraus der Weg besteht: Asphalt, Pflaster, Kopfsteinpflaster, Kies, Erde.",
            "What the way is made of: asphalt, paving stones, cobblestones, gravel, earth.",
            "Der Boden kann glatt sein. Oder holprig. Holprig ist schwer mit dem Rollstuhl.",
        ),
    },
    "width": {
        "term": _q("Breite", "width", "Wie breit ist der Weg?"),
        "osm": "width",
        "text": _q(
            "Die nutzbare Breite eines Wegs in Metern; für Rollstühle sind 0,90 m das Minimum "
            "an Engstellen.",
            "The usable width of a way in metres; wheelchairs need at least 0.90 m at narrow "
            "points.",
            "Ein Rollstuhl braucht Platz. Ein enger Weg ist schlecht.",
        ),
    },
    "elevator": {
        "term": _q("Aufzug", "elevator", "Aufzug"),
        "osm": "highway=elevator",
        "text": _q(
            "Verbindet Ebenen ohne Stufen. Sein aktueller Status (in Betrieb oder gestört) "
            "ändert, welche Wege möglich sind.",
            "Connects levels without steps. Its current status (working or out of order) "
            "changes which routes are possible.",
            "Ein Aufzug fährt nach oben und nach unten. Manchmal ist er kaputt.",
        ),
    },
    "ramp": {
        "term": _q("Rampe", "ramp", "Rampe"),
        "osm": "ramp",
        "text": _q(
            "Eine schräge Fläche statt Stufen; ihre Steigung entscheidet, wer sie nutzen kann.",
            "A slope instead of steps; its incline decides who can use it.",
            "Eine Rampe ist ein schräger Weg. Man braucht keine Stufen.",
        ),
    },
    "signalised-crossing": {
        "term": _q("Ampelübergang mit Signal", "signalised crossing", "Ampel, die piept"),
        "osm": "traffic_signals:sound",
        "text": _q(
            "Eine Ampel, die Grün auch hörbar oder fühlbar anzeigt (Ton, Vibration).",
            "A traffic light that also signals green by sound or vibration.",
            "Manche Ampeln machen ein Geräusch bei Grün. Das hilft blinden Menschen.",
        ),
    },
    "unknown": {
        "term": _q("unbekannt", "unknown", "wissen wir nicht"),
        "osm": None,
        "text": _q(
            "Für diese Eigenschaft gibt es keine Daten. stufenlos sagt das offen, statt zu "
            "raten, und Sie entscheiden, wie unbekannte Stellen behandelt werden.",
            "There is no data for this property. stufenlos says so openly instead of guessing, "
            "and you decide how unknown spots are treated.",
            "Manchmal haben wir keine Daten. Dann raten wir nicht. Wir sagen es Ihnen.",
        ),
    },
    "information-pillar": {
        "term": _q("Infostele", "information pillar", "Info-Säule"),
        "osm": None,
        "text": _q(
            "Eine Seite je Haltestelle in großer Schrift: nächste Abfahrten, stufenlose Wege, "
            "Aufzugsstatus.",
            "A large-print page per stop: next departures, step-free ways, elevator status.",
            "Eine Seite für jede Haltestelle. Mit großer Schrift.",
        ),
    },
}
