"""dbt-vm: run Linux programs built for other instruction sets by binary translation."""

__version__ = "0.1.0"


def __getattr__(name):
    # `from dbt import Machine` without importing the runtime on every `import dbt`.
    if name == "Machine":
        from .runtime import Machine
        return Machine
    raise AttributeError(name)
