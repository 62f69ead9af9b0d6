from datetime import date, datetime

from rules.consent import (
    ACCEPT,
    ACCEPTED,
    CANCEL,
    LAPSED,
    LAPSED_ALREADY,
    NOTHING_WAITING,
    PENDING,
    SHIPPED,
    UNKNOWN_ANSWER,
    answer_refusal,
    lapse_due,
    slipped,
)


def test_slipped_respects_the_threshold():
    agreed = date(2026, 12, 1)
    assert slipped(agreed, date(2026, 12, 2)), "any slip by default"
    assert not slipped(agreed, date(2026, 12, 1))
    assert not slipped(agreed, date(2026, 11, 20)), "an earlier date is no slip"
    assert not slipped(agreed, date(2026, 12, 4), 3)
    assert slipped(agreed, date(2026, 12, 5), 3)
    assert not slipped(None, date(2026, 12, 5))
    assert not slipped(agreed, None), "parked again: no date to agree to"


def test_lapse_due():
    asked = datetime(2026, 12, 1, 10)
    assert not lapse_due(asked, datetime(2026, 12, 8, 9), 7)
    assert lapse_due(asked, datetime(2026, 12, 8, 10), 7)
    assert not lapse_due(asked, datetime(2027, 1, 1), 0), "0 days: never lapses"
    assert not lapse_due(None, datetime(2027, 1, 1), 7)


def test_answer_refusal():
    assert answer_refusal(ACCEPT, [PENDING, ACCEPTED], False) is None
    assert answer_refusal(CANCEL, [PENDING], False) is None
    assert answer_refusal("maybe", [PENDING], False) == UNKNOWN_ANSWER
    assert answer_refusal(ACCEPT, [ACCEPTED], False) == NOTHING_WAITING, "answered already"
    assert answer_refusal(CANCEL, [LAPSED], False) == LAPSED_ALREADY
    assert answer_refusal(CANCEL, [PENDING], True) == SHIPPED
    assert answer_refusal(ACCEPT, [PENDING], True) is None, "waiting is still possible"


def test_delay_policies_decide_what_silence_means():
    from datetime import date

    from rules import consent as c

    agreed = date(2026, 12, 1)
    assert c.lapse_outcome(c.ALWAYS_ASK, c.CANCEL_LINES, agreed, date(2026, 12, 5), 1) == "cancel"
    assert c.lapse_outcome(c.ALWAYS_ASK, c.KEEP, agreed, date(2027, 5, 5), 3) == "keep"
    assert c.lapse_outcome(c.FTC, c.KEEP, agreed, date(2026, 12, 31), 1) == "keep", "30 days"
    assert c.lapse_outcome(c.FTC, c.KEEP, agreed, date(2027, 1, 1), 1) == "cancel", "31 days"
    assert c.lapse_outcome(c.FTC, c.KEEP, agreed, None, 1) == "cancel", "indefinite"
    assert c.lapse_outcome(c.FTC, c.KEEP, agreed, date(2026, 12, 5), 2) == "cancel", "second"
    assert c.lapse_outcome(c.EU, c.CANCEL_LINES, agreed, None, 2) == "keep"
    assert c.asks_undated(c.FTC) and c.asks_undated(c.EU) and not c.asks_undated(c.ALWAYS_ASK)


def test_eu_late_once_the_agreed_date_passed_undelivered():
    from datetime import date

    from rules import consent as c

    agreed = date(2026, 12, 1)
    assert c.eu_late(agreed, date(2026, 12, 2), False)
    assert not c.eu_late(agreed, date(2026, 12, 1), False)
    assert not c.eu_late(agreed, date(2026, 12, 2), True)
    assert not c.eu_late(None, date(2026, 12, 2), False)
