from rules import self_service as s

POLICIES = ("direct", "one")


def test_shipping_choice_changes_until_something_is_on_its_way():
    assert s.shipping_change_refusal("sale", False, True, False, "one", POLICIES) is None
    assert (
        s.shipping_change_refusal("draft", False, True, False, "one", POLICIES) == s.NOT_CONFIRMED
    )
    assert s.shipping_change_refusal("sale", False, False, False, "one", POLICIES) == s.NO_PREORDER
    assert s.shipping_change_refusal("sale", False, True, True, "one", POLICIES) == s.ON_ITS_WAY
    assert s.shipping_change_refusal("sale", True, True, False, "one", POLICIES) == s.LOCKED
    for policy in ("fast", "", None, 1):
        assert (
            s.shipping_change_refusal("sale", False, True, False, policy, POLICIES)
            == s.UNKNOWN_CHOICE
        )


def test_balance_method_until_the_balance_is_charged():
    assert s.balance_method_refusal("sale", "due", False, True) is None
    assert s.balance_method_refusal("sale", "due", "overdue", True) is None
    assert s.balance_method_refusal("cancel", "due", False, True) == s.NOT_CONFIRMED
    for deposit, balance in (
        ("invoiced", False),
        (False, False),
        ("due", "charging"),
        ("due", "paid"),
    ):
        assert s.balance_method_refusal("sale", deposit, balance, True) == s.NO_BALANCE
    assert s.balance_method_refusal("sale", "due", False, False) == s.UNKNOWN_CHOICE
