"""No log line carries a secret: payment tokens and bearer tokens are masked in every record.

The services never log a token themselves, but the libraries under them do at debug
(aiokafka logs each record it sends, value and all) and an error may quote its input (a
validation error shows the body it refused). So every record is rendered and masked as
it is made, its traceback too, whatever handler or format writes it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "[redacted]"
#: A payment token as JSON, a dict's repr or a model's repr write it.
PAYMENT_TOKEN = re.compile(r"""(payment_token\\?["']?\s*[:=]\s*b?\\?["'])[^"'\\]*""")
#: A JWT (three base64url parts, the first two JSON objects), and a bearer credential.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every payment token and bearer token in it masked."""
    if "payment_token" in text:
        text = PAYMENT_TOKEN.sub(rf"\g<1>{MASK}", text)
    if "eyJ" in text:
        text = JWT.sub(MASK, text)
    if "earer" in text:
        text = BEARER.sub(rf"\g<1>{MASK}", text)
    return text


def mask_records() -> None:
    """Mask every log record this process makes from now on (once: a second call is none)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "masks", False):
        return

    def masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            record.msg, record.args = redact(record.getMessage()), ()
        except Exception:  # arguments that do not fit: logging reports it when it writes
            return record
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    masked.masks = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked)
