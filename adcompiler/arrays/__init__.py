"""The array half: NumPy lowering, shape inference, specialisation, aliasing and in-place checks, NumPy emission."""
