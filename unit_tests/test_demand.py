from rules.demand import uncovered

NAT = (1, 10, "national")
PRE = (1, 10, "presale")
OTHER_COMPANY = (2, 10, "national")


def test_parked_beyond_the_atp_is_uncovered():
    parked = {NAT: 5.0, PRE: 3.0, OTHER_COMPANY: 2.0}
    atp = {NAT: 2.0, PRE: 3.0}
    assert uncovered(parked, atp) == {NAT: 3.0, OTHER_COMPANY: 2.0}


def test_supply_without_parked_demand_is_not_a_gap():
    assert uncovered({}, {NAT: 4.0}) == {}
    assert uncovered({NAT: 1.0}, {NAT: 4.0}) == {}


def test_rounding_noise_is_no_gap():
    assert uncovered({NAT: 0.1 + 0.2}, {NAT: 0.3}, rounding=0.01) == {}
