"""The app's request class: a url-encoded form is held to the bound of a multipart form.

The framework stops reading a multipart form at ``multipart_form_part_limit`` parts
(:data:`~matchmaker.web.errors.FORM_PART_LIMIT`) but parses a url-encoded body into as many fields as
it holds, up to the body size limit: hundreds of thousands of them for a megabyte of ``&``. It has no
setting for that, so :class:`FormRequest` counts the fields before the form is parsed and refuses a
form over the bound in the words used for a multipart form (413).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.enums import RequestEncodingType

from matchmaker.web.errors import FORM_PART_LIMIT, too_many_form_parts


def url_encoded_fields(body: bytes) -> int:
    """How many fields a url-encoded body holds, as the form parser reads it (an empty piece between
    two ``&`` is no field)."""
    return sum(1 for piece in body.split(b"&") if piece)


class FormRequest(Request[Any, Any, Any]):
    """A request whose url-encoded form has at most :data:`FORM_PART_LIMIT` fields
    (:class:`~matchmaker.errors.PayloadTooLargeError` otherwise)."""

    async def form(self) -> FormMultiDict:
        """The form, as :meth:`Request.form`, once its fields are counted when it is url-encoded."""
        if self.content_type[0] == RequestEncodingType.URL_ENCODED:
            body = await self.body()
            # Counting the '&' first keeps the common form from being split twice.
            if body.count(b"&") >= FORM_PART_LIMIT and url_encoded_fields(body) > FORM_PART_LIMIT:
                raise too_many_form_parts()
        return await super().form()


__all__ = ["FormRequest", "url_encoded_fields"]
