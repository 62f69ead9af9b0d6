from . import preorder_promise_import
