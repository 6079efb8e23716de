"""The Pinpoint errors this emulator answers, one class per error code; the HTTP status is the one botocore's
``pinpoint`` model gives the error shape."""

from contextual_targeting.local.emulation import ModeledError


class BadRequestException(ModeledError, status=400):
    """An invalid value: a page token, an S3 URL, a role ARN, an e-mail address, a batch too large."""


class NotFoundException(ModeledError, status=404):
    """An unknown app, endpoint, segment, segment version or job (and a user without endpoints)."""


class TooManyRequestsException(ModeledError, status=429):
    """A throttled call (``throttle(operation, times)``)."""
