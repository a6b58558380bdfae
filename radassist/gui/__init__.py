"""The desktop app: PySide6 only here. It shows and asks; every rule is in radassist.core."""
