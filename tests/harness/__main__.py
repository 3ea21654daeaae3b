"""python3 -m harness smtp ... | dev up|down|status ...  (PYTHONPATH: the tests folder)"""

import sys


def main(argv):
    commands = ("smtp", "dev")
    if not argv or argv[0] not in commands:
        sys.stderr.write("usage: python3 -m harness {%s} [ARGS...]\n" % ",".join(commands))
        return 2
    if argv[0] == "smtp":
        from .smtp import main as command
    else:
        from .dev import main as command
    return command(argv[1:])


sys.exit(main(sys.argv[1:]))
