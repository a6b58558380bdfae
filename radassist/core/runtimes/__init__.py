"""Model runtimes: LiteRT on the CPU (always), TensorFlow for the GPU (optional, the one fenced exception)."""
