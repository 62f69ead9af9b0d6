"""Date-slip consent (README "Date-slip consent"): when a pre-order line's
promise date moves later than the date the customer agreed to, by more than
the company's threshold, the customer is asked to accept the new date or
cancel the line; no answer within the company's days lapses the question.
"""

from datetime import timedelta

PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"
LAPSED = "lapsed"
STATES = (PENDING, ACCEPTED, DECLINED, LAPSED)

ACCEPT = "accept"
CANCEL = "cancel"
ANSWERS = (ACCEPT, CANCEL)

#: why an answer is refused
NOTHING_WAITING = "nothing_waiting"
SHIPPED = "shipped"
LAPSED_ALREADY = "lapsed"
UNKNOWN_ANSWER = "unknown_answer"


def slipped(agreed, new, threshold_days=0, undated=False):
    """Whether ``new`` is later than the ``agreed`` date by more than
    ``threshold_days`` (0: any slip). No agreed date: no slip. No new date: no
    slip, unless ``undated`` (a promise that lost its supply and has no date
    any more, an indefinite delay)."""
    if not agreed:
        return False
    if not new:
        return bool(undated)
    return (new - agreed).days > max(threshold_days or 0, 0)


def lapse_due(asked_at, now, days):
    """Whether a question asked at ``asked_at`` has had no answer for ``days``."""
    if not asked_at or days is None or days <= 0:
        return False
    return now >= asked_at + timedelta(days=days)


def answer_refusal(answer, states, shipped):
    """The code refusing an ``answer`` of an order whose lines' consent states
    are ``states`` (``shipped``: goods of the asked lines already left, are
    reserved for delivery, or the order is locked), or None when it may be
    taken. Accepting is always possible while the question is open."""
    if answer not in ANSWERS:
        return UNKNOWN_ANSWER
    if PENDING not in states:
        return LAPSED_ALREADY if LAPSED in states else NOTHING_WAITING
    if shipped and answer == CANCEL:
        # goods on their way can still be waited for, not cancelled here
        return SHIPPED
    return None
