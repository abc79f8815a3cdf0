"""``UploadTracker``: progress and outcome of one request's body upload (reference:
``UploadTracker``, ``upload_tracker=``).

Each send of the request (the first one, a redirect, a middleware retry) is an
*attempt*; ``bytes_written`` counts the current attempt's body bytes before the
content coding and chunked framing.  ``upload_complete`` settles once the request
is over (the session calls :meth:`UploadTracker._request_done`) and the last
attempt's body writer has stopped.
"""

import asyncio
from typing import Optional

from ..client_exceptions import UploadAbortedError

__all__ = ("UploadTracker",)

_PENDING = 0  # the attempt has not written its body yet
_WRITING = 1
_DONE = 2
_FAILED = 3


class UploadTracker:
    """Observe the body upload of one request; create it inside a running loop.

    :ivar attempts: ``int``, sends of the request so far (redirects and retries count).
    :ivar upload_complete: :class:`asyncio.Future` set to ``None`` when the last
        attempt wrote the whole body, to the upload error when it failed, or to
        :exc:`UploadAbortedError` when the body was never fully sent.
    """

    def __init__(self) -> None:
        self.upload_complete: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.attempts = 0
        self._bytes = 0
        self._bound = False
        self._state = _PENDING
        self._error: Optional[BaseException] = None
        self._request_over = False

    @property
    def bytes_written(self) -> int:
        """Body bytes of the current attempt handed to the transport (``int``)."""
        return self._bytes

    def __repr__(self) -> str:
        return f"<UploadTracker attempts={self.attempts} bytes_written={self._bytes}>"

    # -- driven by the session and the request ------------------------------------

    def _bind(self) -> None:
        """:raises RuntimeError: the tracker already observes another request."""
        if self._bound:
            raise RuntimeError("This UploadTracker is already bound to a request; create one per request")
        self._bound = True

    def _attempt_started(self, has_body: bool) -> int:
        """A new send of the request begins (before connecting); returns its number."""
        self.attempts += 1
        self._bytes = 0
        self._error = None
        self._state = _PENDING if has_body else _DONE
        return self.attempts

    def _attempt_writing(self, attempt: int) -> None:
        if attempt == self.attempts:
            self._state = _WRITING

    def _add_bytes(self, attempt: int, n: int) -> None:
        if attempt == self.attempts:
            self._bytes += n

    def _attempt_finished(self, attempt: int) -> None:
        if attempt == self.attempts:
            self._state = _DONE
            self._settle()

    def _attempt_failed(self, attempt: int, exc: Optional[BaseException]) -> None:
        """The attempt's body stopped early; *exc* ``None`` means cancelled."""
        if attempt == self.attempts and self._state == _WRITING:
            self._state = _FAILED
            self._error = exc
            self._settle()

    def _request_done(self) -> None:
        """The request is over (returned or raised): no new attempt follows."""
        self._request_over = True
        self._settle()

    def _settle(self) -> None:
        if not self._request_over or self._state == _WRITING or self.upload_complete.done():
            return
        if self.attempts and self._state == _DONE:
            self.upload_complete.set_result(None)
        elif self._state == _FAILED and self._error is not None:
            self.upload_complete.set_exception(self._error)
            self.upload_complete.exception()  # nobody must await it: no "never retrieved" log
        else:
            self.upload_complete.set_exception(UploadAbortedError("The request body was never fully sent"))
            self.upload_complete.exception()  # nobody must await it: no "never retrieved" log
