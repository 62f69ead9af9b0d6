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


#: delay policies (company setting, README "Delay policy")
ALWAYS_ASK = "always"  # ask on every slip; the company's lapse setting decides
FTC = "ftc"  # US FTC Mail, Internet, or Telephone Order Merchandise Rule (16 CFR 435)
EU = "eu"  # EU Consumer Rights Directive 2011/83, Art. 18
POLICIES = (ALWAYS_ASK, FTC, EU)
#: FTC: silence counts as consent only for a first definite delay of up to this
FTC_SILENT_DAYS = 30

#: what an unanswered question becomes (``lapse_outcome``)
KEEP = "keep"
CANCEL_LINES = "cancel"


def asks_undated(policy):
    """Whether a line left without a date (parked again: an indefinite delay)
    is asked, beside later dates: under the FTC and EU rules it is."""
    return policy in (FTC, EU)


def lapse_outcome(policy, company_choice, agreed, new, delays):
    """What an unanswered question becomes under ``policy``: ``company_choice``
    (KEEP or CANCEL_LINES) for "Always ask"; FTC: kept (consent by silence)
    only for the first definite delay of at most 30 days, else cancelled and
    refunded; EU: kept (the customer did not terminate the contract).
    ``delays``: how many delays this line was notified of, this one included."""
    if policy == FTC:
        definite = bool(agreed and new)
        short = definite and (new - agreed).days <= FTC_SILENT_DAYS
        return KEEP if delays <= 1 and short else CANCEL_LINES
    if policy == EU:
        return KEEP
    return company_choice


def eu_late(agreed, today, delivered):
    """EU: the agreed date passed and the goods were not delivered: the
    customer is offered to wait for a new date or cancel."""
    return bool(agreed) and today > agreed and not delivered
