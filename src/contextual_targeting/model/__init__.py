"""Local Item-Attribute-Affinity model and segment-quality evaluation (local only, never bundled into a Lambda zip).

- ``data``: load the solution's CSV layout (any string ids, categorical ``|`` values, case-insensitive columns);
- ``query``: parse ``ITEMS.<field> = "<value>" [AND …]`` and find the matching items;
- ``affinity``: the model (``implicit`` ALS factors inside a rate × smoothed-share estimate);
- ``evaluation`` / ``metrics``: temporal split, baselines, precision@K, recall@K, AUC (the ``evaluate`` command);
- ``segment_model``: the scorer interface the Personalize emulator calls (``Fit``, ``SegmentModel``, errors);
- ``scorer``: that interface implemented by the affinity model (``PersonalizeEmulator(fit=scorer.fit)``).

A library the local runtime uses: nothing here imports ``contextual_targeting.local``.
"""
