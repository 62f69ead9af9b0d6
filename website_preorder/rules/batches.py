"""Batches of whole products, so that set-based jobs keep their memory flat.

Allocation and release are first in first out per product: a product's lines
are never split between batches, and a batch holds about ``size`` lines.
"""


def by_product(lines_by_product, size):
    """[(product ids, line ids)] from ``[(product id, line ids)]``, in the order
    given: about ``size`` lines a batch (a product with more lines makes a batch
    of its own; ``size`` below 1 counts as 1)."""
    batches = []
    for product_id, line_ids in lines_by_product:
        if not batches or len(batches[-1][1]) + len(line_ids) > max(size, 1):
            batches.append(([], []))
        batches[-1][0].append(product_id)
        batches[-1][1].extend(line_ids)
    return batches
