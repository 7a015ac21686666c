"""The derivative transforms over the IR: forward (tangents), reverse (adjoints), and their compositions."""
