"""The out-of-distribution gate: features, fitting, cross-validation (``radassist train-ood``)."""
