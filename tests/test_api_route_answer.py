"""The HTTP route answer: the presenter's answer byte for byte, in one language, documented,
with one closure query per request (real Hamburg data)."""

from __future__ import annotations

import json
import pickle
import socket

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from stufenlos.api.schemas import RoutePublic
from stufenlos.api.views import route_answer
from stufenlos.profiles import PRESETS
from stufenlos.registry import get_city
from stufenlos.routing.edge_values import _SEGMENT_COLUMNS, EdgeValues, _val
from stufenlos.text.route import route_lines
from tests._api_client import make_client

JUNGFERNSTIEG = (53.5528, 9.9930)
RATHAUS = (53.5505, 9.9925)
# street pairs across the extract, every profile, every language, both objectives
PAIRS = [((53.55250435, 9.99074585), (53.55002260, 9.99789540)),
         ((53.5504069, 9.99075465), (53.55210285, 9.99773915)),
         ((53.5496193, 9.9997350), (53.5528, 9.9930)),
         (JUNGFERNSTIEG, RATHAUS)]
CASES = [(o, d, prof, lang, opt)
         for i, (o, d) in enumerate(PAIRS)
         for j, prof in enumerate(PRESETS)
         for lang, opt in [(("de", "en", "ls")[(i + j) % 3], ("comfort", "distance")[j % 2])]]


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("answer"))


def _body(o, d, profile="wheelchair", lang="de", optimize="comfort") -> dict:
    return {"origin": {"lat": o[0], "lon": o[1]}, "destination": {"lat": d[0], "lon": d[1]},
            "profile": profile, "lang": lang, "optimize": optimize}


def _through_the_model(o, d, profile, lang, optimize) -> tuple[dict, bytes]:
    """The presenter's answer and its bytes as the response model encodes them."""
    city = get_city("hamburg")
    r = city.route(o, d, profile=profile, optimize=optimize)
    answer = route_answer(city, r, lang, origin=o, destination=d)
    return answer, RoutePublic.model_validate(answer).model_dump_json().encode()


@pytest.mark.parametrize(("o", "d", "profile", "lang", "optimize"), CASES)
def test_the_answer_is_the_presenters_byte_for_byte(client: TestClient, o, d, profile, lang,
                                                     optimize) -> None:
    r = client.post("/api/cities/hamburg/route", json=_body(o, d, profile, lang, optimize))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    answer, encoded = _through_the_model(o, d, profile, lang, optimize)
    assert r.content == encoded
    assert r.json() == json.loads(encoded)
    assert r.json()["properties"]["segments"] == answer["properties"]["segments"]


def test_an_avoided_closure_is_in_the_same_bytes(client: TestClient) -> None:
    city = get_city("hamburg")
    before = city.route(JUNGFERNSTIEG, RATHAUS, profile="wheelchair")
    way = before.segments()[len(before.segments()) // 2]["osm_way_id"]
    closure = city.closures.close("way", way, reason="construction")
    try:
        r = client.post("/api/cities/hamburg/route", json=_body(JUNGFERNSTIEG, RATHAUS))
        listed = r.json()["properties"]["closures"]
        assert [c["id"] for c in listed] == [closure.id]
        assert r.content == _through_the_model(JUNGFERNSTIEG, RATHAUS, "wheelchair", "de",
                                               "comfort")[1]
    finally:
        city.closures.reopen(closure.id)


def test_the_answer_holds_only_the_asked_language(client: TestClient) -> None:
    for o, d in PAIRS:
        props = client.post("/api/cities/hamburg/route", json=_body(o, d, lang="en")).json()[
            "properties"]
        route = get_city("hamburg").route(o, d, profile="wheelchair")
        german = {s for part in route_lines(route, lang="de") for s in part}
        english = route_lines(route, lang="en")
        sentences = [*props["summary"], *props["warnings"], *props["steps"]]
        assert (props["summary"], props["warnings"], props["steps"]) == tuple(english)
        assert german and not german & set(sentences), german & set(sentences)
        assert "Sie haben Ihr Ziel erreicht." in german and "You have arrived." in sentences


def test_one_closure_query_per_route_request(client: TestClient) -> None:
    client.post("/api/cities/hamburg/route", json=_body(JUNGFERNSTIEG, RATHAUS))  # warm
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        r = client.post("/api/cities/hamburg/route", json=_body(JUNGFERNSTIEG, RATHAUS))
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert r.status_code == 200
    assert len([s for s in statements if "closure_versions" in s]) == 1, statements
    assert len(statements) == 1, statements


def test_the_openapi_schema_documents_the_route_answer(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/cities/{city}/route"]["post"]
    ok = post["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/RoutePublic"}
    props = spec["components"]["schemas"]["RouteProperties"]["properties"]
    assert {"status", "summary", "steps", "segments", "closures", "unknowns"} <= set(props)
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RouteRequest"}
    assert {"404", "422"} <= set(post["responses"])


def test_edge_values_read_what_pandas_reads(imported_city) -> None:
    edges = imported_city("hamburg").network.edges
    values = EdgeValues(edges)
    rows = np.arange(len(edges))[::-1].copy()
    for col in _SEGMENT_COLUMNS:
        expect = [_val(x) for x in edges[col].iloc[rows].astype(object).tolist()]
        assert values.values(col, rows) == expect, col
    kerbs = [(edges[f"kerb_{e}_context"].notna() & edges[f"kerb_{e}_m"].isna()).to_numpy()
             for e in "uv"]
    assert (values.kerb_unknown == np.stack(kerbs)).all()
    assert pd.isna(edges["name"]).any()  # the reader's missing values are exercised


def test_the_workers_listening_socket_gives_connections_without_nagle() -> None:
    import asyncio
    from multiprocessing.reduction import ForkingPickler

    from stufenlos.cli.uvicorn_config import TcpConfig

    bound = TcpConfig(app="stufenlos.api.app:create_app", factory=True, host="127.0.0.1",
                      port=0, workers=2).bind_socket()
    # what a worker process gets: a socket of its own on the same address
    listener = pickle.loads(ForkingPickler.dumps(bound))
    assert listener.fileno() != bound.fileno()
    assert listener.getsockname() == bound.getsockname()
    assert listener.proto == socket.IPPROTO_TCP and listener.get_inheritable()
    seen: list[int] = []

    async def main() -> None:
        async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            while not seen:
                await asyncio.sleep(0.01)
            writer.close()

    try:
        asyncio.run(main())
    finally:
        bound.close()
    assert seen == [1]
