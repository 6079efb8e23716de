"""A stateful Amazon Personalize control plane for tests and the local runtime.

Covers what the training workflow uses: dataset groups, schemas, datasets, dataset import jobs, solutions, solution
versions, batch segment jobs (Create/Describe/List), plus DescribeRecipe; and what ``teardown`` needs: filters and
event trackers (Create/Describe/List/Delete) and the Deletes of every resource a dataset group holds.

Behaviour modelled on the service:
- ARNs in the real format (``dataset-group/<name>``, ``schema/<name>``, ``dataset/<group>/<TYPE>``,
  ``dataset-import-job/<name>``, ``solution/<name>``, ``solution/<name>/<id>``, ``batch-segment-job/<name>``);
- asynchronous resources go ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE`` / ``CREATE FAILED``, one step
  every ``describes_per_step`` Describe calls on that resource (``0``: terminal at creation);
- the work happens when a resource reaches its terminal state: an import job reads its CSV file (or every CSV under
  a folder) from S3 and checks it against the dataset's Avro schema (header, required fields, types), failing with
  a ``failureReason`` as Personalize does; a solution version checks the minimum data and fits the scorer
  (``scoring.fit`` unless another is given); a batch segment job reads its JSON-lines
  input and writes ``<output path><input file name>.out`` with one
  ``{"input": {...}, "output": {"usersList": [...]}, "error": null}`` line per query;
- deletes are asynchronous as in the service: the resource goes ``DELETE PENDING`` → ``DELETE IN_PROGRESS`` (one step
  per ``describes_per_step`` Describes) and is then gone (Describe: ``ResourceNotFoundException``); a resource still
  needed (a dataset group with datasets, solutions or event trackers; a schema a dataset uses; a solution or dataset
  with training or an import in progress) refuses with ``ResourceInUseException``; DeleteSolution takes the
  solution's versions with it;
- errors with the real codes: ``ResourceAlreadyExistsException``, ``ResourceNotFoundException``,
  ``InvalidInputException``, ``LimitExceededException``, ``ResourceInUseException``.

S3 is read and written through a boto3 client, so inside ``mock_aws`` it is moto's S3.

Layout (as every emulator package): ``exceptions``, ``models`` (resources, their lifecycle, limits), ``schemas``
(Avro schema rules), ``datasets`` (dataset groups, schemas, datasets, import jobs), ``imports`` (the CSV import
engine), ``training`` (solutions, versions, batch segment jobs, filters, event trackers, recipes), ``scoring`` (the
fallback scorer), ``inspection`` (helpers for tests), ``responses`` (the operations).
"""

from contextual_targeting.local.emulators.personalize.responses import PersonalizeEmulator

__all__ = ["PersonalizeEmulator"]
