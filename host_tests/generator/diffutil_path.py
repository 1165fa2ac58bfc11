# Importing this puts host_tests/differential (diffutil and the checked-in
# differential_pb) on sys.path for the generator tests that reuse them.
import os
import sys

_D = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "differential")
if _D not in sys.path:
    sys.path.append(_D)
