"""The transfer-learned chest X-ray classifier: backbone + head, the tf.data pipeline, two-phase training."""
