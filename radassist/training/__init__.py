"""Training, evaluation and export: needs the ``[train]`` extra (TensorFlow, Keras, scikit-learn, SciPy,
matplotlib). It may import ``radassist.core``; nothing in the run time imports it."""
