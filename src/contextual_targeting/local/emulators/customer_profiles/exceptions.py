"""The Customer Profiles errors this emulator answers, one class per error code; the HTTP status is the one
botocore's ``customer-profiles`` model gives the error shape."""

from contextual_targeting.local.emulation import ModeledError


class BadRequestException(ModeledError, status=400):
    """A request the service refuses: a bad value, a name taken, a job in the wrong status, what the emulator cannot
    evaluate."""


class ResourceNotFoundException(ModeledError, status=404):
    """A missing domain, upload job, segment definition or estimate."""
