"""Record the expected outputs of the case tables (tests/cases/rv64_*.txt) from Unicorn.

    python tests/semantics/make_cases.py [--refresh] [FILE...]

Fills in every line whose OUTPUTS are ``?`` with the outcome of ``rv64_spec.reference``
(Unicorn, corrected where QEMU 5.0 differs from the spec; the corrections applied are noted in
the line's comment as ``spec: <names>``).  ``--refresh`` re-records every line, except those
whose comment starts with ``reasoned:`` (their expected values are argued in the comment, not
recorded).  With no FILE, all case files.  The format is described in rv64_cases.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import UnicornOracle                          # noqa: E402
from rv64_cases import case_files, format_outputs, parse_line  # noqa: E402
from rv64_spec import reference                            # noqa: E402

REASONED = "reasoned:"
SPEC_NOTE = "spec: "


def record_line(oracle, line: str, where: str, refresh: bool) -> str:
    body, _, comment = line.partition("#")
    if not body.strip():
        return line
    case = parse_line(body, comment.strip(), where)
    if case.comment.startswith(REASONED) or (case.outputs is not None and not refresh):
        return line
    setup = case.setup()
    got, fixes = reference(oracle, setup)
    notes = [c for c in case.comment.split("; ") if c and not c.startswith(SPEC_NOTE)]
    if fixes:
        notes.append(SPEC_NOTE + ", ".join(fixes) + " (see rv64_spec.py)")
    tag = f" @{case.backend}" if case.backend else ""
    inputs = f" {case.inputs} " if case.inputs else " "
    text = f"{case.insns} ;{inputs}=> {format_outputs(setup, got)}{tag}"
    return text + (f"  # {'; '.join(notes)}" if notes else "")


def record_file(oracle, path: Path, refresh: bool) -> int:
    lines = path.read_text().splitlines()
    new = [record_line(oracle, line, f"{path.name}:{n}", refresh)
           for n, line in enumerate(lines, 1)]
    changed = sum(a != b for a, b in zip(lines, new))
    if changed:
        path.write_text("\n".join(new) + "\n")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true",
                        help="re-record every line that is not 'reasoned:'")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    oracle = UnicornOracle()
    for path in args.files or case_files():
        print(f"{path}: {record_file(oracle, path, args.refresh)} line(s) recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
