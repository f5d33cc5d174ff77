"""The console shows the services' messages (sentence fragments such as "no city with id 'x'") as
sentences, on error pages and in refusals alike; the API's problem details keep them as they are."""

from __future__ import annotations

from collections.abc import Callable

from console_support import Client

from matchmaker.web.console.render import environment


def test_an_error_page_and_a_refusal_start_with_a_capital_letter(
    ro_client: Client, ro_sign_in: Callable[[str], str]
) -> None:
    token = ro_sign_in("staff")
    missing = ro_client.get("/cities/atlantis")
    assert missing.status_code == 404
    assert '<p role="alert">No city with id &#39;atlantis&#39;</p>' in missing.text
    assert "Ministry staff" in missing.text, "the signed-in header"

    api = ro_client.get("/api/v1/cities/atlantis", headers={"Authorization": f"Bearer {token}"})
    assert api.json()["detail"] == "no city with id 'atlantis'"

    refused = ro_client.post("/users/invite", data={"role": "mayor", "email": "mayor@example.org"})
    assert 'class="flash flash-error" role="alert">Role must be one of' in refused.text

    upload = ro_client.post("/upload", files={"file": ("data.jsonl", b"{}\n", "application/jsonl")})
    assert 'id="upload-error">Cannot tell the record kind' in upload.text

    ro_sign_in("city")
    forbidden = ro_client.get("/dashboard")
    assert forbidden.status_code == 403
    assert '<p role="alert">Your role may not open this page</p>' in forbidden.text


def test_a_message_starting_with_a_name_keeps_the_name_as_written() -> None:
    macros = environment().get_template("console/macros.html").module
    assert str(macros.sentence("no city with id 'x'")) == "No city with id &#39;x&#39;"  # type: ignore[attr-defined]
    assert str(macros.sentence("eGov week ended on 2 May")) == "eGov week ended on 2 May"  # type: ignore[attr-defined]
    assert str(macros.sentence("iOS app missing")) == "iOS app missing"  # type: ignore[attr-defined]
