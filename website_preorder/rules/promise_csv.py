"""Validation of the bulk promise date import (CSV: order, product, date)."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

COLUMNS = ("order", "product", "date")
HEADER_ALIASES = {
    "order": {"order", "order reference", "order_reference", "sale order", "reference"},
    "product": {"product", "sku", "barcode", "product sku or barcode", "sku or barcode"},
    "date": {"date", "new date", "new_date", "promise date", "promise_date"},
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class Row:
    number: int  # line number in the file (header is 1)
    order: str
    product: str
    date: object  # datetime.date, or None when invalid
    raw_date: str


class CsvError(ValueError):
    """The file as a whole cannot be read."""


def parse(content):
    """Rows of a CSV given as bytes. Raises CsvError for an unreadable file."""
    if not content:
        raise CsvError("The file is empty.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvError("The file is not UTF-8 text.") from error
    if not text.strip():
        raise CsvError("The file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = list(reader)
    header = [cell.strip().lower() for cell in rows[0]]
    positions = {}
    for column in COLUMNS:
        matches = [i for i, name in enumerate(header) if name in HEADER_ALIASES[column]]
        if len(matches) != 1:
            raise CsvError(
                "Wrong columns: expected a header with order reference, product SKU or "
                f"barcode, and new date (got: {', '.join(rows[0]) or 'nothing'})."
            )
        positions[column] = matches[0]
    result = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            column: (cells[pos].strip() if pos < len(cells) else "")
            for column, pos in positions.items()
        }
        result.append(
            Row(
                number,
                values["order"],
                values["product"],
                parse_date(values["date"]),
                values["date"],
            )
        )
    if not result:
        raise CsvError("The file has no rows to import.")
    return result


def parse_date(value):
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def validate(rows, orders, products, order_products, today):
    """Errors of ``rows``; an empty list means every row is good.

    - ``orders``: {order reference: order id} of the known orders;
    - ``products``: {SKU or barcode: product id};
    - ``order_products``: {order id: set of product ids with pre-order lines};
    Returns ``[(row number, reason), ...]``.
    """
    errors = []
    seen = {}
    for row in rows:
        reasons = []
        order_id = orders.get(row.order)
        product_id = products.get(row.product)
        if not row.order:
            reasons.append("no order reference")
        elif order_id is None:
            reasons.append(f"unknown order {row.order!r}")
        if not row.product:
            reasons.append("no product")
        elif product_id is None:
            reasons.append(f"unknown product {row.product!r}")
        if order_id is not None and product_id is not None:
            if product_id not in order_products.get(order_id, ()):
                reasons.append(f"product {row.product!r} is not a pre-order line of {row.order}")
            elif (order_id, product_id) in seen:
                reasons.append(f"same order and product as row {seen[(order_id, product_id)]}")
            else:
                seen[(order_id, product_id)] = row.number
        if row.date is None:
            reasons.append(f"bad date {row.raw_date!r} (use YYYY-MM-DD)")
        elif row.date < today:
            reasons.append(f"date {row.date.isoformat()} is in the past")
        if reasons:
            errors.append((row.number, "; ".join(reasons)))
    return errors


def format_errors(errors):
    return "\n".join(f"Row {number}: {reason}" for number, reason in errors)
