"""Uncovered demand (Purchase ▸ Reporting ▸ Pre-order Demand): what parked
pre-order lines ask that no open request can promise.

Per company, product and kind: the parked quantity of the confirmed sale lines
less the ATP of the request lines whose request is not cancelled (drafts
included: a buyer who already drafted a request has covered that part). The
demand report's SQL view computes the same figure for its "gap" rows; a test
of the Odoo suite checks that they agree on random data.
"""

from .floats import compare


def uncovered(parked, atp, rounding=0.0):
    """{key: parked − ATP} of each key whose parked quantity is more than its ATP.

    ``parked``: {key: parked quantity}; ``atp``: {key: ATP of its requests that
    are not cancelled}; keys are (company, product, kind); ``rounding``: of the
    products' unit (0: exact, as the report's SQL compares stored quantities).
    """
    gaps = {}
    for key, quantity in parked.items():
        covered = atp.get(key, 0.0)
        if compare(quantity, covered, rounding) > 0:
            gaps[key] = quantity - covered
    return gaps
