"""What a customer may change on their confirmed pre-order from the portal,
besides lowering or cancelling lines (``rules.cancellation``)."""

#: refusal codes (the portal shows a fixed message for each)
NOT_CONFIRMED = "not_confirmed"
LOCKED = "locked"
NO_PREORDER = "no_preorder"
ON_ITS_WAY = "on_its_way"
UNKNOWN_CHOICE = "unknown_choice"
NO_BALANCE = "no_balance"


def shipping_change_refusal(state, locked, has_preorder_lines, started, policy, policies):
    """Why the customer may not set the order's shipping choice to ``policy``
    now, or None: the order is confirmed and not locked (Odoo's Lock), holds
    pre-order or pre-sale lines, and nothing of it was released or shipped yet
    (``started``); ``policy`` is one of ``policies``."""
    if state != "sale":
        return NOT_CONFIRMED
    if locked:
        return LOCKED
    if not has_preorder_lines:
        return NO_PREORDER
    if started:
        return ON_ITS_WAY
    if policy not in policies:
        return UNKNOWN_CHOICE
    return None


def balance_method_refusal(state, deposit, balance_state, token_is_theirs):
    """Why the customer may not choose the saved payment method their balance
    is charged to, or None: a confirmed deposit order whose balance is not
    invoiced nor being charged or paid yet, and a payment method of their
    own."""
    if state != "sale":
        return NOT_CONFIRMED
    if deposit != "due" or balance_state in ("charging", "paid"):
        return NO_BALANCE
    if not token_is_theirs:
        return UNKNOWN_CHOICE
    return None
