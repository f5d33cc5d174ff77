"""Every main page of the console, for each role, passes axe-core and can be used from the keyboard.

Public bodies are held to WCAG 2.1 AA. axe-core (bundled by ``axe-playwright-python``) checks each page
against the WCAG 2.0/2.1 A and AA rules; a violation of impact "serious" or "critical" fails the test, and
the failure names the rule and the elements. One test per role visits that role's pages in one browser
page, so the whole audit costs three sign-ins.

Forms shown again after a refusal, the users page after an invitation and the error pages are
audited the same way, and a refusal must be announced to a screen reader as the page shows it; the
field a refusal names must be marked invalid and described by the refusal's message.

The keyboard checks are the cheap ones: every visible form control can be reached with Tab (nothing
takes it out of the tab order), and the element the Tab key lands on shows a focus outline with 3:1
contrast against the colour around it (axe-core does not check focus indicators).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from e2e_support import CITY_ID, PAST_EVENT, PROVIDER_ID, PUBLISHED_EVENT
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

#: The WCAG 2.1 A and AA rule sets of axe-core.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
#: How many Tab presses the focus check makes on each page (the header, the navigation and the first
#: controls of the page: enough to see the outline on links, buttons and fields).
TABS = 25

#: A city's and a provider's own pages: home (its record), profile, requests, agendas, availability.
PARTICIPANT_PAGES = [
    "/",
    "/me/profile",
    "/me/requests",
    "/me/agenda",
    f"/me/agenda/{PUBLISHED_EVENT}/agenda",
    "/me/availability",
]
PAGES: dict[str, list[str]] = {
    "staff": [
        "/dashboard",
        "/cities",
        f"/cities/{CITY_ID}",
        f"/cities/{CITY_ID}/edit",
        f"/providers/{PROVIDER_ID}",
        "/upload",
        "/events",
        f"/events/{PUBLISHED_EVENT}",
        f"/events/{PUBLISHED_EVENT}/requests",
        f"/events/{PUBLISHED_EVENT}/schedule",
        f"/events/{PAST_EVENT}/feedback",
        f"/events/{PUBLISHED_EVENT}/edit",
        f"/events/{PUBLISHED_EVENT}/agenda/{CITY_ID}",
        "/users",
    ],
    "city": [*PARTICIPANT_PAGES, "/providers", f"/providers/{PROVIDER_ID}"],
    "provider": [*PARTICIPANT_PAGES, "/cities", f"/cities/{CITY_ID}"],
}

_AXE = Axe()


def axe_problems(page: Page) -> list[str]:
    """The serious and critical axe-core violations on the page, one line per rule with its elements."""
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        nodes = "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:8])
        more = len(violation["nodes"]) - 8
        problems.append(
            f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} elements): {nodes}"
            + (f" and {more} more" if more > 0 else "")
        )
    return problems


_UNREACHABLE_CONTROLS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(el => el.checkVisibility() && !el.disabled && (el.tabIndex < 0 || el.closest('[inert]')))
  .map(el => el.outerHTML.slice(0, 120))"""

# Tab stops inside a date or time field's own calendar button leave the field itself unfocused
# (``:focus`` is false on it); Chromium draws its focus ring on that button, out of reach of the page's
# styles and of getComputedStyle, so those stops are not judged here.
_FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (el.matches('input[type=date], input[type=time]') && !el.matches(':focus')) return {outlined: true};
  const style = getComputedStyle(el);
  const html = el.outerHTML.slice(0, 120);
  const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  if (!outlined) return {outlined: style.boxShadow !== 'none', html};
  // The outline is drawn just outside the element: compare its colour with what is painted there.
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lin = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const box = el.getBoundingClientRect();
  const gap = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth) / 2;
  const x = box.left - gap > 0 ? box.left - gap : box.right + gap;
  let behind = [255, 255, 255];
  for (const under of document.elementsFromPoint(x, box.top + box.height / 2)) {
    if (el.contains(under)) continue;
    const colour = rgb(getComputedStyle(under).backgroundColor);
    if (colour.length === 3 || colour[3] > 0) { behind = colour; break; }
  }
  const [light, dark] = [lum(rgb(style.outlineColor)), lum(behind)].sort((a, b) => b - a);
  return {outlined: true, contrast: (light + 0.05) / (dark + 0.05), html};
}"""
#: WCAG 2.1 1.4.11: a focus indicator needs 3:1 against the colour next to it.
FOCUS_CONTRAST = 3.0


_STRUCTURE = """() => {
  const problems = [];
  const mains = document.querySelectorAll('main, [role=main]').length;
  if (mains !== 1) problems.push(`${mains} main landmarks (a screen reader's "skip to main" needs one)`);
  const h1s = document.querySelectorAll('h1').length;
  if (h1s !== 1) problems.push(`${h1s} level-1 headings`);
  if (!document.documentElement.lang) problems.push('no language on <html>');
  return problems;
}"""


def structure_problems(page: Page) -> list[str]:
    """One main landmark, one level-1 heading and a page language: what screen readers navigate by."""
    problems: list[str] = page.evaluate(_STRUCTURE)
    return problems


def keyboard_problems(page: Page) -> list[str]:
    """Controls left out of the tab order, and Tab stops whose focus outline is missing or too faint."""
    problems = [f"not reachable with Tab: {html}" for html in page.evaluate(_UNREACHABLE_CONTROLS)]
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(TABS):
        page.keyboard.press("Tab")
        focus: Any = page.evaluate(_FOCUS_STYLE)
        if focus is None:
            break
        if not focus["outlined"]:
            problems.append(f"no visible focus: {focus['html']}")
        elif focus.get("contrast", FOCUS_CONTRAST) < FOCUS_CONTRAST:
            problems.append(f"focus outline contrast {focus['contrast']:.2f}:1: {focus['html']}")
    return problems


def page_problems(page: Page) -> list[str]:
    """Everything wrong with the page as it is shown now."""
    page.wait_for_load_state("networkidle")
    return axe_problems(page) + structure_problems(page) + keyboard_problems(page)


def audit(page: Page, paths: list[str]) -> dict[str, list[str]]:
    """Open each page and collect its problems, by page."""
    found: dict[str, list[str]] = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None
        assert response.ok, f"{path} answered {response.status}"
        problems = page_problems(page)
        if problems:
            found[path] = problems
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}:\n  " + "\n  ".join(problems) for path, problems in found.items())


def test_the_signin_page_is_accessible(page: Page) -> None:
    found = audit(page, ["/signin"])
    assert not found, report(found)


@pytest.mark.parametrize("role", ["staff", "city", "provider"])
def test_each_roles_pages_are_accessible(page: Page, sign_in: Callable[[str], None], role: str) -> None:
    sign_in(role)
    found = audit(page, PAGES[role])
    assert not found, report(found)


# A page loaded with a message already in it is not read out because of a polite live region
# (role="status"): screen readers announce changes to one, not its first content. An alert is read
# out, and so is the description of a field marked invalid when the user reaches it.
_REFUSAL_ANNOUNCED = """() => {
  const said = (el) => el && el.checkVisibility() && el.textContent.trim() !== '';
  const alerts = [...document.querySelectorAll('[role=alert]')].filter(said);
  const fields = [...document.querySelectorAll('[aria-invalid=true]')].filter((el) =>
    (el.getAttribute('aria-describedby') || '').split(/\\s+/)
      .some((id) => said(document.getElementById(id))));
  return alerts.length + fields.length > 0;
}"""


# What a screen reader says of the field named ``name`` when the user reaches it: whether it is
# invalid, and the text of what describes it.
_FIELD_SAID = """(name) => {
  const fields = [...document.getElementsByName(name)]
    .filter((el) => el.getAttribute('aria-invalid') === 'true');
  if (fields.length !== 1) return null;
  return (fields[0].getAttribute('aria-describedby') || '').split(/\\s+/)
    .map((id) => document.getElementById(id)).filter((el) => el && el.checkVisibility())
    .map((el) => el.textContent.trim()).join(' ');
}"""


def refusal_problems(
    page: Page, refuse: Callable[[], None], status: int, field: str | None = None
) -> list[str]:
    """Send a form the service refuses (``refuse`` fills it in and submits it), then audit the page
    that shows it again: besides the checks of every page, the refusal must be announced, and the
    ``field`` it names (by its name on the form) must be the one field of that name marked invalid
    and described by the refusal's message."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        refuse()
    assert answer.value.status == status, f"{answer.value.url} answered {answer.value.status}"
    problems = page_problems(page)
    if not page.evaluate(_REFUSAL_ANNOUNCED):
        problems.append("the refusal is not announced: no alert, and no invalid field described by it")
    if field is not None:
        said = page.evaluate(_FIELD_SAID, field)
        alert = page.get_by_role("alert").first.text_content() or ""
        if said is None:
            problems.append(f"the refused field {field!r} is not marked invalid")
        elif alert.strip() not in said:
            problems.append(f"the refused field {field!r} is not described by the refusal: {said!r}")
    return problems


def submit_unchecked(page: Page, form: str, values: dict[str, str]) -> None:
    """Fill in the form's fields named in ``values`` and send it, past the browser's own checks (they
    would stop the value before the service sees it: the service must refuse it all the same)."""
    page.locator(form).evaluate(
        """(form, values) => {
          form.noValidate = true;
          for (const [name, value] of Object.entries(values)) {
            const field = form.elements.namedItem(name);
            if (field.type === 'number') field.type = 'text';
            field.readOnly = false;
            field.value = value;
          }
        }""",
        values,
    )
    page.locator(form).locator("button[type=submit]").last.click()


def shown(page: Page, path: str, status: int) -> list[str]:
    """The problems of ``path``, which answers with ``status`` (an error page)."""
    response = page.goto(path)
    assert response is not None
    assert response.status == status, f"{path} answered {response.status}"
    return page_problems(page)


def test_forms_shown_again_after_a_refusal_and_the_error_pages_are_accessible(
    page: Page, sign_in: Callable[[str], None]
) -> None:
    """A refused form comes back with what was typed and the reason: the page must be as usable as
    when first shown, and a screen reader must say the form was refused. The error pages too."""
    found: dict[str, list[str]] = {}
    found["/invite/<unknown link>"] = shown(page, "/invite/no-such-link", 400)
    sign_in("staff")
    page.goto(f"/cities/{CITY_ID}/edit")
    found["city record edit, refused"] = refusal_problems(
        page, lambda: submit_unchecked(page, "#record-edit", {"population": "many"}), 422, "population"
    )
    page.goto(f"/events/{PUBLISHED_EVENT}/edit")
    found["event settings, refused"] = refusal_problems(
        page, lambda: submit_unchecked(page, "#edit-event", {"breaks": "lunch"}), 422, "breaks"
    )
    page.goto("/users")
    found["users, invitation to no address refused"] = refusal_problems(
        page,
        lambda: submit_unchecked(
            page, "form[action='/users/invite']", {"role": "staff", "subject": "", "email": "new.staff"}
        ),
        422,
        "email",
    )
    found["users, invitation refused"] = refusal_problems(
        page,
        lambda: submit_unchecked(
            page,
            "form[action='/users/invite']",
            {"role": "city", "subject": "Nowhere", "email": "a@b.example"},
        ),
        422,
        "subject",
    )
    page.get_by_label("Role").select_option("staff")
    page.get_by_label("City or provider (id or name; not for staff)").fill("")
    page.get_by_label("E-mail address").fill("new.staff@ministry.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("heading", name="Sign-in links just queued")).to_be_visible()
    found["users, invitation sent"] = page_problems(page)
    found["/cities/<unknown>"] = shown(page, "/cities/no-such-city", 404)
    page.get_by_role("button", name="Sign out").click()
    sign_in("city")
    found["/users as a city"] = shown(page, "/users", 403)
    page.goto("/me/requests")
    found["meeting request, refused"] = refusal_problems(
        page, lambda: submit_unchecked(page, "form[action='/me/requests'] >> nth=0", {"recipient": ""}), 422
    )
    page.goto("/me/profile")
    found["city profile, refused"] = refusal_problems(
        page,
        lambda: submit_unchecked(page, "form[action='/me/profile']", {"population": "many"}),
        422,
        "population",
    )
    found = {where: problems for where, problems in found.items() if problems}
    assert not found, report(found)


_COUNT_REGION = "() => document.querySelector('#result-count').closest('[aria-live], [role=status]')"


def test_a_screen_reader_hears_the_new_count_when_a_filter_changes_the_list(
    page: Page, sign_in: Callable[[str], None]
) -> None:
    """Screen readers announce changes inside a live region that was already in the page; a region put
    in its place by the update is new to them and stays silent. So the live region that says how many
    records match must stay the same element, and hold the count alone (not the whole list)."""
    sign_in("staff")
    page.goto("/cities")
    region = page.evaluate_handle(_COUNT_REGION).as_element()
    assert region is not None, "the count of results is in no live region"
    region.evaluate("el => { el.dataset.seenBefore = 'yes'; }")
    page.get_by_label("Country").select_option("TR")
    expect(page.locator(".record-title")).to_have_count(3)
    expect(page.locator("#result-count")).to_have_text("3 results")
    region = page.evaluate_handle(_COUNT_REGION).as_element()
    assert region is not None, "the count of results is in no live region after the update"
    assert region.get_attribute("data-seen-before") == "yes", "the count's live region was replaced"
    assert region.inner_text().strip() == "3 results"


def test_a_screen_reader_hears_when_a_background_job_is_done(
    page: Page, sign_in: Callable[[str], None]
) -> None:
    """The job page follows its job by itself; the line that says its state must be a live region that
    stays in the page, so the change to "Done" is announced."""
    sign_in("staff")
    page.get_by_role("button", name="Rebuild every index in the background").click()
    expect(page).to_have_url(re.compile(r"/jobs/"))
    state = page.get_by_role("status")
    expect(state).to_have_count(1)
    state.evaluate("el => { el.dataset.seenBefore = 'yes'; }")
    expect(page.locator("#job")).to_have_attribute("data-state", "done", timeout=60_000)
    expect(state).to_have_text("Done")
    assert state.get_attribute("data-seen-before") == "yes", "the job's live region was replaced"


def test_a_meetings_move_form_opened_in_the_grid_or_on_its_own_page_is_accessible(
    page: Page, sign_in: Callable[[str], None]
) -> None:
    """The schedule tab fetches a meeting's move form (every slot and table) when Move is opened,
    rather than carrying one in every meeting's cell. Opened from the keyboard, the form is in the
    cell and its first field has the focus; the page that holds the form alone (what the meeting's
    link opens without scripts) is audited too."""
    sign_in("staff")
    page.goto(f"/events/{PUBLISHED_EVENT}/schedule")
    page.wait_for_load_state("networkidle")
    cell = page.locator("#schedule-grid td:not(.empty)").first
    move = cell.locator("details[hx-get]")
    move.locator("summary").focus()
    page.keyboard.press("Enter")
    # the form takes the place of the link to its page, and its first field takes the focus
    expect(cell.get_by_label("Slot", exact=True)).to_be_focused()
    expect(cell.get_by_label("Table", exact=True)).to_be_visible()
    expect(cell.get_by_role("link", name=re.compile("^Open the move form"))).to_have_count(0)
    found: dict[str, list[str]] = {"schedule, a move opened": page_problems(page)}
    address = move.get_attribute("hx-get")
    assert address is not None
    page.goto(address)
    expect(page.get_by_role("heading", level=2)).to_contain_text("Move the meeting of")
    found["a meeting's move page"] = page_problems(page)
    found = {where: problems for where, problems in found.items() if problems}
    assert not found, report(found)
