"""Fault injection and request logging shared by the fake vendor servers.

Every setting can be changed while the server runs, from any thread.
"""

import collections
import dataclasses
import math
import random
import threading
import time


@dataclasses.dataclass(frozen=True)
class LoggedRequest:
    """One request as the fake server received it."""

    number: int
    method: str
    path: str
    query: dict
    status: int | None = None


@dataclasses.dataclass(frozen=True)
class RateLimitDecision:
    """Outcome of one rate limit check, with the values vendors put in headers."""

    allowed: bool
    max_requests: int
    remaining: int
    window_seconds: float
    retry_after_seconds: int


class SlidingWindowLimiter:
    """Allow at most max_requests in any rolling window of window_seconds."""

    def __init__(self, max_requests, window_seconds):
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1, got %r" % max_requests)
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive, got %r" % window_seconds)

        self.max_requests = max_requests
        self.window_seconds = window_seconds
        self._accepted = collections.deque()

    def acquire(self, now):
        """Record one request at `now` unless the window is full."""
        while self._accepted and self._accepted[0] <= now - self.window_seconds:
            self._accepted.popleft()

        if len(self._accepted) < self.max_requests:
            self._accepted.append(now)
            remaining = self.max_requests - len(self._accepted)
            return RateLimitDecision(True, self.max_requests, remaining, self.window_seconds, 0)

        wait = self._accepted[0] + self.window_seconds - now
        # Retry-After is in whole seconds, so a window shorter than 1 s still sends 1.
        retry_after = max(1, math.ceil(wait))
        return RateLimitDecision(False, self.max_requests, 0, self.window_seconds, retry_after)


class Faults:
    """Faults that a fake server injects, keyed by request number (1 = first request).

    Request numbers count every request the server receives, including token requests and
    requests that fail. The timeout check runs first, then the server error check, then
    authentication and then the rate limit.
    """

    def __init__(self, log_size=10_000):
        self._lock = threading.Lock()
        self._request_count = 0
        self._log = collections.deque(maxlen=log_size)
        self._limiter = None
        self._error_numbers = {}
        self._error_probability = 0.0
        self._error_status = 503
        self._random = random.Random(0)
        self._timeout_numbers = set()
        self.timeout_delay_seconds = 30.0

    # Configuration, callable at run time.

    def set_rate_limit(self, max_requests, window_seconds):
        """Allow max_requests per rolling window of window_seconds, then send the vendor's rate limit error."""
        with self._lock:
            self._limiter = SlidingWindowLimiter(max_requests, window_seconds)

    def clear_rate_limit(self):
        with self._lock:
            self._limiter = None

    def fail_requests(self, *numbers, status=503):
        """Fail the given request numbers with a server error of `status`."""
        with self._lock:
            for number in numbers:
                self._error_numbers[number] = status

    def fail_randomly(self, probability, *, seed=0, status=503):
        """Fail each request with a server error at `probability`, in the same order for the same seed."""
        with self._lock:
            self._error_probability = probability
            self._error_status = status
            self._random = random.Random(seed)

    def time_out_requests(self, *numbers, delay_seconds=None):
        """Hold the given request numbers for delay_seconds before responding.

        Pick a delay longer than the client's read timeout. The server then responds normally
        after the delay, and ignores the error when the client has already gone.
        """
        with self._lock:
            self._timeout_numbers.update(numbers)
            if delay_seconds is not None:
                self.timeout_delay_seconds = delay_seconds

    def clear(self):
        """Remove every fault. The request count and the log stay."""
        with self._lock:
            self._limiter = None
            self._error_numbers.clear()
            self._error_probability = 0.0
            self._timeout_numbers.clear()

    # Checks, called by the server for each request.

    def register(self, method, path, query):
        """Count a new request and log it. Return its number."""
        with self._lock:
            self._request_count += 1
            number = self._request_count
            self._log.append(LoggedRequest(number, method, path, query))
            return number

    def record_status(self, number, status):
        with self._lock:
            for index in range(len(self._log) - 1, -1, -1):
                entry = self._log[index]
                if entry.number == number:
                    self._log[index] = dataclasses.replace(entry, status=status)
                    return

    def should_time_out(self, number):
        with self._lock:
            return number in self._timeout_numbers

    def server_error_status(self, number):
        """Return the status to fail this request with, or None."""
        with self._lock:
            if number in self._error_numbers:
                return self._error_numbers[number]
            if self._error_probability and self._random.random() < self._error_probability:
                return self._error_status
            return None

    def check_rate_limit(self):
        """Count one request against the rate limit. Return None when no limit is set."""
        with self._lock:
            if self._limiter is None:
                return None
            return self._limiter.acquire(time.monotonic())

    # Inspection, for tests.

    @property
    def request_count(self):
        with self._lock:
            return self._request_count

    @property
    def requests(self):
        """Copy of the request log, oldest first. Holds at most log_size entries."""
        with self._lock:
            return list(self._log)
