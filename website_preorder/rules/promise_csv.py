"""Validation of the bulk promise date import (CSV: order, product, date).

Problems are reason codes with their values (``Problem``); the import wizard
turns them into translated messages.
"""

import csv
import io
from dataclasses import dataclass, field
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


#: the file cannot be read
EMPTY = "empty"
NOT_UTF8 = "not_utf8"  # row
MALFORMED = "malformed"  # row, detail
WRONG_COLUMNS = "wrong_columns"  # got
NO_ROWS = "no_rows"
#: a row is refused
NO_ORDER = "no_order"
UNKNOWN_ORDER = "unknown_order"  # order
AMBIGUOUS_ORDER = "ambiguous_order"  # order, count
ORDER_CANCELLED = "order_cancelled"  # order
ORDER_NOT_CONFIRMED = "order_not_confirmed"  # order
NO_PRODUCT = "no_product"
UNKNOWN_PRODUCT = "unknown_product"  # product
AMBIGUOUS_PRODUCT = "ambiguous_product"  # product, count
NOT_ON_ORDER = "not_on_order"  # product, order
DUPLICATE = "duplicate"  # row (the first row with that order and product)
BAD_DATE = "bad_date"  # value
PAST_DATE = "past_date"  # date


@dataclass(frozen=True)
class Problem:
    code: str
    params: dict = field(default_factory=dict)


class CsvError(ValueError):
    """The file as a whole cannot be read: a reason code and its values."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


def _decode(content):
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = content[: error.start].count(b"\n") + 1
        raise CsvError(NOT_UTF8, row=row) from error


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
            raise CsvError(MALFORMED, row=max(reader.line_num, 1), detail=str(error)) from error


def parse(content):
    """Rows of a CSV given as bytes. Raises CsvError for an unreadable file."""
    if not content:
        raise CsvError(EMPTY)
    text = _decode(content)
    if not text.strip():
        raise CsvError(EMPTY)
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
            raise CsvError(WRONG_COLUMNS, got=", ".join(rows[0]))
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
        raise CsvError(NO_ROWS)
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
    Returns ``[(row number, [Problem, ...]), ...]``.
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
            reasons.append(Problem(NO_ORDER))
        elif order_ids is None:
            reasons.append(Problem(UNKNOWN_ORDER, {"order": row.order}))
        elif len(order_ids) > 1:
            reasons.append(Problem(AMBIGUOUS_ORDER, {"order": row.order, "count": len(order_ids)}))
        elif order_states.get(order_ids[0], "sale") == "cancel":
            reasons.append(Problem(ORDER_CANCELLED, {"order": row.order}))
        elif order_states.get(order_ids[0], "sale") != "sale":
            reasons.append(Problem(ORDER_NOT_CONFIRMED, {"order": row.order}))
        else:
            order_id = order_ids[0]
        if not row.product:
            reasons.append(Problem(NO_PRODUCT))
        elif product_ids is None:
            reasons.append(Problem(UNKNOWN_PRODUCT, {"product": row.product}))
        elif len(product_ids) > 1:
            reasons.append(
                Problem(AMBIGUOUS_PRODUCT, {"product": row.product, "count": len(product_ids)})
            )
        else:
            product_id = product_ids[0]
        if order_id is not None and product_id is not None:
            if product_id not in order_products.get(order_id, ()):
                reasons.append(Problem(NOT_ON_ORDER, {"product": row.product, "order": row.order}))
            elif (order_id, product_id) in seen:
                reasons.append(Problem(DUPLICATE, {"row": seen[(order_id, product_id)]}))
            else:
                seen[(order_id, product_id)] = row.number
        row_today = (
            today.get(order_id, min(today.values(), default=None))
            if isinstance(today, dict)
            else today
        )
        if row.date is None:
            reasons.append(Problem(BAD_DATE, {"value": row.raw_date}))
        elif row_today is not None and row.date < row_today:
            reasons.append(Problem(PAST_DATE, {"date": row.date}))
        if reasons:
            errors.append((row.number, reasons))
    return errors
