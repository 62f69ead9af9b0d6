from . import (
    test_allocation,
    test_availability,
    test_catalog,
    test_feed,
    test_presale_price,
    test_promise_dates,
    test_race,
    test_release,
    test_requests,
    test_security,
    test_settings,
)
