from . import (
    test_availability,
    test_presale_price,
    test_requests,
    test_security,
    test_settings,
)
