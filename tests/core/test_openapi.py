"""The OpenAPI schema generates cleanly and the API docs render without a CDN."""

import re

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import reset_generator_stats

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings_and_validates(tmp_path):
    """As `manage.py spectacular --validate --fail-on-warn` in CI would."""
    reset_generator_stats()
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for path in [
        "/api/teams/",
        "/api/skill-categories/",
        "/api/skills/{id}/",
        "/api/people/",
        "/api/people/{id}/",
        "/api/people/{id}/deactivate/",
        "/api/person-skills/{id}/validate/",
        "/api/learning-goals/",
        "/api/initiatives/",
        "/api/assignments/{id}/finish/",
    ]:
        assert path in paths, path
    people_params = {p["name"] for p in paths["/api/people/"]["get"]["parameters"]}
    assert {"search", "team", "skill", "min_level", "active", "page"} <= people_params


def test_schema_endpoint_serves_the_schema(api_as):
    response = api_as("stakeholder").get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/people/" in response.content


def test_api_docs_render_from_local_assets_only(client_as):
    response = client_as("data_scientist").get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    external = re.findall(r"""(?:src|href)=["'](https?:)?//""", html)
    assert not external, "the docs page must not load anything from another host"
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    client = client_as(None)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        assert body
