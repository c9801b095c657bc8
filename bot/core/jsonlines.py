"""Reading one line of the JSON-lines tools (``check-text``, ``faq-match``) strictly.

Whatever id a line carries is echoed in the answer, so a line is read only if what it holds
can be written back as JSON: Python's reader would take 1e400 as infinity and NaN as a
number, and the answer line would then be no JSON at all for a strict reader (jq,
JSON.parse). A byte-order mark (a file saved as "UTF-8 with BOM") is read past.
"""

from __future__ import annotations

import json
import math
from typing import Any


def read_line(line: str) -> Any:
    """The JSON value of ``line``; ValueError with a short reason when it is not JSON."""
    try:
        return json.loads(line.lstrip("\ufeff"), parse_float=_finite, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        raise ValueError(exc.msg) from exc


def _finite(number: str) -> float:
    value = float(number)
    if math.isinf(value):
        raise ValueError(f"number out of range: {number}")
    return value


def _not_json(constant: str) -> float:
    raise ValueError(f"{constant} is not JSON")
