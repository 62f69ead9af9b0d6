"""Pure business rules of website_preorder.

Plain Python with no ORM import: inputs and outputs are plain data, so every
rule is unit-tested without a database (see ``unit_tests/`` at the repository
root). The models gather data in sets, call these rules and write the results;
the website, the back office and the scheduled actions all call the same code.
"""

from . import (  # noqa: F401
    allocation,
    atp,
    availability,
    balance,
    batches,
    cancellation,
    cart,
    hold,
    kinds,
    launch,
    presale,
    promise_csv,
    release,
    supply,
)
