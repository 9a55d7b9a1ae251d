"""The moderation queue at a glance: city, photo (moderators only), what accepting will do."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from stufenlos.api.app import create_app
from stufenlos.api.routes.open311 import report_service
from stufenlos.config import discover_cities
from stufenlos.reports import Submission
from stufenlos.reports.privacy import clean_photo


@pytest.fixture
def client(tmp_path, monkeypatch) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "var"))
    with TestClient(create_app()) as c:
        yield c
    from stufenlos.api.routes import open311

    svc = open311._services.pop(url, None)
    if svc is not None:
        svc.store.close()


def _jpeg() -> bytes:  # synthetic test image
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def test_queue_shows_city_photo_and_effect(client: TestClient) -> None:
    svc = report_service()
    token = svc.add_moderator("Mod")
    report = svc.submit(Submission(service_code="other", lat=53.5530, lon=9.9936,
                                   jurisdiction="hamburg", description="Poller mitten im Weg",
                                   photo=clean_photo(_jpeg())), client="c")
    photo_url = f"/moderation/api/reports/{report.id}/photo"
    # not public and not for anyone without a moderator's credentials
    assert client.get(photo_url).status_code == 401
    assert client.get(f"/open311/v2/media/{report.id}.jpg").status_code == 404
    auth = {"Authorization": f"Bearer {token}"}
    r = client.get(photo_url, headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.content)).size == (64, 48)
    assert "no-store" in r.headers["cache-control"]
    client.cookies.set("stufenlos_moderator", svc.open_session(svc.authenticate_token(token)))
    page = client.get("/moderation?lang=en").text
    assert f'src="{photo_url}"' in page
    assert f'alt="Photo of report {report.id}"' in page
    title = discover_cities()["hamburg"].title  # the bundled city's own name
    assert f"<dt>City</dt><dd>{title}</dd>" in page
    assert "<dt>What accepting will do</dt>" in page
    assert "closes nothing" in page
    assert "53.55300, 9.99360" in page  # the place in text, not only on the map
    easy = client.get("/moderation?lang=ls").text
    assert "Das passiert beim Annehmen" in easy
