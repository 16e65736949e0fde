"""Lowering of the IR's floating-point ops (registers into lower.LOWER).

Not written yet: without an entry here, a block with an FP op is run by the interpreter.
"""
