"""The IR (frozen dataclasses, SSA, ``verify``), its interpreter, and its printer in the seeds' Wengert-list notation."""
