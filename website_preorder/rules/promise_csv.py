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


def _decode(content):
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = content[: error.start].count(b"\n") + 1
        raise CsvError(
            f"Row {row}: not UTF-8 text (save the file as CSV UTF-8 and try again)."
        ) from error


def _read(text, delimiter):
    """Every row of the CSV (standard quoting); a malformed one raises CsvError naming it."""
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter, strict=True)
    rows = []
    while True:
        try:
            rows.append(next(reader))
        except StopIteration:
            return rows
        except csv.Error as error:
            raise CsvError(f"Row {max(reader.line_num, 1)}: malformed CSV ({error}).") from error


def parse(content):
    """Rows of a CSV given as bytes. Raises CsvError for an unreadable file."""
    if not content:
        raise CsvError("The file is empty.")
    text = _decode(content)
    if not text.strip():
        raise CsvError("The file is empty.")
    try:
        delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    rows = _read(text, delimiter)
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


def _ids(value):
    """The ids a look-up found: None (nothing), or a tuple of one or more ids."""
    if value is None:
        return None
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted(value)) or None
    return (value,)


def validate(rows, orders, products, order_products, today, order_states=None):
    """Errors of ``rows``; an empty list means every row is good.

    - ``orders``: {order reference: order id, or the ids of every order bearing it};
    - ``products``: {SKU or barcode: product id, or the ids of every product
      bearing it as SKU or barcode};
    - ``order_products``: {order id: set of product ids with pre-order lines};
    - ``today``: a date, or {order id: date} (each order's company date);
    - ``order_states``: {order id: sale order state}; only confirmed orders
      ("sale") take promise dates.
    A reference or code naming more than one record is refused as ambiguous.
    Returns ``[(row number, reason), ...]``.
    """
    errors = []
    seen = {}
    order_states = order_states or {}
    for row in rows:
        reasons = []
        order_ids = _ids(orders.get(row.order))
        product_ids = _ids(products.get(row.product))
        order_id = product_id = None
        if not row.order:
            reasons.append("no order reference")
        elif order_ids is None:
            reasons.append(f"unknown order {row.order!r}")
        elif len(order_ids) > 1:
            reasons.append(f"ambiguous order {row.order!r} ({len(order_ids)} orders bear it)")
        elif order_states.get(order_ids[0], "sale") == "cancel":
            reasons.append(f"order {row.order} is cancelled")
        elif order_states.get(order_ids[0], "sale") != "sale":
            reasons.append(f"order {row.order} is not confirmed")
        else:
            order_id = order_ids[0]
        if not row.product:
            reasons.append("no product")
        elif product_ids is None:
            reasons.append(f"unknown product {row.product!r}")
        elif len(product_ids) > 1:
            reasons.append(
                f"ambiguous product {row.product!r} "
                f"(the SKU or barcode of {len(product_ids)} products)"
            )
        else:
            product_id = product_ids[0]
        if order_id is not None and product_id is not None:
            if product_id not in order_products.get(order_id, ()):
                reasons.append(f"product {row.product!r} is not a pre-order line of {row.order}")
            elif (order_id, product_id) in seen:
                reasons.append(f"same order and product as row {seen[(order_id, product_id)]}")
            else:
                seen[(order_id, product_id)] = row.number
        row_today = (
            today.get(order_id, min(today.values(), default=None))
            if isinstance(today, dict)
            else today
        )
        if row.date is None:
            reasons.append(f"bad date {row.raw_date!r} (use YYYY-MM-DD)")
        elif row_today is not None and row.date < row_today:
            reasons.append(f"date {row.date.isoformat()} is in the past")
        if reasons:
            errors.append((row.number, "; ".join(reasons)))
    return errors


def format_errors(errors):
    return "\n".join(f"Row {number}: {reason}" for number, reason in errors)
