"""Emulators of the AWS services moto lacks, one package per service, each in the same shape (after moto's):

- ``exceptions``: one class per error code the emulator answers (a ``ModeledError`` carrying the code and the HTTP
  status botocore's model gives it);
- ``models``: the service's state (dataclasses) and its rules — what is accepted, what fails with which error;
- ``imports`` (and other engines): the work a job does — reading S3 objects, training, scoring;
- ``inspection``: helpers for tests and the local runtime (what the emulated account holds, failure switches);
  not service operations;
- ``responses``: the emulator class — one ``op_<Operation>`` method per served operation, a thin adapter from the
  request onto the models.

The classes build on each other in that order (models → engines → inspection → responses), so the emulator a test
holds is one object with its state, rules and helpers. Every request reaches it through
``contextual_targeting.local.emulation.emulate``, which validates it against botocore's service model first.
"""
