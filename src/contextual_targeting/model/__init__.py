"""Local Item-Attribute-Affinity model and segment-quality evaluation (local only, never bundled into a Lambda zip).

- ``data``: load the solution's CSV layout (any string ids, categorical ``|`` values, case-insensitive columns);
- ``query``: parse ``ITEMS.<field> = "<value>" [AND …]`` and find the matching items;
- ``affinity``: the model (``implicit`` ALS factors inside a rate × smoothed-share estimate);
- ``evaluation`` / ``metrics``: temporal split, baselines, precision@K, recall@K, AUC (the ``evaluate`` command);
- ``scorer``: the adapter to the Personalize emulator's scorer interface (``contextual_targeting.local.scoring``).
"""
