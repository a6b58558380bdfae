"""Training, calibration and evaluation of the chest X-ray classifier (TensorFlow imported lazily).

Modules: ``datasets`` (folder-per-class and CSV records), ``split`` (patient-level split + manifest),
``pipeline`` (tf.data input + augmentation), ``model`` (``build_classifier``), ``train`` (two-phase
transfer learning), ``calibrate`` (temperature + threshold), ``metrics`` (NumPy), ``report`` (JSON,
Markdown, HTML with inline SVG) and ``evaluate`` (a package on any labelled data).
"""
