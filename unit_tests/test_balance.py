from datetime import date, datetime, timedelta

from rules import balance

NOW = datetime(2026, 12, 7, 12, 0)
DAY = timedelta(days=1)


def test_retry_spacing_doubles():
    assert balance.retry_at(NOW, 1, 2) == NOW + 2 * DAY
    assert balance.retry_at(NOW, 2, 2) == NOW + 4 * DAY
    assert balance.retry_at(NOW, 3, 2) == NOW + 8 * DAY


def test_next_step():
    later = NOW + DAY
    assert balance.next_step(NOW, 1, 3, later, NOW, 7, True) == balance.WAIT
    assert balance.next_step(later, 1, 3, later, NOW, 7, True) == balance.RETRY
    assert balance.next_step(later, 3, 3, None, NOW, 7, True) == balance.WAIT, "days to pay"
    assert balance.next_step(NOW + 7 * DAY, 3, 3, None, NOW, 7, True) == balance.FINAL
    assert balance.next_step(NOW + 7 * DAY, 0, 3, None, NOW, 7, False) == balance.FINAL, (
        "no saved method: the payment link's days, then the final action"
    )


def test_notice_due_days_before_the_promise_date_once():
    promise = date(2026, 12, 10)
    assert balance.notice_due(date(2026, 12, 7), promise, 3, False)
    assert not balance.notice_due(date(2026, 12, 6), promise, 3, False)
    assert not balance.notice_due(date(2026, 12, 7), promise, 3, True)
    assert not balance.notice_due(date(2026, 12, 7), promise, 0, False)
    assert not balance.notice_due(date(2026, 12, 7), None, 3, False)
