"""Every rule of RadAssist lives here: pure Python, NumPy and (lazily) TensorFlow. Never Qt."""
