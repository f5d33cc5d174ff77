"""A moment told to people: on the event's clock, with its zone named, in one wording everywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from matchmaker.scheduling.exports import told_date
from matchmaker.services.events.rules import on_event_clock, told_in_zone

FIVE_PM_ISTANBUL = datetime(2038, 2, 25, 14, 0, tzinfo=UTC)


def test_a_moment_reads_on_the_events_clock_and_names_its_zone() -> None:
    assert told_in_zone(FIVE_PM_ISTANBUL, "Europe/Istanbul") == "25 February 2038 at 17:00 (Europe/Istanbul)"


def test_an_offset_given_elsewhere_still_reads_on_the_events_clock() -> None:
    tokyo = FIVE_PM_ISTANBUL.astimezone(ZoneInfo("Asia/Tokyo"))
    assert told_in_zone(tokyo, "Europe/Istanbul") == "25 February 2038 at 17:00 (Europe/Istanbul)"


def test_without_a_zone_the_moment_reads_in_utc_and_says_so() -> None:
    assert told_in_zone(FIVE_PM_ISTANBUL, None) == "25 February 2038 at 14:00 (UTC)"
    assert told_in_zone(FIVE_PM_ISTANBUL.replace(tzinfo=None), None) == "25 February 2038 at 14:00 (UTC)"


def test_a_zone_the_system_does_not_know_reads_in_utc_instead_of_failing() -> None:
    assert told_in_zone(FIVE_PM_ISTANBUL, "Mars/Olympus_Mons") == "25 February 2038 at 14:00 (UTC)"
    assert told_in_zone(FIVE_PM_ISTANBUL, "../etc") == "25 February 2038 at 14:00 (UTC)"


def test_the_date_on_the_events_clock_falls_back_to_utc_for_a_zone_the_system_does_not_know() -> None:
    late_evening = datetime(2038, 2, 25, 22, 30, tzinfo=UTC)
    assert on_event_clock(late_evening, "Asia/Tokyo").date().isoformat() == "2038-02-26"
    assert on_event_clock(late_evening, "Mars/Olympus_Mons") == late_evening
    assert on_event_clock(late_evening.replace(tzinfo=None), None) == late_evening


def test_the_day_of_the_month_is_written_without_a_leading_zero() -> None:
    early_in_the_month = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert told_in_zone(early_in_the_month, None) == "2 November 2026 at 09:30 (UTC)"
    assert told_date(early_in_the_month) == "2 November 2026"
