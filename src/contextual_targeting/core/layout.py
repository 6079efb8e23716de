"""Where the solution's objects live in its buckets: each prefix's one value in Python.

A deployment's prefixes are the Terraform modules' variables; a function reads them from the environment its module
sets (``core.function_config``), never from here. These constants serve what runs outside a deployment (the CLI,
the local runtime, the benchmarks) and the keyword defaults of the core functions. The local runtime builds every
function's environment from them, and ``tests/terraform/test_plan.py`` holds that environment equal to what
Terraform plans: a default changed on one side only fails there.
"""

EXPORT_PREFIX = "segments/"  # segments/<dataset group>/<job>/<segment>.csv, the destination-agnostic exports
TRAIN_PREFIX = "train/"  # train/<dataset group>/config.json and the datasets (users.csv feeds the destinations)
SES_PREFIX = "ses/"  # ses/imports/, ses/topics/, ses/locks/
CONNECT_PREFIX = "connect/"  # connect/uploads/, connect/locks/
PINPOINT_IMPORT_PREFIX = "pinpoint/"  # in the segment import bucket: endpoints.csv, segments/
PINPOINT_WORK_PREFIX = "work/pinpoint/"  # the resolution's chunk files, per execution
