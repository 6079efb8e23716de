"""Local-only code: emulators of AWS services moto lacks and the one-process runtime (never bundled in a zip)."""
