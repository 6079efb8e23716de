"""The SES v2 errors this emulator answers, one class per error code; the HTTP status is the one botocore's
``sesv2`` model gives the error shape."""

from contextual_targeting.local.emulation import ModeledError


class AlreadyExistsException(ModeledError, status=400):
    """The contact list or contact exists already."""


class BadRequestException(ModeledError, status=400):
    """A request SES refuses: a bad value, more topics than an update may set, an unknown topic, a bad page."""


class LimitExceededException(ModeledError, status=400):
    """A second contact list in the account, or more than 20 topics on a new list."""


class NotFoundException(ModeledError, status=404):
    """A missing contact list, contact or import job."""
