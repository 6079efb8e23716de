"""The Personalize errors this emulator answers, one class per error code. Personalize speaks the awsJson protocol:
botocore's model gives its error shapes no HTTP status, and the service answers client errors with 400."""

from contextual_targeting.local.emulation import ModeledError


class InvalidInputException(ModeledError, status=400):
    """A malformed request, a schema Personalize refuses, a value outside what the operation accepts."""


class LimitExceededException(ModeledError, status=400):
    """A quota reached (dataset groups, schemas, solutions per group, jobs in progress)."""


class ResourceAlreadyExistsException(ModeledError, status=400):
    """A resource of that name (ARN) exists already."""


class ResourceInUseException(ModeledError, status=400):
    """The resource is not ACTIVE, has work in progress, is being deleted or is still needed."""


class ResourceNotFoundException(ModeledError, status=400):
    """No resource of that kind has the ARN (or its deletion has completed)."""
