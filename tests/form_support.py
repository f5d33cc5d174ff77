"""Multipart bodies written by hand, for the bounds of the form reader a browser never reaches."""

from __future__ import annotations

BOUNDARY = "xyzzy"
#: The ``Content-Type`` of a body from :func:`multipart_body`.
MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def multipart_body(*parts: list[str]) -> bytes:
    """A multipart body of ``parts``, each given as its header lines (its content is one line)."""
    body = "".join(
        f"--{BOUNDARY}\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\nx\r\n" for headers in parts
    )
    return (body + f"--{BOUNDARY}--\r\n").encode()


def many_parts(count: int) -> bytes:
    """A form of ``count`` text fields."""
    return multipart_body(*([f'Content-Disposition: form-data; name="note{k}"'] for k in range(count)))


def many_headers(count: int, field: str = "files") -> bytes:
    """A form of one file part with ``count`` headers."""
    disposition = f'Content-Disposition: form-data; name="{field}"; filename="cities.jsonl"'
    return multipart_body([disposition, *(f"X-Note-{k}: {k}" for k in range(count - 1))])
