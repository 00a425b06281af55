"""The favicon and the web app manifest answer at their fixed addresses, and every icon the manifest
names is there, of the size it says."""

import io
import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

pytestmark = pytest.mark.django_db


def test_the_favicon_is_an_icon_at_the_sites_root(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])


def test_the_manifest_makes_the_portal_installable(client: Client) -> None:
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["short_name"] == "simrenew"
    assert manifest["name"]
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/de/"
    assert manifest["theme_color"] == "#1f5fbf"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, f"{icon['src']} is not a static file"
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"], icon["src"]
            assert image.format == "PNG"


def test_every_portal_page_links_the_icons_and_the_manifest(client: Client) -> None:
    html = client.get("/en/login/").content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in html
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'rel="apple-touch-icon"' in html
