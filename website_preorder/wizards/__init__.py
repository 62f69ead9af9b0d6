from . import preorder_gap_order, preorder_promise_import, preorder_ship_unpaid
